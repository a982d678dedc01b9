"""HTTP: resumable, content-addressed evidence uploads ``/api/v1/blobs/{sha256}`` (docs/blobs.md).

- ``HEAD`` tells how much of an upload the server holds (``Upload-Offset``, ``Upload-Complete``).
- ``PUT`` appends the next chunk at ``Upload-Offset`` of a file of ``Upload-Length`` bytes; the last
  chunk is checked (SHA-256 equals the path, magic bytes match ``Content-Type``) and moved into place.
- ``GET`` returns the bytes to whoever may see a case referencing the blob, or to its uploader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from anyio import to_thread
from litestar import Request, Response, get, head, put
from litestar.datastructures import ETag
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter
from litestar.response import File
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server.accounts.guards import authenticated, roles
from server.accounts.principal import Principal
from server.db import Database
from server.http import ApiError
from server.settings import Settings
from server.sync.blobstore import CHUNK_MAX, CONTENT_TYPES, BlobStore, is_sha256
from server.sync.models import Blob, BlobRef
from server.sync.scopes import FILER_ROLES
from server.sync.store import SqlStore

CACHE_CONTROL = "private, max-age=31536000, immutable"
_may_upload = roles(*sorted(FILER_ROLES))

UploadOffset = Annotated[str | None, HeaderParameter(name="upload-offset")]
UploadLength = Annotated[str | None, HeaderParameter(name="upload-length")]
ContentType = Annotated[str | None, HeaderParameter(name="content-type")]


def _check_sha(sha256: str) -> str:
    if not is_sha256(sha256):
        raise ApiError(400, "文件标识无效（应为 64 位小写十六进制 SHA-256）")
    return sha256


def _offset_headers(offset: int, complete: bool) -> dict[str, str]:
    return {"Upload-Offset": str(offset), "Upload-Complete": "1" if complete else "0"}


# -- HEAD ------------------------------------------------------------------------------------
@head(
    "/api/v1/blobs/{sha256:str}",
    operation_id="blobStatus",
    guards=[_may_upload],
    tags=["blobs"],
)
async def blob_status(
    request: Request[Principal, Any, Any],
    sha256: FromPath[str],
    db: NamedDependency[Database],
    blobs: NamedDependency[BlobStore],
) -> Response[None]:
    """How many bytes of this blob the server holds; 404 when none."""
    sha = _check_sha(sha256)
    offset, complete = await to_thread.run_sync(_status, db, blobs, request.user, sha)
    return Response(None, status_code=200, headers=_offset_headers(offset, complete))


def _status(db: Database, files: BlobStore, p: Principal, sha: str) -> tuple[int, bool]:
    # Answers like GET: a complete file only to whoever may read it, a partial one only to its
    # uploader; anyone else gets the same 404 as for a hash the server never saw.
    with db.read_session() as s:
        row = s.get(Blob, sha)
        visible = row is not None and (_may_read(s, p, row) if row.complete else row.uploader_id == p.user_id)
        if row is None or not visible:
            raise ApiError(404, "服务器上没有该文件")
        complete, size = row.complete, row.size
    return (size if complete else files.received(sha)), complete


# -- PUT -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Chunk:
    sha: str
    offset: int
    total: int
    content_type: str
    data: bytes


def _int_header(raw: str | None, name: str) -> int:
    if raw is None or not raw.strip().isdigit():
        raise ApiError(400, f"缺少或无效的请求头 {name}（应为非负整数）")
    return int(raw.strip())


@put(
    "/api/v1/blobs/{sha256:str}",
    operation_id="uploadBlob",
    guards=[_may_upload],
    tags=["blobs"],
    request_max_body_size=None,
    status_code=204,
)
async def upload_blob(
    request: Request[Principal, Any, Any],
    sha256: FromPath[str],
    upload_offset: UploadOffset = None,
    upload_length: UploadLength = None,
    content_type: ContentType = None,
    *,
    settings: NamedDependency[Settings],
    db: NamedDependency[Database],
    blobs: NamedDependency[BlobStore],
) -> Response[None]:
    """Append the next chunk (≤ 256 KiB); the last one completes the file (201)."""
    sha = _check_sha(sha256)
    offset = _int_header(upload_offset, "Upload-Offset")
    total = _int_header(upload_length, "Upload-Length")
    limit = settings.blob_max_bytes
    if total > limit:
        raise ApiError(413, f"文件过大（上限 {limit / 1024 / 1024:g} MB），请压缩后再上传")
    if total == 0:
        raise ApiError(400, "文件为空")
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype not in CONTENT_TYPES:
        raise ApiError(415, "不支持的文件类型（仅支持 JPEG、PNG、WebP 图片和 PDF）")
    data = await _read_chunk(request)
    chunk = _Chunk(sha, offset, total, ctype, data)
    status, received, complete = await to_thread.run_sync(_store_chunk, db, blobs, request.user, chunk)
    return Response(None, status_code=status, headers=_offset_headers(received, complete))


async def _read_chunk(request: Request[Any, Any, Any]) -> bytes:
    too_big = "单次上传的数据过大（每块上限 256 KB），请分块上传"
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > CHUNK_MAX:
        raise ApiError(413, too_big)
    parts: list[bytes] = []
    size = 0
    async for part in request.stream():
        size += len(part)
        if size > CHUNK_MAX:
            raise ApiError(413, too_big)
        parts.append(part)
    return b"".join(parts)


def _store_chunk(db: Database, files: BlobStore, p: Principal, c: _Chunk) -> tuple[int, int, bool]:
    """(status, bytes received, complete) after storing ``c``; raises ApiError for the client's mistakes."""
    with files.lock(c.sha):
        with db.read_session() as s:
            row = s.get(Blob, c.sha)
        if row is not None and row.complete:
            return 200, row.size, True  # already here: nothing written
        theirs = row is not None and row.uploader_id != p.user_id
        if theirs and c.offset != 0:
            # Another account's unfinished upload of the same bytes: say nothing of it (HEAD gave
            # this caller 404, so it starts at 0, and then takes the upload over below).
            err = ApiError(409, "上传位置不一致：服务器已收到 0 字节，请从该位置继续", offset=0)
            err.headers = {"Upload-Offset": "0"}
            raise err
        if row is None or row.size != c.total or theirs:
            # First chunk, or the client restarted with another length: start from zero.
            files.discard(c.sha)
            if c.offset == 0:
                _upsert_partial(db, p, c)
        received = files.received(c.sha)
        if c.offset != received:
            err = ApiError(
                409, f"上传位置不一致：服务器已收到 {received} 字节，请从该位置继续", offset=received
            )
            err.headers = {"Upload-Offset": str(received)}
            raise err
        if received + len(c.data) > c.total:
            raise ApiError(400, "上传的数据超出了声明的文件长度（Upload-Length）")
        received = files.append(c.sha, c.offset, c.data)
        if received < c.total:
            return 204, received, False
        ok, sniffed = files.check(c.sha)
        if not ok or sniffed != c.content_type:
            files.discard(c.sha)
            with db.session() as s:
                s.execute(delete(Blob).where(Blob.sha256 == c.sha, Blob.complete.is_(False)))
            if not ok:
                raise ApiError(422, "文件校验失败，请重新上传")
            raise ApiError(415, "不支持的文件类型（文件内容与声明的类型不符）")
        with db.session() as s:
            done = s.get(Blob, c.sha)
            assert done is not None
            done.complete, done.size, done.content_type = True, c.total, c.content_type
            s.flush()
            files.promote(c.sha)  # inside the transaction: a failed move leaves the row incomplete
        return 201, received, True


def _upsert_partial(db: Database, p: Principal, c: _Chunk) -> None:
    with db.session() as s:
        row = s.get(Blob, c.sha)
        if row is None:
            s.add(Blob(sha256=c.sha, content_type=c.content_type, size=c.total, uploader_id=p.user_id))
        else:
            row.size, row.content_type, row.uploader_id = c.total, c.content_type, p.user_id


# -- GET -------------------------------------------------------------------------------------
@get(
    "/api/v1/blobs/{sha256:str}",
    operation_id="downloadBlob",
    guards=[authenticated],
    tags=["blobs"],
    sync_to_thread=True,
)
def download_blob(
    request: Request[Principal, Any, Any],
    sha256: FromPath[str],
    db: NamedDependency[Database],
    blobs: NamedDependency[BlobStore],
) -> File:
    """The file, for its uploader or anyone who can see a case that references it (else 404)."""
    sha = _check_sha(sha256)
    p = request.user
    with db.read_session() as s:
        row = s.get(Blob, sha)
        visible = row is not None and row.complete and _may_read(s, p, row)
        ctype = row.content_type if row is not None else ""
    path = blobs.path(sha)
    if not visible or not path.is_file():
        raise ApiError(404, "未找到该文件")
    return File(
        path,
        media_type=ctype,
        content_disposition_type="inline",
        filename=sha,
        etag=ETag(value=sha),
        headers={"Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff"},
    )


def _may_read(s: Session, p: Principal, row: Blob) -> bool:
    if row.uploader_id == p.user_id:
        return True
    cases = list(s.scalars(select(BlobRef.case_key).where(BlobRef.sha256 == row.sha256)))
    return bool(cases) and bool(SqlStore(s).in_scope(cases, p.scope_tags()))


route_handlers = [blob_status, upload_blob, download_blob]
