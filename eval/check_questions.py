"""Validate an evaluation question set.

    python eval/check_questions.py [QUESTIONS.jsonl] [--transcripts-dir DIR]


The checker itself is rag.evaluation.question_set (what `rag eval` uses); this is its command line.
"""

import sys

from rag.evaluation.question_set import main

if __name__ == "__main__":
    sys.exit(main())
