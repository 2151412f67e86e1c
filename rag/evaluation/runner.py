"""Run the question set through the product and its ablations, and score every answer.

The product default goes through `rag.api.ask()`, exactly as users call it, in the requested answer
mode. The retrieval ablations (dense only, BM25 only, hybrid) run `QueryEngine.ask()` (what `ask()`
calls) in extractive mode, on the same loaded index, with the query embedder wrapped so that each
question is embedded once for all of them. For every answerable question the retrieval is also run
on its own (the top 5 before the answerer decides to abstain), so a false abstention is told apart
from a retrieval miss. The naive 500-character baseline (baseline.py) is measured on retrieval only.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from rag.answer.types import Answer
from rag.api import QueryEngine, ask, engine
from rag.errors import RagError
from rag.evaluation.baseline import run_naive_baseline, run_plain_dense
from rag.evaluation.corpus_build import describe_corpus, prepare_corpus
from rag.evaluation.gold import (
    QUESTIONS_FILE,
    GoldQuestion,
    corpus_spec_of,
    is_gated_set,
    load_questions,
    uses_corpus_spec,
)
from rag.evaluation.metrics import QuestionScore, score_answer
from rag.evaluation.question_set import is_dialogue_file
from rag.evaluation.results import ConfigRun, EvalReport
from rag.indexing.embedding.embedders import Embedder
from rag.query.retrieve import Hit, build_query, retrieve
from rag.settings import Settings

MODES = ("extractive", "llm")
RETRIEVAL_MODES = ("dense", "bm25", "hybrid")
TOP_K = 5

Progress = Callable[[str], None]


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class MemoEmbedder:
    """An embedder that embeds each query text once and hands back the same vector afterwards."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self._queries: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        if not is_query:
            return self.inner.embed(texts, is_query=False)
        missing = [t for t in dict.fromkeys(texts) if t not in self._queries]
        if missing:
            for text, vector in zip(missing, self.inner.embed(missing, is_query=True), strict=True):
                self._queries[text] = vector
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([self._queries[t] for t in texts])


def check_mode(settings: Settings, mode: str) -> None:
    """`mode` is one `ask()` knows, and the LLM mode has a server to talk to."""
    if mode not in MODES:
        raise ValueError(f"unknown answer mode {mode!r}; allowed: {', '.join(MODES)}")
    if mode == "llm" and not settings.llm_base_url:
        raise RagError(
            "--mode llm needs an OpenAI-compatible server: set RAG_LLM_BASE_URL (and RAG_LLM_MODEL), "
            "e.g. `bash scripts/llm_server.sh start 8765` and RAG_LLM_BASE_URL=http://127.0.0.1:8765/v1"
        )


def search(query_engine: QueryEngine, question: str, top_k: int = TOP_K) -> list[Hit]:
    """The passages the engine's retrieval ranks first for a question, before any abstention decision."""
    request = query_engine.understand(question)
    query = build_query(query_engine.embedder, request)
    return retrieve(query_engine.store, query, request, top_k, query_engine.settings)


def score_with_retrieval(gold: GoldQuestion, answer: Answer, hits: Sequence[Hit] | None) -> QuestionScore:
    """The answer's scores plus where retrieval alone ranked the gold passage (answerable questions)."""
    score = score_answer(gold, answer)
    if hits is None:
        return score
    rank = next(
        (r for r, h in enumerate(hits, start=1) if gold.holds_evidence(h.chunk.source, h.chunk.text)), None
    )
    probe = None
    if answer.abstained:
        if rank is not None:
            probe = f"retrieval had the gold passage at rank {rank} ({hits[rank - 1].chunk.label})"
        else:
            top = " | ".join(h.chunk.label for h in hits[:3]) or "nothing (the filters left no passage)"
            probe = f"retrieval had no gold passage in its top {len(hits)} either; top: {top}"
    return dataclasses.replace(
        score,
        retrieval_rank=rank,
        retrieval_probed=True,
        retrieved_labels=tuple(h.chunk.label for h in hits[:3]),
        probe=probe,
    )


def run_config(
    questions: Sequence[GoldQuestion],
    answer_with: Callable[[str], Answer],
    search_with: Callable[[str], list[Hit]],
) -> tuple[QuestionScore, ...]:
    """Answer and score every question; retrieval alone is probed for the answerable ones."""
    scores = []
    for gold in questions:
        answer = answer_with(gold.question)
        hits = search_with(gold.question) if gold.answerable else None
        scores.append(score_with_retrieval(gold, answer, hits))
    return tuple(scores)


def evaluate(
    settings: Settings,
    mode: str = "extractive",
    questions: Sequence[GoldQuestion] | None = None,
    baselines: bool = True,
    progress: Progress = _progress,
    questions_file: Path = QUESTIONS_FILE,
    naive: bool = True,
    corpus: str = "",
) -> EvalReport:
    """The product default in `mode`, the retrieval ablations, the plain-dense baseline and (with `naive`)
    the naive 500-character baseline, on the question set (`questions`, else every question of
    `questions_file`). `corpus` describes a corpus-spec set's corpus for the report."""
    started = time.perf_counter()
    if questions is None:
        questions = load_questions(settings.transcripts_dir, questions_file)
    questions = tuple(questions)
    check_mode(settings, mode)
    product = engine(settings)  # opens (or builds) the index before the questions are timed
    embedder = MemoEmbedder(product.embedder)
    engines: dict[Settings, QueryEngine] = {}

    def engine_for(variant: Settings) -> QueryEngine:
        if variant not in engines:
            engines[variant] = QueryEngine(product.store, embedder, variant)
        return engines[variant]

    progress(f"Asking {len(questions)} questions ({mode}, {settings.retrieval} retrieval) …")
    clock = time.perf_counter()
    probe_engine = engine_for(settings)
    scores = run_config(
        questions,
        lambda text: ask(text, top_k=TOP_K, mode=mode, settings=settings),
        lambda text: search(probe_engine, text),
    )
    default = ConfigRun(
        "default", f"product default ({settings.retrieval})", scores, time.perf_counter() - clock
    )
    warnings = []
    if mode == "llm":
        fell_back = [s for s in scores if s.mode != "llm" and not s.abstained]
        if fell_back:
            reasons = Counter(s.notice or "no notice" for s in fell_back)
            warnings.append(
                f"{len(fell_back)} answers came back extractive, the LLM answer not used "
                f"({', '.join(s.id for s in fell_back)}); notices: "
                + "; ".join(f"{n}x {notice}" for notice, n in reasons.most_common())
            )
    ablations: list[ConfigRun] = []
    naive_run = None
    plain_dense = None
    if baselines:
        progress("Baseline: plain dense top 5 over the raw question, same chunks …")
        plain_dense = run_plain_dense(questions, product.store, embedder)
        for retrieval in RETRIEVAL_MODES:
            variant = dataclasses.replace(settings, retrieval=retrieval)
            description = "hybrid retrieval (dense + BM25)" if retrieval == "hybrid" else f"{retrieval} only"
            if variant == settings and mode == "extractive":
                ablations.append(ConfigRun(retrieval, description, default.scores, same_as="default"))
                continue
            progress(f"Ablation: {description} …")
            clock = time.perf_counter()
            query_engine = engine_for(variant)
            run = run_config(
                questions,
                lambda text, e=query_engine: e.ask(text, top_k=TOP_K, mode="extractive"),  # type: ignore[misc]
                lambda text, e=query_engine: search(e, text),  # type: ignore[misc]
            )
            ablations.append(ConfigRun(retrieval, description, run, time.perf_counter() - clock))
        if naive:
            naive_run = run_naive_baseline(questions, settings, progress=progress)
    return EvalReport(
        mode=mode,
        questions=questions,
        default=default,
        ablations=tuple(ablations),
        naive=naive_run,
        seconds=time.perf_counter() - started,
        warnings=tuple(warnings),
        questions_file=questions_file,
        plain_dense=plain_dense,
        corpus=corpus,
    )


def run_eval_command(
    settings: Settings,
    mode: str = "extractive",
    json_path: Path | str | None = None,
    gates: bool = False,
    gates_file: Path | None = None,
    questions_file: Path | str | None = None,
    corpus: Path | str | None = None,
    cache: Path | None = None,
) -> int:
    """`rag eval`: print the tables and failing questions, write JSON, check the gates (exit 1 on a miss).

    `questions_file` picks the question set (default eval/questions.jsonl); `gates` is refused for any
    other set, since the gates were set on that one. A set asked over a corpus spec (its shipped one, or
    `corpus`) has its corpus built into the per-user cache first, or reused (rag.evaluation.corpus_build);
    the naive 500-character baseline is left out there (it would embed the whole corpus again). `cache`
    moves the corpus cache (tests)."""
    from rag.evaluation.report import GATES_FILE, check_report_gates, format_report, write_json

    questions_path = Path(questions_file) if questions_file is not None else QUESTIONS_FILE
    if not questions_path.is_file():
        raise ValueError(f"question file {questions_path} does not exist")
    if gates and not is_gated_set(questions_path):
        raise ValueError(
            f"--gates applies only to {QUESTIONS_FILE.name}, the set eval/gates.json was set on; "
            f"drop --gates to score {questions_path}"
        )
    corpus_path = Path(corpus) if corpus is not None else None
    if is_dialogue_file(questions_path):
        from rag.evaluation.dialogue_runner import run_dialogue_command

        if mode != "extractive":
            raise ValueError(f"{questions_path} is a dialogue set: it is scored in extractive mode only")
        json_out = Path(json_path) if json_path is not None else None
        return run_dialogue_command(settings, questions_path, corpus_path, json_out, cache)
    if uses_corpus_spec(questions_path, corpus_path):
        spec = corpus_spec_of(questions_path, corpus_path)
        questions = load_questions(settings.transcripts_dir, questions_path, corpus=corpus_path)
        prepared = prepare_corpus(spec, settings, cache=cache, progress=_progress)
        report = evaluate(
            prepared.settings,
            mode,
            questions=questions,
            questions_file=questions_path,
            naive=False,
            corpus=describe_corpus(prepared),
        )
    else:
        report = evaluate(settings, mode, questions_file=questions_path)
    print(format_report(report))
    failures = check_report_gates(report, gates_file or GATES_FILE) if gates else []
    if json_path is not None:
        write_json(report, Path(json_path), failures if gates else None)
        print(f"\nJSON written to {json_path}")
    if gates:
        if failures:
            print(f"\n{len(failures)} metrics miss their gates:", file=sys.stderr)
            print("\n".join(f"  {line}" for line in failures), file=sys.stderr)
            return 1
        print("\nAll gates passed.")
    return 0
