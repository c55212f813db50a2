# One venv for everything; `make run` and `make test` create it on first use.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test chat bench eval clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,llm,bench,postgres]'
	touch $@

run: $(BIN)/.installed  ## the Telegram bot (no token: the terminal chat on the same engine)
	$(BIN)/briefbot index
	$(BIN)/briefbot run

test: $(BIN)/.installed  ## the whole test suite
	$(BIN)/python -m pytest -q

bench: $(BIN)/.installed  ## indexing and query benchmarks (prints numbers)
	$(BIN)/python benchmarks/bench_index.py

eval: $(BIN)/.installed  ## retrieval and answer quality on ../shared/eval
	$(BIN)/briefbot eval

clean:
	rm -rf $(VENV) data .cache
