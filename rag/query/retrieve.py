"""Finding the turns that answer a question: filters first, then ranking within what is allowed.

Ranking fuses two views of the question: dense multilingual-e5 similarity (meaning, across
languages) and BM25 over jieba/Latin/number tokens (exact names, product terms, figures). They are
fused by weighted reciprocal rank: the two score scales are not comparable (cosine vs. unbounded
BM25), ranks are, and RRF needs no per-corpus score calibration. The weights and depths are
`Settings.ranking` (rag.settings says why each has its value).

`search` adds the retry rules: a figure's quarter whose calls the other filters leave empty ("DHI's
cancellation rate in the June 2021 quarter": its fiscal calendar differs) gives way to every call;
an executive's question whose own turns miss its terms also searches the company's unnamed
management paragraphs; and a question for a year's or a quarter's figure that the top passages do not
state looks deeper once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from rag.chunks import Chunk, management_label
from rag.indexing.embedding.embedders import Embedder
from rag.indexing.store import IndexStore
from rag.indexing.vector_store import RowFilter
from rag.query.figures import asks_a_count, figure_for_quarters, figure_for_years
from rag.query.understand import SearchRequest
from rag.settings import RankingSettings, Settings
from rag.text.tokens import tokenize, tokenize_query


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    row: int


@dataclass(frozen=True)
class Query:
    """What the rankers see: the question's vector and its lexical tokens (glossary-expanded)."""

    vector: np.ndarray
    tokens: list[str]
    language: str  # "zh" | "en"


def row_filter(
    store: IndexStore, request: SearchRequest, quarters: tuple[str, ...] | None = None
) -> RowFilter | None:
    """The request's filters as field values; None when nothing is filtered."""
    quarters = request.quarters if quarters is None else quarters
    speakers = list(request.speakers)
    # a person's turns under each spelling the calls give them ("Mike Mussallem" on one call, "Michael A.
    # Mussallem" on another): the directory keeps one person, each call its own label
    spelt = store.rows_by["speaker"]
    for name in request.speakers:
        person = store.directory.get(name)
        speakers += [a for a in person.aliases if a not in speakers and a in spelt] if person else []
    if speakers and request.include_management:
        speakers += [management_label(c) for c in store.companies]
    where = RowFilter(
        speakers=tuple(speakers),
        quarters=tuple(quarters),
        companies=tuple(request.companies),
        kinds=("question",) if request.asks_who_asked else (),
    )
    return where if where.fields() else None


def allowed_rows(
    store: IndexStore, request: SearchRequest, quarters: tuple[str, ...] | None = None
) -> np.ndarray | None:
    """Row ids the filters allow, sorted; None when nothing is filtered."""
    where = row_filter(store, request, quarters)
    return None if where is None else store.rows_matching(where)


def languages_in_scope(store: IndexStore, request: SearchRequest) -> set[str]:
    """The languages of the passages the request's filters allow."""
    allowed = allowed_rows(store, request)
    if allowed is None:
        return set(store.rows_by["language"])  # the corpus's languages: no rows read
    return {
        language
        for language, rows in store.rows_by["language"].items()
        if allowed is None or np.intersect1d(rows, allowed, assume_unique=True).size
    }


def dense_ranking(
    store: IndexStore,
    query_vector: np.ndarray,
    k: int,
    allowed: np.ndarray | None,
    where: RowFilter | None = None,
) -> list[tuple[int, float]]:
    """The vector engine's top k; `where`, when given, is the filter that allowed `allowed`."""
    if allowed is not None and allowed.size == 0:
        return []
    scores, ids = store.dense.search(query_vector, k, allowed, where)
    return [(int(i), float(s)) for s, i in zip(scores, ids, strict=True)]


def lexical_ranking(
    store: IndexStore, tokens: list[str], k: int, allowed: np.ndarray | None
) -> list[tuple[int, float]]:
    scores = store.lexical.scores(tokens)
    rows = np.arange(len(scores)) if allowed is None else allowed
    if rows.size == 0:
        return []
    selected = scores[rows]
    order = np.argsort(-selected, kind="stable")[:k]
    return [(int(rows[i]), float(selected[i])) for i in order if selected[i] > 0]


def fuse(
    rankings: list[tuple[list[tuple[int, float]], float]], k: int, rrf_k: int
) -> list[tuple[int, float]]:
    """Weighted reciprocal-rank fusion of (ranking, weight) pairs; best first."""
    fused: dict[int, float] = {}
    for ranking, weight in rankings:
        for rank, (row, _) in enumerate(ranking, start=1):
            fused[row] = fused.get(row, 0.0) + weight / (rrf_k + rank)
    return sorted(fused.items(), key=lambda item: -item[1])[:k]


def rank(
    store: IndexStore,
    query: Query,
    k: int,
    allowed: np.ndarray | None,
    mode: str,
    ranking: RankingSettings,
    where: RowFilter | None = None,
) -> list[Hit]:
    """The top k among `allowed` (the rows `where` allows, when it is given) in one retrieval mode."""
    depth = max(k, ranking.candidates) if mode == "hybrid" else k
    dense = dense_ranking(store, query.vector, depth, allowed, where)
    if mode == "dense":
        ranked = dense
    elif mode == "bm25":
        ranked = lexical_ranking(store, query.tokens, k, allowed)
    elif mode == "hybrid":
        lexical = lexical_ranking(store, query.tokens, ranking.candidates, allowed)
        ranked = fuse([(dense, 1.0), (lexical, ranking.lexical_weight(query.language))], k, ranking.rrf_k)
        cosine = dict(dense)
        # report the cosine similarity where there is one, so scores mean the same in every mode
        ranked = [(row, cosine.get(row, score)) for row, score in ranked]
    else:
        raise ValueError(f"unknown retrieval mode {mode!r}: use dense, bm25 or hybrid")
    return [Hit(store.chunks[row], score, row) for row, score in ranked]


def retrieve(
    store: IndexStore, query: Query, request: SearchRequest, top_k: int, settings: Settings
) -> list[Hit]:
    """Best passages first; a question comparing quarters gets evidence from each, in time order."""
    if request.compares_quarters and len(request.quarters) > 1:
        per_quarter = max(2, -(-top_k // len(request.quarters)))
        hits: list[Hit] = []
        for quarter in sorted(request.quarters):
            hits += _rank_filtered(
                store, query, per_quarter, row_filter(store, request, (quarter,)), settings
            )
        return hits
    return _rank_filtered(store, query, top_k, row_filter(store, request), settings)


def _rank_filtered(
    store: IndexStore, query: Query, k: int, where: RowFilter | None, settings: Settings
) -> list[Hit]:
    allowed = None if where is None else store.rows_matching(where)
    return rank(store, query, k, allowed, settings.retrieval, settings.ranking, where)


def build_query(embedder: Embedder, request: SearchRequest) -> Query:
    """The question's vector and lexical tokens; English terms expanded with their Chinese renderings."""
    # a Chinese question has loaded jieba for its key terms already; an English one need not
    split = tokenize if request.language == "zh" else tokenize_query
    tokens = split(request.topic_text)
    for term in request.terms:
        for variant in term.variants[1:]:
            tokens += split(variant)
    return Query(embedder.embed([request.question], is_query=True)[0], tokens, request.language)


def _executive_turns_miss(executives: set[str], request: SearchRequest, hits: list[Hit]) -> bool:
    asks_executive = bool(request.speakers) and set(request.speakers) <= executives
    if not asks_executive or request.include_management or not request.terms:
        return False
    return not any(t.found_in(h.chunk.text) for h in hits for t in request.terms)


def _first_questions_first(
    store: IndexStore, request: SearchRequest, hits: list[Hit], top_k: int
) -> list[Hit]:
    """The first analyst question of each call in scope, in time order, before the other hits: who
    opened the Q&A is an order, not a topic."""
    rows = allowed_rows(store, request)
    first: dict[str, int] = {}
    for row in [] if rows is None else rows.tolist():
        chunk = store.chunks[row]
        held = first.get(chunk.source)
        if held is None or (chunk.turn, chunk.start) < (store.chunks[held].turn, store.chunks[held].start):
            first[chunk.source] = row
    score = max((h.score for h in hits), default=0.0)
    opening: list[Hit] = []
    for row in sorted(first.values(), key=lambda r: store.chunks[r].quarter):
        chunk = store.chunks[row]
        # and the opener's other questions on that call the search found ("Good morning." comes first)
        opening += [Hit(chunk, score, row)] + [
            h
            for h in hits
            if h.chunk.source == chunk.source and h.chunk.speaker == chunk.speaker and h.row != row
        ]
    taken = {h.row for h in opening}
    return [*opening, *(h for h in hits if h.row not in taken)][: max(top_k, len(first))]


def _names_missed(request: SearchRequest, hits: list[Hit]) -> bool:
    """Whether the question names something (a name-like term) that no hit mentions."""
    names = [t for t in request.terms if t.specific]
    return bool(names) and not any(t.found_in(h.chunk.text) for h in hits for t in names)


@dataclass(frozen=True)
class SearchResult:
    request: SearchRequest  # as searched last (the executive fallback widens it)
    hits: list[Hit]


def search(
    store: IndexStore,
    query: Query,
    request: SearchRequest,
    top_k: int,
    settings: Settings,
    executives: set[str],
) -> SearchResult:
    """`retrieve`, then the retry rules (see the module docstring)."""

    def deeper() -> list[Hit]:
        return retrieve(store, query, request, settings.ranking.deeper_search, settings)[top_k:]

    hits = retrieve(store, query, request, top_k, settings)
    if request.asks_first_question and request.companies:
        hits = _first_questions_first(store, request, hits, top_k)
    if request.period_widens and (not hits or _names_missed(request, hits)):
        # no call of the period, or none whose passages name what is asked ("How many wells will Seneca
        # drill in fiscal 2021?" is guided on the fiscal Q3 2020 call): every call, if one names it
        wider = replace(request, quarters=(), quarter_from_question=False)
        wider_hits = retrieve(store, query, wider, top_k, settings)
        if not hits or not _names_missed(wider, wider_hits):
            request, hits = wider, wider_hits
    if _executive_turns_miss(executives, request, hits):
        # unlabelled first-person management paragraphs (most of the 2025Q2 write-up) may be the
        # executive's words; searched always, they cost speaker precision 0.98 -> 0.90 (rag eval), so
        # only when the executive's own turns do not mention the question's terms, and only the
        # unnamed management of the executives' own companies
        own = set(store.directory.companies_of(request.speakers))
        companies = request.companies or tuple(sorted(c for c in own if c))
        request = replace(request, include_management=True, companies=companies)
        hits = retrieve(store, query, request, top_k, settings)
    years = set(request.years)
    counts = asks_a_count(request.question)
    if hits and request.wants_number and years:
        hits = _with_a_figure(
            hits, lambda c: figure_for_years(c, request.terms, years, counts), deeper, top_k
        )
    asked = set(request.quarters_named)
    if hits and request.wants_number and request.quarters_from_period and asked:
        hits = _with_a_figure(hits, lambda c: figure_for_quarters(c, request.terms, asked), deeper, top_k)
    return SearchResult(request, hits)


def _with_a_figure(
    hits: list[Hit], states: Callable[[list[Chunk]], bool], deeper: Callable[[], list[Hit]], top_k: int
) -> list[Hit]:
    """The hits, their last one swapped for the first deeper passage that `states` the figure asked when
    none of them does. The company's figure is wanted: an analyst's "over $10 in EPS" in the hits does
    not stop the search, and an analyst's restating of it is taken only when no company turn states it."""
    own = [h.chunk for h in hits if h.chunk.kind != "question"]
    if states(own):
        return hits
    further = [h for h in deeper() if states([h.chunk])]
    found = [h for h in further if h.chunk.kind != "question"]
    if not found and states([h.chunk for h in hits]):
        return hits
    found = found or further
    return [*hits[: top_k - 1], found[0]] if found else hits
