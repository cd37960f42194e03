# The README's commands. Each target installs what it needs first (idempotent, quick when done).
.PHONY: install browser redis serve test eval bench test-fast lint typecheck e2e bench clean

VENV := .venv
PY := $(VENV)/bin/python
# The embedded model to install and serve (a key of `summarizer models list`); empty = default.
MODEL ?=

install:
	@MODEL=$(MODEL) bash scripts/install.sh

serve: install
	$(VENV)/bin/summarizer $(if $(MODEL),--embedded-model $(MODEL)) serve --host 127.0.0.1 --port 8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

# Debian's chromium for the page's browser tests (Playwright drives it; nothing is downloaded).
browser:
	@bash scripts/install-browser.sh

# Debian's redis-server for the tests of shared state across workers (each test starts its own
# on a free loopback port).
redis:
	@bash scripts/install-redis.sh

# Everything: lint, types, unit and API tests on fakes, the page in a real browser, shared state
# in a real Redis, then end-to-end on the real embedded model.
test: lint typecheck browser redis
	$(PY) -m pytest

# Unit and API tests only (no embedded model).
test-fast: install
	$(PY) -m pytest -m "not e2e"

# Replay the recorded eval and check it against the baselines (no model needed).
eval: install
	$(VENV)/bin/summarizer eval --replay --check

# Benchmarks: prints a table and writes benchmarks/latest.md.
bench: install
	$(PY) -m benchmarks.run_all

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
