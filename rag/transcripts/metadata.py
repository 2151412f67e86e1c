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
from rag.text.glossary import company_aliases, company_key
from rag.text.language import language_of
from rag.text.names import name_key
from rag.text.quarters import (
    QuarterMention,
    normalize_quarter,
    period_end,
    quarter_mentions,
    quarter_number,
)

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}

_NAME = r"(?P<c>[A-Z][\w&.'’/-]*(?:,?\s+(?:[A-Z][\w&.'’/-]*|&|of|and|de|plc|inc\.?)){0,5}?)"
_PERIOD_WORDS = r"(?:first|second|third|fourth|Q[1-4]|quarter|fiscal|FY|full[- ]year|20\d\d|1st|2nd|3rd|4th)"
_COMPANY_PATTERNS = [
    re.compile(
        rf"^#\s*{_NAME}\s*[—–:-]+\s*(?:Q[1-4]|FY|\d|(?:first|second|third|fourth) quarter)", re.M | re.I
    ),
    re.compile(r"\*\*Company:\*\*\s*(?P<c>[^(\n;*]+)"),
    # "welcome to the ADM fourth quarter 2021 earnings", "welcome to Devon Energy's second-quarter"
    re.compile(
        rf"(?i:welcome)\s+(?:\w+\s+){{0,2}}to\s+(?:the\s+)?{_NAME}(?:'s|’s|s')?\s+"
        rf"(?i:(?:{_PERIOD_WORDS})[\w -]{{0,40}}?(?:earnings|results|conference|call)|"
        r"(?:earnings|financial results|conference call|results conference))"
    ),
    # "welcome to the Fourth Quarter 2019 Discover Financial Services Earnings", "... Call for Clear Channel"
    re.compile(
        rf"(?i:welcome)\s+(?:\w+\s+){{0,2}}to\s+(?:the\s+|our\s+)?(?i:{_PERIOD_WORDS}[\w -]{{0,30}}?)\s+"
        rf"(?:(?i:conference call|earnings call|call)\s+for\s+)?{_NAME}(?:'s|’s)?\s+"
        r"(?i:earnings|financial|results|conference)"
    ),
    re.compile(rf"{_NAME}\s+(?:First|Second|Third|Fourth) Quarter\s+20\d\d\s+(?:Results|Earnings)"),
    # "welcome to today's Standard Motor Products Third Quarter", "joining us for DXC Technology's Q4"
    re.compile(
        rf"(?i:joining|welcome)\s+(?:\w+\s+){{0,3}}?(?:(?i:to|for)\s+)?(?:(?i:today's|today’s|the)\s+)?{_NAME}"
        rf"(?:'s|’s|'|’)?\s+(?i:{_PERIOD_WORDS}|business update|earnings|financial results)"
    ),
    # "… Earnings Conference Call for Clear Channel Outdoor Holdings Inc.", "earnings discussion for PennyMac"
    re.compile(rf"(?i:call|discussion|conference)\s+for\s+{_NAME}(?:[.,;]|\s*$)"),
    re.compile(
        r"(?P<c>[A-Z][A-Za-z&.'’-]*(?:\s+[A-Z][A-Za-z&.'’-]*){0,4})\s*\((?P<t>[A-Z]{1,5})-?\d[\d.]*%\)"
    ),  # Motley Fool
]
_NOT_COMPANY = re.compile(rf"^(?i:{_PERIOD_WORDS}|the|our|this|today|everyone|all)\b")
_TICKER = re.compile(
    r"\((?:(?:NYSE|NASDAQ|Nasdaq|HKEX|NYSEARCA)\s*:\s*)?(?P<t>[A-Z]{1,5})\)|\((?P<m>[A-Z]{1,5})-?\d[\d.]*%\)"
)
_LEGAL_SUFFIX = re.compile(
    r"(?:,?\s+(?:Corporation|Corp\.?|Incorporated|Inc\.?|Company|Co\.?|Group|Holdings|Limited|Ltd\.?|plc|PLC|"
    r"S\.A\.|AG|N\.V\.|Announces|Reports))+$"
)
# a date on a line of its own or after "Date:" (a title block), never a date inside a sentence
# (replay dates, period ends and filing dates are not the call's)
_DATE_EN = re.compile(
    r"^\W*(?:date:\W*)?(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
    r"(?P<m>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+"
    r"(?P<y>20\d\d)\b[^.\n]{0,40}$",
    re.I | re.M,
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


_INTRO_WINDOW = 4000  # characters at the start of a call where its introduction is
_INTRO_WORDS = re.compile(
    r"\b(?:welcome|welcoming|joining|join us|thank you for (?:joining|standing by))\b", re.I
)
_CALL_WORDS = re.compile(r"\b(?:call|conference|results|earnings|webcast)\b", re.I)
_TITLE_LINE = re.compile(
    r"^(?:#+\s*.+|[-*]?\s*\*\*(?:period|quarter|company)[:*]+.+|.{0,80}\b(?:results|earnings)\b.{0,20}"
    r"\b(?:conference\s+)?call\b.{0,30})$",
    re.I | re.M,
)
# words that make a quarter in the same sentence the one compared with, not the call's own
_COMPARISON = re.compile(
    r"\b(?:versus|vs\.?|compared|comparison|against|than|from|over|year[- ]ago|prior[- ]year|last year|"
    r"same (?:quarter|period)|relative to|up from|down from)\W+(?:\w+\W+){0,4}$",
    re.I,
)


@dataclass(frozen=True)
class QuarterEvidence:
    """What a call's text says about its own quarter."""

    quarter: str | None  # "2021Q4" as stated (a fiscal quarter numbered as the company does)
    phrase: str | None  # where it was read
    sure: bool  # stated by the call's introduction or title, and nowhere contradicted there
    fiscal: bool = False
    quarter_only: int | None = None  # the introduction names a quarter without its year
    calendar_quarter: str | None = None  # from a period end the text gives ("quarter ended March 31")
    calendar_phrase: str | None = None
    conflict: str | None = None  # two quarters in the introduction: what they were
    years: tuple[int, ...] = ()  # years the introduction names outside comparisons ("the 2019 earnings call")
    years_phrase: str | None = None


def introduction(text: str) -> list[str]:
    """The title lines and the welcome sentences of a call: where it states what it is."""
    head = text[:_INTRO_WINDOW]
    found = [m.group(0).strip() for m in _TITLE_LINE.finditer(head)]
    for sentence in re.split(r"(?<=[a-z0-9%)\]][.!?])\s+|\n+", head):
        if _INTRO_WORDS.search(sentence) and _CALL_WORDS.search(sentence):
            found.append(sentence.strip())
    return found


def _own_mentions(sentence: str) -> list[QuarterMention]:
    """Quarters a sentence names, less the ones it compares with ("versus the fourth quarter of 2019")."""
    return [m for m in quarter_mentions(sentence) if not _COMPARISON.search(sentence[: m.start])]


def quarter_evidence(text: str) -> QuarterEvidence:
    """The call's own quarter: from its introduction first; a quarter mentioned only elsewhere is
    reported, but not sure (the year-ago comparisons of a call outnumber its own quarter)."""
    stated: list[QuarterMention] = []
    quarter_only = None
    years: dict[int, str] = {}
    for sentence in introduction(text):
        own = _own_mentions(sentence)
        stated += own
        if not own and quarter_only is None:
            quarter_only = quarter_number(sentence)
        for m in re.finditer(r"(?<![\d$,.])(20\d\d)(?![\d,])", sentence):
            if not _COMPARISON.search(sentence[: m.start()]):
                years.setdefault(int(m.group(1)), sentence)
    ending = period_end(text[:_INTRO_WINDOW])
    calendar, calendar_phrase = ending if ending else (None, None)
    if stated:
        quarters = list(dict.fromkeys(m.quarter for m in stated))
        first = stated[0]
        conflict = None
        if len(quarters) > 1:
            other = next(m for m in stated if m.quarter != first.quarter)
            conflict = f"{first.quarter} ({first.text!r}) and {other.quarter} ({other.text!r})"
        return QuarterEvidence(
            first.quarter,
            first.text,
            conflict is None,
            first.fiscal,
            None,
            calendar,
            calendar_phrase,
            conflict,
        )
    year_list = tuple(sorted(years))
    year_phrase = next(iter(years.values()), None)
    found = quarter_mentions(text)
    if not found:
        return QuarterEvidence(
            None, None, False, False, quarter_only, calendar, calendar_phrase, None, year_list, year_phrase
        )
    counts = Counter(m.quarter for m in found)
    best = max(counts.values())
    first = min((m for m in found if counts[m.quarter] == best), key=lambda m: m.start)
    return QuarterEvidence(
        first.quarter,
        first.text,
        False,
        first.fiscal,
        quarter_only,
        calendar,
        calendar_phrase,
        None,
        year_list,
        year_phrase,
    )


def detect_quarter(text: str) -> tuple[str, str] | None:
    """(quarter, phrase) when the call's introduction states it, else None."""
    evidence = quarter_evidence(text)
    if evidence.sure and evidence.quarter and evidence.phrase:
        return evidence.quarter, evidence.phrase
    return None


def clean_company_name(name: str) -> str:
    """ "The Coca-Cola Company" → "Coca-Cola"; "NVIDIA Corporation" → "NVIDIA"."""
    name = re.sub(r"^(?:the)\s+", "", name.strip(" ,.;:"), flags=re.I)
    name = re.sub(r"['’]s$|['’]$|(?<=Company)s$", "", name)
    stripped = _LEGAL_SUFFIX.sub("", name).strip(" ,")
    return stripped or name


def detect_company(text: str) -> tuple[str, str] | None:
    """(company, phrase) from the call's title or welcome, else None (never from a later mention)."""
    head = text[:_INTRO_WINDOW]
    for pattern in _COMPANY_PATTERNS:
        for m in pattern.finditer(head):
            name = clean_company_name(m.group("c"))
            if name and not _NOT_COMPANY.match(name):
                return name, m.group(0).strip()
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
        month = _MONTHS[m.group("m")[:3].lower()]  # noqa: SIM401
        return f"{m.group('y')}-{month:02d}-{int(m.group('d')):02d}", m.group(0)
    return None


def detect_call_metadata(text: str) -> DetectedMetadata:
    """What the text states about its call (the quarter only when its introduction states it)."""
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


class MetadataRefused(TranscriptError):
    """A file whose company or quarter is not known for sure: the message gives the evidence."""


def _quarter_agrees(label: str, evidence: QuarterEvidence) -> bool:
    return label in (evidence.quarter, evidence.calendar_quarter)


def _decide_quarter(
    name: str, evidence: QuarterEvidence, from_name: str | None, explicit: tuple[str, str] | None
) -> tuple[str, str, list[str]]:
    """(quarter, why, warnings): explicit values win; a file name must agree with the text's
    introduction; the text alone must be sure. Anything else is refused with both pieces of evidence."""
    said = f"the call's introduction says {evidence.quarter} ({evidence.phrase!r})"
    if evidence.calendar_quarter:
        said += f", a quarter ending in {evidence.calendar_quarter} ({evidence.calendar_phrase!r})"
    if explicit is not None:
        value, source = explicit
        warnings = []
        if evidence.sure and not _quarter_agrees(value, evidence):
            warnings.append(f"{source} says {value} but {said}")
        return value, source, warnings
    if evidence.conflict:
        raise MetadataRefused(
            f"{name}: the introduction names two quarters, {evidence.conflict}; "
            "give the quarter (--quarter, a manifest or --name-pattern)"
        )
    if from_name is not None:
        if evidence.sure and evidence.quarter:
            if not _quarter_agrees(from_name, evidence):
                raise MetadataRefused(
                    f"{name}: the file name says {from_name} but {said}; refused rather than guessed "
                    "(fix the name, or give the quarter in a manifest)"
                )
            return evidence.quarter, f"{said} (detected); the file name agrees", []
        if evidence.quarter_only is not None and evidence.quarter_only != int(from_name[-1]):
            raise MetadataRefused(
                f"{name}: the file name says {from_name} but the introduction names quarter "
                f"{evidence.quarter_only}; refused rather than guessed"
            )
        if evidence.years and int(from_name[:4]) not in evidence.years:
            raise MetadataRefused(
                f"{name}: the file name says {from_name} but the introduction names the year "
                f"{', '.join(map(str, evidence.years))} ({evidence.years_phrase!r}); "
                "refused rather than guessed"
            )
        return from_name, "the file name (the text's introduction does not contradict it)", []
    if evidence.sure and evidence.quarter:
        return (
            evidence.quarter,
            said.replace("the call's introduction says ", "detected from the introduction: "),
            [],
        )
    found = (
        f"the most-mentioned quarter is {evidence.quarter} ({evidence.phrase!r}), but the introduction "
        "does not state it"
        if evidence.quarter
        else "no quarter with its year"
    )
    raise MetadataRefused(
        f"{name}: not sure of the quarter: {found}; pass --quarter, a manifest or --name-pattern"
    )


def resolve_metadata(
    path: Path,
    text: str,
    given: dict[str, str | None],
    progress: Progress,
    *,
    from_name: dict[str, str] | None = None,
    from_manifest: dict[str, Any] | None = None,
    known_tickers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Company, quarter, date, language, ticker (and a sidecar's layout/hints) for a new file.

    Flags win, then the manifest, then the sidecar; then the file-name pattern and the text, which
    must agree. The text's company and quarter come from its introduction (title, welcome), never
    from a comparison. What is missing or unsure is refused (`MetadataRefused`) with the evidence.
    `known_tickers` maps the corpus's tickers to their company, so one company keeps one name.
    """
    sidecar = read_sidecar(path)
    from_name = from_name or {}
    from_manifest = from_manifest or {}
    detected = detect_call_metadata(text)
    chosen: dict[str, Any] = {k: sidecar[k] for k in ("publisher", "layout", "hints") if k in sidecar}
    why: dict[str, str] = {}
    for key in ("company", "call_date", "language", "ticker"):
        for source, values in (
            ("--" + key.replace("call_", ""), given),
            ("the manifest", from_manifest),
            (f"{path.name}.json", sidecar),
        ):
            if values.get(key):
                chosen[key], why[key] = values[key], source
                break
        else:
            if key == "ticker" and from_name.get("ticker"):
                chosen[key], why[key] = from_name["ticker"], "the file name"
            elif getattr(detected, key) and key != "language":
                chosen[key] = getattr(detected, key)
                why[key] = f"detected from the text: {detected.evidence.get(key, '')!r}"
            elif key == "company" and from_name.get("company"):
                chosen[key], why[key] = from_name["company"], "the file name"
    ticker = str(chosen.get("ticker") or "").upper()
    if (
        known_tickers
        and ticker in known_tickers
        and why.get("company", "").startswith(("detected", "the file"))
    ):
        if name_key(known_tickers[ticker]) != name_key(str(chosen["company"])):
            why["company"] += f"; the corpus already has {ticker} as {known_tickers[ticker]}"
        chosen["company"] = known_tickers[ticker]
    elif not chosen.get("company") and known_tickers and ticker in known_tickers:
        chosen["company"], why["company"] = known_tickers[ticker], f"the corpus's call with ticker {ticker}"
    if not chosen.get("company"):
        raise MetadataRefused(
            f"{path.name}: the text does not state the company of the call (no title line or welcome "
            "naming it); pass --company, or give it in a manifest"
        )
    explicit = next(
        (
            (check_quarter(str(values["quarter"])), source)
            for source, values in (
                ("--quarter", given),
                ("the manifest", from_manifest),
                (f"{path.name}.json", sidecar),
            )
            if values.get("quarter")
        ),
        None,
    )
    evidence = quarter_evidence(text)
    quarter, why["quarter"], warnings = _decide_quarter(
        path.name, evidence, from_name.get("quarter"), explicit
    )
    chosen["quarter"] = check_quarter(quarter)
    if evidence.fiscal and evidence.quarter == chosen["quarter"]:
        chosen["fiscal_period"] = f"fiscal {chosen['quarter'][:4]} Q{chosen['quarter'][-1]}"
        if evidence.calendar_quarter:
            chosen["calendar_quarter"] = evidence.calendar_quarter
    elif evidence.calendar_quarter and evidence.calendar_quarter != chosen["quarter"]:
        chosen["calendar_quarter"] = evidence.calendar_quarter
    chosen["language"] = check_language(str(chosen.get("language") or detected.language))
    if chosen.get("call_date"):
        chosen["call_date"] = check_date(str(chosen["call_date"]))
    chosen["company"] = canonical_company(str(chosen["company"]).strip())
    for key in ("company", "quarter", "call_date", "ticker"):
        if chosen.get(key):
            progress(f"{key}: {chosen[key]} (from {why.get(key, 'the text')})")
    for key in ("fiscal_period", "calendar_quarter"):
        if chosen.get(key):
            progress(f"{key}: {chosen[key]}")
    for warning in warnings:
        progress(f"warning: {warning}")
    chosen["evidence"] = why
    return chosen


def canonical_company(name: str) -> str:
    """The company's name as rag/data/companies.json spells it ("Meta Platforms" → "Meta"), else as given."""
    key = company_key(name)
    for canonical, aliases in company_aliases().items():
        if key in {company_key(a) for a in aliases}:
            return canonical
    return name
