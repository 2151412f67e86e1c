"""Companies by the names users write: short names, tickers and possessives, derived from the names
the calls record, never a person's name and never an ordinary word."""

from rag.query.company_names import generated_company_aliases
from rag.query.understand import Vocabulary, quarters_asked, understand, within_languages
from rag.text.language import CJK_RUN
from rag.transcripts.speakers import Person, SpeakerDirectory

CORPUS = [
    "Colgate-Palmolive",
    "Discover Financial Services",
    "WEC Energy Group",
    "Yum! Brands",
    "Martin Marietta",
    "American Campus Communities",
    "American States Water",
    "Corning",
    "Extra Space Storage",
]
TICKERS = {"Corning": {"GLW"}, "Colgate-Palmolive": {"CL"}, "Discover Financial Services": {"DFS"}}
PEOPLE = SpeakerDirectory(people=[Person(name="Noel Wallace", role="CEO", company="Colgate-Palmolive")])


def named(text: str) -> list[str]:
    words = Vocabulary(PEOPLE, CORPUS, speakers=["Noel Wallace"], quarters=["2021Q3"], tickers=TICKERS)
    return words.companies_named(words.read(text))


def test_short_names_tickers_and_possessives_name_the_corpus_company() -> None:
    assert named("What does Colgate expect for 2022?") == ["Colgate-Palmolive"]
    assert named("How much free cash flow did GLW generate?") == ["Corning"]
    assert named("What dividend payout ratio does WEC target?") == ["WEC Energy Group"]
    assert named("What was WEC Energy's EPS guidance?") == ["WEC Energy Group"]
    assert named("How large are Yum's digital sales?") == ["Yum! Brands"]
    assert named("Who asked Discover about troubled debt restructurings?") == ["Discover Financial Services"]


def test_a_short_name_or_ticker_that_is_a_word_counts_only_as_written() -> None:
    assert named("What did analysts discover about pricing?") == []
    assert named("Any extra costs this quarter?") == []
    assert named("Is there a cl of the sales?") == []


def test_a_derived_alias_that_names_two_companies_or_a_person_names_none() -> None:
    people = ["Noel", "Wallace", "Martin", "Sanders"]  # Noel Wallace and a Martin Sanders speak
    aliases = {a.alias for a in generated_company_aliases([*CORPUS, "Campbell Soup"], TICKERS, people)}
    assert "American" not in aliases  # two American companies
    assert "Martin" not in aliases  # a Martin speaks: "Martin" is him, not Martin Marietta
    assert "Campbell" in aliases  # a given name too, but nobody on the calls is called Campbell
    assert {"Colgate", "GLW", "WEC", "WEC Energy", "Yum", "Extra", "Discover"} <= aliases
    assert "HEI" in {a.alias for a in generated_company_aliases(["Hawaiian Electric Industries"], {})}
    assert "Noel" not in {a.alias for a in generated_company_aliases(["Noel Industries"], {}, ["Noel"])}


def test_a_company_named_by_ticker_becomes_the_filter() -> None:
    words = Vocabulary(PEOPLE, CORPUS, speakers=["Noel Wallace"], quarters=["2021Q3"], tickers=TICKERS)
    request = understand("What was GLW's free cash flow?", words)
    assert request.companies == ("Corning",)
    assert not request.unknown_people and not request.other_companies


def test_a_chinese_company_name_is_the_company_by_the_dictionary_not_a_person() -> None:
    words = Vocabulary(PEOPLE, CORPUS, speakers=["Noel Wallace"], quarters=["2021Q3"], tickers=TICKERS)
    request = understand("高露洁的宠物营养业务在第三季度增长了多少?", words)
    assert request.companies == ("Colgate-Palmolive",)
    assert request.unknown_people == ()


def test_a_chinese_question_over_english_calls_bridges_its_words_as_leads_not_proof() -> None:
    words = Vocabulary(PEOPLE, CORPUS, speakers=["Noel Wallace"], quarters=["2021Q3"], tickers=TICKERS)
    request = within_languages(understand("AZZ 的镀锌业务占比是多少?", words), {"en"})
    galvanizing = next(t for t in request.terms if t.text == "镀锌")
    assert galvanizing.bridged and galvanizing.found_in("our zinc-coated steel business grew 5%")
    assert all(any(not CJK_RUN.search(v) for v in t.variants) for t in request.terms)
    # a glossary word carries the glossary's English: proof, not a lead
    cost = next(t for t in understand("AZZ 的锌成本占比是多少?", words).terms if t.text == "成本")
    assert not cost.bridged and cost.found_in("zinc cost is about 25% of our cost of goods sold")
    unchanged = understand("AZZ 的锌成本占比是多少?", words)
    assert within_languages(unchanged, {"zh", "en"}) == unchanged


def test_a_figures_quarter_points_to_its_call_and_the_one_before_unless_a_call_is_named() -> None:
    known = ["2021Q2", "2021Q3"]
    words = Vocabulary(PEOPLE, CORPUS, speakers=[], quarters=known)
    guided = quarters_asked(words.read("What revenue does it expect for the fourth quarter of 2021?"), known)
    assert guided == (["2021Q3"], False)
    assert quarters_asked(words.read("What did they say on the Q4 2021 call?"), known) == ([], False)
    assert quarters_asked(words.read("What was said about Q2 2021 on the Q3 2021 call?"), known)[0] == known


def test_a_given_name_and_a_surname_together_are_one_name_not_two_people() -> None:
    directory = SpeakerDirectory(
        people=[
            Person(name="Tom Wadewitz", role="Analyst", firm="UBS"),
            Person(name="James Thomas Hill", role="CEO", company="Vulcan Materials"),
            Person(name="Larry Biegelsen", role="Analyst", firm="Wells Fargo"),
            Person(name="Taryn Miller", role="Investor Relations", company="Kimberly-Clark"),
        ]
    )
    speakers = [p.name for p in directory.people]
    words = Vocabulary(directory, ["Vulcan Materials", "Kimberly-Clark"], speakers=speakers, quarters=[])
    assert [p.name for p in words.people_named(words.read("What did Tom Hill say about diesel?"))] == [
        "James Thomas Hill"
    ]
    assert words.people_named(words.read("How much was paid for the Larry H. Miller dealerships?")) == []
    assert words.people_named(words.read("How much did revenue grow?")) == []  # no "Grow" here


def test_a_company_or_name_that_never_speaks_is_refused_but_an_ambiguous_first_name_is_not() -> None:
    words = Vocabulary(PEOPLE, CORPUS, speakers=["Noel Wallace"], quarters=["2021Q3"], tickers=TICKERS)
    assert understand("What did Verizon say about 5G growth?", words).unknown_people == ("Verizon",)
    assert understand("What did Noel say about Mexico?", words).unknown_people == ()
    assert understand("What does Corning expect for 2022?", words).unknown_people == ()
    assert understand("诺福克南方铁路第三季度的总收入是多少?", words).unknown_people == ()
    assert understand("张三说了什么?", words).unknown_people == ("张三",)
    # a role after the name, or its bracketed Latin spelling naming a corpus company: a company
    assert understand("金佰利 CEO 说中国的业务增长如何?", words).unknown_people == ()
    assert understand("卡莱尔(Colgate)的首席执行官说了什么?", words).unknown_people == ()
    assert understand("张三(Zhang San)说了什么?", words).unknown_people == ("张三",)
    # a call after the name, with only its period between: the call's company, not who must speak
    assert understand("惠而浦一季度电话会上谁问了原材料通胀?", words).unknown_people == ()
    assert understand("张三在电话会上说了什么?", words).unknown_people == ("张三",)


def test_a_chinese_surname_names_the_family_firm_that_carries_it() -> None:
    words = Vocabulary(
        PEOPLE, ["Edwards Lifesciences", *CORPUS], speakers=["Vijay Kumar"], quarters=["2021Q1"]
    )
    # "爱德华" is Edward in the dictionary: Edwards Lifesciences, whose call it names
    request = understand("Vijay Kumar 在爱德华 2021 年一季度电话会上追问了什么?", words)
    assert request.companies == ("Edwards Lifesciences",) and request.unknown_people == ()


def test_a_period_a_question_is_about_widens_to_other_calls_but_the_time_of_speaking_does_not() -> None:
    words = Vocabulary(
        PEOPLE, CORPUS, speakers=["Noel Wallace"], quarters=["2021Q3", "2022Q3"], tickers=TICKERS
    )
    about = understand("What did Noel Wallace say about cost inflation heading into 2022?", words)
    assert about.quarters_from_period and about.period_widens
    assert understand("How much capex does Colgate expect to spend in 2022?", words).period_widens
    assert not understand("What did Noel Wallace say in 2022 about pricing?", words).period_widens
    assert not understand("What did Noel Wallace say about pricing on the Q4 2021 call?", words).period_widens


def test_since_a_date_is_where_a_change_starts_not_the_period_asked() -> None:
    words = Vocabulary(
        PEOPLE, CORPUS, speakers=["Noel Wallace"], quarters=["2020Q3", "2021Q3"], tickers=TICKERS
    )
    assert understand("How much have customers grown since September 2020?", words).years == frozenset()
    assert understand("客户数量自2020年9月以来增长了多少?", words).years == frozenset()
    assert understand("How much did customers grow in 2020?", words).years == frozenset({2020})


def test_a_year_range_is_a_comparison_only_when_the_question_asks_how_something_changed() -> None:
    words = Vocabulary(
        PEOPLE, CORPUS, speakers=["Noel Wallace"], quarters=["2021Q4", "2022Q4"], tickers=TICKERS
    )
    known = ["2021Q4", "2022Q4"]
    assert not quarters_asked(words.read("What capital budget was requested from 2022 to 2024?"), known)[1]
    assert not quarters_asked(words.read("为2022至2024年申请了多少资本预算?"), known)[1]
    assert quarters_asked(words.read("How did capex guidance change from 2022 to 2023?"), known)[1]


def test_a_latin_name_opening_a_chinese_question_is_a_name_not_a_capitalised_first_word() -> None:
    from rag.text.terms import key_terms

    assert [t.text for t in key_terms("Oshkosh 2021年第二季度末的订单积压是多少?", set()) if t.specific] == [
        "Oshkosh"
    ]
    assert not [t for t in key_terms("Backlog at the end of the quarter?", set()) if t.specific]


def test_a_peoples_adjective_is_satisfied_by_its_place_and_is_not_part_of_a_name() -> None:
    from rag.text.terms import key_terms

    terms = {t.text: t for t in key_terms("How big is its European CCM business?", set())}
    assert set(terms) == {"European", "CCM"}  # two terms, not the name "European CCM"
    assert terms["European"].found_in("CCM in Europe grew") and not terms["European"].specific
    assert [t.text for t in key_terms("What about Union Pacific?", set())] == ["Union Pacific"]


def test_a_companys_call_named_holds_the_question_to_that_company() -> None:
    words = Vocabulary(PEOPLE, CORPUS, speakers=["Noel Wallace"], quarters=["2021Q3"], tickers=TICKERS)
    assert understand("What did Noel Wallace say on Corning's call about glass?", words).companies == (
        "Corning",
    )
    about = understand("What did Noel Wallace say about Corning?", words).companies
    assert set(about) == {"Corning", "Colgate-Palmolive"}  # a company as the topic: his own calls too


def test_a_leading_the_is_no_part_of_the_short_name_and_a_ticker_is_not_a_persons_surname() -> None:
    aliases = {
        a.alias for a in generated_company_aliases(["The Kroger Co.", "The Western Union Company"], {})
    }
    assert {"Kroger", "Western Union"} <= aliases
    directory = SpeakerDirectory(people=[Person("Shirley Wu", "Analyst", "Citi")])
    tickers = {"The Western Union Company": {"WU"}}
    words = Vocabulary(
        directory, ["The Western Union Company"], speakers=["Shirley Wu"], quarters=[], tickers=tickers
    )
    assert understand("Who asked WU about its M&A strategy?", words).companies == ()  # one company: no filter
    assert words.companies_named(words.read("Who asked WU about M&A?")) == ["The Western Union Company"]
    assert [p.name for p in words.people_named(words.read("What did Wu ask?"))] == ["Shirley Wu"]


def test_a_companys_whole_name_stays_the_company_beside_a_persons_surname() -> None:
    # Graham Corporation's calls, and an analyst Scott Graham on another company's call
    people = SpeakerDirectory(
        people=[
            Person("Scott Graham", "Analyst", "Bank", None, ("Scott Graham", "Graham")),
            Person("James R. Lines", "CEO", "Graham Corporation", "Graham Corporation", ("James R. Lines",)),
        ]
    )
    aliases = generated_company_aliases(["Graham Corporation"], {}, ["Scott", "Graham"])
    assert [(a.alias, a.exact_case) for a in aliases] == [("Graham", True)]  # capitalised only
    words = Vocabulary(
        people,
        ["Graham Corporation", "Thermon"],
        speakers=["Scott Graham", "James R. Lines"],
        quarters=["2021Q1"],
    )
    request = understand("What revenue guidance did Graham give for fiscal 2021?", words)
    assert request.companies == ("Graham Corporation",) and request.speakers == ()
    assert understand("What did Scott Graham ask about heat tracing?", words).speakers == ("Scott Graham",)
    # "Noel Industries" is more than a name: "Noel" alone is still the person who speaks
    assert "Noel" not in {a.alias for a in generated_company_aliases(["Noel Industries"], {}, ["Noel"])}


def test_a_chinese_company_name_is_read_by_its_longest_head_the_dictionary_knows() -> None:
    from rag.query.understand import companies_in_chinese

    words = Vocabulary(PEOPLE, [*CORPUS, "Campbell Soup"], speakers=["Noel Wallace"], quarters=["2021Q3"])
    # 金宝汤 is no dictionary word; 金宝 is "Campbell" and 汤 "soup"
    assert companies_in_chinese(["金宝汤"], words) == {"金宝汤": ["Campbell Soup"]}
