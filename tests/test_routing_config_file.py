"""A county tunes thresholds and deadlines in a file; a bad file is refused with reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.routing.config import RoutingConfig
from server.routing.config_file import ConfigError, config_from_dict, load_config


def test_defaults_without_a_file() -> None:
    assert load_config("") == RoutingConfig()


def test_file_overrides_thresholds_and_periods(tmp_path: Path) -> None:
    path = tmp_path / "routing.json"
    path.write_text(
        json.dumps(
            {
                "large_amount_yuan": 50000,
                "group_applicants": 10,
                "professional_kinds": {"consumer": None},
                "sla_by_level": {"village": {"respond": [2, "workdays"], "resolve": [20, "days"]}},
                "sla_overrides": {"town/land_forest": {"resolve": [45, "days"]}},
            }
        ),
        encoding="utf-8",
    )
    cfg = load_config(path)
    assert (cfg.large_amount_yuan, cfg.group_applicants) == (50000, 10)
    assert not cfg.is_professional("consumer")
    assert cfg.is_professional("labor")
    village = cfg.sla_policy("village", "neighbor")
    assert (village.respond.amount, village.resolve.amount) == (2, 20)
    assert cfg.sla_policy("town", "land_forest").resolve.amount == 45
    assert cfg.sla_policy("town", "neighbor").resolve.amount == 30


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"warn_fraction": 1.5}, "warn_fraction"),
        ({"group_applicants": "many"}, "group_applicants"),
        ({"sla_by_level": {"village": {"respond": [0, "workdays"]}}}, "sla_by_level.village.respond"),
        ({"sla_overrides": {"land_forest": {}}}, "级别/类别"),
        ({"colour": "red"}, "未知"),
    ],
)
def test_bad_settings_are_refused_with_the_reason(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as e:
        config_from_dict(data)
    assert message in str(e.value)
