"""Finding the turns that answer a question: filters first, then ranking within what is allowed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.chunks import Chunk, management_label
from rag.embedding import Embedder
from rag.question import SearchRequest
from rag.store import IndexStore


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    row: int


def _union(lookup: dict[str, np.ndarray], values: list[str]) -> np.ndarray:
    arrays = [lookup[v] for v in values if v in lookup]
    return np.unique(np.concatenate(arrays)) if arrays else np.empty(0, dtype=np.int64)


def allowed_rows(store: IndexStore, request: SearchRequest, quarters: tuple[str, ...] | None = None) -> np.ndarray | None:
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


def dense_search(
    store: IndexStore, query_vector: np.ndarray, k: int, allowed: np.ndarray | None
) -> list[Hit]:
    if allowed is not None and allowed.size == 0:
        return []
    scores, ids = store.vectors.search(query_vector, k, allowed)
    return [Hit(store.chunks[int(i)], float(s), int(i)) for s, i in zip(scores, ids, strict=True)]


def retrieve(store: IndexStore, embedder: Embedder, request: SearchRequest, top_k: int) -> list[Hit]:
    """Best passages first; a question comparing quarters gets evidence from each, in time order."""
    query_vector = embedder.embed([request.question], is_query=True)[0]
    if request.compares_quarters and len(request.quarters) > 1:
        per_quarter = max(2, -(-top_k // len(request.quarters)))
        hits: list[Hit] = []
        for quarter in sorted(request.quarters):
            hits += dense_search(store, query_vector, per_quarter, allowed_rows(store, request, (quarter,)))
        return hits
    return dense_search(store, query_vector, top_k, allowed_rows(store, request))
