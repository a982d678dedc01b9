"""智能咨询: the content file, ``POST /api/v1/consult`` for every category, admin edits, the tally."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from server.consult.content import ARTICLE_RE, load_guidance, validate_guidance
from server.routing import load_rules
from server.routing.categorizer import Categorizer
from server.routing.classify import Classifier
from server.routing.learning import shipped_model_data
from server.routing.training import load_model_json
from server.vocabulary import CATEGORY_IDS, CATEGORY_NAMES_ZH
from tests.conftest import login, new_device

VILLAGE = "330522001008"


def _shipped_categorizer() -> Categorizer:
    """The shipped rules and model, as the server classifies a filing (and a consultation)."""
    return Categorizer(Classifier.from_rules(load_rules()), load_model_json(shipped_model_data()))


def _text_for(category: str) -> str:
    """A description the classifier in force (keyword rules + the shipped model) puts in
    ``category``: the strongest keyword that does."""
    if category == "other":
        return "有人在网上造谣说我是骗子"
    rules = load_rules()
    clf = Categorizer(Classifier.from_rules(rules), load_model_json(shipped_model_data()))
    words = sorted(rules["categories"][category]["keywords"].items(), key=lambda kv: -kv[1])
    for word, _ in words:
        if clf.classify(word).category == category:
            return word
    raise AssertionError(f"no keyword of {category} classifies as it")


def test_shipped_content_is_valid_cites_every_limit_and_covers_all_25() -> None:
    data = load_guidance()
    assert validate_guidance(data) == []
    assert set(data["categories"]) == set(CATEGORY_IDS)
    for spec in data["categories"].values():
        for item in spec["limits"] + spec["bases"]:
            assert item["law"] in data["laws"]
            assert ARTICLE_RE.fullmatch(item["article"])
    # The one-year limit for labour arbitration is stated with its article.
    wage = data["categories"]["wage_arrears"]["limits"]
    assert any("一年" in x["text"] and x["article"] == "第二十七条" for x in wage)


@pytest.mark.parametrize(
    "broken",
    [
        lambda d: d["categories"].pop("labor"),
        lambda d: d["categories"]["labor"]["limits"][0].update(law="made_up_law"),
        lambda d: d["categories"]["labor"]["limits"][0].update(article="27"),
        lambda d: d["categories"]["labor"].update(prepare=[]),
        lambda d: d.update(version=""),
        lambda d: d["topics"].append({"label": "x", "text": "y", "category": "nope"}),
    ],
)
def test_content_validation_refuses_uncited_or_incomplete_content(broken: Any) -> None:
    data = copy.deepcopy(load_guidance())
    broken(data)
    assert validate_guidance(data) != []


@pytest.mark.parametrize("category", CATEGORY_IDS)
def test_consult_answers_every_category_with_sections_org_and_bases(
    client: TestClient[Any], category: str
) -> None:
    r = client.post("/api/v1/consult", json={"text": _text_for(category), "region": VILLAGE})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["category"] == category
    assert body["category_name"] == CATEGORY_NAMES_ZH[category]
    ids = [s["id"] for s in body["sections"]]
    assert ids[:3] == ["what", "usual", "who"]
    assert {"prepare", "limits", "mediation"} <= set(ids)
    limits = next(s for s in body["sections"] if s["id"] == "limits")["items"]
    assert limits and all("》第" in item for item in limits)  # every time limit names its article
    org = body["organisation"]
    assert org is not None and org["name"] and org["level_name"]
    assert body["legal_bases"] and all(ARTICLE_RE.fullmatch(b["article"]) for b in body["legal_bases"])
    assert body["prefill"] == {"category": category, "region": VILLAGE, "summary": _text_for(category)}
    assert body["guidance_version"] == load_guidance()["version"]


def test_unpaid_wages_name_the_county_labour_committee(client: TestClient[Any]) -> None:
    r = client.post("/api/v1/consult", json={"text": "老板欠了我三个月工资不给", "region": VILLAGE})
    body = r.json()
    assert body["category"] == "wage_arrears"
    assert body["organisation"]["id"] == "org-330522-labor"
    assert "劳动人事争议" in body["organisation"]["name"]
    who = next(s for s in body["sections"] if s["id"] == "who")["items"][0]
    assert "劳动人事争议" in who
    laws = {(b["law"], b["article"]) for b in body["legal_bases"]}
    assert ("《中华人民共和国劳动争议调解仲裁法》", "第二十七条") in laws


def test_a_neighbour_dispute_goes_to_the_village_committee(client: TestClient[Any]) -> None:
    body = client.post("/api/v1/consult", json={"text": "邻居装修吵到半夜", "region": VILLAGE}).json()
    assert body["organisation"]["id"] == "org-330522001008-pmc"


def test_without_a_region_there_is_guidance_but_no_organisation(client: TestClient[Any]) -> None:
    body = client.post("/api/v1/consult", json={"text": "老板欠工资"}).json()
    assert body["category"] == "wage_arrears"
    assert body["organisation"] is None
    assert "who" not in [s["id"] for s in body["sections"]]


@pytest.mark.parametrize(
    "payload",
    [
        {"text": ""},
        {"text": "   "},
        {"text": 12},
        {"text": "欠工资\x00"},
        {"text": "欠" * 2001},
        {"text": "欠工资", "region": "33052200100"},
        {"text": "欠工资", "region": "990000000000"},
        {"text": "欠工资", "region": ["330522001008"]},
    ],
)
def test_bad_consultations_are_refused_and_not_counted(client: TestClient[Any], payload: Any) -> None:
    r = client.post("/api/v1/consult", json=payload)
    assert r.status_code == 400
    assert r.json()["detail"]
    counts = client.get("/api/v1/cockpit/consultations", headers=login(client, "analyst")).json()
    assert counts["total"] == 0


def test_hostile_json_is_a_4xx(client: TestClient[Any]) -> None:
    r = client.post("/api/v1/consult", content=b"{not json", headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500


def test_consultations_are_counted_anonymously_in_the_cockpit(client: TestClient[Any]) -> None:
    for text in ("老板欠工资", "老板拖欠工资三个月", "邻居装修太吵"):
        assert client.post("/api/v1/consult", json={"text": text, "region": VILLAGE}).status_code == 200
    device = new_device(client)
    r = client.post(
        "/api/v1/consult/tally",
        json={"items": [{"day": _today(), "category": "neighbor", "region": VILLAGE}]},
        headers=device,
    )
    assert r.status_code == 200, r.text
    counts = client.get("/api/v1/cockpit/consultations", headers=login(client, "analyst")).json()
    assert counts["total"] == 4
    assert counts["offline"] == 1
    assert {c["key"]: c["count"] for c in counts["by_category"]} == {"wage_arrears": 2, "neighbor": 2}
    assert "老板" not in str(counts) and "装修" not in str(counts)
    # Citizens and mediators do not read the cockpit.
    assert client.get("/api/v1/cockpit/consultations", headers=device).status_code == 403
    assert client.get("/api/v1/cockpit/consultations").status_code == 401


def _today() -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()


@pytest.mark.parametrize(
    "items",
    [[], [{"day": "2000-01-01", "category": "labor"}], [{"day": "x", "category": "labor"}],
     [{"day": "TODAY", "category": "nope"}], [{"day": "TODAY", "category": "labor"}] * 51],
)  # fmt: skip
def test_tally_refuses_bad_items(client: TestClient[Any], items: list[dict[str, Any]]) -> None:
    items = [{**i, "day": _today() if i.get("day") == "TODAY" else i["day"]} for i in items]
    r = client.post("/api/v1/consult/tally", json={"items": items}, headers=new_device(client))
    assert r.status_code == 400
    assert client.post("/api/v1/consult/tally", json={"items": items}).status_code == 401


def test_admin_edits_the_content_and_the_next_answer_uses_it(client: TestClient[Any]) -> None:
    admin = login(client, "admin")
    data = client.get("/api/v1/consult/guidance").json()["data"]
    data["version"] = "2026.12-1"
    data["categories"]["wage_arrears"]["prepare"].append("工友的联系方式")
    assert client.put("/api/v1/consult/guidance", json=data, headers=admin).status_code == 200
    body = client.post("/api/v1/consult", json={"text": "老板欠工资"}).json()
    assert body["guidance_version"] == "2026.12-1"
    prepare = next(s for s in body["sections"] if s["id"] == "prepare")["items"]
    assert "工友的联系方式" in prepare
    # Invalid content is refused with the list of problems and changes nothing.
    data["categories"]["labor"]["limits"][0]["article"] = "27"
    r = client.put("/api/v1/consult/guidance", json=data, headers=admin)
    assert r.status_code == 400 and "条文号" in r.json()["detail"]
    assert client.get("/api/v1/consult/guidance").json()["version"] == "2026.12-1"
    # Only admins publish.
    for who in ("analyst", "mediator"):
        assert (
            client.put("/api/v1/consult/guidance", json=data, headers=login(client, who)).status_code == 403
        )


def test_directory_lists_every_category_for_a_village(client: TestClient[Any]) -> None:
    r = client.get("/api/v1/consult/directory", params={"region": VILLAGE})
    assert r.status_code == 200
    orgs = r.json()["orgs"]
    assert set(orgs) == set(CATEGORY_IDS)
    assert orgs["wage_arrears"]["id"] == "org-330522-labor"
    assert orgs["neighbor"]["id"] == "org-330522001008-pmc"
    assert client.get("/api/v1/consult/directory", params={"region": "abc"}).status_code == 400
    empty = client.get("/api/v1/consult/directory", params={"region": ""})  # was a 500
    assert empty.status_code == 400 and "地区" in empty.json()["detail"]


def test_every_topic_is_classified_as_its_own_category() -> None:
    """A topic button must lead to the guidance it promises (content is reviewed against the rules)."""
    clf = _shipped_categorizer()
    for topic in load_guidance()["topics"]:
        assert clf.classify(topic["text"]).category == topic["category"], topic


VECTOR = Path(__file__).parent / "vectors" / "consult.json"
VECTOR_CASES = [
    ("老板欠了我三个月工资，一直拖着不给", VILLAGE),
    ("邻居装修吵到半夜", VILLAGE),
    ("有个事情想问问", None),
]


def test_server_answers_match_the_shared_vector_the_pwa_answers_offline(client: TestClient[Any]) -> None:
    """tests/vectors/consult.json pins the server's answers; pwa/tests/consult.test.ts makes the same
    answers offline from the bundled content (so the two cannot drift). Regenerate after a content
    edit with JIEFEN_WRITE_VECTORS=1."""
    got = []
    for text, region in VECTOR_CASES:
        body = client.post("/api/v1/consult", json={"text": text, "region": region}).json()
        body.pop("confidence")
        body.pop("matched")
        got.append({"text": text, "region": region, "answer": body})
    if os.environ.get("JIEFEN_WRITE_VECTORS"):
        VECTOR.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", "utf-8")
    assert json.loads(VECTOR.read_text("utf-8")) == got
