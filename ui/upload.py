"""Adding and removing transcripts from the page: check the upload against the limits, run
`rag.indexing.updates.add_transcript` (or `remove_call`), stream its progress, record who did it in the
history, and make the page's questions go to the updated index."""

from __future__ import annotations

import logging
import queue
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from rag.api import Catalog, QueryEngine
from rag.errors import RagError
from rag.indexing.embedding.embedders import Embedder, load_embedder
from rag.indexing.history import record_change
from rag.indexing.updates import AddResult, add_transcript, remove_call
from rag.settings import Settings
from rag.transcripts.manifest import CallInfo, manifest_calls
from rag.transcripts.read import SUPPORTED_SUFFIXES

log = logging.getLogger(__name__)

FILE_TYPES = list(SUPPORTED_SUFFIXES)  # the readers' list (rag.transcripts.read)
MAX_STATUS_LINES = 40  # progress lines kept in the status box


def file_types_text() -> str:
    """ ".txt, .md or .json" """
    *first, last = SUPPORTED_SUFFIXES
    return f"{', '.join(first)} or {last}" if first else last


def upload_problem(path: Path, max_bytes: int) -> str | None:
    """Why an uploaded file is refused before it is read (its type, its size), or None."""
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return (
            f"{path.name}: {path.suffix or 'a file without a suffix'} is not a transcript type the page "
            f"takes; upload {file_types_text()}"
        )
    size = path.stat().st_size if path.is_file() else 0
    if size > max_bytes:
        return (
            f"{path.name}: {size / 2**20:.1f} MB is over the {max_bytes // 2**20} MB upload limit; "
            "split it into one file per call"
        )
    return None


@dataclass(frozen=True)
class AddForm:
    """What the user filled in beside the file; empty strings mean "read it from the text"."""

    company: str = ""
    quarter: str = ""
    call_date: str = ""
    language: str = ""
    replace_existing: bool = False

    def options(self) -> dict[str, str | bool | None]:
        return {
            "company": self.company.strip() or None,
            "quarter": self.quarter.strip() or None,
            "call_date": self.call_date.strip() or None,
            "language": self.language.strip() or None,
            "replace_existing": self.replace_existing,
        }


@dataclass(frozen=True)
class AddView:
    """The panel after (part of) an add: the progress so far, and once finished the one-line outcome;
    `catalog` is the updated corpus after a successful add (None while running or after an error)."""

    status: str
    done: bool = False
    ok: bool = False
    result: str = ""
    catalog: Catalog | None = None


class PassageEmbedder:
    """The passage embedder, loaded on the first add and kept for later ones (thread-safe)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._model: Embedder | None = None

    def __call__(self) -> Embedder:
        with self._lock:
            if self._model is None:
                self._model = load_embedder(self._settings, for_queries=False, progress=log.info)
            return self._model


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summarize(result: AddResult) -> str:
    """ "Added Acme 2025Q3: 42 turns, 5 speakers, 40 passages" (or the library's "nothing changed")."""
    if result.status == "unchanged":
        return result.message
    verb = "Replaced" if result.status == "replaced" else "Added"
    return (
        f"{verb} {result.call.company} {result.call.quarter}: {_plural(result.turns, 'turn')}, "
        f"{_plural(len(result.speakers), 'speaker')}, {_plural(result.chunks, 'passage')}"
    )


_FLAG_WORDING = (
    (re.compile(r"pass --replace\b"), 'tick "Replace existing"'),
    (re.compile(r"pass --company \(or put it in [^)]*\)"), 'fill in "Company"'),
    (re.compile(r"pass --quarter \(or put it in [^)]*\)"), 'fill in "Quarter"'),
)


def page_wording(message: str) -> str:
    """A library message that names command-line flags, reworded for the form's fields."""
    for pattern, words in _FLAG_WORDING:
        message = pattern.sub(words, message)
    return message


def run_add(
    file_path: str | None, form: AddForm, engine: QueryEngine, embedder: PassageEmbedder, actor: str
) -> Iterator[AddView]:
    """Add the uploaded file, yielding the progress as it is reported, then the outcome; a change is
    recorded in the history as made by `actor` on the web page.

    A file of another type or over the upload limit is refused first. A `RagError` (empty or
    unreadable file, missing quarter, call already present, …) ends with its message; any other
    failure is logged with its traceback and reported briefly. Only a successful add changes the index,
    which the page's engine (like every other) reloads before its next question.
    """
    if not file_path:
        yield AddView("", done=True, result=f"Choose a transcript file first ({file_types_text()}).")
        return
    problem = upload_problem(Path(file_path), engine.settings.serving.max_upload_bytes)
    if problem is not None:
        yield AddView("", done=True, result=problem)
        return
    lines: list[str] = []
    events: queue.Queue[tuple[str, object]] = queue.Queue()

    def work() -> None:
        try:
            added = add_transcript(
                Path(file_path),
                engine.settings,
                embedder=embedder,
                progress=lambda line: events.put(("progress", line)),
                **form.options(),  # type: ignore[arg-type]
            )
            if added.status != "unchanged":
                _record(engine.settings, actor, added.status, added.call)
                events.put(("progress", "Reloading the index for questions …"))
            events.put(("done", (added, engine.catalog)))  # the engine reloads the changed index
        except RagError as err:
            events.put(("error", page_wording(str(err))))
        except Exception:  # noqa: BLE001 - reported on the page, traceback in the log
            log.exception("adding %s failed", file_path)
            events.put(("error", "Adding the transcript failed; the server log has the details."))

    threading.Thread(target=work, name="add-transcript", daemon=True).start()
    while True:
        kind, value = events.get()
        if kind == "progress":
            lines = [*lines, str(value)][-MAX_STATUS_LINES:]
            yield AddView("\n".join(lines))
        elif kind == "error":
            yield AddView("\n".join(lines), done=True, result=str(value))
            return
        else:
            added, known = cast(tuple[AddResult, Catalog], value)
            yield AddView("\n".join(lines), done=True, ok=True, result=summarize(added), catalog=known)
            return


def _record(settings: Settings, actor: str, action: str, call: CallInfo) -> None:
    """The change in the history; a history that cannot be written is logged, the change stands."""
    try:
        record_change(settings, actor=actor, via="web", action=action, call=call)
    except OSError:
        log.exception("could not record that %s %s %s in %s", actor, action, call.file, settings.history_file)


def call_choices(settings: Settings) -> list[tuple[str, str]]:
    """The calls of the corpus for the remove menu: ("Acme 2025Q3 [en] · acme-2025q3.en.txt", file)."""
    return [
        (f"{c.company} {c.quarter} [{c.language}] · {c.file}", c.file)
        for c in manifest_calls(settings.transcripts_dir)
    ]


def run_remove(file: str | None, engine: QueryEngine, actor: str) -> tuple[bool, str, Catalog | None]:
    """Take the chosen call out of the corpus and the index, recorded in the history as made by `actor`:
    (done, the one-line outcome, the updated corpus when done)."""
    if not file:
        return False, "Choose the call to remove first.", None
    try:
        removed: CallInfo = remove_call(engine.settings, file=file, progress=log.info)
    except RagError as err:
        return False, page_wording(str(err)), None
    _record(engine.settings, actor, "removed", removed)
    return True, f"Removed {removed.company} {removed.quarter} ({removed.file})", engine.catalog
