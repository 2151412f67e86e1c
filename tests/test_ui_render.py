"""The renderer shows transcript text, model output and questions as text, never as markup."""

from __future__ import annotations

import re

from rag.answer.types import Answer, Citation
from ui import render

MTIA = (
    "目前,内部 MTIA 计划专注于支持我们的核心排名和推荐推理工作负载。"
    "我们从 2024 年上半年开始采用 MTIA 进行核心排名和推荐推理。"
)
HOSTILE = (
    '<script>alert("x")</script> **bold** [link](javascript:alert(1)) <img src=x onerror=alert(1)> & ${1+1}'
)


def citation(n: int = 1, text: str = MTIA, highlights: tuple[str, ...] = (), **overrides: object) -> Citation:
    fields: dict[str, object] = {
        "n": n,
        "chunk_id": f"c{n}",
        "company": "Meta",
        "quarter": "2024Q4",
        "speaker": "Susan Li",
        "role": "CFO",
        "firm": "Meta",
        "text": text,
        "score": 0.81,
        "source": "meta-2024q4.zh.txt",
        "turn": 6,
        "kind": "answer",
        "asker": "Brian Nowak",
        "asker_firm": "Morgan Stanley",
        "highlights": highlights,
    }
    fields.update(overrides)
    return Citation(**fields)  # type: ignore[arg-type]


def answer(text: str, citations: list[Citation], **overrides: object) -> Answer:
    fields: dict[str, object] = {
        "question": "What did Susan say about MTIA?",
        "text": text,
        "citations": citations,
    }
    fields.update({"abstained": False, **overrides})
    return Answer(**fields)  # type: ignore[arg-type]


def tags(html: str) -> set[str]:
    return {t.lower() for t in re.findall(r"<\s*([a-zA-Z][a-zA-Z0-9]*)", html)}


OUR_TAGS = {"div", "p", "br", "a", "span", "mark", "article", "header", "details", "summary"}


def test_hostile_passage_is_shown_as_text_on_its_card():
    html = render.render_sources(answer("x [1]", [citation(text=HOSTILE, highlights=(HOSTILE,))]), "a1")
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "**bold** [link](javascript:alert(1))" in html  # markdown syntax stays literal
    assert tags(html) <= OUR_TAGS


def test_hostile_speaker_and_firm_names_are_escaped():
    card = render.render_card(citation(speaker='"><b>x', firm="<i>f</i>", asker="<u>a</u>"), "a1")
    assert "<b>" not in card and "<i>" not in card and "<u>" not in card
    assert 'data-speaker="&quot;&gt;&lt;b&gt;x"' in card


def test_hostile_model_output_is_escaped_but_markers_still_link():
    html = render.render_answer_message(answer(HOSTILE + " [1]", [citation()]), "a2")
    assert "<script" not in html and "<img" not in html
    assert '<a class="cite" href="#src-a2-1"' in html
    assert tags(html) <= OUR_TAGS


def test_hostile_question_and_error_message_are_escaped():
    assert "<script" not in render.render_user_message(HOSTILE)
    assert "<script" not in render.render_error(f"unknown speaker '{HOSTILE}'")
    panel = render.render_sources_panel(answer("x", [], question=HOSTILE, abstained=True), "a1")
    assert "<script" not in panel and "&lt;script&gt;" in panel


def test_markers_link_to_their_source_cards():
    a = answer("MTIA 用于推理 [1][2],也会用于训练 [1, 2]。", [citation(1), citation(2)])
    message = render.render_answer_message(a, "a3")
    cards = render.render_sources(a, "a3")
    for n in (1, 2):
        assert message.count(f'href="#src-a3-{n}"') == 2
        assert f'id="src-a3-{n}"' in cards


def test_markers_without_a_citation_stay_plain_text():
    html = render.link_markers("see [7] and [1]", "a1", [1])
    assert "[7]" in html and "#src-a1-7" not in html and "#src-a1-1" in html


def test_used_sentences_are_highlighted_and_the_rest_is_not():
    used = "我们从 2024 年上半年开始采用 MTIA 进行核心排名和推荐推理。"
    html = render.highlight_passage(MTIA, [used])
    assert f"<mark>{used}</mark>" in html
    assert html.count("<mark>") == 1


def test_card_names_speaker_quarter_and_who_asked():
    card = render.render_card(citation(), "a1")
    assert "Susan Li" in card and "CFO" in card and "2024Q4" in card and "Meta" in card
    assert "in reply to Brian Nowak (Morgan Stanley)" in card


def test_remarks_have_no_reply_line_and_unnamed_speakers_say_so():
    card = render.render_card(citation(kind="remarks", asker=None, speaker="Analyst", attributed=False), "a1")
    assert "in reply to" not in card
    assert "not named in the transcript" in card


def test_long_passage_shows_excerpt_around_highlight_and_full_turn_in_details():
    filler = "这是一段与问题无关的长篇发言。" * 60
    used = "我们希望扩展 MTIA 以支持我们的一些核心 AI 训练工作负载。"
    text = filler + used + filler
    card = render.render_card(citation(text=text, highlights=(used,)), "a1")
    visible, details = card.split("<details>", 1)
    assert f"<mark>{used}</mark>" in visible
    assert len(visible) < len(text)
    assert "<summary>Full turn</summary>" in details and details.count("这是一段") > visible.count("这是一段")


def test_short_passage_is_shown_whole_without_details():
    assert "<details>" not in render.render_card(citation(), "a1")


def test_notices_name_mode_filters_abstention_and_fallback():
    a = answer(
        "找不到相关内容。",
        [],
        abstained=True,
        mode="extractive",
        notice="The language model did not answer in time; showing quoted passages instead.",
        filters={"speaker": "Susan Li", "quarter": ["2024Q4"]},
    )
    html = render.render_answer_message(a, "a1")
    assert "Searched: speaker Susan Li · quarter 2024Q4" in html
    assert "No answer found" in html
    assert "did not answer in time" in html
    assert "Extractive mode" in html
    assert "LLM: written by the language model" in render.render_notices(answer("x", [], mode="llm"))
    assert "Extractive: quoted from the transcripts" in render.render_notices(answer("x", []))


def test_no_filters_means_all_transcripts_were_searched():
    assert "Searched: all transcripts" in render.render_notices(answer("x", []))
