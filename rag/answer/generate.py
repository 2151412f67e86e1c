"""Generated answers from any OpenAI-compatible endpoint, checked against the passages they cite.

Whatever goes wrong — no endpoint configured, endpoint down, timeout, rate limit, malformed or empty
output, an answer the verifier rejects — the extractive `fallback` is returned with a one-line
`notice` saying why. Nothing here raises for such failures, and the API key is never printed,
logged or put in a notice.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import openai
from openai import OpenAI

from rag.answer.prompting import abstain_sentence, build_messages, is_abstention
from rag.answer.types import Answer, Citation, SentenceCheck
from rag.answer.verify import verify_answer
from rag.chunks import Chunk
from rag.settings import Settings
from rag.text.sentences import complete_sentences, split_sentences, strip_markers

log = logging.getLogger(__name__)

LOCAL_PLACEHOLDER_KEY = "not-needed"  # local servers (llama.cpp, vLLM, Ollama) accept any key
_THINK_RE = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)


class GenerationFailed(Exception):
    """Internal: generation could not produce a usable answer; the message becomes the notice."""


def generate_answer(
    question: str,
    passages: list[tuple[Chunk, float]],
    fallback: Answer,
    settings: Settings,
    *,
    client: OpenAI | None = None,
) -> Answer:
    """One request to the endpoint; the verified answer (mode "llm") or `fallback` with a notice."""
    try:
        _require_passages(passages)
        client, model = _client_and_model(settings, client)
        completion = client.chat.completions.create(
            model=model,
            messages=build_messages(question, [chunk for chunk, _ in passages], settings.generation),  # type: ignore[arg-type]
            temperature=0,
            max_tokens=settings.generation.max_answer_tokens,
        )
        text = _message_content(completion)
        cut_off = _finish_reason(completion) == "length"
    except Exception as error:  # noqa: BLE001 - the contract is "never raise"; the notice says what it was
        return _fall_back(fallback, _describe(error, settings))
    return finish_answer(
        question, text, passages, fallback, settings.generation.min_verified_share, cut_off=cut_off
    )


def stream_answer(
    question: str,
    passages: list[tuple[Chunk, float]],
    fallback: Answer,
    settings: Settings,
    *,
    client: OpenAI | None = None,
) -> Iterator[str | Answer]:
    """Yield text deltas as the model writes them, then the final verified `Answer`.

    The final Answer's text replaces whatever was streamed: markers are cleaned, and on failure
    (even midway) it is the extractive fallback with a notice.
    """
    try:
        _require_passages(passages)
        client, model = _client_and_model(settings, client)
        deadline = time.monotonic() + settings.llm_timeout
        stream = client.chat.completions.create(
            model=model,
            messages=build_messages(question, [chunk for chunk, _ in passages], settings.generation),  # type: ignore[arg-type]
            temperature=0,
            max_tokens=settings.generation.max_answer_tokens,
            stream=True,
        )
    except Exception as error:  # noqa: BLE001
        yield _fall_back(fallback, _describe(error, settings))
        return
    parts: list[str] = []
    visible = _VisibleText()
    cut_off = False
    try:
        for chunk in stream:
            cut_off = cut_off or _finish_reason(chunk) == "length"
            delta = _delta_content(chunk)
            if delta:
                parts.append(delta)
                shown = visible.feed(delta)
                if shown:
                    yield shown
            if time.monotonic() > deadline:
                raise GenerationFailed(
                    f"the LLM endpoint did not finish its answer within {settings.llm_timeout:g} s"
                )
    except Exception as error:  # noqa: BLE001
        _close(stream)
        yield _fall_back(fallback, _describe(error, settings, midway=bool(parts)))
        return
    yield finish_answer(
        question, "".join(parts), passages, fallback, settings.generation.min_verified_share, cut_off=cut_off
    )


def finish_answer(
    question: str,
    text: str,
    passages: Sequence[tuple[Chunk, float]],
    fallback: Answer,
    min_verified_share: float = 0.5,
    *,
    cut_off: bool = False,
) -> Answer:
    """Verify the model's text against the passages; the LLM answer, or the fallback with the reason.

    `cut_off`: the model stopped at the token limit, so its last sentence may be unfinished; it is
    dropped (a half sentence can say the opposite of the whole one) and the notice says so."""
    text = _THINK_RE.sub("", text).strip()
    unfinished = ""
    if cut_off:
        complete = complete_sentences(text)
        unfinished, text = text[len(complete) :].strip(), complete
    if not text:
        reason = "the model stopped at the token limit before finishing a sentence" if cut_off else None
        return _fall_back(fallback, reason or "the model returned an empty answer")
    citations = [Citation.from_chunk(n, chunk, score) for n, (chunk, score) in enumerate(passages, start=1)]
    cleaned, checks, problems = verify_answer(text, citations)
    if is_abstention(text) and not any(_cited_claim(check) for check in checks):
        return Answer(
            question=question,
            text=abstain_sentence(question),
            citations=citations,
            abstained=True,
            mode="llm",
            filters=fallback.filters,
            grounding=checks,
        )
    passed = [check for check in checks if check.passed]
    if not passed or len(passed) < min_verified_share * len(checks):
        reason = f"{len(checks) - len(passed)} of {len(checks)} sentences could not be verified"
        first = next((p for p in problems if "marker" in p or "number" in p), problems[0] if problems else "")
        return _fall_back(fallback, f"the generated answer failed verification ({reason}: {first})")
    kept, dropped = _drop_invented_figures(cleaned, checks)
    notices = []
    if unfinished:
        notices.append("the model stopped at the token limit; its unfinished last sentence was dropped")
    if dropped:
        notices.append(
            f"removed {dropped} generated sentence(s) stating figures not found in the cited passages"
        )
    elif len(passed) < len(checks):
        notices.append(f"{len(checks) - len(passed)} generated sentence(s) carry no citation")
    notice = "; ".join(notices) or None
    return Answer(
        question=question,
        text=kept,
        citations=_with_highlights(citations, checks),
        abstained=False,
        mode="llm",
        notice=notice,
        filters=fallback.filters,
        grounding=checks,
    )


def _cited_claim(check: SentenceCheck) -> bool:
    return check.passed and bool(check.citations) and not is_abstention(strip_markers(check.sentence))


def _require_passages(passages: Sequence[tuple[Chunk, float]]) -> None:
    if not passages:
        raise GenerationFailed("no passages were retrieved to answer from")


def _client_and_model(settings: Settings, client: OpenAI | None) -> tuple[OpenAI, str]:
    if not settings.llm_model:
        raise GenerationFailed("no LLM model configured (set RAG_LLM_MODEL)")
    if client is not None:
        return client, settings.llm_model
    if not settings.llm_base_url and not settings.llm_api_key:
        raise GenerationFailed(
            "no LLM endpoint configured (set RAG_LLM_BASE_URL or OPENAI_BASE_URL, and a key if it needs one)"
        )
    api_key = settings.llm_api_key or LOCAL_PLACEHOLDER_KEY
    return (
        OpenAI(base_url=settings.llm_base_url, api_key=api_key, timeout=settings.llm_timeout, max_retries=0),
        settings.llm_model,
    )


def _message_content(completion: Any) -> str:
    choices = getattr(completion, "choices", None)
    if not choices:
        raise GenerationFailed("the endpoint returned no choices (malformed response)")
    content = getattr(getattr(choices[0], "message", None), "content", None)
    if not isinstance(content, str):
        raise GenerationFailed("the endpoint returned a response without message text (malformed response)")
    return content


def _finish_reason(response: Any) -> str | None:
    """Why the model stopped ("stop", "length" …), from a completion or a streamed chunk."""
    choices = getattr(response, "choices", None) or []
    return getattr(choices[0], "finish_reason", None) if choices else None


def _delta_content(chunk: Any) -> str:
    choices = getattr(chunk, "choices", None)
    if choices is None:
        raise GenerationFailed("the endpoint streamed a chunk without choices (malformed response)")
    if not choices:
        return ""  # e.g. a final usage-only chunk
    content = getattr(getattr(choices[0], "delta", None), "content", None)
    return content if isinstance(content, str) else ""


def _describe(error: Exception, settings: Settings, *, midway: bool = False) -> str:
    """One line for the notice, naming the failure but never the key."""
    where = settings.llm_base_url or "the default OpenAI endpoint"
    if isinstance(error, GenerationFailed):
        reason = str(error)
    elif isinstance(error, openai.APITimeoutError):
        reason = f"the LLM endpoint {where} did not answer within {settings.llm_timeout:g} s"
    elif midway and isinstance(error, (openai.APIConnectionError, OSError)):
        reason = f"the LLM endpoint {where} dropped the connection in the middle of the answer"
    elif isinstance(error, openai.APIConnectionError):
        reason = f"cannot reach the LLM endpoint {where}"
    elif isinstance(error, openai.RateLimitError):
        reason = f"the LLM endpoint {where} is rate-limiting requests (429)"
    elif isinstance(error, openai.AuthenticationError):
        reason = f"the LLM endpoint {where} rejected the API key (401)"
    elif isinstance(error, openai.APIStatusError):
        reason = f"the LLM endpoint {where} returned HTTP {error.status_code}: {_first_line(error.message)}"
    elif isinstance(error, (ValueError, openai.APIResponseValidationError)):
        reason = f"the LLM endpoint {where} returned a malformed response ({type(error).__name__})"
    else:
        reason = f"LLM request failed ({type(error).__name__}: {_first_line(str(error))})"
    return _redact(reason, settings)


def _fall_back(fallback: Answer, reason: str) -> Answer:
    notice = f"LLM answer unavailable: {reason}; showing the extractive answer."
    log.info("%s", notice)  # info: without logging configured, a warning would print beside the notice
    return replace(fallback, notice=notice)


def _redact(text: str, settings: Settings) -> str:
    key = settings.llm_api_key
    if key and key != LOCAL_PLACEHOLDER_KEY:
        text = text.replace(key, "***")
    return re.sub(r"\b(sk-[A-Za-z0-9_*-]{4})[A-Za-z0-9_*-]+", r"\1***", text)


def _first_line(text: str, limit: int = 160) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _drop_invented_figures(cleaned: str, checks: list[SentenceCheck]) -> tuple[str, int]:
    """Remove sentences whose figures no passage states: a wrong number is worse than a shorter answer."""
    text, dropped = cleaned, 0
    for check in checks:
        if any(problem.startswith("unsupported number") for problem in check.problems):
            text = text.replace(check.sentence, "", 1)
            dropped += 1
    return re.sub(r"[ \t]{2,}", " ", text).strip(), dropped


def _with_highlights(citations: list[Citation], checks: list[SentenceCheck]) -> list[Citation]:
    """Mark, in each cited passage, the sentences that share a phrase with the answer sentences citing it."""
    by_number = {c.n: c for c in citations}
    used: dict[int, list[str]] = {}
    for check in checks:
        if not check.passed:
            continue
        body = strip_markers(check.sentence)
        for n in check.citations:
            if n in by_number:
                used.setdefault(n, []).append(body)
    result = []
    for citation in citations:
        sentences = [s for s in split_sentences(citation.text) if s.strip()]
        hits = tuple(
            s.strip() for s in sentences if any(_overlaps(s, body) for body in used.get(citation.n, []))
        )
        result.append(replace(citation, highlights=hits) if hits else citation)
    return result


def _overlaps(passage_sentence: str, answer_sentence: str, run: int = 6) -> bool:
    """True when the two share `run` consecutive characters (ignoring spaces): a quoted phrase or figure."""
    a = re.sub(r"\s+", "", passage_sentence)
    b = re.sub(r"\s+", "", answer_sentence)
    return any(b[i : i + run] in a for i in range(0, max(len(b) - run + 1, 0)))


def _close(stream: Any) -> None:
    close = getattr(stream, "close", None)
    if callable(close):
        try:
            close()
        except Exception:  # noqa: BLE001 - closing a broken connection may fail again; nothing to add
            log.debug("closing the LLM stream failed", exc_info=True)


class _VisibleText:
    """Hides a leading <think>…</think> block (reasoning models) from the streamed deltas."""

    def __init__(self) -> None:
        self.buffer = ""
        self.thinking: bool | None = None  # None until we know whether the answer starts with <think>

    def feed(self, delta: str) -> str:
        if self.thinking is False:
            return delta
        self.buffer += delta
        head = self.buffer.lstrip()
        if self.thinking is None:
            if head.startswith("<think>"):
                self.thinking = True
            elif len(head) >= len("<think>") or not "<think>".startswith(head):
                self.thinking = False
                out, self.buffer = self.buffer, ""
                return out
            else:
                return ""
        end = self.buffer.find("</think>")
        if end < 0:
            return ""
        self.thinking = False
        out, self.buffer = self.buffer[end + len("</think>") :].lstrip(), ""
        return out
