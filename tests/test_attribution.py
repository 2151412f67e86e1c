"""Who speaks each raw turn (rag.transcripts.attribution.attribute_turns), on hand-made raw turns.

A name only when the label (or a hint, or the participant list) gives one; otherwise an honest role
label. Every test builds its own directory, as attribution adds the people it meets to it.
"""

from __future__ import annotations

from typing import Any

import pytest

from rag.transcripts.attribution import Turn, attribute_turns
from rag.transcripts.layouts import RawTurn
from rag.transcripts.participants import Participant
from rag.transcripts.speakers import Person, SpeakerDirectory

COMPANY = "Acme"


def _directory() -> SpeakerDirectory:
    return SpeakerDirectory(
        people=[
            Person("Jane Roe", "CFO", "Acme", "Acme", ("Jane Roe", "Jane")),
            Person("Mark Zuck", "CEO", "Globex", "Globex", ("Mark Zuck", "Mark")),
            Person("Ann Lee", "Analyst", "Bank", None, ("Ann Lee", "Ann")),
        ]
    )


def _raw(text: str, label: str | None = None, **fields: Any) -> RawTurn:
    return RawTurn(text, 0, len(text), label=label, **fields)


def _attribute(
    raws: list[RawTurn],
    hints: dict[str, Any] | None = None,
    directory: SpeakerDirectory | None = None,
    participants: list[Participant] | None = None,
) -> list[Turn]:
    return attribute_turns(raws, directory or _directory(), COMPANY, hints or {}, participants or [])


def _who(turn: Turn) -> tuple[str, str, str | None, bool]:
    return turn.speaker, turn.role, turn.firm, turn.attributed


def test_a_label_naming_a_known_person_gets_that_person() -> None:
    (turn,) = _attribute([_raw("Revenue grew nicely.", "Jane")])
    assert _who(turn) == ("Jane Roe", "CFO", "Acme", True)


def test_turns_are_numbered_from_one_and_keep_their_text_and_span() -> None:
    raws = [RawTurn("Hello.", 0, 6, label="Jane"), RawTurn("Hi there.", 7, 16, label="Jane")]
    turns = _attribute(raws)
    assert [(t.number, t.text, t.start, t.end) for t in turns] == [
        (1, "Hello.", 0, 6),
        (2, "Hi there.", 7, 16),
    ]


def test_an_unknown_name_label_becomes_a_new_person_of_the_company() -> None:
    directory = _directory()
    (turn,) = _attribute([_raw("Thanks for joining us.", "Bob Stone")], directory=directory)
    assert _who(turn) == ("Bob Stone", "Speaker", None, True)
    added = directory.get("Bob Stone")
    assert added is not None and added.company == COMPANY


def test_the_participant_list_gives_a_labelled_speaker_role_and_company() -> None:
    participants = [Participant("Bob Stone", "Chief Financial Officer")]
    (turn,) = _attribute([_raw("Thanks for joining us.", "Bob Stone")], participants=participants)
    assert _who(turn) == ("Bob Stone", "CFO", COMPANY, True)


def test_an_analyst_introduced_by_the_operator_gets_the_analyst_role_and_that_firm() -> None:
    turns = _attribute(
        [
            _raw("Our next question comes from Jane Doe with Acme Securities.", "Operator"),
            _raw("How is cloud demand holding up?", "Jane Doe"),
        ]
    )
    assert _who(turns[1]) == ("Jane Doe", "Analyst", "Acme Securities", True)
    assert turns[1].kind == "question"


def test_the_introduced_firm_goes_only_to_the_person_introduced() -> None:
    turns = _attribute(
        [
            _raw("Our next question comes from Jane Doe with Acme Securities.", "Operator"),
            _raw("How is cloud demand holding up?", "Carl Park"),
        ]
    )
    assert _who(turns[1]) == ("Carl Park", "Analyst", None, True)


def test_operator_turns_are_the_operator_and_never_a_person() -> None:
    (turn,) = _attribute([_raw("Welcome to the call.", "Operator")])
    assert (*_who(turn), turn.kind) == ("Operator", "Operator", None, False, "remarks")


def test_anonymous_speaker_labels_stay_anonymous() -> None:
    directory = _directory()
    turns = _attribute([_raw("Thanks.", "Speaker 1"), _raw("Go ahead.", "speaker2")], directory=directory)
    assert [_who(t) for t in turns] == [
        ("Speaker 1", "Unattributed", None, False),
        ("Speaker 2", "Unattributed", None, False),
    ]
    assert directory.get("Speaker 1") is None


def test_numbered_questions_are_analysts_and_answers_are_the_companys_management() -> None:
    turns = _attribute(
        [
            _raw("What drove growth?", "Q1", kind="question"),
            _raw("Pricing and demand.", "A1", kind="answer"),
        ]
    )
    assert [(t.speaker, t.role, t.kind, t.attributed) for t in turns] == [
        ("Analyst", "Analyst", "question", False),
        ("Acme management", "Management", "answer", False),
    ]
    assert turns[1].replies_to_turn == 1
    assert turns[1].asker is None  # the question names nobody


def test_an_answer_records_the_question_it_replies_to_and_the_asker() -> None:
    turns = _attribute(
        [
            _raw("Our first question comes from Ann Lee with Bank.", "Operator"),
            _raw("How is cloud doing?", "Ann Lee"),
            _raw("Cloud grew well.", "Jane"),
            _raw("And margins improved too.", "Jane"),
        ]
    )
    assert [t.kind for t in turns] == ["remarks", "question", "answer", "answer"]
    for answer in turns[2:]:
        assert (answer.replies_to_turn, answer.asker, answer.asker_firm) == (2, "Ann Lee", "Bank")


def test_remarks_before_any_question_are_not_answers() -> None:
    (turn,) = _attribute([_raw("Welcome, revenue grew.", "Jane")])
    assert (turn.kind, turn.replies_to_turn, turn.asker) == ("remarks", None, None)


def test_the_operator_closes_the_question_so_later_remarks_are_not_answers() -> None:
    turns = _attribute(
        [
            _raw("How is cloud doing?", "Ann Lee"),
            _raw("That concludes the call.", "Operator"),
            _raw("Thank you all for joining.", "Jane"),
        ]
    )
    assert (turns[2].kind, turns[2].replies_to_turn) == ("remarks", None)


def test_another_companys_person_is_not_used_for_a_first_name_label() -> None:
    (turn,) = _attribute([_raw("We grew nicely.", "Mark")])
    assert turn.speaker != "Mark Zuck" and turn.firm != "Globex"


def test_another_companys_person_is_not_used_even_by_full_name() -> None:
    (turn,) = _attribute([_raw("We grew nicely.", "Mark Zuck")])
    assert turn.speaker != "Mark Zuck" and turn.role != "CEO"


def test_an_analyst_is_used_by_full_name_in_any_call() -> None:
    (turn,) = _attribute([_raw("How is cloud doing?", "Ann Lee")])
    assert _who(turn) == ("Ann Lee", "Analyst", "Bank", True)


def test_an_analyst_is_not_used_by_first_name_alone() -> None:
    (turn,) = _attribute([_raw("How is cloud doing?", "Ann")])
    assert turn.speaker != "Ann Lee"


def test_a_manifest_hint_names_the_speaker_of_an_unlabelled_turn() -> None:
    (turn,) = _attribute([_raw("Revenue grew nicely.", speaker_hint="Jane Roe")])
    assert _who(turn) == ("Jane Roe", "CFO", "Acme", True)


def test_unlabelled_turns_are_unattributed() -> None:
    (turn,) = _attribute([_raw("We grew revenue this quarter.")])
    assert _who(turn) == ("Unattributed", "Unattributed", None, False)


def test_unlabelled_first_person_turns_are_management_when_the_hint_says_so() -> None:
    hints = {"unlabelled_first_person": "management"}
    english, chinese, third_person = _attribute(
        [
            _raw("Revenue grew as we expanded."),
            _raw("我们本季度收入增长。"),
            _raw("Revenue grew this quarter."),
        ],
        hints,
    )
    assert _who(english) == ("Acme management", "Management", None, False)
    assert _who(chinese) == ("Acme management", "Management", None, False)
    assert _who(third_person) == ("Unattributed", "Unattributed", None, False)


@pytest.mark.parametrize("text", ["We grew revenue this quarter.", "Our revenue grew this quarter."])
def test_a_sentence_opening_we_or_our_is_first_person(text: str) -> None:
    (turn,) = _attribute([_raw(text)], {"unlabelled_first_person": "management"})
    assert turn.speaker == "Acme management"


def test_with_separate_paragraphs_only_a_named_speaker_right_after_a_question_answers_it() -> None:
    hints = {"unlabelled_paragraphs": "separate"}
    turns = _attribute(
        [
            _raw("How is cloud doing?", "Ann Lee"),
            _raw("Cloud grew well.", "Jane"),
            _raw("Unrelated paragraph about hiring."),
            _raw("Margins improved as well.", "Jane"),
        ],
        hints,
    )
    assert [(t.kind, t.replies_to_turn) for t in turns] == [
        ("question", None),
        ("answer", 1),
        ("remarks", None),
        ("remarks", None),
    ]
