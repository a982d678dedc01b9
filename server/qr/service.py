"""Database look-ups behind the trace and the posters, shared by the HTTP API and the CLI."""

from __future__ import annotations

import hmac
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from server import casecode
from server.qr.poster import PosterItem, poster_svg
from server.qr.trace import CaseFacts, TraceView, build_trace
from server.refusals import StatusError
from server.registry.models import Org, Region
from server.sync.models import CaseRow, RecordRow

__all__ = [
    "PosterError",
    "authorized_case",
    "poster_items",
    "poster_svg_of",
    "region_kind",
    "trace_view",
]

# Compared against when the code is unknown, so an unknown code costs what a wrong token costs.
_DUMMY_HASH = casecode.trace_hash("jiefen: no such case")
_REGION_RE = re.compile(r"\d{12}")
# 12348: the national public legal service hotline, for a township without a 司法所 on record.
FALLBACK_HOTLINE = "12348"


def authorized_case(s: Session, code: str, token: str) -> CaseRow | None:
    """The case whose code is ``code`` (canonical) if ``token`` is its QR token, else None.

    Always hashes the token and compares in constant time, also for codes that do not exist.
    """
    row = s.scalar(select(CaseRow).where(CaseRow.code == code)) if casecode.is_valid(code) else None
    expected = row.trace_hash if row is not None and row.trace_hash else _DUMMY_HASH
    ok = hmac.compare_digest(casecode.trace_hash(token).encode(), expected.encode())
    return row if ok and row is not None and row.trace_hash else None


def trace_view(s: Session, row: CaseRow) -> TraceView:
    """The public, masked view of a case (``qr.trace.build_trace``) from its projection row, its
    organisation's name, and its party and timeline records."""
    org_name = s.scalar(select(Org.name).where(Org.id == row.org_id)) if row.org_id else None
    children = s.execute(
        select(RecordRow.entity, RecordRow.view)
        .where(RecordRow.root == row.key, RecordRow.entity.in_(("party", "timeline")))
        .order_by(RecordRow.updated_seq)
    ).all()
    parties = [v for e, v in children if e == "party" and isinstance(v, dict) and v.get("case") == row.key]
    events = [v for e, v in children if e == "timeline" and isinstance(v, dict) and v.get("case") == row.key]
    facts = CaseFacts(
        code=row.code or "",
        status=row.status,
        category=row.category,
        level=row.level,
        created_at=row.created_at,
        respond_by=row.respond_by,
        resolve_by=row.resolve_by,
        deadline_provisional=row.deadline_provisional,
    )
    return build_trace(facts, org_name, parties, events)


class PosterError(StatusError):
    """A poster request that cannot be served; ``status`` maps to HTTP, ``message`` is Chinese."""


def region_kind(s: Session, code: str) -> Region:
    """The region row, or PosterError(404) for anything that is not a known 12-digit code."""
    region = s.get(Region, code) if _REGION_RE.fullmatch(code) else None
    if region is None:
        raise PosterError(404, "未找到该行政区划")
    return region


def _item(s: Session, village: Region, town: Region | None, base_url: str) -> PosterItem:
    hotline = None
    county_name = ""
    if town is not None:
        hotline = s.scalar(
            select(Org.hotline)
            .where(Org.kind == "judicial_office", Org.region == town.code, Org.hotline.is_not(None))
            .order_by(Org.id)
            .limit(1)
        )
        if town.parent:
            county_name = s.scalar(select(Region.name).where(Region.code == town.parent)) or ""
    return PosterItem(
        village_name=village.name,
        town_name=town.name if town is not None else "",
        village_code=village.code,
        base_url=base_url,
        hotline=hotline or FALLBACK_HOTLINE,
        county_name=county_name,
    )


def poster_items(s: Session, code: str, base_url: str, *, allow_town: bool = True) -> list[PosterItem]:
    """Posters for a village (one) or, when ``allow_town``, every village of a township."""
    region = region_kind(s, code)
    if region.level == "village":
        town = s.get(Region, region.parent) if region.parent else None
        return [_item(s, region, town, base_url)]
    if region.level == "town":
        if not allow_town:
            raise PosterError(400, f"{region.name}是乡镇（街道），SVG 只能打印单个村（社区）；整镇请导出 PDF")
        in_town = select(Region).where(Region.parent == region.code, Region.level == "village")
        villages = s.scalars(in_town.order_by(Region.code)).all()
        if not villages:
            raise PosterError(404, f"{region.name}下没有村（社区）")
        return [_item(s, v, region, base_url) for v in villages]
    raise PosterError(400, f"{region.name}不是村（社区）或乡镇（街道），请按村或乡镇打印海报")


def poster_svg_of(item: PosterItem) -> str:
    """The SVG text of one village's A4 poster (its QR opens ``{base_url}/?v={village code}``)."""
    return poster_svg(
        item.village_name,
        item.town_name,
        item.village_code,
        item.base_url,
        item.hotline,
        county_name=item.county_name,
    )
