# One command to set up and start the chat UI (`make run`), one to set up and pass the tests (`make test`).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.setup-complete
PYTHON ?= python3

.PHONY: setup run test build eval lint bench clean

setup: $(STAMP)
	@$(PY) -m rag.indexing.embedding.materialize

# torch==2.13.0 first: pip then takes the CPU build on this machine instead of a multi-GB CUDA build.
$(STAMP): pyproject.toml scripts/install_browser.sh scripts/llm_server.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]' torch==2.13.0
	bash scripts/install_browser.sh
	bash scripts/llm_server.sh install
	touch $(STAMP)

build: setup
	$(VENV)/bin/rag build

run: build
	$(VENV)/bin/rag serve

test: build
	$(VENV)/bin/pytest -q
	$(VENV)/bin/rag eval --gates

eval: build
	$(VENV)/bin/rag eval

lint: setup
	$(VENV)/bin/ruff check rag ui tests eval bench
	$(VENV)/bin/mypy rag ui

clean:
	rm -rf $(VENV) index/default
