"""One chat turn: ask the library with the chosen filters and stream the reply into the page."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from rag.answer.types import Answer
from rag.api import QueryEngine
from rag.errors import RagError
from ui import render

log = logging.getLogger(__name__)

Message = dict[str, Any]


@dataclass(frozen=True)
class Filters:
    """What the user picked in the filter dropdowns; None means "any"."""

    company: str | None = None
    quarter: str | None = None
    speaker: str | None = None

    @classmethod
    def from_choices(cls, company: str | None, quarter: str | None, speaker: str | None) -> Filters:
        return cls(company=company or None, quarter=quarter or None, speaker=speaker or None)


@dataclass(frozen=True)
class ChatView:
    """What the page shows after (part of) a turn: the conversation, and the sources of the answer
    once it is complete (None while it is pending or when the turn ended in an error)."""

    history: list[Message]
    sources: str | None = None
    pending: bool = False  # the answer is still being searched for or streamed
    answer: Answer | None = None  # the complete answer, for the conversation's context


def answer_key(history: list[Message]) -> str:
    """A key unique within the conversation ("a3" for the third reply), used in source-card anchors."""
    replies = sum(1 for m in history if m.get("role") == "assistant")
    return f"a{replies + 1}"


def _stream_answer(
    question: str, filters: Filters, mode: str, engine: QueryEngine, context: Sequence[Message] = ()
) -> Iterator[str | Answer]:
    """Text deltas then the final Answer in LLM mode; just the Answer in extractive mode. `context`:
    the session's previous answers (as dicts), for a follow-up to inherit from."""
    kwargs: dict[str, Any] = {
        "speaker": filters.speaker,
        "quarter": filters.quarter,
        "company": filters.company,
        "history": list(context[-1:]),
    }
    if mode == "llm":
        yield from engine.ask_stream(question, mode="llm", **kwargs)
    else:
        yield engine.ask(question, **kwargs)


def waiting_view(question: str, history: list[Message], ahead: int, answering: int) -> ChatView:
    """The question shown at once while it waits its turn, with its place in the line."""
    asked = {"role": "user", "content": render.render_user_message(question)}
    waiting = {"role": "assistant", "content": render.render_waiting(ahead, answering)}
    return ChatView([*history, asked, waiting], pending=True)


def refused_view(question: str, history: list[Message], message: str) -> ChatView:
    """The question with the reason it is not answered (a limit, a missing permission)."""
    asked = {"role": "user", "content": render.render_user_message(question)}
    return ChatView([*history, asked, {"role": "assistant", "content": render.render_error(message)}])


def run_turn(
    question: str,
    history: list[Message],
    filters: Filters,
    mode: str,
    engine: QueryEngine,
    context: Sequence[Message] = (),
) -> Iterator[ChatView]:
    """Show the question at once, then the reply as it arrives, then its sources.

    A `RagError` (empty or over-long question, unknown filter value) becomes a visible message
    in the chat; any other failure is logged with its traceback and shown as a short notice.
    """
    key = answer_key(history)
    history = [*history, {"role": "user", "content": render.render_user_message(question)}]
    pending = render.render_pending(mode)
    yield ChatView([*history, {"role": "assistant", "content": pending}], pending=True)
    text = ""
    try:
        for part in _stream_answer(question, filters, mode, engine, context):
            if isinstance(part, Answer):
                reply = {"role": "assistant", "content": render.render_answer_message(part, key)}
                yield ChatView([*history, reply], render.render_sources_panel(part, key), answer=part)
                return
            text += part
            partial = {"role": "assistant", "content": render.render_partial_answer(text, key)}
            yield ChatView([*history, partial], pending=True)
    except RagError as err:
        reply = {"role": "assistant", "content": render.render_error(str(err))}
        yield ChatView([*history, reply])
    except Exception:
        log.exception("answering %r failed", question)
        message = "Something went wrong while answering; the server log has the details."
        reply = {"role": "assistant", "content": render.render_error(message)}
        yield ChatView([*history, reply])


def next_context(context: Sequence[Message], view: ChatView) -> list[Message]:
    """The session's context after a turn: the answer it ended with (a follow-up inherits from it)."""
    if view.answer is None:
        return list(context)
    return [view.answer.to_dict()]
