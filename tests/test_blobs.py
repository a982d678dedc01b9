"""/api/v1/blobs/{sha256}: resumable, checked uploads and scoped downloads (docs/blobs.md)."""

from __future__ import annotations

import hashlib
import io
import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from PIL import Image
from sqlalchemy import select

from server.accounts.principal import Principal
from server.core import Components, components_of
from server.http import ApiError
from server.settings import Settings
from server.sync import blobs
from server.sync.models import Blob, BlobRef
from server.sync.service import Writer
from server.sync.store import SqlStore
from tests.conftest import login, new_device
from tests.synctools import Device

MEDIATOR_ORG = "org-330522001-pmc"  # the demo account "mediator" works here


def image(fmt: str = "JPEG", size: int = 96, seed: int = 1) -> bytes:
    """A real, small image with noise in it so that it does not compress to nothing."""
    rnd = random.Random(seed)
    img = Image.new("RGB", (size, size))
    img.putdata([(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)) for _ in range(size * size)])
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def url(h: str) -> str:
    return f"/api/v1/blobs/{h}"


def put(
    client: TestClient[Any],
    headers: dict[str, str],
    h: str,
    chunk: bytes,
    offset: int,
    total: int,
    ctype: str = "image/jpeg",
) -> Any:
    return client.put(
        url(h),
        content=chunk,
        headers={**headers, "Upload-Offset": str(offset), "Upload-Length": str(total), "Content-Type": ctype},
    )


def upload(
    client: TestClient[Any], headers: dict[str, str], data: bytes, ctype: str, parts: int = 3, h: str = ""
) -> Any:
    """PUT ``data`` in ``parts`` chunks; returns the last response."""
    h = h or sha(data)
    step = -(-len(data) // parts)
    r = None
    for off in range(0, len(data), step):
        r = put(client, headers, h, data[off : off + step], off, len(data), ctype)
        if off + step < len(data):
            assert r.status_code == 204, r.text
            assert r.headers["Upload-Offset"] == str(off + step)
            assert r.headers["Upload-Complete"] == "0"
    return r


def head(client: TestClient[Any], headers: dict[str, str], h: str) -> Any:
    return client.head(url(h), headers=headers)


def files_under(settings: Settings) -> list[Path]:
    root = settings.var_dir / "blobs"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def blob_row(client: TestClient[Any], h: str) -> Blob | None:
    state: Components = components_of(client.app)
    with state.db.read_session() as s:
        return s.get(Blob, h)


def put_org(client: TestClient[Any], case_key: str, org: str | None) -> None:
    """What routing does: the server's replica assigns the case to an organisation."""
    state: Components = components_of(client.app)
    with state.db.session() as s:
        store = SqlStore(s)
        store.lock_for_write()
        w = Writer(store, state.replica, int(time.time() * 1000))
        w.server_put("case", case_key, "org", org)
        w.finish()


# -- upload and read back --------------------------------------------------------------------
@pytest.mark.parametrize(("fmt", "ctype"), [("JPEG", "image/jpeg"), ("PNG", "image/png")])
def test_upload_in_three_chunks_and_read_back(
    client: TestClient[Any], settings: Settings, fmt: str, ctype: str
) -> None:
    h = new_device(client)
    data = image(fmt)
    assert len(data) > 3 * 1024
    digest = sha(data)
    assert head(client, h, digest).status_code == 404
    r = upload(client, h, data, ctype)
    assert r.status_code == 201, r.text
    assert (r.headers["Upload-Offset"], r.headers["Upload-Complete"]) == (str(len(data)), "1")
    r = head(client, h, digest)
    assert r.status_code == 200
    assert (r.headers["Upload-Offset"], r.headers["Upload-Complete"]) == (str(len(data)), "1")
    assert files_under(settings) == [settings.var_dir / "blobs" / digest[:2] / digest]

    got = client.get(url(digest), headers=h)
    assert got.status_code == 200
    assert got.content == data
    assert got.headers["content-type"] == ctype
    assert got.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert got.headers["etag"] == f'"{digest}"'
    row = blob_row(client, digest)
    assert row is not None
    assert (row.complete, row.size, row.content_type) == (True, len(data), ctype)


def test_putting_a_complete_blob_again_writes_nothing(client: TestClient[Any], settings: Settings) -> None:
    h = new_device(client)
    data = image(seed=2)
    assert upload(client, h, data, "image/jpeg").status_code == 201
    path = files_under(settings)[0]
    before = path.stat().st_mtime_ns
    other = new_device(client)  # someone else holds the same photo
    r = put(client, other, sha(data), data[:100], 0, len(data))
    assert r.status_code == 200
    assert (r.headers["Upload-Offset"], r.headers["Upload-Complete"]) == (str(len(data)), "1")
    assert path.stat().st_mtime_ns == before
    assert path.read_bytes() == data
    assert files_under(settings) == [path]


# -- resuming ----------------------------------------------------------------------------------
def test_resume_after_a_dropped_chunk(client: TestClient[Any], settings: Settings) -> None:
    h = new_device(client)
    data = image(seed=3)
    digest, n = sha(data), len(data)
    a, b = n // 3, 2 * n // 3
    assert put(client, h, digest, data[:a], 0, n).status_code == 204
    # The second chunk is lost on the way; the client sends the third one and hears where to go on.
    r = put(client, h, digest, data[b:], b, n)
    assert r.status_code == 409
    assert r.headers["Upload-Offset"] == str(a)
    assert "上传位置不一致" in r.json()["detail"]
    assert r.json()["extra"] == {"offset": a}
    # After a restart the client asks first.
    r = head(client, h, digest)
    assert (r.status_code, r.headers["Upload-Offset"], r.headers["Upload-Complete"]) == (200, str(a), "0")
    assert put(client, h, digest, data[a:b], a, n).status_code == 204
    # The answer to that chunk got lost: sending it again is refused with the right offset.
    r = put(client, h, digest, data[a:b], a, n)
    assert (r.status_code, r.headers["Upload-Offset"]) == (409, str(b))
    r = put(client, h, digest, data[b:], b, n)
    assert r.status_code == 201
    assert client.get(url(digest), headers=h).content == data
    assert not [p for p in files_under(settings) if p.suffix == ".part"]


def test_concurrent_puts_of_the_same_chunk_do_not_corrupt_the_file(
    client: TestClient[Any], settings: Settings
) -> None:
    state: Components = components_of(client.app)
    data = image(seed=4)
    digest, n = sha(data), len(data)
    chunk = blobs._Chunk(digest, 0, n, "image/jpeg", data[: n // 2])
    who = Principal(user_id="user-grid", role="grid_worker")
    results: list[int] = []
    barrier = threading.Barrier(8)

    def one() -> None:
        barrier.wait()
        try:
            results.append(blobs._store_chunk(state.db, state.blobs, who, chunk)[0])
        except ApiError as e:
            results.append(e.status_code)

    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [204] + [409] * 7
    part = settings.var_dir / "blobs" / digest[:2] / f"{digest}.part"
    assert part.read_bytes() == data[: n // 2]
    rest = blobs._Chunk(digest, n // 2, n, "image/jpeg", data[n // 2 :])
    assert blobs._store_chunk(state.db, state.blobs, who, rest)[0] == 201


# -- refusals ----------------------------------------------------------------------------------
def test_wrong_hash_is_422_and_nothing_is_kept(client: TestClient[Any], settings: Settings) -> None:
    h = new_device(client)
    data = image(seed=5)
    claimed = sha(b"something else")
    r = upload(client, h, data, "image/jpeg", h=claimed)
    assert r.status_code == 422
    assert r.json()["detail"] == "文件校验失败，请重新上传"
    assert head(client, h, claimed).status_code == 404
    assert blob_row(client, claimed) is None
    assert files_under(settings) == []
    # The client can start again from zero with the right bytes.
    assert upload(client, h, image(seed=6), "image/jpeg").status_code == 201


@pytest.mark.parametrize(
    ("data", "ctype"),
    [
        (image("PNG", seed=7), "application/pdf"),  # a PNG labelled as PDF
        (image("PNG", seed=8), "image/jpeg"),
        ("这不是图片，只是一段文字。\n".encode() * 40, "image/png"),  # text passed off as a PNG
    ],
)
def test_content_not_matching_its_type_is_415_and_discarded(
    client: TestClient[Any], settings: Settings, data: bytes, ctype: str
) -> None:
    h = new_device(client)
    r = upload(client, h, data, ctype)
    assert r.status_code == 415
    assert "不支持的文件类型" in r.json()["detail"]
    assert head(client, h, sha(data)).status_code == 404
    assert files_under(settings) == []


def test_unsupported_content_type_is_415_up_front(client: TestClient[Any], settings: Settings) -> None:
    h = new_device(client)
    text = "证据说明：对方欠款三千元。".encode()
    r = put(client, h, sha(text), text, 0, len(text), "text/plain")
    assert r.status_code == 415
    assert "不支持的文件类型" in r.json()["detail"]
    assert files_under(settings) == []


def test_too_large_is_413(client: TestClient[Any], settings: Settings) -> None:
    h = new_device(client)
    data = image(seed=9)
    r = put(client, h, sha(data), data[:1000], 0, settings.blob_max_bytes + 1)
    assert r.status_code == 413
    assert r.json()["detail"].startswith("文件过大")
    big = b"\xff\xd8\xff" + b"\0" * (256 * 1024)  # one chunk over 256 KiB
    r = put(client, h, sha(big), big, 0, len(big))
    assert r.status_code == 413
    assert "分块" in r.json()["detail"]
    assert files_under(settings) == []


@pytest.mark.parametrize("bad", ["A" * 64, "a" * 63, "g" * 64, "a" * 65])
def test_bad_hash_in_the_path_is_400(client: TestClient[Any], bad: str) -> None:
    h = new_device(client)
    assert put(client, h, bad, b"x", 0, 1).status_code == 400
    assert head(client, h, bad).status_code == 400
    assert client.get(url(bad), headers=h).status_code == 400


def test_missing_upload_headers_are_400(client: TestClient[Any]) -> None:
    h = new_device(client)
    data = image(seed=10)
    r = client.put(url(sha(data)), content=data, headers={**h, "Content-Type": "image/jpeg"})
    assert r.status_code == 400
    assert "Upload-Offset" in r.json()["detail"]


def test_unauthenticated_is_401(client: TestClient[Any]) -> None:
    data = image(seed=11)
    digest = sha(data)
    assert client.head(url(digest)).status_code == 401
    r = client.put(
        url(digest),
        content=data,
        headers={"Upload-Offset": "0", "Upload-Length": str(len(data)), "Content-Type": "image/jpeg"},
    )
    assert r.status_code == 401
    assert client.get(url(digest)).status_code == 401


# -- who may read ------------------------------------------------------------------------------
def test_visible_to_the_filer_and_the_handling_mediator_only(client: TestClient[Any]) -> None:
    filer = Device(client, new_device(client))
    photo = image(seed=12)
    digest = sha(photo)
    assert upload(client, filer.headers, photo, "image/jpeg").status_code == 201
    mediator = login(client, "mediator")
    stranger = new_device(client)

    filer.file_case("ev01", "邻居装修损坏我家墙面")
    filer.sync()
    put_org(client, "ev01", MEDIATOR_ORG)
    # The mediator sees the case, but the photo is not part of it yet.
    assert client.get(url(digest), headers=mediator).status_code == 404

    filer.op("case", "ev01", "add", "evidence", digest)
    assert filer.sync()["rejected"] == []
    assert filer.view("case", "ev01")["evidence"] == [digest]  # type: ignore[index]
    for who in (filer.headers, mediator):
        r = client.get(url(digest), headers=who)
        assert r.status_code == 200
        assert r.content == photo
    r = client.get(url(digest), headers=stranger)
    assert r.status_code == 404
    assert r.json()["detail"] == "未找到该文件"
    # Existence is not revealed either: a hash nobody uploaded looks the same.
    assert client.get(url(sha(b"nothing")), headers=stranger).json() == r.json()

    # The case moves to another organisation: the mediator loses the photo with the case.
    put_org(client, "ev01", "org-330522-mtzx")
    assert client.get(url(digest), headers=mediator).status_code == 404
    put_org(client, "ev01", MEDIATOR_ORG)
    assert client.get(url(digest), headers=mediator).status_code == 200


def test_references_follow_the_evidence_set(client: TestClient[Any]) -> None:
    uploader = new_device(client)  # e.g. a relative's phone took and uploaded the photo
    photo = image("PNG", seed=13)
    digest = sha(photo)
    assert upload(client, uploader, photo, "image/png").status_code == 201

    filer = Device(client, new_device(client))
    filer.file_case("ev02", "承包地边界纠纷")
    assert client.get(url(digest), headers=filer.headers).status_code == 404  # not uploader, no ref
    filer.op("case", "ev02", "add", "evidence", digest)
    filer.sync()
    assert client.get(url(digest), headers=filer.headers).status_code == 200
    state: Components = components_of(client.app)
    with state.db.read_session() as s:
        assert list(s.execute(select(BlobRef.sha256, BlobRef.case_key))) == [(digest, "ev02")]

    filer.op("case", "ev02", "remove", "evidence", digest)
    filer.sync()
    assert filer.view("case", "ev02")["evidence"] == []  # type: ignore[index]
    assert client.get(url(digest), headers=filer.headers).status_code == 404
    with state.db.read_session() as s:
        assert list(s.scalars(select(BlobRef.sha256))) == []
    assert client.get(url(digest), headers=uploader).status_code == 200  # the uploader still may
