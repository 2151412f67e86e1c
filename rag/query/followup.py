"""Follow-up questions: what a question inherits from the one before it in a conversation, without a model.

A question read on its own (`understand`) is set beside the previous question's resolved request. It
follows up when it refers back (a pronoun, an ellipsis: "And …?", "What about …", "Same for …", "他",
"那…呢", "同样") or has no topic of its own; then it inherits what it lacks (speakers, companies, calls,
topic terms) and keeps what it names itself ("What about on the 2023Q2 call?" keeps the speaker and the
topic, changes the call). A question that stands on its own inherits nothing. The resolved request is
what the next question inherits from, and travels as plain JSON (`request_to_dict`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from rag.query.understand import SearchRequest, Vocabulary
from rag.text.terms import Term

# A question opening on a connective or an ellipsis continues the one before ("And capex?",
# "What about Q3?", "Same for 2025?", "那现金呢?", "同样的问题…", "Reels 呢?").
_ELLIPSIS = re.compile(
    r"^\s*(?:and|also|plus|then|so|or)\b|^\s*(?:what|how)\s+about\b|^\s*same\b|\bthe same\b"
    r"|^\s*那|^\s*还有|^\s*同样|^\s*另外|呢\s*[?？]?\s*$",
    re.I,
)
# A pronoun for a person points to the previous speakers; one for a thing to the previous topic.
_PERSON_PRONOUN = re.compile(r"\b(?:he|she|him|they|them)\b|他|她", re.I)
_THING_PRONOUN = re.compile(r"(?<!after )(?<!before )\b(?:it|that|this|those|these)\b|它|这个|那个", re.I)
_ASKING = re.compile(r"\bask(?:s|ed|ing)?\b|问", re.I)


@dataclass(frozen=True)
class Resolution:
    """A question's request after the conversation: what was searched, and what came from before."""

    request: SearchRequest
    follows_up: bool = False
    # what the previous question gave it, for display: {"speaker": [...], "company": [...],
    # "quarter": [...], "topic": [...]}; empty when it stands on its own
    inherited: dict[str, list[str]] = field(default_factory=dict)
    previous_question: str = ""
    own_question: str = ""  # the question as typed
    rewritten: str | None = None  # the model's standalone rewrite, when it was used


def refers_back(question: str) -> bool:
    """The wording points at an earlier question (a pronoun or an ellipsis)."""
    return any(p.search(question) for p in (_ELLIPSIS, _PERSON_PRONOUN, _THING_PRONOUN))


def resolve_follow_up(
    request: SearchRequest, previous: SearchRequest | None, vocabulary: Vocabulary | None = None
) -> Resolution:
    """`request` (the question understood alone) completed from `previous` when it follows up on it.

    Inherited: the speakers, unless it names its own, asks who, or names a company none of them works
    for (`vocabulary` tells who works where); the companies, unless it names a
    company or a speaker of its own; the calls, unless it names a period; the topic, unless it has
    terms of its own (a pronoun for a thing adds the previous topic to its own terms).
    """
    question = request.question
    if previous is None:
        return Resolution(request, own_question=question)
    own_topic = bool(request.terms)
    if not (refers_back(question) or not own_topic):
        return Resolution(request, own_question=question)
    inherited: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    names_period = bool(request.quarters or request.years or request.quarters_named or request.missing_calls)
    if (
        not request.speakers
        and not request.asks_who_asked
        and previous.speakers
        and _same_companies(request, previous, vocabulary)
    ):
        changes |= {
            "speakers": previous.speakers,
            "include_management": previous.include_management,
            "speaker_from_question": previous.speaker_from_question,
        }
        inherited["speaker"] = list(previous.speakers)
    if not request.companies and not request.speakers and previous.companies:
        changes["companies"] = previous.companies
        inherited["company"] = list(previous.companies)
    if not names_period and (previous.quarters or previous.missing_calls):
        changes |= {
            "quarters": previous.quarters,
            "compares_quarters": previous.compares_quarters,
            "quarter_from_question": previous.quarter_from_question,
            "quarters_from_period": previous.quarters_from_period,
            "missing_calls": previous.missing_calls,
            "years": previous.years,
            "quarters_named": previous.quarters_named,
        }
        inherited["quarter"] = list(previous.quarters or previous.missing_calls)
    points_at_topic = bool(_THING_PRONOUN.search(question))
    if (
        previous.terms
        and (not own_topic or points_at_topic)
        and not _asks_what_was_asked(request, vocabulary)
    ):
        own = {t.text for t in request.terms}
        # the inherited topic is a lead for search, not proof: a follow-up is not refused because its
        # answer words the earlier topic differently
        carried = tuple(replace(t, bridged=True) for t in previous.terms if t.text not in own)
        terms = request.terms + carried
        changes |= {
            "terms": terms,
            "topic_text": f"{request.topic_text} {previous.topic_text}",
            "wants_number": request.wants_number or previous.wants_number,
        }
        inherited["topic"] = [t.text for t in previous.terms if t.text not in own]
    elif previous.topic_text.strip():
        # a topic of its own replaces the previous one ("And capex?"), or there are no key terms to
        # carry: the previous topic's words still steer lexical search, and prove nothing
        changes["topic_text"] = f"{request.topic_text} {previous.topic_text}"
    resolution = Resolution(
        replace(request, **changes),
        follows_up=True,
        inherited=inherited,
        previous_question=previous.question,
        own_question=question,
    )
    if inherited:
        asked = replace(resolution.request, question=search_text(resolution))
        resolution = replace(resolution, request=asked)
    return resolution


def _asks_what_was_asked(request: SearchRequest, vocabulary: Vocabulary | None) -> bool:
    """ "And what did Kaumil Gajrawala ask after that?": the topic is what it asks for, not one it has."""
    if vocabulary is None or not request.speakers or not _ASKING.search(request.question):
        return False
    people = [vocabulary.directory.get(name) for name in request.speakers]
    return all(p is not None and p.is_analyst for p in people)


def _same_companies(request: SearchRequest, previous: SearchRequest, vocabulary: Vocabulary | None) -> bool:
    """The question names no company, or one the previous speakers belong to."""
    if not request.companies or set(request.companies) <= set(previous.companies):
        return True
    if vocabulary is None:
        return False
    theirs = {p.company for p in vocabulary.directory.people if p.name in previous.speakers}
    return set(request.companies) <= theirs


def search_text(resolution: Resolution) -> str:
    """What dense search embeds for a follow-up: its words and what they stand for ("And capex?
    (Susan Li; capex)"), as the question alone embeds a meaning it only has in the conversation."""
    parts = [v for key in ("speaker", "company", "topic") for v in resolution.inherited.get(key, [])]
    question = resolution.request.question
    return f"{question} ({'; '.join(parts)})" if parts else question


def describe_inherited(inherited: dict[str, list[str]]) -> str:
    """ "speaker Mark Zuckerberg · topic capex" ("" when nothing was inherited)."""
    names = (("speaker", "speaker"), ("company", "company"), ("quarter", "quarter"), ("topic", "topic"))
    return " · ".join(f"{label} {', '.join(inherited[key])}" for key, label in names if inherited.get(key))


def request_to_dict(request: SearchRequest) -> dict[str, Any]:
    """The resolved request as JSON values, for the next question to inherit from (`rag ask --after`)."""
    raw = asdict(request)
    raw["years"] = sorted(request.years)
    return raw


def request_from_dict(raw: dict[str, Any]) -> SearchRequest:
    """A request written by `request_to_dict` (unknown keys ignored, so an older file still reads)."""
    known = {f.name for f in fields(SearchRequest)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            continue
        if key == "terms":
            value = tuple(
                Term(
                    str(t["text"]),
                    tuple(t.get("variants", (t["text"],))),
                    bool(t.get("specific", False)),
                    bool(t.get("bridged", False)),
                )
                for t in value
            )
        elif key == "years":
            value = frozenset(int(y) for y in value)
        elif isinstance(value, list):
            value = tuple(value)
        values[key] = value
    if not isinstance(values.get("question"), str):
        raise ValueError("a previous answer's resolved request has no question")
    return SearchRequest(**values)
