"""Limits of a shared page: questions per user per minute, the line questions wait in (and the place
each waiting user is shown), and what an upload may be."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

from rag.settings import ServingSettings, Settings
from rag.transcripts.read import SUPPORTED_SUFFIXES
from ui import render, upload
from ui.chat import waiting_view
from ui.limits import AnswerLine, QuestionLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def test_a_user_over_the_limit_waits_while_others_still_ask() -> None:
    clock = Clock()
    limiter = QuestionLimiter(3, clock)
    assert [limiter.wait_seconds("alice") for _ in range(3)] == [0.0, 0.0, 0.0]
    clock.now += 20
    assert limiter.wait_seconds("alice") == 40.0  # the first question leaves the window in 40 s
    assert limiter.wait_seconds("bob") == 0.0
    clock.now += 40
    assert limiter.wait_seconds("alice") == 0.0
    assert "asked 3 questions in the last minute" in limiter.message(40) and "40 s" in limiter.message(40)


def test_the_line_answers_a_few_at_once_in_arrival_order_and_tells_each_its_place() -> None:
    line = AnswerLine(workers=2)
    with ExitStack() as stack:
        first = ExitStack()
        a = first.enter_context(line.ticket())
        b, c, d = (stack.enter_context(line.ticket()) for _ in range(3))
        assert line.try_start(a, 0) and line.try_start(b, 0)
        assert line.answering == 2
        assert not line.try_start(d, 0)  # c came first and waits too
        assert (line.ahead_of(c), line.ahead_of(d)) == (0, 1)
        started = threading.Event()
        waiter = threading.Thread(target=lambda: line.try_start(c, 5) and started.set())
        waiter.start()
        time.sleep(0.2)
        assert not started.is_set()
        first.close()  # a is answered and leaves the line: c's turn
        waiter.join(5)
        assert started.is_set() and line.answering == 2 and line.ahead_of(d) == 0
    assert line.answering == 0


def test_a_question_abandoned_while_waiting_gives_its_place_up() -> None:
    line = AnswerLine(workers=1)
    with line.ticket() as first:
        assert line.try_start(first, 0)
        with line.ticket() as second, line.ticket() as third:
            with line.ticket() as gone:
                assert line.ahead_of(gone) == 2
            assert (line.ahead_of(second), line.ahead_of(third)) == (0, 1)


def test_a_waiting_question_shows_how_many_are_ahead_of_it() -> None:
    assert "3 questions ahead of you (4 being answered)" in render.render_waiting(3, 4)
    assert "1 question ahead of you" in render.render_waiting(1, 4)
    assert "Your question is next" in render.render_waiting(0, 4)
    view = waiting_view("What did <b>Susan</b> say?", [], 3, 4)
    assert view.pending and view.history[0]["content"] == "<p>What did &lt;b&gt;Susan&lt;/b&gt; say?</p>"
    assert "3 questions ahead of you" in view.history[1]["content"]


def test_the_upload_form_offers_the_types_the_readers_take() -> None:
    assert list(SUPPORTED_SUFFIXES) == upload.FILE_TYPES
    assert upload.file_types_text() == ", ".join(SUPPORTED_SUFFIXES[:-1]) + " or " + SUPPORTED_SUFFIXES[-1]


def test_an_upload_of_another_type_or_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    settings = replace(Settings(), serving=replace(ServingSettings(), max_upload_mb=1))
    engine = SimpleNamespace(settings=settings)  # nothing is read or added: the checks come first
    binary = tmp_path / "deck.exe"
    binary.write_bytes(b"MZ" + b"\0" * 100)
    big = tmp_path / "call.txt"
    big.write_bytes(b"a" * (2 * 1024 * 1024))

    def outcome(path: Path) -> str:
        views = list(upload.run_add(str(path), upload.AddForm("Acme", "2025Q3"), engine, None, "alice"))  # type: ignore[arg-type]
        assert len(views) == 1 and views[0].done and not views[0].ok
        return views[0].result

    assert outcome(binary).startswith("deck.exe: .exe is not a transcript type the page takes; upload .txt")
    assert outcome(big) == "call.txt: 2.0 MB is over the 1 MB upload limit; split it into one file per call"
