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
# Faults that are not one request and its answer, each checked by the test named.
EDGES = [
    "## Beyond one request",
    "",
    "| tried | what happens | checked by |",
    "|---|---|---|",
    "| the client disconnects while the model works | its model call is cancelled and its slot "
    "freed at once; counted as 499 `client_disconnected`, never 500 | "
    "`tests/test_api_edges.py::test_a_client_that_goes_away_frees_its_slot_and_is_not_a_500` |",
    "| a 20 MB chunked body with no Content-Length | refused at the first chunk past the limit "
    "(at most 5 of 1,000 chunks read) | "
    "`tests/test_api_edges.py::test_a_streamed_body_is_refused_as_soon_as_it_passes_the_limit` |",
    "| a connection sends half its request headers, then nothing | closed after 10 s "
    "(`summarizer serve`), logged at INFO | "
    "`tests/test_api_edges.py::test_a_connection_that_never_finishes_its_headers_is_closed` |",
    "| `OPENAI_BASE_URL` points at nothing | a WARNING at start-up with the address (no "
    "credentials); every summary's 503 names the address | "
    "`tests/test_api_edges.py::test_a_wrong_endpoint_is_reported_at_start_up` |",
    "| settings out of range or unreadable (`SUMMARIZER_MAX_RUNNING_REQUESTS=0`, "
    "`SUMMARIZER_RATE_LIMIT_PER_MINUTE=abc`, `SUMMARIZER_API_KEYS='[\"sha256:zz\"]'`) | the "
    "command stops with one `error:` line naming the variable, exit code 3 | "
    "`tests/test_cli.py::test_a_bad_setting_is_one_line_and_exit_3` |",
    "| the CLI given a missing file, a directory, an empty or letterless file, a Latin-1 "
    "file, `--prompt-version latest`, a 501-character title | one `error:` line, exit code 2, "
    "before any model starts | `tests/test_cli.py` |",
    "| SIGTERM with requests in flight | they get `SUMMARIZER_SHUTDOWN_GRACE_S` (30 s), then "
    "uvicorn cancels them and logs it | "
    "`tests/test_cli.py::test_serve_bounds_shutdown_and_trusts_no_forwarded_headers_by_default` |",
    "",
]
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
        "must be 429 in each minute's window, and memory is the resident size of the service's",
        "processes.",
        "",
        table(load.main()),
        "",
        "Also tried on every `make test`: hypothesis fuzzing of the request body",
        "(`tests/test_fuzz.py`: no 5xx, every answer in the documented shape) and prompt",
        "injection against the fake model and the real embedded one (`tests/test_api.py`,",
        "`tests/test_e2e_embedded.py`).",
        "",
        *EDGES,
    ]
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text("\n".join(text), encoding="utf-8")
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
