"""Housekeeping removes what it should and nothing else; HEAD on a blob answers like GET."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select

from server.db import Database, utcnow
from server.housekeeping import Periods, run_round
from server.notify.models import SmsDelivery
from server.settings import Settings
from server.sync.blobstore import BlobStore
from server.sync.models import Blob
from tests.conftest import login, new_device
from tests.synctools import Device
from tests.test_blobs import head, image, sha, upload


# -- HEAD answers like GET ---------------------------------------------------------------------
def test_head_does_not_tell_another_account_that_a_file_exists(client: TestClient[Any]) -> None:
    owner, other = new_device(client), new_device(client)
    data = image(seed=11)
    assert upload(client, owner, data, "image/jpeg").status_code == 201
    assert head(client, owner, sha(data)).status_code == 200
    assert client.get(f"/api/v1/blobs/{sha(data)}", headers=other).status_code == 404
    unknown = head(client, other, sha(b"never uploaded"))
    seen = head(client, other, sha(data))
    assert (seen.status_code, seen.headers.get("Upload-Offset")) == (unknown.status_code, None) == (404, None)


def test_head_of_a_partial_upload_is_the_uploaders_only(client: TestClient[Any]) -> None:
    owner, other = new_device(client), new_device(client)
    data = image(seed=12)
    h = sha(data)
    half = len(data) // 2
    r = client.put(
        f"/api/v1/blobs/{h}",
        content=data[:half],
        headers={
            **owner,
            "Upload-Offset": "0",
            "Upload-Length": str(len(data)),
            "Content-Type": "image/jpeg",
        },
    )
    assert r.status_code == 204
    assert head(client, owner, h).headers["Upload-Offset"] == str(half)
    assert head(client, other, h).status_code == 404
    # the other account, told nothing, uploads the same bytes from 0 and succeeds
    assert upload(client, other, data, "image/jpeg").status_code == 201


def test_head_answers_staff_who_see_the_case(client: TestClient[Any]) -> None:
    grid = login(client, "grid")
    d = Device(client, grid)
    d.file_case("k1", "隔壁装修天天敲到半夜")
    data = image(seed=13)
    d.op("case", "k1", "add", "evidence", sha(data))
    assert d.sync()["rejected"] == []
    assert upload(client, grid, data, "image/jpeg").status_code == 201
    assert head(client, login(client, "village_mediator"), sha(data)).status_code == 200


# -- housekeeping ----------------------------------------------------------------------------
def _age(path: os.PathLike[str], hours: float) -> None:
    t = (utcnow() - timedelta(hours=hours)).timestamp()
    os.utime(path, (t, t))


def test_housekeeping_removes_what_it_should_and_nothing_else(
    client: TestClient[Any], settings: Settings, db: Database
) -> None:
    files = BlobStore(settings.var_dir / "blobs")
    now = utcnow()
    user = new_device(client)
    # evidence: one referenced by a case, one orphan, one fresh orphan (all complete)
    grid = login(client, "grid")
    d = Device(client, grid)
    d.file_case("k1", "隔壁装修天天敲到半夜")
    kept, orphan, fresh = image(seed=21), image(seed=22), image(seed=23)
    d.op("case", "k1", "add", "evidence", sha(kept))
    assert d.sync()["rejected"] == []
    for data in (kept, orphan, fresh):
        assert upload(client, grid, data, "image/jpeg").status_code == 201
    # two unfinished uploads: one abandoned two days ago, one an hour old
    stale, recent = image(seed=24), image(seed=25)
    for data in (stale, recent):
        r = client.put(
            f"/api/v1/blobs/{sha(data)}",
            content=data[:100],
            headers={
                **user,
                "Upload-Offset": "0",
                "Upload-Length": str(len(data)),
                "Content-Type": "image/jpeg",
            },
        )
        assert r.status_code == 204
    _age(files.part_path(sha(stale)), 48)
    _age(files.part_path(sha(recent)), 1)
    with db.session() as s:
        for h in (kept, orphan):
            s.get(Blob, sha(h)).created_at = now - timedelta(days=31)  # type: ignore[union-attr]
        s.add_all(
            [
                SmsDelivery(phone="13812345678", text="a", kind="status", status="sent", created_at=now),
                SmsDelivery(phone="13912345678", text="b", kind="status", status="pending", created_at=now),
                SmsDelivery(
                    phone="****1111",
                    text="c",
                    kind="status",
                    status="sent",
                    created_at=now - timedelta(days=181),
                ),
                SmsDelivery(
                    phone="13700001111",
                    text="d",
                    kind="status",
                    status="pending",
                    created_at=now - timedelta(days=181),
                ),
            ]
        )

    report = run_round(db, files, now, Periods())
    assert report is not None
    assert (report.parts, report.orphan_blobs, report.sms_masked, report.sms_deleted) == (1, 1, 1, 1)
    assert not files.part_path(sha(stale)).exists()
    assert files.part_path(sha(recent)).exists()
    assert not files.path(sha(orphan)).exists()
    assert files.path(sha(kept)).exists() and files.path(sha(fresh)).exists()
    with db.read_session() as s:
        rows = {r.sha256: r.complete for r in s.scalars(select(Blob))}
        ours = select(SmsDelivery).where(SmsDelivery.text.in_(("a", "b", "c", "d")))
        texts = {t.text: (t.phone, t.status) for t in s.scalars(ours)}
    assert sha(orphan) not in rows and sha(stale) not in rows
    assert rows[sha(kept)] and rows[sha(fresh)] and not rows[sha(recent)]
    assert texts == {
        "a": ("****5678", "sent"),
        "b": ("13912345678", "pending"),  # still to be sent: the number is needed
        "d": ("13700001111", "pending"),
    }
    again = run_round(db, files, now, Periods())
    assert again is not None and vars(again) == {
        "parts": 0,
        "orphan_blobs": 0,
        "sms_masked": 0,
        "sms_deleted": 0,
    }
    assert client.get(f"/api/v1/blobs/{sha(kept)}", headers=grid).status_code == 200


def test_housekeeping_periods_are_settings(settings: Settings) -> None:
    from server.housekeeping import periods_of

    st = Settings.from_env(
        {"JIEFEN_PART_MAX_AGE_HOURS": "2", "JIEFEN_ORPHAN_BLOB_DAYS": "7", "JIEFEN_SMS_KEEP_DAYS": "90"}
    )
    p = periods_of(st)
    assert p == Periods(timedelta(hours=2), timedelta(days=7), timedelta(days=90))
