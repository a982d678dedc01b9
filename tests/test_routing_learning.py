"""Learning from the field: a mediator's correction, `train`, publish → the next filing is classified
differently; drafts change nothing; publishing an older model rolls back; closing records a label."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select

from server.db import Database
from server.routing import learning
from server.routing.models import CategoryExample, CategoryModel
from tests.conftest import login, new_device
from tests.synctools import Device

VILLAGE = "330522001008"
# Reads like a neighbour quarrel to the shipped model; the mediator knows it is a tenancy matter
# (the "neighbour" is the landlord living next door).
TEXT = "隔壁那家天天来敲我的门，说我晚上太吵，要把我赶走"


def file(client: TestClient[Any], key: str, summary: str) -> dict[str, Any]:
    d = Device(client, new_device(client))
    d.file_case(key, summary, region=VILLAGE)
    assert d.sync()["rejected"] == []
    view = d.view("case", key)
    assert view is not None
    return view


def correct(client: TestClient[Any], key: str, category: str) -> None:
    med = Device(client, login(client, "village_mediator"))
    med.sync()
    med.op("case", key, "intent", "correct_category", {"category": category, "reason": "其实是房东赶租客"})
    assert med.sync()["rejected"] == []


def test_a_correction_changes_the_next_classification_after_train_and_publish(
    client: TestClient[Any], db: Database
) -> None:
    before = file(client, "k1", TEXT)
    assert before["category"] != "tenancy"
    correct(client, "k1", "tenancy")
    with db.session() as s:
        ex = s.scalars(select(CategoryExample)).one()
        assert (ex.case_key, ex.category, ex.source) == ("k1", "tenancy", "correction")

    admin = login(client, "admin")
    r = client.post("/api/v1/rules/models", headers=admin)
    assert r.status_code == 201, r.text
    draft = r.json()
    assert draft["published_at"] is None and not draft["in_force"]
    tenancy = next(c for c in draft["report"]["categories"] if c["category"] == "tenancy")
    assert tenancy["field_examples"] == 1
    assert tenancy["field_right"] == [0, 1]  # the old model got it wrong, the new one right
    assert draft["report"]["frozen_accuracy"][1] >= 0.85  # learning one case did not break the rest

    # A draft changes nothing.
    assert file(client, "k2", TEXT)["category"] == before["category"]

    r = client.post(f"/api/v1/rules/models/{draft['id']}/publish", headers=admin)
    assert r.status_code == 200 and r.json()["in_force"]
    after = file(client, "k3", TEXT)
    assert after["category"] == "tenancy"
    assert "把握" in after["category_reason"]

    listed = client.get("/api/v1/rules/models", headers=login(client, "analyst")).json()
    assert [m["id"] for m in listed if m["in_force"]] == [draft["id"]]


def test_publishing_an_older_model_rolls_back(client: TestClient[Any], db: Database) -> None:
    with db.session() as s:
        data = learning.shipped_model_data()
        # A model that knows one made-up word: files mentioning it go to intellectual property.
        ip = data["classes"].index("intellectual_property")
        marked = {**data, "version": "test-marked", "weights": {**data["weights"], "鸽鸽": [ip, 9.0]}}
        old = CategoryModel(version="test-shipped", data=data, report={})
        new = CategoryModel(version="test-marked", data=marked, report={})
        s.add_all([old, new])
        s.flush()
        ids = old.id, new.id
    admin = login(client, "admin")
    assert client.post(f"/api/v1/rules/models/{ids[1]}/publish", headers=admin).status_code == 200
    assert file(client, "k1", "鸽鸽的事情谈不拢")["category"] == "intellectual_property"
    assert client.post(f"/api/v1/rules/models/{ids[0]}/publish", headers=admin).status_code == 200
    assert file(client, "k2", "鸽鸽的事情谈不拢")["category"] != "intellectual_property"


def test_model_endpoints_refuse_strangers_and_unknown_ids(client: TestClient[Any]) -> None:
    for who in ("mediator", "citizen"):
        h = login(client, who) if who != "citizen" else new_device(client)
        assert client.post("/api/v1/rules/models", headers=h).status_code == 403
        assert client.post("/api/v1/rules/models/1/publish", headers=h).status_code == 403
    admin = login(client, "admin")
    r = client.post("/api/v1/rules/models/999999/publish", headers=admin)
    assert r.status_code == 404 and "没有编号" in r.json()["detail"]
    assert client.post("/api/v1/rules/models/x/publish", headers=admin).status_code in (400, 404)
    assert client.post(f"/api/v1/rules/models/{2**70}/publish", headers=admin).status_code in (400, 404)


def test_a_broken_model_row_is_refused_at_publish(client: TestClient[Any], db: Database) -> None:
    with db.session() as s:
        row = CategoryModel(version="bad", data={"format": "jiefen-linear-1", "classes": ["nope"]}, report={})
        s.add(row)
        s.flush()
        rid = row.id
    r = client.post(f"/api/v1/rules/models/{rid}/publish", headers=login(client, "admin"))
    assert r.status_code == 400 and "模型有误" in r.json()["detail"]
    assert file(client, "k1", "老板欠了三个月工资不给")["category"] == "wage_arrears"


def test_closing_records_the_confirmed_category(client: TestClient[Any], db: Database) -> None:
    file(client, "k1", "老板欠了三个月工资不给")
    med = Device(client, login(client, "labor_mediator"))
    med.sync()
    med.op("case", "k1", "intent", "transition", {"to": "accepted"})
    med.op("case", "k1", "intent", "transition", {"to": "resolved", "agreement": "老板分两次付清"})
    assert med.sync()["rejected"] == []
    with db.session() as s:
        rows = s.scalars(select(CategoryExample)).all()
        assert [(r.category, r.source) for r in rows] == [("wage_arrears", "closing")]
        assert learning.field_examples(s) == [("k1", rows[0].text, "wage_arrears")]


def test_jiefen_rules_train_models_publish(settings: Any, db: Database) -> None:
    from click.testing import CliRunner

    from server.cli import main

    with db.session() as s:
        learning.record_example(s, "k9", "隔壁那家天天来敲门要把我赶走", "tenancy", "correction", None)
    env = {"JIEFEN_DATABASE_URL": settings.database_url, "JIEFEN_VAR_DIR": str(settings.var_dir)}
    r = CliRunner().invoke(main, ["rules", "train"], env=env, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "已训练模型 #" in r.output and "现场标注 1 条" in r.output
    assert "房屋租赁" in r.output  # the per-category report names the category the field label is in
    with db.session() as s:
        row = s.scalars(select(CategoryModel)).one()
        assert row.published_at is None
    r = CliRunner().invoke(main, ["rules", "models"], env=env, catch_exceptions=False)
    assert "* 随软件发布的模型" in r.output and f"#{row.id}" in r.output and "未发布" in r.output
    r = CliRunner().invoke(main, ["rules", "publish", str(row.id)], env=env, catch_exceptions=False)
    assert r.exit_code == 0 and f"已发布模型 #{row.id}" in r.output
    r = CliRunner().invoke(main, ["rules", "models"], env=env, catch_exceptions=False)
    assert f"* #{row.id}" in r.output
    r = CliRunner().invoke(main, ["rules", "publish", "424242"], env=env)
    assert r.exit_code == 2 and "没有编号" in r.output
