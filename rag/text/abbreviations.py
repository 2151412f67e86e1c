"""Abbreviations and the phrases they shorten, read from the text itself rather than from a list.

An initialism ("EPS", "FFO", "FCF") takes one letter from each word of its phrase ("earnings per share",
"funds from operations", "free cash flow"); a clipped compound ("capex", "opex") takes the first letters
of each word ("capital expenditures", "operating expenses"). So a call that says the phrase mentions the
abbreviation, whatever the hand glossary holds. Short function words may come between ("earnings
before interest, taxes, depreciation and amortization" is EBITDA).
"""

from __future__ import annotations

import re
from functools import lru_cache

_GAP = r"(?:[\s,-]+(?:and|of|or|the|per|to|from|before|after|on|in)\b)*[\s,-]+"
_MAX_WORDS = 6


def is_abbreviation(word: str) -> bool:
    """An initialism (2–6 capitals: "EPS", "AFFO") or a clipped compound written in one piece
    ("capex", "opex", "Capex"): a word of at most six letters ending in a clipped second word."""
    if re.fullmatch(r"[A-Z]{2,6}", word):
        return True
    return bool(re.fullmatch(r"[A-Za-z][a-z]{1,3}ex", word))


@lru_cache(maxsize=512)
def expansion_pattern(word: str) -> re.Pattern[str] | None:
    """A pattern for the phrases an abbreviation may shorten; None when `word` is no abbreviation."""
    if not is_abbreviation(word):
        return None
    letters = word.lower()
    if word.isupper():  # one letter a word; a function word may also give its letter ("per")
        parts = [f"{c}[a-z]*" for c in letters]
    else:  # "capex": a first word starting with "cap", a second with "ex"
        head, tail = letters[:-2], letters[-2:]
        parts = [f"{head}[a-z]*", f"{tail}[a-z]*"]
    if len(parts) > _MAX_WORDS:
        return None
    phrase = r"\b" + _GAP.join(parts) + r"\b"
    # earnings are what is stated "per diluted share" ("$3.06 per diluted share" is the EPS)
    if letters == "eps":
        phrase += r"|\bper\s+(?:fully\s+)?diluted\s+share\b"
    return re.compile(phrase, re.I)


def expands_in(word: str, text: str) -> bool:
    """Whether `text` spells out the phrase the abbreviation `word` shortens."""
    pattern = expansion_pattern(word)
    return pattern is not None and pattern.search(text) is not None
