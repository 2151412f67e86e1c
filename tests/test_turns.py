"""Turn splitting and attribution on the three shipped transcripts."""

from collections import Counter

import pytest

from rag.chunks import Chunk
from rag.indexing.build import parse_corpus
from rag.indexing.chunking import chunk_parsed
from rag.settings import ChunkingSettings, Settings
from rag.text.sentences import is_content_free
from rag.transcripts.clean import CleaningRules
from rag.transcripts.manifest import load_manifest
from rag.transcripts.parse import parse_call
from rag.transcripts.read import read_transcript
from rag.transcripts.speakers import SpeakerDirectory


def chunk_corpus(settings: Settings, chunking: ChunkingSettings) -> list[Chunk]:
    parsed, _ = parse_corpus(settings, load_manifest(settings.transcripts_dir))
    return chunk_parsed(parsed, chunking)


@pytest.fixture(scope="module")
def turns_by_quarter():
    settings = Settings().for_shipped_corpus()
    directory = SpeakerDirectory.load(settings.speakers_file)
    rules = CleaningRules.load()
    return {
        call.quarter: parse_call(
            read_transcript(settings.transcripts_dir / call.file), call, directory, rules
        ).turns
        for call in load_manifest(settings.transcripts_dir)
    }


def test_2024q4_every_analyst_is_found_with_firm(turns_by_quarter):
    questions = [t for t in turns_by_quarter["2024Q4"] if t.kind == "question"]
    assert [(t.speaker, t.firm) for t in questions] == [
        ("Brian Nowak", "Morgan Stanley"),
        ("Eric Sheridan", "Goldman Sachs"),
        ("Mark Shmulik", "Bernstein"),
        ("Justin Post", "Bank of America"),
        ("Doug Anmuth", "J.P. Morgan"),
        ("Ron Josey", "Citi"),
        ("Ken Gawrelski", "Wells Fargo"),
        ("Ross Sandler", "Barclays"),
    ]


def test_2024q4_turn_counts_and_answers_link_to_their_question(turns_by_quarter):
    turns = turns_by_quarter["2024Q4"]
    assert len(turns) == 21
    speakers = Counter(t.speaker for t in turns)
    assert speakers["Mark Zuckerberg"] == 7 and speakers["Susan Li"] == 6
    mtia = next(t for t in turns if "MTIA" in t.text)
    assert (mtia.speaker, mtia.kind, mtia.asker, mtia.asker_firm) == (
        "Susan Li",
        "answer",
        "Brian Nowak",
        "Morgan Stanley",
    )
    assert turns[mtia.replies_to_turn - 1].speaker == "Brian Nowak"


def test_2023q2_sections_follow_manifest_hints_and_qa_is_unnamed(turns_by_quarter):
    turns = turns_by_quarter["2023Q2"]
    assert [t.speaker for t in turns[:3]] == ["Mark Zuckerberg", "Susan Li", "Susan Li"]
    assert "320 亿至 345 亿美元" in turns[2].text  # 3Q23 guidance is the CFO's
    qa = turns[3:]
    assert len(qa) == 22
    assert all(t.speaker == "Analyst" and not t.attributed for t in qa if t.kind == "question")
    assert all(
        t.speaker == "Meta management" and t.replies_to_turn == t.number - 1 for t in qa if t.kind == "answer"
    )


def test_2025q2_inline_labels_with_noise_are_attributed(turns_by_quarter):
    turns = turns_by_quarter["2025Q2"]
    named = Counter(t.speaker for t in turns if t.attributed)
    assert named["Susan Li"] >= 6 and named["Mark Zuckerberg"] >= 3
    analysts = {(t.speaker, t.firm) for t in turns if t.kind == "question"}
    assert ("Doug Anmuth", "J.P. Morgan") in analysts and ("Mark Shmulik", "Bernstein") in analysts
    assert ("Youssef Squali", "Truist Securities") in analysts
    capex = next(t for t in turns if t.text.startswith("明年资本支出融资"))
    assert capex.speaker == "Susan Li"


def test_2025q2_unlabelled_paragraphs_are_never_given_a_name(turns_by_quarter):
    turns = turns_by_quarter["2025Q2"]
    news = next(t for t in turns if "当地时间7月30日消息" in t.text)
    assert (news.speaker, news.attributed) == ("Unattributed", False)
    prometheus = next(t for t in turns if "普罗米修斯" in t.text)
    assert prometheus.speaker == "Meta management" and not prometheus.attributed


def test_content_free_turns_are_not_indexed():
    assert is_content_free("谢谢。", 6) and is_content_free("Thank you.", 6)
    assert not is_content_free("我们预计资本支出将在 270 亿至 300 亿美元之间。", 6)


def test_long_turns_are_split_into_parts_that_keep_metadata():
    chunks = chunk_corpus(Settings().for_shipped_corpus(), ChunkingSettings(max_tokens=200))
    parts = [c for c in chunks if c.quarter == "2024Q4" and c.turn == 13]
    assert len(parts) >= 2 and {c.speaker for c in parts} == {"Mark Zuckerberg"}
    assert [c.part for c in parts] == list(range(1, len(parts) + 1))
    assert all(c.parts == len(parts) and c.asker == "Doug Anmuth" for c in parts)


def test_chunk_ids_are_stable_across_rebuilds():
    first = chunk_corpus(Settings().for_shipped_corpus(), ChunkingSettings())
    second = chunk_corpus(Settings().for_shipped_corpus(), ChunkingSettings())
    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)
