"""A follow-up rewritten into a standalone question by the configured model, and the check that keeps it.

The model only rewords: the rule-based resolution (rag.query.followup) decides what the follow-up
inherits, and the rewrite is used only when its own reading (`understand`) keeps every entity that
resolution found (speakers, companies, calls, key terms). Whatever goes wrong — no model, an error, an
empty or overlong reply — gives None, and the rule-based resolution is used.
"""

from __future__ import annotations

import logging

from rag.query.understand import SearchRequest, Vocabulary
from rag.settings import Settings

log = logging.getLogger(__name__)

REWRITE_INSTRUCTIONS = (
    "You rewrite a follow-up question from a conversation about company earnings calls into one "
    "standalone question. Keep every person, company, quarter or year and topic the follow-up refers "
    "to, written out in full; add nothing else. Answer with the rewritten question only, in the "
    "language of the follow-up."
)


def rewrite_messages(previous_question: str, question: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": REWRITE_INSTRUCTIONS},
        {"role": "user", "content": f"Previous question: {previous_question}\nFollow-up: {question}"},
    ]


def rewrite_follow_up(previous_question: str, question: str, settings: Settings) -> str | None:
    """The model's standalone version of `question`, or None when it cannot give one."""
    from rag.answer.generate import _client_and_model, _message_content

    try:
        client, model = _client_and_model(settings, None)
        completion = client.chat.completions.create(
            model=model,
            messages=rewrite_messages(previous_question, question),  # type: ignore[arg-type]
            temperature=0,
            max_tokens=settings.conversation.max_rewrite_tokens,
        )
        text = _message_content(completion).strip().strip('"“”').strip()
    except Exception as error:  # noqa: BLE001 - a failed rewrite falls back to the rule-based resolution
        log.info("rewriting the follow-up failed (%s); using the rule-based resolution", type(error).__name__)
        return None
    first_line = text.splitlines()[0].strip() if text else ""
    return first_line or None


def keeps_entities(resolved: SearchRequest, rewrite: SearchRequest, vocabulary: Vocabulary) -> bool:
    """Every speaker, company, call and key term of the rule-based resolution is in the rewrite's own
    reading (a company also counts when a speaker of the rewrite works for it; a term when the
    rewrite's words mention it)."""
    if not set(resolved.speakers) <= set(rewrite.speakers):
        return False
    their_companies = {p.company for p in vocabulary.directory.people if p.name in rewrite.speakers}
    if not set(resolved.companies) <= set(rewrite.companies) | their_companies:
        return False
    if not set(resolved.quarters) <= set(rewrite.quarters):
        return False
    found = {t.text for t in rewrite.terms}
    return all(t.text in found or t.found_in(rewrite.question) for t in resolved.terms)
