"""One sync round trip: validate, authorise and merge pushed ops, then page out changes in scope.

Pure of HTTP: the API hands in a store (one unit of work), the caller's principal and the request.
Routing and workflow plug in through ``Hooks``: they write through the same log as the server's own
replica (``Writer.server_put`` / ``server_create``), so clients receive server changes by pull.
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import msgspec

from server import casecode
from server.accounts.principal import Principal
from server.sync import ops, scopes, wire
from server.sync.hlc import Clock
from server.sync.merge import RecordState, apply, materialize
from server.sync.ops import Change, Evict, Op, Rejection, SyncRequest, SyncResponse, validate_op
from server.sync.store import OpStore, RecordId, StoredRecord

SERVER_REPLICA_PREFIX = "srv_"


class ServerReplica:
    """The server process's own replica: unique op ids and an HLC that has seen every client op."""

    def __init__(self, now_ms: Callable[[], int] | None = None) -> None:
        self.replica = f"{SERVER_REPLICA_PREFIX}{secrets.token_hex(6)}"
        self.clock = Clock(self.replica, now_ms or (lambda: int(time.time() * 1000)))
        self._n = itertools.count(1)
        self._lock = threading.Lock()

    def next(self) -> tuple[str, str]:
        """A fresh ``(op id, HLC timestamp)`` for an op the server writes (thread-safe)."""
        with self._lock:
            return f"{self.replica}:{next(self._n)}", self.clock.tick()

    def observe(self, ts: str) -> None:
        """Move the clock past a stored client op's timestamp, so the server's next op sorts after it."""
        with self._lock:
            self.clock.observe(ts)

    def now_ts(self) -> str:
        """The server's HLC timestamp now (sent as ``server_time`` for clients to re-stamp against)."""
        with self._lock:
            return self.clock.tick()


def reject(op_id: str, code: str, detail: str = "") -> Rejection:
    """A rejection with one of the scope layer's codes (``scopes.MESSAGES``); see ``ops.reject``."""
    return ops.reject(op_id, code, detail, scopes.MESSAGES)


class Hooks(Protocol):
    """What another domain (routing) adds to a sync's unit of work; all run in its transaction."""

    def on_intent(self, w: Writer, p: Principal, op: Op, case: Mapping[str, Any]) -> Rejection | None:
        """Decide an intent against the current case; write its effects through ``w``."""

    def after_batch(self, w: Writer, new_cases: set[str], touched_cases: set[str]) -> None:
        """Runs inside the batch's transaction, e.g. to route cases just filed."""

    def unserved(self, w: Writer, regions: set[str], counties: set[str]) -> set[str]:
        """Those of ``regions`` (12-digit) and ``counties`` (6-digit) this deployment does not serve."""


class NoHooks:
    """Sync on its own (tests, tools): every region is served and no intent is understood."""

    def unserved(self, w: Writer, regions: set[str], counties: set[str]) -> set[str]:
        """None: every region counts as served."""
        return set()

    def on_intent(self, w: Writer, p: Principal, op: Op, case: Mapping[str, Any]) -> Rejection | None:
        """Refuses every intent (``not_supported``)."""
        return reject(op.id, "not_supported")

    def after_batch(self, w: Writer, new_cases: set[str], touched_cases: set[str]) -> None:
        """Does nothing."""


@dataclass
class Writer:
    """Applies ops within one unit of work; records are cached and written once at ``finish``."""

    store: OpStore
    server: ServerReplica
    now_ms: int
    records: dict[RecordId, StoredRecord] = field(default_factory=dict)
    dirty: set[RecordId] = field(default_factory=set)
    roots: dict[str, str] = field(default_factory=dict)  # touched root -> "case" | "notification"
    first_seq: dict[str, int] = field(default_factory=dict)  # touched root -> its first seq here
    new_cases: set[str] = field(default_factory=set)
    last_seq: int = 0
    next_seq: int = 0  # numbered here under the writer lock; stored in one batch at ``finish``
    base_seq: int = 0  # the log head before this unit of work's ops (``head``)
    pending: list[tuple[int, Op, str, str | None]] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)  # for hooks that number their writes

    def record(self, rid: RecordId) -> StoredRecord | None:
        """The record ``(entity, key)`` as this unit of work sees it (its own writes included), or
        None when it does not exist."""
        if rid not in self.records:
            rec = self.store.get_record(rid)
            if rec is None:
                return None
            self.records[rid] = rec
        return self.records[rid]

    def view(self, entity: str, key: str) -> dict[str, Any]:
        """The record's materialized fields (``{}`` when it does not exist)."""
        rec = self.record((entity, key))
        return rec.view if rec is not None else {}

    def head(self) -> int:
        """The log head when this unit of work began writing (read once, under the writer lock)."""
        if not self.next_seq:
            self.next_seq = self.store.max_seq() + 1
            self.base_seq = self.next_seq - 1
        return self.base_seq

    def apply(self, op: Op, root: str, actor: str | None) -> int:
        """Give ``op`` the next seq, merge it into its record (intents change no state) and queue it
        for ``finish``; ``root`` is the case or notification it belongs to, ``actor`` the user who
        sent it (None for the server). Returns the seq. The op must already be validated."""
        self.head()
        seq, self.next_seq = self.next_seq, self.next_seq + 1
        self.pending.append((seq, op, root, actor))
        self.last_seq = seq
        if op.kind != "intent":
            rid = (op.entity, op.key)
            rec = self.record(rid)
            state: RecordState = apply(rec.state if rec else None, op)
            self.records[rid] = StoredRecord(root, state, materialize(state), seq)
            self.dirty.add(rid)
        self.roots[root] = scopes.root_kind(op.entity)
        self.first_seq.setdefault(root, seq)
        return seq

    def server_put(self, entity: str, key: str, field_name: str, value: Any, root: str | None = None) -> int:
        """Write one field as the server (an LWW ``put``); ``root`` defaults to ``key``. Returns the seq."""
        op_id, ts = self.server.next()
        return self.apply(Op(op_id, ts, entity, key, "put", field_name, value), root or key, None)

    def server_create(self, entity: str, key: str, value: Mapping[str, Any], root: str) -> int:
        """Create a record under a key the server just made up (random), so it is new by construction."""
        self.store.assume_new((entity, key))
        op_id, ts = self.server.next()
        return self.apply(Op(op_id, ts, entity, key, "create", None, dict(value)), root, None)

    def server_intent(self, key: str, name: str, value: Mapping[str, Any]) -> int:
        """A log entry with no effect on state: gives a scope change (e.g. a new follower) a seq."""
        op_id, ts = self.server.next()
        return self.apply(Op(op_id, ts, "case", key, "intent", name, dict(value)), key, None)

    def finish(self) -> None:
        """Store the batch: ops, records, the case projection, trace records and scope membership."""
        case_roots = sorted(r for r, kind in self.roots.items() if kind == "case")
        self._flush()
        for root in case_roots:
            self.store.project_case(root, self.view("case", root))
        followers = self.store.followers_many(case_roots)
        for root in case_roots:
            if followers.get(root):
                self._trace(root)
        self._flush()
        members: dict[str, tuple[set[str], int]] = {}
        for root, kind in sorted(self.roots.items()):
            if kind == "case":
                tags = scopes.case_tags(self.view("case", root))
            elif kind == "trace":
                tags = scopes.trace_tags(followers.get(root.removeprefix(scopes.TRACE_PREFIX), set()))
            else:
                tags = scopes.notification_tags(self.view("notification", root.removeprefix("n:")))
            # Scope changes are logged at the root's first seq in this batch: a client whose cursor
            # is below it gets the root's older ops as history, and never a root's op twice.
            members[root] = (tags, self.first_seq[root])
        self.store.set_members_many(members)

    def _flush(self) -> None:
        self.store.append_many(self.pending)
        self.pending.clear()
        for rid in sorted(self.dirty):
            self.store.put_record(rid, self.records[rid])
        self.dirty.clear()

    def _trace(self, case_key: str) -> None:
        """Refresh the public trace record of a followed case (written only when it changed)."""
        root = scopes.trace_root(case_key)
        view = self.store.trace_view(case_key)
        rec = self.record((scopes.TRACE_ENTITY, case_key))
        if view is not None and (rec is None or rec.view.get("view") != view):
            self.server_put(scopes.TRACE_ENTITY, case_key, "view", view, root=root)
        # A new follower changes who reads the trace even when the view did not change.
        self.roots[root] = "trace"
        self.first_seq.setdefault(root, self.first_seq[case_key])


def message_author(p: Principal, case: Mapping[str, Any]) -> dict[str, str]:
    """Who wrote a message, as the chat shows it: ``{"role": R, "name": N}``.

    R: ``mediator`` (mediator, org admin, admin — N is their name), ``court`` (court clerk, N their
    name), ``grid_worker`` (N their name), ``applicant`` (the citizen who filed), ``respondent`` (any
    other citizen). Citizens' names stay out (N is ""): the chat shows their side, not who they are.
    """
    if p.role in ("mediator", "org_admin", "admin"):
        return {"role": "mediator", "name": p.name}
    if p.role == "court_clerk":
        return {"role": "court", "name": p.name}
    if p.role == "grid_worker":
        return {"role": "grid_worker", "name": p.name}
    return {"role": "applicant" if case.get("filer") == p.user_id else "respondent", "name": ""}


REGION_RE = re.compile(r"[0-9]{12}")
FIRST_CASE_YEAR = 2020
"""No case on this platform is older: an earlier year in a code is a wrong device clock or a forgery."""


def _why_refused(op: Op, value: str, unserved: bool, now_ms: int) -> str | None:
    """Why ``op`` (a case's region or code) cannot enter, in Chinese for the filer; None if it can."""
    if op.field == "region":
        return f"本平台不受理该地区（{value}）的纠纷，请选择服务地区内的村（社区）" if unserved else None
    if unserved:
        return f"案件码中的县级代码 {value} 不属于本平台服务的地区"
    year = casecode.parse(str(op.value)).year
    # A device anywhere (up to UTC+14) may already be in the next year when the server is not.
    latest = datetime.fromtimestamp(now_ms / 1000 + 14 * 3600, UTC).year
    if not FIRST_CASE_YEAR <= year <= latest:
        return f"案件码中的年份 {year} 不可能（应在 {FIRST_CASE_YEAR}—{latest} 年之间），请校准手机日期"
    return None


def _region_and_code(found: list[tuple[Op, str]]) -> dict[str, dict[str, Op]]:
    """Per case key, the batch's last well-formed ``region`` and ``code`` puts."""
    out: dict[str, dict[str, Op]] = {}
    for op, _ in found:
        out.setdefault(op.key, {})[op.field or ""] = op
    return out


def _records_touched(ops: list[Op]) -> set[RecordId]:
    """The records a batch will read: its own, and the cases its parties and messages belong to."""
    rids: set[RecordId] = set()
    for op in ops:
        rids.add((op.entity, op.key))
        if op.entity == "party" and op.field == "case" and isinstance(op.value, str):
            rids.add(("case", op.value))
        elif op.entity == "message" and isinstance(op.value, dict) and isinstance(op.value.get("case"), str):
            rids.add(("case", op.value["case"]))
    return rids


@dataclass(frozen=True)
class Limits:
    """Per-sync bounds: ops and encoded bytes per pull page, and how far (ms) a client's HLC may
    run ahead of the server before its op is refused (``clock_ahead``)."""

    page_ops: int = 500
    record_page_ops: int = 2000  # for v2 (per-record) pages; bytes bound them alike
    page_bytes: int = 512 * 1024
    max_skew_ms: int = 5 * 60 * 1000


class SyncService:
    """The push/pull unit of work over an ``OpStore`` (DESIGN.md §3): validate, authorize, merge and
    store a batch, then page out what the principal may read."""

    def __init__(
        self, server: ServerReplica, hooks: Hooks | None = None, limits: Limits | None = None
    ) -> None:
        self.server = server
        self.hooks: Hooks = hooks or NoHooks()
        self.limits = limits or Limits()

    # -- push ------------------------------------------------------------------------------
    def push(
        self, store: OpStore, p: Principal, req: SyncRequest, now_ms: int
    ) -> tuple[list[str], list[Rejection]]:
        """Store what ``p`` may write of ``req.ops`` (``now_ms``: server time, Unix ms). Returns the
        ids stored (or already stored, the same op from the same principal) and a ``Rejection`` per
        op refused; a refused op never stops the others. Database errors propagate."""
        acked: list[str] = []
        rejected: list[Rejection] = []
        if not req.ops:
            return acked, rejected
        store.lock_for_write()
        owner = store.claim_replica(req.replica, p.user_id)
        if owner != p.user_id or req.replica.startswith(SERVER_REPLICA_PREFIX):
            # Someone else's replica id (read off a pulled op): nothing of this batch is stored.
            return acked, [reject(op.id, "replica_taken") for op in req.ops]
        # Shape first, before any query: a hostile id or key (a NUL, say) is rejected here alone
        # and never reaches the database, where it could fail the whole batch.
        shape = [self._shape(op, req.replica, now_ms) for op in req.ops]
        fine = [op for op, problem in zip(req.ops, shape, strict=True) if problem is None]
        known = store.stored_ops([o.id for o in fine])
        store.prefetch(_records_touched(fine))
        w = Writer(store, self.server, now_ms)
        touched: set[str] = set()
        refused_cases, refused_ops = self._refused(w, [o for o in fine if o.id not in known])
        for op, problem in zip(req.ops, shape, strict=True):
            if problem is not None:
                rejected.append(problem)
                continue
            if op.id in known:
                # Already stored only when it is the same op from the same principal: acknowledge,
                # change nothing. Anything else is told, never acked (an ack means "it is stored").
                stored, actor = known[op.id]
                if stored == op and actor == p.user_id:
                    acked.append(op.id)
                else:
                    rejected.append(reject(op.id, "id_conflict"))
                continue
            why = refused_ops.get(op.id) or (refused_cases.get(op.key) if op.entity == "case" else None)
            problem = Rejection(op.id, "bad_value", why) if why else self._client_op(w, p, op, touched)
            if problem is not None:
                rejected.append(problem)
                continue
            known[op.id] = (op, p.user_id)
            acked.append(op.id)
            self.server.observe(op.ts)
        if w.roots:
            self.hooks.after_batch(w, w.new_cases, touched)
            w.finish()
        return acked, rejected

    def _shape(self, op: Op, replica: str, now_ms: int) -> Rejection | None:
        problem = validate_op(op, server_now_ms=now_ms, max_skew_ms=self.limits.max_skew_ms)
        if problem is None and not op.id.startswith(f"{replica}:"):
            problem = Rejection(op.id, "bad_id", "操作编号必须属于本设备")
        return problem

    def _refused(self, w: Writer, ops: list[Op]) -> tuple[dict[str, str], dict[str, str]]:
        """Where a case enters: its region and its code's county must be served here, and the
        code's year possible.  Returns (new case key → why: every op of that case is refused, so
        nothing of it is stored; op id → why: a refused edit of a case the server already has)."""
        found: list[tuple[Op, str]] = []  # (op, region or county)
        for op in ops:
            if op.entity != "case" or op.kind != "put" or not isinstance(op.value, str):
                continue
            if op.field == "region" and REGION_RE.fullmatch(op.value):
                found.append((op, op.value))
            elif op.field == "code" and casecode.is_valid(op.value):
                found.append((op, op.value[3:9]))
        if not found:
            return {}, {}
        unserved = self.hooks.unserved(
            w,
            {v for o, v in found if o.field == "region"},
            {v for o, v in found if o.field == "code"},
        )
        cases: dict[str, str] = {}
        refused: dict[str, str] = {}
        for op, value in found:
            why = _why_refused(op, value, value in unserved, w.now_ms)
            if why is None:
                continue
            why = f"字段值不正确：{why}"
            if w.record(("case", op.key)) is None:
                cases.setdefault(op.key, why)
            else:
                refused[op.id] = why
        for key, puts in _region_and_code(found).items():
            rec = w.record(("case", key))
            view = rec.view if rec is not None else {}
            if scopes.is_routed(view):
                continue  # its region is locked and its code written once (scopes.py)
            region = puts["region"].value if "region" in puts else view.get("region")
            code = puts["code"].value if "code" in puts else view.get("code")
            if not isinstance(region, str) or not isinstance(code, str) or code[3:9] == region[:6]:
                continue
            # The code names the county of the case's village (一案一编码): county-scoped rules
            # (admins, courts, deadlines) follow one, routing the other; they must agree.
            why = f"字段值不正确：案件码中的县级代码 {code[3:9]} 与所选村（社区）所在的县 {region[:6]} 不一致"
            if rec is None:
                cases.setdefault(key, why)
            else:
                refused.update({op.id: why for op in puts.values()})
        return cases, refused

    def _client_op(self, w: Writer, p: Principal, op: Op, touched: set[str]) -> Rejection | None:
        if op.entity == "case":
            return self._case_op(w, p, op, touched)
        if op.entity == "party":
            rec = w.record(("party", op.key))
            if rec is None:
                if op.kind != "put" or op.field != "case":
                    return reject(op.id, "unknown_parent")
                root = str(op.value)
            else:
                root = rec.root
                if op.field == "case" and op.value != root:
                    return Rejection(op.id, "bad_value", "当事人不能改到另一个案件")
            return self._child_op(w, p, op, root, touched)
        if op.entity == "message":
            if w.record(("message", op.key)) is not None:  # made once; a resent op was acked above
                return Rejection(op.id, "bad_key", "该编号的留言已存在，请换一个编号")
            case_key = str(op.value["case"])
            refused = self._child_op(w, p, op, case_key, touched)
            if refused is None:
                w.server_put(
                    "message", op.key, "author", message_author(p, w.view("case", case_key)), case_key
                )
            return refused
        if op.entity == "notification":
            rec = w.record(("notification", op.key))
            if rec is None or rec.view.get("user") != p.user_id:
                return reject(op.id, "not_yours")
            w.apply(op, rec.root, p.user_id)
            return None
        return reject(op.id, "not_supported")

    def _child_op(self, w: Writer, p: Principal, op: Op, root: str, touched: set[str]) -> Rejection | None:
        case = w.record(("case", root))
        if case is None:
            return reject(op.id, "unknown_parent")
        if (code := scopes.may_write_child(p, case.view)) is not None:
            return reject(op.id, code)
        w.apply(op, root, p.user_id)
        touched.add(root)
        return None

    def _case_op(self, w: Writer, p: Principal, op: Op, touched: set[str]) -> Rejection | None:
        rec = w.record(("case", op.key))
        if rec is None:
            if op.kind != "put":
                return reject(op.id, "unknown_parent")
            if p.role not in scopes.FILER_ROLES:
                return reject(op.id, "not_filer_role")
            w.server_put("case", op.key, "filer", p.user_id)
            w.server_put("case", op.key, "status", "submitted")
            w.new_cases.add(op.key)
        view = w.view("case", op.key)
        if op.kind == "intent":
            problem = self.hooks.on_intent(w, p, op, view)
            if problem is None:
                w.apply(op, op.key, p.user_id)
                touched.add(op.key)
            return problem
        if (code := scopes.may_write_case_field(p, view, op.field or "", op.kind)) is not None:
            return reject(op.id, code)
        if op.field == "code":
            code_value = str(op.value)
            if not casecode.is_valid(code_value):
                return reject(op.id, "code_invalid")
            if w.store.find_code(code_value) not in (None, op.key):
                # Offline-made codes can clash (rarely): keep the case, give it a fresh code.
                parsed = casecode.parse(code_value)
                fresh = casecode.make_code(parsed.county, parsed.year)
                while w.store.find_code(fresh) is not None:
                    fresh = casecode.make_code(parsed.county, parsed.year)
                w.server_put("case", op.key, "code", fresh)
                touched.add(op.key)
                return reject(op.id, "code_taken", f"已重新分配为 {fresh}")
        w.apply(op, op.key, p.user_id)
        touched.add(op.key)
        return None

    # -- pull ------------------------------------------------------------------------------
    def pull(
        self, store: OpStore, p: Principal, since: int, page_ops: int | None = None
    ) -> tuple[int, list[Change], list[Evict], bool]:
        """What ``p`` may read after seq ``since``: ``(cursor, changes, evict, more)``. A page holds
        at most ``page_ops`` (default ``limits.page_ops``) ops and about ``limits.page_bytes``;
        ``more`` says another page waits. Records of roots that entered scope come with their older
        history; roots that left are listed as ``evict``. A cursor past the head (another database)
        starts over at 0."""
        tags = p.scope_tags()
        head = store.max_seq()
        if since > head:
            since = 0  # a cursor from another database (e.g. restored backup): start over
        limit = page_ops or self.limits.page_ops
        page = store.changes(tags, since, head, limit + 1)
        more = len(page) > limit
        page = page[:limit]
        size = 0
        for i, c in enumerate(page):
            size += len(msgspec.json.encode(c))
            if size > self.limits.page_bytes and i > 0:
                page, more = page[:i], True
                break
        upto = page[-1].seq if more else head
        entered: list[str] = []
        left: list[str] = []
        for root, action in store.scope_events(tags, since, upto):
            (entered if action == "enter" else left).append(root)
        now_in = store.in_scope(set(entered) | set(left), tags)
        history = store.history(sorted({r for r in entered if r in now_in}), since) if since else []
        evict = [
            Evict(e, k)
            for root in sorted({r for r in left if r not in now_in})
            for e, k in store.records_of(root)
        ]
        return upto, history + page, evict, more

    def rescope_followed(self, store: OpStore, now_ms: int) -> int:
        """Bring followed cases under today's scope rules; returns how many changed.

        Before "follow = trace view", a follower's tag sat on the case itself, so its devices hold
        party records, messages and free text. Touching such a case recomputes its tags: the
        follower leaves the case's scope (its next sync gets ``evict`` for every record of it) and
        enters the trace root. Cheap when nothing is stale (one read per followed case).
        """
        store.lock_for_write()
        w = Writer(store, self.server, now_ms)
        stale = 0
        for key in store.followed_roots():
            case = store.get_record(("case", key))
            if case is None:
                continue
            want_trace = scopes.trace_tags(store.followers(key))
            if store.members(key) != scopes.case_tags(case.view) or not want_trace <= store.members(
                scopes.trace_root(key)
            ):
                w.server_intent(key, "rescope", {})
                stale += 1
        if stale:
            w.finish()
        return stale

    def backfill_area_tags(self, store: OpStore, now_ms: int, batch: int = 1000) -> int:
        """Give cases filed before the ``area:`` scope tags existed their tags, so a county's or
        city's admin reads them (the deployment may have widened from one county to its city since).
        Idempotent: returns how many cases changed (0 when none lacks them; one indexed read).

        Each case gets a ``rescope`` log entry, so the new readers' next pull brings its history.
        ``batch`` cases per unit of work; the caller commits (here: once, at the end)."""
        done, seen = 0, set[str]()
        while keys := [k for k in store.roots_without_area_tags(batch) if k not in seen]:
            seen.update(keys)  # a case its rescope could not tag (no such region) is not retried
            store.lock_for_write()
            w = Writer(store, self.server, now_ms)
            for key in keys:
                w.server_intent(key, "rescope", {})
            w.finish()
            done += len(keys)
            if len(keys) < batch:
                break
        return done

    def sync(self, store: OpStore, p: Principal, req: SyncRequest, now_ms: int) -> SyncResponse:
        """``push`` then ``pull`` in one unit of work; the caller commits (``now_ms``: Unix ms)."""
        acked, rejected = self.push(store, p, req, now_ms)
        compact = req.v >= 2  # one entry per record (wire.py), superseded puts and intents dropped
        page_ops = self.limits.record_page_ops if compact else self.limits.page_ops
        cursor, changes, evict, more = self.pull(store, p, req.since, page_ops)
        return SyncResponse(
            cursor=cursor,
            acked=acked,
            rejected=rejected,
            changes=[] if compact else changes,
            records=wire.group(changes) if compact else [],
            evict=evict,
            more=more,
            server_time=self.server.now_ts(),
            v=req.v,
        )
