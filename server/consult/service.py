"""Answer a consultation: classify the text (the routing classifier, not a copy), route a would-be
case from the region to its organisation (the routing rules, not a copy), and lay out the content.

``answer`` is pure; ``ConsultService`` reads the content in force, the classifier and the registry
from the database and counts the consultation anonymously.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.consult.content import GuidanceError, load_guidance, render, validate_guidance
from server.consult.models import Consultation, GuidanceSet
from server.registry.models import Org as OrgRow
from server.registry.models import Region
from server.routing.classify import Classification
from server.routing.route import LEVEL_ZH, CaseFacts, route
from server.routing.service import RoutingService
from server.vocabulary import CATEGORY_IDS, CATEGORY_NAMES_ZH

CST = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class Responsible:
    """The organisation a case of this category from this region would go to first."""

    id: str
    name: str
    level: str
    level_name: str
    hotline: str | None
    reason: str


def answer(
    guidance: Mapping[str, Any],
    found: Classification,
    org: Responsible | None,
    region: str | None,
    text: str,
) -> dict[str, Any]:
    """The consultation reply (the shape of ``POST /api/v1/consult``, see api.ConsultOut)."""
    sections, bases = render(guidance, found.category)
    if org is not None:
        reach = f"{org.name}（{org.level_name}）" + (f"，电话 {org.hotline}" if org.hotline else "")
        sections.insert(2, {"id": "who", "title": "找谁处理", "items": [reach, org.reason]})
    return {
        "category": found.category,
        "category_name": CATEGORY_NAMES_ZH[found.category],
        "confidence": found.confidence,
        "matched": list(found.matched),
        "sections": sections,
        "organisation": None if org is None else org.__dict__,
        "legal_bases": bases,
        "guidance_version": str(guidance["version"]),
        "prefill": {"category": found.category, "region": region, "summary": text[:200]},
    }


class ConsultService:
    """智能咨询: answers a question with guidance, legal bases and the responsible organisation,
    and counts consultations (day, area, category; never the text)."""

    def __init__(self, routing: RoutingService) -> None:
        self.routing = routing
        self._lock = threading.Lock()
        self._id: int | None = -1
        self._data: dict[str, Any] = {}

    def guidance(self, s: Session) -> dict[str, Any]:
        """The content in force: the newest published version, else the shipped guidance.json."""
        newest = s.scalar(select(GuidanceSet.id).order_by(GuidanceSet.id.desc()).limit(1))
        with self._lock:
            if newest != self._id:
                row = s.get(GuidanceSet, newest) if newest is not None else None
                self._data = row.data if row is not None else load_guidance()
                self._id = newest
            return self._data

    @staticmethod
    def publish(s: Session, data: dict[str, Any], by_user: str | None) -> GuidanceSet:
        """Store ``data`` as the version in force; raises GuidanceError (Chinese messages)."""
        errors = validate_guidance(data)
        if errors:
            raise GuidanceError(errors)
        row = GuidanceSet(version=str(data["version"]), data=data, created_by=by_user)
        s.add(row)
        s.flush()
        return row

    def responsible(self, s: Session, region: str, category: str) -> Responsible | None:
        """Where routing would send an online filing of ``category`` from ``region`` today."""
        decision = route(
            CaseFacts(region=region, category=category), self.routing.registry(s), self.routing.config
        )
        if decision.org_id is None:
            return None
        row = s.get(OrgRow, decision.org_id)
        if row is None:
            return None
        # The first reason says why this body; the mediator pick that follows is internal.
        why = next((r for r in decision.reasons if not r.startswith("指派调解员")), "")
        return Responsible(row.id, row.name, row.level, LEVEL_ZH.get(row.level, row.level), row.hotline, why)

    def directory(self, s: Session, region: str) -> dict[str, Responsible | None]:
        """Every category's responsible organisation for ``region``: what the PWA keeps offline."""
        return {cid: self.responsible(s, region, cid) for cid in CATEGORY_IDS}

    def consult(
        self, s: Session, text: str, region: str | None, *, today: date | None = None
    ) -> dict[str, Any]:
        """Classify ``text``, find who handles it in ``region`` (12 digits, or None: no organisation),
        count one ``server`` consultation on ``today`` (default: today in China) and return the
        answer (the ``ConsultOut`` shape of the API)."""
        found = self.routing.rules.current(s).classify(text)
        org = self.responsible(s, region, found.category) if region else None
        self.count(s, region, found.category, "server", today=today)
        return answer(self.guidance(s), found, org, region, text)

    @staticmethod
    def count(
        s: Session, region: str | None, category: str, source: str, *, today: date | None = None
    ) -> None:
        """Add one consultation of ``category`` from ``source`` (``server`` or ``offline``), counted
        by county (a town-level code) or town (a village code); ``region`` None counts no area."""
        day = today or datetime.now(UTC).astimezone(CST).date()
        area = None if region is None else region[:6] if region[6:9] == "000" else region[:9]
        s.add(Consultation(day=day, area=area, category=category, source=source))


def region_known(s: Session, region: str) -> bool:
    """True when ``region`` is a code in the registry's regions."""
    return s.get(Region, region) is not None


__all__ = ["ConsultService", "GuidanceError", "Responsible", "answer", "region_known"]
