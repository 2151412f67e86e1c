"""A running web page sees a call that another process added: `rag add` in a terminal, then the page's
next answer cites the new call (the engine notices the index changed on disk and reloads it)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from test_ui_upload import ACME_CALL
from ui_fixtures import PROJECT_ROOT, data_folder, open_page, running_ui_server

from rag.api import QueryEngine

pytestmark = pytest.mark.browser

ANSWER_TIMEOUT = 120_000
QUESTION = "What did Jane Porter say about Zephyr widgets?"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, engine: QueryEngine) -> dict[str, str]:
    """A data folder of its own: the library the server makes there is what `rag add` changes."""
    return {"RAG_DATA_DIR": str(data_folder(tmp_path_factory.mktemp("fresh"), engine.settings))}


@pytest.fixture(scope="module")
def fresh_server(corpus: dict[str, str]) -> Iterator[str]:
    with running_ui_server("freshness", extra_env=corpus) as url:
        yield url


def ask(page: Page, question: str) -> None:
    before = page.locator("#chat .answer.final").count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    expect(page.locator("#chat .answer.final")).to_have_count(before + 1, timeout=ANSWER_TIMEOUT)


def test_a_call_added_from_a_terminal_is_cited_by_the_running_page(
    fresh_server: str, ui_browser: Browser, corpus: dict[str, str], tmp_path: Path
) -> None:
    with open_page(ui_browser, fresh_server) as page:
        ask(page, QUESTION)
        expect(page.locator("#chat .answer.final").last).to_contain_text("does not speak")

        transcript = tmp_path / "acme-q3.txt"
        transcript.write_text(ACME_CALL, encoding="utf-8")
        added = subprocess.run(
            [
                sys.executable,
                "-m",
                "rag.cli",
                "add",
                str(transcript),
                "--company",
                "Acme",
                "--quarter",
                "2025Q3",
            ],
            cwd=PROJECT_ROOT,
            env={**os.environ, **corpus},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert added.returncode == 0, added.stderr

        ask(page, QUESTION)  # the same page, never reloaded
        reply = page.locator("#chat .answer.final").last
        expect(reply).to_contain_text("Zephyr widgets")
        card = page.locator('#sources .source-card[data-company="Acme"][data-quarter="2025Q3"]').first
        expect(card).to_be_visible()
        expect(card).to_contain_text("Jane Porter")
