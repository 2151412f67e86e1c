"""Finding the turns that answer a question: filters first, then ranking within what is allowed.

Ranking fuses two views of the question: dense multilingual-e5 similarity (meaning, across
languages) and BM25 over jieba/Latin/number tokens (exact names, product terms, figures). They are
fused by weighted reciprocal rank: the two score scales are not comparable (cosine vs. unbounded
BM25), ranks are, and RRF needs no per-corpus score calibration. BM25's weight is kept per
question language, because an English question over Chinese text only matches through the
glossary, Latin product names and numbers, while a Chinese question matches word for word: with a
small glossary English BM25 was noisy and weighed half (0.5 beat 1.0); once the glossary covered
the common finance vocabulary, an equal weight tied on eval/questions.jsonl (hit@5 0.98, MRR 0.90)
and won on eval/heldout.jsonl (hit@5 0.94 -> 0.97, MRR 0.84 -> 0.88), so both weigh 1.0 today.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.chunks import Chunk, management_label
from rag.embedding import Embedder
from rag.question import SearchRequest
from rag.store import IndexStore

RRF_K = 60  # the constant of Cormack et al.; flat enough that a rank-1 hit in one list is not everything
CANDIDATES = 50  # per list, before fusion
LEXICAL_WEIGHT = {"zh": 1.0, "en": 1.0}


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    row: int


def _union(lookup: dict[str, np.ndarray], values: list[str]) -> np.ndarray:
    arrays = [lookup[v] for v in values if v in lookup]
    return np.unique(np.concatenate(arrays)) if arrays else np.empty(0, dtype=np.int64)


def allowed_rows(
    store: IndexStore, request: SearchRequest, quarters: tuple[str, ...] | None = None
) -> np.ndarray | None:
    """Row ids the filters allow, sorted; None when nothing is filtered."""
    quarters = request.quarters if quarters is None else quarters
    selections: list[np.ndarray] = []
    if request.speakers:
        speakers = list(request.speakers)
        if request.include_management:
            speakers += [management_label(c) for c in store.companies]
        selections.append(_union(store.rows_by["speaker"], speakers))
    if quarters:
        selections.append(_union(store.rows_by["quarter"], list(quarters)))
    if request.companies:
        selections.append(_union(store.rows_by["company"], list(request.companies)))
    if request.asks_who_asked:
        selections.append(store.rows_by["kind"].get("question", np.empty(0, dtype=np.int64)))
    if not selections:
        return None
    allowed = selections[0]
    for other in selections[1:]:
        allowed = np.intersect1d(allowed, other, assume_unique=True)
    return allowed.astype(np.int64)


def dense_ranking(
    store: IndexStore, query_vector: np.ndarray, k: int, allowed: np.ndarray | None
) -> list[tuple[int, float]]:
    if allowed is not None and allowed.size == 0:
        return []
    scores, ids = store.vectors.search(query_vector, k, allowed)
    return [(int(i), float(s)) for s, i in zip(scores, ids, strict=True)]


def lexical_ranking(
    store: IndexStore, tokens: list[str], k: int, allowed: np.ndarray | None
) -> list[tuple[int, float]]:
    scores = store.lexical.scores(tokens)
    rows = np.arange(len(scores)) if allowed is None else allowed
    if rows.size == 0:
        return []
    selected = scores[rows]
    order = np.argsort(-selected, kind="stable")[:k]
    return [(int(rows[i]), float(selected[i])) for i in order if selected[i] > 0]


def fuse(rankings: list[tuple[list[tuple[int, float]], float]], k: int) -> list[tuple[int, float]]:
    """Weighted reciprocal-rank fusion of (ranking, weight) pairs; best first."""
    fused: dict[int, float] = {}
    for ranking, weight in rankings:
        for rank, (row, _) in enumerate(ranking, start=1):
            fused[row] = fused.get(row, 0.0) + weight / (RRF_K + rank)
    return sorted(fused.items(), key=lambda item: -item[1])[:k]


@dataclass(frozen=True)
class Query:
    """What the rankers see: the question's vector and its lexical tokens (glossary-expanded)."""

    vector: np.ndarray
    tokens: list[str]
    language: str  # "zh" | "en"


def rank(store: IndexStore, query: Query, k: int, allowed: np.ndarray | None, mode: str) -> list[Hit]:
    dense = dense_ranking(store, query.vector, max(k, CANDIDATES) if mode == "hybrid" else k, allowed)
    if mode == "dense":
        ranked = dense
    elif mode == "bm25":
        ranked = lexical_ranking(store, query.tokens, k, allowed)
    elif mode == "hybrid":
        lexical = lexical_ranking(store, query.tokens, CANDIDATES, allowed)
        ranked = fuse([(dense, 1.0), (lexical, LEXICAL_WEIGHT[query.language])], k)
        cosine = dict(dense)
        # report the cosine similarity where there is one, so scores mean the same in every mode
        ranked = [(row, cosine.get(row, score)) for row, score in ranked]
    else:
        raise ValueError(f"unknown retrieval mode {mode!r}: use dense, bm25 or hybrid")
    return [Hit(store.chunks[row], score, row) for row, score in ranked]


def retrieve(
    store: IndexStore, query: Query, request: SearchRequest, top_k: int, mode: str = "hybrid"
) -> list[Hit]:
    """Best passages first; a question comparing quarters gets evidence from each, in time order."""
    if request.compares_quarters and len(request.quarters) > 1:
        per_quarter = max(2, -(-top_k // len(request.quarters)))
        hits: list[Hit] = []
        for quarter in sorted(request.quarters):
            hits += rank(store, query, per_quarter, allowed_rows(store, request, (quarter,)), mode)
        return hits
    return rank(store, query, top_k, allowed_rows(store, request), mode)


def embed_query(embedder: Embedder, question: str) -> np.ndarray:
    return embedder.embed([question], is_query=True)[0]
