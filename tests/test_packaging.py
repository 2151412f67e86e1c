"""`pip install .` ships what the product reads at run time: the data files travel inside the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from rag.settings import DATA_DIR, PROJECT_ROOT


@pytest.mark.slow
def test_the_wheel_carries_the_data_files_and_the_shipped_transcripts(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            ".",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("earnings_rag-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    needed = [p.relative_to(PROJECT_ROOT).as_posix() for p in DATA_DIR.rglob("*") if p.is_file()]
    assert needed and all(name in names for name in needed), sorted(set(needed) - names)
    assert "rag/data/transcripts/manifest.json" in names
    assert not any(name.startswith(("tests/", "eval/", "data/")) for name in names)
