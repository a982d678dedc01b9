"""What the server decides and the PWA shows, exported as one JSON document (``jiefen export-shared``).

The PWA bundles ``pwa/src/generated/shared.json`` at build time and derives its action buttons,
state and event labels and category names from it; it keeps no copy of its own.  Everything here is
read from the server's own modules (vocabulary, the workflow table, the trace labels,
categories.json), so a
change there changes what the PWA shows once the file is regenerated; ``tests/test_shared_export.py``
fails while the checked-in file is stale.

Regions are not here: they live in the database (the registry) and the PWA fetches them from
``GET /api/v1/regions``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from server.qr.labels import DEFAULT_EVENT_EN, DEFAULT_EVENT_ZH, EVENT_EN, EVENT_ZH
from server.routing import load_categories
from server.routing import transitions as wf
from server.routing.classify import OTHER
from server.vocabulary import AWAITING_COURT, FINISHED, OPEN_STATES, STATE_EN, STATE_ZH, STATES

__all__ = ["GENERATED", "generated_files", "openapi_document", "render", "shared_data"]

GENERATED = Path(__file__).resolve().parent.parent / "pwa" / "src" / "generated"

_FIELD_EN = {
    "reason": "Reason",
    "agreement": "Agreement",
    "org": "Organisation",
    "ruling": "Ruling number",
    "docket_no": "Docket number",
}


def shared_data() -> dict[str, Any]:
    """The shared document, labels as ``{"zh", "en"}`` and lists in the server's order:

    - ``states``; ``open``, ``court`` (awaiting the court), ``finished`` and ``terminal`` state
      lists (server/vocabulary.py);
    - ``transitions`` (from, to, roles, required fields) and ``actions`` (button id and words per
      target state); ``acts_as``; ``filer_roles`` and ``org_roles`` (who acts only on cases they
      filed / that are assigned to their organisation);
    - ``intents`` (roles and states of pause, resume, correct_category); ``fields``;
    - ``events`` with ``event_default``; ``categories`` with ``category_fallback`` (what the
      classifier answers when nothing matches; never offered as a suggestion).
    """
    cats = load_categories()["categories"]
    return {
        "generated_by": "jiefen export-shared (server/shared.py); do not edit by hand",
        "states": [{"id": s, "zh": STATE_ZH[s], "en": STATE_EN[s]} for s in STATES],
        "open": [s for s in STATES if s in OPEN_STATES],
        "court": [s for s in STATES if s in AWAITING_COURT],
        "finished": [s for s in STATES if s in FINISHED],
        "terminal": [s for s in STATES if s in wf.TERMINAL],
        "transitions": [
            {"from": frm, "to": to, "roles": sorted(rule.roles), "required": list(rule.required)}
            for (frm, to), rule in wf.TRANSITIONS.items()
        ],
        "actions": {to: {"id": a[0], "zh": a[1], "en": a[2]} for to, a in wf.ACTION.items()},
        "acts_as": dict(wf.ACTS_AS),
        "filer_roles": sorted(wf.FILER_ROLES),
        "org_roles": sorted(wf.ORG_ROLES),
        "intents": {
            **{
                name: {"roles": sorted(wf.INTENT_ROLES), "states": [s for s in STATES if s in states]}
                for name, states in wf.INTENT_STATES.items()
            },
            **{
                name: {"roles": sorted(who), "states": [s for s in STATES if s in states]}
                for name, (who, states) in wf.PARTY_INTENTS.items()
            },
        },
        "agreement": [s for s in STATES if s in wf.AGREEMENT_STATES],
        "fields": {f: {"zh": zh, "en": _FIELD_EN[f]} for f, zh in wf.FIELD_ZH.items()},
        "events": {e: {"zh": zh, "en": EVENT_EN[e]} for e, zh in EVENT_ZH.items()},
        "event_default": {"zh": DEFAULT_EVENT_ZH, "en": DEFAULT_EVENT_EN},
        "categories": [{"id": c["id"], "zh": c["name_zh"], "en": c["name_en"]} for c in cats],
        "category_fallback": OTHER,
    }


def render() -> str:
    """The document as the checked-in file holds it (keys in source order, 2-space indent)."""
    return json.dumps(shared_data(), ensure_ascii=False, indent=2) + "\n"


def openapi_document() -> dict[str, Any]:
    """The server's completed OpenAPI document, built from an app that is never started."""
    import tempfile

    from server import openapi
    from server.app import create_app
    from server.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        env = {"JIEFEN_VAR_DIR": tmp, "JIEFEN_DATABASE_URL": f"sqlite:///{tmp}/unused.db"}
        app = create_app(Settings.from_env(env), migrate=False)
        return openapi.document(app)


def generated_files() -> dict[Path, str]:
    """Every file ``jiefen export-shared`` writes → its text.

    The PWA makes ``api.d.ts`` from ``openapi.json`` itself (``npm run gen:api``)."""
    return {
        GENERATED / "shared.json": render(),
        GENERATED / "openapi.json": json.dumps(openapi_document(), ensure_ascii=False, indent=2) + "\n",
    }
