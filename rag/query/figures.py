"""Whether retrieved passages state a figure for what a question asks: read by the deeper-search rule
of retrieval and by the abstention rules of the answer stage."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from rag.chunks import Chunk
from rag.text.numbers import claims
from rag.text.quarters import years_named
from rag.text.sentences import split_sentences
from rag.text.terms import Term


def figure_for_years(
    chunks: Iterable[Chunk], terms: Sequence[Term], years: set[int] | frozenset[int]
) -> bool:
    """Whether a passage sentence states an amount or a share for one of the question's terms in one
    of the years it asks about: the sentence (or the one before) names the year, or a year relative to
    the call's date ("next year" on a 2021 call is 2022), or names none and is about the call's year."""
    return bool(years_with_figures(chunks, terms, stop_at=years) & years)


def years_with_figures(
    chunks: Iterable[Chunk], terms: Sequence[Term], stop_at: set[int] | frozenset[int] = frozenset()
) -> set[int]:
    """The years the passages state an amount or a share for one of `terms` for (see
    `figure_for_years`); it stops reading at the first figure for a year of `stop_at`."""
    found: set[int] = set()
    for chunk in chunks:
        sentences = split_sentences(chunk.text)
        for i, sentence in enumerate(sentences):
            context = "".join(sentences[max(0, i - 1) : i + 1])
            # the term may come a sentence later: "… $4.80 to $4.90 per diluted share. This guidance …"
            if not any(t.found_in("".join(sentences[max(0, i - 1) : i + 2])) for t in terms):
                continue
            if not any(q.kind in ("currency", "percent") for q in claims(sentence)):
                continue
            found |= years_meant(context, chunk.quarter, chunk.call_date)
            if found & stop_at:
                return found
    return found


# relative years, resolved from the call's date
_NEXT_YEAR = re.compile(r"\b(?:next|following|coming)\s+(?:fiscal\s+)?year\b|明年|下一年|来年", re.I)
_THIS_YEAR = re.compile(r"\b(?:this|current|full|the)\s+(?:fiscal\s+)?year\b|full-year|今年|全年|本年", re.I)
_LAST_YEAR = re.compile(
    r"\b(?:last|prior|previous)\s+(?:fiscal\s+)?year\b|\ba year ago\b|year[- ]over[- ]year|去年|上年|同比",
    re.I,
)


def years_meant(text: str, quarter: str, call_date: str | None = None) -> set[int]:
    """The years a passage's figures are for: the years it names; else the years its relative words
    point to from the call's date (a fourth-quarter call is held early the next year: on the January
    2025 call "今年" is 2025); else the year the call reports on and the year it is held in."""
    named = years_named(text)
    if named:
        return named
    reported = int(quarter[:4])
    held = int(call_date[:4]) if call_date else reported + 1 if quarter.endswith("Q4") else reported
    meant = set()
    if _NEXT_YEAR.search(text):
        meant.add(held + 1)
    if _THIS_YEAR.search(text):
        meant |= {reported, held}  # a fourth-quarter call's "full year" may be either
    if _LAST_YEAR.search(text):
        meant |= {held - 1, held}  # "up 10% over last year" states this year's figure
    return meant or {reported, held}
