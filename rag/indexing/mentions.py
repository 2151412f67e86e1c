"""Whether the corpus mentions a term, answered from the lexical index, not by scanning every passage.

A term's variant is mentioned when it occurs (any case) in some passage's text. The lexical index
narrows that to the passages that have every one of the variant's tokens (its Latin words, or the
vocabulary tokens a word is part of; the character bigrams of its Chinese runs, which every passage
indexes); only those few passages are read. A variant that is itself a token of the vocabulary is
mentioned without reading any.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from rag.indexing.lexical import LexicalIndex
from rag.text.glossary import common_english
from rag.text.language import CJK_RUN
from rag.text.terms import Term

_LATIN_WORD = re.compile(r"[a-z][a-z0-9+\-]*[a-z0-9+]|[a-z]")  # rag.text.tokens' Latin words, lower case


class CorpusMentions:
    """Term presence in the corpus from the lexical index's vocabulary and posting lists."""

    def __init__(self, lexical: LexicalIndex, text_of: Callable[[int], str], rows: int) -> None:
        self._lexical = lexical
        self._text_of = text_of  # a passage's text by row, read only for the candidate rows
        self._rows = rows

    def term(self, term: Term) -> bool:
        """Whether any passage mentions one of the term's variants, or one of its whole-word forms (a
        token of the vocabulary)."""
        return any(self.variant(v) for v in term.variants) or any(
            self._lexical.knows(w.lower()) for w in term.words
        )

    def variant(self, text: str) -> bool:
        wanted = text.lower()
        if not wanted.strip():
            return False
        if self._lexical.knows(wanted):
            return True  # a token is a lower-cased piece of some passage's text
        candidates = self._candidates(wanted)
        if candidates is None:  # nothing in it the index can look up (punctuation, single characters)
            candidates = np.arange(self._rows)
        return any(wanted in self._text_of(int(row)).lower() for row in candidates)

    def _candidates(self, wanted: str) -> np.ndarray | None:
        """The rows that may contain `wanted`: those with every one of its lookups; None when it has none."""
        lookups: list[np.ndarray] = []
        for run in CJK_RUN.findall(wanted):
            lookups += [self._lexical.rows_with(run[i : i + 2]) for i in range(len(run) - 1)]
        common = common_english()
        for word in _LATIN_WORD.findall(CJK_RUN.sub(" ", wanted)):
            if word in common:
                continue  # passages are indexed without common English words: it cannot narrow
            if self._lexical.knows(word):
                lookups.append(self._lexical.rows_with(word))
                continue
            # part of a longer word ("glass" of "glasses"): the rows of every token that contains it
            tokens = self._lexical.tokens_containing(word)
            if not tokens:
                return np.zeros(0, dtype=np.int64)  # in no passage
            lookups.append(np.unique(np.concatenate([self._lexical.rows_with(t) for t in tokens])))
        if not lookups:
            return None
        lookups.sort(key=len)
        rows = lookups[0]
        for other in lookups[1:]:
            if not len(rows):
                break
            rows = np.intersect1d(rows, other, assume_unique=False)
        return rows
