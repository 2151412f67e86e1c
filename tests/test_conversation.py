"""Follow-up questions on the shipped corpus: what a follow-up inherits, what stands alone, the JSON
round trip of `rag ask --after`, and the LLM rewrite's protocol against a scripted server."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

from llm_fixtures import MODEL_ALIAS, scripted_server

from rag.api import Conversation, QueryEngine
from rag.query.followup import refers_back, request_from_dict, request_to_dict


def test_follow_up_inherits_the_topic_and_names_its_own_speaker(engine: QueryEngine) -> None:
    chat = Conversation(engine)
    first = chat.ask("What did Susan say about capex in 2025?")
    assert first.inherited == {} and first.filters["speaker"] == ["Susan Li"]
    second = chat.ask("And what did Zuckerberg say about it?")
    assert second.filters["speaker"] == ["Mark Zuckerberg"]
    assert second.inherited["topic"] == ["capex"]
    assert "speaker" not in second.inherited
    assert second.citations and all(c.speaker == "Mark Zuckerberg" for c in second.citations)


def test_what_about_another_call_keeps_speaker_and_topic_and_changes_the_call(engine: QueryEngine) -> None:
    chat = Conversation(engine)
    chat.ask("What did Susan say about capex in 2025?")
    chat.ask("And what did Zuckerberg say about it?")
    third = chat.ask("What about on the 2023Q2 call?")
    assert third.filters["quarter"] == ["2023Q2"]
    assert third.filters["speaker"] == ["Mark Zuckerberg"]
    assert third.inherited["speaker"] == ["Mark Zuckerberg"] and third.inherited["topic"] == ["capex"]
    assert "quarter" not in third.inherited
    assert third.citations and all(c.quarter == "2023Q2" for c in third.citations)


def test_a_question_that_stands_on_its_own_inherits_nothing(engine: QueryEngine) -> None:
    chat = Conversation(engine)
    chat.ask("What did Susan say about capex in 2025?")
    alone = chat.ask("What did Zuckerberg say about smart glasses on the 2024Q4 call?")
    assert alone.inherited == {}
    assert (
        alone.filters == engine.ask("What did Zuckerberg say about smart glasses on the 2024Q4 call?").filters
    )


def test_a_plain_ask_stays_stateless(engine: QueryEngine) -> None:
    engine.ask("What did Susan say about capex in 2025?")
    answer = engine.ask("And what did Zuckerberg say about it?")
    assert answer.inherited == {} and answer.filters["speaker"] == ["Mark Zuckerberg"]


def test_a_follow_up_with_no_previous_question_is_answered_as_it_stands(engine: QueryEngine) -> None:
    answer = Conversation(engine).ask("And what did Zuckerberg say about smart glasses?")
    assert answer.inherited == {} and not answer.abstained
    assert answer.citations


def test_chinese_ellipsis_inherits_speaker_and_topic(engine: QueryEngine) -> None:
    chat = Conversation(engine)
    chat.ask("扎克伯格在 2023 年第二季度谈到 Threads 时说了什么?")
    answer = chat.ask("那 2024 年第四季度呢?")
    assert answer.inherited["speaker"] == ["Mark Zuckerberg"]
    assert "Threads" in answer.inherited["topic"]
    assert answer.filters["quarter"] == ["2024Q4"]


def test_follow_up_wording_is_recognised() -> None:
    for question in (
        "And capex?",
        "What about on the 2023Q2 call?",
        "Same for Q3?",
        "他怎么解释的?",
        "那现金呢?",
    ):
        assert refers_back(question), question
    for question in ("What did Susan say about capex in 2025?", "扎克伯格如何看待 DeepSeek?"):
        assert not refers_back(question), question


def test_the_resolved_request_survives_json(engine: QueryEngine) -> None:
    answer = engine.ask("What did Susan say about MTIA?")
    raw = json.loads(json.dumps(answer.to_dict(), ensure_ascii=False))
    assert request_to_dict(request_from_dict(raw["resolved"])) == answer.resolved


def _rag(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_rag_ask_after_a_previous_json_answer_inherits_from_it(engine: QueryEngine, tmp_path: Path) -> None:
    first = _rag("ask", "--json", "What did Susan say about capex in 2025?")
    assert first.returncode == 0, first.stderr
    previous = tmp_path / "previous.json"
    previous.write_text(first.stdout, encoding="utf-8")
    second = _rag("ask", "--json", "--after", str(previous), "And what did Zuckerberg say about it?")
    assert second.returncode == 0, second.stderr
    answer = json.loads(second.stdout)
    assert answer["inherited"]["topic"] == ["capex"]
    assert answer["filters"]["speaker"] == ["Mark Zuckerberg"]
    not_json = tmp_path / "bad.json"
    not_json.write_text("no", encoding="utf-8")
    bad = _rag("ask", "--after", str(not_json), "And capex?")
    assert bad.returncode == 2 and "--after" in bad.stderr and "Traceback" not in bad.stderr


def _llm_engine(engine: QueryEngine, base_url: str) -> QueryEngine:
    llm = dataclasses.replace(engine.settings, llm_base_url=base_url, llm_model=MODEL_ALIAS)
    return QueryEngine(engine.store, engine.embedder, llm)


def test_a_rewrite_that_keeps_every_entity_is_used_and_shown(engine: QueryEngine) -> None:
    rewrite = "What did Mark Zuckerberg say about capex in 2025?"
    with scripted_server("answer", rewrite) as server:
        chat = Conversation(_llm_engine(engine, server.base_url))
        chat.ask("What did Susan say about capex in 2025?")
        assert server.requests == []  # an opening question is not rewritten
        answer = chat.ask("And what did Zuckerberg say about it?")
    assert answer.rewritten == rewrite
    assert answer.mode == "extractive" and answer.filters["speaker"] == ["Mark Zuckerberg"]
    sent = server.requests[0]["messages"][-1]["content"]
    assert "And what did Zuckerberg say about it?" in sent and "capex" in sent


def test_a_rewrite_that_drops_an_entity_is_not_used(engine: QueryEngine) -> None:
    with scripted_server("answer", "What did Mark Zuckerberg say?") as server:  # the topic is gone
        chat = Conversation(_llm_engine(engine, server.base_url))
        chat.ask("What did Susan say about capex in 2025?")
        answer = chat.ask("And what did Zuckerberg say about it?")
    assert server.requests
    assert answer.rewritten is None
    assert answer.inherited["topic"] == ["capex"]
