"""The FAISS vector index: exact, IVF and HNSW search, filters applied before ranking, a safe on-disk form."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import faiss
import numpy as np
import pytest

from rag.errors import IndexUnavailable
from rag.indexing import vector_index
from rag.indexing.files import sha256_file
from rag.indexing.vector_index import INDEX_FILE, VectorIndex, choose_index_kind

DIMENSION = 32
ROWS = 2000


def unit_rows(count: int, seed: int) -> np.ndarray:
    """Unit vectors around 30 cluster centres, so neighbours are meaningful but not trivial."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((30, DIMENSION))
    rows = centres[rng.integers(0, 30, count)] + 0.6 * rng.standard_normal((count, DIMENSION))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def true_top(vectors: np.ndarray, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    rows = np.arange(len(vectors)) if allowed is None else allowed
    scores = vectors[rows] @ query
    return rows[np.argsort(-scores, kind="stable")[:k]]


@pytest.fixture(scope="module", autouse=True)
def one_faiss_thread() -> Iterator[None]:
    """OpenMP threads spin-wait for each other: on a busy 2-core machine that makes tiny builds 10x slower."""
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    yield
    faiss.omp_set_num_threads(previous)


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return unit_rows(ROWS, seed=1)


@pytest.fixture(scope="module")
def queries() -> np.ndarray:
    return unit_rows(20, seed=2)


@pytest.fixture(scope="module")
def built(vectors: np.ndarray) -> dict[str, VectorIndex]:
    return {kind: VectorIndex.build(vectors, kind=kind) for kind in vector_index.KINDS}


@pytest.fixture(params=vector_index.KINDS)
def index(request: pytest.FixtureRequest, built: dict[str, VectorIndex]) -> VectorIndex:
    return built[request.param]


@pytest.fixture(params=["ivf", "hnsw"])
def approximate(request: pytest.FixtureRequest, built: dict[str, VectorIndex]) -> VectorIndex:
    return built[request.param]


def test_exact_search_returns_the_true_nearest_neighbours(vectors: np.ndarray, queries: np.ndarray) -> None:
    index = VectorIndex.build(vectors)
    assert index.kind == "flat"
    for query in queries:
        scores, ids = index.search(query, 10)
        assert ids.tolist() == true_top(vectors, query, 10).tolist()
        assert np.allclose(scores, vectors[ids] @ query, atol=1e-5)
        assert np.all(np.diff(scores) <= 1e-6)  # best first


def test_approximate_kinds_find_nearly_all_true_neighbours(
    approximate: VectorIndex, vectors: np.ndarray, queries: np.ndarray
) -> None:
    found = [len(set(approximate.search(q, 10)[1]) & set(true_top(vectors, q, 10))) for q in queries]
    assert sum(found) / (10 * len(queries)) >= 0.95


def test_filter_restricts_results_to_allowed_rows_and_still_returns_k(
    index: VectorIndex, vectors: np.ndarray, queries: np.ndarray
) -> None:
    allowed = np.arange(7, ROWS, 97, dtype=np.int64)  # 21 scattered rows, mostly far from any query
    for query in queries:
        scores, ids = index.search(query, 10, allowed)
        assert len(ids) == 10
        assert set(ids.tolist()) <= set(allowed.tolist())
        assert ids.tolist() == true_top(vectors, query, 10, allowed).tolist()


def test_large_filters_use_the_approximate_index_and_still_return_k_allowed_rows(
    monkeypatch: pytest.MonkeyPatch, approximate: VectorIndex, vectors: np.ndarray, queries: np.ndarray
) -> None:
    monkeypatch.setattr(vector_index, "HNSW_FILTER_EXACT_MAX_ROWS", 100)  # force the selector path
    monkeypatch.setattr(vector_index, "IVF_FILTER_EXACT_MAX_ROWS", 100)
    allowed = np.flatnonzero(np.arange(ROWS) % 5 == 3).astype(np.int64)  # 400 rows, 20 %
    found = 0
    for query in queries:
        _, ids = approximate.search(query, 10, allowed)
        assert len(ids) == 10 and np.all(ids % 5 == 3)
        found += len(set(ids) & set(true_top(vectors, query, 10, allowed)))
    assert found / (10 * len(queries)) >= 0.95


def test_ivf_filter_whose_rows_lie_in_unprobed_lists_still_returns_the_true_top_k(
    monkeypatch: pytest.MonkeyPatch, vectors: np.ndarray, queries: np.ndarray
) -> None:
    monkeypatch.setattr(vector_index, "IVF_FILTER_EXACT_MAX_ROWS", 100)  # force the selector path
    built = VectorIndex.build(vectors, kind="ivf")
    built.ivf_nprobe = 1  # widened by 1/selectivity, the search probes only a handful of lists
    query = queries[0]
    quantizer = built._index.quantizer
    _, near_to_far = quantizer.search(query.reshape(1, -1), built.ivf_nlist)
    _, list_of_row = quantizer.search(vectors, 1)
    allowed = np.flatnonzero(np.isin(list_of_row[:, 0], near_to_far[0, -10:])).astype(np.int64)
    _, ids = built.search(query, 10, allowed)
    assert ids.tolist() == true_top(vectors, query, 10, allowed).tolist()


def test_k_larger_than_the_allowed_set_returns_all_allowed_rows_and_nothing_else(
    index: VectorIndex, queries: np.ndarray
) -> None:
    allowed = np.array([3, 500, 1200, 1999], dtype=np.int64)
    scores, ids = index.search(queries[0], 50, allowed)
    assert sorted(ids.tolist()) == allowed.tolist()
    assert len(scores) == 4 and np.all(np.diff(scores) <= 1e-6)


def test_k_larger_than_the_index_returns_every_row_once(queries: np.ndarray) -> None:
    small = unit_rows(12, seed=3)
    for kind in vector_index.KINDS:
        _, ids = VectorIndex.build(small, kind=kind).search(queries[0], 100)
        assert sorted(ids.tolist()) == list(range(12))


def test_an_empty_allowed_set_returns_nothing(index: VectorIndex, queries: np.ndarray) -> None:
    scores, ids = index.search(queries[0], 5, np.empty(0, dtype=np.int64))
    assert len(scores) == 0 and len(ids) == 0


def test_unsorted_or_out_of_range_allowed_ids_are_rejected(index: VectorIndex, queries: np.ndarray) -> None:
    with pytest.raises(ValueError, match="sorted"):
        index.search(queries[0], 5, np.array([9, 4], dtype=np.int64))
    with pytest.raises(ValueError, match=f"0..{ROWS - 1}"):
        index.search(queries[0], 5, np.array([4, ROWS], dtype=np.int64))


def test_vectors_that_are_not_unit_length_are_rejected() -> None:
    rows = unit_rows(10, seed=4)
    rows[6] *= 2
    with pytest.raises(ValueError, match="row 6 has L2 norm 2"):
        VectorIndex.build(rows)


def test_save_and_load_round_trip_keeps_results_and_parameters(
    index: VectorIndex, queries: np.ndarray, tmp_path: Path
) -> None:
    index.save(tmp_path)
    loaded = VectorIndex.load(tmp_path, expected_dimension=DIMENSION, expected_count=ROWS)
    assert loaded.describe() == index.describe()
    allowed = np.arange(0, ROWS, 3, dtype=np.int64)
    for query in queries[:5]:
        assert loaded.search(query, 10)[1].tolist() == index.search(query, 10)[1].tolist()
        assert loaded.search(query, 10, allowed)[1].tolist() == index.search(query, 10, allowed)[1].tolist()
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no temporaries left
    (tmp_path / "plain").write_text("")
    assert (tmp_path / INDEX_FILE).stat().st_mode == (tmp_path / "plain").stat().st_mode  # umask honoured


@pytest.fixture
def saved(built: dict[str, VectorIndex], tmp_path: Path) -> Path:
    built["ivf"].save(tmp_path)
    return tmp_path


def test_a_truncated_file_is_unavailable_and_says_to_rebuild(saved: Path) -> None:
    path = saved / INDEX_FILE
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(IndexUnavailable, match=r"rag build --force"):
        VectorIndex.load(saved, expected_dimension=DIMENSION, expected_count=ROWS)


def test_a_truncated_file_is_caught_by_faiss_even_when_its_checksum_was_rewritten(saved: Path) -> None:
    path = saved / INDEX_FILE
    path.write_bytes(path.read_bytes()[:-100])
    digest = sha256_file(path)
    (saved / vector_index.CHECKSUM_FILE).write_text(f"{digest}  {INDEX_FILE}\n")
    with pytest.raises(IndexUnavailable, match=r"unreadable .*rag build --force"):
        VectorIndex.load(saved, expected_dimension=DIMENSION, expected_count=ROWS)


def test_a_flipped_byte_is_detected(saved: Path) -> None:
    path = saved / INDEX_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(IndexUnavailable, match=r"checksum.*rag build --force"):
        VectorIndex.load(saved, expected_dimension=DIMENSION, expected_count=ROWS)


def test_a_missing_file_is_unavailable_and_says_to_rebuild(tmp_path: Path) -> None:
    with pytest.raises(IndexUnavailable, match=r"missing; run `rag build --force`"):
        VectorIndex.load(tmp_path, expected_dimension=DIMENSION, expected_count=ROWS)


def test_a_dimension_mismatch_is_unavailable_and_says_to_rebuild(saved: Path) -> None:
    with pytest.raises(IndexUnavailable, match=r"32-dimensional .* says 384; run `rag build --force`"):
        VectorIndex.load(saved, expected_dimension=384, expected_count=ROWS)


def test_a_count_mismatch_is_unavailable_and_says_to_rebuild(saved: Path) -> None:
    with pytest.raises(
        IndexUnavailable, match=rf"{ROWS} vectors but there are {ROWS + 1} .*rag build --force"
    ):
        VectorIndex.load(saved, expected_dimension=DIMENSION, expected_count=ROWS + 1)


def test_rows_added_after_load_continue_the_ids(saved: Path) -> None:
    loaded = VectorIndex.load(saved, expected_dimension=DIMENSION, expected_count=ROWS)
    extra = unit_rows(5, seed=9)
    loaded.add(extra)
    assert loaded.count == ROWS + 5
    for offset, row in enumerate(extra):
        _, ids = loaded.search(row, 1)
        assert ids.tolist() == [ROWS + offset]
    _, ids = loaded.search(extra[2], 3, np.array([5, ROWS + 2], dtype=np.int64))
    assert ids.tolist() == [ROWS + 2, 5]


def test_the_kind_switches_from_exact_to_ivf_above_the_threshold(vectors: np.ndarray) -> None:
    assert choose_index_kind(vector_index.EXACT_MAX_ROWS) == "flat"
    assert choose_index_kind(vector_index.EXACT_MAX_ROWS + 1) == "ivf"
    below = VectorIndex.build(vectors[:1000], exact_max_rows=1000)
    above = VectorIndex.build(vectors[:1001], exact_max_rows=1000)
    assert below.describe()["kind"] == "flat"
    described = above.describe()
    assert described["kind"] == "ivf"
    assert described["ivf_nlist"] == vector_index.ivf_list_count(1001) == 25  # 1001 // 39 rows per list
    assert described["ivf_nprobe"] == vector_index.IVF_NPROBE
    assert described["count"] == 1001 and described["dimension"] == DIMENSION


def test_the_number_of_ivf_lists_grows_with_the_square_root_of_the_rows() -> None:
    assert vector_index.ivf_list_count(1_000_000) == 4000
    assert vector_index.ivf_list_count(200_000) == 1789
    assert vector_index.ivf_list_count(10) == 1


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_building_twice_from_the_same_vectors_gives_identical_files(
    kind: str, built: dict[str, VectorIndex], vectors: np.ndarray, tmp_path: Path
) -> None:
    built[kind].save(tmp_path / "a")
    VectorIndex.build(vectors, kind=kind).save(tmp_path / "b")
    assert (tmp_path / "a" / INDEX_FILE).read_bytes() == (tmp_path / "b" / INDEX_FILE).read_bytes()


def test_an_unknown_kind_is_rejected_naming_the_allowed_ones(vectors: np.ndarray) -> None:
    with pytest.raises(ValueError, match="unknown index kind 'annoy'; allowed: flat, ivf, hnsw"):
        VectorIndex.build(vectors, kind="annoy")
