"""Which sentences the offline answer quotes from a passage."""

from __future__ import annotations

from rag.answer.extractive import with_list_items


def test_a_sentence_that_introduces_a_list_brings_its_items() -> None:
    sentences = [
        "效率年有两个不同的目标:1)成为一家更强大的科技公司;",
        "2)以及改善我们的财务表现。",
        "这样我们就可以投资。",
    ]
    assert with_list_items([0], sentences) == [0, 1]


def test_dash_items_are_taken_and_their_prose_continuations_skipped() -> None:
    sentences = [
        "有几个因素推动了 Q2 收入的增长:",
        "- Q1 基数低。",
        "公司在 Q1 经历了战争。",
        "- 外汇阻力较小。",
        "另外一件事。",
    ]
    assert with_list_items([0], sentences) == [0, 1, 3]


def test_an_ordinary_sentence_brings_nothing() -> None:
    sentences = ["资本支出:我们预计资本支出将在 270 亿至 300 亿美元之间。", "- 不相关的列表项。"]
    assert with_list_items([0], sentences) == [0]


def test_a_sentence_followed_by_a_first_item_introduces_the_list() -> None:
    sentences = [
        "有几个因素将成为 2024 年总费用增长的驱动因素。",
        "\n",
        "1)基础设施成本将上升。",
        "折旧增加。",
        "2)薪酬支出将会增长。",
    ]
    assert with_list_items([0], sentences) == [0, 2, 4]
