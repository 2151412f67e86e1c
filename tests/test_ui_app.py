"""How the page is put together and launched: filters from the catalog, the mode selector, safe defaults."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

import gradio as gr
import pytest

from rag.api import catalog
from rag.settings import Settings
from ui import app as ui_app


def component(blocks: gr.Blocks, elem_id: str) -> Any:
    found = [b for b in blocks.blocks.values() if getattr(b, "elem_id", None) == elem_id]
    assert len(found) == 1, f"expected one component with elem_id {elem_id!r}, found {len(found)}"
    return found[0]


def test_filters_offer_every_company_quarter_and_speaker_of_the_catalog():
    settings = Settings()
    known = catalog(settings)
    page = ui_app.build_app(settings)
    for elem_id, values in (
        ("filter-company", known.companies),
        ("filter-quarter", known.quarters),
        ("filter-speaker", known.speakers),
    ):
        offered = [value for _, value in component(page, elem_id).choices]
        assert offered == ["", *values]  # "" is the "any" choice


def test_mode_selector_is_shown_only_when_an_llm_endpoint_is_configured():
    settings = Settings()
    assert component(ui_app.build_app(settings), "mode").visible is False
    with_llm = replace(settings, llm_base_url="http://127.0.0.1:9/v1")
    assert component(ui_app.build_app(with_llm), "mode").visible is True


def test_page_sends_no_analytics():
    assert ui_app.build_app(Settings()).analytics_enabled is False


def test_serve_binds_this_machine_only_unless_told_and_turns_analytics_off(monkeypatch: pytest.MonkeyPatch):
    launched: list[dict[str, Any]] = []
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kwargs: launched.append(kwargs))
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "True")  # restored after the test
    ui_app.serve(settings=Settings())
    ui_app.serve(host="0.0.0.0", port=8080, settings=Settings())
    assert (launched[0]["server_name"], launched[0]["server_port"]) == ("127.0.0.1", 7860)
    assert (launched[1]["server_name"], launched[1]["server_port"]) == ("0.0.0.0", 8080)
    assert all(kwargs["share"] is False for kwargs in launched)
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"
