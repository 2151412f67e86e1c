"""The dense half of retrieval: a FAISS index over L2-normalised chunk vectors (inner product = cosine).

Ids are row positions 0..n-1 of the chunk store, which the caller keeps. Filters (speaker, quarter,
company) arrive as a sorted array of allowed row ids and are applied before ranking, so a filtered
query still gets its top k whenever k allowed rows exist.

Defaults below were chosen with `bench/faiss_scale.py` (384-d clustered synthetic vectors, one faiss
thread, on a shared 2-core machine); its numbers are quoted where each constant is set. faiss uses its
process-wide OpenMP thread count: one thread measured best (two: 1M build 161 s instead of 128 s,
no faster single queries, and 2-4x slower small builds when the other core is busy).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import faiss as faiss_typed
import numpy as np

from rag.errors import IndexUnavailable
from rag.indexing.files import fsync_file, fsync_folder, sha256_file, temporary_path, write_atomically

# The stubs bundled with faiss-cpu 1.15 lack SearchParametersHNSW, RandomGenerator, HNSW.rng and the
# Python-side selector constructors, so the module is used untyped.
faiss: Any = faiss_typed

INDEX_FILE = "vectors.faiss"
CHECKSUM_FILE = "vectors.faiss.sha256"  # `sha256sum -c` format
REBUILD_HINT = "run `rag build --force` to rebuild the index"

# Up to this many rows the index is exact (IndexFlatIP): recall 1, an instant build, and one query
# scans the rows in 9 ms p50 / 11 ms p95 at 50k (22 / 40 ms at 100k, 46 / 79 ms at 100k on a busier
# machine: too close to the 50 ms budget). Above it the scan keeps growing (~220 ms at 1M), so an
# inverted-file index takes over: ~1-2 ms per query from 50k to 1M rows.
EXACT_MAX_ROWS = 50_000

# IVF over HNSW, measured with bench/faiss_scale.py's clustered vectors (k=10, one query at a time):
#   1M rows  IVF: built in 128 s, recall@10 0.998 at nprobe 8, 1.000 from nprobe 32 (2 ms p50)
#            HNSW M=32 efConstruction=40: built in 902 s (2 threads), recall@10 0.938 at efSearch 64,
#            0.958 at 256: the graph plateaus on clustered data unless efConstruction (build time) grows
#   100k     IVF 1.000 at nprobe 8; HNSW 0.960 at efSearch 64, 0.965 at 128
# On a harder variant whose topics are wide 16-d subspaces (100k) HNSW did better (0.996 against IVF's
# 0.950 at nprobe 64, 0.967 at 128); IVF won on build time, on our generator's recall, and on filters
# (below), where it needs no second copy of the vectors.
IVF_LISTS_PER_SQRT_ROWS = 4  # nlist = 4 * sqrt(n): 4000 lists at 1M rows, ~250 rows per list
IVF_TRAIN_ROWS_PER_LIST = 40  # k-means sample; faiss warns below 39 points per centroid
IVF_KMEANS_ITERATIONS = 10
IVF_SEED = 1234  # training sample and k-means initialisation: same input, same index (any thread count)
# 1.000 already at 32 on our data; 64 (7 ms p50, 11 ms p95 at 1M with cold caches; 20 ms p95 on a
# busier machine) is the margin for data less clustered than ours (harder variant: 0.926 at 32, 0.950).
IVF_NPROBE = 64

# Explicit-only alternative (kind="hnsw"), kept so the comparison above can be rerun.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 40
HNSW_EF_SEARCH = 64
HNSW_LEVEL_SEED = 12345

# Filters. With a bitmap selector IVF skips the dot product of every row outside the filter, but
# each probed list still costs a few microseconds. The top k allowed rows are roughly the top
# k/selectivity rows overall, so nprobe grows with sqrt(1/selectivity) rather than linearly: a speaker
# (2 % of rows) probes 453 of 4000 lists at 1M rows; widening by 1/selectivity probed 1600 lists for
# 40 ms p50 / 96 ms p95 with no better recall. Up to IVF_FILTER_EXACT_MAX_ROWS allowed rows (a speaker
# in one quarter: ~500 at 1M) every list is probed, which is exact. Bench at 1M (cold caches), p50/p95
# ms: company 9/15, quarter 8/14, speaker 4/12, speaker+quarter 11/16 (up to 17/34 on a busier
# machine), recall@10 1.0 for each.
IVF_FILTER_EXACT_MAX_ROWS = 2_000
# HNSW answers small allowed sets exactly from its flat storage (IDSelectorArray visits only the listed
# rows, ~1 us each) and larger ones with the selector and efSearch widened by 1/selectivity.
HNSW_FILTER_EXACT_MAX_ROWS = 30_000
HNSW_FILTER_EF_SEARCH_MAX = 1024

_NORM_TOLERANCE = 1e-3
KINDS = ("flat", "ivf", "hnsw")


def choose_index_kind(count: int, *, exact_max_rows: int = EXACT_MAX_ROWS) -> str:
    """The index kind for `count` rows: exact ("flat") up to `exact_max_rows`, "ivf" above."""
    if count < 0:
        raise ValueError(f"row count must be >= 0, got {count}")
    return "flat" if count <= exact_max_rows else "ivf"


def ivf_list_count(count: int) -> int:
    """Inverted lists for `count` rows: 4 * sqrt(n), but never fewer than 39 training rows per list."""
    return max(1, min(round(IVF_LISTS_PER_SQRT_ROWS * math.sqrt(count)), count // 39))


class VectorIndex:
    """A FAISS index of unit vectors whose ids are row positions; search one query at a time."""

    def __init__(self, index: Any, kind: str) -> None:
        self._index = index
        self.kind = kind
        self.dimension = int(index.d)
        # Exact scoring over a row subset: IndexFlat with an IDSelectorArray visits only the listed
        # rows. The HNSW graph keeps its vectors in such a flat index; IVF scores exactly by probing
        # every list with a bitmap selector (see _exact_among), so no kind holds a second copy.
        self._flat: Any = None
        if kind == "flat":
            self._flat = index
        elif kind == "ivf":
            self.ivf_nlist = int(index.nlist)
            self.ivf_nprobe = IVF_NPROBE
        else:
            self._flat = faiss.downcast_index(index.storage)
            self.hnsw_m = int(index.hnsw.nb_neighbors(1))
            self.hnsw_ef_construction = int(index.hnsw.efConstruction)
            self.hnsw_ef_search = HNSW_EF_SEARCH

    @property
    def count(self) -> int:
        return int(self._index.ntotal)

    @classmethod
    def build(
        cls, vectors: np.ndarray, *, kind: str | None = None, exact_max_rows: int = EXACT_MAX_ROWS
    ) -> VectorIndex:
        """Index `vectors` (n, d) as rows 0..n-1; `kind` None picks by size with choose_index_kind."""
        matrix = _as_unit_rows(vectors, "vectors")
        n, dimension = matrix.shape
        kind = choose_index_kind(n, exact_max_rows=exact_max_rows) if kind is None else kind
        if kind == "flat":
            index = faiss.IndexFlatIP(dimension)
        elif kind == "ivf":
            index = _trained_ivf(matrix)
        elif kind == "hnsw":
            index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.hnsw.efSearch = HNSW_EF_SEARCH
            index.hnsw.rng = faiss.RandomGenerator(HNSW_LEVEL_SEED)
        else:
            raise ValueError(f"unknown index kind {kind!r}; allowed: {', '.join(KINDS)} or None")
        built = cls(index, kind)
        built.add(matrix)
        return built

    def copy(self) -> VectorIndex:
        """An independent copy (an update adds rows to the copy, so a failed commit leaves this one)."""
        return VectorIndex(faiss.clone_index(self._index), self.kind)

    def add(self, vectors: np.ndarray) -> None:
        """Append rows; their ids continue after the existing ones (count, count+1, ...).

        An IVF index keeps the lists it was trained with: after adding many rows unlike the original
        ones, rebuild to retrain.
        """
        matrix = _as_unit_rows(vectors, "vectors", dimension=self.dimension)
        if len(matrix):
            self._index.add(matrix)

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k rows most similar to `query`, best first, only among `allowed` if given.

        `allowed` is a sorted array of distinct row ids. Fewer than k results only when fewer rows
        (or allowed rows) exist; never -1 ids or padding.
        """
        q = self._as_query(query)
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        k = int(k)
        if allowed is None:
            return self._search_all(q, min(k, self.count))
        rows = self._as_allowed(allowed)
        k = min(k, len(rows))
        if k == 0:
            return _empty()
        exact_max_rows = IVF_FILTER_EXACT_MAX_ROWS if self.kind == "ivf" else HNSW_FILTER_EXACT_MAX_ROWS
        if self.kind == "flat" or len(rows) <= exact_max_rows:
            return self._exact_among(q, k, rows)
        return self._approximate_among(q, k, rows)

    def describe(self) -> dict[str, Any]:
        """Kind and parameters, for the index manifest."""
        info: dict[str, Any] = {
            "library": f"faiss-cpu {faiss.__version__}",
            "kind": self.kind,
            "metric": "inner_product",
            "dimension": self.dimension,
            "count": self.count,
        }
        if self.kind == "ivf":
            info |= {
                "ivf_nlist": self.ivf_nlist,
                "ivf_nprobe": self.ivf_nprobe,
                "ivf_filter_exact_max_rows": IVF_FILTER_EXACT_MAX_ROWS,
            }
        elif self.kind == "hnsw":
            info |= {
                "hnsw_m": self.hnsw_m,
                "hnsw_ef_construction": self.hnsw_ef_construction,
                "hnsw_ef_search": self.hnsw_ef_search,
                "hnsw_filter_exact_max_rows": HNSW_FILTER_EXACT_MAX_ROWS,
                "hnsw_filter_ef_search_max": HNSW_FILTER_EF_SEARCH_MAX,
            }
        return info

    def save(self, folder: Path) -> None:
        """Write vectors.faiss and its checksum into `folder`, each replaced atomically."""
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / INDEX_FILE
        temporary = temporary_path(folder, INDEX_FILE)
        try:
            faiss.write_index(self._index, str(temporary))
            fsync_file(temporary)
            digest = sha256_file(temporary)
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
        write_atomically(folder / CHECKSUM_FILE, f"{digest}  {INDEX_FILE}\n")
        fsync_folder(folder)

    @classmethod
    def load(cls, folder: Path, *, expected_dimension: int, expected_count: int) -> VectorIndex:
        """Read an index saved by `save`; IndexUnavailable if it is missing, damaged or does not match."""
        path = folder / INDEX_FILE
        if not path.is_file():
            raise IndexUnavailable(f"the vector index {path} is missing; {REBUILD_HINT}")
        _verify_checksum(folder, path)
        try:
            index = faiss.read_index(str(path))
        except (RuntimeError, MemoryError) as err:
            raise IndexUnavailable(
                f"the vector index {path} is unreadable ({_faiss_reason(err)}); {REBUILD_HINT}"
            ) from err
        kind = _kind_of(index)
        if kind is None or index.metric_type != faiss.METRIC_INNER_PRODUCT:
            raise IndexUnavailable(
                f"the vector index {path} is a {type(index).__name__} with metric {index.metric_type}, "
                f"not an inner-product {'/'.join(KINDS)} index; {REBUILD_HINT}"
            )
        if index.d != expected_dimension:
            raise IndexUnavailable(
                f"the vector index {path} holds {index.d}-dimensional vectors but the manifest says "
                f"{expected_dimension}; {REBUILD_HINT}"
            )
        if index.ntotal != expected_count:
            raise IndexUnavailable(
                f"the vector index {path} holds {index.ntotal} vectors but there are {expected_count} "
                f"chunks; {REBUILD_HINT}"
            )
        return cls(index, kind)

    def _search_all(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if k == 0:
            return _empty()
        if self.kind == "flat":
            return _valid(*self._index.search(q, k))
        if self.kind == "ivf":
            params = faiss.SearchParametersIVF(nprobe=min(self.ivf_nprobe, self.ivf_nlist))
        else:
            params = faiss.SearchParametersHNSW(efSearch=max(self.hnsw_ef_search, k))
        scores, ids = _valid(*self._index.search(q, k, params=params))
        if len(ids) < k:  # the probed lists or the graph walk held fewer than k rows
            return self._exact_among(q, k, None)
        return scores, ids

    def _exact_among(self, q: np.ndarray, k: int, rows: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Exact top k over `rows` (every row if None)."""
        if self.kind == "ivf":
            # Probing every list is an exhaustive scan; the selector skips other rows before scoring.
            params = faiss.SearchParametersIVF(nprobe=self.ivf_nlist)
            if rows is not None:
                params.sel = _bitmap_selector(rows, self.count)
            return _valid(*self._index.search(q, k, params=params))
        if rows is None:
            return _valid(*self._flat.search(q, k))
        params = faiss.SearchParameters(sel=faiss.IDSelectorArray(rows))
        return _valid(*self._flat.search(q, k, params=params))

    def _approximate_among(self, q: np.ndarray, k: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Top k among `rows`: the approximate search with a selector, widened as selectivity falls."""
        widening = self.count / len(rows)
        selector = _bitmap_selector(rows, self.count)
        if self.kind == "ivf":
            nprobe = min(self.ivf_nlist, math.ceil(self.ivf_nprobe * math.sqrt(widening)))
            params = faiss.SearchParametersIVF(nprobe=nprobe, sel=selector)
        else:
            ef = min(HNSW_FILTER_EF_SEARCH_MAX, max(math.ceil(self.hnsw_ef_search * widening), k))
            params = faiss.SearchParametersHNSW(efSearch=ef, sel=selector)
        scores, ids = _valid(*self._index.search(q, k, params=params))
        if len(ids) < k:
            return self._exact_among(q, k, rows)
        return scores, ids

    def _as_query(self, query: np.ndarray) -> np.ndarray:
        q = np.asarray(query, dtype=np.float32)
        if q.ndim == 2 and q.shape[0] == 1:
            q = q[0]
        if q.shape != (self.dimension,):
            raise ValueError(
                f"query must be one vector of shape ({self.dimension},) or (1, {self.dimension}), "
                f"got shape {np.shape(query)}"
            )
        norm = float(np.linalg.norm(q))
        if not math.isfinite(norm) or norm == 0.0:
            raise ValueError(f"query vector has norm {norm}; it must be finite and non-zero")
        return (q / norm).reshape(1, -1)

    def _as_allowed(self, allowed: np.ndarray) -> np.ndarray:
        rows = np.asarray(allowed)
        if rows.ndim != 1 or not (rows.size == 0 or np.issubdtype(rows.dtype, np.integer)):
            raise ValueError(f"allowed must be a 1-d array of integer row ids, got {rows.dtype} {rows.shape}")
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        if rows.size and (rows[0] < 0 or rows[-1] >= self.count):
            raise ValueError(f"allowed row ids must be in 0..{self.count - 1}, got {rows[0]}..{rows[-1]}")
        if rows.size > 1 and not np.all(rows[1:] > rows[:-1]):
            raise ValueError("allowed row ids must be sorted ascending without repeats")
        return rows


def _as_unit_rows(vectors: np.ndarray, name: str, *, dimension: int | None = None) -> np.ndarray:
    matrix = np.ascontiguousarray(vectors, dtype=np.float32)
    if matrix.ndim != 2 or (dimension is not None and matrix.shape[1] != dimension):
        wanted = f"(n, {dimension})" if dimension is not None else "(n, d)"
        raise ValueError(f"{name} must be a 2-d array of shape {wanted}, got shape {np.shape(vectors)}")
    if matrix.shape[1] == 0:
        raise ValueError(f"{name} must have at least one dimension, got shape {matrix.shape}")
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))  # no (n, d) temporary
    bad = np.flatnonzero(~(np.abs(norms - 1.0) <= _NORM_TOLERANCE))
    if bad.size:
        raise ValueError(
            f"{name} row {int(bad[0])} has L2 norm {float(norms[bad[0]]):.4g}; rows must be L2-normalised "
            f"(within {_NORM_TOLERANCE}) so that inner product is cosine"
        )
    return matrix


def _trained_ivf(matrix: np.ndarray) -> Any:
    """An empty IndexIVFFlat whose lists come from spherical k-means on a fixed-seed sample of `matrix`."""
    n, dimension = matrix.shape
    if n == 0:
        raise ValueError("an ivf index is trained on its vectors and needs at least one row; use kind='flat'")
    nlist = ivf_list_count(n)
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = IVF_KMEANS_ITERATIONS
    index.cp.seed = IVF_SEED
    index.cp.spherical = True
    sample_size = min(n, nlist * IVF_TRAIN_ROWS_PER_LIST)
    if sample_size < n:
        picks = np.sort(np.random.default_rng(IVF_SEED).choice(n, size=sample_size, replace=False))
        index.train(matrix[picks])
    else:
        index.train(matrix)
    return index


def _bitmap_selector(rows: np.ndarray, count: int) -> Any:
    """An O(1) membership test for faiss: one bit per row."""
    mask = np.zeros(count, dtype=bool)
    mask[rows] = True
    return faiss.IDSelectorBitmap(np.packbits(mask, bitorder="little"))


def _empty() -> tuple[np.ndarray, np.ndarray]:
    return np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64)


def _valid(scores: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = ids[0] >= 0
    return scores[0][keep], ids[0][keep].astype(np.int64)


def _kind_of(index: Any) -> str | None:
    if isinstance(index, faiss.IndexIVFFlat):
        return "ivf"
    if isinstance(index, faiss.IndexHNSWFlat):
        return "hnsw"
    if isinstance(index, faiss.IndexFlat):
        return "flat"
    return None


def _faiss_reason(err: BaseException) -> str:
    """The useful tail of a faiss C++ error ("read error in ...: 0 != 1"), without the source location."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text.split("Error: ", 1)[-1] if "Error: " in text else text


def _verify_checksum(folder: Path, path: Path) -> None:
    checksum_path = folder / CHECKSUM_FILE
    try:
        recorded = checksum_path.read_text(encoding="utf-8").split()[0]
    except (FileNotFoundError, IndexError, UnicodeDecodeError) as err:
        raise IndexUnavailable(f"the checksum {checksum_path} is missing or empty; {REBUILD_HINT}") from err
    if sha256_file(path) != recorded:
        raise IndexUnavailable(
            f"the vector index {path} does not match its checksum (truncated or corrupt); {REBUILD_HINT}"
        )
