"""Who added or removed which call, and when: one JSON line per change, appended to the data folder's
`history.jsonl` by whoever knows the person (the CLI: the OS user; the web page: the signed-in user)."""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from rag.errors import IndexUnavailable
from rag.settings import Settings
from rag.transcripts.manifest import CallInfo

ACTIONS = ("added", "replaced", "removed")


@dataclass(frozen=True)
class Change:
    at: str  # ISO 8601 with the UTC offset
    actor: str  # the OS user (CLI) or the signed-in user (web page)
    via: str  # "cli" or "web"
    action: str  # one of ACTIONS
    company: str
    quarter: str
    language: str
    file: str

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Change:
        return cls(**{name: str(data.get(name, "")) for name in cls.__dataclass_fields__})


def os_user() -> str:
    """Who runs this command, as the operating system names them."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def record_change(settings: Settings, *, actor: str, via: str, action: str, call: CallInfo) -> Change:
    """Append one change to the history; a single write, so lines of two processes never interleave."""
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    change = Change(
        at=datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        actor=actor,
        via=via,
        action=action,
        company=call.company,
        quarter=call.quarter,
        language=call.language,
        file=call.file,
    )
    line = (json.dumps(asdict(change), ensure_ascii=False) + "\n").encode("utf-8")
    settings.history_file.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(settings.history_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(handle, line)
    finally:
        os.close(handle)
    return change


def read_history(settings: Settings) -> list[Change]:
    """Every recorded change, oldest first; [] before the first one."""
    path = settings.history_file
    if not path.is_file():
        return []
    changes = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            changes.append(Change.from_dict(json.loads(line)))
        except (ValueError, TypeError) as err:
            raise IndexUnavailable(
                f"{path} line {number} is not a change record ({err}); fix or remove it"
            ) from err
    return changes


def format_history(changes: list[Change], settings: Settings) -> str:
    if not changes:
        return f"No calls added or removed yet (the history is kept in {settings.history_file})."
    lines = [
        f"{c.at}  {c.actor} ({c.via}) {c.action} {c.company} {c.quarter} [{c.language}] {c.file}"
        for c in changes
    ]
    return "\n".join([*lines, f"{len(changes)} changes, from {settings.history_file}"])
