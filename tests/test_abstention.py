"""Each abstention rule of rag.answer.abstention, one at a time, on hand-made requests and passages.

Every test starts from a request the passages answer and changes the one thing its rule reads, so a
rule that stopped firing (or fired on answerable questions) fails its own test.
"""

from __future__ import annotations

from dataclasses import replace

from rag.answer.abstention import CorpusFacts, why_unanswerable
from rag.chunks import Chunk
from rag.query.retrieve import Hit
from rag.query.understand import SearchRequest
from rag.settings import AbstentionSettings
from rag.text.terms import Term

CORPUS_TEXT = (
    "Cloud revenue grew this quarter. Capex will be $12 billion in 2025. Orion is our glasses prototype. "
    "Margins improved."
)
CORPUS = CorpusFacts(
    speakers=["Jane Roe", "John Smith"],
    companies=["Acme"],
    quarters=["2024Q3", "2024Q4"],
    mentions=lambda term: term.found_in(CORPUS_TEXT),
)
SETTINGS = AbstentionSettings()

CLOUD = Term("cloud", ("cloud",))
CAPEX = Term("capex", ("capex", "资本支出", "资本开支"))  # a glossary term: its Chinese renderings
REVENUE = Term("revenue", ("revenue", "收入", "营收"))
ORION = Term("Orion", ("Orion",), specific=True)


def _hit(text: str, *, quarter: str = "2024Q4", attributed: bool = True, row: int = 0) -> Hit:
    chunk = Chunk(
        text=text,
        company="Acme",
        quarter=quarter,
        speaker="Jane Roe" if attributed else "Analyst",
        role="CFO" if attributed else "Analyst",
        firm="Acme" if attributed else None,
        turn=row + 1,
        source=f"acme-{quarter}.txt",
        start=row * 100,
        end=row * 100 + len(text),
        kind="remarks" if attributed else "question",
        attributed=attributed,
        language="en",
    )
    return Hit(chunk, 0.9 - row / 100, row)


ANSWERABLE = SearchRequest("What did Jane Roe say about cloud?", speakers=("Jane Roe",), terms=(CLOUD,))
HITS = [_hit("Cloud revenue grew this quarter.")]


def _reason(request: SearchRequest, hits: list[Hit] = HITS) -> str:
    abstention = why_unanswerable(request, hits, CORPUS, SETTINGS)
    assert abstention is not None, "expected an abstention"
    assert abstention.reason_zh  # every reason is given in both languages
    return abstention.reason_en


def test_a_question_the_passages_answer_gets_no_abstention() -> None:
    assert why_unanswerable(ANSWERABLE, HITS, CORPUS, SETTINGS) is None


def test_a_person_who_never_speaks_is_named_with_the_known_speakers() -> None:
    reason = _reason(replace(ANSWERABLE, unknown_people=("Bob Builder",)))
    assert reason == "Bob Builder does not speak on any of the calls (speakers: Jane Roe, John Smith)"


def test_a_company_without_a_call_is_named_with_the_known_companies() -> None:
    reason = _reason(replace(ANSWERABLE, other_companies=("Globex",)))
    assert reason == "the corpus has no call of Globex (companies: Acme)"


def test_a_missing_call_is_named_with_the_calls_there_are() -> None:
    reason = _reason(replace(ANSWERABLE, missing_calls=("2022Q4",)))
    assert reason == "the transcripts have no 2022Q4 call (calls: 2024Q3, 2024Q4)"


def test_a_large_directory_is_not_listed_only_the_closest_names() -> None:
    many = [f"Person {i:04d}" for i in range(8000)] + ["Jane Roe", "Jane Rowe", "John Smith"]
    corpus = replace(CORPUS, speakers=many)
    request = replace(ANSWERABLE, unknown_people=("Jane Roes",))
    abstention = why_unanswerable(request, HITS, corpus, SETTINGS)
    assert abstention is not None
    assert abstention.reason_en == (
        "Jane Roes does not speak on any of the calls (speakers: closest: Jane Roe, Jane Rowe; 8,003 in all)"
    )


def test_no_hits_says_whose_turns_on_which_call_were_missing() -> None:
    reason = _reason(replace(ANSWERABLE, quarters=("2024Q3",)), hits=[])
    assert reason == "no turn by Jane Roe on 2024Q3 in the transcripts"


def test_no_hits_without_filters_says_anyone_on_any_call() -> None:
    assert _reason(SearchRequest("cloud?", terms=(CLOUD,)), hits=[]) == (
        "no turn by anyone on any call in the transcripts"
    )


def test_who_asked_with_no_named_analyst_in_the_top_passages_abstains() -> None:
    request = SearchRequest("Who asked about cloud?", asks_who_asked=True, terms=(CLOUD,))
    hits = [_hit(f"Question {i} about cloud?", attributed=False, row=i) for i in range(3)]
    assert _reason(request, hits) == "the 2024Q4 transcript does not name the analysts who asked"


def test_who_asked_looks_only_at_the_window_of_top_passages() -> None:
    request = SearchRequest("Who asked about cloud?", asks_who_asked=True, terms=(CLOUD,))
    unnamed = [_hit(f"Question {i} about cloud?", attributed=False, row=i) for i in range(3)]
    named_fourth = [*unnamed, _hit("A named question about cloud?", row=3)]
    assert why_unanswerable(request, named_fourth, CORPUS, SETTINGS) is not None
    wider = AbstentionSettings(who_asked_window=4)
    assert why_unanswerable(request, named_fourth, CORPUS, wider) is None


def test_who_asked_with_a_named_analyst_in_the_window_is_answerable() -> None:
    request = SearchRequest("Who asked about cloud?", asks_who_asked=True, terms=(CLOUD,))
    hits = [_hit("Question about cloud?", attributed=False), _hit("Another about cloud?", row=1)]
    assert why_unanswerable(request, hits, CORPUS, SETTINGS) is None


def test_a_name_like_term_the_corpus_never_uses_decides_alone() -> None:
    tiktok = Term("TikTok", ("TikTok",), specific=True)
    reason = _reason(replace(ANSWERABLE, terms=(CLOUD, tiktok)))
    assert reason == "the calls never mention “TikTok”"


def test_a_glossary_term_the_corpus_never_uses_decides_alone() -> None:
    bitcoin = Term("bitcoin", ("bitcoin", "比特币"))
    assert _reason(replace(ANSWERABLE, terms=(CLOUD, bitcoin))) == "the calls never mention “bitcoin”"


def test_a_plain_word_the_corpus_never_uses_does_not_decide_beside_a_term_it_uses() -> None:
    weather = Term("weather", ("weather",))
    assert why_unanswerable(replace(ANSWERABLE, terms=(CLOUD, weather)), HITS, CORPUS, SETTINGS) is None


def test_plain_words_the_corpus_never_uses_abstain_when_they_are_all_the_terms() -> None:
    weather = Term("weather", ("weather",))
    assert _reason(replace(ANSWERABLE, terms=(weather,))) == "the calls never mention “weather”"


def test_key_terms_in_the_corpus_but_in_no_retrieved_passage_abstain() -> None:
    request = replace(ANSWERABLE, terms=(Term("margins", ("margins",)),))
    assert CORPUS.mentions(request.terms[0])
    reason = _reason(request)
    assert reason == "no passage by Jane Roe in the searched calls mentions “margins”"


def test_a_key_term_in_the_question_an_answer_replies_to_is_mentioned_by_the_answer() -> None:
    # "… the Build Back Better plan?" — "50 to 100 basis points of improvement": the answer is about it
    request = replace(ANSWERABLE, terms=(Term("margins", ("margins",)),))
    asked = replace(CORPUS, question_answered=lambda row: "What will margins do next year?")
    assert why_unanswerable(request, HITS, asked, SETTINGS) is None
    assert why_unanswerable(request, HITS, CORPUS, SETTINGS) is not None


def test_a_figure_stated_only_for_another_quarter_abstains() -> None:
    request = SearchRequest(
        "What was revenue in Q2 2024?",
        terms=(REVENUE,),
        wants_number=True,
        quarters_named=("2024Q2",),
        years=frozenset({2024}),
    )
    hits = [_hit("Revenue in Q3 2024 will be $5 billion.")]
    assert _reason(request, hits) == "the calls state “revenue” for 2024Q3, not for 2024Q2"


def test_a_figure_for_the_asked_quarter_is_answerable() -> None:
    request = SearchRequest(
        "What was revenue in Q3 2024?",
        terms=(REVENUE,),
        wants_number=True,
        quarters_named=("2024Q3",),
        years=frozenset({2024}),
    )
    hits = [_hit("Revenue in Q3 2024 will be $5 billion.")]
    assert why_unanswerable(request, hits, CORPUS, SETTINGS) is None


# "What revenue did Acme report for Q4 2024?" read as the figure's period, not as a call
PERIOD_ASKED = SearchRequest(
    "What revenue did Acme report for Q4 2024?",
    terms=(REVENUE,),
    wants_number=True,
    quarters_named=("2024Q4",),
    quarters_from_period=True,
    years=frozenset({2024}),
)


def test_a_figure_naming_no_quarter_is_its_calls_and_not_the_asked_quarters() -> None:
    hits = [_hit("Revenue grew 5% to $1.2 billion.", quarter="2024Q3")]
    assert _reason(PERIOD_ASKED, hits) == "the calls state “revenue” for 2024Q3, not for 2024Q4"
    on_its_call = [_hit("Revenue grew 5% to $1.2 billion.")]
    assert why_unanswerable(PERIOD_ASKED, on_its_call, CORPUS, SETTINGS) is None


def test_a_figure_looking_ahead_is_for_the_next_quarter() -> None:
    hits = [_hit("Total revenue is expected to be $1.3 billion, plus or minus 2%.", quarter="2024Q3")]
    assert why_unanswerable(PERIOD_ASKED, hits, CORPUS, SETTINGS) is None
    past = [_hit("Revenue was better than expected at $1.2 billion.", quarter="2024Q3")]
    assert _reason(PERIOD_ASKED, past) == "the calls state “revenue” for 2024Q3, not for 2024Q4"


def test_a_quarter_named_in_the_sentence_before_the_figure_counts() -> None:
    text = "Let me turn to the outlook for the fourth quarter. Revenue of $1.3 billion, plus or minus 2%."
    assert why_unanswerable(PERIOD_ASKED, [_hit(text, quarter="2024Q3")], CORPUS, SETTINGS) is None


def test_a_figure_with_no_period_in_a_passage_about_the_asked_quarter_may_be_its() -> None:
    text = "Looking at the fourth quarter, costs rise 2%. On that basis we're at about 13.5% revenue growth."
    assert why_unanswerable(PERIOD_ASKED, [_hit(text, quarter="2024Q3")], CORPUS, SETTINGS) is None
    elsewhere = "Costs rose 2% this year. On that basis we're at about 13.5% revenue growth."
    assert _reason(PERIOD_ASKED, [_hit(elsewhere, quarter="2024Q3")]).startswith("the calls state “revenue”")


def test_a_name_beside_the_measure_is_not_the_measure() -> None:
    # "What gross margin does Acme expect for Cloud in Q4 2024?": Cloud's debt for Q4 is no Q4 gross margin
    margin = Term("gross margin", ("gross margin", "毛利率"))
    cloud = Term("Cloud", ("Cloud",), specific=True)
    request = replace(PERIOD_ASKED, terms=(margin, cloud))
    hits = [
        _hit("Cloud gross margin was 35.5%, up 308 basis points.", quarter="2024Q3"),
        _hit("In Q4 2024 Cloud will receive about $1.1 billion of the debt.", quarter="2024Q3", row=1),
    ]
    assert (
        _reason_anywhere(request, hits)
        == "the calls state “gross margin”, “Cloud” for 2024Q3, not for 2024Q4"
    )


def test_a_full_year_figure_says_nothing_about_a_quarter() -> None:
    hits = [_hit("Full-year revenue will be $5 billion.", quarter="2024Q3")]
    assert why_unanswerable(PERIOD_ASKED, hits, CORPUS, SETTINGS) is None


def test_a_quarter_that_names_a_call_decides_only_on_named_quarters() -> None:
    # "On the Q3 2024 call, how much did revenue fall in last year's third quarter?"
    on_call = replace(PERIOD_ASKED, quarters_named=("2024Q3",), quarters_from_period=False)
    hits = [_hit("Last year's third quarter revenue fell 4% to $1.1 billion.", quarter="2024Q3")]
    assert why_unanswerable(on_call, hits, CORPUS, SETTINGS) is None


def test_a_figure_only_for_another_year_abstains_and_names_the_year_given() -> None:
    request = SearchRequest("What is 2025 capex?", terms=(CAPEX,), wants_number=True, years=frozenset({2025}))
    hits = [_hit("Capex was $10 billion in 2023.", quarter="2024Q3")]
    assert _reason(request, hits) == "the passages give “capex” for 2023, not for 2025"


def test_this_years_figure_on_a_mid_year_call_is_not_next_years() -> None:
    request = SearchRequest("What is 2025 capex?", terms=(CAPEX,), wants_number=True, years=frozenset({2025}))
    hits = [_hit("For the full year we expect capex of $12 billion.", quarter="2024Q3")]
    assert _reason(request, hits) == "the passages give “capex” for 2024, not for 2025"


def test_next_year_on_a_mid_year_call_is_the_following_year() -> None:
    request = SearchRequest("What is 2025 capex?", terms=(CAPEX,), wants_number=True, years=frozenset({2025}))
    hits = [_hit("Next year we expect capex of $12 billion.", quarter="2024Q3")]
    assert why_unanswerable(request, hits, CORPUS, SETTINGS) is None


def test_the_year_discussed_without_a_figure_abstains() -> None:
    request = SearchRequest("What is 2026 capex?", terms=(CAPEX,), wants_number=True, years=frozenset({2026}))
    hits = [_hit("Capex will grow significantly in 2026, and we will say more later.", quarter="2025Q2")]
    assert _reason(request, hits) == "no passage gives a figure for “capex” in 2026"


def test_a_figure_in_words_for_the_asked_year_is_answerable() -> None:
    request = SearchRequest("What is 2025 capex?", terms=(CAPEX,), wants_number=True, years=frozenset({2025}))
    hits = [_hit("We expect a mid-single-digit increase in capex in 2025.", quarter="2024Q3")]
    assert why_unanswerable(request, hits, CORPUS, SETTINGS) is None


def test_a_dictionary_lead_alone_does_not_state_the_figure_asked() -> None:
    # "产品" read as "goods" is a lead; the price increase is the topic
    goods = Term("产品", ("产品", "goods"), bridged=True)
    pricing = Term("提价", ("提价", "price increase", "pricing"))
    request = SearchRequest(
        "2025 年提价幅度?", terms=(goods, pricing), wants_number=True, years=frozenset({2025})
    )
    hits = [
        _hit("Pricing will rise in 2025.", quarter="2024Q3"),
        _hit("Inflation will hurt cost of goods sold by 5% in 2025.", quarter="2024Q3", row=1),
    ]
    corpus = replace(CORPUS, mentions=lambda term: True)
    abstention = why_unanswerable(request, hits, corpus, SETTINGS)
    assert abstention is not None and abstention.reason_en.startswith("no passage gives a figure")


def test_a_figure_worded_otherwise_proves_no_other_year_but_is_no_figure_of_the_measure() -> None:
    """No sentence states a capex figure for any year: the passage may word it otherwise, so it proves
    no other year; but with no figure beside capex nor answering a capex question, nothing gives one."""
    request = SearchRequest(
        "What is 2025 capex?", terms=(CAPEX,), wants_number=True, years=frozenset({2025}), language="en"
    )
    far = _hit("Capex matters to us. We will say more soon. We plan to invest $12 billion in plants.")
    abstention = why_unanswerable(request, [far], CORPUS, SETTINGS)
    assert (
        abstention is not None
        and abstention.reason_en == "no passage by the company gives a figure for “capex”"
    )
    # the same figure beside the word, or answering the question that asks it, is the answer
    near = _hit("Capex matters to us. In 2025 we plan to invest $12 billion in plants.")
    assert why_unanswerable(request, [near], CORPUS, SETTINGS) is None
    asked = replace(CORPUS, question_answered=lambda row: "What will capex be in 2025?")
    answer = _hit("We will say more soon. In 2025 we plan to invest $12 billion in plants.")
    assert why_unanswerable(request, [answer], asked, SETTINGS) is None
    # a Chinese question's bridged measure is not held to it
    chinese = replace(request, question="2025 年资本支出是多少?", language="zh")
    assert why_unanswerable(chinese, [far], CORPUS, SETTINGS) is None


def test_an_analysts_figure_answers_only_a_question_about_what_that_analyst_said() -> None:
    cited = _hit("Capex of $60 billion to $65 billion: how much is servers?", attributed=False)
    request = SearchRequest("What capex range was cited?", terms=(CAPEX,), wants_number=True, language="en")
    abstention = why_unanswerable(request, [cited], CORPUS, SETTINGS)
    assert abstention is not None and abstention.reason_en.startswith("no passage by the company")
    asked = replace(request, question="What capex range did the analyst cite?", speakers=("Analyst",))
    assert why_unanswerable(asked, [cited], CORPUS, SETTINGS) is None


def test_an_acronym_needs_no_figure_beside_it_it_may_be_spelled_out() -> None:
    eps = Term("EPS", ("EPS",), specific=True)
    request = SearchRequest("What EPS range does Acme expect?", terms=(eps,), wants_number=True)
    hits = [
        _hit("We raised EPS guidance. We will say more soon. Earnings per share will be $9.90 to $10.15.")
    ]
    assert why_unanswerable(request, hits, replace(CORPUS, mentions=lambda term: True), SETTINGS) is None


def test_a_figure_naming_the_asked_year_is_answerable() -> None:
    request = SearchRequest("What is 2025 capex?", terms=(CAPEX,), wants_number=True, years=frozenset({2025}))
    hits = [_hit("Capex will be $12 billion in 2025.", quarter="2024Q3")]
    assert why_unanswerable(request, hits, CORPUS, SETTINGS) is None


def test_a_yearless_figure_on_the_previous_years_call_counts_as_guidance_for_the_year() -> None:
    request = SearchRequest("What is 2025 capex?", terms=(CAPEX,), wants_number=True, years=frozenset({2025}))
    hits = [_hit("We expect capex of $12 billion.", quarter="2024Q4")]
    assert why_unanswerable(request, hits, CORPUS, SETTINGS) is None


def test_no_figure_for_a_name_like_term_abstains() -> None:
    request = SearchRequest("How many users does Orion have?", terms=(ORION,), wants_number=True)
    hits = [_hit("Orion is our glasses prototype and it is going well.")]
    assert _reason(request, hits) == "no passage gives a figure for “Orion”"


def test_a_figure_beside_the_name_like_term_is_answerable() -> None:
    request = SearchRequest("How many users does Orion have?", terms=(ORION,), wants_number=True)
    hits = [_hit("Orion is our glasses prototype. Orion has 5 million users.")]
    assert why_unanswerable(request, hits, CORPUS, SETTINGS) is None


def test_the_names_asked_may_be_spread_over_the_parts_of_one_turn() -> None:
    mexico = Term("Mexico", ("Mexico",), specific=True)
    request = SearchRequest("How much will Orion save in Mexico?", terms=(ORION, mexico), wants_number=True)
    first = _hit("Orion runs in our factories.")
    second = _hit("In its Mexico plant alone it saves over 30% of hours.", row=1)
    corpus = replace(CORPUS, mentions=lambda term: True)
    apart = why_unanswerable(request, [first, second], corpus, SETTINGS)
    assert apart is not None and apart.reason_en == "no passage gives a figure for “Orion”, “Mexico”"
    second = replace(second, chunk=replace(second.chunk, turn=first.chunk.turn, part=2))
    assert why_unanswerable(request, [first, second], corpus, SETTINGS) is None


def test_a_name_like_term_needs_no_figure_when_no_number_is_asked() -> None:
    request = SearchRequest("What is Orion?", terms=(ORION,))
    hits = [_hit("Orion is our glasses prototype and it is going well.")]
    assert why_unanswerable(request, hits, CORPUS, SETTINGS) is None


def test_a_speaker_declining_to_give_the_figure_abstains_with_the_sentence() -> None:
    request = SearchRequest(
        "What full-year revenue guidance did Acme give?", terms=(REVENUE,), wants_number=True
    )
    hits = [_hit("We are not providing annual revenue guidance at this time. Demand is improving.")]
    assert _reason(request, hits) == (
        "the call declines to give it: “We are not providing annual revenue guidance at this time.”"
    )


def test_a_declined_figure_beside_one_that_is_given_is_not_an_abstention() -> None:
    request = SearchRequest("What Q2 revenue guidance did Acme give?", terms=(REVENUE,), wants_number=True)
    hits = [_hit("We are not providing annual revenue guidance. For Q2 we expect revenue of $5 billion.")]
    assert why_unanswerable(request, hits, CORPUS, SETTINGS) is None


def test_declining_a_years_figure_stands_beside_figures_for_other_years_and_analysts_figures() -> None:
    request = SearchRequest(
        "What price increase for 2025?", terms=(REVENUE,), wants_number=True, years=frozenset({2025})
    )
    hits = [
        _hit("Revenue grew 6% this quarter.", quarter="2024Q3"),
        _hit("Will revenue rise 10% in 2025?", quarter="2024Q3", attributed=False, row=1),
        _hit("We're not at the stage of providing an outlook on revenue in 2025.", quarter="2024Q3", row=2),
    ]
    assert _reason(request, hits) == (
        "the call declines to give it: “We're not at the stage of providing an outlook on revenue in 2025.”"
    )
    given = [*hits, _hit("Revenue will grow 5% in 2025.", quarter="2024Q3", row=3)]
    assert why_unanswerable(request, given, CORPUS, SETTINGS) is None


def test_a_missing_key_term_is_no_proof_when_the_passages_share_the_questions_other_words() -> None:
    inventory = Term("inventory", ("inventory", "库存"))
    request = SearchRequest(
        "Who asked about the size of windfall inventory gains?",
        terms=(inventory,),
        asks_who_asked=True,
        topic_text="Who asked about the size of windfall inventory gains?",
    )
    said = [_hit("If I may on windfall gains, can you give us a sense of their magnitude?", attributed=False)]
    said = [Hit(replace(said[0].chunk, speaker="Tristan Gresser", attributed=True), 0.9, 0)]
    corpus = replace(CORPUS, mentions=lambda term: True)
    assert why_unanswerable(request, said, corpus, SETTINGS) is None
    elsewhere = [Hit(replace(said[0].chunk, text="Steel prices rose in the quarter."), 0.9, 0)]
    abstention = why_unanswerable(request, elsewhere, corpus, SETTINGS)
    assert abstention is not None
    assert abstention.reason_en == "no passage in the searched calls mentions “inventory”"


def test_who_asked_how_much_needs_no_figure() -> None:
    request = SearchRequest(
        "Who asked how much capex Acme will spend in 2025?",
        terms=(CAPEX,),
        wants_number=True,
        asks_who_asked=True,
        years=frozenset({2025}),
    )
    hits = [_hit("How should we think about capex in 2025?", quarter="2024Q3")]
    assert why_unanswerable(request, hits, CORPUS, SETTINGS) is None


def test_declining_full_year_guidance_stands_beside_the_quarters_figures() -> None:
    request = SearchRequest(
        "What full-year 2025 revenue guidance did Acme give?",
        terms=(REVENUE,),
        wants_number=True,
        years=frozenset({2025}),
    )
    hits = [
        _hit("Revenue declined 12% in the quarter.", quarter="2025Q2"),
        _hit("We're not providing full year revenue guidance.", quarter="2025Q2", row=1),
    ]
    assert (
        _reason(request, hits)
        == "the call declines to give it: “We're not providing full year revenue guidance.”"
    )
    given = [*hits, _hit("We expect full-year revenue of $5 billion.", quarter="2025Q2", row=2)]
    assert why_unanswerable(request, given, CORPUS, SETTINGS) is None


def _reason_anywhere(request: SearchRequest, hits: list[Hit]) -> str:
    """The reason, with every term mentioned somewhere in the corpus."""
    abstention = why_unanswerable(request, hits, replace(CORPUS, mentions=lambda term: True), SETTINGS)
    assert abstention is not None, "expected an abstention"
    return abstention.reason_en


def test_a_fiscal_years_guidance_declined_stands_beside_the_quarters_comparisons() -> None:
    guidance = Term("guidance", ("guidance", "指引"))
    request = SearchRequest(
        "What revenue guidance did Acme give for fiscal 2021?",
        terms=(REVENUE, guidance),
        wants_number=True,
        years=frozenset({2021}),
    )
    hits = [
        _hit(
            "With Q2 revenues down 35% from prior year, we expect the shortfall to moderate.",
            quarter="2021Q2",
        ),
        _hit(
            "Our revenue mix was 64% and 36%, versus 53% and 47% in Q2 of fiscal year '20.",
            quarter="2021Q2",
            row=1,
        ),
        _hit(
            "We do not intend to provide formal guidance for fiscal 2021 at this time.",
            quarter="2021Q2",
            row=2,
        ),
    ]
    assert _reason_anywhere(request, hits).startswith(
        "the call declines to give it: “We do not intend to provide"
    )
    given = [*hits, _hit("We expect fiscal '21 revenue of about $300 million.", quarter="2021Q2", row=3)]
    assert why_unanswerable(request, given, replace(CORPUS, mentions=lambda term: True), SETTINGS) is None


def test_a_segments_figure_does_not_outweigh_declining_the_one_named() -> None:
    content = Term("Content", ("Content",), specific=True)
    request = SearchRequest(
        "How much revenue did Endeavor Content contribute in 2021?",
        terms=(REVENUE, content),
        wants_number=True,
        years=frozenset({2021}),
    )
    hits = [
        _hit(
            "As far as Endeavor Content goes, we're not going to break out what the revenue was there.",
            quarter="2021Q3",
        ),
        _hit(
            "This segment recorded revenue of $446.3 million, up 16.2% year over year.",
            quarter="2021Q3",
            row=1,
        ),
    ]
    assert _reason_anywhere(request, hits).startswith("the call declines to give it")


def test_what_was_paid_is_an_amount_of_money_not_any_number() -> None:
    pivotrac = Term("PivoTrac", ("PivoTrac",), specific=True)
    request = SearchRequest("How much did Acme pay for PivoTrac?", terms=(pivotrac,), wants_number=True)
    hits = [_hit("We acquired PivoTrac, which adds 9,000 connections to our platform.")]
    assert _reason_anywhere(request, hits) == "no passage gives a figure for “PivoTrac”"
    priced = [*hits, _hit("We paid $45 million for PivoTrac.", row=1)]
    assert why_unanswerable(request, priced, replace(CORPUS, mentions=lambda term: True), SETTINGS) is None
    # spent on a measure the glossary knows: an amount beside it, or nothing was said
    buybacks = Term("share repurchases", ("share repurchases", "回购", "buyback"))
    spend = SearchRequest(
        "How much did Acme spend on share repurchases?", terms=(buybacks,), wants_number=True
    )
    listed = [_hit("Share repurchases remain our last capital priority, after a 3% dividend increase.")]
    assert _reason_anywhere(spend, listed) == "no passage gives a figure for “share repurchases”"
    # "time spent" is no money
    spent = Term("Reels", ("Reels",), specific=True)
    lift = SearchRequest("How much did Reels lift time spent?", terms=(spent,), wants_number=True)
    anywhere = replace(CORPUS, mentions=lambda term: True)
    assert why_unanswerable(lift, [_hit("Reels lifted time spent by 5%.")], anywhere, SETTINGS) is None


def test_a_count_asked_for_a_year_is_answered_by_a_bare_number_for_that_year() -> None:
    members = Term("members", ("members",))
    request = SearchRequest(
        "How many members does Acme expect to add in 2024?",
        terms=(members,),
        wants_number=True,
        years=frozenset({2024}),
    )
    hits = [
        _hit("We expect to add 900,000 members this year.", row=0),
        _hit("Members should grow 8% in 2025.", row=1),
    ]
    corpus = replace(CORPUS, mentions=lambda term: True)
    assert why_unanswerable(request, hits, corpus, SETTINGS) is None
    # asked as an amount, the bare number is no figure: only 2025's share is stated
    amount = replace(request, question="What member growth does Acme expect for 2024?")
    abstention = why_unanswerable(amount, hits, corpus, SETTINGS)
    assert abstention is not None and "for 2025, not for 2024" in abstention.reason_en


def test_a_named_speakers_safe_harbour_reading_is_no_passage_about_the_topic() -> None:
    fcf = Term("free cash flow", ("free cash flow", "自由现金流"))
    request = SearchRequest(
        "What did Denny Smith say about free cash flow?", speakers=("Jane Roe",), terms=(fcf,)
    )
    legal = _hit(
        "During the call we may discuss non-GAAP financial measures such as EBITDA and free cash flow."
    )
    assert _reason_anywhere(request, [legal]).startswith("no passage by Jane Roe in the searched calls")


def test_too_early_to_guide_declines_the_figure() -> None:
    eps = Term("EPS", ("eps", "每股收益"))
    request = SearchRequest(
        "What EPS guidance did Acme give for fiscal 2022?",
        terms=(eps,),
        wants_number=True,
        years=frozenset({2022}),
    )
    hits = [
        _hit("We now expect full-year earnings per share to be above $3.", quarter="2021Q2"),
        _hit(
            "It's too early for us to give any type of detailed EPS guidance for next year.",
            quarter="2021Q2",
            row=1,
        ),
    ]
    assert _reason_anywhere(request, hits).startswith("the call declines to give it")


def test_cannot_really_give_and_do_not_typically_provide_decline_the_figure() -> None:
    eps = Term("EPS", ("eps", "每股收益"))
    request = SearchRequest("What EPS does Acme expect?", terms=(eps,), wants_number=True)
    refusals = ("We can't really give any EPS guidance today.", "We don't typically provide EPS guidance.")
    for refusal in refusals:
        assert _reason_anywhere(request, [_hit(refusal)]).startswith("the call declines to give it")
    anywhere = replace(CORPUS, mentions=lambda term: True)
    assert why_unanswerable(request, [_hit("We can grow EPS by 10%.")], anywhere, SETTINGS) is None


def test_a_company_the_question_is_about_that_no_passage_names_abstains() -> None:
    depot = Term("Home Depot", ("Home Depot",), specific=True)
    sales = Term("sales", ("sales",))
    anywhere = replace(CORPUS, mentions=lambda term: True)
    hits = [_hit("Our organic sales grew 4.5% in the quarter.")]
    for question in ("What was Home Depot's sales growth?", "What sales growth did Home Depot report?"):
        request = SearchRequest(question, terms=(sales, depot), wants_number=True)
        abstention = why_unanswerable(request, hits, anywhere, SETTINGS)
        assert abstention is not None
        assert abstention.reason_en == "no passage in the searched calls mentions “Home Depot”"
    # not its subject, or a company of the corpus named: the passages may still answer
    aside = SearchRequest("What did Acme say about sales at Home Depot?", terms=(sales, depot))
    assert why_unanswerable(aside, hits, anywhere, SETTINGS) is None
    named = replace(aside, question="What did Home Depot's buyers say of Acme?", companies=("Acme",))
    assert why_unanswerable(named, hits, anywhere, SETTINGS) is None


def test_a_price_asked_is_stated_beside_what_was_bought() -> None:
    shell = Term("Shell", ("Shell",), specific=True)
    assets = Term("Appalachian", ("Appalachian",), specific=True)
    request = SearchRequest(
        "How much did Acme pay for Shell's Appalachian assets?", terms=(shell, assets), wants_number=True
    )
    apart = _hit("We bought Shell’s upstream unit. It closed in June. Appalachian capex is $500 million.")
    anywhere = replace(CORPUS, mentions=lambda term: True)
    assert _reason_anywhere(request, [apart]) == "no passage gives a figure for “Shell”, “Appalachian”"
    beside = _hit("We paid $541 million for Shell's Appalachian assets.")
    assert why_unanswerable(request, [beside], anywhere, SETTINGS) is None


def test_a_periods_results_after_the_companys_last_call_are_refused_but_its_guidance_is_not() -> None:
    # Acme's calls end at 2024Q3 (its Q4 call is another company's): Q4 2024 and full-year 2024 results
    # came after them
    facts = replace(CORPUS, calls_of=lambda company: ["2024Q2", "2024Q3"] if company == "Acme" else [])
    hits = [_hit("Revenue grew 5% to $1.2 billion. We expect Q4 revenue of $1.3 billion.", quarter="2024Q3")]

    def asked(question: str, quarters: tuple[str, ...] = ()) -> str | None:
        request = SearchRequest(
            question,
            terms=(REVENUE,),
            wants_number=True,
            companies=("Acme",),
            quarters_named=quarters,
            years=frozenset({2024}),
        )
        found = why_unanswerable(request, hits, facts, SETTINGS)
        return found.reason_en if found else None

    reason = asked("What revenue did Acme report for Q4 2024?", ("2024Q4",))
    assert reason is not None and reason.startswith("2024Q4 had not ended by Acme's last call")
    assert "(2024Q3)" in reason
    assert asked("What was Acme's 2024 revenue?") is not None
    assert asked("Acme 2024 年第四季度的营收是多少?", ("2024Q4",)) is not None
    # what was expected of the period, a part of it, or a period the calls cover, is for the passages
    assert asked("What revenue does Acme expect for Q4 2024?", ("2024Q4",)) is None
    assert asked("Acme 预计 2024 年第四季度营收是多少?", ("2024Q4",)) is None
    assert asked("What was Acme's revenue so far in 2024?") is None
    assert asked("What was Acme's revenue in the first half of 2024?") is None
    assert asked("What revenue did Acme report for Q3 2024?", ("2024Q3",)) is None
    # a quarter the wording names but the reader could not date is no full year
    assert asked("What was Acme's revenue in the third quarter, 2024?") is None


def test_a_month_ending_a_period_and_comparison_words_are_not_key_terms() -> None:
    from rag.text.terms import key_terms

    # the quarter ended June 2020 is "the fiscal third quarter" on the call; 同比 is "up 5% from last year"
    ended = key_terms("How did cancellations move through the quarter ended June 2020?", set())
    assert "June" not in [t.text for t in ended]
    assert "October" in [t.text for t in key_terms("What were October shipment trends?", set())]
    assert "同比" not in [t.text for t in key_terms("三季度毛利同比增加了多少?", set())]
    # a Chinese month asked about is the English month's topic too; one that ends a period is no term
    (july,) = [t for t in key_terms("Extra Space 七月的入住率超过多少?", set()) if t.text == "七月"]
    assert july.found_in("we were over 97% occupied in July")
    assert [t.text for t in key_terms("截至10月的销量是多少?", set())] == ["销量"]


def test_an_acronyms_plural_is_mentioned_by_its_singular() -> None:
    from rag.text.terms import key_terms

    (ducs,) = [t for t in key_terms("Who asked how many DUCs it would draw down?", set()) if t.text == "DUCs"]
    assert ducs.found_in("currently the DUC count is around 19")
    assert not ducs.found_in("the duct count")


def test_guidance_asked_needs_a_figure_beside_the_measure_in_words_that_look_ahead() -> None:
    request = SearchRequest("What sales guidance did Acme give?", terms=(REVENUE,), wants_number=True)
    anywhere = replace(CORPUS, mentions=lambda term: True)

    def reason(text: str) -> str | None:
        found = why_unanswerable(request, [_hit(text, quarter="2020Q4")], anywhere, SETTINGS)
        return found.reason_en if found else None

    # the year's actuals, or a figure with no measure beside it, are no guidance
    assert reason("Revenue in the quarter was $1.2 billion, up 5%.") == (
        "no passage gives guidance or an expected figure for “revenue”"
    )
    assert reason("We expect a good 2021. Margins were 12%. Demand is strong.") is not None
    # guidance in the sentence, or in the one before the figure, answers
    assert reason("For 2021, we expect revenue of $1.3 billion to $1.4 billion.") is None
    assert reason("Turning to our 2021 outlook for revenue. We see $1.3 billion to $1.4 billion.") is None
    # (a question that asks no guidance is not held to it)
    plain = replace(request, question="What were Acme's 2021 sales?")
    assert why_unanswerable(plain, [_hit("Revenue in 2021 was $1.2 billion.")], anywhere, SETTINGS) is None


def test_two_initialisms_side_by_side_are_two_terms() -> None:
    from rag.text.terms import key_terms

    # "80 MW RFP": the call says "an additional RFP", never "MW RFP"; "Union Pacific" stays one name
    assert [t.text for t in key_terms("When will the 80 MW RFP be known?", set())][-2:] == ["MW", "RFP"]
    assert "Union Pacific" in [t.text for t in key_terms("What did Union Pacific say?", set())]


def test_a_regular_demonym_is_also_mentioned_by_its_place() -> None:
    from rag.text.terms import key_terms

    terms = {t.text: t for t in key_terms("How much Cambodian and Vietnamese production is back?", set())}
    assert terms["Cambodian"].found_in("our suppliers in Cambodia") and terms["Vietnamese"].found_in(
        "Vietnam"
    )
    assert "Christian" in [
        t.text for t in key_terms("What did Christian say about Indonesian demand?", set())
    ]


def test_guidance_is_read_with_the_question_an_answer_replies_to() -> None:
    margin = Term("margin", ("margin", "利润率"))
    expect = Term("预计", ("预计", "guidance", "outlook", "forecast"))
    anywhere = replace(CORPUS, mentions=lambda term: True)
    answer = replace(_hit("As we go forward, we would expect 200 to 300 basis points.", row=1), score=0.9)
    request = SearchRequest("How much margin improvement do they expect?", terms=(margin,), wants_number=True)
    assert why_unanswerable(request, [answer], anywhere, SETTINGS) is not None
    # the analyst asked about margins: the reply's figure is the margin's
    asked = replace(anywhere, question_answered=lambda row: "What about margins in the back half?")
    assert why_unanswerable(request, [answer], asked, SETTINGS) is None
    # when the asking word ("预计") is the only firm term, the dictionary's leads are the measures
    fleet_term = Term("船队", ("船队", "fleet"), bridged=True)
    fleet = SearchRequest(
        "皇家加勒比预计到年底会有多少比例的船队恢复运营?", terms=(expect, fleet_term), wants_number=True
    )
    back = [_hit("By year end we expect 100% of the fleet back.")]
    assert why_unanswerable(fleet, back, anywhere, SETTINGS) is None
