"""`rag eval --without-hand-knowledge`: the product runs with the glossary and speakers emptied, and
the comparison says what they carry."""

import json
import os
import subprocess
import sys
from pathlib import Path

from rag.evaluation.knowledge import format_comparison
from rag.settings import PROJECT_ROOT

PROBE = """
from rag.text.glossary import glossary, glossary_phrases
from rag.text.terms import key_terms
print(len(glossary()), glossary_phrases().search("capex guidance") is None,
      [t.text for t in key_terms("What did they say about capex and MTIA?", set())])
"""


def test_an_emptied_glossary_is_read_from_the_file_named_and_matches_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "glossary.json"
    empty.write_text(json.dumps({"terms": {}}))
    env = {**os.environ, "RAG_GLOSSARY_FILE": str(empty)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split(None, 2)[:2] == ["0", "True"]
    assert "MTIA" in done.stdout and "capex" not in done.stdout.split("[", 1)[1]


def test_the_comparison_shows_each_metric_with_and_without() -> None:
    with_ = {"lang:en": {"hit@5": 0.81, "mrr": 0.65}}
    without = {"lang:en": {"hit@5": 0.79, "mrr": 0.66}}
    text = format_comparison(with_, without)
    assert "lang:en    hit@5                      0.81     0.79   -0.02" in text
    assert "overall" not in text
