"""A province-wide registry with a few counties of other cities, for cockpit tests of the city level.

The demo database holds 长兴县 only; a province deployment (``JIEFEN_AREA=33``) loads the whole
tree, which takes minutes to seed with all its accounts. These helpers add what a test needs, from
the same shipped data and builders as ``seed_demo`` (``demo_data``): the province and its 11 cities,
and for each county asked for its regions, organisations and mediators, plus one account for the
first village committee's mediator, so cases there are filed, routed and moved through sync.
"""

from __future__ import annotations

from sqlalchemy import select

from server.accounts.service import create_user
from server.crossproc import announce
from server.db import Database
from server.registry import demo_data, seed
from server.registry.models import Mediator, Region

HANGZHOU_COUNTY = "330102"  # 杭州市 上城区
NINGBO_COUNTY = "330203"  # 宁波市 海曙区
PASSWORD = "jiefen-test-pass"


def add_counties(
    db: Database, counties: tuple[str, ...] = (HANGZHOU_COUNTY, NINGBO_COUNTY)
) -> dict[str, str]:
    """Add the province, every city and ``counties`` (regions, organisations, mediators); returns
    each county's demo village → the username of its village committee's mediator (``med_<county>``)."""
    regions = [
        r
        for r in demo_data.load_regions("33")
        if r.level in ("province", "city") or r.code.startswith(counties)
    ]
    orgs = [o for o in demo_data.build_orgs(regions) if o.region.startswith(counties)]
    mediators = demo_data.build_mediators(orgs)
    out: dict[str, str] = {}
    with db.session() as s:
        have = set(s.scalars(select(Region.code)))
        s.add_all(r for r in seed.region_rows(regions) if r.code not in have)
        s.flush()
        s.add_all(seed.org_rows(orgs))
        s.flush()
        s.add_all(seed.mediator_rows(mediators))
        s.flush()
        for county in counties:
            village = demo_data.demo_village(county, regions)
            org = next(o for o in orgs if o.region == village)
            user = create_user(s, f"med_{county}", PASSWORD, "mediator", org_id=org.id)
            med = s.get(Mediator, f"med-{org.id.removeprefix('org-')}-1")
            assert med is not None
            med.user_id = user.id
            out[village] = f"med_{county}"
        announce(s, "registry")
    return out


def add_staff(db: Database, username: str, role: str, region: str) -> None:
    """A staff account bound to ``region`` (an analyst or admin of a city, a county, the province)."""
    with db.session() as s:
        create_user(s, username, PASSWORD, role, region=region)
