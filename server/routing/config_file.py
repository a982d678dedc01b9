"""Load a county's routing configuration from a JSON file (``JIEFEN_ROUTING_CONFIG``).

Only what a county plausibly changes is read; anything left out keeps the defaults of
``RoutingConfig``. Example::

    {"large_amount_yuan": 50000, "group_applicants": 10, "warn_fraction": 0.6,
     "professional_kinds": {"consumer": null},
     "sla_by_level": {"village": {"respond": [2, "workdays"], "resolve": [20, "days"], "from": "accept"}},
     "sla_overrides": {"town/land_forest": {"respond": [3, "workdays"], "resolve": [45, "days"]}}}

In an area of several counties (``JIEFEN_AREA``), ``"counties"`` gives a county its own values on top
of the area's (same keys, anything left out is the area's)::

    {"warn_fraction": 0.75,
     "counties": {"330521": {"sla_by_level": {"village": {"respond": [2, "workdays"]}}}}}

A bad file is refused with every problem listed in Chinese, so a typo never silently changes
deadlines.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from server.routing.config import Period, RoutingConfig, SlaPolicy

_SCALARS = {
    "large_amount_yuan": (int, float),
    "group_applicants": (int,),
    "warn_fraction": (int, float),
    "roll_calendar_deadlines_to_workday": (bool,),
}


class ConfigError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("；".join(errors))
        self.errors = errors


def _period(raw: Any, where: str, errors: list[str]) -> Period | None:
    if (
        isinstance(raw, list)
        and len(raw) == 2
        and isinstance(raw[0], int)
        and raw[0] > 0
        and raw[1] in ("workdays", "days")
    ):
        return Period(raw[0], raw[1])
    errors.append(f'{where} 应为 [天数, "workdays" 或 "days"]')
    return None


def _policy(raw: Any, base: SlaPolicy, where: str, errors: list[str]) -> SlaPolicy:
    if not isinstance(raw, dict):
        errors.append(f"{where} 应为对象")
        return base
    respond = _period(raw["respond"], f"{where}.respond", errors) if "respond" in raw else base.respond
    resolve = _period(raw["resolve"], f"{where}.resolve", errors) if "resolve" in raw else base.resolve
    counts_from = raw.get("from", base.resolve_counts_from)
    if counts_from not in ("start", "accept"):
        errors.append(f'{where}.from 应为 "start" 或 "accept"')
        counts_from = base.resolve_counts_from
    return SlaPolicy(respond or base.respond, resolve or base.resolve, counts_from, (*base.basis, "本县配置"))


def config_from_dict(data: dict[str, Any], base: RoutingConfig | None = None) -> RoutingConfig:
    """The configuration ``data`` describes on top of ``base``; raises :class:`ConfigError` listing
    every problem."""
    base = base or RoutingConfig()
    errors: list[str] = []
    changes: dict[str, Any] = {}
    county_data: dict[str, Any] = {}
    for key, value in data.items():
        if key == "counties" and isinstance(value, dict):
            for code, raw in value.items():
                well_formed = isinstance(code, str) and len(code) == 6 and code.isdigit()
                if not well_formed or not isinstance(raw, dict):
                    errors.append(f"counties 的键应为 6 位县级代码、值应为对象：{code}")
                elif "counties" in raw:
                    errors.append(f"counties.{code} 中不能再嵌套 counties")
                else:
                    county_data[code] = raw
        elif key in _SCALARS:
            if isinstance(value, _SCALARS[key]) and not (
                isinstance(value, bool) and key != "roll_calendar_deadlines_to_workday"
            ):
                changes[key] = value
            else:
                errors.append(f"{key} 的值类型不正确")
        elif key == "professional_kinds" and isinstance(value, dict):
            kinds = dict(base.professional_kinds)
            for category, kind in value.items():
                if kind is None:
                    kinds.pop(category, None)  # this county has no such committee
                else:
                    kinds[category] = str(kind)
            changes[key] = kinds
        elif key == "sla_by_level" and isinstance(value, dict):
            changes[key] = {
                **base.sla_by_level,
                **{
                    lvl: _policy(p, base.sla_policy(lvl, "other"), f"sla_by_level.{lvl}", errors)
                    for lvl, p in value.items()
                },
            }
        elif key == "sla_overrides" and isinstance(value, dict):
            out = dict(base.sla_overrides)
            for name, p in value.items():
                level, _, category = name.partition("/")
                if not category:
                    errors.append(f'sla_overrides 的键应为 "级别/类别"：{name}')
                    continue
                out[(level, category)] = _policy(
                    p, base.sla_policy(level, category), f"sla_overrides.{name}", errors
                )
            changes[key] = out
        else:
            errors.append(f"未知或格式不正确的配置项：{key}")
    if "warn_fraction" in changes and not 0 < changes["warn_fraction"] <= 1:
        errors.append("warn_fraction 应在 0 到 1 之间")
    if errors:
        raise ConfigError(errors)
    area = dataclasses.replace(base, **changes, counties={})
    counties: dict[str, RoutingConfig] = {}
    for code, raw in county_data.items():
        try:
            counties[code] = config_from_dict(raw, area)
        except ConfigError as e:
            errors.extend(f"counties.{code}: {m}" for m in e.errors)
    if errors:
        raise ConfigError(errors)
    return dataclasses.replace(area, counties=counties)


def load_config(path: str | Path | None) -> RoutingConfig:
    if not path:
        return RoutingConfig()
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ConfigError([f"无法读取分派配置文件 {path}：{e}"]) from None
    if not isinstance(data, dict):
        raise ConfigError(["分派配置文件应为 JSON 对象"])
    return config_from_dict(data)
