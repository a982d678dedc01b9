"""Routing's in-memory mediator and rule caches stay correct across processes (registry_cache.py).

Two app instances on one database stand for two server processes: each has its own caches and, on
PostgreSQL, its own LISTEN connection. Cases filed alternately through the two must be balanced
exactly as if every decision read the database; a mediator added by another process (the CLI) is
routed to within a second; a rule set published through one is used by the other.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select, update

from server.core import components_of
from server.crossproc import announce
from server.db import Database
from server.registry.models import Mediator
from server.routing.service import RoutingService
from server.settings import Settings
from tests.conftest import login, new_device
from tests.synctools import Device

TOWN_ORG = "org-330522001-pmc"
VILLAGE = "330522001008"


def _routing(client: TestClient[Any]) -> RoutingService:
    return components_of(client.app).routing


@pytest.fixture
def two(settings: Settings, db: Database) -> Iterator[list[TestClient[Any]]]:
    """Two apps ("processes") on one database whose town committee's mediators are interchangeable
    (no specialities, free): which one a case gets is decided by open-case counts alone."""
    from server.app import create_app

    with db.session() as s:
        s.execute(update(Mediator).where(Mediator.org_id == TOWN_ORG).values(specialities=[], open_cases=0))
    with ExitStack() as stack:
        clients = [stack.enter_context(TestClient(create_app(settings))) for _ in range(2)]
        for c in clients:
            if settings.database_url.startswith("sqlite"):
                # One process per SQLite file in production, so nothing to listen to: trust the
                # cache anyway here, to test that the log head alone keeps its counts exact.
                _routing(c).ctx.watch(lambda: True)
            else:
                assert _routing(c).ctx.mediators.watching(), "the PostgreSQL listener is connected"
        yield clients


def _file_big(client: TestClient[Any], key: str) -> str:
    """File a large-amount case (it goes to the town committee); returns its mediator."""
    d = Device(client, new_device(client))
    d.file_case(key, "借给朋友二十万不还", region=VILLAGE, amount=200000)
    assert d.sync()["rejected"] == []
    view = d.view("case", key)
    assert view is not None and view["org"] == TOWN_ORG
    return str(view["mediator"])


def test_cases_filed_through_two_processes_are_balanced_as_by_live_reads(
    two: list[TestClient[Any]], db: Database
) -> None:
    with db.read_session() as s:
        mediators = sorted(s.scalars(select(Mediator.id).where(Mediator.org_id == TOWN_ORG)))
    assert len(mediators) >= 2
    rounds = 2 * len(mediators)
    # Least open cases, ties by id: with every count equal at the start, case i goes to the i-th
    # mediator in id order — whichever process files it. A process trusting counts from before the
    # other's last filing would pick a mediator that is already busier. Two in a row per process:
    # the second is answered from the cache, the first must notice the other's filing.
    got = [_file_big(two[i // 2 % 2], f"k{i}") for i in range(rounds)]
    assert got == [mediators[i % len(mediators)] for i in range(rounds)]
    with db.read_session() as s:
        loads = list(s.scalars(select(Mediator.open_cases).where(Mediator.org_id == TOWN_ORG)))
    assert set(loads) == {2}
    assert sum(_routing(c).ctx.mediators.hits for c in two) > 0  # the cache did answer some


def test_a_mediator_another_process_adds_is_routed_to_within_a_second(
    two: list[TestClient[Any]], db: Database, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("only PostgreSQL runs several processes (and announces registry changes)")
    a, b = two
    first = _file_big(b, "k0")  # b's cache now holds the committee's mediators
    with db.session() as s:  # what `jiefen create-user --role mediator` does, from a third process
        s.add(Mediator(id="med-000-new", org_id=TOWN_ORG, name="新调解员", specialities=[], capacity=20))
        announce(s, "registry")
    time.sleep(1.0)
    assert first != "med-000-new"
    assert _file_big(b, "k1") == "med-000-new"  # it has no open case, and the smallest id
    assert _file_big(a, "k2") != "med-000-new"


def test_a_rule_set_published_through_one_process_classifies_in_the_other(
    two: list[TestClient[Any]], backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("only PostgreSQL runs several processes (and announces publications)")
    a, b = two
    d = Device(b, new_device(b))
    d.file_case("k0", "鸽子笼的事情谈不拢", region=VILLAGE)
    assert d.sync()["rejected"] == []
    before = d.view("case", "k0")
    assert before is not None and before["category"] != "tenancy"  # b has cached the rules in force
    admin = login(a, "admin")
    rules = a.get("/api/v1/rules", headers=admin).json()["data"]
    rules["categories"]["tenancy"]["keywords"]["鸽子笼"] = 9
    rules["version"] = "2026.1-cache-test"
    assert a.put("/api/v1/rules", json=rules, headers=admin).status_code == 200
    time.sleep(1.0)
    d.file_case("k1", "鸽子笼的事情谈不拢", region=VILLAGE)
    assert d.sync()["rejected"] == []
    after = d.view("case", "k1")
    assert after is not None and after["category"] == "tenancy"
