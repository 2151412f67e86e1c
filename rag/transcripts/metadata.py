"""A call's company, quarter, date, ticker and language, read from its text where the text states them.

Every detected value comes with the phrase it was read from, so that `rag add` can print why it
believes it; nothing is guessed from indirect evidence (a bare "third-quarter" without a year gives no
quarter).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import RagError, TranscriptError
from rag.text.language import language_of
from rag.text.quarters import normalize_quarter, quarter_mentions

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}

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


def detect_quarter(text: str) -> tuple[str, str] | None:
    """(quarter, phrase): the quarter the text names most often, the earliest on a tie."""
    found = quarter_mentions(text)
    if not found:
        return None
    counts = Counter(m.quarter for m in found)
    best = max(counts.values())
    first = min((m for m in found if counts[m.quarter] == best), key=lambda m: m.start)
    return first.quarter, first.text


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
    language = language_of(text)
    evidence["language"] = f"{'Chinese' if language == 'zh' else 'mostly Latin'} text"
    return DetectedMetadata(
        company=values["company"],
        quarter=values["quarter"],
        call_date=values["call_date"],
        ticker=values["ticker"],
        language=language,
        evidence=evidence,
    )


SIDECAR_KEYS = (
    "company",
    "quarter",
    "call_date",
    "date",
    "language",
    "ticker",
    "publisher",
    "layout",
    "hints",
)
Progress = Callable[[str], None]


def read_sidecar(path: Path) -> dict[str, Any]:
    """Metadata from `FILE.json` beside FILE, if there is one; unknown keys are refused."""
    sidecar = path.with_name(path.name + ".json")
    if not sidecar.is_file():
        return {}
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except ValueError as err:
        raise TranscriptError(f"{sidecar.name}: not valid JSON ({err})") from err
    if not isinstance(data, dict):
        raise TranscriptError(
            f"{sidecar.name}: must be a JSON object with keys among {', '.join(SIDECAR_KEYS)}"
        )
    unknown = sorted(set(data) - set(SIDECAR_KEYS))
    if unknown:
        raise TranscriptError(
            f"{sidecar.name}: unknown key {unknown[0]!r}; allowed: {', '.join(SIDECAR_KEYS)}"
        )
    if "date" in data:
        data.setdefault("call_date", data.pop("date"))
    return data


def check_quarter(value: str) -> str:
    quarter = normalize_quarter(value)
    if quarter is None:
        raise RagError(
            f"quarter {value!r} is not a quarter: write it like 2024Q4, Q4 2024, 4Q24 or 2024年第四季度"
        )
    return quarter


def check_date(value: str) -> str:
    if not re.fullmatch(r"20\d\d-\d\d-\d\d", value):
        raise RagError(f"date {value!r} is not a date: write it as YYYY-MM-DD, e.g. 2024-11-20")
    return value


def check_language(value: str) -> str:
    if not re.fullmatch(r"[a-z]{2}(?:-[A-Za-z]{2,4})?", value):
        raise RagError(f"language {value!r} is not a language code: use zh, en, …")
    return value


def resolve_metadata(
    path: Path, text: str, given: dict[str, str | None], progress: Progress
) -> dict[str, Any]:
    """Company, quarter, date, language, ticker (and a sidecar's layout/hints) for a new file.

    Flags win over the sidecar, the sidecar over what the text states; detected values are printed
    with the phrase they were read from. A missing company or quarter is an error that says how to pass it.
    """
    sidecar = read_sidecar(path)
    detected = detect_call_metadata(text)
    chosen: dict[str, Any] = {k: sidecar[k] for k in ("publisher", "layout", "hints") if k in sidecar}
    for key in ("company", "quarter", "call_date", "language", "ticker"):
        if given.get(key):
            chosen[key] = given[key]
        elif sidecar.get(key):
            chosen[key] = sidecar[key]
            progress(f"{key}: {sidecar[key]} (from {path.name}.json)")
        elif getattr(detected, key):
            chosen[key] = getattr(detected, key)
            progress(f"{key}: {chosen[key]} (detected from {detected.evidence.get(key, 'the text')!r})")
    for key, flag in (("company", "--company"), ("quarter", "--quarter")):
        if not chosen.get(key):
            raise RagError(
                f"{path.name}: the text does not state the {key} of the call; pass {flag} "
                f"(or put it in {path.name}.json)"
            )
    chosen["quarter"] = check_quarter(str(chosen["quarter"]))
    chosen["language"] = check_language(str(chosen.get("language") or detected.language))
    if chosen.get("call_date"):
        chosen["call_date"] = check_date(str(chosen["call_date"]))
    chosen["company"] = str(chosen["company"]).strip()
    return chosen
