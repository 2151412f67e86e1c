"""People by the names their calls use: initials before a middle name, a middle name gone by, a quoted
nickname in a label, and the name the host introduces someone by."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.settings import Settings
from rag.transcripts.aliases import derived_aliases, without_quoted_nickname
from rag.transcripts.clean import CleaningRules
from rag.transcripts.detect_layout import detect_layout
from rag.transcripts.manifest import CallInfo
from rag.transcripts.parse import parse_call, with_introduced_names
from rag.transcripts.read import read_transcript_file
from rag.transcripts.speakers import Person, SpeakerDirectory
from tests.samples import SAMPLES

MOTLEY_FOOL = SAMPLES / "motley-fool-100"


def test_an_initial_before_a_middle_name_makes_the_middle_name_the_one_used() -> None:
    assert "Jon Taylor" in derived_aliases("K. Jon Taylor")
    assert "Sean Covey" in derived_aliases("M. Sean Merrill Covey")
    assert "K." not in derived_aliases("K. Jon Taylor")  # an initial alone names nobody
    assert derived_aliases("A. B. Smith") == ()


def test_a_middle_name_and_its_nicknames_are_names_the_person_goes_by() -> None:
    assert "Rick Nelson" in derived_aliases("Nels Richard Nelson")
    assert "Tom Hill" in derived_aliases("James Thomas Hill")


def test_a_quoted_nickname_leaves_the_label_and_comes_back_as_a_nickname() -> None:
    name = without_quoted_nickname('Cynthia M. "Cindy" Sanborn')
    assert name == "Cynthia M. Sanborn"
    assert "Cindy Sanborn" in derived_aliases(name)
    assert without_quoted_nickname("Susan Li") == "Susan Li"


def test_the_name_a_host_introduces_someone_by_becomes_an_alias() -> None:
    person = Person("Olayemi Akinkugbe", "Chief Excellence Officer", "CNX", "CNX")
    introduced = with_introduced_names(person, ["Yemi Akinkugbe", "Chad Griffith", "John Akinkugbe"])
    assert introduced.aliases == ("Yemi Akinkugbe",)  # not John: that given name is not hers
    assert with_introduced_names(person, ["Chad Griffith"]) is person


def _parse(path: Path, company: str):  # type: ignore[no-untyped-def]
    decoded = read_transcript_file(path)
    directory = SpeakerDirectory.load(Settings().speakers_file)
    layout = detect_layout(decoded.text, directory).layout
    call = CallInfo(file=path.name, company=company, quarter="2021Q3", language="en", layout=layout)
    return parse_call(decoded.text, call, directory, CleaningRules.load())


@pytest.mark.skipif(not MOTLEY_FOOL.is_dir(), reason="../shared/samples/motley-fool-100 is absent")
def test_real_calls_attribute_a_quoted_nickname_label_and_learn_introduced_names() -> None:
    sanborn = _parse(MOTLEY_FOOL / "NSC_q3_2021.json", "Norfolk Southern")
    assert "Cynthia M. Sanborn" in {t.speaker for t in sanborn.turns if t.attributed}
    cnx = _parse(MOTLEY_FOOL / "CNX_q1_2021.json", "CNX Resources")
    akinkugbe = next(p for p in cnx.people if p.name == "Olayemi Akinkugbe")
    assert "Yemi Akinkugbe" in akinkugbe.aliases


def test_a_name_someone_goes_by_makes_its_own_short_forms_while_they_name_one_person() -> None:
    yemi = Person("Olayemi Akinkugbe", "Chief Excellence Officer", "CNX", "CNX", ("Yemi Akinkugbe",))
    directory = SpeakerDirectory(people=[yemi, Person("Don Rush", "CFO", "CNX", "CNX")])
    assert directory.get("Yemi") == yemi
    assert directory.get("Yemi Akinkugbe") == yemi
    two = SpeakerDirectory(people=[yemi, Person("Yemi Adebayo", "Analyst", "UBS")])
    assert two.get("Yemi") is None  # two people go by Yemi: the short form names neither


def test_one_analyst_spelt_two_ways_on_two_calls_is_found_under_both() -> None:
    rick = Person("Rick Nelson", "Analyst", "Stephens Inc.")
    nels = Person("Nels Richard Nelson", "Analyst", "Stephens")
    other = Person("Richard Nelson", "Analyst", "UBS")
    directory = SpeakerDirectory(people=[rick, nels, other])
    assert directory.same_person_elsewhere(rick) == [nels]  # same firm; not the UBS Richard Nelson
    assert directory.same_person_elsewhere(other) == []


def test_a_given_name_cut_short_is_the_same_person() -> None:
    from rag.transcripts.aliases import derived_aliases

    assert "Raj Agrawal" in derived_aliases("Rajesh K. Agrawal")
    assert "Alex Smith" in derived_aliases("Alexander Smith")
    assert not [a for a in derived_aliases("Mark Zuckerberg") if a.startswith("Mar ")]  # too short to cut


def test_a_quoted_nickname_and_a_comma_suffix_in_a_participant_line_still_make_a_participant() -> None:
    from rag.transcripts.participants import is_person_name, parse_participant_line

    # PWR_q3_2021: the CEO's 25 turns were unattributed while this line and label were not read as a name
    line = 'Earl C. "Duke" Austin, Jr.--President, Chief Executive Officer and Chief Operating Officer'
    participant = parse_participant_line(line)
    assert participant is not None and participant.name == "Earl C. Austin, Jr."
    assert participant.role == "CEO" and participant.aliases == ("Duke Austin",)
    assert is_person_name("Earl C. Austin, Jr.") and not is_person_name("Acme, Inc.")
