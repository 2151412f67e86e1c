"""Baselines: the naive index a tutorial builds, and plain dense search over the product's own chunks.

The plain-dense baseline (`run_plain_dense`) searches the same chunks of the same index densely with the
raw question, top 5: no question understanding (no filters, no glossary, no key terms) and no abstention,
so the product's numbers beside it show what understanding adds — or costs — on a corpus.

The naive baseline (`run_naive_baseline`) is the index a tutorial builds, to show what speaker turns and
filters add.

Each transcript is cleaned the same way as the product's (so the comparison is about chunking and
metadata, not noise), cut into fixed 500-character windows that overlap by 50 characters (so every
evidence string, at most 25 characters, lies whole inside some window), embedded with the product's
embedder and searched densely with the raw question: no speaker or quarter metadata, no filters.
Only hit@k and MRR are measured: there is no answer text.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.evaluation.gold import GoldQuestion
from rag.indexing.embedding.embedders import Embedder, load_embedder
from rag.indexing.store import IndexStore
from rag.indexing.vector_index import VectorIndex
from rag.settings import Settings
from rag.transcripts.clean import clean_transcript
from rag.transcripts.manifest import load_manifest
from rag.transcripts.read import read_transcript

CHUNK_CHARS = 500
OVERLAP_CHARS = 50
TOP_K = 5


@dataclass(frozen=True)
class Window:
    """A fixed-size slice of one cleaned transcript: the naive index's only unit, with no speaker."""

    source: str
    text: str


@dataclass(frozen=True)
class NaiveRun:
    chunks: int
    ranks: dict[str, int | None]  # question id -> 1-based rank of the first hit (None: miss), answerable only
    seconds: float


@dataclass(frozen=True)
class PlainDenseRun:
    chunks: int
    ranks: dict[str, int | None]  # question id -> 1-based rank of the first hit (None: miss), answerable only
    seconds: float


def run_plain_dense(
    questions: Sequence[GoldQuestion], store: IndexStore, embedder: Embedder, top_k: int = TOP_K
) -> PlainDenseRun:
    """Dense top-k over the raw question on the index's own chunks; ranks of the gold passage."""
    started = time.perf_counter()
    answerable = [q for q in questions if q.answerable]
    ranks: dict[str, int | None] = {}
    if answerable:
        vectors = embedder.embed([q.question for q in answerable], is_query=True)
        for question, vector in zip(answerable, vectors, strict=True):
            _, ids = store.dense.search(vector, top_k, None, None)
            found = [store.chunks[int(i)] for i in ids]
            ranks[question.id] = next(
                (rank for rank, c in enumerate(found, start=1) if question.holds_evidence(c.source, c.text)),
                None,
            )
    return PlainDenseRun(chunks=len(store.chunks), ranks=ranks, seconds=time.perf_counter() - started)


def fixed_windows(
    text: str, source: str, size: int = CHUNK_CHARS, overlap: int = OVERLAP_CHARS
) -> list[Window]:
    """Consecutive `size`-character windows, each starting `size - overlap` after the previous one."""
    if not 0 <= overlap < size:
        raise ValueError(f"overlap must be at least 0 and below the window size {size}, got {overlap}")
    step = size - overlap
    starts = range(0, max(len(text) - overlap, 1), step)
    return [Window(source, text[s : s + size]) for s in starts if text[s : s + size].strip()]


def naive_windows(transcripts_dir: Path) -> list[Window]:
    """Every transcript in the manifest, cleaned and cut into windows."""
    windows: list[Window] = []
    for call in load_manifest(transcripts_dir):
        text = clean_transcript(read_transcript(transcripts_dir / call.file))
        windows += fixed_windows(text, call.file)
    return windows


def run_naive_baseline(
    questions: Sequence[GoldQuestion],
    settings: Settings,
    top_k: int = TOP_K,
    progress: Callable[[str], None] = print,
) -> NaiveRun:
    """Build the naive index in a temporary folder and rank the gold passages for each answerable question."""
    started = time.perf_counter()
    windows = naive_windows(settings.transcripts_dir)
    progress(f"Naive baseline: embedding {len(windows)} windows of {CHUNK_CHARS} characters …")
    passages = load_embedder(settings, for_queries=False, progress=progress)
    vectors = np.vstack(
        [
            passages.embed([w.text for w in windows[i : i + 32]], is_query=False)
            for i in range(0, len(windows), 32)
        ]
    ).astype(np.float32)
    answerable = [q for q in questions if q.answerable]
    queries = load_embedder(settings, for_queries=True, progress=progress)
    query_vectors = queries.embed([q.question for q in answerable], is_query=True)
    ranks: dict[str, int | None] = {}
    with tempfile.TemporaryDirectory(prefix="rag-naive-") as folder:
        VectorIndex.build(vectors).save(Path(folder))
        index = VectorIndex.load(
            Path(folder), expected_dimension=vectors.shape[1], expected_count=len(windows)
        )
        for question, vector in zip(answerable, query_vectors, strict=True):
            _, ids = index.search(vector, top_k, None)
            found = [windows[int(i)] for i in ids]
            ranks[question.id] = next(
                (rank for rank, w in enumerate(found, start=1) if question.holds_evidence(w.source, w.text)),
                None,
            )
    return NaiveRun(chunks=len(windows), ranks=ranks, seconds=time.perf_counter() - started)
