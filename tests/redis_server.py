"""A real redis-server (Debian's, from scripts/install-redis.sh) on a free loopback port.

No persistence unless a test asks for it: the server writes nothing, and what it held is gone
when it stops, as a Redis run only as a cache usually is.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from service.embedded import free_port

REDIS_SERVER = shutil.which("redis-server")

needs_redis = pytest.mark.skipif(
    REDIS_SERVER is None,
    reason="redis-server is not installed (bash scripts/install-redis.sh, or `make test`)",
)


class RedisServer:
    """One redis-server process that can be stopped, killed and started again on its port."""

    def __init__(self, folder: Path, *options: str) -> None:
        self.folder = folder
        self.port = free_port()
        self.options = options
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        assert REDIS_SERVER is not None
        self.folder.mkdir(parents=True, exist_ok=True)
        cmd = [
            REDIS_SERVER,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.folder),
            "--save", "",
            "--appendonly", "no",
            *self.options,
        ]  # fmt: skip
        log = (self.folder / "redis.log").open("ab")
        self.process = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"redis-server exited: {(self.folder / 'redis.log').read_text()}"
                )
            if self.command("PING") == "+PONG":
                return
            time.sleep(0.02)
        raise RuntimeError("redis-server did not answer PING")

    def command(self, *words: str, timeout: float = 1.0) -> str | None:
        """One inline command's first reply line, or None when the server does not answer."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
                s.sendall((" ".join(words) + "\r\n").encode())
                return s.recv(65536).decode().split("\r\n", 1)[0]
        except OSError:
            return None

    def info(self, section: str) -> dict[str, str]:
        """INFO `section` as a dict (e.g. used_memory), or {} when the server does not answer."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1.0) as s:
                s.sendall(f"INFO {section}\r\n".encode())
                reply = b""
                while not reply.endswith(b"\r\n\r\n") and (part := s.recv(65536)):
                    reply += part
        except OSError:
            return {}
        lines = reply.decode().split("\r\n")[1:]
        return dict(line.split(":", 1) for line in lines if ":" in line)

    def stop(self) -> None:
        """SIGTERM, as an orchestrator stops it."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def kill(self) -> None:
        """SIGKILL: a crash, with no chance to save anything on the way out."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None
