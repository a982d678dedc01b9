"""The OpenAPI document at ``/schema/openapi.json``, completed where Litestar cannot see by itself.

Litestar documents what a handler's signature says.  Three things it cannot know are added here,
once for every operation, so the PWA's generated wire types (``pwa/src/generated/api.d.ts``) are
complete:

- the bearer-token security scheme, on every operation that has a guard (any operation answers
  401 to a stale or malformed token, guarded or not);
- the 4xx each operation answers (``ERRORS``, read from the handlers' code), with the error body
  every ``ApiError`` has (``{status_code, detail, extra?}``; ``detail`` is Chinese for a person);
- the typed bodies of ``POST /api/v1/sync``, which reads its body itself to enforce its own limits.

``tests/test_openapi.py`` fails when an operation has no entry in ``ERRORS`` and when the checked-in
document (``pwa/src/generated/openapi.json``) differs from what the server serves.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import msgspec
from litestar import Litestar, Request
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin

from server.sync.ops import SyncRequest, SyncResponse

__all__ = ["ERRORS", "CompletedJson", "complete", "config", "document"]

_REF = "#/components/schemas/{name}"
ERROR_SCHEMA = "Error"
BEARER = "bearerAuth"

# operation id → the 4xx it may answer besides 400/413 (decoding layer), 401 (any) and 403 (role
# guards).  A new operation must be added here: tests/test_openapi.py fails until it is (then run
# `make generated`).
ERRORS: Mapping[str, tuple[int, ...]] = {
    "login": (400, 401, 429),
    "logout": (),
    "me": (),
    "registerDevice": (429,),
    "revokeUserTokens": (400, 404),
    "listOrgMediators": (400,),
    "listOrgs": (),
    "listRegions": (),
    "health": (),
    "ping": (),
    "sync": (400, 413),
    "followCase": (400, 404, 429),
    "downloadBlob": (400, 404),
    "uploadBlob": (400, 409, 413, 415, 422),
    "blobStatus": (400, 404),
    "listCategories": (),
    "getRules": (),
    "putRules": (400,),
    "reloadRulesFile": (400,),
    "listCorrections": (),
    "pushKey": (),
    "subscribePush": (400,),
    "unsubscribePush": (400,),
    "traceCase": (400, 404, 429),
    "traceCaseQrSvg": (400, 404, 429),
    "traceCaseQrPng": (400, 404, 429),
    "getPoster": (400, 404),
    "cockpitSummary": (400, 404),
    "cockpitTrend": (400, 404),
    "cockpitRisks": (400, 404),
    "consult": (400, 429),
    "getGuidance": (),
    "putGuidance": (400,),
    "consultDirectory": (400,),
    "consultTally": (400,),
    "cockpitConsultations": (400,),
    "getAgreement": (400, 404),
    "getAgreementPdf": (400, 404),
    "cockpitAssessment": (400,),
    "cockpitAssessmentCsv": (400,),
    "listHolidayYears": (),
    "getHolidayYear": (400, 404),
    "putHolidayYear": (400,),
    "listCategoryModels": (),
    "trainCategoryModel": (),
    "publishCategoryModel": (400, 404),
    "personalDataAudit": (400,),
}
_WHY = {
    400: "请求有误（格式、取值或缺少字段）",
    401: "未登录或登录已失效",
    403: "无权进行此操作",
    404: "未找到",
    409: "与服务器上的状态冲突",
    413: "请求过大",
    415: "不支持的文件类型",
    422: "内容校验失败",
    429: "请求过于频繁",
}


class ErrorBody(msgspec.Struct):
    """Every 4xx/5xx body: ``detail`` is the message a person reads (Chinese first)."""

    status_code: int
    detail: str
    extra: dict[str, Any] | None = None


def _guard_names(app: Litestar) -> dict[str, list[str]]:
    """operation id → the names of its guards (``roles.<locals>.guard`` for role checks)."""
    out: dict[str, list[str]] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            op_id = handler.operation_id
            if isinstance(op_id, str):
                # ``guards`` of the handler and of its controller (resolve_guards wraps them).
                layers = [*(handler.owner.guards or [] if handler.owner else []), *(handler.guards or [])]
                out[op_id] = [getattr(g, "__qualname__", repr(g)) for g in layers]
    return out


def complete(doc: dict[str, Any], guards: Mapping[str, list[str]]) -> dict[str, Any]:
    """A copy of Litestar's document with security, error responses and the sync bodies added.

    ``guards`` maps operation id → guard names; any guard means a bearer token is needed, and any
    guard other than ``authenticated`` can also refuse the caller's role or scope (403).
    """
    doc = copy.deepcopy(doc)
    comps = doc.setdefault("components", {})
    schemas = comps.setdefault("schemas", {})
    comps["securitySchemes"] = {
        BEARER: {"type": "http", "scheme": "bearer", "description": "登录或设备注册时得到的令牌"}
    }
    (sync_req, sync_resp, err), defs = msgspec.json.schema_components(
        [SyncRequest, SyncResponse, ErrorBody], ref_template=_REF
    )
    schemas.update(defs)
    for path in doc.get("paths", {}).values():
        for method, op in path.items():
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            op_id = op["operationId"]
            names = guards.get(op_id, [])
            # 401 everywhere: the middleware refuses a stale or malformed token on any route; 400 and
            # 413 everywhere too: the request-decoding layer (server/decoding.py) refuses control
            # characters, non-JSON and too-deep or too-large bodies before any handler runs.
            codes = set(ERRORS.get(op_id, ())) | {400, 401, 413}
            if names:
                op["security"] = [{BEARER: []}]
                if any(n != "authenticated" for n in names):
                    codes.add(403)
            responses = op.setdefault("responses", {})
            for code in sorted(codes):
                responses[str(code)] = {
                    "description": _WHY[code],
                    "content": {"application/json": {"schema": err}},
                }
            if op_id == "sync" and method == "post":
                op["requestBody"] = {"required": True, "content": {"application/json": {"schema": sync_req}}}
                responses["200"] = {
                    "description": "已接收的操作、被拒绝的操作（含原因）和新的变更",
                    "content": {"application/json": {"schema": sync_resp}},
                }
    return doc


def document(app: Litestar) -> dict[str, Any]:
    """The completed document of ``app``, as ``/schema/openapi.json`` serves it."""
    return complete(app.openapi_schema.to_schema(), _guard_names(app))


class CompletedJson(JsonRenderPlugin):
    """Serves ``/schema/openapi.json``: Litestar's document passed through :func:`complete`."""

    def __init__(self) -> None:
        super().__init__(path="/openapi.json")
        self._done: dict[int, bytes] = {}

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        key = id(request.app)
        if key not in self._done:
            self._done = {key: msgspec.json.encode(complete(openapi_schema, _guard_names(request.app)))}
        return self._done[key]


def config(title: str, version: str) -> OpenAPIConfig:
    """The app's OpenAPI settings: the completed JSON document and Swagger UI at ``/schema``."""
    return OpenAPIConfig(
        title=title, version=version, path="/schema", render_plugins=[CompletedJson(), SwaggerRenderPlugin()]
    )
