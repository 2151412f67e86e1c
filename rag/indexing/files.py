"""Writing the index and model folders safely: atomic file writes, folder swaps, and locks.

A folder is replaced by renaming: the new one is built beside it and swapped in, so that at every
instant one complete folder exists under a known name (the target, or `.NAME.old` for the moment
between the two renames, which `recover_swap` puts back).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from pathlib import Path

from filelock import FileLock


def retired_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.old")


def swap_in_folder(staged: Path, target: Path) -> None:
    """Replace `target` by `staged`; a no-op when `staged` is already gone (swapped in before)."""
    if not staged.exists():
        return
    retired = retired_name(target)
    shutil.rmtree(retired, ignore_errors=True)
    if target.exists():
        os.replace(target, retired)
    os.replace(staged, target)
    shutil.rmtree(retired, ignore_errors=True)


def recover_swap(target: Path, complete_marker: str) -> bool:
    """Put back a folder retired by a swap that was interrupted between its two renames."""
    retired = retired_name(target)
    if not target.exists() and (retired / complete_marker).is_file():
        os.replace(retired, target)
        return True
    return False


def file_lock(path: Path) -> FileLock:
    """An exclusive lock on `path` (created): one holder at a time across processes and threads,
    re-entrant in the thread that holds it (a build started by an update takes it again)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(str(path), is_singleton=True)


def temporary_path(folder: Path, name: str) -> Path:
    """A new empty file beside `name`, with the permissions the umask gives (mkstemp would give 0600)."""
    while True:
        temporary = folder / f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return temporary


def write_atomically(target: Path, data: bytes | str) -> None:
    """Write `target` through a synced temporary file and a rename: readers see old or new, never half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_path(target.parent, target.name)
    try:
        if isinstance(data, str):
            temporary.write_text(data, encoding="utf-8")
        else:
            temporary.write_bytes(data)
        fsync_file(temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def fsync_file(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def fsync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
