"""Making a corpus update atomic across two folders: the transcripts (file + manifest) and the index.

An update first writes everything new beside the old (a staged transcript, a staged manifest, a staged
index folder); nothing old is touched until all of it is complete. Then a journal listing the renames
is written, and the renames are done. A crash before the journal leaves the old corpus and index as
they were (stray staged files are swept later); a crash after it is rolled forward by
`recover_interrupted_update`, an explicit step that `rag add`, `rag remove`, `rag build` and opening a
query engine run (and say so); reading an index never changes it. Every step can be redone.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock

from rag.errors import IndexUnavailable
from rag.indexing.files import file_lock, recover_swap, retired_name, swap_in_folder
from rag.indexing.store import MANIFEST

STAGED_MARK = ".staged-"  # in the names of staged transcript and manifest files


def journal_path(index_dir: Path) -> Path:
    return index_dir.with_name(f".{index_dir.name}.journal.json")


def lock_path(index_dir: Path) -> Path:
    return index_dir.with_name(f".{index_dir.name}.lock")


@dataclass
class Update:
    """The renames and deletions that commit one update, in order."""

    index_dir: Path
    moves: list[tuple[Path, Path]] = field(default_factory=list)  # staged file -> final name
    staged_index: Path | None = None
    deletes: list[Path] = field(default_factory=list)  # files the update takes out of the corpus
    remove_index: bool = False  # the corpus is left empty: no index
    committing: bool = False  # once the journal is written the update is finished, never discarded

    def discard(self) -> None:
        """Remove everything staged (the update did not happen); a no-op once committing."""
        if self.committing:
            return
        for staged, _ in self.moves:
            staged.unlink(missing_ok=True)
        if self.staged_index is not None:
            shutil.rmtree(self.staged_index, ignore_errors=True)

    def commit(self) -> None:
        """Write the journal, then carry it out; from the journal on, the update will complete."""
        path = journal_path(self.index_dir)
        data = {
            "moves": [[str(a), str(b)] for a, b in self.moves],
            "staged_index": str(self.staged_index) if self.staged_index else None,
            "index_dir": str(self.index_dir),
            "deletes": [str(p) for p in self.deletes],
            "remove_index": self.remove_index,
        }
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        self.committing = True
        _carry_out(data)
        path.unlink(missing_ok=True)


def _carry_out(data: dict) -> None:  # type: ignore[type-arg]
    for staged, final in data["moves"]:
        if Path(staged).exists():
            os.replace(staged, final)
    index_dir = Path(data["index_dir"])
    if data.get("staged_index"):
        swap_in_folder(Path(data["staged_index"]), index_dir)
    elif data.get("remove_index"):
        shutil.rmtree(index_dir, ignore_errors=True)
    for path in data["deletes"]:
        target = Path(path)
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        else:
            target.unlink(missing_ok=True)


def recover_interrupted_update(transcripts_dir: Path, index_dir: Path, *, locked: bool = False) -> bool:
    """Finish an update whose journal was written; True when there was one.

    Takes the update lock (unless the caller holds it) so that a reader never races the update
    that is carrying out its own journal.
    """
    path = journal_path(index_dir)
    if not path.is_file():
        return False
    if not locked:
        with update_lock(index_dir):
            return recover_interrupted_update(transcripts_dir, index_dir, locked=True)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False  # finished by the update itself while we waited for the lock
    except ValueError as err:
        raise IndexUnavailable(
            f"the update journal {path} is unreadable ({err}); delete it and run `rag build --force`"
        ) from err
    _carry_out(data)
    path.unlink(missing_ok=True)
    return True


def recover(transcripts_dir: Path, index_dir: Path, *, locked: bool = False) -> list[str]:
    """Finish what an interrupted update or build left half done; a line for each thing done.

    Cheap when there is nothing to do (two stat calls); the update lock is taken only when there is.
    """
    pending_swap = not index_dir.exists() and (retired_name(index_dir) / MANIFEST).is_file()
    if not (journal_path(index_dir).is_file() or pending_swap):
        return []
    if not locked:
        with update_lock(index_dir):
            return recover(transcripts_dir, index_dir, locked=True)
    done = []
    if recover_interrupted_update(transcripts_dir, index_dir, locked=True):
        done.append(f"finished an update of {index_dir} that was interrupted after its journal was written")
    if recover_swap(index_dir, MANIFEST):
        done.append(f"restored the index at {index_dir} from a swap that was interrupted")
    return done


def sweep_staged_files(transcripts_dir: Path, index_dir: Path) -> None:
    """Remove files an update staged and never committed (it was killed before its journal)."""
    if journal_path(index_dir).exists():
        return
    if transcripts_dir.is_dir():
        for stray in transcripts_dir.glob(f".*{STAGED_MARK}*"):
            stray.unlink(missing_ok=True)
    if index_dir.parent.is_dir():
        day_ago = time.time() - 86400  # a younger one may be a build still running in another process
        for stray in index_dir.parent.glob(f".{index_dir.name}.new-*"):
            if stray.stat().st_mtime < day_ago:
                shutil.rmtree(stray, ignore_errors=True)


def update_lock(index_dir: Path) -> FileLock:
    """One corpus update at a time (a second `rag add` waits for the first)."""
    return file_lock(lock_path(index_dir))
