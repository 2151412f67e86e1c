"""Fixtures for the browser tests: the real UI server on the real index, and headless Chromium.

Chromium is Debian's /usr/bin/chromium driven by Playwright (scripts/install_browser.sh installs it);
Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from rag.settings import SHIPPED_INDEX, Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT_ROOT / "artifacts"
CHROMIUM = Path(os.environ.get("RAG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_TIMEOUT = 300.0  # loading the index and the embedding model on a cold, shared machine


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_answering(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"UI server exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            # the app's config route answers once the page is up (with sign-in the page itself is a form)
            with urllib.request.urlopen(url + "gradio_api/app_id", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"UI server did not answer at {url} within {SERVER_START_TIMEOUT:.0f}s")


def data_folder(root: Path, shipped: Settings) -> Path:
    """A new data folder under `root` holding a copy of the run's shipped-corpus index, so that the
    library made there on first use starts from it instead of embedding the corpus again."""
    folder = root / "data"
    shutil.copytree(shipped.index_dir, folder / SHIPPED_INDEX)
    return folder


@contextmanager
def running_ui_server(
    name: str,
    llm_env: dict[str, str] | None = None,
    extra_env: dict[str, str] | None = None,
    serve_args: tuple[str, ...] = (),
) -> Iterator[str]:
    """`rag serve` in a subprocess on a free 127.0.0.1 port, on the library of the run's data folder
    (the shipped calls) unless `extra_env` names another RAG_DATA_DIR; `serve_args` adds options
    such as `--auth FILE`.

    Without `llm_env` the endpoint variables are removed, so the page has no LLM mode selector.
    The server's output goes to artifacts/ui-server-`name`.log.
    """
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"ui-server-{name}.log"
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
    for var in ("RAG_LLM_BASE_URL", "OPENAI_BASE_URL", "RAG_LLM_MODEL"):
        env.pop(var, None)
    env.update(llm_env or {})
    env.update(extra_env or {})
    command = [
        sys.executable,
        "-m",
        "rag.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *serve_args,
    ]
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_answering(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def ui_server(engine: Any) -> Iterator[str]:
    """The extractive page (no LLM endpoint configured), on the run's data folder: its library is made
    from the shipped calls and the index `engine` built."""
    with running_ui_server("extractive") as url:
        yield url


@pytest.fixture(scope="session")
def ui_llm_server(llm_server: Any, engine: Any) -> Iterator[str]:
    """The page with an LLM endpoint: the real llama.cpp server of `llm_fixtures.llm_server`
    (import that fixture next to this one)."""
    llm_env = {"RAG_LLM_BASE_URL": llm_server.base_url, "RAG_LLM_MODEL": llm_server.model}
    with running_ui_server("llm", llm_env) as url:
        yield url


@pytest.fixture(scope="session")
def ui_browser() -> Iterator[Browser]:
    """Headless Debian Chromium through Playwright."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: run scripts/install_browser.sh")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def open_page(browser: Browser, url: str) -> Iterator[Page]:
    """A fresh page (own session, own chat) with the app loaded and ready for a question."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded")
    page.locator("#question textarea").wait_for(state="visible", timeout=60_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture()
def ui_page(ui_server: str, ui_browser: Browser) -> Iterator[Page]:
    with open_page(ui_browser, ui_server) as page:
        yield page


@pytest.fixture()
def ui_llm_page(ui_llm_server: str, ui_browser: Browser) -> Iterator[Page]:
    with open_page(ui_browser, ui_llm_server) as page:
        yield page
