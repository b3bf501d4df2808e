# The two commands of the README:
#   make run    -- the service with the bundled sample bank on SQLite (http://127.0.0.1:8000/docs)
#   make test   -- the whole test suite (slow tests excluded: `make test-all` runs them too)
# Both create .venv at the repo root and install the pinned dependencies of requirements.lock.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install run allocate-sample test test-all lint typecheck bench-smoke lock clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/rmalloc serve --host 127.0.0.1 --port 8000

allocate-sample: $(STAMP)
	$(BIN)/rmalloc allocate --sample --out out/plan.csv --kpis out/kpis.json

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not slow" $(PYTEST_ARGS)

test-all: $(STAMP)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

bench-smoke: $(STAMP)
	$(BIN)/python -m benchmarks.gap_bench --smoke

# Re-pin after changing pyproject.toml: installs the ranges, then freezes exact versions.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install -q --upgrade pip && .lock-venv/bin/pip install -q -e '.[dev]'
	.lock-venv/bin/pip freeze --exclude-editable | grep -v '^rm-allocator' > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache out var
