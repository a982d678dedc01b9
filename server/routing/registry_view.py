"""The registry as routing sees it: organisations cached in memory, mediators read live or from
the per-process cache that is proven current (registry_cache.py).

Organisations change rarely (seeding, an admin), so they are indexed once per process and
refreshed on demand; a mediator's open-case count changes with every assignment.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.registry.models import Org as OrgRow
from server.registry.models import Region
from server.routing.registry_cache import MediatorCache, read_mediators
from server.routing.route import Mediator, Org, Registry


def load_orgs(s: Session) -> list[Org]:
    out = []
    for o in s.scalars(select(OrgRow)):
        # Professional committees are indexed by their domain (traffic, labor…), as routing asks.
        kind = o.domain if o.level == "professional" and o.domain else o.kind
        out.append(
            Org(
                id=o.id,
                name=o.name,
                level=o.level,
                kind=kind,
                region=o.region,
                categories=frozenset(o.categories or ()),
                online=o.online,
                in_person=o.in_person,
            )
        )
    return out


class DbRegistry:
    """A ``RegistryView`` over one session: cached orgs; mediators from ``cache`` when it can prove
    them current at log head ``head`` (registry_cache.py), else read live."""

    def __init__(
        self, orgs: Registry, session: Session, cache: MediatorCache | None = None, head: int | None = None
    ) -> None:
        self._orgs = orgs
        self._s = session
        self._cache = cache
        self._head = head

    def orgs_at(self, level: str, area: str, kind: str) -> Sequence[Org]:
        return self._orgs.orgs_at(level, area, kind)

    def org(self, org_id: str) -> Org | None:
        return self._orgs.org(org_id)

    def mediators_of(self, org_id: str) -> Sequence[Mediator]:
        if self._cache is None:
            return read_mediators(self._s, org_id)
        return self._cache.mediators_of(self._s, org_id, self._head)


def unserved_in(s: Session, regions: set[str], counties: set[str]) -> set[str]:
    """Those of ``regions`` (12-digit codes) that are not a village or town of the registry, and of
    ``counties`` (6-digit codes, as in a case code) that are not a county of the registry.

    The registry is what this deployment serves (the demo county, or whatever area was loaded),
    so a case elsewhere is refused where it enters instead of waiting forever for a router."""
    wanted = regions | {c + "000000" for c in counties}
    if not wanted:
        return set()
    rows = s.execute(select(Region.code, Region.level).where(Region.code.in_(sorted(wanted))))
    level = dict(rows.all())
    bad = {r for r in regions if level.get(r) not in ("village", "town")}
    return bad | {c for c in counties if level.get(c + "000000") != "county"}
