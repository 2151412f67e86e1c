"""Embedders: text in, L2-normalised float32 vectors out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """The one seam between the pipeline and an embedding model."""

    name: str  # identity recorded in the index manifest; equal names mean interchangeable vectors
    dimension: int

    def embed(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        """(len(texts), dimension) float32, rows L2-normalised; `is_query` picks the e5 prompt."""
        ...
