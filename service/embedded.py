"""The embedded model: llama-cpp-python's OpenAI-compatible server on a loopback port.

The service still speaks to it only through the `openai` client over HTTP, so the same code path
serves OpenAI, vLLM, Ollama or any other compatible endpoint.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from service import models
from service.settings import Settings

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
# The watcher looks at the server this often; a server that ran this long before exiting is
# started again at once, one that keeps exiting sooner waits 2, 4, ... up to MAX_BACKOFF_S.
WATCH_INTERVAL_S = 1.0
STEADY_AFTER_S = 60.0
MAX_BACKOFF_S = 60.0


class EmbeddedModelError(RuntimeError):
    """The embedded model cannot be started."""


def embedded_model_path(settings: Settings) -> Path:
    """The GGUF file the embedded server runs, checked (size and sha256 for a catalog model, the
    GGUF header for any other file); an EmbeddedModelError says what to do otherwise."""
    try:
        if settings.model_path is not None:
            models.check_gguf(settings.model_path)
            return settings.model_path
        return models.resolve(settings.catalog_model)
    except models.ModelFileError as e:
        raise EmbeddedModelError(str(e)) from e


def model_identity(settings: Settings) -> str:
    """What determines the model's answers besides the request: the endpoint and model name, or
    the embedded model file's sha256 (two files with one name never share cached answers)."""
    if settings.openai_base_url is not None:
        return f"remote:{settings.openai_base_url.rstrip('/')}:{settings.model}"
    if settings.model_path is not None:
        return f"gguf:{models.file_sha256(settings.model_path)}"
    return f"gguf:{settings.catalog_model.sha256}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Ask Linux to kill the model server if this process dies without cleaning up.

    SIGKILL, not SIGTERM: the server holds no state, and on SIGTERM it would first finish the
    generation in flight, which can take minutes on a small CPU.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))


class EmbeddedServer:
    """A llama.cpp server child process with a known lifetime."""

    def __init__(
        self,
        model_path: Path,
        *,
        alias: str,
        n_ctx: int = 4096,
        port: int = 0,
        threads: int | None = None,
        on_exit: Callable[[int], None] | None = None,
        extra_args: dict[str, str] | None = None,
    ) -> None:
        """`on_exit(code)` is called from the watcher each time the server exits on its own."""
        self.model_path = model_path
        self.on_exit = on_exit
        self.alias = alias
        self.n_ctx = n_ctx
        self.extra_args = extra_args or {}
        self.port = port or free_port()
        self.threads = threads or max(1, os.cpu_count() or 2)
        self.process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        self._started_at = 0.0
        # a file, not a pipe: a pipe nobody drains would block the server once it fills
        self.log_file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout: float = 180.0) -> str:
        """Start the server and wait until it answers; returns its base URL.

        From then on a watcher thread starts it again, on the same port, whenever it exits on
        its own (a crash, the OOM killer): calls in flight meanwhile fail as an unreachable
        endpoint (503) and the `openai` client's retries usually land on the new server.
        """
        self._stopping.clear()
        if self.log_file.closed:  # stopped before: this is a new run
            self.log_file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self._launch(timeout)
        if self._watcher is None or not self._watcher.is_alive():
            self._watcher = threading.Thread(
                target=self._watch, args=(timeout,), name="embedded-model-watcher", daemon=True
            )
            self._watcher.start()
        return self.base_url

    def command(self) -> list[str]:
        """The server's command line: the catalog's options after the ones every model gets."""
        cmd = [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(self.model_path),
            "--model_alias", self.alias,
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--n_ctx", str(self.n_ctx),
            "--verbose", "False",
            "--n_threads", str(self.threads),
            # the server's default computes the logits of every prompt token (for prompt
            # logprobs, which the service never asks for): the vocabulary's matmul on each token
            # read, not only the last (the 1.5B model read the reference prompt at 16.1 tokens/s
            # with it, 19.9 without, one core); llama_cpp.Llama's default is False
            "--logits_all", "False",
        ]  # fmt: skip
        for name, value in self.extra_args.items():
            cmd += [f"--{name}", value]
        return cmd

    def _launch(self, timeout: float) -> None:
        """Start one server process and wait until it answers."""
        if importlib.util.find_spec("llama_cpp") is None:
            raise EmbeddedModelError("llama-cpp-python is not installed: run `make install`")
        cmd = self.command()
        with self._lock:  # stop() either sees this process or keeps it from being started
            if self._stopping.is_set():
                raise EmbeddedModelError("the embedded model server is being stopped")
            log.info("starting embedded model %s on port %d", self.model_path.name, self.port)
            self.log_file.seek(0)
            self.log_file.truncate()
            proc = self.process = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self.log_file,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
            self._started_at = time.monotonic()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise EmbeddedModelError(
                    f"the embedded model server exited with code {proc.returncode}: "
                    f"{self._log_tail()}"
                )
            if self.answers():
                return
            if self._stopping.wait(0.25):
                raise EmbeddedModelError("the embedded model server was stopped while starting")
        _end(proc, grace=0)
        raise EmbeddedModelError(f"the embedded model server did not answer within {timeout:.0f}s")

    def _watch(self, timeout: float) -> None:
        """Start the server again when it exits on its own; back off when it keeps failing."""
        failures = 0
        while not self._stopping.wait(WATCH_INTERVAL_S):
            proc = self.process
            if proc is None or proc.poll() is None:
                continue
            if self.on_exit is not None:
                self.on_exit(proc.returncode)
            ran = time.monotonic() - self._started_at
            failures = 1 if ran > STEADY_AFTER_S else failures + 1
            delay = 0.0 if failures == 1 else min(MAX_BACKOFF_S, 2.0 ** (failures - 1))
            log.error(
                "the embedded model server exited with code %s after %.0f s; starting it again "
                "in %.0f s: %s",
                proc.returncode, ran, delay, self._log_tail(),
            )  # fmt: skip
            if self._stopping.wait(delay):
                return
            try:
                self._launch(timeout)
            except EmbeddedModelError as e:
                if not self._stopping.is_set():  # else stop() ended the start on purpose
                    log.error("the embedded model server did not start again: %s", e)
            else:
                log.warning("the embedded model server answers again")

    def _log_tail(self) -> str:
        self.log_file.seek(0)
        return self.log_file.read().decode(errors="replace")[-2000:].strip() or "(no output)"

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    def stop(self, grace: float = 10.0) -> None:
        """Stop the server and its watcher: SIGTERM, then SIGKILL after `grace` seconds."""
        self._stopping.set()
        with self._lock:
            proc, self.process = self.process, None
        watcher = self._watcher
        if watcher is not None and watcher is not threading.current_thread():
            watcher.join()
        if proc is not None and proc.poll() is None:
            _end(proc, grace)
            log.info("embedded model stopped")
        self.log_file.close()


def server_args(settings: Settings) -> dict[str, str]:
    """llama.cpp server options of the catalog model (none for a file given by path)."""
    if settings.model_path is not None:
        return {}
    m = settings.catalog_model
    args = {"n_batch": str(m.n_batch), "n_ubatch": str(m.n_ubatch), **m.server_args}
    if m.flash_attn:
        args["flash_attn"] = "True"
    return args


def _end(proc: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds."""
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def model_endpoint(
    settings: Settings, on_exit: Callable[[int], None] | None = None
) -> Iterator[str]:
    """The model's base URL: the configured endpoint, or the embedded server while it runs
    (`on_exit` as for EmbeddedServer)."""
    if settings.openai_base_url is not None:
        yield settings.openai_base_url
        return
    if settings.embedded_url is not None:  # started by a parent process (`serve --workers`)
        yield settings.embedded_url
        return
    server = EmbeddedServer(
        embedded_model_path(settings),
        alias=settings.model,
        n_ctx=settings.embedded_context,
        port=settings.embedded_port,
        threads=settings.embedded_threads,
        on_exit=on_exit,
        extra_args=server_args(settings),
    )
    server.start()
    try:
        yield server.base_url
    finally:
        server.stop()
