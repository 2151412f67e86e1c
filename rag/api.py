"""The programmatic entry point: `ask()` a question, get an `Answer` with cited passages.

A `QueryEngine` holds a loaded index and the query embedder. It notices when another process (a
`rag add` in a terminal, the web page's form) swaps in a new index folder, and reloads it before
its next question, so a long-lived caller always answers from the corpus as it is on disk.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rag.answer.abstention import CorpusFacts, why_unanswerable
from rag.answer.extractive import abstention_answer, extractive_answer
from rag.answer.types import Answer
from rag.errors import IndexUnavailable, InvalidQuestion
from rag.indexing.build import build_index
from rag.indexing.embedding.embedders import Embedder, load_embedder
from rag.indexing.journal import recover
from rag.indexing.library import prepare_library
from rag.indexing.mentions import CorpusMentions
from rag.indexing.milvus_store import attach_vector_store
from rag.indexing.store import IndexStore, index_version, load_index, staleness
from rag.query.followup import Resolution, request_from_dict, request_to_dict, resolve_follow_up
from rag.query.retrieve import Hit, build_query, languages_in_scope, search
from rag.query.understand import SearchRequest, Vocabulary, check_question, understand, within_languages
from rag.settings import Settings
from rag.text.terms import Term
from rag.transcripts.manifest import corpus_summary
from rag.transcripts.speakers import Person

Progress = Callable[[str], None]
MODES = ("extractive", "llm")
# the conversation so far: previous answers (an `Answer`, or its `to_dict()` as `rag ask --json` writes
# it); a follow-up inherits from the last one's resolved request
History = Sequence["Answer | Mapping[str, Any]"]


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Catalog:
    """What the corpus holds, for filter menus and error messages."""

    companies: list[str]
    quarters: list[str]
    speakers: list[str]
    speaker_labels: dict[str, str] = field(default_factory=dict)  # name -> "Susan Li — CFO, Meta"
    summary: str = ""  # "30 companies · 60 calls · 2020Q1–2022Q2"

    def speaker_label(self, name: str) -> str:
        return self.speaker_labels.get(name, name)


class _Loaded:
    """One loaded index and everything derived from it once: the question vocabulary and corpus facts."""

    def __init__(self, store: IndexStore, version: tuple[int, int] | None) -> None:
        self.store = store
        self.version = version
        self.vocabulary = Vocabulary(
            store.directory,
            store.companies,
            store.speakers,
            store.quarters,
            tickers=store.tickers,
            passages_with=lambda word: len(store.lexical.rows_with(word)),
        )
        self.catalog = Catalog(
            store.companies,
            store.quarters,
            store.speakers,
            {p.name: speaker_label(p) for p in store.directory.people},
            corpus_summary(store.calls),
        )
        mentions = CorpusMentions(store.lexical, store.text, len(store.chunks))
        self.facts = CorpusFacts(
            speakers=store.speakers,
            companies=store.companies,
            quarters=store.quarters,
            mentions=mentions.term,  # from the lexical index: no scan of every passage per question
            question_answered=store.question_answered,
            calls_of=store.quarters_of,
        )


def speaker_label(person: Person) -> str:
    """How a menu shows a person: "Susan Li — CFO, Meta", "Brian Nowak — Analyst, Morgan Stanley"."""
    where = person.firm if person.is_analyst else (person.company or person.firm)
    details = ", ".join(d for d in (person.role, where) if d)
    return f"{person.name} — {details}" if details else person.name


def open_index(settings: Settings, progress: Progress = _progress) -> IndexStore:
    """Make the library on first use, finish any interrupted update, build the index when it is missing
    or stale, load it, and search its vectors where settings.vector_store says (a Milvus collection
    that does not match the index is refused)."""
    return attach_vector_store(open_index_folder(settings, progress), settings, progress)


def open_index_folder(settings: Settings, progress: Progress = _progress) -> IndexStore:
    """`open_index` on the index folder alone: its FAISS index, whatever settings.vector_store says."""
    prepare_library(settings, progress)
    for line in recover(settings.transcripts_dir, settings.index_dir):
        progress(f"Recovery: {line}")
    reason = staleness(settings)
    if reason is not None:
        progress(f"Building the index ({reason}) …")
        return build_index(settings, load_embedder(settings, for_queries=False, progress=progress), progress)
    return load_index(settings)


class QueryEngine:
    """A loaded index and query embedder; answers questions without reloading either, and reloads the
    index when it changes on disk."""

    def __init__(
        self, store: IndexStore, embedder: Embedder, settings: Settings, *, progress: Progress = _progress
    ) -> None:
        self.embedder = embedder
        self.settings = settings
        self._progress = progress
        self._loaded = _Loaded(store, index_version(settings.index_dir))
        self._reload_lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings, progress: Progress = _progress) -> QueryEngine:
        """Load the index (recovering or building it first when needed) and the query embedder."""
        store = open_index(settings, progress)
        return cls(
            store, load_embedder(settings, for_queries=True, progress=progress), settings, progress=progress
        )

    @property
    def store(self) -> IndexStore:
        return self._loaded.store

    @property
    def vocabulary(self) -> Vocabulary:
        return self._loaded.vocabulary

    def refresh(self) -> bool:
        """Reload the index if another process changed it since it was loaded; True when it did."""
        current = index_version(self.settings.index_dir)
        if current == self._loaded.version or current is None:
            return False  # unchanged, or mid-swap: keep answering from the loaded one
        with self._reload_lock:
            if index_version(self.settings.index_dir) == self._loaded.version:
                return False
            try:
                store = open_index(self.settings, self._progress)
            except IndexUnavailable as err:
                self._progress(
                    f"The index changed on disk but cannot be loaded ({err}); keeping the loaded one"
                )
                return False
            self._loaded = _Loaded(store, index_version(self.settings.index_dir))
        return True

    @property
    def catalog(self) -> Catalog:
        self.refresh()
        return self._loaded.catalog

    def speakers_of(self, company: str) -> list[str]:
        """The named people on a company's calls (for a speaker menu narrowed to one company)."""
        return self.store.speakers_of(company)

    def understand(
        self,
        question: str,
        *,
        speaker: str | None = None,
        quarter: str | None = None,
        company: str | None = None,
    ) -> SearchRequest:
        return understand(question, self.vocabulary, speaker=speaker, quarter=quarter, company=company)

    def question_terms(self, question: str) -> list[Term]:
        return list(self.understand(question).terms)

    def search(self, request: SearchRequest, top_k: int) -> tuple[SearchRequest, list[Hit]]:
        """The passages for a request, after the retry rules (the request as finally searched)."""
        return self._search(self._loaded, request, top_k)

    def _search(self, loaded: _Loaded, request: SearchRequest, top_k: int) -> tuple[SearchRequest, list[Hit]]:
        result = search(
            loaded.store,
            build_query(self.embedder, request),
            request,
            top_k,
            self.settings,
            loaded.vocabulary.executives,
        )
        return result.request, result.hits

    def extractive(
        self,
        question: str,
        *,
        speaker: str | None = None,
        quarter: str | None = None,
        company: str | None = None,
        top_k: int | None = None,
        history: History = (),
    ) -> tuple[Answer, list[Hit]]:
        """The extractive answer and the passages it stands on (none when it abstains).

        With `history`, a follow-up inherits what it lacks from the last previous answer's resolved
        request (rag.query.followup); the answer says what it inherited."""
        self.refresh()
        question = check_question(question, self.settings.max_question_chars)
        top_k = self._top_k(top_k)
        loaded = self._loaded
        own = understand(question, loaded.vocabulary, speaker=speaker, quarter=quarter, company=company)
        resolution = resolve_follow_up(own, previous_request(history), loaded.vocabulary)
        if resolution.inherited and self.settings.llm_base_url:
            resolution = self._rewritten(resolution, speaker=speaker, quarter=quarter, company=company)
        resolved = resolution.request
        # only a Chinese question asks which languages its passages are in (one filter lookup)
        # (a scope with no passages, a period the company has no call in, is read as the corpus's)
        request = (
            within_languages(
                resolved,
                languages_in_scope(loaded.store, resolved) or set(loaded.store.rows_by["language"]),
            )
            if resolved.language == "zh"
            else resolved
        )
        hits: list[Hit] = []
        if not request.unknown_people:
            request, hits = self._search(loaded, request, top_k)
        conversation: dict[str, Any] = {
            "question": question,
            "inherited": resolution.inherited,
            "inherited_from": resolution.previous_question if resolution.inherited else "",
            "rewritten": resolution.rewritten,
            "resolved": request_to_dict(resolved),
        }
        abstention = why_unanswerable(request, hits, loaded.facts, self.settings.abstention)
        if abstention is not None:
            return replace(abstention_answer(question, abstention, request.filters()), **conversation), []
        answer = replace(extractive_answer(request, hits, self.settings.quoting), **conversation)
        by_id = {h.chunk.id: h for h in hits}
        return answer, [by_id[c.chunk_id] for c in answer.citations]

    def _rewritten(
        self, resolution: Resolution, *, speaker: str | None, quarter: str | None, company: str | None
    ) -> Resolution:
        """The model's standalone rewrite of a follow-up, kept when its own reading keeps every entity
        the rule-based resolution found; else the rule-based resolution (rag.answer.rewrite)."""
        from rag.answer.rewrite import keeps_entities, rewrite_follow_up

        rewrite = rewrite_follow_up(resolution.previous_question, resolution.own_question, self.settings)
        if rewrite is None:
            return resolution
        try:
            text = check_question(rewrite, self.settings.max_question_chars)
        except InvalidQuestion:
            return resolution
        vocabulary = self._loaded.vocabulary
        alone = understand(text, vocabulary, speaker=speaker, quarter=quarter, company=company)
        if not keeps_entities(resolution.request, alone, vocabulary):
            return resolution
        return replace(resolution, request=alone, rewritten=text)

    def _top_k(self, top_k: int | None) -> int:
        top_k = self.settings.top_k if top_k is None else top_k
        most = self.settings.ranking.max_top_k
        if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= most:
            raise ValueError(f"top_k must be a whole number between 1 and {most}, got {top_k!r}")
        return top_k

    def ask(
        self,
        question: str,
        *,
        speaker: str | None = None,
        quarter: str | None = None,
        company: str | None = None,
        top_k: int | None = None,
        mode: str = "extractive",
        history: History = (),
    ) -> Answer:
        """Extractive by default; mode="llm" generates from the same passages and verifies the result,
        falling back to the extractive answer (with a notice) whenever generation cannot be trusted.
        `history`: the conversation so far (see `extractive`); without it every question stands alone."""
        _check_mode(mode)
        fallback, hits = self.extractive(
            question, speaker=speaker, quarter=quarter, company=company, top_k=top_k, history=history
        )
        if mode == "llm" and hits:
            from rag.answer.generate import generate_answer  # the openai client costs ~1 s to import

            answer = generate_answer(
                _generation_question(fallback), [(h.chunk, h.score) for h in hits], fallback, self.settings
            )
            return _as_asked(answer, fallback)
        return fallback

    def ask_stream(
        self,
        question: str,
        *,
        speaker: str | None = None,
        quarter: str | None = None,
        company: str | None = None,
        top_k: int | None = None,
        mode: str = "llm",
        history: History = (),
    ) -> Iterator[str | Answer]:
        """Text deltas as the model writes them, then the verified `Answer` (extractive: just the Answer)."""
        _check_mode(mode)
        fallback, hits = self.extractive(
            question, speaker=speaker, quarter=quarter, company=company, top_k=top_k, history=history
        )
        if mode == "llm" and hits:
            from rag.answer.generate import stream_answer

            for part in stream_answer(
                _generation_question(fallback), [(h.chunk, h.score) for h in hits], fallback, self.settings
            ):
                yield _as_asked(part, fallback) if isinstance(part, Answer) else part
        else:
            yield fallback


class Conversation:
    """A conversation with the engine: each question may follow up on the one before it.

    `ask` passes the answers so far as the history, so "And what did Zuckerberg say about it?" after
    "What did Susan say about capex in 2025?" keeps the topic; `standalone` asks without them."""

    def __init__(self, query_engine: QueryEngine, history: History = ()) -> None:
        self.engine = query_engine
        self.history: list[Answer | Mapping[str, Any]] = list(history)

    def ask(self, question: str, **options: Any) -> Answer:
        """Answer `question` in the conversation (options as for `QueryEngine.ask`) and remember it."""
        answer = self.engine.ask(question, history=self.history, **options)
        self.history.append(answer)
        return answer

    def standalone(self, question: str, **options: Any) -> Answer:
        """Answer `question` as if it were the first, and remember it as the conversation's latest."""
        answer = self.engine.ask(question, **options)
        self.history.append(answer)
        return answer


def previous_request(history: History) -> SearchRequest | None:
    """The request the last previous answer resolved to; None for an empty history (a first question)."""
    if not history:
        return None
    last = history[-1]
    resolved = last.resolved if isinstance(last, Answer) else last.get("resolved")
    if not resolved:
        if isinstance(last, Mapping) and "question" not in last:
            raise InvalidQuestion(
                "the previous answer is not an answer: pass what `rag ask --json` printed for it"
            )
        return None  # an answer from before conversations (or an error): nothing to inherit
    try:
        return request_from_dict(dict(resolved))
    except (KeyError, TypeError, ValueError) as err:
        raise InvalidQuestion(f"the previous answer's resolved request cannot be read: {err}") from err


def _generation_question(fallback: Answer) -> str:
    """What the model is asked: the rewrite, or the follow-up with what it inherited."""
    if fallback.rewritten:
        return fallback.rewritten
    return str(fallback.resolved.get("question") or fallback.question)


def _as_asked(answer: Answer, fallback: Answer) -> Answer:
    """The generated answer under the question as typed, with the conversation's fields."""
    return replace(
        answer,
        question=fallback.question,
        inherited=fallback.inherited,
        inherited_from=fallback.inherited_from,
        rewritten=fallback.rewritten,
        resolved=fallback.resolved,
    )


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be 'extractive' or 'llm', got {mode!r}")


class EngineCache:
    """The engines `ask()` and `catalog()` share, one per settings, opened on first use. Each engine
    reloads its index when it changes on disk, so a cached engine is never stale."""

    def __init__(self) -> None:
        self._engines: dict[Settings, QueryEngine] = {}
        self._lock = threading.Lock()

    def get(self, settings: Settings) -> QueryEngine:
        with self._lock:
            if settings not in self._engines:
                self._engines[settings] = QueryEngine.open(settings)
            return self._engines[settings]

    def clear(self) -> None:
        with self._lock:
            self._engines.clear()


ENGINES = EngineCache()


def engine(settings: Settings | None = None) -> QueryEngine:
    """The shared engine for these settings (`Settings.from_env()` when None)."""
    return ENGINES.get(settings or Settings.from_env())


def ask(
    question: str,
    *,
    speaker: str | None = None,
    quarter: str | None = None,
    company: str | None = None,
    top_k: int | None = None,
    mode: str = "extractive",
    settings: Settings | None = None,
    history: History = (),
) -> Answer:
    """Answer a question about the earnings calls, with [n] markers citing `Answer.citations`.

    `top_k` defaults to `Settings.top_k` (5). `history`: the previous answers of the conversation
    (`Answer`s or their dicts), for a follow-up to inherit from; without it the question stands alone."""
    return engine(settings).ask(
        question, speaker=speaker, quarter=quarter, company=company, top_k=top_k, mode=mode, history=history
    )


def ask_stream(
    question: str,
    *,
    speaker: str | None = None,
    quarter: str | None = None,
    company: str | None = None,
    top_k: int | None = None,
    mode: str = "llm",
    settings: Settings | None = None,
    history: History = (),
) -> Iterator[str | Answer]:
    """Streaming variant of `ask`: text deltas, then the verified `Answer`."""
    return engine(settings).ask_stream(
        question, speaker=speaker, quarter=quarter, company=company, top_k=top_k, mode=mode, history=history
    )


def catalog(settings: Settings | None = None) -> Catalog:
    return engine(settings).catalog


__all__ = [
    "Answer",
    "Catalog",
    "Conversation",
    "EngineCache",
    "IndexUnavailable",
    "QueryEngine",
    "ask",
    "ask_stream",
    "catalog",
    "engine",
]
