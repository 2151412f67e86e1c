"""The offline answerer: quotes the sentences of the retrieved turns that answer the question."""

from __future__ import annotations

import re

from rag.answers import Answer, Citation
from rag.chunking import split_sentences
from rag.chunks import Chunk
from rag.evidence import Abstention
from rag.retrieve import Hit
from rag.terms import Term

MAX_QUOTED_PASSAGES = 3
MAX_SENTENCES_PER_PASSAGE = 2
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def is_chinese(text: str) -> bool:
    return len(_CJK.findall(text)) >= max(2, len(text) // 5)


def _bigrams(text: str) -> set[str]:
    cjk = "".join(_CJK.findall(text))
    return {cjk[i : i + 2] for i in range(len(cjk) - 1)}


def _sentence_score(sentence: str, terms: list[Term], question_bigrams: set[str], numbers: set[str]) -> float:
    score = sum(2.0 for t in terms if t.found_in(sentence))
    score += 0.5 * len(question_bigrams & _bigrams(sentence))
    score += sum(1.0 for n in numbers if n in sentence)
    return score


def pick_sentences(chunk: Chunk, question: str, terms: list[Term]) -> tuple[list[str], float]:
    """The passage's sentences that answer best (in passage order), and how well they match."""
    sentences = [s.strip() for s in split_sentences(chunk.text) if len(s.strip()) > 1]
    question_bigrams = _bigrams(question)
    numbers = set(_NUMBER.findall(question)) - {m for m in _NUMBER.findall(question) if len(m) == 4}
    scored = [(_sentence_score(s, terms, question_bigrams, numbers), i) for i, s in enumerate(sentences)]
    best = sorted(scored, key=lambda item: (-item[0], item[1]))[:MAX_SENTENCES_PER_PASSAGE]
    if not best or best[0][0] == 0:
        return sentences[:1], 0.0
    chosen = sorted(i for score, i in best if score > 0)
    return [sentences[i] for i in chosen], best[0][0]


def _attribution(chunk: Chunk, chinese: bool) -> str:
    """"Susan Li (CFO, Meta), Meta 2024Q4 call, answering Brian Nowak (Morgan Stanley)"."""
    call = f"{chunk.company} {chunk.quarter} 电话会" if chinese else f"{chunk.company} {chunk.quarter} call"
    who = chunk.speaker_label
    if chunk.kind == "question":
        return f"{who} 在 {call} 上提问" if chinese else f"{who} asked on the {call}"
    line = f"{who},{call}" if chinese else f"{who}, {call}"
    if chunk.kind == "answer" and chunk.asker:
        firm = f" ({chunk.asker_firm})" if chunk.asker_firm else ""
        line += f",回答 {chunk.asker}{firm}" if chinese else f", answering {chunk.asker}{firm}"
    elif chunk.kind == "answer":
        line += ",回答分析师提问" if chinese else ", answering an analyst's question"
    return line


def extractive_answer(question: str, hits: list[Hit], terms: list[Term], filters: dict[str, object]) -> Answer:
    chinese = is_chinese(question)
    picks = [(hit, *pick_sentences(hit.chunk, question, terms)) for hit in hits]
    quoted = [p for i, p in enumerate(picks) if i == 0 or p[2] > 0][:MAX_QUOTED_PASSAGES]
    quoted_ids = {hit.chunk.id: sentences for hit, sentences, _ in quoted}
    citations = [
        Citation.from_chunk(n, hit.chunk, hit.score, tuple(quoted_ids.get(hit.chunk.id, ())))
        for n, hit in enumerate(hits, start=1)
    ]
    lines: list[str] = []
    for n, hit in enumerate(hits, start=1):
        sentences = quoted_ids.get(hit.chunk.id)
        if sentences is None:
            continue
        lines.append(f"{_attribution(hit.chunk, chinese)} [{n}]:")
        lines.extend(f"“{s}” [{n}]" for s in sentences)
    return Answer(question=question, text="\n".join(lines), citations=citations, abstained=False, filters=filters)


def abstention_answer(question: str, abstention: Abstention, filters: dict[str, object]) -> Answer:
    if is_chinese(question):
        text = f"电话会记录中没有这个问题的答案:{abstention.reason_zh}。"
    else:
        text = f"The transcripts do not answer this: {abstention.reason_en}."
    return Answer(question=question, text=text, citations=[], abstained=True, filters=filters)
