"""Sharing the page fairly: a per-user cap on questions a minute, and the line questions wait in (each
waiting user is told how many questions are ahead of theirs)."""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

WINDOW_SECONDS = 60.0


class QuestionLimiter:
    """At most `per_minute` questions per user in any 60 seconds (a sliding window)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._asked: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, user: str) -> float:
        """0 when `user` may ask now (and the question is counted); else how long until they may."""
        now = self._clock()
        with self._lock:
            asked = self._asked.setdefault(user, deque())
            while asked and asked[0] <= now - WINDOW_SECONDS:
                asked.popleft()
            if len(asked) >= self.per_minute:
                return max(0.1, asked[0] + WINDOW_SECONDS - now)
            asked.append(now)
            return 0.0

    def message(self, seconds: float) -> str:
        return (
            f"You have asked {self.per_minute} questions in the last minute, the most one user may; "
            f"ask again in {max(1, round(seconds))} s."
        )


class AnswerLine:
    """Questions answered `workers` at a time, in the order they arrived; the others wait their turn."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._waiting: list[int] = []  # tickets in arrival order
        self._answering: set[int] = set()
        self._tickets = itertools.count()
        self._changed = threading.Condition()

    @contextmanager
    def ticket(self) -> Iterator[int]:
        """A place at the back of the line, given up on leaving (answered, failed or abandoned)."""
        number = next(self._tickets)
        with self._changed:
            self._waiting.append(number)
        try:
            yield number
        finally:
            with self._changed:
                if number in self._waiting:
                    self._waiting.remove(number)
                self._answering.discard(number)
                self._changed.notify_all()

    def try_start(self, number: int, timeout: float) -> bool:
        """Start answering ticket `number` when its turn comes within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                if number in self._answering:
                    return True
                if number not in self._waiting:
                    return False  # the ticket was given up
                if self._waiting.index(number) < self.workers - len(self._answering):
                    self._waiting.remove(number)
                    self._answering.add(number)
                    self._changed.notify_all()
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)

    def ahead_of(self, number: int) -> int:
        """Questions waiting ahead of ticket `number` (0 once it is being answered)."""
        with self._changed:
            return self._waiting.index(number) if number in self._waiting else 0

    @property
    def answering(self) -> int:
        with self._changed:
            return len(self._answering)
