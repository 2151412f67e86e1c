"""Metadata that bulk work brings beside the text: a file-name pattern and a manifest of files.

`--name-pattern '{ticker}_q{q}_{year}'` reads fields from each file's name; a CSV or JSON manifest
(file → company, ticker, quarter, date, language) states them per file. Both are checked at the
boundary and name the bad value and what is allowed.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import RagError

PATTERN_FIELDS = {
    "ticker": r"[A-Za-z][A-Za-z.\-]{0,9}",
    "company": r".+?",
    "q": r"[1-4]",
    "year": r"(?:19|20)\d\d|\d\d",
    "date": r"\d{4}-\d\d-\d\d",
    "language": r"[a-z]{2}",
    "any": r".*?",
}
MANIFEST_KEYS = ("file", "company", "ticker", "quarter", "date", "call_date", "language")


@dataclass(frozen=True)
class NamePattern:
    """A file-name pattern such as '{ticker}_q{q}_{year}', matched against the name without suffix."""

    text: str
    regex: re.Pattern[str]

    @classmethod
    def parse(cls, text: str) -> NamePattern:
        pieces = re.split(r"(\{[^}]*\})", text)
        regex = ""
        seen: list[str] = []
        for piece in pieces:
            if piece.startswith("{") and piece.endswith("}"):
                name = piece[1:-1]
                if name not in PATTERN_FIELDS:
                    raise RagError(
                        f"name pattern {text!r}: unknown field {piece}; allowed: "
                        + ", ".join("{" + f + "}" for f in PATTERN_FIELDS)
                    )
                regex += f"(?P<{name}>{PATTERN_FIELDS[name]})" if name not in seen else PATTERN_FIELDS[name]
                seen.append(name)
            else:
                regex += re.escape(piece)
        if ("q" in seen) != ("year" in seen):
            raise RagError(f"name pattern {text!r}: give both {{q}} and {{year}} for a quarter, or neither")
        return cls(text, re.compile(regex, re.I))

    def fields(self, path: Path) -> dict[str, str] | None:
        """company / ticker / quarter / call_date / language read from the file's name, or None when
        the name does not have the pattern's shape."""
        m = self.regex.fullmatch(path.name.split(".")[0]) or self.regex.fullmatch(path.stem)
        if m is None:
            return None
        found = {k: v for k, v in m.groupdict().items() if v and k != "any"}
        out: dict[str, str] = {}
        if "q" in found:
            year = int(found["year"])
            out["quarter"] = f"{year + 2000 if year < 100 else year}Q{found['q']}"
        for key, target in (("ticker", "ticker"), ("company", "company"), ("date", "call_date")):
            if key in found:
                out[target] = found[key].upper() if key == "ticker" else found[key]
        if "language" in found:
            out["language"] = found["language"]
        return out


def load_file_manifest(path: Path) -> dict[str, dict[str, Any]]:
    """A CSV (with a header row) or JSON manifest: entries by file name, keys among MANIFEST_KEYS."""
    if not path.is_file():
        raise RagError(f"manifest {path}: no such file")
    rows: list[dict[str, Any]]
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = [dict(row) for row in csv.DictReader(handle)]
    else:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as err:
            raise RagError(f"manifest {path.name}: not valid JSON ({err})") from err
        if isinstance(data, dict) and isinstance(data.get("calls"), list):
            data = data["calls"]
        if isinstance(data, dict):
            data = [{"file": name, **entry} for name, entry in data.items() if isinstance(entry, dict)]
        if not isinstance(data, list):
            raise RagError(f"manifest {path.name}: must be a list of objects with a 'file' key")
        rows = [row for row in data if isinstance(row, dict)]
    entries: dict[str, dict[str, Any]] = {}
    for number, row in enumerate(rows, start=1):
        row = {str(k).strip().lower(): (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k}
        unknown = sorted(set(row) - set(MANIFEST_KEYS))
        if unknown:
            raise RagError(
                f"manifest {path.name}, entry {number}: unknown column {unknown[0]!r}; "
                f"allowed: {', '.join(MANIFEST_KEYS)}"
            )
        if not row.get("file"):
            raise RagError(f"manifest {path.name}, entry {number}: no 'file'")
        if "date" in row:
            row.setdefault("call_date", row.pop("date"))
        name = Path(str(row.pop("file"))).name
        entries[name] = {k: v for k, v in row.items() if v not in (None, "")}
    return entries
