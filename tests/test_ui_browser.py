"""The chat page in a real browser, served by `ui.app.serve()` on the real index with the real `ask()`."""

from __future__ import annotations

import re

import pytest
from llm_fixtures import llm_server  # noqa: F401  (the real llama.cpp server behind ui_llm_server)
from playwright.sync_api import Locator, Page, expect
from ui_fixtures import ARTIFACTS

pytestmark = pytest.mark.browser

ANSWER_TIMEOUT = 120_000  # ms; the first question also loads the embedding model
# SmolLM2 on one busy CPU thread reads five Chinese passages slowly the first time (no prompt cache yet).
LLM_ANSWER_TIMEOUT = 400_000
CJK = re.compile(r"[\u4e00-\u9fff]")


def ask(page: Page, question: str, timeout: float = ANSWER_TIMEOUT) -> Locator:
    """Type a question, press Enter and return the finished reply (an answer or an error notice)."""
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    reply = page.locator("#chat .answer.final, #chat .notice.error").last
    reply.wait_for(state="visible", timeout=timeout)
    return reply


def choose(page: Page, elem_id: str, option: str) -> None:
    """Pick `option` in one of the filter dropdowns."""
    page.locator(f"#{elem_id} input").click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(page.locator(f"#{elem_id} input")).to_have_value(option)


def cards(page: Page) -> Locator:
    return page.locator("#sources .source-card")


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"ui-{name}.png"), full_page=True)


def test_first_screen_offers_english_and_chinese_examples(ui_page: Page):
    for example in (
        "What did Susan say about MTIA?",
        "Who asked about smart glasses?",
        "2023 年资本支出指引是多少?",
    ):
        expect(ui_page.locator("#chat").get_by_text(example, exact=True)).to_be_visible()
    expect(ui_page.locator("#mode")).to_be_hidden()  # no LLM endpoint configured for this server
    shot(ui_page, "first-screen")


def test_the_header_sums_up_the_library_in_one_line(ui_page: Page):
    expect(ui_page.locator("#title")).to_contain_text("1 company · 3 calls · 2023Q2–2025Q2")


def test_the_speaker_picker_is_sorted_labelled_and_filters_as_you_type(ui_page: Page):
    box = ui_page.locator("#filter-speaker input")
    box.click()
    names = [o.inner_text().replace("✓", "").strip() for o in ui_page.get_by_role("option").all()]
    people = names[1:]  # after "Anyone"
    assert names[0] == "Anyone" and people == sorted(people, key=str.casefold), names
    assert "Susan Li — CFO, Meta" in people and "Brian Nowak — Analyst, Morgan Stanley" in people
    box.fill("")
    box.press_sequentially("zuck")  # typed key by key, as a person would
    expect(ui_page.get_by_role("option")).to_have_count(1)
    expect(ui_page.get_by_role("option").first).to_have_text(re.compile(r"Mark Zuckerberg — CEO, Meta$"))
    box.press("Escape")


def test_susan_mtia_answer_cites_susan_li_in_2024q4(ui_page: Page):
    reply = ask(ui_page, "What did Susan say about MTIA?")
    expect(reply).to_contain_text("MTIA")
    susan = (
        cards(ui_page)
        .filter(has_text="MTIA")
        .and_(ui_page.locator('[data-speaker="Susan Li"][data-quarter="2024Q4"]'))
    )
    expect(susan.first).to_be_visible()
    expect(susan.first).to_contain_text("Susan Li")
    expect(susan.first).to_contain_text("2024Q4")
    expect(susan.first.locator("mark").first).to_be_visible()  # the sentences the answer used
    expect(reply.locator(".searched")).to_contain_text("Susan Li")

    marker = reply.locator("a.cite").first
    target = marker.get_attribute("href")
    assert target and target.startswith("#src-")
    marker.click()
    expect(ui_page.locator(f"#sources {target}")).to_be_in_viewport()
    shot(ui_page, "mtia")


def test_markers_of_an_earlier_answer_still_lead_to_its_sources(ui_page: Page):
    ask(ui_page, "What did Susan say about MTIA?")
    ask(ui_page, "Who asked about smart glasses?")
    expect(ui_page.locator("#chat .answer.final")).to_have_count(2)
    first = ui_page.locator("#chat .answer.final").first
    expect(ui_page.locator("#sources details.earlier")).to_contain_text("What did Susan say about MTIA?")
    marker = first.locator("a.cite").first
    target = marker.get_attribute("href")
    marker.click()
    expect(ui_page.locator(f"#sources {target}")).to_be_in_viewport()
    expect(ui_page.locator(f"#sources {target}")).to_contain_text("Susan Li")
    shot(ui_page, "two-questions")


def test_unanswerable_question_shows_the_abstention_notice(ui_page: Page):
    reply = ask(ui_page, "What did Sheryl Sandberg say about TikTok?")
    expect(reply.locator(".notice.abstained")).to_be_visible()
    expect(reply).to_contain_text("No answer found")
    shot(ui_page, "abstained")


def test_speaker_and_quarter_filters_restrict_the_sources(ui_page: Page):
    choose(ui_page, "filter-speaker", "Susan Li — CFO, Meta")  # the value asked with stays "Susan Li"
    choose(ui_page, "filter-quarter", "2025Q2")
    reply = ask(ui_page, "What are the plans for capital expenditures?")
    expect(reply.locator(".searched")).to_contain_text("Susan Li")
    expect(reply.locator(".searched")).to_contain_text("2025Q2")
    expect(cards(ui_page).first).to_be_visible()
    for card in cards(ui_page).all():
        assert card.get_attribute("data-speaker") == "Susan Li"
        assert card.get_attribute("data-quarter") == "2025Q2"
    shot(ui_page, "filters")


def test_chinese_question_renders_chinese_answer_and_sources(ui_page: Page):
    reply = ask(ui_page, "2023 年资本支出指引是多少?")
    assert CJK.search(reply.inner_text())
    expect(cards(ui_page).first).to_be_visible()
    assert CJK.search(cards(ui_page).first.inner_text())
    shot(ui_page, "chinese")


def test_clicking_an_example_asks_it(ui_page: Page):
    ui_page.locator("#chat").get_by_text("Who asked about smart glasses?", exact=True).click()
    reply = ui_page.locator("#chat .answer.final").last
    reply.wait_for(state="visible", timeout=ANSWER_TIMEOUT)
    expect(ui_page.locator("#chat")).to_contain_text("Who asked about smart glasses?")
    expect(cards(ui_page).first).to_be_visible()


def test_too_long_question_shows_its_message_not_a_traceback(ui_page: Page):
    reply = ask(ui_page, "MTIA " * 400)
    expect(reply).to_have_class(re.compile(r"\berror\b"))
    assert "Traceback" not in ui_page.content()
    assert reply.inner_text().strip()


def test_markup_in_a_question_is_shown_as_text(ui_page: Page):
    hostile = '<img src=x onerror="window.__pwned=1"> <b>What</b> did Susan say about **MTIA**?'
    ask(ui_page, hostile)
    expect(ui_page.locator("#chat").get_by_text(hostile, exact=False).first).to_be_visible()
    assert ui_page.locator("#chat img[src='x'], #chat b").count() == 0
    assert ui_page.evaluate("window.__pwned") is None


@pytest.mark.llm
def test_llm_mode_answers_and_says_which_mode_answered(ui_llm_page: Page):
    page = ui_llm_page
    expect(page.locator("#mode")).to_be_visible()
    page.locator("#mode").get_by_text("LLM", exact=True).click()
    reply = ask(page, "What did Susan say about MTIA?", timeout=LLM_ANSWER_TIMEOUT)
    generated = reply.locator(".badge.mode-llm").count() == 1
    fell_back = reply.locator(".notice.fallback").count() == 1  # the verifier rejected the model's text
    assert generated != fell_back, reply.inner_html()
    expect(cards(page).first).to_be_visible()
    expect(cards(page).filter(has_text="MTIA").first).to_be_visible()
    shot(page, "llm")


def ask_next(page: Page, question: str, answers: int) -> Locator:
    """Ask in the same conversation and wait for its reply, the `answers`-th final one."""
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    expect(page.locator("#chat .answer.final")).to_have_count(answers, timeout=ANSWER_TIMEOUT)
    return page.locator("#chat .answer.final").last


def test_three_turn_conversation_shows_what_each_follow_up_inherited(ui_page: Page):
    first = ask_next(ui_page, "What did Susan say about capex in 2025?", 1)
    expect(first.locator("a.cite").first).to_be_visible()
    expect(first).not_to_contain_text("from your previous question")
    expect(ui_page.locator("#ask-standalone")).to_be_hidden()

    second = ask_next(ui_page, "And what did Zuckerberg say about it?", 2)
    expect(second.locator("a.cite").first).to_be_visible()
    expect(second.locator(".searched")).to_contain_text("topic capex, from your previous question")
    expect(cards(ui_page).first).to_contain_text("Mark Zuckerberg")

    third = ask_next(ui_page, "What about on the 2023Q2 call?", 3)
    expect(third.locator("a.cite").first).to_be_visible()
    expect(third.locator(".searched")).to_contain_text("quarter 2023Q2")
    expect(third.locator(".searched")).to_contain_text("speaker Mark Zuckerberg")
    expect(third.locator(".searched")).to_contain_text("from your previous question")
    expect(ui_page.locator("#sources .sources-head .searched").first).to_contain_text("topic capex")
    shot(ui_page, "conversation")

    ui_page.locator("#ask-standalone").click()  # the same question, without the context
    alone = ui_page.locator("#chat .answer.final, #chat .notice.error")
    expect(alone).to_have_count(4, timeout=ANSWER_TIMEOUT)
    expect(alone.last).not_to_contain_text("from your previous question")


def test_a_follow_up_as_the_first_question_is_answered_on_its_own(ui_page: Page):
    reply = ask(ui_page, "And what did Zuckerberg say about smart glasses?")
    expect(reply.locator("a.cite").first).to_be_visible()
    expect(reply).not_to_contain_text("from your previous question")
