"""Check a generated answer against the passages it cites: markers, one per claim, and every figure."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.answers import Citation, SentenceCheck
from rag.numbers import claims, number_supported
from rag.prompting import is_abstention

# [1], [1][2], [1, 2], [1，2], [1-3], 【1】 and 【1、2】.
_MARKER_RE = re.compile(r"[\[【]\s*(\d{1,3}(?:\s*(?:[,，、;；]|[-–])\s*\d{1,3})*)\s*[\]】]")
_ABBREVIATIONS = {
    "e.g",
    "i.e",
    "vs",
    "mr",
    "ms",
    "mrs",
    "dr",
    "inc",
    "co",
    "corp",
    "ltd",
    "no",
    "approx",
    "etc",
}
_TERMINATORS = "。！？!?"
# "passage 2", "段落 2", "第2段": references to the prompt's numbering, not figures to verify.
_PASSAGE_REFERENCE_RE = re.compile(r"(?i)\bpassages?\s*\d+|段落\s*\d+|第\s*\d+\s*段")


def verify_answer(text: str, citations: list[Citation]) -> tuple[str, list[SentenceCheck], list[str]]:
    """Return the cleaned text, a check per sentence and the problems found.

    Markers are normalised to [n] form and those pointing to no passage are removed (and reported).
    A sentence passes when it carries a marker and every figure it states appears, after unit
    normalisation, in a passage it cites. A figure found only in another supplied passage is noted
    but passes (the citation is misplaced, the figure is not invented). The fixed
    "not in the transcripts" sentence needs no marker.
    """
    by_number = {c.n: c for c in citations}
    problems: list[str] = []
    cleaned = _rewrite_markers(text.strip(), by_number, problems)
    checks = [_check_sentence(sentence, by_number) for sentence in split_sentences(cleaned)]
    for check in checks:
        problems.extend(f"{_shorten(check.sentence)}: {problem}" for problem in check.problems)
    return cleaned, checks, problems


def split_sentences(text: str) -> list[str]:
    """Split English and Chinese text into sentences; markers after the full stop stay with their sentence.

    Splits after 。！？!? and after a "." that ends a sentence (not a decimal point, not "e.g."),
    and at line breaks (list items).
    """
    sentences: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        current.append(char)
        if char == "\n" or char in _TERMINATORS or (char == "." and _ends_sentence(text, i)):
            # Markers written after the full stop belong to the sentence before it.
            trailing = re.match(r"(?:\s*" + _MARKER_RE.pattern + r")+", text[i + 1 :])
            if trailing and char != "\n":
                current.append(trailing.group(0))
                i += len(trailing.group(0))
            sentences.append("".join(current))
            current = []
        i += 1
    sentences.append("".join(current))
    return [s.strip() for s in sentences if _has_words(s)]


def markers_in(sentence: str) -> tuple[int, ...]:
    """Passage numbers cited by the sentence, in order of first appearance."""
    numbers: list[int] = []
    for match in _MARKER_RE.finditer(sentence):
        for n in _expand(match.group(1)):
            if n not in numbers:
                numbers.append(n)
    return tuple(numbers)


def strip_markers(text: str) -> str:
    return re.sub(r"\s*" + _MARKER_RE.pattern, "", text).strip()


def _rewrite_markers(text: str, by_number: dict[int, Citation], problems: list[str]) -> str:
    def rewrite(match: re.Match[str]) -> str:
        kept = []
        for n in _expand(match.group(1)):
            if n in by_number:
                kept.append(n)
            else:
                problems.append(
                    f"removed marker [{n}]: there is no passage {n} (passages are {_span(by_number)})"
                )
        return "".join(f"[{n}]" for n in dict.fromkeys(kept))

    cleaned = _MARKER_RE.sub(rewrite, text)
    return re.sub(r"[ \t]+([。．.,，!?！？;；])", r"\1", cleaned)  # no space left where a marker went


def _check_sentence(sentence: str, by_number: dict[int, Citation]) -> SentenceCheck:
    cited = markers_in(sentence)
    body = strip_markers(sentence)
    if is_abstention(body):
        return SentenceCheck(sentence, cited, passed=True)
    problems: list[str] = []
    if not cited:
        problems.append("no citation marker")
    passed = bool(cited)
    own = [by_number[n] for n in cited if n in by_number]
    others = [c for n, c in by_number.items() if n not in cited]
    for quantity in claims(_PASSAGE_REFERENCE_RE.sub(" ", body)):
        if any(number_supported(quantity, c.text) for c in own):
            continue
        elsewhere = [c.n for c in others if number_supported(quantity, c.text)]
        if elsewhere and cited:
            where = "".join(f"[{n}]" for n in elsewhere)
            problems.append(f"'{quantity.raw.strip()}' is in {where}, not in the cited passage")
        elif not elsewhere:
            problems.append(f"unsupported number '{quantity.raw.strip()}': not in any cited passage")
            passed = False
    return SentenceCheck(sentence, cited, passed=passed, problems=tuple(problems))


def _ends_sentence(text: str, i: int) -> bool:
    after = text[i + 1] if i + 1 < len(text) else ""
    before = text[i - 1] if i > 0 else ""
    if before.isdigit() and after.isdigit():
        return False  # decimal point
    if after and not (after.isspace() or after in "[【\"'”’)"):
        return False  # "e.g.x", "U.S.-based", a URL
    if re.fullmatch(r"\s*(?:\d{1,2}|[A-Za-z])", text[text.rfind("\n", 0, i) + 1 : i]):
        return False  # a list item's number: "1. Revenue …"
    match = re.search(r"([A-Za-z.]+)$", text[:i])
    word = match.group(1) if match else ""
    # "e.g. ", "U.S. ", "Mr. " are abbreviations, not the end of a sentence.
    return not (word.lower() in _ABBREVIATIONS or len(word) == 1 or "." in word)


def _expand(group: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*[,，、;；]\s*", group):
        if re.search(r"[-–]", part):
            low, high = (int(x) for x in re.split(r"\s*[-–]\s*", part))
            numbers.extend(range(low, high + 1) if 0 < high - low < 20 else [low, high])
        else:
            numbers.append(int(part))
    return numbers


def _span(by_number: dict[int, Citation]) -> str:
    if not by_number:
        return "none"
    return f"1-{max(by_number)}" if len(by_number) > 1 else "1"


def _has_words(text: str) -> bool:
    return bool(re.search(r"\w", strip_markers(text)))


def _shorten(sentence: str, limit: int = 60) -> str:
    flat = " ".join(sentence.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def unsupported(checks: Sequence[SentenceCheck]) -> list[SentenceCheck]:
    return [check for check in checks if not check.passed]
