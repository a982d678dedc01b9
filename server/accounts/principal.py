"""Who is calling: the identity behind a bearer token, and the scope tags it may read.

Scope belongs to the principal, never to the replica id (DESIGN.md §2): two installs holding the same
token see the same records.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: str
    name: str = ""
    org_id: str | None = None
    region: str | None = None
    mediator_id: str | None = None
    token_hash: str = ""

    @property
    def is_staff(self) -> bool:
        return self.role != "citizen"

    def scope_tags(self) -> list[str]:
        """The tags of ``scope_members`` this principal reads (see server/sync/scopes.py)."""
        tags = [f"user:{self.user_id}"]
        if self.role == "grid_worker" and self.region:
            tags.append(f"region:{self.region}")
        if self.role in {"mediator", "org_admin", "court_clerk"} and self.org_id:
            tags.append(f"org:{self.org_id}")
        if self.role == "admin":
            tags.append("all")
        if self.role == "analyst":
            return []  # analysts read aggregates only, never personal records
        return tags
