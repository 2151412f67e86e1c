"""The evaluation questions with their gold evidence, and the one rule for "this passage holds it".

Questions come from rag.evaluation.question_set (`load_eval_set()` validates them). Evidence strings are
written as the transcript reads after cleaning; both sides are compared after `canonical()`, which also
drops whitespace and the noise symbols, so a passage from any cleaner (or none) matches the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rag.evaluation import question_set
from rag.evaluation.corpus_spec import CorpusSpec, load_corpus_spec
from rag.evaluation.dialogues import Dialogue
from rag.evaluation.gold_turns import read_gold_turns
from rag.evaluation.question_format import EvalQuestion
from rag.settings import PROJECT_ROOT
from rag.transcripts.aliases import without_quoted_nickname
from rag.transcripts.clean import NOISE_SYMBOLS

QUESTIONS_FILE = PROJECT_ROOT / "eval" / "questions.jsonl"  # the set the retrieval was tuned on (and gated)
HELDOUT_FILE = PROJECT_ROOT / "eval" / "heldout.jsonl"  # written afterwards, to show the tuning generalises

# Whitespace, the seed noise symbols, and every "-", "=" and "…": the question checker removes the same
# characters before it proves each evidence string is in its gold file.
_NOT_COMPARED = re.compile(f"[\\s{re.escape(NOISE_SYMBOLS)}•■◆▪★▼●☆…▷□▽◇◁○△▲\\-=]+")


def canonical(text: str) -> str:
    """Text reduced to what evidence matching compares: NFC, no whitespace, no noise symbols, no - or =."""
    return _NOT_COMPARED.sub("", unicodedata.normalize("NFC", text))


@dataclass(frozen=True)
class GoldSource:
    """One transcript that holds evidence for a question, and the evidence strings found in it."""

    names: frozenset[str]  # file names that identify it: the shipped name and the seed's original name
    quarter: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class GoldQuestion:
    """An evaluation question with its evidence resolved per source file."""

    id: str
    question: str
    language: str
    categories: tuple[str, ...]
    answerable: bool
    speaker: str | None
    asker: str | None
    evidence: tuple[str, ...]
    evidence_mode: str  # "all": every string of a source is needed; "any": one suffices
    sources: tuple[GoldSource, ...]
    note: str = ""
    # spellings the corpus spec accepts as one person (["Douglas Anmuth", "Doug Anmuth"]); none for seeds
    people: tuple[tuple[str, ...], ...] = ()

    def same_person(self, name: str) -> frozenset[str]:
        """Every name a citation may carry for the person `name` (a label's quoted nickname is no part
        of the name: 'Cynthia M. "Cindy" Sanborn' is Cynthia M. Sanborn)."""
        group = next((group for group in self.people if name in group), (name,))
        return frozenset([*group, *(without_quoted_nickname(n) for n in group)])

    def source_of(self, file_name: str) -> GoldSource | None:
        return next((s for s in self.sources if file_name in s.names), None)

    def pieces_in(self, file_name: str, text: str) -> tuple[str, ...]:
        """The gold evidence strings this passage holds; () when it comes from no gold source."""
        source = self.source_of(file_name)
        if source is None:
            return ()
        flat = canonical(text)
        return tuple(piece for piece in source.evidence if canonical(piece) in flat)

    def holds_evidence(self, file_name: str, text: str) -> bool:
        """A hit: from a gold source and holding its evidence (all of that source's strings, or one)."""
        source = self.source_of(file_name)
        if source is None or not source.evidence:
            return False
        found = self.pieces_in(file_name, text)
        return len(found) == len(source.evidence) if self.evidence_mode == "all" else bool(found)


def uses_corpus_spec(questions_file: Path, corpus: Path | None = None) -> bool:
    """Whether a set is asked over a corpus spec (and so needs its corpus built) rather than the seeds."""
    return question_set.corpus_set_for(Path(questions_file), corpus) is not None


def corpus_spec_of(questions_file: Path, corpus: Path | None = None) -> CorpusSpec:
    """The corpus spec a set is asked over (its shipped spec, or `corpus`)."""
    corpus_set = question_set.corpus_set_for(Path(questions_file), corpus)
    if corpus_set is None:
        raise ValueError(f"{questions_file} is a seed set; it names no corpus spec (pass --corpus)")
    return load_corpus_spec(corpus_set.corpus)


def gold_from_spec(q: EvalQuestion, spec: CorpusSpec) -> GoldQuestion:
    """A validated question with its evidence resolved per call of the spec."""
    sources, people = [], []
    for name in q.gold_sources:
        call = spec.call(name)
        if call is None:
            raise ValueError(f"{q.id}: gold source {name} is not a call of {spec.path}")
        text = canonical("\n".join(t.text for t in read_gold_turns(call)))
        flat_evidence = tuple(e for e in q.evidence if canonical(e) in text)
        sources.append(GoldSource(names=call.names, quarter=call.quarter, evidence=flat_evidence))
        people += [group for group in call.people if group not in people]
    return _gold(q, tuple(sources), tuple(people))


def _gold(
    q: EvalQuestion, sources: tuple[GoldSource, ...], people: tuple[tuple[str, ...], ...] = ()
) -> GoldQuestion:
    return GoldQuestion(
        id=q.id,
        question=q.question,
        language=q.language,
        categories=tuple(q.categories),
        answerable=q.answerable,
        speaker=q.speaker,
        asker=q.asker,
        evidence=tuple(q.evidence),
        evidence_mode=q.evidence_mode,
        sources=sources,
        note=q.note,
        people=people,
    )


@dataclass(frozen=True)
class GoldDialogueTurn:
    """One turn of a dialogue, ready to score: as typed, its kind, and its gold (a full question)."""

    id: str
    question: str
    kind: str
    full_question: str
    inherits: bool  # a follow-up after a previous question
    gold: GoldQuestion


@dataclass(frozen=True)
class GoldDialogue:
    id: str
    turns: tuple[GoldDialogueTurn, ...]
    note: str = ""


def load_dialogues(path: Path | None = None, corpus: Path | None = None) -> list[GoldDialogue]:
    """The validated dialogue set (eval/dialogues.jsonl) with every turn's gold resolved, for scoring
    each turn like a single question; raises ValueError listing the problems if any."""
    path = Path(path or question_set.DIALOGUES_FILE)
    result = question_set.check_dialogues(path, corpus)
    if result.problems:
        raise ValueError(f"{path} has {len(result.problems)} problems:\n" + "\n".join(result.problems))
    spec = load_corpus_spec(corpus or question_set.DIALOGUE_SET.corpus)
    return [_gold_dialogue(d, spec) for d in result.dialogues]


def _gold_dialogue(dialogue: Dialogue, spec: CorpusSpec) -> GoldDialogue:
    turns = tuple(
        GoldDialogueTurn(t.id, t.question, t.kind, t.full_question, t.inherits, gold_from_spec(t.gold, spec))
        for t in dialogue.turns
    )
    return GoldDialogue(dialogue.id, turns, dialogue.note)


def is_gated_set(questions_file: Path) -> bool:
    """Whether eval/gates.json applies: the gates were set on eval/questions.jsonl, and only on it."""
    return Path(questions_file).resolve() == QUESTIONS_FILE.resolve()


def load_questions(
    transcripts_dir: Path,
    questions_file: Path = QUESTIONS_FILE,
    ids: Iterable[str] | None = None,
    corpus: Path | None = None,
) -> list[GoldQuestion]:
    """The validated question set with evidence resolved per gold source: the seed files in
    `transcripts_dir`, or the calls of the set's corpus spec (a shipped one, or `corpus`).

    `ids` keeps only those questions, in file order (for quick runs and tests).
    """
    checker = question_set
    questions = checker.load_eval_set(questions_file, transcripts_dir, corpus)
    wanted = set(ids) if ids is not None else None
    if wanted is not None:
        unknown = wanted - {q.id for q in questions}
        if unknown:
            span = f"{questions[0].id}-{questions[-1].id}" if questions else "no questions"
            raise ValueError(f"unknown question ids {sorted(unknown)}; {questions_file.name} has {span}")
        questions = [q for q in questions if q.id in wanted]
    if uses_corpus_spec(questions_file, corpus):
        spec = corpus_spec_of(questions_file, corpus)
        return [gold_from_spec(q, spec) for q in questions]
    paths = checker.find_transcripts(transcripts_dir, checker.SOURCE_QUARTERS)
    texts, _ = checker.load_clean_transcripts(transcripts_dir)
    result = []
    for q in questions:
        sources = []
        for original in q.gold_sources:
            flat = canonical(texts[original])
            sources.append(
                GoldSource(
                    names=frozenset({original, paths[original].name}),
                    quarter=checker.SOURCE_QUARTERS[original],
                    evidence=tuple(e for e in q.evidence if canonical(e) in flat),
                )
            )
        result.append(_gold(q, tuple(sources)))
    return result
