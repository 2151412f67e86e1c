"""Sentences of English and Chinese text: one splitter for passages, quotes, answers and excerpts.

A sentence ends after 。！？!? (and, inside passages, after the clause marks ；;), at a line break, and
after a "." that closes a sentence: not a decimal point, not an abbreviation ("e.g.", "U.S.", "Mr."),
not a list number ("1. Revenue …"). Passages are split into pieces that keep every character, so
spans into the transcript stay exact; answers are split into stripped sentences that keep the
citation markers written after their full stop.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

_TERMINATORS = "。！？!?"
_CLAUSE_MARKS = "；;"  # end a quotable piece of a passage, not a sentence of an answer
_ABBREVIATIONS = frozenset(
    "e.g i.e vs mr ms mrs dr inc co corp ltd no approx etc jr sr st".split()  # noqa: SIM905
)
# [1], [1][2], [1, 2], [1，2], [1-3], 【1】 and 【1、2】: the citation markers of an answer.
MARKER = re.compile(r"[\[【]\s*(\d{1,3}(?:\s*(?:[,，、;；]|[-–])\s*\d{1,3})*)\s*[\]】]")
_TRAILING_MARKERS = re.compile(r"(?:\s*" + MARKER.pattern + r")+")
_CONTENT = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]+|\d+")
_THANKS = re.compile(
    r"^(谢谢|感谢|非常感谢|好的|thank you|thanks|great|okay|ok)[\s,，.。!！]*", re.IGNORECASE
)


def ends_sentence(text: str, i: int) -> bool:
    """Whether the "." at text[i] closes a sentence."""
    after = text[i + 1] if i + 1 < len(text) else ""
    before = text[i - 1] if i > 0 else ""
    if before.isdigit() and after.isdigit():
        return False  # decimal point
    if after and not (after.isspace() or after in "[【\"'”’)"):
        return False  # "e.g.x", "U.S.-based", a URL
    if re.fullmatch(r"\s*(?:\d{1,2}|[A-Za-z])", text[text.rfind("\n", 0, i) + 1 : i]):
        return False  # a list item's number: "1. Revenue …"
    match = re.search(r"(?<![A-Za-z0-9])[A-Za-z.]+$", text[:i])
    if match is None:
        return True  # after a figure ("by 5x.", "$1.2B.") or punctuation
    word = match.group(0)
    # "e.g. ", "U.S. ", "Mr. " and initials ("Colette M. Kress") are not the end of a sentence.
    return not (word.lower() in _ABBREVIATIONS or len(word) == 1 or "." in word)


def _boundaries(text: str, ends: str) -> list[int]:
    """Positions just after each sentence end (a line break ends the sentence before it)."""
    cuts = []
    for i, char in enumerate(text):
        if char == "\n" or char in ends or (char == "." and ends_sentence(text, i)):
            cuts.append(i + 1)
    return cuts


def split_sentences(text: str) -> list[str]:
    """A passage's sentences and clauses, keeping every character: "".join(result) == text."""
    pieces = []
    start = 0
    for cut in _boundaries(text, _TERMINATORS + _CLAUSE_MARKS):
        pieces.append(text[start:cut])
        start = cut
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def sentence_ends(text: str) -> list[int]:
    """Offsets at which a sentence of `text` ends (for snapping an excerpt to whole sentences)."""
    return _boundaries(text, _TERMINATORS + _CLAUSE_MARKS)


def snap_back(ends: list[int], pos: int, floor: int) -> int:
    """The last sentence end at or before `pos` (not before `floor`), else `floor`."""
    i = bisect_right(ends, pos) - 1
    return ends[i] if i >= 0 and ends[i] > floor else floor


def snap_forward(ends: list[int], pos: int, ceiling: int) -> int:
    """The first sentence end after `pos` (not beyond `ceiling`), else `ceiling`."""
    i = bisect_left(ends, pos + 1)
    return ends[i] if i < len(ends) and ends[i] <= ceiling else ceiling


def split_answer_sentences(text: str) -> list[str]:
    """An answer's sentences, stripped; markers written after a full stop stay with their sentence."""
    sentences: list[str] = []
    start = 0
    for cut in _boundaries(text, _TERMINATORS):
        if text[cut - 1] != "\n":
            trailing = _TRAILING_MARKERS.match(text, cut)
            if trailing:
                cut = trailing.end()
        if cut > start:
            sentences.append(text[start:cut])
            start = cut
    sentences.append(text[start:])
    return [s.strip() for s in sentences if _has_words(s)]


def complete_sentences(text: str) -> str:
    """`text` up to the end of its last complete sentence (and the markers right after it): what is
    left of an answer that was cut off mid-sentence."""
    end = 0
    for cut in _boundaries(text, _TERMINATORS):
        trailing = _TRAILING_MARKERS.match(text, cut)
        end = max(end, trailing.end() if trailing else cut)
    return text[:end].rstrip()


def strip_markers(text: str) -> str:
    return re.sub(r"\s*" + MARKER.pattern, "", text).strip()


def _has_words(text: str) -> bool:
    return bool(re.search(r"\w", strip_markers(text)))


def is_content_free(text: str, min_units: int) -> bool:
    """ "谢谢", "Thank you." and other text with nothing to retrieve or quote."""
    rest = _THANKS.sub("", text.strip())
    return len(_CONTENT.findall(rest)) < min_units
