"""What the hand-kept vocabulary carries: the same evaluation with rag/data/glossary.json and
rag/data/speakers.json emptied, beside the normal run (`rag eval --without-hand-knowledge`).

The emptied run is a fresh process (the glossary and the speaker directory are read once per
process) with RAG_GLOSSARY_FILE and RAG_SPEAKERS_FILE pointing at empty files; a corpus spec's
index is then built into a cache folder of its own (rag.evaluation.corpus_build.corpus_folder), its
passage vectors reused. Understanding that generalises drops little: issue 15 asks ≤ 0.02 of hit@5
on the English real-call questions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

GROUPS = ("overall", "lang:en", "lang:zh")
METRICS = ("hit@5", "mrr", "false_abstention_rate", "abstention_recall")


def run_without_hand_knowledge(eval_args: list[str]) -> dict[str, Any]:
    """The `rag eval` summary (by group) of `eval_args` with the glossary and speakers emptied."""
    with tempfile.TemporaryDirectory(prefix="rag-no-knowledge-") as scratch:
        folder = Path(scratch)
        glossary, speakers, result = folder / "glossary.json", folder / "speakers.json", folder / "eval.json"
        glossary.write_text(json.dumps({"terms": {}}), encoding="utf-8")
        speakers.write_text(json.dumps({"people": []}), encoding="utf-8")
        env = {**os.environ, "RAG_GLOSSARY_FILE": str(glossary), "RAG_SPEAKERS_FILE": str(speakers)}
        command = [sys.executable, "-m", "rag.cli", "eval", *eval_args, "--json", str(result)]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode not in (0, 1) or not result.is_file():
            raise RuntimeError(f"the run without hand-kept knowledge failed:\n{done.stderr[-2000:]}")
        summary: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))["default"]["summary"]
        return summary


def format_comparison(with_knowledge: dict[str, Any], without: dict[str, Any]) -> str:
    lines = [
        "",
        "Without hand-kept knowledge (rag/data/glossary.json and speakers.json emptied):",
        f"{'group':<10} {'metric':<24} {'with':>6} {'without':>8} {'change':>7}",
    ]
    for group in GROUPS:
        if group not in with_knowledge or group not in without:
            continue
        for metric in METRICS:
            a, b = with_knowledge[group].get(metric), without[group].get(metric)
            if a is None or b is None:
                continue
            lines.append(f"{group:<10} {metric:<24} {a:>6.2f} {b:>8.2f} {b - a:>+7.2f}")
    return "\n".join(lines)
