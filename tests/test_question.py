"""Reading speakers, roles, firms and quarters from questions; validating explicit filters."""

from collections.abc import Sequence
from dataclasses import replace

import pytest

from rag.chunks import Chunk
from rag.errors import InvalidQuestion, UnknownQuarter, UnknownSpeaker
from rag.query.understand import (
    Vocabulary,
    calls_missing,
    check_question,
    quarters_asked,
    resolve_quarter_filter,
)
from rag.settings import Settings
from rag.text.quarters import normalize_quarter, quarters_named
from rag.text.terms import Term
from rag.transcripts.speakers import Person, SpeakerDirectory

KNOWN = ["2023Q2", "2024Q4", "2025Q2"]
NOBODY = SpeakerDirectory(people=[])


def vocabulary(directory: SpeakerDirectory = NOBODY, companies: Sequence[str] = ()) -> Vocabulary:
    return Vocabulary(directory, companies, speakers=[], quarters=KNOWN)


def people_in_text(text: str, directory: SpeakerDirectory, companies: Sequence[str] = ()) -> list[Person]:
    words = vocabulary(directory)
    return words.people_named(words.read(text), companies)


def managers_in_text(text: str, directory: SpeakerDirectory) -> list[Person]:
    words = vocabulary(directory)
    return words.managers_named(words.read(text))


def companies_in_text(text: str, known: Sequence[str] = ()) -> list[str]:
    words = vocabulary(companies=known)
    return words.companies_named(words.read(text))


def unknown_people_in_text(text: str, directory: SpeakerDirectory) -> list[str]:
    words = vocabulary(directory)
    return words.unknown_people(words.read(text))


def quarters_in_text(text: str, known: list[str]) -> tuple[list[str], bool]:
    return quarters_asked(vocabulary().read(text), known)


@pytest.fixture(scope="module")
def directory():
    return SpeakerDirectory.load(Settings().speakers_file)


@pytest.mark.parametrize(
    "text",
    [
        "Q4 2024",
        "4Q24",
        "2024年第四季度",
        "2024 年第四季度",
        "Q4'24",
        "2024Q4",
        "fourth quarter of 2024",
        "Q4 FY2024",
        "Q4 of fiscal 2024",
        "Q4 of 2024",
    ],
)
def test_quarter_forms_normalise(text):
    assert normalize_quarter(text) == "2024Q4"


def test_year_alone_and_ranges_select_calls():
    assert quarters_in_text("What did they say in 2023?", KNOWN) == (["2023Q2"], False)
    assert quarters_in_text("how did capex guidance change from 2023 to 2025?", KNOWN) == (KNOWN, True)
    assert quarters_in_text("2023年到2025年资本支出有何变化", KNOWN) == (KNOWN, True)


def test_a_quarters_figure_is_also_guided_on_the_call_before_but_what_was_said_is_on_its_call():
    known = ["2025Q1", "2025Q2"]
    assert quarters_in_text("What revenue growth did Meta report for Q2 2025?", known) == (known, False)
    assert quarters_in_text("What did Susan say about the 2026 budget in Q2 2025?", known) == (
        ["2025Q2"],
        False,
    )


def test_a_year_without_a_call_is_a_topic_not_a_filter():
    assert quarters_in_text("What is the 2026 capex outlook?", KNOWN) == ([], False)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What did Susan say about MTIA?", ["Susan Li"]),
        ("李苏珊谈到了什么", ["Susan Li"]),
        ("What did the CFO say about expenses?", ["Susan Li"]),
        ("首席财务官如何看待资本支出", ["Susan Li"]),
        ("What did Zuck say about glasses?", ["Mark Zuckerberg"]),
        ("What did the Morgan Stanley analyst ask?", ["Brian Nowak"]),
        ("What did Mark Shmulik ask?", ["Mark Shmulik"]),
        ("道格拉斯·安穆斯问了什么", ["Doug Anmuth"]),
        ("道格·安慕斯问了什么", ["Doug Anmuth"]),
        ("What did Douglas Anmuth ask?", ["Doug Anmuth"]),
        ("埃里克·谢里丹的问题", ["Eric Sheridan"]),
        ("How do Zuckerberg and Susan Li see capex?", ["Mark Zuckerberg", "Susan Li"]),
    ],
)
def test_people_by_alias_role_and_firm(directory, question, expected):
    assert [p.name for p in people_in_text(question, directory)] == expected


@pytest.fixture
def two_companies():
    """The shipped Meta people plus NVIDIA's CEO and CFO, as after `rag add` of an NVIDIA call."""
    directory = SpeakerDirectory.load(Settings().speakers_file)
    directory.add(
        Person("Colette M. Kress", "CFO", "NVIDIA", "NVIDIA", ("Colette M. Kress", "Colette Kress"))
    )
    directory.add(Person("Jensen Huang", "CEO", "NVIDIA", "NVIDIA", ("Jensen Huang", "Jensen", "黄仁勋")))
    return directory


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What did Meta's CFO say about capex?", ["Susan Li"]),
        ("What did the CFO of Nvidia say about gross margins?", ["Colette M. Kress"]),
        ("What did the NVIDIA CFO say about Blackwell?", ["Colette M. Kress"]),
        ("英伟达的首席财务官对毛利率说了什么", ["Colette M. Kress"]),
        ("Meta首席财务官如何看待资本支出", ["Susan Li"]),
        ("What did the CFO say about Meta's capex?", ["Susan Li"]),
        ("Did Meta's CFO agree with the CEO?", ["Susan Li", "Mark Zuckerberg"]),
        ("What did the CFO say about margins?", ["Susan Li", "Colette M. Kress"]),  # each company's CFO
        ("How did the CFO describe competition with Google?", ["Susan Li", "Colette M. Kress"]),
        ("What did Apple's CFO say about margins?", []),  # Apple's CFO is nobody here, not Meta's
        ("What did Susan say about NVIDIA's GPUs?", ["Susan Li"]),  # a named person keeps her company
        ("What did Jensen say about Meta?", ["Jensen Huang"]),
    ],
)
def test_a_role_means_the_holder_at_the_company_asked_about(two_companies, question, expected):
    assert [p.name for p in people_in_text(question, two_companies)] == expected


def test_a_company_filter_scopes_an_untied_role_but_not_a_tied_one(two_companies):
    assert [p.name for p in people_in_text("What did the CFO say?", two_companies, ["NVIDIA"])] == [
        "Colette M. Kress"
    ]
    assert [p.name for p in people_in_text("What did Meta's CFO say?", two_companies, ["NVIDIA"])] == [
        "Susan Li"
    ]


def test_management_means_the_executives_of_the_company_asked_about(two_companies):
    assert {p.name for p in managers_in_text("What did NVIDIA management say?", two_companies)} == {
        "Jensen Huang",
        "Colette M. Kress",
    }
    assert {p.name for p in managers_in_text("管理层怎么说", two_companies)} == {
        "Mark Zuckerberg",
        "Susan Li",
        "Jensen Huang",
        "Colette M. Kress",
    }
    assert managers_in_text("What did Apple's management say?", two_companies) == []


def test_corpus_companies_are_found_by_their_own_spelling_and_listed_aliases():
    assert companies_in_text("What did Acme's CFO say about Apple?", ["Acme"]) == ["Acme", "Apple"]
    assert companies_in_text("可口可乐的首席财务官", ["Coca Cola"]) == ["Coca Cola"]
    assert companies_in_text("可口可乐的首席财务官") == ["Coca-Cola"]


def test_people_who_never_speak_are_noticed(directory):
    assert unknown_people_in_text("What did Sheryl Sandberg say about TikTok?", directory) == [
        "Sheryl Sandberg"
    ]
    assert unknown_people_in_text("What did Susan Li say about MTIA?", directory) == []


def test_unknown_speaker_filter_lists_known_ones(directory):
    with pytest.raises(
        UnknownSpeaker, match="unknown speaker 'Susna': known speakers are Mark Zuckerberg, Susan Li"
    ):
        directory.resolve("Susna")


def test_unknown_quarter_filter_lists_known_ones():
    with pytest.raises(UnknownQuarter, match="the corpus has 2023Q2, 2024Q4, 2025Q2"):
        resolve_quarter_filter("Q1 2019", KNOWN)
    assert resolve_quarter_filter("4Q24", KNOWN) == "2024Q4"


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_questions_are_refused(question):
    with pytest.raises(InvalidQuestion, match="empty"):
        check_question(question, 1000)


def test_enormous_questions_are_refused():
    with pytest.raises(InvalidQuestion, match="limit is 1000"):
        check_question("capex? " * 500, 1000)


def test_every_quarter_a_text_names_is_found_once():
    text = "我们预计 2023 年第三季度的总收入…与 Q2 2023 和 4Q24 相比,2023年第三季度"
    assert sorted(quarters_named(text)) == ["2023Q2", "2023Q3", "2024Q4"]
    assert quarters_named("第三季度 and Q2 without a year") == []


def test_a_call_the_corpus_lacks_is_reported_and_a_topic_quarter_is_not():
    def missing(text: str) -> list[str]:
        return calls_missing(vocabulary().read(text), KNOWN)

    assert missing("What guidance did Meta give on its Q1 2024 earnings call?") == ["2024Q1"]
    assert missing("扎克伯格在2022年第四季度电话会上说了什么?") == ["2022Q4"]
    assert missing("What Q3 2023 revenue guidance did Meta give?") == []  # a topic
    assert missing("On the Q2 2023 call, what was said about Q3 2023?") == []


def test_a_role_the_question_asks_about_is_the_topic_not_the_speaker(two_companies) -> None:
    assert people_in_text("Who will take over as NVIDIA's CFO in February?", two_companies) == []
    assert people_in_text("Who is Meta's new CFO?", two_companies) == []
    assert people_in_text("谁将接任首席财务官?", two_companies) == []
    assert [p.name for p in people_in_text("What did NVIDIA's CFO say about margins?", two_companies)] == [
        "Colette M. Kress"
    ]


def test_the_quarters_a_passage_figure_is_for() -> None:
    from rag.query.figures import quarters_meant

    assert quarters_meant("Revenue grew 5% to $1.2 billion.", "2021Q1") == {"2021Q1"}
    assert quarters_meant("For the second quarter of fiscal 2022, EPS was $0.71.", "2022Q2") == {"2022Q2"}
    assert quarters_meant("We expect second-quarter revenue of $2 billion.", "2021Q1") == {"2021Q2"}
    assert quarters_meant("We expect revenue of $2 billion.", "2021Q4") == {"2022Q1"}
    assert quarters_meant("预计第三季度收入在 320-345 亿美元之间。", "2023Q2") == {"2023Q3"}
    assert quarters_meant("2023 年第三季度的总收入将在 320-345 亿美元之间。", "2023Q2") == {"2023Q3"}
    assert quarters_meant("Full-year revenue of $5 billion.", "2021Q1") is None
    assert quarters_meant("Revenue of $5 billion.", "2025Q3", "Turning to the fourth quarter.") == {"2025Q4"}
    assert quarters_meant("Revenue of $5 billion.", "2025Q3", "Q3 margin was 20%.") == {"2025Q3"}


def test_a_dotted_chinese_name_ends_where_the_verb_after_it_begins() -> None:
    from rag.query.understand import dotted_cjk_names

    assert dotted_cjk_names("迈克·穆萨勒姆预计到2025年全球市场有多大?") == ["迈克·穆萨勒姆"]
    assert dotted_cjk_names("杰夫·马丁对 LNG 说了什么?") == ["杰夫·马丁"]
    assert dotted_cjk_names("马克·扎克伯格") == ["马克·扎克伯格"]


def test_a_role_nobody_on_the_companys_calls_holds_is_refused_not_given_to_another() -> None:
    from rag.query.understand import Vocabulary, understand

    people = SpeakerDirectory.load(Settings().speakers_file)  # the shipped role words ("CEO", "首席执行官")
    people.add(Person("Brian Paliotti", "CFO", "NewMarket", "NewMarket", ("Brian Paliotti",)))
    words = Vocabulary(
        people, ["Meta", "NewMarket"], speakers=["Brian Paliotti", "Susan Li"], quarters=["2019Q4"]
    )
    request = understand("What did NewMarket's CEO say about acquisitions?", words)
    assert request.unknown_people == ("NewMarket's CEO",)
    assert understand("What did NewMarket's CFO say about acquisitions?", words).speakers == (
        "Brian Paliotti",
    )


def test_another_company_a_named_executive_speaks_of_stays_a_key_term() -> None:
    from rag.query.understand import Vocabulary, understand

    people = SpeakerDirectory(
        people=[Person("Ryan Urness", "General Counsel", "Dycom", "Dycom", ("Ryan Urness",))]
    )
    words = Vocabulary(people, ["Dycom", "Verizon"], speakers=["Ryan Urness"], quarters=["2022Q1"])
    request = understand("What did Ryan Urness say about Dycom's Verizon business?", words)
    assert request.speakers == ("Ryan Urness",)
    assert [t.text for t in request.terms] == ["Verizon"]


def test_a_one_word_name_the_calls_use_is_a_topic_not_a_person_who_never_speaks() -> None:
    from rag.query.understand import Vocabulary, understand

    people = SpeakerDirectory(
        people=[Person("Chris Caldwell", "President", "SYNNEX", "SYNNEX", ("Chris Caldwell",))]
    )
    counts = {"concentrix": 40}
    words = Vocabulary(
        people,
        ["SYNNEX"],
        speakers=["Chris Caldwell"],
        quarters=["2020Q3"],
        passages_with=lambda w: counts.get(w, 0),
    )
    question = "What adjusted operating margin does Concentrix expect in the fourth quarter?"
    assert understand(question, words).unknown_people == ()
    assert understand("What did Jensen Huang say about margins?", words).unknown_people == ("Jensen Huang",)


def test_a_plural_glossary_term_is_also_mentioned_by_its_singular() -> None:
    from rag.text.terms import key_terms

    costs = next(
        t for t in key_terms("Can Myers pass through higher commodity costs?", set()) if t.text == "costs"
    )
    assert costs.found_in("can we pass the resin cost through to customers")
    ads = [t for t in key_terms("What did she say about ads?", set()) if t.text == "ads"]
    assert ads and not ads[0].found_in("we made progress")  # no "ad" inside "made"


def test_a_fiscal_year_written_short_is_a_year() -> None:
    from rag.query.understand import asks_for_a_number
    from rag.text.quarters import years_named

    assert years_named("we expect fiscal '21 capex to be about $4.6 million") == {2021}
    assert years_named("versus 47% in Q2 of fiscal year '20.") == {2020}
    assert years_named("FY22 guidance") == {2022}
    assert years_named("FY 2.5x leverage") == set()
    assert asks_for_a_number("What full-year 2020 G&A expense guidance did Regional Management give?")


def test_a_year_inside_a_call_reference_is_the_call_not_the_figures_period() -> None:
    from rag.query.understand import Vocabulary

    words = Vocabulary(SpeakerDirectory(people=[]), ["Beazer Homes"], speakers=[], quarters=["2021Q2"])
    mentions = words.read("What EPS guidance did Beazer give for fiscal 2022 on its fiscal Q2 2021 call?")
    assert mentions.years == {2022}
    assert [m.quarter for m in mentions.quarters] == ["2021Q2"]


def test_a_year_inside_a_chinese_call_reference_is_the_call_not_the_figures_period() -> None:
    from rag.query.understand import Vocabulary

    words = Vocabulary(SpeakerDirectory(people=[]), ["Quanex"], speakers=[], quarters=["2020Q4"])
    assert words.read("Quanex 2020财年第四季度电话会上,CFO 建议第一季度收入增长按多少建模?").years == set()
    both = words.read("Meta 在 2023 年第二季度和 2024 年第三季度电话会上给出的全年资本支出指引分别是多少?")
    assert both.years == set() and {m.quarter for m in both.quarters} == {"2023Q2", "2024Q3"}
    assert words.read("2023 年资本支出指引是多少?").years == {2023}


def test_a_figure_is_for_the_term_in_its_own_sentence_not_two_sentences_off() -> None:
    from rag.query.figures import years_with_figures

    eps = Term("EPS", ("EPS", "earnings per share"))
    text = (
        "I expect our Board will assess our dividend plans for next year. We continue to target a payout "
        "ratio of 65% to 70% of earnings. We expect dividend growth in line with our earnings per share."
    )
    chunk = Chunk(text, "WEC", "2021Q3", "Gale Klappa", "CEO", "WEC", 3, "wec.json", 0, len(text))
    assert years_with_figures([chunk], [eps]) == set()
    led_in = replace(chunk, text="Turning to EPS. We expect $4.80 to $4.90 for next year.")
    assert years_with_figures([led_in], [eps]) == {2022}
    referred = replace(chunk, text="We expect $4.80 to $4.90 a share. This EPS guidance holds.")
    assert years_with_figures([referred], [eps]) == {2021}


def test_a_figures_year_comes_from_the_sentence_before_only_when_it_is_a_lead_in() -> None:
    from rag.query.figures import years_with_figures

    debt = Term("net debt", ("net debt",))
    text = "We have no maturities until 2026. In the quarter, we reduced net debt by $70 million."
    chunk = Chunk(text, "CNX", "2021Q1", "Don Rush", "CFO", "CNX", 3, "cnx.json", 0, len(text))
    assert years_with_figures([chunk], [debt]) == {2021}
    after = replace(chunk, text="Net debt will be $1.2 billion by 2026. Net debt fell $70 million.")
    assert years_with_figures([after], [debt]) == {2026, 2021}
    lead = replace(chunk, text="For 2022, we expect the following. Net debt of $1.1 billion.")
    assert years_with_figures([lead], [debt]) == {2022}


def test_an_answer_that_names_no_year_is_about_the_year_its_question_asked() -> None:
    from rag.query.figures import years_with_figures

    tax = Term("tax rate", ("tax rate",))
    text = "Depreciation, $33 million; and then tax rate of about 26%."
    chunk = Chunk(text, "Quanex", "2020Q4", "Scott Zuehlke", "CFO", "Quanex", 21, "nx.json", 0, len(text))
    assert years_with_figures([chunk], [tax]) == {2020}
    asked = ["Can you run through the other pieces of the guide for fiscal '21?"]
    assert years_with_figures([chunk], [tax], asked=asked) == {2021}


def test_on_a_call_held_after_its_year_what_was_achieved_is_that_years() -> None:
    from rag.query.figures import years_meant

    assert years_meant("Our net interest margin was 10.29%.", "2019Q4", "2020-01-23") == {2019}
    assert years_meant("We expect net interest margin of 10.2%.", "2019Q4", "2020-01-23") == {2020}
    assert years_meant("Revenue grew 5% this quarter.", "2021Q2", "2021-07-28") == {2021}


def test_chinese_company_names_read_as_people_are_the_companies() -> None:
    from rag.query.understand import Vocabulary, understand

    people = SpeakerDirectory(
        people=[
            Person(
                "C. Howard Nye", "CEO", "Martin Marietta", "Martin Marietta", ("C. Howard Nye", "Ward Nye")
            ),
            Person(
                "Michael Bayley", "CEO", "Royal Caribbean Group", "Royal Caribbean Group", ("Michael Bayley",)
            ),
        ]
    )
    companies = ["Martin Marietta", "Royal Caribbean Group"]
    words = Vocabulary(people, companies, speakers=["C. Howard Nye", "Michael Bayley"], quarters=["2021Q2"])
    # every part of a dotted name heard in the company's name, in order
    request = understand("马丁·玛丽埃塔说马里兰州的骨料价格涨了多少?", words)
    assert request.unknown_people == () and request.companies == ("Martin Marietta",)
    # a name right before a known person is that person's company, not a second speaker
    request = understand("皇家加勒比的 Michael Bayley 说最近两周的预订需求怎么样?", words)
    assert request.unknown_people == () and request.speakers == ("Michael Bayley",)


def test_a_person_introduced_on_a_call_but_not_in_the_directory_never_speaks() -> None:
    from rag.query.understand import Vocabulary, understand

    people = SpeakerDirectory(
        people=[Person("Michael Bayley", "CEO", "RCL", "RCL", ("Michael Bayley", "Michael"))]
    )
    words = Vocabulary(people, ["RCL"], speakers=["Michael Bayley"], quarters=["2021Q2"])
    # a given name shared with a speaker is not the person: the surname decides
    assert understand("What did Michael McCarthy say about liquidity?", words).unknown_people == (
        "Michael McCarthy",
    )
    assert understand("What did Michael Bayley say about liquidity?", words).unknown_people == ()


def test_a_surname_inside_a_place_name_is_not_the_person() -> None:
    from rag.query.understand import Vocabulary, understand

    people = SpeakerDirectory(
        people=[
            Person("Phillip Creek", "Analyst", "Bank", None, ("Phillip Creek", "Creek")),
            Person("Zhuangzhuang Peng", "CEO", "TAL", "TAL", ("Zhuangzhuang Peng", "Peng")),
        ]
    )
    words = Vocabulary(
        people, ["WEC", "TAL"], speakers=["Phillip Creek", "Zhuangzhuang Peng"], quarters=["2021Q3"]
    )
    assert understand("What would it cost to get Oak Creek to a 30% gas blend?", words).speakers == ()
    assert understand("What did Creek ask about gas blends?", words).speakers == ("Phillip Creek",)
    # a given name before the surname, even one the directory lacks, keeps it a person's name
    assert understand("What did Alex Peng say about devices?", words).speakers == ("Zhuangzhuang Peng",)


def test_a_year_after_a_comparison_is_the_base_not_the_figures_period() -> None:
    from rag.query.figures import years_meant

    sentence = "Residential sales were up 2% compared to the first quarter of 2020."
    assert years_meant(sentence, "2021Q1", "2021-04-22") == {2021}
    assert years_meant("Capex of $5 billion in 2022, up from $4 billion in 2021.", "2021Q4") == {2021, 2022}


def test_a_surname_after_the_question_word_is_still_the_person() -> None:
    from rag.query.understand import Vocabulary, understand

    people = SpeakerDirectory(
        people=[Person("John Vandemore", "CFO", "Skechers", "Skechers", ("John Vandemore",))]
    )
    words = Vocabulary(people, ["Skechers"], speakers=["John Vandemore"], quarters=["2021Q2"])
    question = "Did Vandemore see any change in the promotional environment in China?"
    assert understand(question, words).speakers == ("John Vandemore",)


def test_one_spelling_per_call_of_one_person_still_answers_to_the_surname() -> None:
    from rag.query.understand import Vocabulary, understand

    # Nabors' two calls label its CEO "Tony Petrello" and "Anthony G. Petrello"; two Marks are two people
    people = SpeakerDirectory(
        people=[
            Person("Tony Petrello", "CEO", "Nabors", "Nabors", ("Tony Petrello",)),
            Person("Anthony G. Petrello", "CEO", "Nabors", "Nabors", ("Anthony G. Petrello",)),
            Person("Mark Roe", "CEO", "Acme", "Acme", ("Mark Roe",)),
            Person("Mark Lee", "CFO", "Nabors", "Nabors", ("Mark Lee",)),
        ]
    )
    assert people.get("Petrello") == people.people[0] and people.get("Mark") is None
    words = Vocabulary(people, ["Nabors", "Acme"], speakers=people.names, quarters=["2021Q1"])
    request = understand("What did Petrello say about rig pricing?", words)
    assert set(request.speakers) == {"Tony Petrello", "Anthony G. Petrello"}


def test_a_surname_of_another_companys_executive_is_a_word_of_the_question() -> None:
    from rag.query.understand import Vocabulary, understand

    people = SpeakerDirectory(
        people=[
            Person("Joe Lower", "CFO", "AutoNation", "AutoNation", ("Joe Lower",)),
            Person("William Restrepo", "CFO", "Nabors", "Nabors", ("William Restrepo",)),
        ]
    )
    words = Vocabulary(people, ["Nabors", "AutoNation"], speakers=people.names, quarters=["2021Q1"])
    request = understand("How did Nabors' Lower 48 daily rig margin change?", words)
    assert request.speakers == () and request.companies == ("Nabors",)
    assert understand("What did Lower say about used cars?", words).speakers == ("Joe Lower",)
    assert understand("What did AutoNation's Lower say?", words).speakers == ("Joe Lower",)


def test_how_many_in_chinese_asks_a_count() -> None:
    from rag.query.figures import asks_a_count

    assert asks_a_count("2021 年第二季度有多少患者接受了 SAPIEN 瓣膜治疗?")
    assert not asks_a_count("公司第二季度有多少收入?")


def test_a_name_several_people_answer_to_is_each_of_them_or_the_one_at_the_company_asked() -> None:
    from rag.query.understand import Vocabulary, understand

    people = SpeakerDirectory(
        people=[
            Person("David P. Williams", "CFO", "Chemed", "Chemed", ("David P. Williams",)),
            Person("David Lyle Williams", "CFO", "Forum", "Forum", ("David Lyle Williams",)),
            Person("Jeff Martin", "Analyst", "ROTH", None, ("Jeff Martin",)),
            Person("Jeffrey W. Martin", "CEO", "Sempra", "Sempra", ("Jeffrey W. Martin", "Jeff Martin")),
        ]
    )
    words = Vocabulary(people, ["Chemed", "Forum", "Sempra"], speakers=people.names, quarters=["2021Q1"])
    both = understand("What did Dave Williams say about organic growth?", words)
    assert set(both.speakers) == {"David P. Williams", "David Lyle Williams"}
    assert both.unknown_people == ()
    assert understand("What did Dave Williams say about Chemed's growth?", words).speakers == (
        "David P. Williams",
    )
    assert understand("What did Jeff Martin say Sempra's equity layer was?", words).speakers == (
        "Jeffrey W. Martin",
    )
    assert "Jeff Martin" in understand("What did Jeff Martin ask about solar?", words).speakers


def test_a_surname_before_a_capitalised_word_is_part_of_a_name_unless_the_question_is_title_case() -> None:
    from rag.query.understand import Vocabulary, understand

    people = SpeakerDirectory(
        people=[
            Person("Bill Golden", "Analyst", "Acme Research", None, ("Bill Golden",)),
            Person("Robert J. Sprowls", "CEO", "American States Water", "American States Water", ()),
        ]
    )
    words = Vocabulary(people, ["American States Water"], speakers=people.names, quarters=["2020Q3"])
    assert understand("How much does Golden State Water want to recover?", words).speakers == ()
    assert understand("What did Golden ask about rates?", words).speakers == ("Bill Golden",)
    assert understand("What Did Golden Ask About Rates?", words).speakers == ("Bill Golden",)


def test_chinese_and_english_role_words_hold_without_a_speakers_file() -> None:
    from rag.query.understand import Vocabulary, understand

    # no role words in the directory: they are the language's (rag.transcripts.participants.ROLE_WORDS)
    people = SpeakerDirectory(
        people=[
            Person("Adam Richins", "COO", "IDACORP", "IDACORP", ("Adam Richins",)),
            Person("Lisa Grow", "CEO", "IDACORP", "IDACORP", ("Lisa Grow",)),
            Person("Bob Roe", "CEO", "Carlisle", "Carlisle", ("Bob Roe",)),
        ]
    )
    words = Vocabulary(people, ["IDACORP", "Carlisle"], speakers=people.names, quarters=["2021Q3"])
    assert understand("What did the COO of IDACORP say about load growth?", words).speakers == (
        "Adam Richins",
    )
    assert understand("IDACORP 的首席执行官怎么看负荷增长?", words).speakers == ("Lisa Grow",)
    # a company named in brackets before the role is the role's company; nobody holds it there
    request = understand("卡莱尔(Carlisle)首席运营官在电话会上说了什么?", words)
    assert request.unknown_people == ("Carlisle's COO",)


def test_a_role_written_as_a_persons_title_is_that_person() -> None:
    from rag.query.understand import Vocabulary, understand

    people = SpeakerDirectory(
        people=[
            Person("D. Christian Koch", "CEO", "Carlisle", "Carlisle", ("D. Christian Koch",)),
            Person("Bob Roe", "CEO", "Acme", "Acme", ("Bob Roe",)),
        ]
    )
    words = Vocabulary(people, ["Carlisle", "Acme"], speakers=people.names, quarters=["2019Q4"])
    assert understand("卡莱尔 CEO Koch 预计波音 737 MAX 什么时候恢复?", words).speakers == (
        "D. Christian Koch",
    )
    assert understand("What did Koch, the CEO, say about the MAX?", words).speakers == ("D. Christian Koch",)
    assert set(understand("What did the CEO say about the MAX?", words).speakers) == {
        "D. Christian Koch",
        "Bob Roe",
    }


def test_a_company_the_dictionary_knows_that_a_chinese_question_is_about_has_no_call() -> None:
    from rag.query.understand import Vocabulary, chinese_subject_companies, understand

    assert chinese_subject_companies("星巴克 2021 年第三季度的同店销售增长是多少?") == ["Starbucks"]
    assert chinese_subject_companies("耐克的营收是多少?") == ["Nike"]
    # a company only mentioned is for the passages to speak of
    assert chinese_subject_companies("谁问了关于谷歌的竞争?") == []
    words = Vocabulary(NOBODY, ["Coca-Cola"], speakers=[], quarters=["2021Q3"])
    assert understand("星巴克 2021 年第三季度的同店销售增长是多少?", words).other_companies == ("Starbucks",)
    assert understand("可口可乐提到了星巴克吗?", words).other_companies == ()


def test_who_asked_about_two_years_compares_nothing_and_widens_past_a_scope_without_calls() -> None:
    from rag.query.understand import Vocabulary, understand

    words = Vocabulary(NOBODY, ["Vulcan"], speakers=[], quarters=["2021Q3", "2022Q1"])
    request = understand("谁问了 Vulcan 限制2022年销量增长的瓶颈到2023年能否消除?", words)
    assert request.asks_who_asked and not request.compares_quarters and request.period_widens


def test_a_chinese_name_glossed_as_a_corpus_companys_word_is_that_company() -> None:
    from rag.query.understand import Vocabulary, companies_in_chinese

    # cedict: 马拉松 "marathon" (the race), read as a name
    words = Vocabulary(NOBODY, ["Marathon Petroleum"], speakers=[], quarters=["2021Q4"])
    assert companies_in_chinese(["马拉松"], words) == {"马拉松": ["Marathon Petroleum"]}


def test_only_a_quarter_inside_a_call_reference_names_a_missing_call() -> None:
    from rag.query.understand import Vocabulary, understand

    words = Vocabulary(NOBODY, ["Universal"], speakers=[], quarters=["2019Q4", "2020Q2"])
    figure = understand(
        "How many claims came in during the first quarter of 2020, per Springer on the Q2 call?", words
    )
    assert figure.missing_calls == ()
    assert understand("What did Universal say on its Q1 2020 call?", words).missing_calls == ("2020Q1",)


def test_a_quarter_the_company_asked_about_has_no_call_of_widens_unless_it_is_when_something_was_said() -> (
    None
):
    from rag.query.understand import Vocabulary, understand

    words = Vocabulary(NOBODY, ["Yum! Brands", "Acme"], speakers=[], quarters=["2021Q4", "2022Q1"])
    assert understand("When will Yum! Brands release its first-quarter 2022 earnings?", words).period_widens
    assert not understand("What did Yum! Brands say in the first quarter of 2022?", words).period_widens


def test_a_title_read_again_at_question_time_and_a_middle_name_alone_name_the_person() -> None:
    from rag.query.understand import Vocabulary, understand

    people = SpeakerDirectory(
        people=[
            # as an index built before "Chief Finance Officer" was read as CFO keeps it
            Person("Michael J. Tokich", "Senior Vice President & Chief Finance Officer", "STERIS", "STERIS"),
            Person("David Lyle Williams", "CFO", "Forum", "Forum", ("David Lyle Williams",)),
        ]
    )
    words = Vocabulary(people, ["STERIS", "Forum"], speakers=people.names, quarters=["2022Q2"])
    assert understand("STERIS 首席财务官说上半财年的自由现金流是多少?", words).speakers == (
        "Michael J. Tokich",
    )
    assert understand("How much liquidity did Lyle say Forum had?", words).speakers == (
        "David Lyle Williams",
    )


def test_who_was_asked_in_a_chinese_who_asked_question_is_no_speaker_that_must_exist() -> None:
    from rag.query.understand import Vocabulary, understand

    words = Vocabulary(NOBODY, ["Oshkosh Corporation", "Corning"], speakers=[], quarters=["2021Q2"])
    # "奥什科什" is Oshkosh by sound; "康宁" is heard as nobody, and is no reason to refuse
    oshkosh = understand("谁问了奥什科什利用资产负债表做并购的问题?", words)
    assert oshkosh.companies == ("Oshkosh Corporation",) and oshkosh.unknown_people == ()
    assert understand("谁问了康宁关于原材料通胀的问题?", words).unknown_people == ()


def test_a_dotted_chinese_name_is_cut_from_the_words_around_it() -> None:
    from rag.query.understand import dotted_cjk_names

    assert dotted_cjk_names("谁问了马丁·玛丽埃塔沥青和混凝土的定价?") == ["马丁·玛丽埃塔"]
    assert dotted_cjk_names("迈克·穆萨勒姆预计到") == ["迈克·穆萨勒姆"]
    assert dotted_cjk_names("Meta 的苏珊·李说") == ["苏珊·李"]


@pytest.mark.parametrize(
    "question",
    [
        "Who asked about smart glasses?",
        "Who pushed Valmont on whether it is trending toward the top of its EPS range?",
        "Who pressed management on pricing?",
        "Who suggested a special dividend?",
        "谁请可口可乐拆分拉丁美洲的价格构成?",
        "哪位分析师问了资本支出?",
    ],
)
def test_the_ways_users_ask_who_asked_are_read_as_who_asked(question: str) -> None:
    from rag.query.understand import understand

    assert understand(question, vocabulary()).asks_who_asked


def test_a_question_about_what_was_said_is_no_who_asked() -> None:
    from rag.query.understand import understand

    assert not understand("What did Susan say about pushing prices?", vocabulary()).asks_who_asked


def test_who_opened_the_qa_is_an_order_and_the_question_is_no_topic() -> None:
    from rag.query.understand import understand

    opened = understand("Who asked the first question on the call?", vocabulary())
    assert opened.asks_who_asked and opened.asks_first_question and opened.terms == ()
    assert understand("哪位分析师第一个提问?", vocabulary()).asks_first_question
    assert not understand("Who asked about the new store openings?", vocabulary()).asks_first_question
