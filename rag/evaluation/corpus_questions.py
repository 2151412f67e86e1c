"""Checks for question sets asked over a corpus spec (real calls, the samples): the same fields as the
seed sets, with gold_source naming a call of the spec.

Schema; fields agreeing with each other and with the question; every evidence string found verbatim
(whitespace aside) in a turn of its gold source and kept by the product's cleaner; the expected speaker
being who the file says speaks there (rag.evaluation.gold_turns), in every gold source; coverage
minimums per set (the unanswerable share, the languages asked for, how many calls are asked about).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.evaluation.corpus_spec import CorpusSpec, SpecCall
from rag.evaluation.gold_turns import GoldTurn, normalize, read_gold_turns
from rag.evaluation.question_format import (
    CATEGORIES,
    CJK,
    EVIDENCE_MODES,
    FIELDS,
    ID_DIGITS,
    LANGUAGES,
    REQUIRED_FIELDS,
    EvalQuestion,
)
from rag.transcripts.clean import clean_transcript as product_clean

EVIDENCE_MIN_CHARS, EVIDENCE_MAX_CHARS = 2, 60
# A question names a quarter: "Q3 2021", "3Q21", "2021Q3", "third quarter", "fiscal Q2", "第三季度".
QUARTER_MENTION = re.compile(
    r"(?<![A-Za-z0-9])(?:Q[1-4](?:\s?'?(?:20)?\d\d)?|[1-4]Q(?:\d\d)?|20\d\dQ[1-4])(?![A-Za-z0-9])"
    r"|(?i:\b(?:first|second|third|fourth)[- ]quarter\b)"
    r"|第?\s?[一二三四1-4]\s?(?:季度|财季|财季度)"
)
_COMPARE = re.compile(r"[\s\u3000]+")


@dataclass(frozen=True)
class CorpusMinimums:
    """Coverage a corpus-spec set must keep."""

    total: int = 1  # the shipped sets set their own; a set given with --corpus needs only its shares
    unanswerable_share: float = 0.15
    languages: tuple[tuple[str, int], ...] = (("en", 1),)  # (language, at least this many questions)
    calls_asked: int = 1  # distinct gold sources of the answerable questions
    cross_quarter: int = 0
    who_asked: int = 0


@dataclass(frozen=True)
class CorpusQuestionSet:
    """A question file asked over a corpus spec, its id prefix and the coverage it must keep."""

    path: Path
    id_prefix: str
    corpus: Path
    minimums: CorpusMinimums


class CorpusTexts:
    """A spec's calls, each read once: its gold turns and its text as the product's cleaner leaves it."""

    def __init__(self, spec: CorpusSpec) -> None:
        self.spec = spec
        self._turns: dict[str, tuple[GoldTurn, ...]] = {}
        self._normalized: dict[str, tuple[str, ...]] = {}
        self._cleaned: dict[str, str] = {}

    def turns(self, call: SpecCall) -> tuple[GoldTurn, ...]:
        if call.source not in self._turns:
            self._turns[call.source] = tuple(read_gold_turns(call))
            self._normalized[call.source] = tuple(normalize(t.text) for t in self._turns[call.source])
        return self._turns[call.source]

    def holding(self, call: SpecCall, item: str) -> list[GoldTurn]:
        """The call's turns that hold `item` (whitespace aside)."""
        turns, wanted = self.turns(call), normalize(item)
        return [t for t, text in zip(turns, self._normalized[call.source], strict=True) if wanted in text]

    def product_text(self, call: SpecCall) -> str:
        """Whitespace removed, as evidence is compared with what chunks are made of."""
        if call.source not in self._cleaned:
            text = "\n".join(t.text for t in self.turns(call))
            self._cleaned[call.source] = _COMPARE.sub("", product_clean(text))
        return self._cleaned[call.source]


def schema_problems(
    raw: dict[str, Any], spec: CorpusSpec, id_prefix: str, id_digits: int = ID_DIGITS
) -> list[str]:
    """Field names, types and allowed values of one question; gold sources are calls of the spec."""
    qid = raw.get("id", "<no id>")
    problems: list[str] = []

    def bad(message: str) -> None:
        problems.append(f"{qid}: {message}")

    missing = [f for f in REQUIRED_FIELDS if f not in raw]
    unknown = [f for f in raw if f not in FIELDS]
    if missing:
        bad(f"missing fields {missing}")
    if unknown:
        bad(f"unknown fields {unknown}; allowed fields are {list(FIELDS)}")
    if missing:
        return problems
    if not isinstance(qid, str) or not re.fullmatch(rf"{re.escape(id_prefix)}\d{{{id_digits}}}", qid):
        bad(f"id {qid!r} must be {id_prefix!r} and {id_digits} digits")
    if not isinstance(raw["question"], str) or not raw["question"].strip():
        bad("question must be a non-empty string")
    if raw["language"] not in LANGUAGES:
        bad(f"language {raw['language']!r} is not one of {list(LANGUAGES)}")
    categories = raw["categories"]
    if not isinstance(categories, list) or not categories:
        bad("categories must be a non-empty list")
    else:
        unknown_categories = [c for c in categories if c not in CATEGORIES]
        if unknown_categories:
            bad(f"categories {unknown_categories} are not among {list(CATEGORIES)}")
        if len(set(categories)) != len(categories):
            bad(f"categories {categories} repeat a value")
    if not isinstance(raw["answerable"], bool):
        bad(f"answerable must be true or false, got {raw['answerable']!r}")
    quarters = raw["quarters"]
    if not isinstance(quarters, list) or any(not re.fullmatch(r"20\d\dQ[1-4]", str(q)) for q in quarters):
        bad(f"quarters {quarters!r} must be a list of quarters like '2021Q3'")
    for role in ("speaker", "asker"):
        if raw[role] is not None and (not isinstance(raw[role], str) or not raw[role].strip()):
            bad(f"{role} must be a name or null, got {raw[role]!r}")
    evidence = raw["evidence"]
    if not isinstance(evidence, list) or any(not isinstance(e, str) for e in evidence):
        bad("evidence must be a list of strings")
    else:
        for item in evidence:
            if not EVIDENCE_MIN_CHARS <= len(item) <= EVIDENCE_MAX_CHARS:
                bad(
                    f"evidence {item!r} has {len(item)} characters; "
                    f"allowed {EVIDENCE_MIN_CHARS}-{EVIDENCE_MAX_CHARS}"
                )
            if item != item.strip():
                bad(f"evidence {item!r} has leading or trailing whitespace")
    if raw["evidence_mode"] not in EVIDENCE_MODES:
        bad(f"evidence_mode {raw['evidence_mode']!r} is not one of {list(EVIDENCE_MODES)}")
    gold = raw["gold_source"]
    gold_list = [] if gold is None else [gold] if isinstance(gold, str) else gold
    if not isinstance(gold_list, list) or any(spec.call(str(g)) is None for g in gold_list):
        shown = ", ".join(spec.sources[:3])
        bad(f"gold_source {gold!r} must be null, a source of {spec.path.name} ({shown}, …) or a list of them")
    if not isinstance(raw.get("note", ""), str):
        bad("note must be a string")
    return problems


def _names(text: str, name: str) -> bool:
    """`name` occurs in `text` as a whole word (case-insensitive; a Chinese name anywhere)."""
    if CJK.search(name):
        return name in text
    return re.search(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", text, re.IGNORECASE) is not None


def consistency_problems(q: EvalQuestion, texts: CorpusTexts) -> list[str]:
    """Fields that must agree with each other, with the spec and with the question text."""
    problems: list[str] = []

    def bad(message: str) -> None:
        problems.append(f"{q.id}: {message}")

    cats = set(q.categories)
    has_cjk = bool(CJK.search(q.question))
    if q.language == "zh" and not has_cjk:
        bad("language is zh but the question has no Chinese characters")
    if q.language == "en" and has_cjk:
        bad("language is en but the question contains Chinese characters")
    if q.answerable == ("unanswerable" in cats):
        bad("'unanswerable' must be in categories exactly when answerable is false")
    calls = [c for c in (texts.spec.call(g) for g in q.gold_sources) if c is not None]
    if not q.answerable:
        if q.quarters or q.evidence or q.gold_sources or q.speaker or q.asker:
            bad(
                "an unanswerable question needs quarters [], evidence [], gold_source null, "
                "speaker and asker null"
            )
        if cats & {"unattributed", "cross_quarter", "cross_language"}:
            bad("an unanswerable question cannot be unattributed, cross_quarter or cross_language")
    else:
        if not q.evidence or not q.gold_sources or not q.quarters:
            bad("an answerable question needs evidence, gold_source and quarters")
        gold_quarters = sorted({c.quarter for c in calls})
        if sorted(q.quarters) != gold_quarters or len(set(q.quarters)) != len(q.quarters):
            bad(f"quarters {list(q.quarters)} do not match the gold sources' quarters {gold_quarters}")
        if ("cross_quarter" in cats) != (len(q.gold_sources) > 1):
            bad("'cross_quarter' must be in categories exactly when the evidence spans several calls")
        if len(set(q.gold_sources)) != len(q.gold_sources):
            bad("gold_source names a call twice")
        other_language = bool(calls) and all(c.language != q.language for c in calls)
        if ("cross_language" in cats) != other_language:
            bad("'cross_language' must be in categories exactly when the calls are in another language")
        if "unattributed" in cats and q.speaker is not None:
            bad(f"'unattributed' questions expect speaker null, got {q.speaker!r}")
        if "who_asked" in cats and q.asker is None:
            bad("a who_asked question needs the expected asker")
        if "speaker_topic" in cats and q.speaker is None:
            bad("a speaker_topic question needs the expected speaker")
    if q.asker is not None and "who_asked" not in cats:
        bad("asker is set but the question is not in category who_asked")
    if q.speaker is not None and "speaker_topic" in cats and calls:
        # in full: as a gold call's own speaker labels spell the person (another call's spelling is an alias)
        labels = {t.speaker for c in calls for t in texts.turns(c)}
        forms = {n for c in calls for n in c.same_person(q.speaker) if n in labels}
        in_full = any(_names(q.question, form) for form in forms)
        if in_full and "alias" in cats:
            bad(f"'alias' but the question names {q.speaker!r} in full")
        if not in_full and not cats & {"alias", "role"}:
            bad(f"the question does not name {q.speaker!r} in full: add 'alias' (or 'role')")
    if ("quarter" in cats) != bool(QUARTER_MENTION.search(q.question)):
        bad("'quarter' must be in categories exactly when the question names a quarter (Q3 2021, 第三季度 …)")
    return problems


def _holds(turn: GoldTurn, item: str) -> bool:
    return normalize(item) in normalize(turn.text)


def evidence_problems(q: EvalQuestion, texts: CorpusTexts) -> list[str]:
    """Every string in a turn of a gold source (whitespace aside) and kept by the product's cleaner; each
    gold source holds one; in 'all' mode one turn per source holds all of that source's strings."""
    problems: list[str] = []
    calls = {g: texts.spec.call(g) for g in q.gold_sources}
    found_anywhere: set[str] = set()
    for source, call in calls.items():
        if call is None:
            continue
        turns = texts.turns(call)
        here = [item for item in q.evidence if texts.holding(call, item)]
        found_anywhere.update(here)
        if not here:
            problems.append(f"{q.id}: no evidence string is found in gold source {source}")
            continue
        for item in here:
            if _COMPARE.sub("", item) not in texts.product_text(call):
                problems.append(
                    f"{q.id}: evidence {item!r} does not survive the product's cleaner in {source}"
                )
        if q.evidence_mode == "all" and not any(all(_holds(t, i) for i in here) for t in turns):
            problems.append(
                f"{q.id}: evidence_mode 'all' but {here} never share one turn of {source}; "
                "a single retrieved passage could not hold them all"
            )
    for item in q.evidence:
        if item not in found_anywhere and all(c is not None for c in calls.values()):
            problems.append(f"{q.id}: evidence {item!r} not found in {', '.join(q.gold_sources)}")
    return problems


def speakers_at_evidence(q: EvalQuestion, call: SpecCall, texts: CorpusTexts) -> set[str | None]:
    """Who the file says speaks in each turn holding one of the question's evidence strings."""
    return {t.speaker for item in q.evidence for t in texts.holding(call, item)}


def attribution_problems(q: EvalQuestion, texts: CorpusTexts) -> list[str]:
    """The expected speaker is who the file names where the evidence is, in every gold source."""
    if not q.answerable:
        return []
    problems: list[str] = []
    resolved: dict[str, set[str | None]] = {}
    for source in q.gold_sources:
        call = texts.spec.call(source)
        if call is None:
            return []
        resolved[source] = speakers_at_evidence(q, call, texts)
        if q.speaker is not None and not set(call.same_person(q.speaker)) & resolved[source]:
            spoken = sorted(str(s) for s in resolved[source])
            problems.append(
                f"{q.id}: expected speaker {q.speaker!r} but the evidence in {source} is spoken by "
                f"{spoken} (None = unattributed)"
            )
        if "unattributed" in q.categories and None not in resolved[source]:
            problems.append(
                f"{q.id}: marked unattributed but every evidence turn in {source} names a speaker"
            )
    if resolved and all(s == {None} for s in resolved.values()) and "unattributed" not in q.categories:
        problems.append(f"{q.id}: every evidence turn is unattributed; add category 'unattributed'")
    if "who_asked" in q.categories and q.asker != q.speaker:
        problems.append(
            f"{q.id}: who_asked evidence is the analyst's own question, so speaker must equal asker"
        )
    return problems


def weak_evidence(q: EvalQuestion, texts: CorpusTexts) -> list[str]:
    """Evidence that also occurs in a call that is not a gold source (a hit there proves nothing)."""
    notes = []
    for item in q.evidence:
        elsewhere = [
            c.source for c in texts.spec.calls if c.source not in q.gold_sources and texts.holding(c, item)
        ]
        if elsewhere:
            notes.append(f"{q.id}: {item!r} also occurs in {', '.join(elsewhere)}")
    return notes


def coverage_problems(questions: Sequence[EvalQuestion], minimums: CorpusMinimums) -> list[str]:
    problems: list[str] = []
    total = len(questions)
    problems += [f"{qid}: id used {n} times" for qid, n in Counter(q.id for q in questions).items() if n > 1]
    if total < minimums.total:
        problems.append(f"only {total} questions; at least {minimums.total} required")
    unanswerable = sum(1 for q in questions if not q.answerable)
    if total and unanswerable / total < minimums.unanswerable_share:
        problems.append(
            f"{unanswerable} of {total} questions unanswerable ({unanswerable / total:.0%}); "
            f"at least {minimums.unanswerable_share:.0%} required"
        )
    languages = Counter(q.language for q in questions)
    for language, needed in minimums.languages:
        if languages[language] < needed:
            problems.append(f"{languages[language]} {language} questions; at least {needed} required")
    calls = {g for q in questions if q.answerable for g in q.gold_sources}
    if len(calls) < minimums.calls_asked:
        problems.append(f"answerable questions ask about {len(calls)} calls; at least {minimums.calls_asked}")
    categories = Counter(c for q in questions for c in q.categories)
    for category, needed in (("cross_quarter", minimums.cross_quarter), ("who_asked", minimums.who_asked)):
        if categories[category] < needed:
            problems.append(f"{categories[category]} {category} questions; at least {needed} required")
    return problems


def check_question(
    raw: dict[str, Any], texts: CorpusTexts, id_prefix: str, id_digits: int = ID_DIGITS
) -> tuple[EvalQuestion | None, list[str]]:
    """One row through every per-question check; the question when its schema is sound."""
    problems = schema_problems(raw, texts.spec, id_prefix, id_digits)
    if problems:
        return None, problems
    q = EvalQuestion.from_dict(raw)
    problems += consistency_problems(q, texts)
    problems += evidence_problems(q, texts)
    problems += attribution_problems(q, texts)
    return q, problems
