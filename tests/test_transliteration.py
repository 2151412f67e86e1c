"""Chinese names that transliterate English ones: companies and speakers the dictionary lacks."""

from __future__ import annotations

from rag.query.understand import Vocabulary, companies_by_sound, people_by_sound, understand
from rag.text.transliteration import chinese_skeleton, english_skeleton, sound_distance, sounds_like
from rag.transcripts.speakers import Person, SpeakerDirectory


def test_skeletons_keep_what_transliteration_hears() -> None:
    assert chinese_skeleton("克罗格") == "KLK"
    assert chinese_skeleton("康尼格拉") == "KNKL"  # a nasal final is heard: Con-agra
    assert english_skeleton("Kroger") == "KLKL"
    assert english_skeleton("Skechers") == "SKSLS"


def test_chinese_transliterations_match_their_english_names() -> None:
    for chinese, english in [
        ("克罗格", "Kroger"),
        ("斯凯奇", "Skechers"),
        ("诺福克", "Norfolk"),
        ("康尼格拉", "Conagra"),
        ("克劳斯", "Clouse"),
        ("斯考利", "Squali"),
        ("沃辛顿", "Worthington"),  # "th" heard as s
        ("华盛顿", "Washington"),  # "ng" before a consonant heard as n
    ]:
        assert sounds_like(chinese, english), (chinese, english)


def test_a_consonant_chinese_would_say_is_not_dropped_and_short_names_match_nothing() -> None:
    assert not sounds_like("克罗格", "Colgate")  # Colgate's final t would be heard
    assert not sounds_like("诺福克", "Nabors")
    assert not sounds_like("卡莱", "Kelly")  # two classes: too common to tell apart
    assert sound_distance("克罗格", "Kroger") == 1  # the final r left unsaid


def test_a_chinese_company_name_resolves_by_sound_to_the_one_corpus_company_it_transliterates() -> None:
    directory = SpeakerDirectory(people=[Person("Robert Greenberg", "CEO", "Skechers", "Skechers")])
    words = Vocabulary(
        directory, ["Skechers", "Colgate-Palmolive"], speakers=["Robert Greenberg"], quarters=[]
    )
    assert companies_by_sound("斯凯奇", words) == {"斯凯奇": ["Skechers"]}
    assert companies_by_sound("克罗格", words) == {}  # Kroger is not in this corpus, and not Colgate
    assert understand("斯凯奇第二季度的毛利率是多少?", words).companies == ("Skechers",)


def test_a_chinese_name_of_a_speaker_resolves_by_sound_among_the_people_the_question_points_to() -> None:
    clouse = Person("Mark A. Clouse", "CEO", "Campbell Soup", "Campbell Soup")
    wallace = Person("Noel Wallace", "CEO", "Colgate-Palmolive", "Colgate-Palmolive")
    speakers = ["Mark A. Clouse", "Noel Wallace"]
    assert people_by_sound("克劳斯", [clouse, wallace], speakers) == [clouse]
    assert people_by_sound("克劳斯", [wallace], speakers) == []
    directory = SpeakerDirectory(people=[clouse, wallace])
    words = Vocabulary(directory, ["Campbell Soup", "Colgate-Palmolive"], speakers=speakers, quarters=[])
    request = understand("首席执行官克劳斯说新的提价什么时候完全到位?", words)
    assert request.speakers == ("Mark A. Clouse",) and not request.unknown_people


def test_a_chinese_company_name_translated_word_for_word_resolves_by_the_dictionary() -> None:
    from rag.query.understand import companies_by_meaning

    directory = SpeakerDirectory(
        people=[Person("John Rex", "CFO", "UnitedHealth Group", "UnitedHealth Group")]
    )
    companies = ["UnitedHealth Group", "National Fuel Gas Company", "Oxford Industries", "Skechers"]
    words = Vocabulary(directory, companies, speakers=["John Rex"], quarters=[])
    assert list(companies_by_meaning("联合健康的首席财务官说了什么?", words).values()) == [
        ["UnitedHealth Group"]
    ]
    assert list(companies_by_meaning("国家燃料天然气的产量指引", words).values()) == [
        ["National Fuel Gas Company"]
    ]
    assert companies_by_meaning("健康的需求", words) == {}  # one word of a name is not the name
    request = understand("联合健康的首席财务官说2021年每股收益指引是多少?", words)
    assert request.companies == ("UnitedHealth Group",)


def test_a_transliterated_company_with_its_role_after_is_the_company_and_its_officer() -> None:
    # "克罗格 CFO 说…": jieba tags 克罗格 a transliterated name (nrt); the role after makes it a company,
    # and a leading "The" is no part of the name heard
    cfo = Person("Gary Millerchip", "CFO", "The Kroger Co.", "The Kroger Co.")
    other = Person("Ware Grove", "CFO", "CBIZ", "CBIZ")
    directory = SpeakerDirectory(people=[cfo, other])
    words = Vocabulary(
        directory, ["The Kroger Co.", "CBIZ"], speakers=["Gary Millerchip", "Ware Grove"], quarters=[]
    )
    request = understand("克罗格 CFO 说 2021 年资本支出会是多少?", words)
    assert request.companies == ("The Kroger Co.",) and "Ware Grove" not in request.speakers
