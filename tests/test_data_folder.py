"""The user's library lives in the data folder, never in the source tree: made from the shipped calls on
first use, moved in once from the layouts older versions wrote, and left alone by `git` and `make clean`;
every add and remove is recorded in its history."""

from __future__ import annotations

import getpass
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_ui_upload import ACME_CALL
from ui_fixtures import data_folder

from rag.api import QueryEngine
from rag.indexing.history import format_history, read_history, record_change
from rag.indexing.library import prepare_library
from rag.settings import PROJECT_ROOT, SHIPPED_TRANSCRIPTS_DIR, Settings
from rag.transcripts.manifest import MANIFEST_NAME, CallInfo, load_manifest, manifest_bytes

SHIPPED_FILES = sorted(c.file for c in load_manifest(SHIPPED_TRANSCRIPTS_DIR))
ACME = CallInfo(
    file="acme-2025q3.en.txt",
    company="Acme",
    quarter="2025Q3",
    language="en",
    layout="line_labels",
    content_sha256="0" * 64,
    added_at="2025-10-30T09:00:00",
)


def _old_corpus(folder: Path) -> None:
    """The shipped calls plus one a user added, as `rag add` of an older version left them in `folder`."""
    folder.mkdir(parents=True)
    for name in SHIPPED_FILES:
        shutil.copy(SHIPPED_TRANSCRIPTS_DIR / name, folder / name)
    shutil.copy(SHIPPED_TRANSCRIPTS_DIR / MANIFEST_NAME, folder / MANIFEST_NAME)
    (folder / ACME.file).write_text(ACME_CALL, encoding="utf-8")
    calls = [*load_manifest(folder), ACME]
    (folder / MANIFEST_NAME).write_bytes(manifest_bytes(folder, calls))


def _checkout(root: Path) -> Path:
    checkout = root / "checkout"
    (checkout / "rag" / "data").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("[project]\nname = 'earnings-rag'\n")
    return checkout


def _old_index(checkout: Path) -> Path:
    index = checkout / "index" / "default"
    index.mkdir(parents=True)
    (index / "manifest.json").write_text('{"built_by": "an older version"}')
    return index


def test_the_first_run_makes_the_library_from_the_shipped_calls(tmp_path: Path) -> None:
    settings = Settings().with_data_dir(tmp_path / "data")
    said: list[str] = []
    prepare_library(settings, said.append, checkout=_checkout(tmp_path))
    assert sorted(c.file for c in load_manifest(settings.transcripts_dir)) == SHIPPED_FILES
    for name in [*SHIPPED_FILES, MANIFEST_NAME]:
        assert (settings.transcripts_dir / name).read_bytes() == (SHIPPED_TRANSCRIPTS_DIR / name).read_bytes()
    assert said == [
        f"Made your library in {settings.data_dir} with the 3 shipped calls (RAG_DATA_DIR moves it)"
    ]
    prepare_library(settings, said.append)
    assert len(said) == 1  # once


def test_the_first_run_reuses_the_shipped_corpus_index_instead_of_embedding_again(
    tmp_path: Path, engine: QueryEngine
) -> None:
    from rag.indexing.store import staleness

    settings = Settings().with_data_dir(data_folder(tmp_path, engine.settings))
    prepare_library(settings, lambda _: None, checkout=_checkout(tmp_path))
    assert staleness(settings) is None  # the copied index is current for the new library


def test_calls_added_into_the_package_folder_are_moved_into_the_library_once(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    package = checkout / "rag" / "data" / "transcripts"
    _old_corpus(package)
    old_index = _old_index(checkout)
    settings = Settings().with_data_dir(tmp_path / "data")
    said: list[str] = []
    prepare_library(settings, said.append, shipped=package, checkout=checkout)

    library = load_manifest(settings.transcripts_dir)
    assert sorted(c.file for c in library) == sorted([*SHIPPED_FILES, ACME.file])
    assert (settings.transcripts_dir / ACME.file).read_text(encoding="utf-8") == ACME_CALL
    assert (settings.index_dir / "manifest.json").read_text() == '{"built_by": "an older version"}'
    # the package folder holds the shipped calls only again
    assert sorted(c.file for c in load_manifest(package)) == SHIPPED_FILES
    assert not (package / ACME.file).exists()
    assert len(said) == 1 and said[0].startswith(f"Moved your library into {settings.data_dir}")
    assert "4 calls" in said[0] and "added by you: Acme 2025Q3" in said[0] and str(old_index) in said[0]
    prepare_library(settings, said.append, shipped=package, checkout=checkout)
    assert len(said) == 1


def test_a_library_of_the_layout_before_the_stage_packages_is_moved_in(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    _old_corpus(checkout / "data" / "transcripts")
    package = checkout / "rag" / "data" / "transcripts"
    shutil.copytree(SHIPPED_TRANSCRIPTS_DIR, package)
    before = {p.name: p.read_bytes() for p in package.iterdir()}
    settings = Settings().with_data_dir(tmp_path / "data")
    said: list[str] = []
    prepare_library(settings, said.append, shipped=package, checkout=checkout)
    assert ACME.file in {c.file for c in load_manifest(settings.transcripts_dir)}
    assert {p.name: p.read_bytes() for p in package.iterdir()} == before  # the package is not touched
    assert f"The old {checkout / 'data' / 'transcripts'} can be deleted" in said[0]


def test_a_corpus_of_ones_own_is_never_seeded_or_migrated(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    _old_index(checkout)
    settings = Settings.from_env(
        {"RAG_DATA_DIR": str(tmp_path / "data"), "RAG_TRANSCRIPTS_DIR": str(tmp_path / "own")}
    )
    prepare_library(settings, pytest.fail, checkout=checkout)
    assert not (tmp_path / "own").exists() and not (tmp_path / "data").exists()


def test_changes_are_appended_to_the_history_and_listed(tmp_path: Path) -> None:
    settings = Settings().with_data_dir(tmp_path / "data")
    assert "No calls added or removed yet" in format_history(read_history(settings), settings)
    record_change(settings, actor="alice", via="web", action="added", call=ACME)
    record_change(settings, actor="ops", via="cli", action="removed", call=ACME)
    changes = read_history(settings)
    assert [(c.actor, c.via, c.action, c.company, c.quarter, c.file) for c in changes] == [
        ("alice", "web", "added", "Acme", "2025Q3", ACME.file),
        ("ops", "cli", "removed", "Acme", "2025Q3", ACME.file),
    ]
    lines = settings.history_file.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["actor"] for line in lines] == ["alice", "ops"]
    assert "alice (web) added Acme 2025Q3 [en] acme-2025q3.en.txt" in format_history(changes, settings)
    with pytest.raises(ValueError, match="action must be one of"):
        record_change(settings, actor="x", via="cli", action="renamed", call=ACME)


def _fresh_checkout(root: Path) -> Path:
    """This tree as a commit would hold it (tracked files and new unignored ones), in a new git repo."""
    checkout = root / "checkout"
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if (PROJECT_ROOT / name).is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT_ROOT / name, checkout / name)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "fresh checkout"]):
        subprocess.run([*git, *args], cwd=checkout, check=True, capture_output=True)
    return checkout


def _in(checkout: Path, env: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command), cwd=checkout, env={**os.environ, **env}, capture_output=True, text=True, timeout=600
    )


def test_rag_add_in_a_fresh_checkout_leaves_git_status_clean_and_make_clean_leaves_the_library(
    tmp_path: Path, engine: QueryEngine
) -> None:
    checkout = _fresh_checkout(tmp_path)
    data = data_folder(tmp_path, engine.settings)
    env = {"RAG_DATA_DIR": str(data), "PYTHONDONTWRITEBYTECODE": "1"}
    transcript = tmp_path / "acme-q3.txt"
    transcript.write_text(ACME_CALL, encoding="utf-8")

    added = _in(checkout, env, sys.executable, "-m", "rag.cli", "add", str(transcript), "--company", "Acme",
                "--quarter", "2025Q3")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "Made your library in" in added.stderr
    status = _in(checkout, env, "git", "status", "--porcelain", "--ignored")
    assert status.stdout == "", status.stdout  # nothing changed, nothing new, not even ignored files
    library = data / "transcripts"
    assert "acme-2025q3.en.txt" in {c.file for c in load_manifest(library)}

    history = _in(checkout, env, sys.executable, "-m", "rag.cli", "list", "--history")
    assert history.returncode == 0, history.stderr
    assert f"{getpass.getuser()} (cli) added Acme 2025Q3 [en] acme-2025q3.en.txt" in history.stdout

    before = sorted(str(p.relative_to(data)) for p in data.rglob("*"))
    cleaned = _in(checkout, env, "make", "clean")
    assert cleaned.returncode == 0, cleaned.stderr
    assert sorted(str(p.relative_to(data)) for p in data.rglob("*")) == before
    assert (library / "acme-2025q3.en.txt").read_text(encoding="utf-8") == ACME_CALL
