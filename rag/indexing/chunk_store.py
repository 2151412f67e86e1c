"""The passages of an index folder in SQLite (standard library), read by row when needed.

Written beside chunks.jsonl at every build and commit: one row per passage with its JSON line and the
columns the filters look up (speaker, quarter, company, kind, language), each indexed. Opening it reads
nothing but its row count, so start-up time and memory do not grow with the corpus; a question reads only
the passages it ranks, and a filter's rows with one indexed query. The folder is never changed in
place (updates swap in a new one), so the file is opened read-only and immutable.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import overload

import numpy as np

from rag.chunks import Chunk

CHUNK_STORE = "chunks.sqlite"
STORE_FORMAT = "sqlite/2"  # 2: a language column (a Chinese question over English calls, Milvus filters)
LOOKUP_COLUMNS = ("speaker", "quarter", "company", "kind", "language")
_READ_BATCH = 5000  # rows per query when every passage is read (an update, `rag list`)


def write_chunk_store(path: Path, chunks: Sequence[Chunk], lines: Iterable[str]) -> None:
    """The store for `chunks` (serialised as `lines`, their chunks.jsonl lines) at `path`."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=OFF")  # a new file in a staging folder: nothing to roll back
        connection.execute("PRAGMA synchronous=OFF")  # the folder is synced by its swap, not row by row
        connection.execute(
            "CREATE TABLE chunks (row INTEGER PRIMARY KEY, speaker TEXT, quarter TEXT, company TEXT, "
            "kind TEXT, language TEXT, attributed INTEGER, source TEXT, turn INTEGER, data TEXT NOT NULL)"
        )
        connection.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    row,
                    c.speaker,
                    c.quarter,
                    c.company,
                    c.kind,
                    c.language,
                    int(c.attributed),
                    c.source,
                    c.turn,
                    line,
                )
                for row, (c, line) in enumerate(zip(chunks, lines, strict=True))
            ),
        )
        connection.execute("CREATE INDEX by_source ON chunks (source, turn)")
        for column in LOOKUP_COLUMNS:
            connection.execute(f"CREATE INDEX by_{column} ON chunks ({column}, row)")
        connection.commit()
    finally:
        connection.close()


class ChunkTable(Sequence[Chunk]):
    """The passages of one index folder, by row, read from its store on demand."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # immutable: no locks or journal checks (the file never changes once its folder is swapped in)
        self._connection = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False
        )
        self._lock = threading.Lock()  # one connection shared by the UI's worker threads
        (self._count,) = self._one("SELECT count(*) FROM chunks")
        self._chunk = lru_cache(maxsize=4096)(self._read_chunk)

    def _one(self, sql: str, *args: object) -> tuple[object, ...]:
        with self._lock:
            row = self._connection.execute(sql, args).fetchone()
        if row is None:
            raise IndexError(f"no row for {sql} {args}")
        return tuple(row)

    def _all(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        with self._lock:
            return self._connection.execute(sql, args).fetchall()

    def __len__(self) -> int:
        return int(self._count)  # type: ignore[call-overload]

    @overload
    def __getitem__(self, row: int) -> Chunk: ...
    @overload
    def __getitem__(self, row: slice) -> list[Chunk]: ...
    def __getitem__(self, row: int | slice) -> Chunk | list[Chunk]:
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        row = int(row)
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(f"row {row} of {len(self)}")
        return self._chunk(row)

    def _read_chunk(self, row: int) -> Chunk:
        (data,) = self._one("SELECT data FROM chunks WHERE row = ?", row)
        return Chunk.from_dict(json.loads(str(data)))

    def __iter__(self) -> Iterator[Chunk]:
        for start in range(0, len(self), _READ_BATCH):
            rows = self._all(
                "SELECT data FROM chunks WHERE row >= ? AND row < ? ORDER BY row", start, start + _READ_BATCH
            )
            for (data,) in rows:
                yield Chunk.from_dict(json.loads(str(data)))

    def text(self, row: int) -> str:
        return self[row].text

    def rows_where(self, column: str, value: str) -> np.ndarray:
        if column not in LOOKUP_COLUMNS:
            raise ValueError(f"no lookup by {column!r}; the store looks up {', '.join(LOOKUP_COLUMNS)}")
        rows = self._all(f"SELECT row FROM chunks WHERE {column} = ? ORDER BY row", value)
        return np.fromiter((r for (r,) in rows), dtype=np.int64, count=len(rows))

    def values(self, column: str, *, attributed: bool = False) -> list[str]:
        """The distinct values of a lookup column (only those of named speakers' passages, if asked)."""
        if column not in LOOKUP_COLUMNS:
            raise ValueError(f"no lookup by {column!r}; the store looks up {', '.join(LOOKUP_COLUMNS)}")
        where = " WHERE attributed = 1" if attributed else ""
        return [str(v) for (v,) in self._all(f"SELECT DISTINCT {column} FROM chunks{where}")]

    def speakers_of(self, company: str) -> list[str]:
        """The named speakers of a company's passages (its executives and the analysts on its calls)."""
        rows = self._all("SELECT DISTINCT speaker FROM chunks WHERE company = ? AND attributed = 1", company)
        return [str(v) for (v,) in rows]

    def call_counts(self) -> dict[str, tuple[int, int, tuple[str, ...]]]:
        """Per source file: its turns, its passages and its named speakers (in order of first turn),
        from the columns alone (`rag list` on a large library reads no passage)."""
        counts = {
            str(source): (int(turns), int(rows), ())  # type: ignore[call-overload]
            for source, turns, rows in self._all(
                "SELECT source, count(DISTINCT turn), count(*) FROM chunks GROUP BY source"
            )
        }
        speakers: dict[str, list[str]] = {}
        for source, speaker in self._all(
            "SELECT source, speaker FROM chunks WHERE attributed = 1 "
            "GROUP BY source, speaker ORDER BY min(row)"
        ):
            speakers.setdefault(str(source), []).append(str(speaker))
        return {s: (t, n, tuple(speakers.get(s, ()))) for s, (t, n, _) in counts.items()}

    def close(self) -> None:
        self._connection.close()


class RowLookup(Mapping[str, np.ndarray]):
    """The rows of each value of one column (`rows_by["speaker"]["Susan Li"]`), queried on first use."""

    def __init__(self, table: ChunkTable, column: str) -> None:
        self._table = table
        self._column = column
        self._keys = frozenset(table.values(column))
        self._rows: dict[str, np.ndarray] = {}

    def __getitem__(self, value: str) -> np.ndarray:
        if value not in self._keys:
            raise KeyError(value)
        if value not in self._rows:
            self._rows[value] = self._table.rows_where(self._column, value)
        return self._rows[value]

    def __contains__(self, value: object) -> bool:
        return value in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)
