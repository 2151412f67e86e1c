"""The retriever's seam to a vector engine: the dense top k among the rows a filter allows.

Two engines stand behind it: the FAISS index of the index folder (the default, `FaissSearch`) and a
Milvus collection exported from that folder (`rag.indexing.milvus_store`, `RAG_VECTOR_STORE`). Row ids
are the index folder's row positions in both, so a hit means the same chunk whichever engine found it.

A filter reaches the engine twice, as the same predicate in two forms: `RowFilter` (field values, which
Milvus evaluates as scalar filters) and the sorted row ids it allows (what FAISS's selectors take).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rag.indexing.vector_index import VectorIndex


@dataclass(frozen=True)
class RowFilter:
    """The rows a search may return: for each field the allowed values (empty: any), all fields at once."""

    speakers: tuple[str, ...] = ()
    quarters: tuple[str, ...] = ()
    companies: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # "remarks" | "question" | "answer"
    languages: tuple[str, ...] = ()

    def fields(self) -> dict[str, tuple[str, ...]]:
        """The restricted fields, by the chunk attribute they restrict (speaker, quarter, …)."""
        named = {
            "speaker": self.speakers,
            "quarter": self.quarters,
            "company": self.companies,
            "kind": self.kinds,
            "language": self.languages,
        }
        return {name: values for name, values in named.items() if values}


class DenseSearch(Protocol):
    """What retrieval asks of a vector engine."""

    dimension: int

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None, where: RowFilter | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(scores, row ids) of the k rows most similar to `query` (cosine), best first.

        `allowed` (sorted row ids) and `where` describe the same rows when both are given; None for
        both means every row. Fewer than k results only when fewer rows are allowed.
        """
        ...


class FaissSearch:
    """The index folder's own FAISS index behind the seam."""

    def __init__(self, index: VectorIndex) -> None:
        self.index = index
        self.dimension = index.dimension

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None, where: RowFilter | None
    ) -> tuple[np.ndarray, np.ndarray]:
        return self.index.search(query, k, allowed)
