"""Turn an `Answer` into the HTML the page shows: the chat reply, the source cards and the notices.

Everything that comes from a transcript, a model or a user is escaped here, so the page shows it as
text: the chat and the sources panel receive finished HTML in which the only tags are our own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from rag.answer.types import Answer, Citation
from rag.text.sentences import sentence_ends, snap_back, snap_forward

# "[3]", "[1][2]" and "[1, 2]" all cite; each number becomes its own link.
_MARKER = re.compile(r"\[(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\]")
_EXCERPT_MAX = 320  # characters (mostly CJK); a longer passage shows an excerpt, the whole turn in <details>
_FILTER_NAMES = (("speaker", "speaker"), ("quarter", "quarter"), ("company", "company"))


def anchor_id(key: str, n: int) -> str:
    """The HTML id of source card `n` of the answer identified by `key` (e.g. "a2")."""
    return f"src-{key}-{n}"


def _paragraphs(escaped: str) -> str:
    blocks = [b.strip() for b in re.split(r"\n\s*\n", escaped) if b.strip()]
    return "".join(f"<p>{b.replace(chr(10), '<br>')}</p>" for b in blocks)


def link_markers(text: str, key: str, cited: Iterable[int]) -> str:
    """Escape `text` and turn [n] markers that name a citation into links to its source card."""
    known = set(cited)
    out: list[str] = []
    last = 0
    for match in _MARKER.finditer(text):
        numbers = [int(n) for n in re.split(r"\s*[,，、]\s*", match.group(1))]
        if not all(n in known for n in numbers):
            continue
        out.append(escape(text[last : match.start()]))
        out.append(
            "".join(
                f'<a class="cite" href="#{anchor_id(key, n)}" title="source {n}">[{n}]</a>' for n in numbers
            )
        )
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def render_user_message(question: str) -> str:
    """The user's question as it appears in the chat, shown as typed."""
    return _paragraphs(escape(question))


def describe_filters(filters: Mapping[str, Any]) -> str:
    """ "speaker Susan Li · quarter 2024Q4" for the filters a search actually used ("" when none)."""
    parts = []
    for key, label in _FILTER_NAMES:
        value = filters.get(key)
        if value is None or value == [] or value == "":
            continue
        shown = ", ".join(str(v) for v in value) if isinstance(value, list | tuple | set) else str(value)
        parts.append(f"{label} {shown}")
    return " · ".join(parts)


def _mode_label(answer: Answer) -> str:
    if answer.abstained:
        return "LLM mode" if answer.mode == "llm" else "Extractive mode"
    if answer.mode == "llm":
        return "LLM: written by the language model from the sources"
    return "Extractive: quoted from the transcripts"


def describe_searched(answer: Answer) -> str:
    """The filters searched, then what a follow-up took from the previous question, and the model's
    rewrite ("speaker Mark Zuckerberg · topic capex, from your previous question")."""
    searched = describe_filters(answer.filters) or "all transcripts"
    if answer.inherited:
        names = (("speaker", "speaker"), ("company", "company"), ("quarter", "quarter"), ("topic", "topic"))
        taken = " · ".join(
            f"{label} {', '.join(answer.inherited[key])}" for key, label in names if answer.inherited.get(key)
        )
        searched += f"; inherited {taken}, from your previous question"
    if answer.rewritten:
        searched += f"; asked as “{answer.rewritten}”"
    return searched


def render_notices(answer: Answer) -> str:
    """Badges under a reply: which mode answered, what was searched, abstention and fallback notices."""
    searched = describe_searched(answer)
    items = [
        f'<span class="badge mode-{escape(answer.mode)}">{escape(_mode_label(answer))}</span>',
        f'<span class="searched">Searched: {escape(searched)}</span>',
    ]
    notes = []
    if answer.abstained:
        notes.append(
            '<div class="notice abstained" role="status">No answer found: the transcripts do not say this'
            " (or not clearly enough to quote). Try other words or fewer filters.</div>"
        )
    if answer.notice:
        notes.append(f'<div class="notice fallback" role="status">{escape(answer.notice)}</div>')
    return f'<div class="meta">{" ".join(items)}</div>{"".join(notes)}'


def render_answer_message(answer: Answer, key: str) -> str:
    """The assistant's chat message: the answer with linked [n] markers, then its notices."""
    cited = [c.n for c in answer.citations]
    body = _paragraphs(link_markers(answer.text, key, cited))
    # The chat's sanitizer drops data-* attributes, so the state is a class: "final" once answered.
    return f'<div class="answer final">{body}{render_notices(answer)}</div>'


def render_partial_answer(text: str, key: str, cited: Iterable[int] = ()) -> str:
    """A reply still streaming in: the text so far, escaped, with the markers already seen."""
    body = _paragraphs(link_markers(text, key, cited)) or "<p>…</p>"
    return f'<div class="answer streaming">{body}</div>'


def render_pending(mode: str = "extractive") -> str:
    doing = (
        "Searching the transcripts and asking the language model…"
        if mode == "llm"
        else "Searching the transcripts…"
    )
    return f'<div class="answer pending"><p>{doing}</p></div>'


def render_waiting(ahead: int, answering: int) -> str:
    """A question waiting its turn: how many are ahead of it, and how many are being answered."""
    place = (
        "Your question is next" if ahead == 0 else f"{ahead} question{'s' if ahead != 1 else ''} ahead of you"
    )
    return f'<div class="answer pending waiting"><p>{place} ({answering} being answered)…</p></div>'


def render_error(message: str) -> str:
    """A problem the user can fix (bad question, unknown filter), shown in the page."""
    return f'<div class="notice error" role="alert">{escape(message)}</div>'


def _highlight_spans(text: str, highlights: Iterable[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for sentence in highlights:
        sentence = sentence.strip()
        if not sentence:
            continue
        start = text.find(sentence)
        while start != -1:
            spans.append((start, start + len(sentence)))
            start = text.find(sentence, start + len(sentence))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight_passage(text: str, highlights: Iterable[str], start: int = 0, end: int | None = None) -> str:
    """Escaped `text[start:end]` with the highlighted sentences wrapped in <mark>."""
    end = len(text) if end is None else end
    out: list[str] = []
    pos = start
    for span_start, span_end in _highlight_spans(text, highlights):
        span_start, span_end = max(span_start, start), min(span_end, end)
        if span_start >= span_end:
            continue
        out.append(escape(text[pos:span_start]))
        out.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        pos = span_end
    out.append(escape(text[pos:end]))
    return "".join(out).replace("\n", "<br>")


def excerpt_bounds(text: str, highlights: Iterable[str]) -> tuple[int, int]:
    """The part of a long passage to show on its card: around the highlighted sentences."""
    if len(text) <= _EXCERPT_MAX:
        return 0, len(text)
    spans = _highlight_spans(text, highlights)
    ends = sentence_ends(text)
    if not spans:
        return 0, min(len(text), snap_forward(ends, _EXCERPT_MAX - 100, _EXCERPT_MAX))
    first_start, first_end = spans[0]
    last_end = max(e for s, e in spans if s - first_start < _EXCERPT_MAX)
    start = snap_back(ends, first_start, max(0, first_start - 80))
    end = min(len(text), snap_forward(ends, max(last_end, first_end), max(last_end, start + _EXCERPT_MAX)))
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _who(c: Citation) -> str:
    if not c.attributed:
        unnamed = '<span class="unnamed">(not named in the transcript)</span>'
        return f'<span class="speaker">{escape(c.speaker)}</span> {unnamed}'
    details = ", ".join(d for d in (c.role, c.firm) if d)
    role = f' <span class="role">{escape(details)}</span>' if details else ""
    return f'<span class="speaker">{escape(c.speaker)}</span>{role}'


def render_card(c: Citation, key: str) -> str:
    """One source card: who spoke, where, the passage with the used sentences highlighted."""
    kind = {"question": "question", "answer": "answer", "remarks": "prepared remarks"}.get(c.kind, c.kind)
    page = f" · p. {c.page}" if c.page is not None else ""
    where = f"{c.company} · {c.quarter} · turn {c.turn} · {kind}{page}"
    reply = ""
    if c.kind == "answer" and c.asker:
        firm = f" ({escape(c.asker_firm)})" if c.asker_firm else ""
        reply = f'<div class="reply-to">in reply to {escape(c.asker)}{firm}</div>'
    start, end = excerpt_bounds(c.text, c.highlights)
    passage = highlight_passage(c.text, c.highlights, start, end)
    if (start, end) != (0, len(c.text)):
        prefix = "… " if start > 0 else ""
        suffix = " …" if end < len(c.text) else ""
        full = highlight_passage(c.text, c.highlights)
        body = (
            f'<div class="passage">{prefix}{passage}{suffix}</div>'
            f'<details><summary>Full turn</summary><div class="passage full">{full}</div></details>'
        )
    else:
        body = f'<div class="passage">{passage}</div>'
    return (
        f'<article class="source-card" id="{anchor_id(key, c.n)}" data-n="{c.n}"'
        f' data-speaker="{escape(c.speaker)}" data-quarter="{escape(c.quarter)}"'
        f' data-company="{escape(c.company)}">'
        f'<header><span class="num">[{c.n}]</span> {_who(c)}</header>'
        f'<div class="where">{escape(where)}</div>{reply}{body}'
        f'<div class="source-file" title="relevance {c.score:.2f}">{escape(c.source)}</div>'
        "</article>"
    )


def render_sources(answer: Answer, key: str) -> str:
    """The sources panel for one answer: a card per citation, in [n] order."""
    if not answer.citations:
        note = "No passage was close enough to cite." if answer.abstained else "No sources."
        return f'<div class="sources empty">{escape(note)}</div>'
    cards = "".join(render_card(c, key) for c in sorted(answer.citations, key=lambda c: c.n))
    return f'<div class="sources" data-answer="{escape(key)}">{cards}</div>'


def render_sources_panel(answer: Answer, key: str) -> str:
    """The sources panel: the question and what was searched, then one card per citation."""
    searched = describe_searched(answer)
    header = (
        '<div class="sources-head">'
        f'<div class="asked">{escape(answer.question)}</div>'
        f'<div class="searched">Searched: {escape(searched)}</div></div>'
    )
    return header + render_sources(answer, key)


def render_sources_placeholder() -> str:
    return '<div class="sources empty">Sources for the latest answer appear here.</div>'


def render_sources_pending() -> str:
    return '<div class="sources empty">Finding the passages…</div>'


def stack_sources(latest: str, earlier: Iterable[tuple[str, str]]) -> str:
    """The latest answer's panel, then each earlier (question, panel) folded away, newest first.

    Earlier panels stay in the page so the [n] markers of earlier answers still lead to their cards.
    """
    folded = "".join(
        f'<details class="earlier"><summary>Sources for: {escape(question)}</summary>{panel}</details>'
        for question, panel in earlier
    )
    return latest + folded


def render_add_result(ok: bool, message: str) -> str:
    """The one-line outcome of adding a transcript (escaped: it can quote the uploaded file's name)."""
    if not message:
        return ""
    if ok:
        return f'<div class="notice added" role="status">{escape(message)}</div>'
    return render_error(message)
