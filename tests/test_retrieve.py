"""Retrieval plumbing on a hand-made eight-passage index: filters, rank fusion and the three modes.

The embedder is a fake that counts topic words, so which passage is nearest is known by construction;
it says nothing about retrieval quality, only that filtering, ranking and fusion are wired right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from rag.chunks import Chunk, management_label
from rag.indexing.lexical import LexicalIndex, lexical_texts
from rag.indexing.store import IndexStore
from rag.indexing.vector_index import VectorIndex
from rag.query.retrieve import Query, allowed_rows, fuse, lexical_ranking, rank, retrieve
from rag.query.understand import SearchRequest
from rag.settings import RankingSettings, Settings
from rag.text.tokens import tokenize_query
from rag.transcripts.speakers import Person, SpeakerDirectory

TOPICS = ("cloud", "capex", "hiring", "margin", "ads")


class TopicEmbedder:
    """Counts of each topic word plus a small constant, L2-normalised: deterministic and readable."""

    name = "topic-words"
    dimension = len(TOPICS) + 1

    def embed(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        rows = []
        for text in texts:
            words = text.lower().replace(".", " ").replace("?", " ").split()
            rows.append([float(words.count(t)) for t in TOPICS] + [0.1])
        matrix = np.asarray(rows, dtype=np.float32)
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def _chunk(row: int, company: str, quarter: str, speaker: str, role: str, text: str, **fields: Any) -> Chunk:
    """Passage `row` of a call; an executive's firm is the company, an analyst's and management's none."""
    return Chunk(
        text=text,
        company=company,
        quarter=quarter,
        speaker=speaker,
        role=role,
        firm=company if role in ("CEO", "CFO") else None,
        turn=row + 1,
        source=f"{company.lower()}-{quarter}.txt",
        start=row * 100,
        end=row * 100 + len(text),
        language="en",
        **fields,
    )


CHUNKS = [
    _chunk(0, "Acme", "2024Q3", "Jane Roe", "CFO", "Cloud revenue grew strongly this quarter."),
    _chunk(1, "Acme", "2024Q3", "Ann Lee", "Analyst", "Can you talk about spending plans?", kind="question"),
    _chunk(
        2,
        "Acme",
        "2024Q3",
        "Jane Roe",
        "CFO",
        "Capex will rise with servers.",
        kind="answer",
        replies_to_turn=2,
    ),
    _chunk(
        3,
        "Acme",
        "2024Q3",
        management_label("Acme"),
        "Management",
        "Cloud margin improved on capex discipline.",
        attributed=False,
    ),
    _chunk(4, "Acme", "2024Q4", "Jane Roe", "CFO", "Cloud revenue grew again as cloud customers grew."),
    _chunk(5, "Acme", "2024Q4", "John Smith", "CEO", "Hiring slowed and margin expanded."),
    _chunk(6, "Acme", "2024Q4", "Ann Lee", "Analyst", "Which cloud regions lead?", kind="question"),
    _chunk(7, "Globex", "2024Q4", "Gary Globe", "CEO", "Ads revenue at Globex doubled on ads pricing."),
]
PEOPLE = [
    Person("Jane Roe", "CFO", "Acme", "Acme", ("Jane Roe", "Jane")),
    Person("John Smith", "CEO", "Acme", "Acme", ("John Smith",)),
    Person("Ann Lee", "Analyst", "Bank", None, ("Ann Lee",)),
    Person("Gary Globe", "CEO", "Globex", "Globex", ("Gary Globe",)),
]


@pytest.fixture(scope="module")
def store() -> IndexStore:
    vectors = TopicEmbedder().embed([c.text for c in CHUNKS], is_query=False)
    return IndexStore(
        chunks=CHUNKS,
        vectors=VectorIndex.build(vectors),
        lexical=LexicalIndex.build(lexical_texts(CHUNKS)),
        manifest={},
        directory=SpeakerDirectory(people=list(PEOPLE)),
    )


def _query(text: str, tokens_from: str | None = None) -> Query:
    """The question's vector from `text`; its lexical tokens from `tokens_from` when the two should differ."""
    vector = TopicEmbedder().embed([text], is_query=True)[0]
    return Query(vector, tokenize_query(text if tokens_from is None else tokens_from), "en")


def _rows(ranking: list[tuple[int, float]]) -> list[int]:
    return [row for row, _ in ranking]


# --- fuse ----------------------------------------------------------------------------------------


def test_fuse_scores_each_rank_by_weight_over_rrf_k_plus_rank() -> None:
    fused = fuse([([(4, 0.9), (2, 0.5)], 1.0)], k=10, rrf_k=60)
    assert fused == [(4, pytest.approx(1 / 61)), (2, pytest.approx(1 / 62))]


def test_fuse_ignores_the_rankers_own_scores() -> None:
    fused = fuse([([(1, 0.01), (2, 99.0)], 1.0)], k=10, rrf_k=60)
    assert _rows(fused) == [1, 2]


def test_a_row_in_both_rankings_beats_a_row_first_in_only_one() -> None:
    dense = [(1, 0.9), (2, 0.8)]
    lexical = [(3, 7.0), (2, 5.0)]
    fused = fuse([(dense, 1.0), (lexical, 1.0)], k=10, rrf_k=60)
    assert _rows(fused)[0] == 2
    assert dict(fused)[2] == pytest.approx(2 / 62)


def test_fuse_weights_decide_between_two_rank_one_rows() -> None:
    dense, lexical = [(1, 0.9)], [(2, 3.0)]
    assert _rows(fuse([(dense, 1.0), (lexical, 2.0)], k=10, rrf_k=60)) == [2, 1]
    assert _rows(fuse([(dense, 2.0), (lexical, 1.0)], k=10, rrf_k=60)) == [1, 2]


def test_a_small_rrf_k_lets_one_top_rank_beat_agreement_lower_down() -> None:
    # row 9 is first in one list; row 5 is third in both
    first = [(9, 1.0), (8, 1.0), (5, 1.0)]
    second = [(7, 1.0), (6, 1.0), (5, 1.0)]
    flat = dict(fuse([(first, 1.0), (second, 1.0)], k=10, rrf_k=0))
    assert flat[9] > flat[5]
    assert _rows(fuse([(first, 1.0), (second, 1.0)], k=1, rrf_k=60)) == [5]


def test_fuse_tied_rows_score_equally_and_keep_the_order_they_were_first_seen() -> None:
    fused = fuse([([(1, 0.9)], 1.0), ([(2, 0.9)], 1.0)], k=10, rrf_k=60)
    assert fused[0][1] == fused[1][1]
    assert _rows(fused) == [1, 2]


def test_fuse_keeps_only_the_best_k() -> None:
    fused = fuse([([(1, 0.0), (2, 0.0), (3, 0.0)], 1.0)], k=2, rrf_k=60)
    assert _rows(fused) == [1, 2]


def test_fuse_of_no_rankings_is_empty() -> None:
    assert fuse([([], 1.0), ([], 1.0)], k=5, rrf_k=60) == []


# --- allowed_rows --------------------------------------------------------------------------------


def test_no_filter_allows_every_row_as_none(store: IndexStore) -> None:
    assert allowed_rows(store, SearchRequest("anything")) is None


def test_speaker_filter_allows_that_speakers_rows(store: IndexStore) -> None:
    allowed = allowed_rows(store, SearchRequest("q", speakers=("Jane Roe",)))
    assert allowed is not None and allowed.tolist() == [0, 2, 4]


def test_speaker_and_quarter_filters_intersect(store: IndexStore) -> None:
    allowed = allowed_rows(store, SearchRequest("q", speakers=("Jane Roe",), quarters=("2024Q3",)))
    assert allowed is not None and allowed.tolist() == [0, 2]


def test_include_management_adds_the_companys_unnamed_management_rows(store: IndexStore) -> None:
    request = SearchRequest("q", speakers=("Jane Roe",), include_management=True)
    allowed = allowed_rows(store, request)
    assert allowed is not None and allowed.tolist() == [0, 2, 3, 4]


def test_company_filter_allows_only_that_companys_rows(store: IndexStore) -> None:
    allowed = allowed_rows(store, SearchRequest("q", companies=("Globex",)))
    assert allowed is not None and allowed.tolist() == [7]


def test_who_asked_allows_only_question_rows(store: IndexStore) -> None:
    allowed = allowed_rows(store, SearchRequest("q", asks_who_asked=True))
    assert allowed is not None and allowed.tolist() == [1, 6]


def test_who_asked_intersects_with_the_quarter(store: IndexStore) -> None:
    allowed = allowed_rows(store, SearchRequest("q", asks_who_asked=True, quarters=("2024Q4",)))
    assert allowed is not None and allowed.tolist() == [6]


def test_filters_that_match_nothing_together_allow_an_empty_array(store: IndexStore) -> None:
    allowed = allowed_rows(store, SearchRequest("q", speakers=("Jane Roe",), companies=("Globex",)))
    assert allowed is not None and allowed.size == 0


def test_a_speaker_the_index_lacks_allows_an_empty_array(store: IndexStore) -> None:
    allowed = allowed_rows(store, SearchRequest("q", speakers=("Nobody Here",)))
    assert allowed is not None and allowed.size == 0


def test_quarters_given_to_allowed_rows_replace_the_requests(store: IndexStore) -> None:
    request = SearchRequest("q", speakers=("Jane Roe",), quarters=("2024Q3", "2024Q4"))
    allowed = allowed_rows(store, request, ("2024Q4",))
    assert allowed is not None and allowed.tolist() == [4]


# --- lexical_ranking -----------------------------------------------------------------------------


def test_lexical_ranking_returns_only_rows_with_the_terms(store: IndexStore) -> None:
    rows = _rows(lexical_ranking(store, ["cloud"], 10, None))
    assert sorted(rows) == [0, 3, 4, 6]
    assert rows[0] == 4  # says "cloud" twice


def test_lexical_ranking_keeps_to_the_allowed_rows(store: IndexStore) -> None:
    allowed = np.asarray([4, 5], dtype=np.int64)
    assert _rows(lexical_ranking(store, ["cloud"], 10, allowed)) == [4]


def test_lexical_ranking_with_nothing_allowed_is_empty(store: IndexStore) -> None:
    assert lexical_ranking(store, ["cloud"], 10, np.empty(0, dtype=np.int64)) == []


def test_lexical_ranking_stops_at_k(store: IndexStore) -> None:
    assert len(lexical_ranking(store, ["cloud"], 2, None)) == 2


def test_lexical_ranking_finds_an_answer_through_its_questions_words(store: IndexStore) -> None:
    # row 2 answers the question in row 1 (turn 2: "talk about spending plans"), which it does not repeat
    assert sorted(_rows(lexical_ranking(store, ["spending"], 10, None))) == [1, 2]


# --- rank ----------------------------------------------------------------------------------------


def test_dense_mode_orders_by_cosine_and_reports_it(store: IndexStore) -> None:
    query = _query("ads")
    hits = rank(store, query, 3, None, "dense", RankingSettings())
    assert hits[0].row == 7 and hits[0].chunk is CHUNKS[7]
    assert hits[0].score == pytest.approx(float(store.vectors.search(query.vector, 1)[0][0]))
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len(hits) == 3


def test_bm25_mode_follows_the_lexical_ranking_not_the_vector(store: IndexStore) -> None:
    query = _query("ads", tokens_from="hiring")
    hits = rank(store, query, 3, None, "bm25", RankingSettings())
    assert [h.row for h in hits] == [5]


def test_hybrid_mode_puts_a_row_both_rankers_like_above_a_dense_only_favourite(store: IndexStore) -> None:
    # the vector points at capex (row 2 nearest); the tokens find only row 3, which also says capex
    query = _query("capex", tokens_from="discipline")
    assert rank(store, query, 1, None, "dense", RankingSettings())[0].row == 2
    hits = rank(store, query, 3, None, "hybrid", RankingSettings())
    assert [h.row for h in hits[:2]] == [3, 2]


def test_hybrid_mode_reports_cosine_scores(store: IndexStore) -> None:
    query = _query("capex", tokens_from="discipline")
    cosine = {h.row: h.score for h in rank(store, query, len(CHUNKS), None, "dense", RankingSettings())}
    for hit in rank(store, query, 3, None, "hybrid", RankingSettings()):
        assert hit.score == pytest.approx(cosine[hit.row])


def test_hybrid_lexical_weight_decides_between_the_two_rankers_favourites(store: IndexStore) -> None:
    # the vector points at hiring (row 5), the tokens at ads (row 7)
    query = _query("hiring", tokens_from="ads")
    no_lexical = rank(store, query, 1, None, "hybrid", RankingSettings(lexical_weight_en=0.0))
    heavy_lexical = rank(store, query, 1, None, "hybrid", RankingSettings(lexical_weight_en=5.0))
    assert (no_lexical[0].row, heavy_lexical[0].row) == (5, 7)


def test_an_unknown_mode_is_refused_by_name(store: IndexStore) -> None:
    with pytest.raises(ValueError, match="'sparse'"):
        rank(store, _query("cloud"), 3, None, "sparse", RankingSettings())


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_a_filtered_query_still_gets_its_top_k_from_the_allowed_rows(store: IndexStore, mode: str) -> None:
    # the best rows overall are Globex's ads; only Jane Roe's three rows are allowed
    allowed = allowed_rows(store, SearchRequest("q", speakers=("Jane Roe",)))
    hits = rank(store, _query("ads"), 3, allowed, mode, RankingSettings())
    assert sorted(h.row for h in hits) == [0, 2, 4]


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_no_allowed_rows_gives_no_hits(store: IndexStore, mode: str) -> None:
    assert rank(store, _query("cloud"), 3, np.empty(0, dtype=np.int64), mode, RankingSettings()) == []


# --- retrieve ------------------------------------------------------------------------------------


def test_comparing_quarters_returns_evidence_from_each_quarter_in_time_order(store: IndexStore) -> None:
    request = SearchRequest(
        "How did cloud change from 2024Q3 to 2024Q4?",
        quarters=("2024Q4", "2024Q3"),
        compares_quarters=True,
        companies=("Acme",),
    )
    hits = retrieve(store, _query("cloud"), request, 4, Settings(retrieval="dense"))
    assert [h.chunk.quarter for h in hits] == ["2024Q3", "2024Q3", "2024Q4", "2024Q4"]
    assert {h.chunk.company for h in hits} == {"Acme"}


def test_comparing_quarters_takes_at_least_two_passages_from_each(store: IndexStore) -> None:
    request = SearchRequest("q", quarters=("2024Q3", "2024Q4"), compares_quarters=True)
    hits = retrieve(store, _query("cloud"), request, 1, Settings(retrieval="dense"))
    assert [h.chunk.quarter for h in hits] == ["2024Q3", "2024Q3", "2024Q4", "2024Q4"]


def test_several_quarters_without_comparing_are_ranked_together(store: IndexStore) -> None:
    request = SearchRequest("q", quarters=("2024Q3", "2024Q4"))
    hits = retrieve(store, _query("hiring"), request, 2, Settings(retrieval="dense"))
    assert len(hits) == 2 and hits[0].row == 5


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_retrieve_applies_the_requests_filters_in_every_mode(store: IndexStore, mode: str) -> None:
    request = SearchRequest("q", speakers=("Jane Roe",), quarters=("2024Q4",))
    hits = retrieve(store, _query("cloud"), request, 5, Settings(retrieval=mode))
    assert [h.row for h in hits] == [4]


def test_a_speaker_filter_allows_the_turns_under_each_spelling_the_calls_give_him() -> None:
    # one call labels him "Michael A. Roe", the next "Mike Roe": the directory keeps one person
    chunks = [
        _chunk(0, "Acme", "2024Q3", "Michael A. Roe", "CEO", "Cloud revenue grew."),
        _chunk(1, "Acme", "2024Q4", "Mike Roe", "CEO", "Cloud revenue grew again."),
        _chunk(2, "Acme", "2024Q4", "Jane Roe", "CFO", "Capex will rise."),
    ]
    spelt = IndexStore(
        chunks=chunks,
        vectors=VectorIndex.build(TopicEmbedder().embed([c.text for c in chunks], is_query=False)),
        lexical=LexicalIndex.build(lexical_texts(chunks)),
        manifest={},
        directory=SpeakerDirectory(
            people=[Person("Michael A. Roe", "CEO", "Acme", "Acme", ("Michael A. Roe", "Mike Roe"))]
        ),
    )
    allowed = allowed_rows(spelt, SearchRequest("q", speakers=("Michael A. Roe",), quarters=("2024Q4",)))
    assert allowed is not None and allowed.tolist() == [1]


def test_an_answer_finds_the_last_question_at_or_before_the_turn_it_replies_to() -> None:
    # the analyst's "Sorry about that." (turn 3) made no passage: the answer's question is turn 2
    chunks = [
        _chunk(0, "Acme", "2024Q4", "Jane Roe", "CFO", "Revenue grew."),
        _chunk(1, "Acme", "2024Q4", "Ann Lee", "Analyst", "And the guide for 2025?", kind="question"),
        _chunk(2, "Acme", "2024Q4", "Jane Roe", "CFO", "Let me find it.", kind="answer", replies_to_turn=2),
        _chunk(3, "Acme", "2024Q4", "Jane Roe", "CFO", "Tax rate of 26%.", kind="answer", replies_to_turn=4),
    ]
    asked = IndexStore(
        chunks=chunks,
        vectors=VectorIndex.build(TopicEmbedder().embed([c.text for c in chunks], is_query=False)),
        lexical=LexicalIndex.build(lexical_texts(chunks)),
        manifest={},
        directory=SpeakerDirectory(people=[]),
    )
    assert asked.question_answered(3) == "And the guide for 2025?"
    assert asked.question_answered(2) == "And the guide for 2025?"
    assert asked.question_answered(0) == ""


def test_a_period_whose_calls_never_name_the_asked_thing_widens_to_the_calls_that_do(
    store: IndexStore,
) -> None:
    from rag.query.retrieve import search
    from rag.text.terms import Term

    # "Globex ads in 2024Q3": no 2024Q3 passage names Globex; its 2024Q4 call does, and is searched
    globex = Term("Globex", ("Globex",), specific=True)
    request = SearchRequest(
        "How much will Globex ads grow in 2024?", quarters=("2024Q3",), terms=(globex,), period_widens=True
    )
    settings = Settings(retrieval="dense")
    result = search(store, _query("ads"), request, 2, settings, executives=set())
    assert result.request.quarters == () and result.hits[0].row == 7
    # a period whose passages name it keeps to its calls
    cloud = replace(request, terms=(Term("Cloud", ("Cloud",), specific=True),))
    assert search(store, _query("cloud"), cloud, 2, settings, executives=set()).request.quarters == (
        "2024Q3",
    )
    # and without the period's widening, the question stays on the calls it names
    held = replace(request, period_widens=False)
    assert {h.chunk.quarter for h in search(store, _query("ads"), held, 2, settings, set()).hits} == {
        "2024Q3"
    }


def test_who_opened_the_qa_puts_each_calls_first_question_first_in_time_order(store: IndexStore) -> None:
    from rag.query.retrieve import search

    settings = Settings(retrieval="dense")
    request = SearchRequest("Who asked about cloud?", asks_who_asked=True, companies=("Acme",))
    by_topic = search(store, _query("cloud"), request, 2, settings, executives=set()).hits
    assert [h.row for h in by_topic] == [6, 1]
    opened = replace(request, question="Who opened the Q&A?", asks_first_question=True)
    assert [h.row for h in search(store, _query("cloud"), opened, 2, settings, executives=set()).hits] == [
        1,
        6,
    ]
