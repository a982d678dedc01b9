"""Ask when unsure: a vague description gets a question with the likeliest categories as large
plain-word buttons; the villager's choice is what the server keeps as the filer's category."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from e2e.conftest import VILLAGE
from server.routing import load_categories

VAGUE = "他们那事一直没个说法"
NAMES = {c["id"]: c["name_zh"] for c in load_categories()["categories"]}
ASK = {c["id"]: c["ask_zh"] for c in load_categories()["categories"]}


def test_an_unsure_guess_becomes_a_question_and_the_choice_is_kept(page: Page) -> None:
    page.goto(f"/?v={VILLAGE}")
    page.get_by_test_id("nav-file").click()
    page.get_by_test_id("file-summary").fill("隔壁装修天天敲到半夜")
    # A clear text: no question, the model's guess fills the select.
    expect(page.get_by_test_id("file-category")).to_have_value("neighbor")
    expect(page.get_by_test_id("file-ask")).to_have_count(0)

    page.get_by_test_id("file-summary").fill(VAGUE)
    ask = page.get_by_test_id("file-ask")
    expect(ask).to_be_visible()
    expect(page.get_by_test_id("file-category")).to_have_attribute("data-unsure", "1")
    expect(page.get_by_test_id("file-category")).to_have_value("")  # no silent guess
    choices = ask.locator("button.ask-choice:not([data-testid='file-ask-none'])")
    expect(choices.first).to_be_visible()
    testids = choices.evaluate_all("bs => bs.map(b => b.dataset.testid)")
    ids = [str(t).removeprefix("file-ask-") for t in testids]
    assert 2 <= len(ids) <= 3, ids
    question = page.get_by_test_id("file-ask-question").inner_text()
    assert question.startswith("是") and "还是" in question and question.endswith("？")
    for cid in ids:
        assert ASK[cid] in question
        expect(page.get_by_test_id(f"file-ask-{cid}")).to_have_text(ASK[cid])
    box = page.get_by_test_id(f"file-ask-{ids[1]}").bounding_box()
    assert box is not None and box["height"] >= 48  # large enough for an old thumb

    chosen = ids[1]  # not the model's first guess: the filer knows better
    page.get_by_test_id(f"file-ask-{chosen}").click()
    expect(ask).to_have_count(0)
    expect(page.get_by_test_id("file-category")).to_have_value(chosen)

    page.get_by_test_id("file-other-name").fill("王大锤")
    page.get_by_test_id("file-my-name").fill("陈小梅")
    page.get_by_test_id("file-my-phone").fill("13900001111")
    expect(page.get_by_test_id("file-village")).to_have_value(VILLAGE)
    page.get_by_test_id("file-submit").click()
    expect(page.get_by_test_id("page-qr")).to_be_visible()
    page.get_by_test_id("qr-done").click()
    expect(page.get_by_test_id("status-label")).to_have_attribute("data-status", "assigned")
    expect(page.get_by_test_id("case-category")).to_have_text(NAMES[chosen])
