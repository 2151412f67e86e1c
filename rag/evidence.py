"""Deciding from evidence, not from a similarity cut-off, when the transcripts cannot answer.

Measured on this corpus, unanswerable questions score as high as answerable ones at top-1, so the
product abstains when: the question asks about a person who never speaks, the filters leave no
turn to search, or the question's key terms appear nowhere in the corpus or in no retrieved turn.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.question import SearchRequest
from rag.retrieve import Hit
from rag.terms import Term


@dataclass(frozen=True)
class Abstention:
    reason_en: str
    reason_zh: str


def why_unanswerable(
    request: SearchRequest, hits: list[Hit], terms: list[Term], corpus_text: str, speakers: list[str]
) -> Abstention | None:
    if request.unknown_people:
        names = ", ".join(request.unknown_people)
        return Abstention(
            f"{names} does not speak on any of the calls (speakers: {', '.join(speakers)})",
            f"{names} 没有在任何一场电话会上发言(发言人:{', '.join(speakers)})",
        )
    if not hits:
        who = " and ".join(request.speakers) or "anyone"
        when = ", ".join(request.quarters) or "any call"
        return Abstention(f"no turn by {who} on {when} in the transcripts", f"记录中没有 {who} 在 {when} 的发言")
    absent = [t for t in terms if not t.found_in(corpus_text)]
    if absent:
        words = ", ".join(f"“{t.text}”" for t in absent)
        return Abstention(f"the calls never mention {words}", f"电话会记录中从未提到 {words}")
    retrieved = "\n".join(h.chunk.text for h in hits)
    if terms and not any(t.found_in(retrieved) for t in terms):
        words = ", ".join(f"“{t.text}”" for t in terms)
        who = " or ".join(request.speakers)
        scope = f" by {who}" if who else ""
        return Abstention(
            f"no passage{scope} in the searched calls mentions {words}",
            f"所检索的发言{('(' + who + ')') if who else ''}中没有提到 {words}",
        )
    return None
