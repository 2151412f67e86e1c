"""Quarters, fiscal periods and years as text writes them, read one way everywhere.

"Q4 2024", "4Q24", "Q4'24", "2024 Q4", "fourth quarter of 2024", "third-quarter fiscal 2025",
"fiscal 2025 third quarter", "2024年第四季度", "2026财年第二季度" and "2025年Q2" are all a quarter;
"2023 to 2025" and "2023年到2025年" are a range of years. Period names ("Q4", "H1", "FY25", "上半年")
are never figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_ORDINAL = r"first|second|third|fourth|1st|2nd|3rd|4th"

# In priority order: where two patterns match overlapping text, the earlier one wins.
_QUARTER_PATTERNS = [
    # 2024Q4, 2024 Q4, 2024-Q4
    re.compile(r"(?<![A-Za-z\d])(?P<y>20\d\d)\s*[- ]?\s*Q(?P<q>[1-4])(?!\d)", re.I),
    # Q4 2024, Q4'24, Q3 FY25, Q3 fiscal 2025, Q3 of fiscal 2025
    re.compile(
        r"(?<![A-Za-z\d])Q(?P<q>[1-4])\s*(?:of\s+(?=FY|fiscal|20\d\d))?(?P<fy>FY|fiscal(?:\s+year)?)?\s*'?\s*(?P<y>(?:20)?\d\d)(?!\d)",
        re.I,
    ),
    # 4Q24, 4Q 2024
    re.compile(r"(?<![\dA-Za-z])(?P<q>[1-4])\s*Q\s*'?(?P<y>(?:20)?\d\d)(?!\d)", re.I),
    # 2024年第四季度, 24年四季度, 2026财年第二季度, 2025年Q2
    re.compile(
        r"(?P<y>20\d\d|\d\d)\s*(?:(?P<fy>财年|财政年度)|年度|年)\s*(?:的)?\s*"
        r"(?:第?\s*(?P<c>[一二三四1-4])\s*(?:财)?季度|Q(?P<q>[1-4]))"
    ),
    # fourth quarter of 2024, third-quarter fiscal 2025
    re.compile(
        rf"\b(?P<o>{_ORDINAL})[- ]quarter\s+(?:of\s+)?(?P<fy>fiscal\s+(?:year\s+)?)?(?P<y>20\d\d)\b", re.I
    ),
    # fiscal 2025 third quarter
    re.compile(rf"\b(?P<fy>fiscal)\s+(?:year\s+)?(?P<y>20\d\d)\s+(?P<o>{_ORDINAL})[- ]quarter\b", re.I),
    # fourth quarter and full-year 2019, Q4 and full year 2021, fourth quarter and fiscal year 2021
    re.compile(
        rf"\b(?:(?P<o>{_ORDINAL})[- ]quarter|Q(?P<q>[1-4]))\s+and\s+(?:the\s+)?"
        r"(?:full|(?P<fy>fiscal))[- ]year\s+"
        r"(?:of\s+)?(?P<y>20\d\d)\b",
        re.I,
    ),
    # 2019 fourth quarter, 2020 third-quarter
    re.compile(rf"(?<![\d$.,])(?P<y>20\d\d)\s+(?P<fy>fiscal\s+)?(?P<o>{_ORDINAL})[- ]quarter\b", re.I),
    # quarter 2 2021
    re.compile(r"\bquarter\s+(?P<q>[1-4])\s*,?\s+(?P<y>20\d\d)\b", re.I),
]
# a quarter named without its year ("our second-quarter earnings call")
QUARTER_WITHOUT_YEAR = re.compile(
    rf"\b(?P<o>{_ORDINAL})[- ]quarter\b(?!\s+(?:of\s+)?(?:fiscal\s+)?(?:year\s+)?20\d\d)", re.I
)
_MONTH_NUMBERS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}
# "for the quarter ended March 31, 2021", "three months ending October 27, 2024"
_PERIOD_END = re.compile(
    r"\b(?:quarter|three months|period)\s+(?:that\s+)?(?:ended|ending)\s+(?:on\s+)?"
    r"(?P<m>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>20\d\d)",
    re.I,
)
YEAR_RANGE = re.compile(
    r"(?:from|between)\s+(?P<a>20\d\d)\s+(?:to|and|through|-)\s+(?P<b>20\d\d)"
    r"|(?P<c>20\d\d)\s*(?:年)?\s*(?:到|至|-|–)\s*(?P<d>20\d\d)\s*年?",
    re.I,
)
YEAR = re.compile(r"(?<!\d)(?P<y>20\d\d)(?!\d)\s*(?:财年|年)?")  # "2022财年" is a period, all of it
_BARE_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
# Names of periods, with or without a year: not figures a passage has to support.
PERIOD_NAME = re.compile(
    r"(?i)(?<![A-Za-z])(?:(?:Q|H)[1-4](?:\s?(?:'|’)?(?:FY)?\d{2,4})?|[1-4](?:Q|H)(?:'|’)?\d{2,4}|[1-4](?:Q|H)(?![A-Za-z])"
    r"|FY\s?'?\d{2,4})"
    r"|第?[一二三四1-4]\s*季度?|[上下]半年"
)


@dataclass(frozen=True)
class QuarterMention:
    start: int
    end: int
    quarter: str  # "2024Q4"
    fiscal: bool  # the text says it is a fiscal quarter ("Q3 FY25", "2026财年第二季度")
    text: str


def _quarter_of(match: re.Match[str]) -> str:
    groups = match.groupdict()
    if groups.get("o"):
        q = _ORDINALS[groups["o"].lower()]
    elif groups.get("c"):
        q = _CN_DIGITS[groups["c"]]
    else:
        q = _CN_DIGITS[groups["q"]]
    year = int(groups["y"])
    return f"{year + 2000 if year < 100 else year}Q{q}"


def quarter_mentions(text: str) -> list[QuarterMention]:
    """Every quarter the text names with its year, in text order, without overlaps."""
    found: list[QuarterMention] = []
    for pattern in _QUARTER_PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < other.end and other.start < m.end() for other in found):
                continue
            found.append(
                QuarterMention(m.start(), m.end(), _quarter_of(m), bool(m.groupdict().get("fy")), m.group(0))
            )
    return sorted(found, key=lambda mention: mention.start)


def quarter_number(text: str) -> int | None:
    """The quarter an ordinal names without a year ("second-quarter earnings" → 2), else None."""
    m = QUARTER_WITHOUT_YEAR.search(text)
    return _ORDINALS[m.group("o").lower()] if m else None


def calendar_quarter_of(year: int, month: int) -> str:
    """The calendar quarter a month falls in: (2024, 10) → "2024Q4"."""
    return f"{year}Q{(month - 1) // 3 + 1}"


def period_end(text: str) -> tuple[str, str] | None:
    """(calendar quarter, phrase) of a quarter's end date the text gives ("the quarter ended March 31,
    2021" → "2021Q1"), else None."""
    m = _PERIOD_END.search(text)
    if not m:
        return None
    return calendar_quarter_of(int(m.group("y")), _MONTH_NUMBERS[m.group("m")[:3].lower()]), m.group(0)


def normalize_quarter(value: str) -> str | None:
    """ "Q4 2024", "4Q24", "2024年第四季度", "2024q4" → "2024Q4"; None when it names no quarter."""
    mentions = quarter_mentions(value)
    return mentions[0].quarter if mentions else None


def quarters_named(text: str) -> list[str]:
    """Each quarter the text names, normalised, once, in text order."""
    return list(dict.fromkeys(m.quarter for m in quarter_mentions(text)))


def year_range(text: str) -> list[int]:
    """The years of a range the text names ("from 2023 to 2025" → [2023, 2024, 2025]), else []."""
    m = YEAR_RANGE.search(text)
    if not m:
        return []
    a, b = int(m.group("a") or m.group("c")), int(m.group("b") or m.group("d"))
    return list(range(min(a, b), max(a, b) + 1))


# a fiscal year written short: "fiscal '21", "fiscal year '20", "FY22", "FY '23" (not "FY 10%")
_SHORT_FISCAL_YEAR = re.compile(r"\b(?:fiscal(?:\s+year)?\s*['’]|FY\s*['’]?)(\d\d)(?!\d|%|[.,]\d)", re.I)


def years_named(text: str) -> set[int]:
    short = {2000 + int(y) for y in _SHORT_FISCAL_YEAR.findall(text)}
    return {int(y) for y in _BARE_YEAR.findall(text)} | short


def mask_periods(text: str) -> str:
    """The text with quarter, year-range and year mentions blanked out (same length)."""
    for mention in quarter_mentions(text):
        text = text[: mention.start] + " " * (mention.end - mention.start) + text[mention.end :]
    for pattern in (YEAR_RANGE, YEAR):
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def period_name_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in PERIOD_NAME.finditer(text)]
