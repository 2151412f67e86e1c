"""What an evaluation run produced: each configuration's scores, the report the tables are made from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rag.evaluation.baseline import NaiveRun, PlainDenseRun
from rag.evaluation.gold import QUESTIONS_FILE, GoldQuestion
from rag.evaluation.metrics import QuestionScore


@dataclass(frozen=True)
class ConfigRun:
    """One configuration's scores."""

    name: str
    description: str
    scores: tuple[QuestionScore, ...]
    seconds: float = 0.0
    same_as: str | None = None  # the configuration whose run it reuses (identical settings)


@dataclass(frozen=True)
class EvalReport:
    mode: str
    questions: tuple[GoldQuestion, ...]
    default: ConfigRun
    ablations: tuple[ConfigRun, ...]
    naive: NaiveRun | None
    seconds: float
    warnings: tuple[str, ...] = ()
    questions_file: Path = QUESTIONS_FILE  # which set was asked; gates apply to eval/questions.jsonl only
    plain_dense: PlainDenseRun | None = None
    corpus: str = ""  # for a corpus-spec set: which corpus, how big, built or reused
