"""Text laid out on pages (a PDF's text layer, or an IR transcript copied from one) back into paragraphs.

Lines wrapped at the page width are rejoined, so that a sentence is never cut at a line end; page
numbers, "Page x of y" and running headers and footers are dropped; a paragraph broken by a page turn
is mended when its first part does not end a sentence; PDF letter-splitting ("availa ble",
"they'r e") is repaired only where the joined word is a dictionary word and a part is not, and spaces
a PDF puts before a hyphen or a comma ("AI -driven", "years , so") are taken out. Every paragraph
keeps the page it starts on, so that a citation can say "p. 7".

Text that is not laid out on pages (a paragraph per line, as web write-ups and the seeds are) is not
touched: `is_paged_text` decides, from the text alone.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from rag.transcripts.documents import PAGE_BREAK

_PAGE_NUMBER = re.compile(r"(?:page\s+)?[-–—]?\s*\d{1,3}\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,3})?", re.I)
_SENTENCE_END = re.compile(r"[.?!:;。？！：…\"”’)\]]$")
_TURN_START = re.compile(r"^[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){0,4}\s*:(?:\s|$)|^(?i:operator)\b")
_BLOCK_START = re.compile(r"^(?:[-*•]\s|#|\d{1,2}[.)]\s|-{3,}$)")  # list items, headings, rules
_HEADER_LINE = re.compile(r"^[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){1,4}\s*,\s*[A-Z][^.?!]{1,70}$")
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_SPACED_HYPHEN = re.compile(r"(?<=[A-Za-z0-9]) -(?=[A-Za-z0-9])")
_SPACE_BEFORE_PUNCT = re.compile(r"(?<=[A-Za-z0-9%)]) +([,.;:?!])(?=\s|$)")
_SPLIT_HEAD = re.compile(r"[A-Za-z][a-z'’]*")  # a word's first part: letters, lower case after the first
_SPLIT_TAIL = re.compile(r"[a-z][a-z'’]*(?=[,.;:?!)]?$)[,.;:?!)]?")  # its rest, with what punctuation follows
# a joined word must be at least this common to be a word; a part this common is a word on its own
# (pyspellchecker's counts: "available" 39330, "macroeconomic" 50, the fragment "pa" 5330)
_JOINED_MIN_COUNT = 20
_PART_MIN_COUNT = 100
# a text is laid out on pages when at least this share of its lines run on into the next line
_WRAPPED_SHARE = 0.3
_MAX_WRAP_WIDTH = 160  # characters: longer lines are whole paragraphs, not a page's wrapped lines
_MIN_LINES = 10
_EDGE_LINES = 3
# a line ending a sentence and shorter than this share of the page width is a paragraph's last line
_LAST_LINE_SHARE = 0.8  # lines at the top and bottom of a page where running headers and footers sit


@dataclass(frozen=True)
class Paragraph:
    text: str
    page: int | None  # the page it starts on; None when the text has no pages


@dataclass(frozen=True)
class _Line:
    text: str
    page: int | None


@lru_cache(maxsize=1)
def _word_counts() -> dict[str, int]:
    from spellchecker import SpellChecker

    return dict(SpellChecker().word_frequency.dictionary)


def _is_word(token: str, minimum: int) -> bool:
    key = token.casefold().replace("’", "'")
    if len(key) == 1:
        return key in ("a", "i")
    return _word_counts().get(key, 0) >= minimum


def repair_split_words(text: str) -> str:
    """ "availa ble" → "available", "third pa rty" → "third party", "they’r e" → "they’re"; "a new"
    stays (both parts are words), and so does anything capitalised after the space (a name)."""
    tokens = text.split(" ")
    out: list[str] = []
    for token in tokens:
        previous = out[-1] if out else ""
        core = token.rstrip(",.;:?!)")
        if (
            _SPLIT_HEAD.fullmatch(previous)
            and _SPLIT_TAIL.fullmatch(token)
            and not (len(previous) > 1 and previous.isupper())
            and _is_word(previous + core, _JOINED_MIN_COUNT)
            and not (_is_word(previous, _PART_MIN_COUNT) and _is_word(core, _PART_MIN_COUNT))
        ):
            out[-1] = previous + token
        else:
            out.append(token)
    return " ".join(out)


def repair_pdf_spacing(text: str) -> str:
    """Spaces a PDF's text layer puts where the words had none."""
    text = _SPACED_HYPHEN.sub("-", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return repair_split_words(text)


def _is_page_number(line: str) -> bool:
    return bool(_PAGE_NUMBER.fullmatch(line.strip())) and any(ch.isdigit() for ch in line)


def is_paged_text(text: str) -> bool:
    """Whether `text` is laid out on pages: it has page breaks, or its lines are a page's width and
    mostly run on into the next one (a sentence continues on the next line)."""
    if PAGE_BREAK in text:
        return True
    lines = text.split("\n")
    filled = [line.strip() for line in lines if line.strip()]
    if len(filled) < _MIN_LINES:
        return False
    width = statistics.quantiles([len(line) for line in filled], n=10)[-1]
    if width > _MAX_WRAP_WIDTH:
        return False
    run_on = sum(
        1
        for this, following in zip(lines, lines[1:], strict=False)
        if len(this.strip()) >= 0.6 * width
        and following.strip()
        and not _SENTENCE_END.search(this.strip())
        and not _TURN_START.match(following.strip())
    )
    return run_on >= _WRAPPED_SHARE * len(filled)


def _furniture(pages: list[list[str]]) -> set[str]:
    """Running headers and footers: lines (digits ignored) at the edge of at least half the pages."""
    if len(pages) < 2:
        return set()
    seen: Counter[str] = Counter()
    for lines in pages:
        filled = [line.strip() for line in lines if line.strip()]
        edges = {_digits_blind(line) for line in filled[:_EDGE_LINES] + filled[-_EDGE_LINES:]}
        seen.update(edges)
    return {line for line, count in seen.items() if count >= max(2, len(pages) / 2)}


def _digits_blind(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip().casefold())


def _paged_lines(text: str) -> list[_Line | None]:
    """The lines with their page; None marks a paragraph break, "" a page turn (a soft break)."""
    if PAGE_BREAK in text:
        pages = [page.split("\n") for page in text.split(PAGE_BREAK)]
        furniture = _furniture(pages)
        out: list[_Line | None] = []
        for number, lines in enumerate(pages, start=1):
            if out:
                out.append(_Line("", None))
            filled = [i for i, line in enumerate(lines) if line.strip()]
            edges = set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:])
            for i, line in enumerate(lines):
                stripped = line.strip()
                if not stripped:
                    out.append(None)
                elif i in edges and (_is_page_number(stripped) or _digits_blind(stripped) in furniture):
                    out.append(_Line("", None))
                else:
                    out.append(_Line(stripped, number))
        return out
    lines = text.split("\n")
    numbers = [
        i
        for i, line in enumerate(lines)
        if _is_page_number(line)
        and (i == 0 or not lines[i - 1].strip())
        and (i + 1 == len(lines) or not lines[i + 1].strip())
    ]
    # numbers at the top of their pages when the text before the first one is short next to a page
    before_first = sum(1 for line in lines[: numbers[0]] if line.strip()) if numbers else 0
    per_page = (numbers[-1] - numbers[0]) / max(1, len(numbers) - 1) if len(numbers) > 1 else len(lines)
    header_style = bool(numbers) and before_first < 0.3 * per_page
    page: int | None = None if not numbers else (0 if header_style else 1)
    marks = set(numbers)
    result: list[_Line | None] = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if i in marks:
            value = int(re.findall(r"\d+", stripped)[0])
            page = value if header_style else value + 1
            result.append(_Line("", None))
        elif not stripped:
            result.append(None)
        else:
            result.append(_Line(stripped, None if page is None else max(page, 1)))
    return result


def _starts_turn(line: str) -> bool:
    return bool(_TURN_START.match(line) or _HEADER_LINE.match(line) or _BLOCK_START.match(line))


def _continues(previous: str, line: str) -> bool:
    """A paragraph cut by a page turn goes on when it stopped mid-sentence."""
    return not _SENTENCE_END.search(previous) and not _HEADER_LINE.match(previous)


def _joined(previous: str, line: str) -> str:
    if previous.endswith("-") and not previous.endswith("--"):
        return previous + line
    if _CJK.match(previous[-1:]) and _CJK.match(line[:1]):
        return previous + line
    return f"{previous} {line}"


def reflow_paragraphs(text: str) -> list[Paragraph]:
    """The paragraphs of paged text, wrapped lines rejoined and page furniture dropped."""
    paragraphs: list[list[str | int | None]] = []  # [text, page]
    pending: str | None = "hard"  # the break before the next line: "hard", "soft" (a page turn) or None
    items = _paged_lines(text)
    lengths = [len(item.text) for item in items if item is not None and item.text]
    width = statistics.quantiles(lengths, n=10)[-1] if len(lengths) >= 2 else 0.0
    last_line = ""
    for item in items:
        if item is None:
            pending = "soft" if pending == "soft" else "hard"
            continue
        if not item.text:
            pending = "soft"
            continue
        current = paragraphs[-1] if paragraphs else None
        previous = str(current[0]) if current else ""
        # a label, header or list line opens a paragraph only after a finished sentence ("revenue" then
        # "performance: our ability", "and why -" then "- part of why" are one sentence)
        opens = _starts_turn(item.text) and (not previous or bool(_SENTENCE_END.search(previous)))
        if (
            current is None
            or pending == "hard"
            or opens
            or _HEADER_LINE.match(previous)
            or _BLOCK_START.match(previous)
        ):
            joins = False
        elif pending == "soft":
            joins = _continues(previous, item.text)
        else:  # the next line of the page: a short line that ends a sentence ended its paragraph
            joins = not (_SENTENCE_END.search(last_line) and len(last_line) < _LAST_LINE_SHARE * width)
        last_line = item.text
        if joins and current is not None:
            current[0] = _joined(previous, item.text)
        else:
            paragraphs.append([item.text, item.page])
        pending = None
    return [
        Paragraph(repair_pdf_spacing(str(text_)), page if isinstance(page, int) else None)
        for text_, page in paragraphs
    ]
