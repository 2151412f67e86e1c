"""A call's company, quarter, date, ticker and language, read from its text where the text states them.

Every detected value comes with the phrase it was read from, so that `rag add` can print why it
believes it; nothing is guessed from indirect evidence (a bare "third-quarter" without a year gives no
quarter).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_CN_DIGIT = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}

_QUARTER_PATTERNS = [
    # "Q3 FY25", "Q3 2024", "Q3 fiscal 2025", "3Q24"
    re.compile(
        r"(?<![A-Za-z\d])Q(?P<q>[1-4])\s*(?:FY|fiscal(?:\s+year)?)?\s*'?(?P<y>20\d\d|\d\d)(?!\d)", re.I
    ),
    re.compile(r"(?<![A-Za-z\d])(?P<q>[1-4])Q\s*(?P<y>20\d\d|\d\d)(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>20\d\d)\s*Q(?P<q>[1-4])(?!\d)"),  # "2024Q4"
    # "Third Quarter 2020", "third quarter of fiscal 2025", "third-quarter 2021"
    re.compile(
        r"\b(?P<o>first|second|third|fourth)[- ]quarter\s+"
        r"(?:of\s+)?(?:fiscal\s+(?:year\s+)?)?(?P<y>20\d\d)\b",
        re.I,
    ),
    # "fiscal 2025 third quarter"
    re.compile(r"\bfiscal\s+(?:year\s+)?(?P<y>20\d\d)\s+(?P<o>first|second|third|fourth)[- ]quarter\b", re.I),
    # "2026财年第二季度", "2025年第二季度", "2025年Q2"
    re.compile(
        r"(?P<y>20\d\d)\s*(?:财年|财政年度|年度|年)\s*"
        r"(?:第\s*(?P<c>[一二三四1-4])\s*(?:财)?季度|Q(?P<q>[1-4]))"
    ),
]
_COMPANY_PATTERNS = [
    re.compile(
        r"^#\s*(?P<c>[A-Z][\w&.,'’ -]{1,60}?)\s*[—–:-]+\s*"
        r"(?:Q[1-4]|FY|\d|(?:first|second|third|fourth) quarter)",
        re.M | re.I,
    ),
    re.compile(r"\*\*Company:\*\*\s*(?P<c>[^(\n;*]+)"),
    re.compile(
        r"(?i:welcome)\s+(?:\w+\s+){0,2}to\s+(?:the\s+)?"
        r"(?P<c>[A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*){0,4}?)(?:'s|’s)?\s+"
        r"(?i:(?:first|second|third|fourth|Q[1-4]|fiscal|full[- ]year|20\d\d)"
        r"[\w -]{0,40}?(?:earnings|results|conference))"
    ),
    re.compile(
        r"(?P<c>[A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*){0,4}?)\s+"
        r"(?:First|Second|Third|Fourth) Quarter\s+20\d\d\s+Earnings"
    ),
    re.compile(
        r"(?P<c>[A-Z][A-Za-z&.'’-]*(?:\s+[A-Z][A-Za-z&.'’-]*){0,4})\s*\((?P<t>[A-Z]{1,5})-?\d[\d.]*%\)"
    ),  # Motley Fool
]
_TICKER = re.compile(
    r"\((?:(?:NYSE|NASDAQ|Nasdaq|HKEX|NYSEARCA)\s*:\s*)?(?P<t>[A-Z]{1,5})\)|\((?P<m>[A-Z]{1,5})-?\d[\d.]*%\)"
)
_LEGAL_SUFFIX = re.compile(
    r"(?:,?\s+(?:Corporation|Corp\.?|Incorporated|Inc\.?|Company|Co\.|Group|Holdings|Limited|Ltd\.?|plc|PLC|S\.A\.|AG|N\.V\.))+$"
)
_DATE_EN = re.compile(
    r"\b(?P<m>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(?P<d>\d{1,2}),\s+(?P<y>20\d\d)\b"
)
_DATE_ZH = re.compile(r"(?P<y>20\d\d)\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")
_HEADER_CHARS = 1500


@dataclass(frozen=True)
class DetectedMetadata:
    """Values read from the text; `evidence` maps each field to the phrase it came from."""

    company: str | None = None
    quarter: str | None = None
    call_date: str | None = None
    ticker: str | None = None
    language: str = "en"
    evidence: dict[str, str] = field(default_factory=dict)


def detect_language(text: str) -> str:
    """ "zh" when Chinese characters are a fifth or more of the letters, else "en"."""
    sample = text[:50000]
    cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in sample)
    letters = sum(ch.isalpha() for ch in sample)
    return "zh" if letters and cjk / letters >= 0.2 else "en"


def detect_quarter(text: str) -> tuple[str, str] | None:
    """(quarter, phrase): the quarter the text names most often, the earliest on a tie."""
    found: list[tuple[int, str, str]] = []
    for pattern in _QUARTER_PATTERNS:
        for m in pattern.finditer(text):
            groups = m.groupdict()
            if groups.get("o"):
                q = _ORDINAL[groups["o"].lower()]
            elif groups.get("c"):
                q = _CN_DIGIT[groups["c"]]
            else:
                q = int(groups["q"])
            year = int(groups["y"])
            found.append((m.start(), f"{year + 2000 if year < 100 else year}Q{q}", m.group(0)))
    if not found:
        return None
    counts = Counter(quarter for _, quarter, _ in found)
    best = max(counts.values())
    start, quarter, phrase = min(f for f in found if counts[f[1]] == best)
    return quarter, phrase


def clean_company_name(name: str) -> str:
    """ "The Coca-Cola Company" → "Coca-Cola"; "NVIDIA Corporation" → "NVIDIA"."""
    name = re.sub(r"^(?:the)\s+", "", name.strip(" ,.;:"), flags=re.I)
    name = re.sub(r"['’]s$", "", name)
    stripped = _LEGAL_SUFFIX.sub("", name).strip(" ,")
    return stripped or name


def detect_company(text: str) -> tuple[str, str] | None:
    for pattern in _COMPANY_PATTERNS:
        m = pattern.search(text[:20000])
        if m:
            return clean_company_name(m.group("c")), m.group(0).strip()
    return None


def detect_ticker(text: str) -> tuple[str, str] | None:
    m = _TICKER.search(text[:20000])
    return ((m.group("t") or m.group("m")), m.group(0)) if m else None


def detect_call_date(text: str) -> tuple[str, str] | None:
    """A date in the header ("call held Nov 20, 2024", "美国东部时间2025年10月30日"), as YYYY-MM-DD."""
    header = text[:_HEADER_CHARS]
    m = _DATE_ZH.search(header)
    if m:
        return f"{m.group('y')}-{int(m.group('m')):02d}-{int(m.group('d')):02d}", m.group(0)
    m = _DATE_EN.search(header)
    if m:
        month = _MONTHS[m.group("m")[:3].lower()]
        return f"{m.group('y')}-{month:02d}-{int(m.group('d')):02d}", m.group(0)
    return None


def detect_call_metadata(text: str) -> DetectedMetadata:
    evidence: dict[str, str] = {}
    values: dict[str, str | None] = {}
    for name, finder in (
        ("company", detect_company),
        ("quarter", detect_quarter),
        ("call_date", detect_call_date),
        ("ticker", detect_ticker),
    ):
        found = finder(text)
        values[name] = found[0] if found else None
        if found:
            evidence[name] = found[1]
    language = detect_language(text)
    evidence["language"] = f"{'Chinese' if language == 'zh' else 'mostly Latin'} text"
    return DetectedMetadata(
        company=values["company"],
        quarter=values["quarter"],
        call_date=values["call_date"],
        ticker=values["ticker"],
        language=language,
        evidence=evidence,
    )
