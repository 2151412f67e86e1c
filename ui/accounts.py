"""Who may use the page: a users file of argon2 password hashes with a role each, Gradio's sign-in hook
with failed attempts rate-limited, and the rule for which addresses may be served without sign-in.

Readers ask questions; editors may also add and remove transcripts. The users file is JSON,
`{"users": {"alice": {"role": "editor", "password_hash": "$argon2id$..."}}}`, written by
`rag users add` (never a plain password); the page rereads it when it changes, so a user added or
removed takes effect at the next sign-in and a changed role at the next request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from rag.errors import InvalidSetting
from rag.settings import ServingSettings

READER, EDITOR = "reader", "editor"
ROLES = (READER, EDITOR)
MIN_PASSWORD_CHARS = 8
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
# argon2id verification holds ~64 MiB for ~50 ms: a burst of sign-ins takes turns instead of all at once.
_HASHING_AT_ONCE = threading.BoundedSemaphore(2)


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    password_hash: str


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise InvalidSetting(
            f"user name {name!r} is not allowed: use 1-64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidSetting(f"role {role!r} is unknown: use one of {', '.join(ROLES)}")
    return role


class UsersFile:
    """The users file: loaded when it changes on disk, written atomically and readable only by its owner."""

    def __init__(self, path: Path, hasher: PasswordHasher | None = None) -> None:
        self.path = path
        self._hasher = hasher or PasswordHasher()
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None
        self._accounts: dict[str, Account] = {}
        # verified against when the name is unknown, so a wrong name costs as long as a wrong password
        self._decoy = self._hasher.hash("not a password of anyone")

    def accounts(self) -> dict[str, Account]:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            raise InvalidSetting(
                f"users file {self.path} does not exist: add a user with "
                f"`rag users add NAME --role editor --file {self.path}`"
            ) from None
        with self._lock:
            if self._seen != (stat.st_ino, stat.st_mtime_ns):
                self._accounts = self._read()
                self._seen = (stat.st_ino, stat.st_mtime_ns)
            return dict(self._accounts)

    def _read(self) -> dict[str, Account]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            users = data["users"]
            accounts = {
                name: Account(check_name(name), check_role(entry["role"]), str(entry["password_hash"]))
                for name, entry in users.items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError, InvalidSetting) as err:
            raise InvalidSetting(
                f"users file {self.path} is unreadable ({err}); fix it or add users again"
            ) from err
        if any(not a.password_hash.startswith("$argon2") for a in accounts.values()):
            raise InvalidSetting(f"users file {self.path} holds a password that is not an argon2 hash")
        return accounts

    def role_of(self, name: str | None) -> str | None:
        account = self.accounts().get(name or "")
        return account.role if account else None

    def verify(self, name: str, password: str) -> bool:
        """True when `password` is this user's (argon2 verification, one or two at a time)."""
        account = self.accounts().get(name)
        with _HASHING_AT_ONCE:
            try:
                matched: bool = self._hasher.verify(
                    account.password_hash if account else self._decoy, password
                )
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                matched = False
        return matched and account is not None

    def add(self, name: str, role: str, password: str, *, replace: bool = False) -> Account:
        """Add (or with `replace`, change) a user; the password is stored only as its argon2 hash."""
        check_name(name)
        check_role(role)
        if len(password) < MIN_PASSWORD_CHARS:
            raise InvalidSetting(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
        accounts = self.accounts() if self.path.exists() else {}
        if name in accounts and not replace:
            raise InvalidSetting(
                f"user {name!r} already exists in {self.path}; pass --replace to change them"
            )
        accounts[name] = Account(name, role, self._hasher.hash(password))
        self._write(accounts)
        return accounts[name]

    def remove(self, name: str) -> None:
        accounts = self.accounts()
        if name not in accounts:
            known = ", ".join(sorted(accounts)) or "nobody"
            raise InvalidSetting(f"no user {name!r} in {self.path}; it lists {known}")
        del accounts[name]
        self._write(accounts)

    def _write(self, accounts: dict[str, Account]) -> None:
        data = {
            "_about": "Users of the web page (`rag users add`); passwords are argon2 hashes, never plain.",
            "users": {a.name: {"role": a.role, "password_hash": a.password_hash} for a in accounts.values()},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        os.replace(temporary, self.path)


class SignInGuard:
    """Gradio's `auth=` hook (`check`): the password checked in a worker thread, and a user name that
    failed `sign_in_failures` times within the window refused until the window has passed."""

    def __init__(
        self, users: UsersFile, serving: ServingSettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.users = users
        self._serving = serving
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def locked(self, name: str) -> bool:
        with self._lock:
            return len(self._recent(name)) >= self._serving.sign_in_failures

    def _recent(self, name: str) -> deque[float]:
        window_start = self._clock() - self._serving.sign_in_window_seconds
        failures = self._failures.setdefault(name, deque())
        while failures and failures[0] < window_start:
            failures.popleft()
        return failures

    def _failed(self, name: str) -> None:
        with self._lock:
            self._recent(name).append(self._clock())

    async def check(self, username: str, password: str) -> bool:
        """True lets Gradio sign the user in; every failure also waits a moment before answering."""
        if not self.locked(username):
            if await asyncio.to_thread(self.users.verify, username, password):
                with self._lock:
                    self._failures.pop(username, None)
                return True
            self._failed(username)
        await asyncio.sleep(self._serving.failed_sign_in_pause_seconds)
        return False

    def message(self) -> str:
        """The sign-in page's note (Gradio shows it above the form)."""
        minutes = round(self._serving.sign_in_window_seconds / 60)
        return (
            f"Sign in with the name and password your team gave you. After {self._serving.sign_in_failures} "
            f"failed attempts a name is refused for {minutes} minutes."
        )


@dataclass(frozen=True)
class Access:
    """How the page is shared: who signs in (`users`, None: nobody) and whether anyone may edit."""

    users: UsersFile | None = None
    read_only: bool = False

    @property
    def signs_in(self) -> bool:
        return self.users is not None

    def role_of(self, username: str | None) -> str | None:
        """The role of whoever sent a request; None for a name the users file no longer lists."""
        if self.users is None:
            return READER if self.read_only else EDITOR
        role = self.users.role_of(username)
        if role is None:
            return None
        return READER if self.read_only else role

    def may_edit(self, username: str | None) -> bool:
        return self.role_of(username) == EDITOR


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach: 127.0.0.0/8, ::1 and "localhost"."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: other machines may reach it


def serving_access(host: str, auth_file: Path | None, read_only: bool) -> Access:
    """The access rule for serving on `host`: a non-loopback address needs sign-in or --read-only."""
    if auth_file is None and not read_only and not is_loopback(host):
        raise InvalidSetting(
            f"--host {host} lets other machines reach the page and add transcripts: serve it with sign-in "
            "(--auth USERS_FILE or RAG_UI_AUTH; add users with `rag users add NAME --role editor --file "
            "USERS_FILE`) or with --read-only"
        )
    users = UsersFile(auth_file) if auth_file is not None else None
    if users is not None:
        users.accounts()  # a missing or unreadable users file stops the command now, not at sign-in
    return Access(users=users, read_only=read_only)
