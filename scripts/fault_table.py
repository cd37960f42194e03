"""Write docs/faults.md: every bad input and fault in tests/faults.py, run now, and the load test.

Usage: .venv/bin/python scripts/fault_table.py   (about 15 seconds; no model needed)

The rows are what the service answered in this run, not what it is meant to answer; the test
suite (tests/test_faults.py) checks the same cases and that this document lists each of them.
"""

from __future__ import annotations

import datetime
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import load  # noqa: E402
from benchmarks.common import table  # noqa: E402
from tests.faults import INPUT, UPSTREAM, Fault, describe, run  # noqa: E402

DOC = ROOT / "docs" / "faults.md"
COLUMNS = ("case", "tried", "status", "answer", "headers", "model calls")


def rows(faults: list[Fault]) -> list[str]:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for fault in faults:
        cells = describe(fault, run(fault))
        cells["case"] = f"`{cells['case']}`"
        lines.append("| " + " | ".join(cells[c] for c in COLUMNS) + " |")
    return lines


def main() -> None:
    now = datetime.datetime.now().astimezone()
    machine = f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores"
    text = [
        "# Bad input, failing models, overload: what each gets",
        "",
        f"Written by `scripts/fault_table.py` on {now:%Y-%m-%d %H:%M %Z} ({machine}) from the",
        "cases in `tests/faults.py`, each sent to a fresh app over a fake OpenAI-compatible",
        "model that misbehaves on command. `tests/test_faults.py` checks the same cases on",
        "every `make test`. Every answer has the JSON shape `{error, message, request_id,",
        "details}` and an `X-Request-ID` header; no case gets a 500 or a stack trace.",
        "",
        "## Bad input",
        "",
        *rows(INPUT),
        "",
        "## A failing model",
        "",
        "The openai client retries 429, 5xx and connection errors itself (`max_retries`, with",
        "back-off and jitter, honouring `Retry-After`); these cases run with retries off so",
        "that one scripted failure is the final one.",
        "",
        *rows(UPSTREAM),
        "",
        "## Load",
        "",
        f"`python -m benchmarks.load`: {load.REQUESTS} requests, {load.CONCURRENCY} at a time,",
        f"in process, against a fake model that takes {load.UPSTREAM_S * 1000:.0f} ms a call;",
        "4 summaries may run and 16 wait, the rest must get a quick 503 with `Retry-After`.",
        f"Then (`{load.WORKERS_NAME}` rows, when redis-server is installed) the same load over",
        f"loopback on `summarizer serve --workers {load.WORKERS}` sharing a real Redis, each",
        "request a distinct article, with the same limits per worker and a rate limit of",
        f"{load.LIMIT} a minute per API key for all workers: exactly sent − {load.LIMIT} answers",
        "must be 429, and memory is the resident size of the service's processes.",
        "",
        table(load.main()),
        "",
        "Also tried on every `make test`: hypothesis fuzzing of the request body",
        "(`tests/test_fuzz.py`: no 5xx, every answer in the documented shape) and prompt",
        "injection against the fake model and the real embedded one (`tests/test_api.py`,",
        "`tests/test_e2e_embedded.py`).",
        "",
    ]
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text("\n".join(text), encoding="utf-8")
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
