"""Chinese word segmentation: jieba on its own dictionary trimmed to common words, taught the glossary.

jieba's full dictionary has 349k words, most of them rare idioms and names; loading it costs ~1.1 s
and its part-of-speech table another ~0.6 s in every process that reads a Chinese question. Words
seen at least MIN_FREQUENCY times in jieba's own counts (67k) load in ~0.3 s together, and cut the
questions and transcripts here the same way where it counts: topic nouns, product and finance terms
(the glossary is added on top), person names. Words it no longer knows fall to jieba's HMM, and the
lexical index also keeps every character bigram, so a rarer word still matches.

The trimmed file is derived from the installed jieba on first use and kept in the cache folder; its
name carries jieba's version and the threshold, and the index manifest records the lexical version,
so a change in either rebuilds what depends on it. The segmenter owns a private jieba.Tokenizer:
nothing about jieba changes for the rest of the process.
"""

from __future__ import annotations

import logging
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from rag.settings import cache_root
from rag.text.glossary import glossary
from rag.text.language import CJK_RUN

MIN_FREQUENCY = 30
GLOSSARY_WORD_FREQUENCY = 20000  # high enough that "资本支出" and "比特币" stay whole words

log = logging.getLogger(__name__)


def cache_folder() -> Path:
    return cache_root() / "jieba"


def trimmed_lines(full_dictionary: Path, min_frequency: int = MIN_FREQUENCY) -> list[str]:
    """Lines "word frequency tag" of the full dictionary whose frequency reaches min_frequency."""
    kept = []
    for line in full_dictionary.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) >= min_frequency:
            kept.append(line)
    return kept


def trimmed_dictionary(folder: Path | None = None) -> Path | None:
    """The trimmed dictionary file, written atomically the first time it is asked for; None when the
    cache folder cannot be written (jieba then keeps its full dictionary: slower to load, same use)."""
    import jieba

    folder = folder or cache_folder()
    target = folder / f"dict-jieba{jieba.__version__}-min{MIN_FREQUENCY}.txt"
    if target.is_file():
        return target
    full = Path(jieba.__file__).parent / "dict.txt"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, staging = tempfile.mkstemp(prefix=".dict-", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("\n".join(trimmed_lines(full)) + "\n")
        os.replace(staging, target)
    except OSError as exc:
        log.warning("cannot write jieba's trimmed dictionary in %s: %s", folder, exc)
        return None
    return target


class ChineseSegmenter:
    """Search-mode cuts and part-of-speech tags of Chinese text, from one private jieba tokenizer."""

    def __init__(self, dictionary: Path | None, words: tuple[str, ...]) -> None:
        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)
        tokenizer: Any = jieba.Tokenizer(str(dictionary)) if dictionary is not None else jieba.Tokenizer()
        if dictionary is not None:
            tokenizer.tmp_dir = str(dictionary.parent)  # jieba's own pickled cache of it lives beside it
        for word in words:
            tokenizer.add_word(word, freq=GLOSSARY_WORD_FREQUENCY, tag="n")
        self._tokenizer = tokenizer
        self._tagger: Any = jieba.posseg.POSTokenizer(tokenizer)

    def cut_for_search(self, text: str) -> list[str]:
        return list(self._tokenizer.cut_for_search(text))

    def tagged(self, text: str) -> list[tuple[str, str]]:
        """(word, part-of-speech flag) pairs: "nr" person names, "n"/"nz"/"vn" topic words …"""
        return [(pair.word, pair.flag) for pair in self._tagger.cut(text)]


@lru_cache(maxsize=1)
def segmenter() -> ChineseSegmenter:
    """The segmenter of this install: the trimmed dictionary plus the glossary's Chinese terms."""
    words = tuple(w for renderings in glossary().values() for w in renderings if CJK_RUN.fullmatch(w))
    return ChineseSegmenter(trimmed_dictionary(), words)
