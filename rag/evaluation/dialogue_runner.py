"""The dialogue set scored turn by turn, with the metrics of single questions (issue 14).

Every dialogue is asked three ways over its corpus spec: as a conversation (`rag.api.ask` with the
answers so far as `history`, as the chat asks it), each turn stateless (as typed, with no history:
what the product did before conversations), and each turn's `full_question` stateless (the turn written
out in full: the upper bound a conversation can reach). Each answer is scored against the turn's gold
with `score_answer`, and the summaries are split by the kind of turn.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.answer.types import Answer
from rag.api import ask
from rag.evaluation.gold import GoldDialogue, GoldDialogueTurn, load_dialogues
from rag.evaluation.metrics import QuestionScore, Summary, score_answer, summarize
from rag.evaluation.question_set import DIALOGUE_SET
from rag.settings import Settings

TOP_K = 5
CONFIGS = (
    ("conversation", "each dialogue asked in order, with the answers so far as history"),
    ("stateless", "each turn as typed, no history"),
    ("full_question", "each turn written out in full, no history (upper bound)"),
)
# which turns a group holds: opening turns; follow-ups after a previous question; later turns that
# stand alone; follow-ups with no previous question (must be answered as typed)
GROUPS: dict[str, Callable[[GoldDialogueTurn, int], bool]] = {
    "opening": lambda turn, position: turn.kind == "opening",
    "follow_up": lambda turn, position: turn.inherits,
    "standalone": lambda turn, position: turn.kind == "standalone",
    "orphan_follow_up": lambda turn, position: turn.kind == "follow_up" and position == 1,
    "all": lambda turn, position: True,
}
TABLE_METRICS = (
    "hit@5",
    "mrr",
    "speaker_precision",
    "abstention_precision",
    "abstention_recall",
    "false_abstention_rate",
)

Progress = Callable[[str], None]


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class TurnResult:
    turn: GoldDialogueTurn
    position: int  # 1-based place in its dialogue
    scores: dict[str, QuestionScore]  # by configuration
    inherited: dict[str, list[str]]  # what the conversation's answer inherited
    rewritten: str | None = None


@dataclass(frozen=True)
class DialogueReport:
    results: tuple[TurnResult, ...]
    seconds: float
    corpus: str = ""

    def summaries(self) -> dict[str, dict[str, Summary]]:
        """Per group of turns, per configuration."""
        table: dict[str, dict[str, Summary]] = {}
        for group, member in GROUPS.items():
            results = [r for r in self.results if member(r.turn, r.position)]
            if results:
                table[group] = {name: summarize([r.scores[name] for r in results]) for name, _ in CONFIGS}
        return table


def evaluate_dialogues(
    settings: Settings, dialogues: Sequence[GoldDialogue], progress: Progress = _progress, corpus: str = ""
) -> DialogueReport:
    """Every turn of every dialogue asked the three ways (module docstring) and scored."""
    started = time.perf_counter()
    turns = sum(len(d.turns) for d in dialogues)
    progress(f"Asking {len(dialogues)} dialogues ({turns} turns) three ways …")
    results: list[TurnResult] = []
    for dialogue in dialogues:
        history: list[Answer] = []
        for position, turn in enumerate(dialogue.turns, 1):
            in_conversation = ask(turn.question, top_k=TOP_K, settings=settings, history=history)
            history.append(in_conversation)
            answers = {
                "conversation": in_conversation,
                "stateless": ask(turn.question, top_k=TOP_K, settings=settings),
                "full_question": ask(turn.full_question, top_k=TOP_K, settings=settings),
            }
            scores = {name: score_answer(turn.gold, answer) for name, answer in answers.items()}
            results.append(
                TurnResult(turn, position, scores, in_conversation.inherited, in_conversation.rewritten)
            )
    return DialogueReport(tuple(results), time.perf_counter() - started, corpus)


def format_dialogue_report(report: DialogueReport) -> str:
    """The table (groups × configurations × metrics), then the follow-ups the conversation misses."""
    header = f"{'turns':<17}{'config':<15}{'n':>4}" + "".join(f"{m[:12]:>13}" for m in TABLE_METRICS)
    lines = [f"Dialogue set: {report.corpus}" if report.corpus else "Dialogue set", "", header]
    lines.append("-" * len(header))
    for group, by_config in report.summaries().items():
        for name, summary in by_config.items():
            cells = "".join(_cell(summary.values[m]) for m in TABLE_METRICS)
            lines.append(f"{group:<17}{name:<15}{summary.questions:>4}{cells}")
        lines.append("")
    lines.append("configs: " + "; ".join(f"{name}: {about}" for name, about in CONFIGS))
    misses = [
        r
        for r in report.results
        if r.turn.inherits and not _good(r.scores["conversation"]) and _good(r.scores["full_question"])
    ]
    if misses:
        lines += ["", f"Follow-ups the full question answers and the conversation does not ({len(misses)}):"]
        for r in misses:
            got = r.scores["conversation"]
            inherited = ", ".join(f"{k} {'/'.join(v)}" for k, v in r.inherited.items()) or "nothing"
            came_back = "abstained" if got.abstained else "top: " + " | ".join(got.top_labels[:2])
            lines.append(
                f"  {r.turn.id} {r.turn.question!r} (full: {r.turn.full_question!r}); "
                f"inherited {inherited}; {came_back}"
            )
    lines.append(f"\n{len(report.results)} turns in {report.seconds:.0f} s")
    return "\n".join(lines)


def _cell(value: float | None) -> str:
    return f"{'–' if value is None else f'{value:.2f}':>13}"


def _good(score: QuestionScore) -> bool:
    """Answered as the gold wants: a hit in the top 5, or an abstention on an unanswerable turn."""
    if not score.answerable:
        return score.abstained
    return score.hit_rank is not None and score.hit_rank <= TOP_K


def dialogue_json(report: DialogueReport) -> dict[str, Any]:
    return {
        "corpus": report.corpus,
        "seconds": round(report.seconds, 2),
        "summary": {
            group: {name: s.to_dict() for name, s in by_config.items()}
            for group, by_config in report.summaries().items()
        },
        "turns": [
            {
                "id": r.turn.id,
                "kind": r.turn.kind,
                "question": r.turn.question,
                "full_question": r.turn.full_question,
                "inherited": r.inherited,
                "rewritten": r.rewritten,
                "scores": {name: s.to_dict() for name, s in r.scores.items()},
            }
            for r in report.results
        ],
    }


def run_dialogue_command(
    settings: Settings,
    dialogues_file: Path,
    corpus: Path | None = None,
    json_path: Path | None = None,
    cache: Path | None = None,
) -> int:
    """`rag eval --questions eval/dialogues.jsonl`: build (or reuse) the spec's corpus, score every turn."""
    from rag.evaluation.corpus_build import describe_corpus, prepare_corpus
    from rag.evaluation.corpus_spec import load_corpus_spec

    dialogues = load_dialogues(dialogues_file, corpus)
    prepared = prepare_corpus(
        load_corpus_spec(corpus or DIALOGUE_SET.corpus), settings, cache=cache, progress=_progress
    )
    report = evaluate_dialogues(prepared.settings, dialogues, corpus=describe_corpus(prepared))
    print(format_dialogue_report(report))
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(dialogue_json(report), ensure_ascii=False, indent=1)
        json_path.write_text(text, encoding="utf-8")
        print(f"\nJSON written to {json_path}")
    return 0
