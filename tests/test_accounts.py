"""Sign-in for a shared page: argon2 hashes in the users file, roles, failed sign-ins rate-limited,
and `rag serve` refusing an address other machines reach unless sign-in or read-only is set."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from rag.errors import InvalidSetting
from rag.settings import PROJECT_ROOT, ServingSettings
from ui.accounts import EDITOR, READER, Access, SignInGuard, UsersFile, is_loopback, serving_access

PASSWORD = "correct horse battery"


@pytest.fixture()
def users(tmp_path: Path) -> UsersFile:
    users = UsersFile(tmp_path / "users.json")
    users.add("alice", EDITOR, PASSWORD)
    users.add("bob", READER, "bobs password")
    return users


def test_the_users_file_holds_argon2_hashes_never_the_password(users: UsersFile) -> None:
    text = users.path.read_text(encoding="utf-8")
    assert PASSWORD not in text and "bobs password" not in text
    entries = json.loads(text)["users"]
    assert entries["alice"]["role"] == "editor" and entries["bob"]["role"] == "reader"
    assert all(e["password_hash"].startswith("$argon2id$") for e in entries.values())
    assert stat.S_IMODE(users.path.stat().st_mode) == 0o600


def test_only_the_right_password_of_a_known_user_verifies(users: UsersFile) -> None:
    assert users.verify("alice", PASSWORD)
    assert not users.verify("alice", "bobs password")
    assert not users.verify("carol", PASSWORD)
    assert users.role_of("alice") == EDITOR and users.role_of("carol") is None


def test_a_plain_text_password_in_the_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"users": {"eve": {"role": "editor", "password_hash": "hunter22"}}}))
    with pytest.raises(InvalidSetting, match="not an argon2 hash"):
        UsersFile(path).accounts()


def test_bad_names_roles_and_short_passwords_are_refused_with_what_is_allowed(users: UsersFile) -> None:
    with pytest.raises(InvalidSetting, match="use one of reader, editor"):
        users.add("carol", "admin", PASSWORD)
    with pytest.raises(InvalidSetting, match="at least 8 characters"):
        users.add("carol", READER, "short")
    with pytest.raises(InvalidSetting, match="is not allowed"):
        users.add("../carol", READER, PASSWORD)
    with pytest.raises(InvalidSetting, match="pass --replace"):
        users.add("alice", READER, PASSWORD)


def test_a_user_added_while_the_page_runs_can_sign_in(users: UsersFile) -> None:
    assert users.role_of("carol") is None
    UsersFile(users.path).add("carol", READER, "carols password")  # another process: `rag users add`
    assert users.role_of("carol") == READER and users.verify("carol", "carols password")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failed_sign_ins_lock_the_name_for_the_window_then_it_may_try_again(users: UsersFile) -> None:
    clock = Clock()
    serving = replace(ServingSettings(), sign_in_failures=3, failed_sign_in_pause_seconds=0.0)
    guard = SignInGuard(users, serving, clock)

    def sign_in(name: str, password: str) -> bool:
        return asyncio.run(guard.check(name, password))

    assert [sign_in("alice", "guess") for _ in range(3)] == [False, False, False]
    assert not sign_in("alice", PASSWORD)  # locked: even the right password is refused
    assert sign_in("bob", "bobs password")  # other names are not affected
    clock.now += serving.sign_in_window_seconds + 1
    assert sign_in("alice", PASSWORD)


def test_each_failed_sign_in_waits_before_answering(users: UsersFile) -> None:
    guard = SignInGuard(users, replace(ServingSettings(), failed_sign_in_pause_seconds=0.3))

    async def timed() -> float:
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert not await guard.check("alice", "guess")
        return loop.time() - started

    assert asyncio.run(timed()) >= 0.3


def test_roles_decide_who_may_edit_and_read_only_makes_everyone_a_reader(users: UsersFile) -> None:
    assert Access().may_edit(None)  # this machine only, nobody signs in: as before
    assert not Access(read_only=True).may_edit(None)
    signed = Access(users=users)
    assert signed.may_edit("alice") and not signed.may_edit("bob") and signed.role_of("carol") is None
    assert not Access(users=users, read_only=True).may_edit("alice")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("localhost", True), ("0.0.0.0", False)],
)
def test_only_loopback_addresses_count_as_this_machine(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    assert not is_loopback("10.0.0.5") and not is_loopback("box.example.com")


def test_a_shared_address_needs_sign_in_or_read_only(users: UsersFile) -> None:
    with pytest.raises(InvalidSetting, match="--auth USERS_FILE"):
        serving_access("0.0.0.0", None, read_only=False)
    assert serving_access("0.0.0.0", None, read_only=True).read_only
    assert serving_access("0.0.0.0", users.path, read_only=False).signs_in
    assert not serving_access("127.0.0.1", None, read_only=False).signs_in
    with pytest.raises(InvalidSetting, match="does not exist"):
        serving_access("0.0.0.0", users.path.with_name("missing.json"), read_only=False)


def _rag(*args: str, env: dict[str, str] | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_rag_serve_on_all_addresses_without_auth_or_read_only_exits_2_saying_what_to_do() -> None:
    served = _rag("serve", "--host", "0.0.0.0", "--port", "9")
    assert served.returncode == 2
    lines = served.stderr.strip().splitlines()
    assert len(lines) == 1, served.stderr
    assert lines[0].startswith("error: --host 0.0.0.0 lets other machines reach the page")
    assert "--auth USERS_FILE" in lines[0] and "RAG_UI_AUTH" in lines[0] and "--read-only" in lines[0]
    assert "rag users add NAME --role editor" in lines[0]


def test_rag_users_add_reads_the_password_from_stdin_and_stores_its_hash(tmp_path: Path) -> None:
    path = tmp_path / "team.json"
    added = _rag("users", "add", "dana", "--role", "editor", "--file", str(path), stdin="dana's password\n")
    assert added.returncode == 0, added.stderr
    assert f"--auth {path}" in added.stdout
    users = UsersFile(path)
    assert users.role_of("dana") == EDITOR and users.verify("dana", "dana's password")
    assert "dana's password" not in path.read_text(encoding="utf-8")
    listed = _rag("users", "list", "--file", str(path))
    assert "dana  editor" in listed.stdout
    short = _rag("users", "add", "erin", "--file", str(path), stdin="short\n")
    assert short.returncode == 2 and "at least 8 characters" in short.stderr


def test_rag_users_add_defaults_to_rag_ui_auth(tmp_path: Path) -> None:
    path = tmp_path / "from-env.json"
    added = _rag("users", "add", "finn", env={"RAG_UI_AUTH": str(path)}, stdin="finns password\n")
    assert added.returncode == 0, added.stderr
    assert UsersFile(path).role_of("finn") == READER
