"""Routing decisions: classify, route, SLA deadlines, workflow transitions (pure logic)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def load_rules() -> dict[str, Any]:
    """The shipped keyword rules (rules.json); admins' edited versions live in the database."""
    data: dict[str, Any] = json.loads(resources.files(__package__).joinpath("rules.json").read_text("utf-8"))
    return data


def load_categories() -> dict[str, Any]:
    """The 25 categories with names, 案由 and professional bodies (categories.json)."""
    data: dict[str, Any] = json.loads(
        resources.files(__package__).joinpath("categories.json").read_text("utf-8")
    )
    return data
