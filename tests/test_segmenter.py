"""jieba cuts with a trimmed copy of its dictionary: fast to load, same words where they matter."""

from __future__ import annotations

from pathlib import Path

from rag.text.segmenter import MIN_FREQUENCY, segmenter, trimmed_dictionary, trimmed_lines
from rag.text.terms import key_terms


def test_rare_words_are_dropped_and_common_ones_kept(tmp_path: Path) -> None:
    full = tmp_path / "dict.txt"
    lines = [f"人工智能 {MIN_FREQUENCY} n", "一亲芳泽 3 nr", "眼镜 2000 n", "broken line"]
    full.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert trimmed_lines(full) == [f"人工智能 {MIN_FREQUENCY} n", "眼镜 2000 n"]


def test_the_trimmed_file_is_written_once_and_reused(tmp_path: Path) -> None:
    first = trimmed_dictionary(tmp_path)
    stamp = first.stat().st_mtime_ns
    assert trimmed_dictionary(tmp_path) == first and first.stat().st_mtime_ns == stamp
    assert 50_000 < len(first.read_text(encoding="utf-8").splitlines()) < 120_000
    assert not list(tmp_path.glob(".dict-*")), "no staging file left behind"


def test_the_segmenter_cuts_with_the_trimmed_dictionary_and_the_glossary() -> None:
    cutter = segmenter()
    assert "min" in Path(cutter._tokenizer.dictionary).name
    assert "资本支出" in cutter.cut_for_search("2023 年资本支出指引是多少")
    assert ("资本支出", "n") in cutter.tagged("资本支出指引")


def test_the_segmenter_leaves_jiebas_own_tokenizer_alone() -> None:
    import jieba

    segmenter()
    assert jieba.dt.dictionary == jieba.DEFAULT_DICT  # nothing process-wide was reconfigured
    assert "资本支出" not in jieba.dt.user_word_tag_tab


def test_chinese_key_terms_survive_the_trimmed_dictionary() -> None:
    words = [t.text for t in key_terms("扎克伯格如何评价眼镜作为人工智能设备的前景?", set())]
    assert {"眼镜", "人工智能", "前景"} <= set(words)


def test_an_index_cut_with_another_glossary_is_stale(monkeypatch, engine) -> None:
    from rag.indexing import lexical, store

    settings = engine.settings
    assert store.staleness(settings) is None  # the session's index matches today's glossary
    monkeypatch.setattr(lexical, "glossary_digest", lambda: "000000000000")
    assert store.staleness(settings) == "index was built with other lexical"


def test_an_unwritable_cache_folder_keeps_jieba_on_its_own_dictionary(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    assert trimmed_dictionary(blocked / "jieba") is None
