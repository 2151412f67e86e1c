"""How the page is put together and launched: filters from the catalog, the mode selector, safe defaults."""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import gradio as gr
import pytest

from rag.answer.types import Answer
from rag.api import QueryEngine, catalog
from rag.errors import UnknownSpeaker
from rag.settings import Settings
from ui import app as ui_app
from ui import chat
from ui.accounts import Access, UsersFile


def component(blocks: gr.Blocks, elem_id: str) -> Any:
    found = [b for b in blocks.blocks.values() if getattr(b, "elem_id", None) == elem_id]
    assert len(found) == 1, f"expected one component with elem_id {elem_id!r}, found {len(found)}"
    return found[0]


def test_filters_offer_every_company_quarter_and_speaker_of_the_catalog(engine: QueryEngine):
    settings = engine.settings
    known = catalog(settings)
    page = ui_app.build_app(settings, engine)
    for elem_id, values in (
        ("filter-company", known.companies),
        ("filter-quarter", known.quarters),
        ("filter-speaker", known.speakers),
    ):
        offered = [value for _, value in component(page, elem_id).choices]
        # "" is the "any" choice; the order is the menu's own (sorted by label, latest quarter first)
        assert offered[0] == "" and sorted(offered[1:]) == sorted(values)


def test_mode_selector_is_shown_only_when_an_llm_endpoint_is_configured(engine: QueryEngine):
    settings = engine.settings
    assert component(ui_app.build_app(settings, engine), "mode").visible is False
    with_llm = replace(settings, llm_base_url="http://127.0.0.1:9/v1")
    assert component(ui_app.build_app(with_llm, engine), "mode").visible is True


def test_page_sends_no_analytics(engine: QueryEngine):
    assert ui_app.build_app(engine.settings, engine).analytics_enabled is False


def test_serve_binds_this_machine_only_unless_told_and_turns_analytics_off(
    monkeypatch: pytest.MonkeyPatch, engine: QueryEngine
):
    launched: list[dict[str, Any]] = []
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kwargs: launched.append(kwargs))
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "True")  # restored after the test
    ui_app.serve(settings=engine.settings)
    ui_app.serve(host="0.0.0.0", port=8080, settings=engine.settings)
    assert (launched[0]["server_name"], launched[0]["server_port"]) == ("127.0.0.1", 7860)
    assert (launched[1]["server_name"], launched[1]["server_port"]) == ("0.0.0.0", 8080)
    assert all(kwargs["share"] is False for kwargs in launched)
    assert all(kwargs["max_file_size"] == 20 * 1024 * 1024 for kwargs in launched)
    assert all("auth" not in kwargs for kwargs in launched)  # nobody signs in unless told
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"


def test_with_a_users_file_the_page_signs_in_through_gradios_auth_hook(tmp_path, engine: QueryEngine):
    users = UsersFile(tmp_path / "users.json")
    users.add("alice", "editor", "alice's long password")
    options = ui_app.launch_options(engine.settings, Access(users=users))
    assert inspect.iscoroutinefunction(options["auth"])  # Gradio awaits it: hashing stays off its loop
    assert asyncio.run(options["auth"]("alice", "alice's long password")) is True
    assert "failed attempts" in options["auth_message"]


def test_a_read_only_page_has_no_add_or_remove_forms(engine: QueryEngine):
    page = ui_app.build_app(engine.settings, engine, Access(read_only=True))
    ids = {getattr(b, "elem_id", None) for b in page.blocks.values()}
    assert not ids & {"add-panel", "add-file", "add-button", "remove-panel", "remove-button"}
    assert {"question", "chat", "sources"} <= ids


def _turn(monkeypatch: pytest.MonkeyPatch, parts: list[object]) -> list[chat.ChatView]:
    def fake_stream(*args: object, **kwargs: object) -> Iterator[object]:
        for part in parts:
            if isinstance(part, Exception):
                raise part
            yield part

    monkeypatch.setattr(chat, "_stream_answer", fake_stream)
    return list(chat.run_turn("Q <i>?</i>", [], chat.Filters(), "llm", Settings()))


def _last_reply(view: chat.ChatView) -> str:
    return str(view.history[-1]["content"])


def test_a_streamed_reply_shows_escaped_text_as_it_arrives_then_the_final_answer(
    monkeypatch: pytest.MonkeyPatch,
):
    final = Answer("Q <i>?</i>", "Final text [1]", [], abstained=False, mode="llm")
    views = _turn(monkeypatch, ["Hello <b>", "world", final])
    assert [v.pending for v in views] == [True, True, True, False]
    assert views[0].history[0]["content"] == "<p>Q &lt;i&gt;?&lt;/i&gt;</p>"
    assert "Searching the transcripts" in _last_reply(views[0])
    assert "Hello &lt;b&gt;" in _last_reply(views[1]) and "<b>" not in _last_reply(views[1])
    assert "Hello &lt;b&gt;world" in _last_reply(views[2])
    assert "Final text" in _last_reply(views[3]) and "Hello" not in _last_reply(views[3])
    assert views[3].sources is not None and len(views[3].history) == 2


def test_a_rag_error_is_shown_in_the_chat_as_its_message(monkeypatch: pytest.MonkeyPatch):
    views = _turn(monkeypatch, [UnknownSpeaker("unknown speaker 'Susna': known speakers are Susan Li, …")])
    assert "unknown speaker &#x27;Susna&#x27;" in _last_reply(views[-1])
    assert views[-1].sources is None and views[-1].pending is False


def test_an_unexpected_failure_shows_a_short_notice_not_a_traceback(monkeypatch: pytest.MonkeyPatch):
    views = _turn(monkeypatch, [KeyError("internal detail")])
    assert "Something went wrong" in _last_reply(views[-1])
    assert "internal detail" not in _last_reply(views[-1]) and "Traceback" not in _last_reply(views[-1])
