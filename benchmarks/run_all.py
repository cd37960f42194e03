"""Run every benchmark and print one markdown table; also written to benchmarks/latest.md.

    .venv/bin/python -m benchmarks.run_all                  # everything (~3-4 minutes)
    .venv/bin/python -m benchmarks.run_all --skip-embedded  # no model (~40 seconds)
    .venv/bin/python -m benchmarks.run_all --skip-peer      # no LangChain side-by-side (~40 s less)

Exits 1 when a benchmark fails to run; with --strict, also when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import platform
import sys
import time
import traceback
from pathlib import Path

from benchmarks.common import Row, log, paste_in_readme, row, table

MODULES = ("overhead", "chunker", "grounding", "cache", "load", "embedded", "peer")
LATEST = Path(__file__).resolve().parent / "latest.md"


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} / {five:.2f}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--skip-embedded", action="store_true", help="skip the embedded-model benchmark")
    p.add_argument(
        "--skip-peer", action="store_true", help="skip the LangChain side-by-side (peer)"
    )
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = p.parse_args(argv)
    names = [m for m in MODULES if not (args.skip_embedded and m == "embedded")]
    names = [m for m in names if not (args.skip_peer and m == "peer")]
    started = time.perf_counter()
    load_before = _load()
    rows: list[Row] = []
    failed: list[str] = []
    for name in names:
        t = time.perf_counter()
        log(f"== {name}")
        try:
            # the peer runs without its embedded-model part when the model is skipped
            kwargs = {"skip_embedded": True} if name == "peer" and args.skip_embedded else {}
            rows += importlib.import_module(f"benchmarks.{name}").main(**kwargs)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            rows.append(row(name, "FAILED to run (see stderr)", float("nan"), ok=False))
        log(f"== {name} done in {time.perf_counter() - t:.1f}s")
    elapsed = time.perf_counter() - started
    missed = [r for r in rows if r["ok"] is False]
    header = [
        f"# Benchmarks, {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        "",
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; "
        f"load average (1 / 5 min) {load_before} before, {_load()} after; "
        f"run took {elapsed:.0f}s{'; embedded skipped' if args.skip_embedded else ''}.",
        "ratio = value / baseline (both measured in this run); ok = meets target.",
        "",
    ]
    footer = [
        "",
        f"targets met: {sum(r['ok'] is True for r in rows)}, missed: {len(missed)}"
        + (f"; failed to run: {', '.join(failed)}" if failed else "")
        + ".",
    ]
    text = "\n".join([*header, table(rows), *footer]) + "\n"
    LATEST.write_text(text, encoding="utf-8")
    print(text, end="")
    log(f"wrote {LATEST}")
    if not (args.skip_embedded or args.skip_peer or failed):  # only a whole run speaks for us
        quoted = "\n".join([*header, table([r for r in rows if r["target"]]), *footer])
        paste_in_readme("bench", quoted.replace("# Benchmarks,", "#### Latest `make bench`,"))
        log("quoted the targets in README.md")
    if failed or (args.strict and missed):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
