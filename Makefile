# One command to set up and start the chat UI (`make run`), one to set up and pass the tests (`make test`).
# `make run` installs only what the UI needs; the test tools (browser, llama.cpp server) come with `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.setup-run
TEST_STAMP := $(VENV)/.setup-test
PYTHON ?= python3

.PHONY: setup setup-test run test build eval lint bench clean

setup: $(RUN_STAMP)
	@$(PY) -m rag.indexing.embedding.materialize

setup-test: setup $(TEST_STAMP)

# torch==2.13.0 first: pip then takes the CPU build on this machine instead of a multi-GB CUDA build.
$(RUN_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e . torch==2.13.0
	touch $(RUN_STAMP)

# The test tools: pytest and friends, pymilvus with milvus-lite (tests/test_milvus.py), Debian's chromium for the browser tests, and llama-cpp-python
# (built once into a wheel cache, most of a fresh setup's time) for the real LLM-server tests.
$(TEST_STAMP): $(RUN_STAMP) pyproject.toml scripts/install_browser.sh scripts/llm_server.sh
	$(PY) -m pip install --quiet -e '.[dev,milvus]' torch==2.13.0
	bash scripts/install_browser.sh
	bash scripts/llm_server.sh install
	touch $(TEST_STAMP)

build: setup
	$(VENV)/bin/rag build

run: build
	$(VENV)/bin/rag serve

# The tests build the shipped corpus's index once per run in a temporary data folder of their own;
# the gates then run on the shipped corpus with its index in the data folder (built once, then reused).
test: setup-test
	$(VENV)/bin/pytest -q
	$(VENV)/bin/rag eval --gates

eval: build
	$(VENV)/bin/rag eval

lint: setup-test
	$(VENV)/bin/ruff check rag ui tests eval bench
	$(VENV)/bin/mypy rag ui

# The user's library (transcripts, manifest, indexes, history) lives in the data folder, outside this
# tree (RAG_DATA_DIR, default ~/.local/share/earnings-rag): clean never touches it.
clean:
	rm -rf $(VENV) artifacts
