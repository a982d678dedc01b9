"""Write the demo area (regions, organisations, mediators, staff accounts) into the database."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts.service import create_user
from server.crossproc import announce
from server.db import Database
from server.registry import demo_data as demo
from server.registry.area import DEFAULT_AREA, Area
from server.registry.models import Mediator, Org, Region

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def is_seeded(s: Session) -> bool:
    return s.scalar(select(Region.code).limit(1)) is not None


def region_rows(regions: Iterable[demo.RegionRow]) -> list[Region]:
    """Registry rows of demo regions (populations are approximate demo figures)."""
    return [
        Region(
            code=r.code,
            name=r.short_name,
            parent=r.parent,
            level=r.level,
            population=r.population,
            population_approx=True,
        )
        for r in regions
    ]


def org_rows(orgs: Iterable[demo.OrgRow]) -> list[Org]:
    """Registry rows of demo organisations."""
    return [
        Org(
            id=o.id,
            name=o.name,
            level=o.level,
            kind=o.kind,
            domain=o.domain,
            parent_id=o.parent,
            region=o.region,
            categories=list(o.categories),
            online=o.online,
            in_person=o.in_person,
            hotline=o.hotline,
        )
        for o in orgs
    ]


def mediator_rows(mediators: Iterable[demo.MediatorRow]) -> list[Mediator]:
    """Registry rows of demo mediators, with no open cases yet."""
    return [
        Mediator(
            id=m.id,
            org_id=m.org,
            name=m.name,
            specialities=list(m.specialities),
            capacity=m.capacity,
            open_cases=0,
        )
        for m in mediators
    ]


def seed_demo(db: Database, progress: Progress | None = None, area: str = DEFAULT_AREA) -> dict[str, int]:
    """Load every county of ``area`` (default 长兴县) into an empty registry; returns counts.

    Does nothing if regions exist. Raises ``AreaError``/``ValueError`` for an unknown area.
    """
    report = progress or (lambda stage, done, total: None)
    regions = demo.load_regions(area)
    orgs = demo.build_orgs(regions)
    mediators = demo.build_mediators(orgs)
    staff = demo.staff_accounts(area)
    root = Area.parse(area).root
    with db.session() as s:
        if is_seeded(s):
            return {"regions": 0, "orgs": 0, "mediators": 0, "users": 0}
        stages: list[tuple[str, list[Any]]] = [
            ("行政区划", region_rows(regions)),
            ("调解组织", org_rows(orgs)),
            ("调解员", mediator_rows(mediators)),
        ]
        for stage, rows in stages:  # in this order: organisations refer to regions, mediators to orgs
            for i, row in enumerate(rows, 1):
                s.add(row)
                if i % 500 == 0 or i == len(rows):
                    report(stage, i, len(rows))
                    s.flush()
        for i, st in enumerate(staff, 1):
            # Argon2 hashing dominates seeding time, hence a step per account.
            user = create_user(
                s,
                st.username,
                st.password,
                st.role,
                name=st.display_name,
                org_id=st.org,
                # A grid worker's village; a county-bound admin's or analyst's county. The area's own
                # admin and analyst have none: they see the whole deployment.
                region=st.region
                if st.role == "grid_worker" or (st.role in ("admin", "analyst") and st.region != root)
                else None,
                user_id=f"user-{st.username}",
            )
            user.phone = st.phone  # fictitious (demo_data); shows the SMS fallback
            s.flush()
            if st.mediator:
                med = s.get(Mediator, st.mediator)
                if med is not None:
                    med.user_id = user.id
            report("工作人员账号", i, len(staff))
        announce(s, "registry")  # running processes reload their registry caches (crossproc.py)
    return {"regions": len(regions), "orgs": len(orgs), "mediators": len(mediators), "users": len(staff)}
