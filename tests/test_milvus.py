"""The Milvus backend against milvus-lite (the embedded engine, started here in a temporary folder):
the same top 5 as FAISS on the evaluation questions with their filters, the same answers through
ask(), and a collection that is not the index's refused with the export command named."""

from __future__ import annotations

import dataclasses
import json
import socket
from pathlib import Path

import numpy as np
import pytest

from rag.api import QueryEngine, open_index
from rag.errors import IndexUnavailable
from rag.evaluation.gold import load_questions
from rag.indexing import milvus_store
from rag.indexing.milvus_store import (
    IDENTITY_PROPERTY,
    attach_vector_store,
    collection_name,
    connect,
    export_to_milvus,
    open_milvus_search,
)
from rag.indexing.store import IndexStore, load_vectors
from rag.indexing.vector_store import RowFilter
from rag.query.retrieve import build_query, row_filter
from rag.settings import Settings

TOP = 5


def _export(store: IndexStore, settings: Settings, **options: object) -> milvus_store.ExportResult:
    vectors = np.asarray(load_vectors(settings, len(store.chunks), store.vectors.dimension))
    return export_to_milvus(store, vectors, settings, progress=lambda _: None, **options)  # type: ignore[arg-type]


def _lite(settings: Settings, folder: Path) -> Settings:
    return dataclasses.replace(settings, vector_store=f"milvus-lite:{folder / 'milvus.db'}")


@pytest.fixture(scope="module")
def milvus_settings(
    settings: Settings, engine: QueryEngine, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    lite = _lite(settings, tmp_path_factory.mktemp("milvus"))
    _export(engine.store, lite)
    return lite


@pytest.fixture(scope="module")
def milvus_engine(engine: QueryEngine, milvus_settings: Settings) -> QueryEngine:
    """The shipped corpus's engine with its dense search on the milvus-lite collection."""
    return QueryEngine(attach_vector_store(engine.store, milvus_settings), engine.embedder, milvus_settings)


@pytest.fixture(scope="module")
def eval_questions(settings: Settings) -> list[str]:
    return [q.question for q in load_questions(settings.transcripts_dir)]


def _same_top(faiss: tuple[np.ndarray, np.ndarray], milvus: tuple[np.ndarray, np.ndarray]) -> bool:
    """Equal row lists, or equal scores where they differ (rows tied on their cosine may swap)."""
    (fs, fi), (ms, mi) = faiss, milvus
    if len(fi) != len(mi):
        return False
    return bool(np.all((fi == mi) | np.isclose(fs, ms, atol=1e-5))) and np.allclose(fs, ms, atol=1e-5)


def test_the_milvus_backend_is_what_retrieval_searches(milvus_engine: QueryEngine) -> None:
    assert isinstance(milvus_engine.store.dense, milvus_store.MilvusSearch)


def test_top5_equals_faiss_on_the_eval_questions_with_their_filters(
    engine: QueryEngine, milvus_engine: QueryEngine, eval_questions: list[str]
) -> None:
    store, milvus = engine.store, milvus_engine.store.dense
    filtered = 0
    for question in eval_questions:
        request = engine.understand(question)
        vector = build_query(engine.embedder, request).vector
        filters = [row_filter(store, request), *(row_filter(store, request, (q,)) for q in request.quarters)]
        # every scalar field on its own too, from the question's own best passage
        best = store.chunks[int(store.dense.search(vector, 1, None, None)[1][0])]
        filters += [
            RowFilter(companies=(best.company,)),
            RowFilter(quarters=(best.quarter,)),
            RowFilter(speakers=(best.speaker,)),
            RowFilter(languages=(best.language,)),
            RowFilter(languages=("en" if best.language == "zh" else "zh",)),
            RowFilter(speakers=(best.speaker,), quarters=(best.quarter,), kinds=(best.kind,)),
        ]
        for where in filters:
            allowed = None if where is None else store.rows_matching(where)
            filtered += where is not None
            faiss_top = store.dense.search(vector, TOP, allowed, where)
            milvus_top = milvus.search(vector, TOP, allowed, where)
            assert _same_top(faiss_top, milvus_top), (question, where, faiss_top, milvus_top)
    assert filtered > 5 * len(eval_questions)


def test_a_filter_that_allows_nothing_finds_nothing(milvus_engine: QueryEngine) -> None:
    vector = np.ones(milvus_engine.store.dense.dimension, dtype=np.float32)
    scores, rows = milvus_engine.store.dense.search(vector, TOP, None, RowFilter(companies=("Nobody Inc",)))
    assert len(rows) == 0 and len(scores) == 0


def test_ask_answers_the_same_on_milvus_as_on_faiss(
    engine: QueryEngine, milvus_engine: QueryEngine, eval_questions: list[str]
) -> None:
    for question in eval_questions:
        on_faiss, on_milvus = engine.ask(question), milvus_engine.ask(question)
        assert on_milvus.text == on_faiss.text, question
        assert [c.label for c in on_milvus.citations] == [c.label for c in on_faiss.citations], question
        assert on_milvus.abstained == on_faiss.abstained


def test_ask_with_explicit_filters_on_milvus(engine: QueryEngine, milvus_engine: QueryEngine) -> None:
    speaker = engine.store.speakers[0]
    quarter = engine.store.quarters[-1]
    for filters in ({"speaker": speaker}, {"quarter": quarter}, {"company": engine.store.companies[0]}):
        on_milvus = milvus_engine.ask("What did they say about growth?", **filters)  # type: ignore[arg-type]
        on_faiss = engine.ask("What did they say about growth?", **filters)  # type: ignore[arg-type]
        assert [c.label for c in on_milvus.citations] == [c.label for c in on_faiss.citations]
        if "speaker" in filters:
            assert all(speaker in c.label for c in on_milvus.citations)


def test_open_index_attaches_the_collection_named_by_the_setting(milvus_settings: Settings) -> None:
    assert isinstance(open_index(milvus_settings).dense, milvus_store.MilvusSearch)


def test_a_collection_exported_from_another_index_is_refused(
    engine: QueryEngine, settings: Settings, tmp_path: Path
) -> None:
    lite = _lite(settings, tmp_path)
    _export(engine.store, lite)
    client = connect(lite.vector_store, lite.milvus_timeout)
    try:
        other = {**milvus_store.index_identity(engine.store, lite), "sources_hash": "another corpus"}
        client.alter_collection_properties(
            collection_name(lite), properties={IDENTITY_PROPERTY: json.dumps(other)}
        )
    finally:
        client.close()
    with pytest.raises(
        IndexUnavailable, match=r"another index \(sources_hash .*rag index export --to milvus"
    ):
        open_milvus_search(engine.store, lite)
    result = _export(engine.store, lite)  # the export replaces it
    assert result.inserted == len(engine.store.chunks)
    assert isinstance(open_milvus_search(engine.store, lite), milvus_store.MilvusSearch)


def test_a_missing_or_unfinished_collection_is_refused_and_the_export_resumes(
    engine: QueryEngine, settings: Settings, tmp_path: Path
) -> None:
    lite = dataclasses.replace(_lite(settings, tmp_path), milvus_export_batch=20)
    with pytest.raises(IndexUnavailable, match="does not exist; run `rag index export --to milvus`"):
        open_milvus_search(engine.store, lite)
    _export(engine.store, lite)
    client = connect(lite.vector_store, lite.milvus_timeout)
    try:
        client.delete(collection_name(lite), filter="row >= 50")
    finally:
        client.close()
    total = len(engine.store.chunks)
    with pytest.raises(IndexUnavailable, match=f"holds 50 of the index's {total} rows"):
        open_milvus_search(engine.store, lite)
    assert _export(engine.store, lite).inserted == total - 40  # from the start of the batch in flight
    assert _export(engine.store, lite).inserted == 0  # complete: nothing to do
    open_milvus_search(engine.store, lite)


def test_an_unreachable_milvus_server_is_named(engine: QueryEngine, settings: Settings) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = dataclasses.replace(settings, vector_store=f"milvus://127.0.0.1:{port}", milvus_timeout=2.0)
    with pytest.raises(
        IndexUnavailable, match=f"cannot reach the Milvus vector store milvus://127.0.0.1:{port}"
    ):
        attach_vector_store(engine.store, down)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("milvus://localhost", "must be milvus://HOST:PORT"),
        ("milvus-lite:/tmp/x.sqlite", "must name a .db file"),
        ("elastic", "vector_store must be faiss, milvus://HOST:PORT or milvus-lite:"),
    ],
)
def test_a_bad_vector_store_setting_says_what_is_allowed(value: str, error: str) -> None:
    from rag.errors import InvalidSetting

    with pytest.raises(InvalidSetting, match=f"RAG_VECTOR_STORE={value!r} is not valid: .*{error}"):
        Settings.from_env({"RAG_VECTOR_STORE": value})


def test_the_vector_store_setting_defaults_to_faiss_and_reads_milvus_forms() -> None:
    assert Settings.from_env({}).vector_store == "faiss"
    assert Settings.from_env({"RAG_VECTOR_STORE": "milvus://db:19530"}).vector_store == "milvus://db:19530"
    assert milvus_store.client_uri("milvus://db:19530") == "http://db:19530"


def test_rag_index_export_moves_the_shipped_index_and_is_idempotent(
    engine: QueryEngine, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag.cli import main

    uri = f"milvus-lite:{tmp_path / 'cli.db'}"
    rows = len(engine.store.chunks)
    assert main(["index", "export", "--to", "milvus", "--uri", uri, "--shipped"]) == 0
    assert f"earnings_rag_shipped on {uri}: {rows} rows ({rows} exported now)" in capsys.readouterr().out
    assert main(["index", "export", "--to", "milvus", "--uri", uri, "--shipped"]) == 0
    assert f"({0} exported now)" in capsys.readouterr().out
    shipped = dataclasses.replace(settings, vector_store=uri)
    assert isinstance(open_milvus_search(engine.store, shipped), milvus_store.MilvusSearch)


def test_rag_index_export_without_a_milvus_target_says_how_to_name_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from rag.cli import main

    assert main(["index", "export", "--to", "milvus"]) == 2
    assert "--uri milvus://HOST:PORT" in capsys.readouterr().err
