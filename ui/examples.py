"""The example questions of the empty chat: checked ones from rag/data/examples.json while their
companies are loaded, otherwise drawn from the loaded calls (a real speaker and a term from their call)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from importlib import resources

from rag.chunks import ANALYST, Chunk
from rag.text.glossary import glossary_phrases

MAX_EXAMPLES = 4
CALLS_SAMPLED = 3  # the latest calls of different companies the drawn examples come from


def curated_examples(companies: Iterable[str]) -> list[str]:
    """The checked questions whose companies are all loaded."""
    loaded = set(companies)
    data = json.loads(resources.files("rag").joinpath("data/examples.json").read_text(encoding="utf-8"))
    questions: list[str] = []
    for entry in data["sets"]:
        if set(entry["companies"]) <= loaded:
            questions += entry["questions"]
    return questions[:5]


def _top_phrase(texts: Iterable[str]) -> str | None:
    """The glossary phrase (an English finance term) said most often in `texts`."""
    counts = Counter(m.group(0) for text in texts for m in glossary_phrases().finditer(text.lower()))
    return counts.most_common(1)[0][0] if counts else None


def drawn_examples(chunks: Iterable[Chunk], quarters: list[str]) -> list[str]:
    """Questions about the latest calls: what an executive said about the term they used most, who asked
    about an analyst's most used term."""
    latest = set(quarters[-2:])
    by_call: dict[tuple[str, str], list[Chunk]] = {}
    for chunk in chunks:
        if chunk.quarter in latest and chunk.attributed and chunk.language == "en":
            by_call.setdefault((chunk.company, chunk.quarter), []).append(chunk)
    examples: list[str] = []
    companies: set[str] = set()
    for (company, quarter), passages in sorted(by_call.items(), key=lambda kv: kv[0][1], reverse=True):
        if company in companies or len(companies) >= CALLS_SAMPLED:
            continue
        companies.add(company)
        executives = Counter(c.speaker for c in passages if c.role != ANALYST)
        if executives:
            speaker = executives.most_common(1)[0][0]
            term = _top_phrase(c.text for c in passages if c.speaker == speaker)
            if term:
                examples.append(f"What did {speaker} say about {term} in {quarter}?")
        asked = _top_phrase(c.text for c in passages if c.kind == "question")
        if asked and len(examples) < MAX_EXAMPLES:
            examples.append(f"Who asked about {asked} on the {company} call?")
    return examples[:MAX_EXAMPLES]
