"""Names in free text: comparison keys, and finding many aliases in one pass over a text.

Latin aliases ("Susan", "C.J. Muse", "the CFO") match whole words in any case; other aliases
("李苏珊", "Meta公司", "AT&T") match anywhere, as written. Where matches overlap, the longest alias
wins, then the alias given first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V")

_NAME_DOTS = re.compile(r"[·・•‧∙.\s]+")
_LATIN_ALIAS = re.compile(r"[A-Za-z .'\-]+")


def name_key(name: str) -> str:
    """Comparison key for a name: case-folded, without spaces and the dots between name parts."""
    return _NAME_DOTS.sub("", name).casefold()


def is_latin_alias(alias: str) -> bool:
    return bool(_LATIN_ALIAS.fullmatch(alias))


@dataclass(frozen=True)
class AliasMatch(Generic[V]):
    start: int
    end: int
    alias: str
    value: V
    order: int  # position of the (alias, value) pair in the index: earlier wins a tie


class AliasIndex(Generic[V]):
    """(alias, value) pairs, looked up by text span: the cost of a search grows with the text, not with
    the number of aliases."""

    def __init__(self, pairs: Iterable[tuple[str, V]]) -> None:
        self._latin: dict[str, list[tuple[int, str, V]]] = {}
        self._other: dict[str, list[tuple[int, str, V]]] = {}
        for order, (alias, value) in enumerate(pairs):
            if not alias:
                continue
            if is_latin_alias(alias):
                self._latin.setdefault(alias.lower(), []).append((order, alias, value))
            else:
                self._other.setdefault(alias, []).append((order, alias, value))
        self._latin_max = max((len(a) for a in self._latin), default=0)
        self._other_lengths = sorted({len(a) for a in self._other})

    def __len__(self) -> int:
        return sum(map(len, self._latin.values())) + sum(map(len, self._other.values()))

    def matches(self, text: str) -> list[AliasMatch[V]]:
        """Every occurrence of every alias, overlapping ones included, in text order."""
        found: list[AliasMatch[V]] = []
        if self._latin:
            lowered = text.lower()
            n = len(text)
            starts = [i for i in range(n) if not text[i].isspace() and (i == 0 or not _letter(text[i - 1]))]
            for start in starts:
                stop = min(n, start + self._latin_max)
                for end in range(start + 1, stop + 1):
                    if end < n and _letter(text[end]):
                        continue
                    for order, alias, value in self._latin.get(lowered[start:end], ()):
                        found.append(AliasMatch(start, end, alias, value, order))
        for length in self._other_lengths:
            for start in range(len(text) - length + 1):
                for order, alias, value in self._other.get(text[start : start + length], ()):
                    found.append(AliasMatch(start, start + length, alias, value, order))
        return sorted(found, key=lambda m: (m.start, m.end, m.order))


def _letter(char: str) -> bool:
    return ("A" <= char <= "Z") or ("a" <= char <= "z")


def non_overlapping(
    matches: Sequence[AliasMatch[V]], keep: Callable[[AliasMatch[V]], bool] = lambda m: True
) -> list[AliasMatch[V]]:
    """The `keep` matches that survive overlaps (longest alias first, then the earlier pair), by position."""
    chosen: list[AliasMatch[V]] = []
    for match in sorted(
        (m for m in matches if keep(m)), key=lambda m: (-(m.end - m.start), m.order, m.start)
    ):
        if not any(match.start < c.end and c.start < match.end for c in chosen):
            chosen.append(match)
    return sorted(chosen, key=lambda m: m.start)


def find_aliases(text: str, pairs: Iterable[tuple[str, V]]) -> list[tuple[int, int, V]]:
    """Non-overlapping (start, end, value) matches of aliases in `text`, in text order."""
    return [(m.start, m.end, m.value) for m in non_overlapping(AliasIndex(pairs).matches(text))]


def closest_names(name: str, names: Iterable[str], limit: int = 3) -> list[str]:
    """The few `names` nearest to `name` (by comparison key), for "did you mean" messages that stay
    short however many names the corpus holds."""
    import difflib

    by_key: dict[str, str] = {}
    for candidate in names:
        by_key.setdefault(name_key(candidate), candidate)
    key = name_key(name)
    starts = [by_key[k] for k in sorted(by_key) if key and (k.startswith(key) or key.startswith(k))]
    near = [by_key[k] for k in difflib.get_close_matches(key, list(by_key), n=limit, cutoff=0.6)]
    return list(dict.fromkeys(starts[:limit] + near))[:limit]


def name_listing(asked: Sequence[str], known: Sequence[str], most: int = 20, closest: int = 3) -> str:
    """The known names for a message: all of them while at most `most`, else the `closest` nearest to
    what was asked and how many there are ("closest: Susan Li, Susan Lee; 8,012 in all")."""
    if len(known) <= most:
        return ", ".join(known)
    nearest = [n for name in asked for n in closest_names(name, known, closest)]
    nearest = list(dict.fromkeys(nearest))[:closest]
    near = f"closest: {', '.join(nearest)}; " if nearest else ""
    return f"{near}{len(known):,} in all"
