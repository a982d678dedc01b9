"""Issue 14 in Chromium at 360 px through the real server and PWA build: 智能咨询 offline, the signed
人民调解协议书 (PDF with both signatures and the QR, seen by the court clerk), rating and 考核."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable

import pypdf
from playwright.sync_api import BrowserContext, Page, expect

from e2e.conftest import VILLAGE, VILLAGE_ORG_NAME, staff_login, wait_offline_ready
from e2e.test_mediator_flow import file_online, open_from_inbox

PHONE = {"width": 360, "height": 740}
AGREED = "王大锤于十二月十日前赔偿陈小梅五百元，晚上十点后不再施工。"


def meta_has(page: Page, key: str) -> bool:
    """Whether IndexedDB `meta` holds ``key`` (what the app keeps for offline use)."""
    return bool(
        page.evaluate(
            """k => new Promise(ok => { const r = indexedDB.open('jiefen');
                 r.onsuccess = () => { const q = r.result.transaction('meta').objectStore('meta').get(k);
                 q.onsuccess = () => ok(q.result !== undefined && q.result !== null);
                 q.onerror = () => ok(false); };
                 r.onerror = () => ok(false); })""",
            key,
        )
    )


def test_a_villager_offline_asks_about_unpaid_wages_and_files_from_the_answer(
    context: BrowserContext, page: Page, new_context: Callable[..., BrowserContext]
) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"/?v={VILLAGE}")
    wait_offline_ready(page)
    # the home page keeps this village's directory of responsible bodies for offline answers
    for _ in range(50):
        if meta_has(page, f"consult-dir:{VILLAGE}"):
            break
        page.wait_for_timeout(200)
    assert meta_has(page, f"consult-dir:{VILLAGE}")

    context.set_offline(True)
    page.get_by_test_id("nav-consult").click()
    expect(page.get_by_test_id("page-consult")).to_be_visible()
    page.get_by_test_id("consult-text").fill("老板欠了我三个月工资，一直拖着不给")
    page.get_by_test_id("consult-ask").click()
    answer = page.get_by_test_id("consult-answer")
    expect(answer).to_have_attribute("data-category", "wage_arrears")
    expect(page.get_by_test_id("consult-offline")).to_be_visible()
    expect(page.get_by_test_id("consult-category")).to_have_text("拖欠工资")
    expect(page.get_by_test_id("consult-section-who")).to_contain_text("县劳动人事争议")
    expect(page.get_by_test_id("consult-section-limits")).to_contain_text("劳动争议调解仲裁法》第二十七条")
    expect(page.get_by_test_id("consult-section-prepare")).to_contain_text("工资条")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_test_id("consult-file-now").click()
    expect(page.get_by_test_id("page-file")).to_be_visible()
    expect(page.get_by_test_id("file-summary")).to_have_value("老板欠了我三个月工资，一直拖着不给")
    expect(page.get_by_test_id("file-category")).to_have_value("wage_arrears")
    expect(page.get_by_test_id("file-village")).to_have_value(VILLAGE)

    # back online, the phone reports the offline consultation (day, village, category only)
    context.set_offline(False)
    with page.expect_response(lambda r: "/api/v1/consult/tally" in r.url and r.status == 200):
        page.goto("/")
    analyst = new_context().new_page()
    staff_login(analyst, "analyst")
    analyst.goto("/cockpit")
    counts = analyst.get_by_test_id("cockpit-consultations")
    expect(counts).to_contain_text("拖欠工资")
    assert int(counts.get_attribute("data-total") or 0) >= 1


def sign(page: Page, button: str, wobble: int) -> None:
    """Draw a signature on the pad and confirm it (``wobble`` makes each person's strokes differ)."""
    page.get_by_test_id(button).click()
    pad = page.get_by_test_id("signature-canvas")
    expect(pad).to_be_visible()
    box = pad.bounding_box()
    assert box
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(box["x"] + 20 + i * 22, box["y"] + box["height"] / 2 + (wobble if i % 2 else -wobble))
    page.mouse.up()
    page.get_by_test_id("signature-save").click()
    expect(page.get_by_test_id("signature-pad")).to_have_count(0)


def fetch_pdf(page: Page, code: str) -> pypdf.PdfReader:
    """The agreement PDF as this page's session fetches it."""
    b64 = page.evaluate(
        """async code => {
            const token = await new Promise(ok => { const r = indexedDB.open('jiefen');
              r.onsuccess = () => { const q = r.result.transaction('meta').objectStore('meta').get('token');
              q.onsuccess = () => ok(q.result); }; });
            const res = await fetch(`/api/v1/cases/${code}/agreement.pdf`,
                                    {headers: {Authorization: `Bearer ${token}`}});
            if (!res.ok) return 'HTTP ' + res.status;
            const bytes = new Uint8Array(await res.arrayBuffer());
            let s = ''; for (const b of bytes) s += String.fromCharCode(b);
            return btoa(s); }""",
        code,
    )
    assert not str(b64).startswith("HTTP"), b64
    return pypdf.PdfReader(io.BytesIO(base64.b64decode(b64)))


def test_signed_agreement_court_confirmation_rating_and_assessment(
    page: Page, new_context: Callable[..., BrowserContext]
) -> None:
    page.set_viewport_size(PHONE)
    _, code = file_online(page, "隔壁装修天天敲到半夜，吵得孩子睡不着")

    staff = new_context().new_page()
    staff.set_viewport_size(PHONE)
    staff_login(staff, "village_mediator")
    open_from_inbox(staff, code)
    staff.get_by_test_id("action-accept").click()
    expect(staff.get_by_test_id("status-label")).to_have_attribute("data-status", "accepted")
    staff.get_by_test_id("action-resolve").click()
    staff.get_by_test_id("ask-text").fill(AGREED)
    staff.get_by_test_id("ask-performance").fill("现金当面支付")
    staff.get_by_test_id("ask-perform-by").fill("2026-12-10")
    staff.get_by_test_id("ask-confirm").click()
    expect(staff.get_by_test_id("status-label")).to_have_attribute("data-status", "resolved")
    expect(staff.get_by_test_id("case-sync")).to_have_attribute("data-state", "synced")

    # the respondent signs on the mediator's phone; the applicant on her own phone
    sign(staff, "sign-respondent", 25)
    expect(staff.get_by_test_id("case-sync")).to_have_attribute("data-state", "synced")
    page.reload()
    expect(page.get_by_test_id("status-label")).to_have_attribute("data-status", "resolved")
    expect(page.get_by_test_id("sign-respondent")).to_have_count(0)  # not hers to sign
    sign(page, "sign-applicant", 10)
    expect(page.get_by_test_id("case-sync")).to_have_attribute("data-state", "synced")

    staff.reload()
    expect(staff.locator('[data-testid="agreement-party"][data-signed="1"]')).to_have_count(2)
    with staff.expect_popup() as popup:
        staff.get_by_test_id("agreement-open").click()
    expect(popup.value).to_have_url(re.compile(r"^blob:"))
    # signature images upload after the ops (resumable blobs): the PDF shows both once they are in
    for _ in range(40):
        reader = fetch_pdf(staff, code)
        if sum(len(p.images) for p in reader.pages) == 3:
            break
        staff.wait_for_timeout(250)
    text = "".join(p.extract_text() for p in reader.pages).replace(" ", "")
    for expected in (
        "人民调解协议书",
        code,
        VILLAGE_ORG_NAME,
        "陈小梅",
        "王大锤",
        "现金当面支付",
        "2026-12-10",
    ):
        assert expected in text, expected
    assert text.count("已签名") == 2, text
    assert sum(len(p.images) for p in reader.pages) == 3, text  # the case QR and two signatures

    # the mediator asks the court to confirm; the clerk sees the signed agreement in the request
    staff.get_by_test_id("action-request-confirmation").click()
    expect(staff.get_by_test_id("status-label")).to_have_attribute("data-status", "confirmation_requested")
    expect(staff.get_by_test_id("case-sync")).to_have_attribute("data-state", "synced")
    court = new_context().new_page()
    court.set_viewport_size(PHONE)
    staff_login(court, "court")
    court.locator(f'[data-testid="inbox-item"][data-code="{code}"]').click()
    card = court.get_by_test_id("agreement-card")
    expect(card).to_contain_text("申请司法确认的调解协议书")
    expect(card.locator('[data-testid="agreement-party"][data-signed="1"]')).to_have_count(2)
    assert "已签名" in "".join(p.extract_text() for p in fetch_pdf(court, code).pages).replace(" ", "")

    # the filer rates the service; the mediator's assessment shows it
    page.reload()
    page.get_by_test_id("rate-5").click()
    page.get_by_test_id("rate-comment").fill("调解员很耐心")
    page.get_by_test_id("rate-send").click()
    expect(page.get_by_test_id("rating-done")).to_have_attribute("data-stars", "5")
    expect(page.get_by_test_id("case-sync")).to_have_attribute("data-state", "synced")

    staff.goto("/")
    staff.get_by_test_id("nav-assessment").click()
    row = staff.get_by_test_id("assessment-row")
    expect(row).to_have_count(1)  # a mediator sees only their own figures
    expect(row.locator('[data-col="satisfaction"]')).to_have_text("5.0（1）")
    expect(staff.get_by_test_id("assessment-chart")).to_be_visible()
