"""The page shared by a team, in a real browser: `rag serve --auth USERS_FILE` with real argon2 hashes
and Gradio's own sign-in, on a library in a data folder of its own.

alice is an editor, bob a reader. Signed out, the page is the sign-in form; bob never sees the add
form and the server refuses his add even when he calls the endpoint himself; alice's added call is
cited in bob's next answer and recorded in the history under her name; a 30 MB upload is refused
with the limit named; markup inside a transcript is shown as text."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from test_ui_upload import ACME_CALL
from ui_fixtures import ARTIFACTS, PROJECT_ROOT, data_folder, running_ui_server

from rag.api import QueryEngine
from rag.transcripts.manifest import load_manifest
from ui.accounts import EDITOR, READER, UsersFile

pytestmark = pytest.mark.browser

ADD_TIMEOUT = 400_000  # ms: the first add loads the passage model
ANSWER_TIMEOUT = 120_000
PASSWORDS = {"alice": "alice's long password", "bob": "bob's long password"}
QUESTION = "What did Jane Porter say about Zephyr widgets?"

GLOBEX_CALL = """\
Ada Lovelace: Our <b>quantum sprockets</b> shipped early this quarter, and the \
<img src=x onerror="window.__pwned=1"> demo of quantum sprockets at the trade fair drew record crowds.
Alan Brooks: How fast will quantum sprockets grow next year, and what about pricing?
Ada Lovelace: We expect quantum sprockets to double next year with stable pricing.
"""


@dataclass(frozen=True)
class Team:
    url: str
    data: Path  # the data folder the server's library lives in


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory, engine: QueryEngine) -> Iterator[Team]:
    root = tmp_path_factory.mktemp("team")
    users = UsersFile(root / "users.json")
    users.add("alice", EDITOR, PASSWORDS["alice"])
    users.add("bob", READER, PASSWORDS["bob"])
    data = data_folder(root, engine.settings)
    env = {"RAG_DATA_DIR": str(data)}
    with running_ui_server("team", extra_env=env, serve_args=("--auth", str(users.path))) as url:
        yield Team(url, data)


def sign_in(browser: Browser, url: str, name: str) -> Page:
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_label("username").fill(name)
    page.get_by_label("password").fill(PASSWORDS[name])
    page.get_by_role("button", name="Login").click()
    page.locator("#question textarea").wait_for(state="visible", timeout=60_000)
    expect(page.locator("#signed-in")).to_contain_text(f"Signed in as {name}")
    return page


def ask(page: Page, question: str) -> Page:
    before = page.locator("#chat .answer.final").count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    expect(page.locator("#chat .answer.final")).to_have_count(before + 1, timeout=ANSWER_TIMEOUT)
    return page


def add_call(page: Page, path: Path, company: str, quarter: str) -> None:
    page.get_by_text("Add a transcript", exact=True).click()
    page.locator("#add-file input[type=file]").set_input_files(str(path))
    expect(page.locator("#add-file")).to_contain_text(path.name, timeout=30_000)
    page.locator("#add-company textarea").fill(company)
    page.locator("#add-quarter textarea").fill(quarter)
    page.locator("#add-button").click()
    expect(page.locator("#add-result .notice.added")).to_contain_text(
        f"Added {company} {quarter}", timeout=ADD_TIMEOUT
    )


def test_a_signed_out_visitor_gets_the_sign_in_page_not_the_app(team: Team, ui_browser: Browser) -> None:
    page = ui_browser.new_context().new_page()
    page.goto(team.url, wait_until="domcontentloaded")
    expect(page.get_by_role("button", name="Login")).to_be_visible(timeout=60_000)
    expect(page.get_by_label("username")).to_be_visible()
    expect(page.get_by_label("password")).to_have_attribute("type", "password")
    expect(page.get_by_text("After 5 failed attempts a name is refused")).to_be_visible()
    assert page.locator("#question, #chat, #add-panel").count() == 0
    page.get_by_label("username").fill("bob")
    page.get_by_label("password").fill("not bob's password")
    page.get_by_role("button", name="Login").click()
    expect(page.get_by_text("Incorrect credentials")).to_be_visible(timeout=30_000)
    assert page.locator("#question").count() == 0
    unsigned = httpx.post(
        f"{team.url}gradio_api/call/ask", json={"data": ["capex", [], "", "", "", "extractive"]}
    )
    assert unsigned.status_code == 401  # the API is behind the sign-in as well
    page.context.close()


def test_a_reader_does_not_see_the_add_or_remove_forms(team: Team, ui_browser: Browser) -> None:
    page = sign_in(ui_browser, team.url, "bob")
    expect(page.locator("#signed-in")).to_contain_text("bob (reader)")
    expect(page.get_by_text("Add a transcript", exact=True)).to_have_count(0)
    expect(page.locator("#add-panel")).to_be_hidden()
    expect(page.locator("#remove-panel")).to_be_hidden()
    expect(page.locator("#add-file input[type=file]")).to_have_count(0)
    ask(page, "What did Susan say about MTIA?")  # readers ask as before
    expect(page.locator("#sources .source-card").first).to_contain_text("Susan Li")
    page.context.close()


def test_the_server_refuses_an_add_by_a_reader_who_calls_it_directly(team: Team, tmp_path: Path) -> None:
    transcript = tmp_path / "acme-q4.txt"
    transcript.write_text(ACME_CALL, encoding="utf-8")
    library = team.data / "transcripts"
    before = (library / "manifest.json").read_bytes()
    with httpx.Client(base_url=team.url, timeout=120) as bob:
        bob.post("/login", data={"username": "bob", "password": PASSWORDS["bob"]}).raise_for_status()
        with transcript.open("rb") as handle:
            uploaded = bob.post(
                "/gradio_api/upload", files={"files": (transcript.name, handle)}
            ).raise_for_status()
        file = {
            "path": uploaded.json()[0],
            "orig_name": transcript.name,
            "meta": {"_type": "gradio.FileData"},
        }
        event = bob.post(
            "/gradio_api/call/add", json={"data": [file, "Acme", "2025Q4", "", "", False, "", "", ""]}
        ).raise_for_status()
        reply = bob.get(f"/gradio_api/call/add/{event.json()['event_id']}").text
    assert "event: complete" in reply
    assert "Only editors may add transcripts; you are signed in as bob (reader)." in reply
    assert (library / "manifest.json").read_bytes() == before
    assert (
        not (team.data / "history.jsonl").exists()
        or "2025Q4" not in (team.data / "history.jsonl").read_text()
    )


def test_an_editor_adds_a_call_and_a_readers_next_answer_cites_it(
    team: Team, ui_browser: Browser, tmp_path: Path
) -> None:
    reader = sign_in(ui_browser, team.url, "bob")
    ask(reader, QUESTION)
    expect(reader.locator("#chat .answer.final").last).to_contain_text("does not speak")

    editor = sign_in(ui_browser, team.url, "alice")
    expect(editor.locator("#signed-in")).to_contain_text("alice (editor)")
    transcript = tmp_path / "acme-q3.txt"
    transcript.write_text(ACME_CALL, encoding="utf-8")
    add_call(editor, transcript, "Acme", "2025Q3")

    ask(reader, QUESTION)  # bob's page, never reloaded
    expect(reader.locator("#chat .answer.final").last).to_contain_text("Zephyr widgets")
    card = reader.locator('#sources .source-card[data-company="Acme"][data-quarter="2025Q3"]').first
    expect(card).to_be_visible()
    expect(card).to_contain_text("Jane Porter")
    ARTIFACTS.mkdir(exist_ok=True)
    reader.screenshot(path=str(ARTIFACTS / "ui-team-reader.png"), full_page=True)

    history = subprocess.run(
        [sys.executable, "-m", "rag.cli", "list", "--history"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "RAG_DATA_DIR": str(team.data)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "alice (web) added Acme 2025Q3 [en] acme-2025q3.en.txt" in history.stdout, history.stdout
    editor.context.close()
    reader.context.close()


def test_a_30_mb_upload_is_refused_with_the_limit_named(
    team: Team, ui_browser: Browser, tmp_path: Path
) -> None:
    big = tmp_path / "huge-call.txt"
    with big.open("wb") as out:
        out.write(b"Jane Porter: Zephyr widgets. " * (30 * 1024 * 1024 // 29 + 1))
    editor = sign_in(ui_browser, team.url, "alice")
    editor.get_by_text("Add a transcript", exact=True).click()
    expect(editor.locator("#add-file")).to_contain_text("up to 20 MB")
    calls_before = len(load_manifest(team.data / "transcripts"))
    editor.locator("#add-file input[type=file]").set_input_files(str(big))
    expect(editor.get_by_text("exceed the maximum allowed size of 20.0 Mb")).to_be_visible(timeout=30_000)
    expect(editor.get_by_text('"huge-call.txt"', exact=False).first).to_be_visible()
    editor.screenshot(path=str(ARTIFACTS / "ui-team-too-large.png"), full_page=True)
    assert len(load_manifest(team.data / "transcripts")) == calls_before
    editor.context.close()


def test_markup_in_a_transcript_still_renders_as_text(
    team: Team, ui_browser: Browser, tmp_path: Path
) -> None:
    transcript = tmp_path / "globex-q3.txt"
    transcript.write_text(GLOBEX_CALL, encoding="utf-8")
    editor = sign_in(ui_browser, team.url, "alice")
    add_call(editor, transcript, "Globex", "2025Q3")
    ask(editor, "What did Ada Lovelace say about quantum sprockets?")
    card = editor.locator('#sources .source-card[data-company="Globex"]').first
    expect(card).to_contain_text("<b>quantum sprockets</b>")
    expect(card).to_contain_text("<img")
    assert editor.locator("#sources b, #sources img, #chat b, #chat img").count() == 0
    assert editor.evaluate("window.__pwned") is None
    editor.context.close()


def test_an_editor_removes_a_call_and_the_history_names_her(
    team: Team, ui_browser: Browser, tmp_path: Path
) -> None:
    transcript = tmp_path / "initech-q1.txt"
    transcript.write_text(ACME_CALL.replace("Zephyr", "Nimbus"), encoding="utf-8")
    editor = sign_in(ui_browser, team.url, "alice")
    add_call(editor, transcript, "Initech", "2025Q1")
    editor.get_by_text("Remove a call", exact=True).click()  # its menu already lists the new call
    editor.locator("#remove-call input").click()
    editor.get_by_role("option", name="Initech 2025Q1 [en] · initech-2025q1.en.txt", exact=True).click()
    editor.locator("#remove-button").click()
    expect(editor.locator("#remove-result .notice.added")).to_have_text(
        "Removed Initech 2025Q1 (initech-2025q1.en.txt)", timeout=ADD_TIMEOUT
    )
    assert "initech-2025q1.en.txt" not in {c.file for c in load_manifest(team.data / "transcripts")}
    lines = (team.data / "history.jsonl").read_text(encoding="utf-8").splitlines()
    assert '"actor": "alice", "via": "web", "action": "removed", "company": "Initech"' in lines[-1]
    editor.context.close()
