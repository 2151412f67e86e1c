"""Each transcript layout is detected and split into turns with the right speakers, roles and firms.

The real samples are read in place from ../shared/samples (skipped when absent); small synthetic
texts cover the layouts no sample uses.
"""

from collections import Counter

import pytest

from rag.settings import Settings
from rag.transcripts.clean import CleaningRules
from rag.transcripts.detect_layout import detect_layout
from rag.transcripts.manifest import CallInfo, load_manifest
from rag.transcripts.parse import parse_call
from rag.transcripts.read import read_transcript
from rag.transcripts.speakers import SpeakerDirectory
from tests.samples import SAMPLES

needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples is not here")


def _directory() -> SpeakerDirectory:
    return SpeakerDirectory.load(Settings().speakers_file)


def _parse(text: str, company: str, layout: str, directory: SpeakerDirectory | None = None):
    call = CallInfo(file="call.txt", company=company, quarter="2025Q3", layout=layout, language="en")
    return parse_call(text, call, directory or _directory(), CleaningRules.load()).turns


def _sample(name: str, company: str):
    text = read_transcript(SAMPLES / name)
    layout = detect_layout(text, _directory()).layout
    return layout, _parse(text, company, layout)


@needs_samples
@pytest.mark.parametrize(
    ("name", "layout"),
    [
        ("nvda-fy25q3-motley-fool.md", "titled_lines"),
        ("ko-2021q3-motley-fool.json", "json_turns"),
        ("tal-2026q2-zh-machine-translated.txt", "line_labels"),
        ("earnings21-4389907-speaker-n.txt", "line_labels"),
    ],
)
def test_each_sample_layout_is_detected_confidently(name, layout):
    guess = detect_layout(read_transcript(SAMPLES / name))
    assert guess.layout == layout and guess.confidence >= 0.9, guess


def test_the_seeds_are_detected_as_their_manifest_says():
    settings = Settings().for_shipped_corpus()
    for call in load_manifest(settings.transcripts_dir):
        guess = detect_layout(read_transcript(settings.transcripts_dir / call.file), _directory())
        assert guess.layout == call.layout, (call.file, guess)


@needs_samples
def test_motley_fool_title_lines_give_roles_and_the_operator_gives_analyst_firms():
    _, turns = _sample("nvda-fy25q3-motley-fool.md", "NVIDIA")
    people = {(t.speaker, t.role, t.firm) for t in turns if t.attributed}
    assert ("Jensen Huang", "CEO", "NVIDIA") in people
    assert ("Colette M. Kress", "CFO", "NVIDIA") in people
    assert ("Stewart Stecker", "Investor Relations", "NVIDIA") in people
    assert ("C.J. Muse", "Analyst", "Cantor Fitzgerald") in people  # "...C.J. Muse of Cantor Fitzgerald."
    assert ("Ben Reitzes", "Analyst", "Melius Research") in people  # firm written in the title line
    assert sum(t.speaker == "Operator" for t in turns) == 13
    muse = next(t for t in turns if t.speaker == "C.J. Muse")
    answer = turns[muse.number]
    assert (answer.speaker, answer.kind, answer.asker) == ("Jensen Huang", "answer", "C.J. Muse")
    assert not any("Call participants" in t.text for t in turns)


@needs_samples
def test_json_turns_take_roles_and_firms_from_the_participant_list():
    _, turns = _sample("ko-2021q3-motley-fool.json", "Coca-Cola")
    people = {(t.speaker, t.role, t.firm) for t in turns if t.attributed}
    assert ("James Quincey", "CEO", "Coca-Cola") in people
    assert ("John Murphy", "CFO", "Coca-Cola") in people
    assert ("Tim Leveridge", "Investor Relations", "Coca-Cola") in people
    assert ("Bryan Spillane", "Analyst", "Bank of American Merrill Lynch") in people
    assert len({t.speaker for t in turns if t.role == "Analyst"}) == 13
    assert not any(t.speaker.startswith("Duration") for t in turns)


@needs_samples
def test_chinese_labels_merge_spelling_variants_only_through_the_participant_list():
    _, turns = _sample("tal-2026q2-zh-machine-translated.txt", "TAL Education")
    ceo = [t for t in turns if t.speaker == "Zhuangzhuang Peng"]
    assert len(ceo) == 3 and {t.role for t in ceo} == {"CEO"}  # 庄庄鹏, 庄庄彭, Zhuangzhuang Peng
    assert sum(t.speaker == "Operator" for t in turns) == 6  # 接线员 and 操作员
    assert ("Timothy Zhao", "Analyst", "Goldman Sachs") in {(t.speaker, t.role, t.firm) for t in turns}
    yiran = next(t for t in turns if t.speaker == "Yiran Sheng")
    assert (yiran.role, yiran.firm) == ("Analyst", None)  # introduced as "Elsie Sheng": no firm guessed
    reply = next(t for t in turns if t.text.startswith("感谢提问，Timothy"))
    assert (reply.speaker, reply.kind, reply.attributed) == ("TAL Education management", "answer", False)
    glossary = next(t for t in turns if t.text.startswith("Peiyou:"))
    assert glossary.speaker == "Unattributed"


@needs_samples
def test_anonymous_speaker_numbers_are_kept_and_never_named():
    _, turns = _sample("earnings21-4389907-speaker-n.txt", "Phoenix New Media")
    assert {t.speaker for t in turns} == {f"Speaker {n}" for n in range(7)}
    assert not any(t.attributed for t in turns)
    assert Counter(t.speaker for t in turns)["Speaker 0"] == 6


def test_a_name_alone_on_a_line_starts_each_turn():
    text = (
        "Acme call\nJohn Smith\nGood morning. Revenue grew 10% this quarter and margins improved again.\n"
        "Jane Doe\nThanks John. Operating expenses fell by two percent compared with last year.\n"
    )
    assert detect_layout(text).layout == "name_lines"
    turns = _parse(text, "Acme", "name_lines")
    assert [(t.speaker, t.attributed) for t in turns] == [("John Smith", True), ("Jane Doe", True)]


def test_numbered_question_answer_pairs_are_analyst_and_management():
    text = (
        "Q1: What drove revenue growth in the quarter?\nA1: Advertising demand and better pricing.\n"
        "Q2: How will capital spending change next year?\nA2: It will grow with data centre build-outs.\n"
    )
    assert detect_layout(text).layout == "sections_qa"
    turns = _parse(text, "Acme", "sections_qa")
    assert [(t.speaker, t.kind) for t in turns] == [
        ("Analyst", "question"),
        ("Acme management", "answer"),
        ("Analyst", "question"),
        ("Acme management", "answer"),
    ]
    assert turns[1].replies_to_turn == 1


def test_text_without_labels_becomes_unattributed_paragraphs():
    text = (
        "Revenue rose twelve percent on strong demand for cloud services.\n\n"
        "Margins improved as the company cut marketing spend in every region.\n"
    )
    guess = detect_layout(text)
    assert guess.layout == "paragraphs" and "no speaker labels" in guess.reason
    turns = _parse(text, "Acme", "paragraphs")
    assert [t.speaker for t in turns] == ["Unattributed", "Unattributed"]


def test_full_width_colon_labels_in_chinese_are_read_and_headings_are_not():
    text = (
        "收入：本季度收入为 10 亿美元。\n张伟：谢谢。我们本季度收入增长了百分之十，利润率也有所改善。\n"
        "王明：我的问题是关于明年的资本支出计划，能否请管理层介绍一下？\n张伟：明年资本支出将保持稳定。\n"
    )
    assert detect_layout(text).layout == "line_labels"
    turns = _parse(text, "Acme", "line_labels")
    assert [t.speaker for t in turns] == ["Unattributed", "张伟", "王明", "张伟"]


def test_label_variants_without_a_participant_list_stay_apart():
    text = (
        "庄庄鹏：谢谢大家参加今天的电话会议，本季度收入增长。\n庄庄彭：谢谢，我来回答这个关于利润率的问题。\n"
    )
    turns = _parse(text, "TAL", "line_labels")
    assert [t.speaker for t in turns] == ["庄庄鹏", "庄庄彭"]


def test_a_first_name_known_at_another_company_is_not_that_person():
    text = "Mark: Thanks everyone, revenue grew nicely this quarter at Acme.\nMark: Margins were steady.\n"
    turns = _parse(text, "Acme", "line_labels")
    assert turns and all(t.speaker != "Mark Zuckerberg" for t in turns)


def test_anonymous_labels_and_operator_words_in_any_case():
    text = "speaker 1: Welcome to the call, everyone, thanks for joining.\nOPERATOR: Next question please.\n"
    turns = _parse(text, "Acme", "line_labels")
    assert [t.speaker for t in turns] == ["Speaker 1", "Operator"]


def test_an_ambiguous_file_says_what_was_chosen_over_what():
    text = (
        "Jane Roe -- Analyst\nHow did cloud revenue grow this quarter?\n"
        "John Smith -- Chief Executive Officer\nIt grew 25% on strong demand.\n"
        "Jane Roe: And what about margins next year?\n"
        "John Smith: We expect them to stay near 60 percent.\n"
    )
    guess = detect_layout(text)
    assert guess.confidence < 0.75
    assert "ambiguous: chose" in guess.reason and guess.layout in guess.reason.split("chose ")[1]
