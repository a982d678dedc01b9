"""人民调解协议书: drafted from the resolved case, signed by each party once, rendered as a PDF with
an embedded Chinese font, the case QR and the signatures; readable only by staff in scope and the filer."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pytest
from litestar.testing import TestClient
from PIL import Image

from tests.conftest import login, new_device
from tests.synctools import Device
from tests.test_blobs import sha, upload

AGREED = "李四于2026年12月10日前赔偿张三漏水维修费人民币三千元，并修复卫生间防水层。"


def signature_png(seed: int) -> bytes:
    """A small black-on-white stroke, as the signature pad exports it."""
    img = Image.new("RGB", (300, 100), "white")
    for x in range(20, 280):
        y = 50 + ((x * seed) % 30) - 15
        for dy in range(3):
            img.putpixel((x, y + dy), (0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def intent(d: Device, key: str, field: str, value: dict[str, Any]) -> dict[str, Any]:
    return d.op("case", key, "intent", field, value)


def codes(d: Device) -> list[str]:
    return [r["code"] for r in d.sync()["rejected"]]


def resolved_case(client: TestClient[Any], *, resolve: bool = True) -> tuple[Device, Device, str, str]:
    """A neighbour dispute with two parties, accepted (and resolved) by the village mediator."""
    filer = Device(client, new_device(client))
    code, token = filer.file_case("k1", "楼上漏水泡坏了我家吊顶", description="多次协商未果")
    for key, role, name, phone in (
        ("p1", "applicant", "张三", "13800000001"),
        ("p2", "respondent", "李四", ""),
    ):
        filer.put("party", key, "case", "k1")
        filer.put("party", key, "role", role)
        filer.put("party", key, "name", name)
        if phone:
            filer.put("party", key, "phone", phone)
    assert filer.sync()["rejected"] == []
    med = Device(client, login(client, "village_mediator"))
    med.sync()
    intent(med, "k1", "transition", {"to": "accepted"})
    if resolve:
        intent(
            med,
            "k1",
            "transition",
            {"to": "resolved", "agreement": AGREED, "performance": "银行转账", "perform_by": "2026-12-10"},
        )
    assert codes(med) == []
    return filer, med, code, token


def pdf_of(client: TestClient[Any], code: str, headers: dict[str, str]) -> pypdf.PdfReader:
    r = client.get(f"/api/v1/cases/{code}/agreement.pdf", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    return pypdf.PdfReader(io.BytesIO(r.content))


def text_of(reader: pypdf.PdfReader) -> str:
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "")


def images_of(reader: pypdf.PdfReader) -> int:
    return sum(len(page.images) for page in reader.pages)


def embedded_fonts(reader: pypdf.PdfReader) -> list[str]:
    found = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for desc in [font.get("/FontDescriptor")] + [
                d.get_object().get("/FontDescriptor") for d in font.get("/DescendantFonts", [])
            ]:
                if desc is not None and "/FontFile2" in desc.get_object():
                    found.append(str(font["/BaseFont"]))
    return found


def test_the_agreement_is_drafted_from_the_case_in_the_standard_structure(client: TestClient[Any]) -> None:
    _, med, code, _ = resolved_case(client)
    reader = pdf_of(client, code, med.headers)
    text = text_of(reader)
    assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4
    for expected in (
        "人民调解协议书",
        code,
        "雉城社区人民调解委员会",
        "一、当事人基本情况",
        "申请人：张三",
        "电话：13800000001",
        "被申请人：李四",
        "二、纠纷主要事实、争议事项",
        "楼上漏水泡坏了我家吊顶",
        "三、经调解，各方当事人自愿达成如下协议",
        "赔偿张三漏水维修费人民币三千元",
        "四、履行方式、期限",
        "银行转账",
        "2026-12-10",
        "人民调解法》第二十九条",
        "第三十三条",
        "未签名",
    ):
        assert expected in text, expected
    assert embedded_fonts(reader), "the Chinese font must be embedded"
    assert images_of(reader) == 1  # the case QR; nobody has signed yet


def test_both_parties_sign_and_the_pdf_shows_both_signatures(client: TestClient[Any]) -> None:
    filer, med, code, _ = resolved_case(client)
    respondent_sig, applicant_sig = signature_png(3), signature_png(7)
    # The respondent signs on the mediator's pad; the applicant on their own phone.
    assert upload(client, med.headers, respondent_sig, "image/png").status_code == 201
    intent(med, "k1", "sign", {"party": "p2", "blob": sha(respondent_sig)})
    assert codes(med) == []
    assert upload(client, filer.headers, applicant_sig, "image/png").status_code == 201
    intent(filer, "k1", "sign", {"party": "p1", "blob": sha(applicant_sig)})
    assert codes(filer) == []
    reader = pdf_of(client, code, filer.headers)
    text = text_of(reader)
    assert text.count("已签名") == 2 and "未签名" not in text
    assert images_of(reader) == 3  # the QR and two signatures
    body = client.get(f"/api/v1/cases/{code}/agreement", headers=med.headers).json()
    assert body["all_signed"] is True
    assert [p["name"] for p in body["parties"]] == ["张三", "李四"]
    # The signature images are blobs of the case: the filer and the mediator may read them.
    for who in (filer, med):
        assert client.get(f"/api/v1/blobs/{sha(respondent_sig)}", headers=who.headers).status_code == 200


def test_each_party_signs_once_and_only_where_allowed(client: TestClient[Any]) -> None:
    filer, med, _, _ = resolved_case(client)
    sig = signature_png(5)
    intent(filer, "k1", "sign", {"party": "p2", "blob": sha(sig)})  # the filer signs for the other side
    assert codes(filer) == ["forbidden"]
    intent(med, "k1", "sign", {"party": "p1", "blob": sha(sig)})
    assert codes(med) == []
    replay = intent(med, "k1", "sign", {"party": "p1", "blob": sha(signature_png(9))})
    assert codes(med) == ["already_signed"]
    med.outbox.append(replay)  # a replay of a refused op is refused again, nothing changes
    assert codes(med) == ["already_signed"]
    intent(med, "k1", "sign", {"party": "nope", "blob": sha(sig)})
    assert codes(med) == ["unknown_party"]
    intent(med, "k1", "sign", {"party": "p2", "blob": "xyz"})
    assert codes(med) == ["bad_value"]
    stranger = Device(client, new_device(client))
    stranger.sync()
    intent(stranger, "k1", "sign", {"party": "p2", "blob": sha(sig)})
    assert set(codes(stranger)) <= {"forbidden", "unknown_parent"}
    med.sync()
    assert med.view("case", "k1")["signatures"]["p1"]["blob"] == sha(sig)  # type: ignore[index]


def test_no_signature_before_the_case_is_resolved(client: TestClient[Any]) -> None:
    _, med, code, _ = resolved_case(client, resolve=False)
    intent(med, "k1", "sign", {"party": "p1", "blob": sha(signature_png(1))})
    assert codes(med) == ["not_allowed"]
    assert client.get(f"/api/v1/cases/{code}/agreement.pdf", headers=med.headers).status_code == 404


def test_only_staff_in_scope_and_the_filer_read_the_agreement(client: TestClient[Any]) -> None:
    filer, med, code, token = resolved_case(client)
    holder = new_device(client)  # someone holding the QR follows the case
    assert (
        client.post("/api/v1/follow", json={"code": code, "token": token}, headers=holder).status_code == 200
    )
    for headers in (
        holder,
        new_device(client),
        login(client, "analyst"),
        login(client, "mediator"),  # the town committee: not this case's organisation
        login(client, "court"),  # not sent to the court yet
    ):
        for path in ("agreement.pdf", "agreement"):
            r = client.get(f"/api/v1/cases/{code}/{path}", headers=headers)
            assert r.status_code == 404, (headers, path)
    assert client.get(f"/api/v1/cases/{code}/agreement.pdf").status_code == 401
    assert (
        client.get("/api/v1/cases/JF-330522-2026-0000000/agreement.pdf", headers=med.headers).status_code
        == 404
    )
    # a NUL in the path: refused by the request guard (server/decoding.py) before any handler
    assert client.get("/api/v1/cases/%00/agreement.pdf", headers=med.headers).status_code == 400
    for headers in (filer.headers, med.headers, login(client, "admin")):
        assert client.get(f"/api/v1/cases/{code}/agreement.pdf", headers=headers).status_code == 200


def test_the_court_clerk_sees_the_agreement_in_the_confirmation_request(client: TestClient[Any]) -> None:
    _, med, code, _ = resolved_case(client)
    intent(med, "k1", "transition", {"to": "confirmation_requested"})
    assert codes(med) == []
    court = Device(client, login(client, "court"))
    court.sync()
    events = [court.view("timeline", k) for k in court.keys("timeline")]
    request = next(e for e in events if e and e["event"] == "confirmation_requested")
    assert request["attachment"] == f"/api/v1/cases/{code}/agreement.pdf"
    text = text_of(pdf_of(client, code, court.headers))
    assert AGREED[:10] in text
