"""Cleaning scraped transcript text: symbol noise, web boilerplate, injected ad spam.

Real punctuation, dashes between numbers ("880 - 910 亿美元"), list dashes and Latin text stay.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rag.settings import DATA_DIR

# Decorative symbols that scrapers and anti-copy filters sprinkle into text, even inside numbers.
NOISE_SYMBOLS = "•■◆▪★▼●☆▷□▽◇◁○△▲◀▶◎◈◉♦♠♣♥"
# A run of symbols, dashes, equals signs and ellipses; it is noise when it holds a noise symbol or "=".
_SYMBOL_RUN = re.compile(f"[{re.escape(NOISE_SYMBOLS)}\\-=…]+")
_CLEANING_FILE = DATA_DIR / "cleaning.json"


def _is_noise_run(run: str) -> bool:
    return any(ch in NOISE_SYMBOLS for ch in run) or "=" in run


def remove_symbol_noise(text: str) -> str:
    """Drop runs of decorative symbols anywhere, including inside numbers and words.

    "475◆--◇▷▼.16亿美元" → "475.16亿美元"; "Llama 4◆◆▼○-■.1" → "Llama 4.1"; "880 - 910" is kept.
    """
    return _SYMBOL_RUN.sub(lambda m: "" if _is_noise_run(m.group(0)) else m.group(0), text)


@dataclass(frozen=True)
class CleaningRules:
    """Boilerplate lines and spam phrases, read from a data file so they can grow without code."""

    boilerplate_lines: tuple[re.Pattern[str], ...]
    spam: tuple[re.Pattern[str], ...]

    @classmethod
    def load(cls, path: Path = _CLEANING_FILE) -> CleaningRules:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            boilerplate_lines=tuple(re.compile(p) for p in data["boilerplate_lines"]),
            spam=tuple(re.compile(p) for p in data["spam"]),
        )

    def is_boilerplate(self, line: str) -> bool:
        return any(p.fullmatch(line) for p in self.boilerplate_lines)

    def remove_spam(self, text: str) -> str:
        for pattern in self.spam:
            text = pattern.sub("", text)
        return text


def normalize_text(text: str) -> str:
    """Unicode NFC, one kind of newline, no zero-width characters or non-breaking spaces."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub("[\u200b\u200c\u200d\ufeff]", "", text)
    return text.replace("\u00a0", " ").replace("\u3000", " ")


def clean_line(line: str, rules: CleaningRules) -> str:
    """One line of transcript text without noise or spam, with doubled punctuation left by spam folded."""
    line = rules.remove_spam(remove_symbol_noise(line))
    line = re.sub(r"([,，。])\1+", r"\1", line)
    line = re.sub(r"[ \t]{2,}", " ", line)
    return line.strip()


def clean_transcript(text: str, rules: CleaningRules | None = None) -> str:
    """The whole transcript, cleaned line by line; boilerplate lines and empty lines are dropped."""
    rules = rules or CleaningRules.load()
    lines = []
    for raw in normalize_text(text).split("\n"):
        line = clean_line(raw, rules)
        if line and not rules.is_boilerplate(line):
            lines.append(line)
    return "\n".join(lines) + "\n"


PageStarts = tuple[tuple[int, int], ...]  # (offset in the cleaned text, page that starts there)


def clean_paragraphs(
    paragraphs: Iterable[tuple[str, int | None]], rules: CleaningRules
) -> tuple[str, PageStarts]:
    """Reflowed (paragraph, page) pairs as a cleaned transcript, one paragraph a line, with the offset
    where each page's text begins (so that every passage knows its page)."""
    lines: list[str] = []
    pages: list[tuple[int, int]] = []
    offset = 0
    for text, page in paragraphs:
        line = clean_line(normalize_text(text), rules)
        if not line or rules.is_boilerplate(line):
            continue
        if page is not None and (not pages or pages[-1][1] != page):
            pages.append((offset, page))
        lines.append(line)
        offset += len(line) + 1
    return "\n".join(lines) + "\n", tuple(pages)


def page_at(pages: PageStarts, offset: int) -> int | None:
    """The page the text at `offset` is on; None for text without pages."""
    found = None
    for start, page in pages:
        if start > offset:
            break
        found = page
    return found
