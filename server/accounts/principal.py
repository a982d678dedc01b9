"""Who is calling: the identity behind a bearer token, and the scope tags it may read.

Scope belongs to the principal, never to the replica id (DESIGN.md §2): two installs holding the same
token see the same records.
"""

from __future__ import annotations

from dataclasses import dataclass


def area_prefix(region: str) -> str:
    """``330521000000`` → ``330521``; ``330500000000`` → ``3305``; a town or village: its county."""
    if region[4:] == "0" * 8:
        return region[:2] if region[2:4] == "00" else region[:4]
    return region[:6]


def area_tag(region: str) -> str:
    """The scope tag of every case inside an admin's county or city (see ``scopes.case_tags``)."""
    return f"area:{area_prefix(region)}"


@dataclass(frozen=True)
class Principal:
    """Who is calling: user, role and what binds them (organisation, region, mediator record)."""

    user_id: str
    role: str
    name: str = ""
    org_id: str | None = None
    region: str | None = None
    mediator_id: str | None = None
    token_hash: str = ""

    def area_prefix(self) -> str | None:
        """The administrative prefix an admin or analyst is bound to (``330521``, ``3305``), or
        None for the whole served area."""
        return area_prefix(self.region) if self.region and self.role in ("admin", "analyst") else None

    @property
    def is_staff(self) -> bool:
        """Every role but ``citizen``."""
        return self.role != "citizen"

    def scope_tags(self) -> list[str]:
        """The tags of ``scope_members`` this principal reads (see server/sync/scopes.py)."""
        tags = [f"user:{self.user_id}"]
        if self.role == "grid_worker" and self.region:
            tags.append(f"region:{self.region}")
        if self.role in {"mediator", "org_admin", "court_clerk"} and self.org_id:
            tags.append(f"org:{self.org_id}")
        if self.role == "admin":
            # An admin bound to a county (or city) reads that area's cases; unbound: all of them.
            tags.append(area_tag(self.region) if self.region else "all")
        if self.role == "analyst":
            return []  # analysts read aggregates only, never personal records
        return tags
