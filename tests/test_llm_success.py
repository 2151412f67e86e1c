"""The generated answer that passes verification, end to end over real HTTP with the real `openai`
client: a scripted OpenAI-compatible server reads the passages out of each request and answers as a
faithful model would, quoting one sentence of each passage with its [n] marker. The product path
(`QueryEngine.ask(mode="llm")`, `ask_stream`) runs on the real index of the shipped transcripts."""

from __future__ import annotations

from dataclasses import replace

import pytest
from llm_fixtures import (
    MODEL_ALIAS,
    ScriptedServer,
    cited_answer,
    mtia_passages,
    passages_in_request,
    quoted_sentence,
    scripted_server,
)

from rag.answer.generate import generate_answer, stream_answer
from rag.answer.prompting import build_messages
from rag.answer.types import Answer, Citation
from rag.api import QueryEngine
from rag.chunks import Chunk
from rag.query.retrieve import Hit
from rag.settings import Settings

QUESTION = "Susan Li 对 MTIA 说了什么?"


def engine_for(engine: QueryEngine, base_url: str) -> QueryEngine:
    """The session's engine (its loaded index and embedder) pointed at an LLM endpoint."""
    settings = replace(engine.settings, llm_base_url=base_url, llm_model=MODEL_ALIAS, llm_timeout=10.0)
    return QueryEngine(engine.store, engine.embedder, settings)


def assert_verified_answer_quoting(answer: Answer, server: ScriptedServer, hits: list[Hit]) -> None:
    """The answer is the server's cited text, every sentence verified against the passage it cites,
    each passage cited once and its quoted sentence highlighted."""
    request = server.requests[-1]
    written = cited_answer(request)
    assert answer.mode == "llm" and answer.notice is None and not answer.abstained
    assert answer.text == written
    assert [c.chunk_id for c in answer.citations] == [hit.chunk.id for hit in hits]
    assert [(check.citations, check.passed, check.problems) for check in answer.grounding] == [
        ((n,), True, ()) for n in range(1, len(hits) + 1)
    ]
    for citation, passage in zip(answer.citations, passages_in_request(request), strict=True):
        assert quoted_sentence(passage.text) in citation.highlights, citation.n


def test_ask_in_llm_mode_answers_with_verified_quotes_of_the_retrieved_passages(engine: QueryEngine) -> None:
    with scripted_server("answer", cited_answer) as server:
        llm_engine = engine_for(engine, server.base_url)
        fallback, hits = llm_engine.extractive(QUESTION, speaker="Susan Li", top_k=2)
        answer = llm_engine.ask(QUESTION, speaker="Susan Li", mode="llm", top_k=2)
    assert len(hits) == 2 and len(server.requests) == 1
    sent = server.requests[0]
    assert sent["model"] == MODEL_ALIAS and sent["temperature"] == 0 and not sent.get("stream")
    # The passages the extractive answer cites, in its order, are what the model is asked to answer from.
    assert sent["messages"] == build_messages(
        fallback.question, [h.chunk for h in hits], Settings().generation
    )
    assert [p.attributes["speaker"] for p in passages_in_request(sent)] == ["Susan Li", "Susan Li"]
    assert_verified_answer_quoting(answer, server, hits)
    assert answer.question == fallback.question and answer.filters == fallback.filters
    assert answer.filters["speaker"] == ["Susan Li"]
    # Each quoted sentence has a figure (2024, 2025) that verification found in the passage it cites.
    assert all(any(ch.isdigit() for ch in check.sentence) for check in answer.grounding)


def test_ask_stream_yields_the_deltas_then_the_same_verified_answer_as_ask(engine: QueryEngine) -> None:
    with scripted_server("answer", cited_answer) as server:
        llm_engine = engine_for(engine, server.base_url)
        _, hits = llm_engine.extractive(QUESTION, top_k=2)
        *deltas, streamed = llm_engine.ask_stream(QUESTION, top_k=2)
        asked = llm_engine.ask(QUESTION, mode="llm", top_k=2)
    assert server.requests[0]["stream"] is True and not server.requests[1].get("stream")
    assert server.requests[0]["messages"] == server.requests[1]["messages"]
    assert len(deltas) > 1 and all(isinstance(d, str) for d in deltas)
    assert "".join(deltas) == cited_answer(server.requests[0])  # type: ignore[arg-type]
    assert isinstance(streamed, Answer)
    assert_verified_answer_quoting(streamed, server, hits)
    assert streamed == asked


@pytest.fixture(scope="module")
def two_turns() -> list[tuple[Chunk, float]]:
    return mtia_passages()


def test_stream_answer_ends_with_the_answer_generate_answer_gives(
    two_turns: list[tuple[Chunk, float]],
) -> None:
    chunk, score = two_turns[0]
    fallback = Answer(QUESTION, "extractive [1]", [Citation.from_chunk(1, chunk, score)], abstained=False)
    with scripted_server("answer", cited_answer) as server:
        settings = replace(Settings(), llm_base_url=server.base_url, llm_model=MODEL_ALIAS, llm_timeout=10.0)
        items = list(stream_answer(QUESTION, two_turns, fallback, settings))
        generated = generate_answer(QUESTION, two_turns, fallback, settings)
    *deltas, streamed = items
    assert len(deltas) > 1 and "".join(deltas) == generated.text  # type: ignore[arg-type]
    assert streamed == generated and streamed.mode == "llm"
    assert [c.n for c in generated.citations] == [1, 2] and all(c.highlights for c in generated.citations)
    assert [check.passed for check in generated.grounding] == [True, True]
