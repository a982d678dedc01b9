"""The registry as routing sees it: organisations cached in memory, mediators' load read live.

Organisations change rarely (an admin edits them), so they are indexed once per process and
refreshed on demand; a mediator's open-case count changes with every assignment, so it is read
from the database at decision time.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.registry.models import Mediator as MediatorRow
from server.registry.models import Org as OrgRow
from server.registry.models import Region
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
    """A ``RegistryView`` over one session: cached orgs, live mediators."""

    def __init__(self, orgs: Registry, session: Session) -> None:
        self._orgs = orgs
        self._s = session

    def orgs_at(self, level: str, area: str, kind: str) -> Sequence[Org]:
        return self._orgs.orgs_at(level, area, kind)

    def org(self, org_id: str) -> Org | None:
        return self._orgs.org(org_id)

    def mediators_of(self, org_id: str) -> Sequence[Mediator]:
        # Plain columns, not ORM objects: this read sits on every routing decision.
        rows = self._s.execute(
            select(
                MediatorRow.id,
                MediatorRow.specialities,
                MediatorRow.open_cases,
                MediatorRow.capacity,
                MediatorRow.name,
            )
            .where(MediatorRow.org_id == org_id)
            .order_by(MediatorRow.id)
        )
        return [
            Mediator(
                id=mid,
                org_id=org_id,
                specialities=frozenset(spec or ()),
                open_cases=load,
                capacity=cap,
                name=name,
            )
            for mid, spec, load, cap, name in rows
        ]


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
