"""Where ../shared/samples is: beside the checkout, or RAG_SAMPLES_DIR (a git worktree kept elsewhere).
Tests that read the samples skip when the folder is absent."""

from __future__ import annotations

import os
from pathlib import Path

from rag.settings import PROJECT_ROOT

SAMPLES = Path(os.environ.get("RAG_SAMPLES_DIR") or PROJECT_ROOT.parent / "shared" / "samples")
