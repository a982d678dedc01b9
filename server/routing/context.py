"""What every part of the routing service shares: database, configuration, rulebook, notifier,
clock and the cached organisation registry (``RoutingContext``), and small helpers on a sync Writer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from server.db import Database
from server.registry.area import DEFAULT_AREA, Area
from server.routing.calendar_store import CalendarCache
from server.routing.config import RoutingConfig
from server.routing.holidays import WorkCalendar
from server.routing.registry_cache import MediatorCache
from server.routing.registry_view import DbRegistry, load_orgs
from server.routing.route import Registry
from server.routing.rulebook import Rulebook
from server.sync.service import Writer
from server.sync.store import SqlStore


class Notifier(Protocol):
    """Who is told what when routing moves a case (``server/notify/events.py`` in the app)."""

    def case_assigned(self, w: Writer, case_key: str, view: Mapping[str, Any]) -> None: ...
    def status_changed(
        self,
        w: Writer,
        case_key: str,
        view: Mapping[str, Any],
        old: str,
        new: str,
        *,
        reason: str | None = None,
    ) -> None:
        """Tell the parties the case moved ``old`` → ``new``; ``reason`` replaces the stock hint."""
        ...

    def deadline_warning(self, w: Writer, case_key: str, view: Mapping[str, Any], kind: str) -> None: ...
    def deadline_breached(
        self, w: Writer, case_key: str, view: Mapping[str, Any], kind: str, escalated_to: str | None
    ) -> None: ...


class NullNotifier:
    """Tells nobody (tests, benchmarks)."""

    def case_assigned(self, w: Writer, case_key: str, view: Mapping[str, Any]) -> None:
        pass

    def status_changed(
        self,
        w: Writer,
        case_key: str,
        view: Mapping[str, Any],
        old: str,
        new: str,
        *,
        reason: str | None = None,
    ) -> None:
        pass

    def deadline_warning(self, w: Writer, case_key: str, view: Mapping[str, Any], kind: str) -> None:
        pass

    def deadline_breached(
        self, w: Writer, case_key: str, view: Mapping[str, Any], kind: str, escalated_to: str | None
    ) -> None:
        pass


class RoutingContext:
    """The routing service's shared state. ``clock`` (tests) pins the time every effect uses."""

    def __init__(
        self,
        db: Database,
        config: RoutingConfig,
        notifier: Notifier,
        clock: Callable[[], datetime] | None = None,
        area: Area | None = None,
    ) -> None:
        self.db = db
        self.area = area or Area(DEFAULT_AREA)
        self.config = config
        self.notifier = notifier
        self.rules = Rulebook()
        self.calendars = CalendarCache()
        self.clock = clock
        self._orgs: Registry | None = None
        self._lock = threading.Lock()
        self.mediators = MediatorCache(db.engine)

    def watch(self, listening: Callable[[], bool]) -> None:
        """Trust the in-memory registry and rule caches while ``listening()`` (crossproc.py: this
        process hears other processes' ``registry`` and ``rules`` announcements); else read live."""
        self.mediators.watching = listening
        self.rules.watching = listening

    def now(self, w: Writer | None = None) -> datetime:
        """The time of this unit of work: the pinned clock, else the Writer's (a request's or the
        timer scan's), else the wall clock (UTC)."""
        if self.clock is not None:
            return self.clock()
        if w is not None:
            return datetime.fromtimestamp(w.now_ms / 1000, UTC)
        return datetime.now(UTC)

    def registry(self, s: Session, head: int | None = None) -> DbRegistry:
        """Organisations (indexed once per process) with mediators read through ``s``, or from the
        mediator cache when ``head`` (the log head under the writer lock, ``Writer.head``) is given."""
        with self._lock:
            if self._orgs is None:
                self._orgs = Registry(load_orgs(s), [])
            return DbRegistry(self._orgs, s, self.mediators, head)

    def refresh_registry(self) -> None:
        """Forget the cached organisations and mediators (they changed here or in another process)."""
        with self._lock:
            self._orgs = None
        self.mediators.clear()

    def config_for(self, case: Mapping[str, Any]) -> RoutingConfig:
        """Thresholds and SLA periods of the case's county (``RoutingConfig.for_region``)."""
        return self.config.for_region(str(case.get("region") or ""))

    def cal(self, w: Writer) -> WorkCalendar:
        """The working-day calendar in force (statutory holidays as loaded), read through ``w``'s session."""
        return self.calendars.current(session_of(w))

    def org_name(self, w: Writer, org_id: str) -> str:
        """An organisation's name, or "上级调解组织" when it is not in the registry."""
        org = self.registry(session_of(w)).org(org_id)
        return org.name if org is not None else "上级调解组织"


def case_text(case: Mapping[str, Any]) -> str:
    """What the classifier reads: summary and description."""
    return f"{case.get('summary', '')}。{case.get('description', '')}"


def session_of(w: Writer) -> Session:
    """The SQL session of a Writer's unit of work (routing runs on the SQL store only)."""
    store = w.store
    assert isinstance(store, SqlStore), "routing runs on the SQL store"
    return store.s


def iso(dt: datetime | None) -> str | None:
    """ISO-8601 text of ``dt``, None for None."""
    return dt.isoformat() if dt else None


def parse_dt(value: Any) -> datetime | None:
    """The datetime of ISO-8601 text, None for anything else."""
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None
