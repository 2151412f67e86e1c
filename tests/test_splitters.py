"""Each layout splitter on small synthetic transcripts: the turns, their labels as written, and spans that
point back at each turn's text in the input (chunk citations are built from these spans)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rag.errors import TranscriptError
from rag.transcripts.clean import CleaningRules
from rag.transcripts.json_layout import split_json_turns
from rag.transcripts.labelled_layouts import split_line_labels, split_paragraphs, split_titled_lines
from rag.transcripts.layouts import RawTurn, split_inline_labels, split_name_lines, split_sections_qa
from rag.transcripts.speakers import Person, SpeakerDirectory


def _directory() -> SpeakerDirectory:
    return SpeakerDirectory(
        people=[
            Person("Jane Roe", "CFO", "Acme", "Acme", ("Jane Roe", "Jane")),
            Person("John Smith", "CEO", "Acme", "Acme", ("John Smith", "John")),
            Person("李明", "Analyst", "Bank", None, ("李明",)),
        ]
    )


def _assert_spans_point_at_text(text: str, turns: list[RawTurn]) -> None:
    """text[start:end] is the turn's text, or its non-empty lines joined by newlines."""
    for turn in turns:
        span = text[turn.start : turn.end]
        lines = [line.strip() for line in span.split("\n") if line.strip()]
        assert span == turn.text or "\n".join(lines) == turn.text, (turn, span)


def _labelled(turns: list[RawTurn]) -> list[tuple[str | None, str]]:
    return [(t.label, t.text) for t in turns]


# --- split_name_lines ----------------------------------------------------------------------------

NAME_LINES = (
    "Acme Q3 call\n"
    "John Smith\n"
    "Good morning. Revenue grew ten percent.\n"
    "Margins improved too.\n"
    "  Jane Roe  \n"
    "Thanks John. Costs fell.\n"
    "李明\n"
    "我的问题是关于利润率。\n"
)


def test_name_lines_a_name_alone_on_a_line_starts_each_turn() -> None:
    turns = split_name_lines(NAME_LINES, _directory(), {})
    assert _labelled(turns) == [
        ("John Smith", "Good morning. Revenue grew ten percent.\nMargins improved too."),
        ("Jane Roe", "Thanks John. Costs fell."),
        ("李明", "我的问题是关于利润率。"),  # a known alias, though not name-shaped
    ]


def test_name_lines_spans_point_at_the_turn_text() -> None:
    _assert_spans_point_at_text(NAME_LINES, split_name_lines(NAME_LINES, _directory(), {}))


def test_name_lines_a_long_opening_before_the_first_name_is_kept_unlabelled() -> None:
    text = "Welcome to the Acme earnings call for the third quarter of the year.\nJohn Smith\nRevenue grew.\n"
    turns = split_name_lines(text, _directory(), {})
    assert [t.label for t in turns] == [None, "John Smith"]
    _assert_spans_point_at_text(text, turns)


# --- split_sections_qa ---------------------------------------------------------------------------

SECTIONS_QA = (
    "Acme earnings call transcript, published by a news site\n"
    "CEO remarks: We had a strong quarter with cloud growth.\n"
    "More cloud detail here.\n"
    "CFO remarks: Revenue was up.\n"
    "二、问答环节\n"
    "Q1: What drove growth?\n"
    "A1: Pricing and demand.\n"
    "Q2：How about capex?\n"
    "A2. It will rise.\n"
)
SECTION_HINTS: dict[str, Any] = {
    "start_at": "CEO remarks",
    "sections": [
        {"heading": "CEO remarks", "speaker": "John Smith"},
        {"heading": "CFO remarks", "speaker": "Jane Roe"},
    ],
}


def test_sections_qa_section_headings_give_the_hinted_speaker() -> None:
    turns = split_sections_qa(SECTIONS_QA, _directory(), SECTION_HINTS)
    assert [(t.speaker_hint, t.section, t.text) for t in turns[:2]] == [
        ("John Smith", "CEO remarks", "We had a strong quarter with cloud growth.\nMore cloud detail here."),
        ("Jane Roe", "CFO remarks", "Revenue was up."),
    ]


def test_sections_qa_text_before_start_at_is_skipped() -> None:
    turns = split_sections_qa(SECTIONS_QA, _directory(), SECTION_HINTS)
    assert not any("news site" in t.text for t in turns)


def test_sections_qa_numbered_pairs_are_questions_and_answers_in_the_qa_section() -> None:
    turns = split_sections_qa(SECTIONS_QA, _directory(), SECTION_HINTS)
    assert [(t.label, t.kind, t.section, t.text) for t in turns[2:]] == [
        ("Q1", "question", "二、问答环节", "What drove growth?"),
        ("A1", "answer", "二、问答环节", "Pricing and demand."),
        ("Q2", "question", "二、问答环节", "How about capex?"),
        ("A2", "answer", "二、问答环节", "It will rise."),
    ]


def test_sections_qa_spans_point_at_the_turn_text_despite_start_at() -> None:
    _assert_spans_point_at_text(SECTIONS_QA, split_sections_qa(SECTIONS_QA, _directory(), SECTION_HINTS))


def test_sections_qa_without_hints_reads_the_numbered_pairs_alone() -> None:
    text = "Q1: What drove growth?\nA1: Pricing.\n"
    turns = split_sections_qa(text, _directory(), {})
    assert [(t.label, t.kind, t.speaker_hint) for t in turns] == [
        ("Q1", "question", None),
        ("A1", "answer", None),
    ]
    _assert_spans_point_at_text(text, turns)


# --- split_inline_labels -------------------------------------------------------------------------

INLINE = (
    "John：欢迎大家参加电话会。\n"
    "补充一句，本季度收入增长。Jane：谢谢John，利润率提高了。\n"
    "没有标签的一段话。\n"
    "高盛分析师王强(Qiang Wang)：我的问题是关于资本支出。\n"
)


def test_inline_labels_each_label_starts_a_turn_and_unlabelled_text_continues_it() -> None:
    turns = split_inline_labels(INLINE, _directory(), {})
    assert _labelled(turns) == [
        ("John", "欢迎大家参加电话会。\n补充一句，本季度收入增长。"),
        ("Jane", "谢谢John，利润率提高了。\n没有标签的一段话。"),
        ("王强", "我的问题是关于资本支出。"),
    ]


def test_inline_labels_an_analyst_label_gives_firm_and_english_name() -> None:
    analyst = split_inline_labels(INLINE, _directory(), {})[-1]
    assert (analyst.label, analyst.label_firm, analyst.label_english) == ("王强", "高盛", "Qiang Wang")


def test_inline_labels_separate_paragraphs_stand_alone() -> None:
    turns = split_inline_labels(INLINE, _directory(), {"unlabelled_paragraphs": "separate"})
    assert _labelled(turns) == [
        ("John", "欢迎大家参加电话会。"),
        (None, "补充一句，本季度收入增长。"),
        ("Jane", "谢谢John，利润率提高了。"),
        (None, "没有标签的一段话。"),
        ("王强", "我的问题是关于资本支出。"),
    ]


@pytest.mark.parametrize("hints", [{}, {"unlabelled_paragraphs": "separate"}])
def test_inline_labels_spans_point_at_the_turn_text(hints: dict[str, Any]) -> None:
    _assert_spans_point_at_text(INLINE, split_inline_labels(INLINE, _directory(), hints))


def test_inline_labels_a_name_without_a_colon_is_text() -> None:
    text = "John：我们和Jane一起努力。\n"
    assert _labelled(split_inline_labels(text, _directory(), {})) == [("John", "我们和Jane一起努力。")]


@pytest.mark.parametrize("hints", [{}, {"unlabelled_paragraphs": "separate"}])
def test_inline_labels_two_labels_on_one_line_give_each_text_once(hints: dict[str, Any]) -> None:
    text = "John：欢迎大家。Jane：谢谢，利润率提高了。\n"
    turns = split_inline_labels(text, _directory(), hints)
    assert _labelled(turns) == [("John", "欢迎大家。"), ("Jane", "谢谢，利润率提高了。")]


# --- split_titled_lines --------------------------------------------------------------------------

TITLED = (
    "Acme (ACME) Q3 2024 Earnings Call\n"
    "Prepared Remarks:\n"
    "Operator\n"
    "Good day and welcome to the call.\n"
    "John Smith -- Chief Executive Officer\n"
    "Thanks. Revenue grew ten percent.\n"
    "Margins improved.\n"
    "Questions & Answers:\n"
    "Operator\n"
    "Our first question comes from Ann Lee with Bank.\n"
    "Ann Lee -- Bank -- Analyst\n"
    "How is cloud doing?\n"
    "John Smith -- Chief Executive Officer\n"
    "Cloud grew well.\n"
    "Call participants:\n"
    "John Smith -- Chief Executive Officer\n"
    "Ann Lee -- Bank -- Analyst\n"
)


def test_titled_lines_a_name_and_title_line_starts_each_turn() -> None:
    turns = split_titled_lines(TITLED, SpeakerDirectory(people=[]), {})
    assert [(t.label, t.label_title, t.label_firm, t.text) for t in turns] == [
        (None, None, None, "Acme (ACME) Q3 2024 Earnings Call"),
        ("Operator", None, None, "Good day and welcome to the call."),
        (
            "John Smith",
            "Chief Executive Officer",
            None,
            "Thanks. Revenue grew ten percent.\nMargins improved.",
        ),
        ("Operator", None, None, "Our first question comes from Ann Lee with Bank."),
        ("Ann Lee", "Analyst", "Bank", "How is cloud doing?"),
        ("John Smith", "Chief Executive Officer", None, "Cloud grew well."),
    ]


def test_titled_lines_the_participant_list_is_not_speech() -> None:
    turns = split_titled_lines(TITLED, SpeakerDirectory(people=[]), {})
    assert not any("Call participants" in t.text or "Chief Executive" in t.text for t in turns)


def test_titled_lines_spans_point_at_the_turn_text() -> None:
    _assert_spans_point_at_text(TITLED, split_titled_lines(TITLED, SpeakerDirectory(people=[]), {}))


def test_titled_lines_a_turn_opened_after_a_heading_is_in_that_section() -> None:
    turns = split_titled_lines(TITLED, SpeakerDirectory(people=[]), {})
    assert [t.section for t in turns[1:2] + turns[3:]] == [
        "Prepared Remarks",
        "Questions & Answers",
        "Questions & Answers",
        "Questions & Answers",
    ]


def test_titled_lines_the_last_turn_before_a_heading_stays_in_its_section() -> None:
    turns = split_titled_lines(TITLED, SpeakerDirectory(people=[]), {})
    assert (turns[2].label, turns[2].section) == ("John Smith", "Prepared Remarks")


# --- split_line_labels ---------------------------------------------------------------------------

LINE_LABELS = (
    "Revenue: grew ten percent this quarter.\n"
    "Operator: Welcome to the call.\n"
    "An unlabelled line after the operator.\n"
    "Jane Roe: Thanks. Revenue grew ten percent.\n"
    "It was a good quarter.\n"
    "Speaker 1: A question on margins?\n"
    "Thank you for the question. Margins rose.\n"
    "Ann Lee (Bank): How about capex?\n"
    "张伟：谢谢，我们收入增长了。\n"
)


def test_line_labels_name_colon_lines_start_turns_and_headings_stay_text() -> None:
    turns = split_line_labels(LINE_LABELS, SpeakerDirectory(people=[]), {})
    assert [(t.label, t.kind, t.text) for t in turns] == [
        (None, None, "Revenue: grew ten percent this quarter."),
        ("Operator", None, "Welcome to the call."),
        (None, None, "An unlabelled line after the operator."),
        ("Jane Roe", None, "Thanks. Revenue grew ten percent.\nIt was a good quarter."),
        ("Speaker 1", None, "A question on margins?"),
        (None, "answer", "Thank you for the question. Margins rose."),
        ("Ann Lee", None, "How about capex?"),
        ("张伟", None, "谢谢，我们收入增长了。"),
    ]


def test_line_labels_a_firm_in_brackets_after_the_name_is_the_label_firm() -> None:
    turns = split_line_labels(LINE_LABELS, SpeakerDirectory(people=[]), {})
    ann = next(t for t in turns if t.label == "Ann Lee")
    assert ann.label_firm == "Bank"


def test_line_labels_spans_point_at_the_turn_text() -> None:
    _assert_spans_point_at_text(LINE_LABELS, split_line_labels(LINE_LABELS, SpeakerDirectory(people=[]), {}))


def test_line_labels_a_known_alias_is_a_label_even_when_not_name_shaped() -> None:
    text = "Jane: Revenue grew.\n"
    assert _labelled(split_line_labels(text, _directory(), {})) == [("Jane", "Revenue grew.")]
    assert _labelled(split_line_labels(text, SpeakerDirectory(people=[]), {})) == [
        (None, "Jane: Revenue grew.")
    ]


def test_line_labels_the_last_turn_before_a_heading_stays_in_its_section() -> None:
    text = "Prepared Remarks:\nJane Roe: Revenue grew.\nQuestions and Answers:\nAnn Lee: How about capex?\n"
    turns = split_line_labels(text, SpeakerDirectory(people=[]), {})
    assert [(t.label, t.section) for t in turns] == [
        ("Jane Roe", "Prepared Remarks"),
        ("Ann Lee", "Questions and Answers"),
    ]


# --- split_paragraphs ----------------------------------------------------------------------------


def test_paragraphs_every_non_empty_line_is_an_unlabelled_turn() -> None:
    text = "First paragraph here.\n\n  Second paragraph.  \nJane Roe: Third.\n"
    turns = split_paragraphs(text, _directory(), {})
    assert _labelled(turns) == [
        (None, "First paragraph here."),
        (None, "Second paragraph."),
        (None, "Jane Roe: Third."),
    ]
    _assert_spans_point_at_text(text, turns)
    assert all(text[t.start : t.end] == t.text for t in turns)


# --- split_json_turns ----------------------------------------------------------------------------

JSON_CALL = {
    "participants": ["John Smith -- Chief Executive Officer", "Ann Lee--Bank -- Analyst"],
    "prepared_remarks": [
        {"speaker": "Operator", "speech": "Welcome to the call."},
        {"speaker": "John Smith", "speech": "Revenue grew.\n\nMargins  improved."},
    ],
    "q_and_a": [
        {"speaker": "Ann Lee", "speech": "How is cloud?"},
        {"speaker": "Unknown 42", "speech": "Hmm."},
        {"speaker": "John Smith", "speech": "   "},
        {"speech": "No speaker here."},
    ],
}


def _json_call() -> Any:
    return split_json_turns(json.dumps(JSON_CALL), CleaningRules.load())


def test_json_turns_are_read_per_section_with_person_and_operator_labels() -> None:
    turns = _json_call().turns
    assert [(t.label, t.section, t.text) for t in turns] == [
        ("Operator", "Prepared Remarks", "Welcome to the call."),
        ("John Smith", "Prepared Remarks", "Revenue grew.\nMargins improved."),
        ("Ann Lee", "Questions & Answers", "How is cloud?"),
        (None, "Questions & Answers", "Hmm."),  # not a person's name: no label
        (None, "Questions & Answers", "No speaker here."),
    ]


def test_json_turn_spans_point_into_the_rendered_text() -> None:
    call = _json_call()
    assert call.text.startswith("Operator\nWelcome to the call.\n\nJohn Smith\n")
    assert all(call.text[t.start : t.end] == t.text for t in call.turns)


def test_json_participants_are_parsed_with_titles_and_firms() -> None:
    participants = _json_call().participants
    assert [(p.name, p.role, p.firm) for p in participants] == [
        ("John Smith", "CEO", None),
        ("Ann Lee", "Analyst", "Bank"),
    ]


def test_json_a_bare_list_with_other_key_names_is_a_transcript() -> None:
    call = split_json_turns(json.dumps([{"name": "Jane Roe", "text": "Hi."}]), CleaningRules.load())
    assert _labelled(call.turns) == [("Jane Roe", "Hi.")]
    assert call.text[call.turns[0].start : call.turns[0].end] == "Hi."


@pytest.mark.parametrize(
    ("text", "message"),
    [("{not json", "not valid JSON"), (json.dumps({"title": "Acme call"}), "no list of")],
)
def test_json_without_speaker_turns_is_refused(text: str, message: str) -> None:
    with pytest.raises(TranscriptError, match=message):
        split_json_turns(text, CleaningRules.load())
