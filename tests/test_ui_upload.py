"""Adding a transcript from the page, in a real browser, on a library in a data folder of its own
(the shipped transcripts in the package are never touched)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from ui_fixtures import ARTIFACTS, data_folder, open_page, running_ui_server

from rag.api import QueryEngine

pytestmark = pytest.mark.browser

# The first add may rebuild the copied index (when it has no stored vectors) and loads the passage model.
ADD_TIMEOUT = 400_000  # ms
ANSWER_TIMEOUT = 120_000

ACME_CALL = """\
Operator: Good afternoon and welcome to the Acme third quarter 2025 earnings call.
Jane Porter: Thank you. Revenue grew 18 percent this quarter, led by strong demand for our Zephyr widgets \
in industrial automation. We shipped more Zephyr widgets than in any previous quarter.
Tom Reyes: Gross margin expanded to 41 percent as Zephyr widget production moved to our new Ohio plant, \
and we raised full-year guidance for operating income.
Alan Brooks: Thanks. Could you talk about pricing for Zephyr widgets next year and whether supply \
constraints will limit growth?
Jane Porter: We plan modest price increases on Zephyr widgets in 2026, and the second Ohio line removes \
the supply constraint by the spring.
"""


@pytest.fixture(scope="module")
def upload_server(tmp_path_factory: pytest.TempPathFactory, engine: QueryEngine) -> Iterator[str]:
    """The page on a library of its own (made from the shipped calls), so adds change only that."""
    folder = data_folder(tmp_path_factory.mktemp("corpus"), engine.settings)
    with running_ui_server("upload", extra_env={"RAG_DATA_DIR": str(folder)}) as url:
        yield url


@pytest.fixture()
def upload_page(upload_server: str, ui_browser: Browser) -> Iterator[Page]:
    with open_page(ui_browser, upload_server) as page:
        page.get_by_text("Add a transcript", exact=True).click()
        expect(page.locator("#add-button")).to_be_visible()
        yield page


def attach(page: Page, path: Path) -> None:
    page.locator("#add-file input[type=file]").set_input_files(str(path))
    expect(page.locator("#add-file")).to_contain_text(path.name, timeout=30_000)


def add(page: Page, company: str, quarter: str) -> None:
    page.locator("#add-company textarea").fill(company)
    page.locator("#add-quarter textarea").fill(quarter)
    page.locator("#add-button").click()


def test_an_empty_file_is_refused_with_a_clear_message_and_the_corpus_stays_as_it_was(
    upload_page: Page, tmp_path: Path
):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    attach(upload_page, empty)
    add(upload_page, "Acme", "2025Q3")
    error = upload_page.locator("#add-result .notice.error")
    expect(error).to_contain_text("empty.txt: the file is empty; nothing to index", timeout=ADD_TIMEOUT)
    expect(upload_page.locator("#title")).not_to_contain_text("Acme")
    expect(upload_page.locator("#title")).not_to_contain_text("2025Q3")


def test_an_added_call_is_announced_offered_in_the_filters_and_answers_questions(
    upload_page: Page, upload_server: str, ui_browser: Browser, tmp_path: Path
):
    page = upload_page
    transcript = tmp_path / "acme-q3.txt"
    transcript.write_text(ACME_CALL, encoding="utf-8")
    attach(page, transcript)
    add(page, "Acme", "2025Q3")
    added = page.locator("#add-result .notice.added")
    expect(added).to_have_text("Added Acme 2025Q3: 5 turns, 3 speakers, 5 passages", timeout=ADD_TIMEOUT)
    expect(page.locator("#add-status textarea")).to_have_value(re.compile("Parsed 5 turns into 5 passages"))
    # the header sums the library up in one line; the new company is in the company menu
    expect(page.locator("#title")).to_contain_text("2 companies · 4 calls · 2023Q2–2025Q3")
    page.locator("#filter-company input").click()
    expect(page.get_by_role("option", name="Acme", exact=True)).to_be_visible()
    page.keyboard.press("Escape")

    page.locator("#filter-speaker input").click()
    expect(page.get_by_role("option", name=re.compile(r"^Jane Porter( — |$)"))).to_be_visible()
    page.keyboard.press("Escape")

    box = page.locator("#question textarea")
    box.fill("What did Jane Porter say about Zephyr widgets?")
    box.press("Enter")
    reply = page.locator("#chat .answer.final, #chat .notice.error").last
    reply.wait_for(state="visible", timeout=ANSWER_TIMEOUT)
    expect(reply).to_contain_text("Zephyr widgets")
    card = page.locator('#sources .source-card[data-company="Acme"][data-quarter="2025Q3"]').first
    expect(card).to_be_visible()
    expect(card).to_contain_text("Jane Porter")
    expect(card).to_contain_text("Acme · 2025Q3")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-upload.png"), full_page=True)

    with open_page(ui_browser, upload_server) as later:  # a page opened after the add lists it too
        later.locator("#filter-company input").click()
        expect(later.get_by_role("option", name="Acme", exact=True)).to_be_visible()
