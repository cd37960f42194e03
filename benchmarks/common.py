"""What every benchmark shares: result rows, the markdown table, timing and server helpers."""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx2 as httpx

from service.embedded import free_port

ROOT = Path(__file__).resolve().parent.parent
SHARED_REFERENCE = ROOT.parent / "shared" / "reference-article" / "article.txt"
FIXTURE_REFERENCE = ROOT / "evals" / "fixtures" / "reference" / "article.txt"
FIXTURES = ROOT / "evals" / "fixtures"

Row = dict[str, Any]
COLUMNS = ("benchmark", "metric", "value", "baseline", "ratio", "target", "ok")


def paste_in_readme(section: str, body: str) -> None:
    """Replace what stands between `<!-- {section}:start -->` and `<!-- {section}:end -->`."""
    readme_path = ROOT / "README.md"
    start, end = f"<!-- {section}:start -->", f"<!-- {section}:end -->"
    before, rest = readme_path.read_text(encoding="utf-8").split(start, 1)
    _, after = rest.split(end, 1)
    readme_path.write_text(f"{before}{start}\n{body}\n{end}{after}", encoding="utf-8")


def reference_text() -> str:
    """The reference article (the shared copy when present, else the eval fixture)."""
    path = SHARED_REFERENCE if SHARED_REFERENCE.exists() else FIXTURE_REFERENCE
    return path.read_text(encoding="utf-8")


def row(
    benchmark: str,
    metric: str,
    value: float,
    baseline: float | None = None,
    *,
    ratio: float | None = None,
    target: str | None = None,
    ok: bool | None = None,
) -> Row:
    """One result; `ratio` defaults to value / baseline. `ok` is None when no target is set."""
    if ratio is None and baseline:
        ratio = value / baseline
    return {
        "benchmark": benchmark,
        "metric": metric,
        "value": value,
        "baseline": baseline,
        "ratio": ratio,
        "target": target,
        "ok": ok,
    }


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if key == "ok":
        return "yes" if value else "**NO**"
    if isinstance(value, float):
        if key == "ratio":
            return f"{value:.3f}" if abs(value) < 10 else f"{value:,.1f}"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.3f}" if abs(value) < 1 else f"{value:.2f}"
    return str(value)


def table(rows: Sequence[Row]) -> str:
    """A markdown table of rows."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(_cell(k, r.get(k)) for k in COLUMNS) + " |" for r in rows]
    return "\n".join(lines)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation."""
    data = sorted(values)
    if not data:
        raise ValueError("no values")
    k = (len(data) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def log(message: str) -> None:
    """Progress goes to stderr, so stdout holds only the tables."""
    print(message, file=sys.stderr, flush=True)


# --- HTTP servers in child processes ---------------------------------------------------------


class Child:
    """A server child process whose output goes to a temporary file (read on failure)."""

    def __init__(self, cmd: list[str], port: int, env: dict[str, str] | None = None) -> None:
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.output = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )

    def tail(self, chars: int = 2000) -> str:
        self.output.seek(0)
        return self.output.read().decode(errors="replace")[-chars:]

    def wait_for(self, path: str, timeout: float = 120.0) -> float:
        """Poll GET path until it answers 200; seconds since the process was launched."""
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=5.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"server exited with {self.process.returncode}:\n{self.tail()}"
                    )
                with contextlib.suppress(httpx.TransportError):
                    if client.get(self.base_url + path).status_code == 200:
                        return time.perf_counter() - self.started
                time.sleep(0.05)
        raise RuntimeError(f"server did not answer {path} within {timeout:.0f}s:\n{self.tail()}")

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM, then SIGKILL after `grace` seconds."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output.close()


@contextlib.contextmanager
def served(kind: str, *extra: str, ready_path: str = "/health") -> Iterator[Child]:
    """One of benchmarks.servers' apps under uvicorn in a child process, for a with-block."""
    port = free_port()
    cmd = [sys.executable, "-m", "benchmarks.servers", kind, "--port", str(port), *extra]
    child = Child(cmd, port, env=clean_env())
    try:
        child.wait_for(ready_path, timeout=60.0)
        yield child
    finally:
        child.stop()


def clean_env() -> dict[str, str]:
    """This environment without OPENAI_* or SUMMARIZER_* (so settings are the defaults)."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "SUMMARIZER_")) and k != "PYTHONPATH"
    } | {"PYTHONPATH": str(ROOT)}


def run_module(main: Any) -> None:
    """`python -m benchmarks.<name>`: run, print the table."""
    print(table(main()))


def timed_posts(
    client: httpx.Client, url: str, bodies: Sequence[bytes], *, keep: bool = False
) -> tuple[list[float], list[Any]]:
    """POST each body in turn; latencies in ms and, with keep, the decoded answers.

    Answers are decoded outside the timed region, so both servers pay the same client cost.
    """
    latencies: list[float] = []
    answers: list[Any] = []
    headers = {"content-type": "application/json"}
    for body in bodies:
        t = time.perf_counter()
        r = client.post(url, content=body, headers=headers)
        latencies.append((time.perf_counter() - t) * 1000)
        if r.status_code != 200:
            raise RuntimeError(f"POST {url} answered {r.status_code}: {r.text[:500]}")
        if keep:
            answers.append(r.json())
    return latencies, answers
