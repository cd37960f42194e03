"""`summarizer serve --workers N`: real worker processes, one model server, nothing left behind.

The "embedded model" here is a fake `llama_cpp.server` module put first on PYTHONPATH: it serves
benchmarks/upstream.py's fake OpenAI-compatible API on the port it is given and notes each start,
so the service's own code starts, watches and stops it exactly as it does the real server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from service.embedded import free_port
from tests.redis_server import RedisServer, needs_redis

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = {"text": "The mayor of Brennick opened a bridge on Monday. It cost four million euros."}

FAKE_SERVER = """
import argparse, os
import uvicorn
from benchmarks.upstream import create_app

p = argparse.ArgumentParser()
p.add_argument("--host")
p.add_argument("--port", type=int)
args, _ = p.parse_known_args()
with open(os.environ["FAKE_MODEL_STARTS"], "a") as f:
    f.write(f"{os.getpid()}\\n")
uvicorn.run(create_app(None), host=args.host, port=args.port, log_level="warning")
"""


def fake_llama_cpp(folder: Path) -> Path:
    server = folder / "llama_cpp" / "server"
    server.mkdir(parents=True)
    (folder / "llama_cpp" / "__init__.py").write_text("")
    (server / "__init__.py").write_text("")
    (server / "__main__.py").write_text(FAKE_SERVER)
    return folder


def children(pid: int) -> list[int]:
    """Every live descendant of `pid` (from /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        found += kids
        todo += kids
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@needs_redis
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree in /proc")
def test_workers_share_one_model_server_one_limit_and_stop_cleanly(
    tmp_path: Path, redis: RedisServer
) -> None:
    starts = tmp_path / "model-starts"
    (tmp_path / "model.gguf").write_bytes(b"GGUF")  # the start-up check reads its header
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    env.update(
        PYTHONPATH=f"{fake_llama_cpp(tmp_path / 'fake')}{os.pathsep}{ROOT}",
        FAKE_MODEL_STARTS=str(starts),
        SUMMARIZER_MODEL_PATH=str(tmp_path / "model.gguf"),  # the fake never opens it
        SUMMARIZER_REDIS_URL=redis.url,
        SUMMARIZER_RATE_LIMIT_PER_MINUTE="5",
        SUMMARIZER_CACHE_ENABLED="false",
    )
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--workers", "2", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    family: list[int] = []
    try:
        deadline = time.monotonic() + 120  # four Python processes start; slow on a busy box
        while (tmp_path / "serve.log").read_text().count("ready to serve") < 2:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            if time.monotonic() > deadline:
                pytest.fail("not ready in 120 s: " + (tmp_path / "serve.log").read_text())
            time.sleep(0.2)
        assert httpx.get(f"{url}/ready", timeout=5).json()["redis"] == "up"
        family = children(proc.pid)
        models = [p for p in family if "llama_cpp.server" in cmdline(p)]
        workers = [p for p in family if "multiprocessing.spawn" in cmdline(p)]
        assert len(models) == 1 and len(starts.read_text().split()) == 1
        assert len(workers) == 2
        # each request on a new connection, so the kernel may hand it to either worker
        codes = [httpx.post(f"{url}/v1/summaries", json=ARTICLE, timeout=30).status_code
                 for _ in range(8)]  # fmt: skip
        assert sorted(codes) == [200] * 5 + [429] * 3
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        deadline = time.monotonic() + 5
        while any(alive(p) for p in family) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [p for p in family if alive(p)] == []
        assert len(starts.read_text().split()) == 1  # started once, never per worker
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for p in family:
            if alive(p):
                os.kill(p, signal.SIGKILL)
        log.close()


@needs_redis
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree in /proc")
def test_the_load_benchmark_runs_across_workers_on_tiny_counts() -> None:
    """benchmarks/load.py's multi-worker run, end to end with tiny counts (not a measurement)."""
    from benchmarks.load import across_workers

    rows = across_workers(workers=2, requests=12, concurrency=4, limit=8)
    checked = {r["metric"]: r["ok"] for r in rows if r["ok"] is not None}
    assert len(checked) == 7 and all(checked.values()), rows
    limited = [r["value"] for r in rows if r["metric"].startswith("designed 429")]
    assert limited == [12 - 8, 24 - 8]  # one limit for both workers, run after run
