"""HTTP: ``POST /api/v1/sync`` (DESIGN.md §2) and ``POST /api/v1/follow``."""

from __future__ import annotations

import time
from typing import Annotated, Any

import msgspec
from anyio import to_thread
from litestar import Request, Response, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from server import casecode
from server.accounts.guards import authenticated, roles
from server.accounts.principal import Principal
from server.audit import log as audit_log
from server.db import Database
from server.http import ApiError, client_address
from server.qr.service import authorized_case
from server.ratelimit import Limiter, count_token_failure, token_failures_over
from server.settings import Settings
from server.sync import scopes
from server.sync.ops import PROTOCOL_VERSIONS, SyncRequest, SyncResponse
from server.sync.service import ServerReplica, SyncService, Writer
from server.sync.store import SqlStore, log_generation
from server.validation import explain

_decode_request = msgspec.json.Decoder(SyncRequest)
_encode = msgspec.json.Encoder()


def _explain(message: str) -> str:
    """msgspec's ``Expected `int` >= 0 - at `$.since``` → ``since 不能小于 0`` (server/validation.py)."""
    found, _, at = message.partition(" - at `")
    key = at.rstrip("`").removeprefix("$").lstrip(".")
    return explain([{"message": found, "key": key}]).removeprefix("请求内容有误：")


@post(
    "/api/v1/sync",
    operation_id="sync",
    guards=[authenticated],
    status_code=HTTP_200_OK,
    tags=["sync"],
    request_max_body_size=None,
)
async def sync(
    request: Request[Principal, Any, Any],
    settings: NamedDependency[Settings],
    db: NamedDependency[Database],
    sync_service: NamedDependency[SyncService],
    heads: NamedDependency[HeadCache],
) -> Response[bytes]:
    """Push ops and pull changes in one round trip; see docs/sync.md."""
    body = await _read_limited(request, settings.sync_max_bytes)
    try:
        req = _decode_request.decode(body)
    except msgspec.ValidationError as e:
        raise ApiError(400, "同步请求格式错误：" + _explain(str(e)), problems=[str(e)]) from None
    except msgspec.DecodeError:
        raise ApiError(400, "同步请求不是合法的 JSON") from None
    if len(req.ops) > settings.sync_max_ops:
        raise ApiError(413, f"一次最多同步 {settings.sync_max_ops} 条操作，请分批发送")
    if req.v not in PROTOCOL_VERSIONS:
        raise ApiError(400, f"不支持的同步协议版本：{req.v}")
    if not req.ops and heads.unchanged(req.since):
        # Nothing to push and nothing new anywhere: answer without a thread hop or a query.
        resp = SyncResponse(cursor=req.since, server_time=sync_service.server.now_ts(), v=req.v)
    else:
        resp = await to_thread.run_sync(_run, db, sync_service, heads, request.user, req)
    return Response(_encode.encode(resp), media_type="application/json")


class HeadCache:
    """The newest seq this process has seen, for the empty-sync fast path.

    A phone polling with ``since == head`` is answered from memory. Any commit that appended ops in
    this process (a sync, a timer, a follow) invalidates it at once (``log_generation``); other
    processes' writes are noticed within ``ttl`` seconds. A stale answer is harmless: it returns the
    client's own cursor, so the client gets the news on its next sync — nothing is skipped.
    """

    def __init__(self, ttl: float = 1.0) -> None:
        self.ttl = ttl
        self._head = -1
        self._gen = -1
        self._at = 0.0

    def unchanged(self, since: int) -> bool:
        return (
            since == self._head and self._gen == log_generation() and time.monotonic() - self._at < self.ttl
        )

    def saw(self, head: int, generation: int) -> None:
        self._head, self._gen, self._at = head, generation, time.monotonic()


def _run(db: Database, svc: SyncService, heads: HeadCache, p: Principal, req: SyncRequest) -> SyncResponse:
    session = db.session if req.ops else db.read_session
    generation = log_generation()  # read first: a write committing meanwhile makes the entry stale
    with session() as s:
        resp = svc.sync(SqlStore(s), p, req, int(time.time() * 1000))
        received = audit_log.party_cases(s, p, resp.changes)
    if received:  # staff received party records: who, when, which case (personal-data access log)
        with db.session() as s:
            audit_log.record(s, p, received, "sync")
    if not resp.more and not req.ops:  # a push leaves the entry for the next plain pull to refresh
        heads.saw(resp.cursor, generation)
    return resp


async def _read_limited(request: Request[Any, Any, Any], limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"请求过大（上限 {limit // 1024} KB），请分批同步")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"请求过大（上限 {limit // 1024} KB），请分批同步")
        chunks.append(chunk)
    return b"".join(chunks)


class FollowIn(msgspec.Struct):
    code: Annotated[str, msgspec.Meta(description="案件编号（二维码上的）", max_length=64)]
    token: Annotated[str, msgspec.Meta(description="二维码凭证", max_length=256)]


class FollowOut(msgspec.Struct):
    key: str
    code: str


@post(
    "/api/v1/follow",
    operation_id="followCase",
    guards=[roles(*scopes.FOLLOW_ROLES)],
    status_code=HTTP_200_OK,
    tags=["sync"],
    sync_to_thread=True,
)
def follow(
    request: Request[Principal, Any, Any],
    data: JSONBody[FollowIn],
    db: NamedDependency[Database],
    replica: NamedDependency[ServerReplica],
    trace_limiter: NamedDependency[Limiter],
) -> FollowOut:
    """Follow a case by the token in its QR: the case enters this principal's (read-only) scope."""
    code = casecode.normalize(data.code) if data.code else ""
    address = client_address(request)
    # Only failures count (per address, and per code shared with the trace page): a correct token
    # is never refused.
    over = token_failures_over(trace_limiter, address, code)
    with db.session() as s:
        row = authorized_case(s, code, data.token)
        if row is None:
            count_token_failure(trace_limiter, address, code)
            raise ApiError(429, "查询过于频繁，请稍后再试") if over else ApiError(404, "未找到该案件")
        key = row.key
        store = SqlStore(s)
        store.lock_for_write()
        if store.add_follower(key, request.user.user_id):
            w = Writer(store, replica, int(time.time() * 1000))
            w.server_intent(key, "follow", {})
            w.finish()
    return FollowOut(key=key, code=code)


route_handlers = [sync, follow]
