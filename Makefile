# The README's commands. Each target installs what it needs first (idempotent, quick when done).
.PHONY: install serve test test-fast lint typecheck e2e bench clean

VENV := .venv
PY := $(VENV)/bin/python

install:
	@bash scripts/install.sh

serve: install
	$(VENV)/bin/summarizer serve --host 127.0.0.1 --port 8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

# Everything: lint, types, unit and API tests on fakes, then end-to-end on the real embedded model.
test: lint typecheck
	$(PY) -m pytest

# Unit and API tests only (no embedded model).
test-fast: install
	$(PY) -m pytest -m "not e2e"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
