"""The dialogue set (eval/dialogues.jsonl): short conversations for follow-up questions, checked turn by turn.

One JSON object per line: {"id": "d001", "turns": [...], "note": ...}. Each turn carries the question as
typed in the conversation, its `kind`, the same question written out in full (`full_question`) and the
gold fields of a single question (language, categories, answerable, quarters, speaker, asker, evidence,
evidence_mode, gold_source, note), which describe what the turn means in its conversation — that is, the
full question. Kinds: "opening" (the first turn, standing on its own); "follow_up" (inherits from the
turns before it; as the first turn it has no previous question and means what it says alone, so its
full_question is itself); "standalone" (a later turn that must inherit nothing).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rag.evaluation.corpus_questions import CorpusTexts, check_question
from rag.evaluation.question_format import CJK, FIELDS, EvalQuestion

KINDS = ("opening", "follow_up", "standalone")
DIALOGUE_FIELDS = ("id", "turns", "note")
TURN_FIELDS = ("question", "kind", "full_question", *(f for f in FIELDS if f not in ("id", "question")))
MIN_TURNS, MAX_TURNS = 2, 4


@dataclass(frozen=True)
class DialogueMinimums:
    dialogues: int = 30
    per_language: int = 8  # dialogues whose first turn is in each language
    follow_ups: int = 30  # follow-up turns after a previous question
    standalone: int = 3  # later turns that must inherit nothing
    orphans: int = 3  # follow-ups with no previous question


@dataclass(frozen=True)
class DialogueTurn:
    id: str  # "d001.2": the dialogue and the turn's position
    question: str  # as typed in the conversation
    kind: str
    full_question: str  # the same question written out in full
    gold: EvalQuestion  # the gold of the turn; its `question` is the full question

    @property
    def inherits(self) -> bool:
        """A follow-up after a previous question: its meaning depends on the turns before it."""
        return self.kind == "follow_up" and self.question != self.full_question


@dataclass(frozen=True)
class Dialogue:
    id: str
    turns: tuple[DialogueTurn, ...]
    note: str = ""


def check_dialogue(raw: dict[str, Any], texts: CorpusTexts, number: int) -> tuple[Dialogue | None, list[str]]:
    """One line: its shape, each turn's kind and full question, and each turn's gold as a single question."""
    did = raw.get("id", f"dialogue {number}")
    problems: list[str] = []

    def bad(message: str) -> None:
        problems.append(f"{did}: {message}")

    unknown = [f for f in raw if f not in DIALOGUE_FIELDS]
    if unknown:
        bad(f"unknown fields {unknown}; allowed {list(DIALOGUE_FIELDS)}")
    if not isinstance(did, str) or not re.fullmatch(r"d\d{3}", did):
        bad(f"id {did!r} must look like 'd001'")
        return None, problems
    turns_raw = raw.get("turns")
    if not isinstance(turns_raw, list) or not MIN_TURNS <= len(turns_raw) <= MAX_TURNS:
        bad(f"turns must be a list of {MIN_TURNS}-{MAX_TURNS} turns")
        return None, problems
    turns: list[DialogueTurn] = []
    for position, turn in enumerate(turns_raw, 1):
        tid = f"{did}.{position}"
        if not isinstance(turn, dict):
            bad(f"turn {position} must be an object")
            continue
        missing = [f for f in TURN_FIELDS if f not in turn and f != "note"]
        extra = [f for f in turn if f not in TURN_FIELDS]
        if missing or extra:
            bad(f"turn {position}: missing {missing}, unknown {extra}; a turn has {list(TURN_FIELDS)}")
            continue
        question, full, kind = turn["question"], turn["full_question"], turn["kind"]
        if kind not in KINDS:
            bad(f"turn {position}: kind {kind!r} is not one of {list(KINDS)}")
            continue
        if not isinstance(question, str) or not isinstance(full, str) or not question.strip():
            bad(f"turn {position}: question and full_question must be non-empty strings")
            continue
        first = position == 1
        if first and kind == "standalone":
            bad("turn 1: a first turn is 'opening', or 'follow_up' when it reads as one with nothing before")
        if not first and kind == "opening":
            bad(f"turn {position}: only the first turn is 'opening'; later ones follow up or stand alone")
        inherits = kind == "follow_up" and not first
        if inherits and full == question:
            bad(f"turn {position}: a follow-up's full_question must write out what it inherits")
        if not inherits and full != question:
            bad(f"turn {position}: a {kind} turn stands alone, so full_question must equal question")
        if turn["language"] == "en" and CJK.search(question):
            bad(f"turn {position}: language is en but the question contains Chinese characters")
        row = {k: v for k, v in turn.items() if k not in ("question", "kind", "full_question")}
        gold, turn_problems = check_question({"id": tid, "question": full, **row}, texts, f"{did}.", 1)
        problems += turn_problems
        if gold is not None:
            turns.append(DialogueTurn(tid, question, kind, full, gold))
    if problems:
        return None, problems
    return Dialogue(did, tuple(turns), str(raw.get("note", ""))), []


def coverage_problems(dialogues: Sequence[Dialogue], minimums: DialogueMinimums) -> list[str]:
    problems: list[str] = []
    ids = Counter(d.id for d in dialogues)
    problems += [f"{did}: id used {n} times" for did, n in ids.items() if n > 1]
    if len(dialogues) < minimums.dialogues:
        problems.append(f"only {len(dialogues)} dialogues; at least {minimums.dialogues} required")
    languages = Counter(d.turns[0].gold.language for d in dialogues)
    for language in ("en", "zh"):
        if languages[language] < minimums.per_language:
            problems.append(
                f"{languages[language]} dialogues in {language}; at least {minimums.per_language} required"
            )
    turns = [t for d in dialogues for t in d.turns]
    counts = {
        "follow-up turns after a previous question": (sum(t.inherits for t in turns), minimums.follow_ups),
        "standalone later turns": (sum(t.kind == "standalone" for t in turns), minimums.standalone),
        "follow-ups with no previous question": (
            sum(d.turns[0].kind == "follow_up" for d in dialogues),
            minimums.orphans,
        ),
    }
    for what, (count, needed) in counts.items():
        if count < needed:
            problems.append(f"{count} {what}; at least {needed} required")
    return problems
