"""The user's library in the data folder: made on first use from the shipped corpus, or moved in once
from the layout older versions wrote into the source tree.

The library is the data folder's `transcripts/` (files and manifest) and `index/default/`. The shipped
transcripts stay in the package and are only read: the first run copies them into a new library (and
the shipped corpus's index when `rag eval` has built one, so nothing is embedded twice). Older versions
added transcripts into the package folder itself (`rag/data/transcripts`, before that a checkout's
`data/transcripts`) and kept the index in a checkout's `index/default`; the first run finds that
layout, copies all of it into the library, takes the added calls back out of the package folder and
says what it did. Nothing is migrated when RAG_TRANSCRIPTS_DIR points the corpus somewhere else.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rag.errors import IndexUnavailable
from rag.indexing.files import file_lock
from rag.indexing.store import MANIFEST
from rag.settings import PROJECT_ROOT, SHIPPED_INDEX, SHIPPED_TRANSCRIPTS_DIR, Settings
from rag.transcripts.manifest import MANIFEST_NAME, CallInfo, manifest_calls

Progress = Callable[[str], None]


def source_checkout() -> Path | None:
    """The source checkout this code runs from, or None when installed as a package."""
    return PROJECT_ROOT if (PROJECT_ROOT / "pyproject.toml").is_file() else None


@dataclass(frozen=True)
class OldLayout:
    """A library an older version kept inside the source tree or the package."""

    transcripts: Path  # the folder whose manifest lists the user's calls
    calls: list[CallInfo]  # every call there, shipped and added
    added: list[CallInfo]  # the ones a user added (`rag add` records when)
    index: Path | None  # a checkout's index/default, when there is one


def find_old_layout(
    shipped: Path = SHIPPED_TRANSCRIPTS_DIR, checkout: Path | None = None
) -> OldLayout | None:
    """The layout of an older version, if this machine has one: a checkout's `data/transcripts`
    (before the stage packages), calls added into the package's `transcripts` folder, or a
    checkout's `index/default`."""
    index = checkout / "index" / "default" if checkout is not None else None
    if index is not None and not (index / MANIFEST).is_file():
        index = None
    if checkout is not None:
        before_packages = checkout / "data" / "transcripts"
        if (before_packages / MANIFEST_NAME).is_file():
            calls = manifest_calls(before_packages)
            return OldLayout(before_packages, calls, [c for c in calls if c.added_at], index)
    calls = manifest_calls(shipped)
    added = [c for c in calls if c.added_at]
    if added or index is not None:
        return OldLayout(shipped, calls, added, index)
    return None


def prepare_library(
    settings: Settings,
    progress: Progress = print,
    *,
    shipped: Path = SHIPPED_TRANSCRIPTS_DIR,
    checkout: Path | None = None,
) -> None:
    """Make the data folder's library on first use (see the module docstring); a no-op once it exists
    or when the settings point the corpus elsewhere. `checkout` defaults to this code's checkout."""
    if not settings.uses_library or (settings.transcripts_dir / MANIFEST_NAME).is_file():
        return
    checkout = checkout if checkout is not None else source_checkout()
    with file_lock(settings.data_dir / ".library.lock"):
        if (settings.transcripts_dir / MANIFEST_NAME).is_file():
            return  # another process made it while we waited
        old = find_old_layout(shipped, checkout)
        source = old.transcripts if old is not None else shipped
        calls = old.calls if old is not None else manifest_calls(shipped)
        _copy_corpus(source, calls, settings.transcripts_dir)
        index_source = old.index if old is not None and old.index is not None else None
        index_source = index_source or settings.data_dir / SHIPPED_INDEX
        copied_index = _copy_index(index_source, settings.index_dir)
        if old is None:
            progress(
                f"Made your library in {settings.data_dir} with the {len(calls)} shipped calls "
                "(RAG_DATA_DIR moves it)"
            )
            return
        cleanup = _take_added_out(old, shipped, settings.transcripts_dir)
        progress(_migration_message(settings, old, shipped, copied_index, cleanup))


def _staging_folder(target: Path) -> Path:
    """A new empty folder beside `target` (with the umask's permissions, unlike mkdtemp's 0700)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.new-{os.getpid()}-{secrets.token_hex(4)}")
    staging.mkdir()
    return staging


def _copy_corpus(source: Path, calls: list[CallInfo], target: Path) -> None:
    """The manifest and every file it lists, staged beside `target` and renamed into place."""
    if target.exists() and any(target.iterdir()):
        raise IndexUnavailable(
            f"{target} holds files but no {MANIFEST_NAME}; move them away (or restore the manifest) and "
            "run the command again"
        )
    staging = _staging_folder(target)
    try:
        for call in calls:
            shutil.copy2(source / call.file, staging / call.file)
        shutil.copy2(source / MANIFEST_NAME, staging / MANIFEST_NAME)  # last: the library is complete
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _copy_index(source: Path, target: Path) -> bool:
    """A copy of an index folder as the library's, when there is one and the library has none; whether
    it is current is checked as for any index (a stale copy is rebuilt on first use)."""
    if target.exists() or not (source / MANIFEST).is_file():
        return False
    staging = _staging_folder(target)
    try:
        shutil.copytree(source, staging, dirs_exist_ok=True)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return True


def _same_bytes(a: Path, b: Path) -> bool:
    return (
        a.is_file()
        and b.is_file()
        and hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    )


def _take_added_out(old: OldLayout, shipped: Path, library: Path) -> str:
    """Leave the package's transcripts folder with the shipped calls only, once each added file is in
    the library byte for byte; a sentence on what was done, for the message."""
    if old.transcripts != shipped or not old.added:
        return ""
    moved = {c.file for c in old.added if _same_bytes(shipped / c.file, library / c.file)}
    manifest_path = shipped / MANIFEST_NAME
    try:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
        data["calls"] = [entry for entry in data["calls"] if entry.get("file") not in moved]
        manifest_path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        for name in sorted(moved):
            (shipped / name).unlink()
    except OSError as err:
        return f" The added calls could not be taken out of {shipped} ({err}); remove them by hand."
    return f" {shipped} holds the shipped calls only again."


def _migration_message(
    settings: Settings, old: OldLayout, shipped: Path, copied_index: bool, cleanup: str
) -> str:
    added = ", ".join(f"{c.company} {c.quarter}" for c in old.added) or "none"
    index = f", and the index from {old.index}" if copied_index and old.index is not None else ""
    leftovers = [str(p) for p in (old.transcripts if old.transcripts != shipped else None, old.index) if p]
    left = f" The old {' and '.join(leftovers)} can be deleted." if leftovers else ""
    return (
        f"Moved your library into {settings.data_dir} (RAG_DATA_DIR moves it): {len(old.calls)} calls from "
        f"{old.transcripts} (added by you: {added}){index}.{cleanup}{left}"
    )
