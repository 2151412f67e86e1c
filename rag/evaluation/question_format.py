"""The question-file format every evaluation set shares: fields, categories, the validated question.

One JSON object per line with the fields below; the seed sets (rag.evaluation.question_set) and the
corpus-spec sets (rag.evaluation.corpus_questions) add their own rules on top.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEED_CATEGORIES = (
    "speaker_topic",  # what a named person said (or, for an analyst, asked) about a topic
    "who_asked",  # which analyst asked about something
    "number",  # a figure: guidance, growth rate, revenue, capex, user counts, dates
    "quarter",  # the question names a quarter ("Q4 2024", "4Q24", "2024年第四季度" ...)
    "cross_quarter",  # the answer needs evidence from two or more calls
    "alias",  # names a speaker by a nickname, surname, role or Chinese transliteration
    "unattributed",  # the answering passage names no speaker; the answer must not invent one
    "unanswerable",  # the transcripts do not contain the answer
)
# Corpus-spec sets (real calls) add what questions about any company exercise.
CATEGORIES = (
    *SEED_CATEGORIES,
    "company",  # names the company by a short name, ticker or possessive ("Aon's", "ELS")
    "role",  # names a person by role ("OFG's CFO", "the CEO") instead of by name
    "period",  # asks for a figure about a period that is not the call's own quarter ("capex in 2022")
    "paraphrase",  # words the topic otherwise than the transcript does
    "cross_language",  # a Chinese question about an English call, or the other way round
)
FIELDS = (
    "id",
    "question",
    "language",
    "categories",
    "answerable",
    "quarters",
    "speaker",
    "asker",
    "evidence",
    "evidence_mode",
    "gold_source",
    "note",
)
REQUIRED_FIELDS = tuple(f for f in FIELDS if f != "note")
LANGUAGES = ("en", "zh")
EVIDENCE_MODES = ("all", "any")
CJK = re.compile(r"[\u4e00-\u9fff]")
ID_DIGITS = 3


@dataclass(frozen=True)
class EvalQuestion:
    """One line of questions.jsonl, already validated."""

    id: str
    question: str
    language: str
    categories: tuple[str, ...]
    answerable: bool
    quarters: tuple[str, ...]
    speaker: str | None
    asker: str | None
    evidence: tuple[str, ...]
    evidence_mode: str
    gold_sources: tuple[str, ...]
    note: str = ""

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> EvalQuestion:
        gold = raw["gold_source"]
        return cls(
            id=raw["id"],
            question=raw["question"],
            language=raw["language"],
            categories=tuple(raw["categories"]),
            answerable=raw["answerable"],
            quarters=tuple(raw["quarters"]),
            speaker=raw["speaker"],
            asker=raw["asker"],
            evidence=tuple(raw["evidence"]),
            evidence_mode=raw["evidence_mode"],
            gold_sources=() if gold is None else (gold,) if isinstance(gold, str) else tuple(gold),
            note=raw.get("note", ""),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON line this question was read from (gold_source back to null / a name / a list)."""
        gold: str | list[str] | None = None
        if len(self.gold_sources) == 1:
            gold = self.gold_sources[0]
        elif self.gold_sources:
            gold = list(self.gold_sources)
        return {
            "id": self.id,
            "question": self.question,
            "language": self.language,
            "categories": list(self.categories),
            "answerable": self.answerable,
            "quarters": list(self.quarters),
            "speaker": self.speaker,
            "asker": self.asker,
            "evidence": list(self.evidence),
            "evidence_mode": self.evidence_mode,
            "gold_source": gold,
            "note": self.note,
        }


@dataclass(frozen=True)
class CheckResult:
    questions: tuple[EvalQuestion, ...]
    problems: tuple[str, ...]
    weak_evidence: tuple[str, ...]  # evidence that also occurs outside its gold sources (informational)


def read_raw_questions(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse the JSON lines; a line that is not a JSON object is reported, not raised."""
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            problems.append(f"line {line_no}: blank line (one JSON object per line, no blank lines)")
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(f"line {line_no}: not valid JSON ({error.msg})")
            continue
        if not isinstance(row, dict):
            problems.append(f"line {line_no}: expected a JSON object, got {type(row).__name__}")
            continue
        rows.append(row)
    return rows, problems


def overlap_problems(questions: Sequence[EvalQuestion], others: Sequence[Path]) -> list[str]:
    """Ids and question texts this set shares with the other shipped sets: ids must be unique across
    files (metrics and reports key on them), and a held-out question must not repeat a tuned-on one."""
    problems: list[str] = []
    for other in others:
        rows, _ = read_raw_questions(other)
        ids = {row.get("id") for row in rows}
        texts = {" ".join(str(row.get("question", "")).split()).casefold(): row.get("id") for row in rows}
        for q in questions:
            if q.id in ids:
                problems.append(f"{q.id}: id also used in {other.name}; ids must be unique across the sets")
            twin = texts.get(" ".join(q.question.split()).casefold())
            if twin is not None:
                problems.append(f"{q.id}: the same question as {twin} in {other.name}")
    return problems


def summary_table(questions: Sequence[EvalQuestion]) -> str:
    """Counts per language, category, quarter, speaker and evidence mode, as aligned text."""
    sections: list[tuple[str, Counter[str]]] = [
        ("language", Counter(q.language for q in questions)),
        ("category", Counter(c for q in questions for c in q.categories)),
        ("quarter", Counter(quarter for q in questions for quarter in q.quarters)),
        ("speaker", Counter(q.speaker or "(none)" for q in questions if q.answerable)),
        ("asker", Counter(q.asker for q in questions if q.asker)),
        ("evidence_mode", Counter(q.evidence_mode for q in questions if q.answerable)),
    ]
    lines = [f"{'total':<16}{'':<20}{len(questions):>5}"]
    for title, counts in sections:
        order = CATEGORIES if title == "category" else sorted(counts)
        for i, key in enumerate(k for k in order if counts[k]):
            lines.append(f"{title if i == 0 else '':<16}{key:<20}{counts[key]:>5}")
    return "\n".join(lines)
