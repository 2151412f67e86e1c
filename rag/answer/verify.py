"""Check a generated answer against the passages it cites: markers, one per claim, and every figure."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.answer.prompting import is_abstention
from rag.answer.types import Citation, SentenceCheck
from rag.text.numbers import claims, number_supported
from rag.text.sentences import MARKER, split_answer_sentences, strip_markers

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
    checks = [_check_sentence(sentence, by_number) for sentence in split_answer_sentences(cleaned)]
    for check in checks:
        problems.extend(f"{_shorten(check.sentence)}: {problem}" for problem in check.problems)
    return cleaned, checks, problems


def markers_in(sentence: str) -> tuple[int, ...]:
    """Passage numbers cited by the sentence, in order of first appearance."""
    numbers: list[int] = []
    for match in MARKER.finditer(sentence):
        for n in _expand(match.group(1)):
            if n not in numbers:
                numbers.append(n)
    return tuple(numbers)


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

    cleaned = MARKER.sub(rewrite, text)
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


def _shorten(sentence: str, limit: int = 60) -> str:
    flat = " ".join(sentence.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def unsupported(checks: Sequence[SentenceCheck]) -> list[SentenceCheck]:
    return [check for check in checks if not check.passed]
