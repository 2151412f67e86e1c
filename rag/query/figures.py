"""Whether retrieved passages state a figure for what a question asks: read by the deeper-search rule
of retrieval and by the abstention rules of the answer stage."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rag.chunks import Chunk
from rag.text.numbers import claims
from rag.text.quarters import years_named
from rag.text.sentences import split_sentences
from rag.text.terms import Term


def figure_for_years(
    chunks: Iterable[Chunk], terms: Sequence[Term], years: set[int] | frozenset[int]
) -> bool:
    """Whether a passage sentence states an amount or a share for one of the question's terms in one
    of the years it asks about: the sentence (or the one before) names the year, or names none and
    was said in that year or the year before (when guidance for it is given)."""
    for chunk in chunks:
        call_year = int(chunk.quarter[:4])
        sentences = split_sentences(chunk.text)
        for i, sentence in enumerate(sentences):
            context = "".join(sentences[max(0, i - 1) : i + 1])
            if not any(t.found_in(context) for t in terms):
                continue
            if not any(q.kind in ("currency", "percent") for q in claims(sentence)):
                continue
            named = years_named(context)
            if (named & years) if named else (call_year in years or call_year + 1 in years):
                return True
    return False
