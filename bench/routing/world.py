"""The registry routing is benchmarked against: the demo county plus a synthetic province.

The demo county (长兴县, 317 organisations, 378 mediators) comes from ``server/registry/demo_data.py``.
The synthetic province (code 91, not a real province) is deterministic: 10 counties × 12 towns ×
10 villages, each county with the demo county's county-level bodies, each town a committee and a
司法所, each village a committee; mediator numbers per body are drawn from a fixed seed so the
province has ≥ 1,000 organisations and ≥ 10,000 mediators.  Rows are in demo_data's shapes so the
same code writes them to a database (``registry_rows``) or builds an in-memory ``Registry``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from server.registry import demo_data as demo
from server.registry.demo_data import MediatorRow, OrgRow, RegionRow
from server.routing.route import CaseFacts, Mediator, Org, Registry

ROOT = Path(__file__).resolve().parents[2]
EVAL_TEXTS = ROOT / "tests" / "data" / "classification_eval.jsonl"

PROVINCE = "91"  # no real province has this code
CITY = "01"
COUNTIES = 10
TOWNS = 12
VILLAGES = 10
_SEED = "jiefen-bench-province-v1"
# (low, high) mediators per body, drawn per organisation.
_MEDIATORS = {
    "village": (4, 8),
    "town_pmc": (8, 16),
    "town_sfs": (4, 8),
    "county": (10, 40),
    "professional": (6, 30),
}


@dataclass(frozen=True)
class World:
    regions: list[RegionRow]
    orgs: list[OrgRow]
    mediators: list[MediatorRow]

    @property
    def villages(self) -> list[str]:
        return [r.code for r in self.regions if r.level == "village"]

    @property
    def towns(self) -> list[str]:
        return [r.code for r in self.regions if r.level == "town"]


def _province(rng: random.Random) -> tuple[list[RegionRow], list[OrgRow]]:
    county_tpl = demo._read_json("demo_orgs.json")["county_orgs"]
    regions: list[RegionRow] = []
    orgs: list[OrgRow] = []
    general = demo.GENERAL_CATEGORIES

    def n(kind: str) -> int:
        lo, hi = _MEDIATORS[kind]
        return rng.randint(lo, hi)

    for c in range(1, COUNTIES + 1):
        county6 = f"{PROVINCE}{CITY}{c:02d}"
        county = f"{county6}000000"
        regions.append(RegionRow(county, f"虚拟县{c}", None, "county", 500_000))
        court = f"org-{county6}-court"
        for spec in county_tpl:
            oid = f"org-{county6}-{spec['suffix']}"
            orgs.append(
                OrgRow(
                    id=oid,
                    name=spec["name"].replace("{county}", f"虚拟县{c}"),
                    kind=spec["kind"],
                    level=spec["level"],
                    region=county,
                    parent=None if oid == court else court,
                    domain=spec["domain"],
                    categories=demo._categories(spec["categories"]),
                    online=True,
                    in_person=True,
                    hotline=None,
                    mediator_count=0
                    if spec["kind"] == "court"
                    else n("professional" if spec["level"] == "professional" else "county"),
                )
            )
        for t in range(1, TOWNS + 1):
            town9 = f"{county6}{100 + t:03d}"
            town = f"{town9}000"
            regions.append(RegionRow(town, f"虚拟镇{c}-{t}", county, "town", 40_000))
            pmc = f"org-{town9}-pmc"
            for suffix, kind, count in (
                ("pmc", "people_mediation", n("town_pmc")),
                ("sfs", "judicial_office", n("town_sfs")),
            ):
                orgs.append(
                    OrgRow(
                        f"org-{town9}-{suffix}",
                        f"虚拟镇{c}-{t}{'人民调解委员会' if suffix == 'pmc' else '司法所'}",
                        kind,
                        "town",
                        town,
                        f"org-{county6}-pmc" if suffix == "pmc" else None,
                        None,
                        general,
                        True,
                        True,
                        None,
                        count,
                    )
                )
            for v in range(1, VILLAGES + 1):
                code = f"{town9}{200 + v:03d}"
                regions.append(RegionRow(code, f"虚拟村{c}-{t}-{v}", town, "village", 2_000))
                orgs.append(
                    OrgRow(
                        f"org-{code}-pmc",
                        f"虚拟村{c}-{t}-{v}人民调解委员会",
                        "people_mediation",
                        "village",
                        code,
                        pmc,
                        None,
                        general,
                        True,
                        True,
                        None,
                        n("village"),
                    )
                )
    return regions, orgs


def _province_mediators(orgs: list[OrgRow], rng: random.Random) -> list[MediatorRow]:
    """As ``demo.build_mediators`` (same speciality dealing), with names that may repeat: the demo's
    unique-name pool is far smaller than a province."""
    out = []
    for org in orgs:
        n = org.mediator_count
        for i in range(n):
            if len(org.categories) <= n:
                specs = org.categories
            else:
                mine = set(org.categories[i::n]) | ({"other"} & set(org.categories))
                specs = tuple(c for c in org.categories if c in mine)
            mid = f"med-{org.id.removeprefix('org-')}-{i + 1}"
            name = rng.choice(demo._SURNAMES) + rng.choice(demo._GIVEN)
            out.append(MediatorRow(mid, name, org.id, specs, demo._capacity(mid)))
    return out


def build_world() -> World:
    """Demo county + synthetic province, deterministic."""
    rng = random.Random(_SEED)
    regions = demo.load_regions()
    orgs = demo.build_orgs(regions)
    mediators = demo.build_mediators(orgs)
    p_regions, p_orgs = _province(rng)
    p_mediators = _province_mediators(p_orgs, rng)
    return World(regions + p_regions, orgs + p_orgs, mediators + p_mediators)


def open_cases(world: World) -> dict[str, int]:
    """A deterministic current load per mediator: most have room, about one in eight is full."""
    rng = random.Random(_SEED + "-load")
    out = {}
    for m in world.mediators:
        out[m.id] = m.capacity if rng.random() < 0.125 else rng.randint(0, m.capacity - 1)
    return out


def route_org(o: OrgRow) -> Org:
    """As ``server/routing/registry_view.py`` does: professional committees indexed by their domain."""
    kind = o.domain if o.level == "professional" and o.domain else o.kind
    return Org(o.id, o.name, o.level, kind, o.region, frozenset(o.categories), o.online, o.in_person)


def registry(world: World) -> Registry:
    load = open_cases(world)
    mediators = [
        Mediator(m.id, m.org, frozenset(m.specialities), load[m.id], m.capacity, m.name)
        for m in world.mediators
    ]
    return Registry([route_org(o) for o in world.orgs], mediators)


def registry_rows(world: World) -> dict[str, list[dict[str, Any]]]:
    """Rows for the ``regions``, ``orgs`` and ``mediators`` tables (as server/registry/seed.py writes)."""
    load = open_cases(world)
    return {
        "regions": [
            {
                "code": r.code,
                "name": r.short_name,
                "parent": r.parent,
                "level": r.level,
                "population": r.population,
                "population_approx": True,
            }
            for r in world.regions
        ],
        "orgs": [
            {
                "id": o.id,
                "name": o.name,
                "level": o.level,
                "kind": o.kind,
                "domain": o.domain,
                "parent_id": o.parent,
                "region": o.region,
                "categories": list(o.categories),
                "online": o.online,
                "in_person": o.in_person,
                "hotline": o.hotline,
            }
            for o in world.orgs
        ],
        "mediators": [
            {
                "id": m.id,
                "org_id": m.org,
                "name": m.name,
                "specialities": list(m.specialities),
                "capacity": m.capacity,
                "open_cases": load[m.id],
            }
            for m in world.mediators
        ],
    }


def eval_texts() -> list[str]:
    return [json.loads(line)["text"] for line in EVAL_TEXTS.read_text("utf-8").splitlines() if line.strip()]


def workload(world: World, n: int, seed: int = 20261201) -> list[tuple[str, CaseFacts]]:
    """``n`` (text, facts-without-category) pairs: random eval texts in random regions.

    Regions: a uniformly drawn village of the county or the province (1 in 20 a town-level code);
    1 in 10 filed in person; 1 in 10 at or above the large-amount threshold; 1 in 20 a group dispute.
    """
    rng = random.Random(seed)
    texts, villages, towns = eval_texts(), world.villages, world.towns
    out = []
    for _ in range(n):
        region = rng.choice(towns) if rng.random() < 0.05 else rng.choice(villages)
        r = rng.random()
        amount = None if r < 0.6 else rng.uniform(100_000, 2_000_000) if r < 0.7 else rng.uniform(100, 99_999)
        facts = CaseFacts(
            region=region,
            category="",
            channel="in_person" if rng.random() < 0.1 else "online",
            amount=amount,
            applicants=rng.randint(5, 40) if rng.random() < 0.05 else rng.randint(1, 3),
        )
        out.append((rng.choice(texts), facts))
    return out


def with_category(facts: CaseFacts, category: str) -> CaseFacts:
    return replace(facts, category=category)


def percentiles(samples_ns: list[int]) -> dict[str, float]:
    """p50/p90/p99/max/mean in microseconds (nearest-rank)."""
    s = sorted(samples_ns)
    n = len(s)

    def at(q: float) -> float:
        return s[min(n - 1, max(0, int(q * n + 0.5) - 1))] / 1000

    return {
        "p50_us": round(at(0.50), 1),
        "p90_us": round(at(0.90), 1),
        "p99_us": round(at(0.99), 1),
        "max_us": round(s[-1] / 1000, 1),
        "mean_us": round(sum(s) / n / 1000, 1),
    }
