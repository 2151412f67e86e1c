"""The lexical index beside FAISS: BM25 (bm25s) over the text stage's tokens (rag.text.tokens)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rag.chunks import Chunk
from rag.text.glossary import glossary_digest
from rag.text.tokens import TOKENIZER_VERSION, tokenize

LEXICAL_FOLDER = "bm25"


def lexical_identity() -> str:
    """The tokeniser's version and the glossary it cuts with (its Chinese terms are jieba words)."""
    return f"{TOKENIZER_VERSION} glossary:{glossary_digest()}"


def lexical_texts(chunks: list[Chunk]) -> list[str]:
    """What BM25 indexes: each chunk's text, and for an answer the question it replies to, so that
    an answer is found through the question's words."""
    questions: dict[tuple[str, int], str] = {}
    for chunk in chunks:
        if chunk.kind == "question":
            key = (chunk.source, chunk.turn)
            questions[key] = (questions.get(key, "") + "\n" + chunk.text).strip()
    texts = []
    for chunk in chunks:
        question = questions.get((chunk.source, chunk.replies_to_turn)) if chunk.replies_to_turn else None
        texts.append(f"{chunk.text}\n{question}" if question else chunk.text)
    return texts


class LexicalIndex:
    """BM25 scores for every row, so filters can be applied before ranking."""

    def __init__(self, retriever) -> None:  # type: ignore[no-untyped-def]
        self._retriever = retriever
        self._vocabulary_text: str | None = None  # the tokens one per line, made on first use

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        return cls.from_tokens([tokenize(t) for t in texts])

    @classmethod
    def from_token_ids(cls, ids: list[list[int]], vocab: dict[str, int]) -> LexicalIndex:
        """From token ids over `vocab` (which holds exactly the tokens of `ids`): what a bulk add keeps
        across its commits, so that a commit does not map every passage's tokens to ids again."""
        import bm25s
        from bm25s.tokenization import Tokenized

        retriever = bm25s.BM25()
        retriever.index(Tokenized(ids=ids, vocab=dict(vocab)), show_progress=False)
        return cls(retriever)

    @classmethod
    def from_tokens(cls, token_lists: list[list[str]]) -> LexicalIndex:
        """From texts already tokenised (a bulk add keeps each passage's tokens across its commits)."""
        import bm25s

        retriever = bm25s.BM25()
        retriever.index([tokens or ["∅"] for tokens in token_lists], show_progress=False)
        return cls(retriever)

    def knows(self, token: str) -> bool:
        return token in self._retriever.vocab_dict

    def rows_with(self, token: str) -> np.ndarray:
        """The rows whose lexical text has `token` (its posting list; empty for an unknown token)."""
        column = self._retriever.vocab_dict.get(token)
        if column is None:
            return np.zeros(0, dtype=np.int64)
        indptr = self._retriever.scores["indptr"]
        return np.asarray(
            self._retriever.scores["indices"][indptr[column] : indptr[column + 1]], dtype=np.int64
        )

    def tokens_containing(self, fragment: str) -> list[str]:
        """The tokens of the vocabulary that contain `fragment` (a scan of the vocabulary, which grows far
        slower than the corpus: at 75,000 passages it is a few hundred thousand tokens)."""
        if self._vocabulary_text is None:
            self._vocabulary_text = "\n" + "\n".join(self._retriever.vocab_dict) + "\n"
        text, found, start = self._vocabulary_text, [], 0
        while (at := text.find(fragment, start)) != -1:
            begin = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            if end - begin >= len(fragment) and "\n" not in fragment:
                found.append(text[begin:end])
            start = end + 1
        return found

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        known = [t for t in query_tokens if t in self._retriever.vocab_dict]
        if not known:
            return np.zeros(self._retriever.scores["num_docs"], dtype=np.float32)
        return np.asarray(self._retriever.get_scores(known), dtype=np.float32)

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder / LEXICAL_FOLDER))

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        import bm25s

        # memory-mapped: the score matrix is paged in as questions touch it, not read at start-up
        return cls(bm25s.BM25.load(str(folder / LEXICAL_FOLDER), mmap=True))
