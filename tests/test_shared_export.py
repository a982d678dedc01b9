"""The data the PWA takes from the server (issue #10, finding 3): fresh, and the table it pins.

``pwa/src/generated/`` holds what ``jiefen export-shared`` writes; a stale file fails here (and the
PWA's own test fails when ``api.d.ts`` is stale against ``openapi.json``).  The workflow vectors in
``tests/vectors/workflow.json`` are written by hand and checked against the server's table here
and against the PWA's derived buttons in ``pwa/tests/workflow.test.ts``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from server.qr.labels import event_label, status_label
from server.routing import transitions as wf
from server.shared import generated_files, shared_data

VECTORS: dict[str, Any] = json.loads((Path(__file__).parent / "vectors" / "workflow.json").read_text("utf-8"))
ROLES = ("citizen", "grid_worker", "mediator", "org_admin", "admin", "court_clerk", "analyst")


@pytest.mark.parametrize("path", sorted(generated_files(), key=str), ids=lambda p: p.name)
def test_generated_files_are_fresh(path: Path) -> None:
    text = generated_files()[path]
    assert path.exists(), f"{path} is missing: run `jiefen export-shared`"
    assert path.read_text("utf-8") == text, f"{path} is stale: run `jiefen export-shared`"


def full_payload(to: str) -> dict[str, str]:
    return dict.fromkeys(("reason", "agreement", "ruling", "docket_no", "org"), "已填写")


def buttons(role: str, state: str) -> list[str]:
    """What the server lets ``role`` do to its own case (filer / assigned org / its court) in ``state``."""
    who = wf.workflow_role(role)
    return [
        to
        for (frm, to) in wf.TRANSITIONS
        if frm == state
        and wf.check_transition(frm, to, who, True, True, full_payload(to), is_case_court=True) is None
    ]


@pytest.mark.parametrize("role", ROLES)
def test_the_buttons_of_each_role_are_the_servers_table(role: str) -> None:
    expected = VECTORS["buttons"][role]
    got = {s: buttons(role, s) for s in wf.STATES if buttons(role, s)}
    assert got == expected


def test_required_fields_and_intents_match_the_vectors() -> None:
    assert {
        to: list(rule.required) for (_, to), rule in wf.TRANSITIONS.items() if to in wf.ACTION
    } == VECTORS["required"]
    assert shared_data()["intents"] == VECTORS["intents"]


@pytest.mark.parametrize("v", VECTORS["refusals"], ids=lambda v: v["why"])
def test_refused_moves(v: dict[str, Any]) -> None:
    refusal = wf.check_transition(
        v["from"], v["to"], wf.workflow_role(v["role"]), v["filer"], v["org"], v["payload"]
    )
    assert refusal is not None and refusal.code == v["code"]


def test_every_move_a_person_makes_has_a_button_and_every_state_a_label() -> None:
    data = shared_data()
    people = {to for (_, to), rule in wf.TRANSITIONS.items() if rule.roles - {"system"}}
    assert set(data["actions"]) == people
    assert len({a["id"] for a in data["actions"].values()}) == len(people)
    assert [s["id"] for s in data["states"]] == list(wf.STATES)
    assert all(s["zh"] and s["en"] for s in data["states"])
    assert set(data["open"]) | set(data["court"]) | set(data["finished"]) == set(wf.STATES)
    assert len(data["categories"]) == 25


def test_the_trace_page_and_the_app_read_the_same_labels() -> None:
    """The trace page's words come from the server; the app's from shared.json: one source."""
    data = shared_data()
    for s in data["states"]:
        assert status_label(s["id"]) == s["zh"]
        assert event_label(None, s["id"]) == s["zh"]
    for event, label in data["events"].items():
        assert event_label(event, None) == label["zh"]
    assert event_label("no_such_event", None) == data["event_default"]["zh"]
