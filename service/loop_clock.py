"""A timeout that counts the time this process's event loop ran, not the time it stood still.

A process whose event loop does not run (not scheduled on a busy core, or busy with other
callbacks) cannot read an answer that is already waiting in its socket. A wall-clock timer that
fires in the same wake-up as that answer wins, and the call counts as the server's failure. Under
load with every process on one core (benchmarks/load.py's load-workers run) that was most of the
"slow Redis": loop lag past 0.1 s in 29-59% of the 10 ms samples, and the worker itself on the
CPU for 12% of that time.

So a bounded call here fails only when the server had `timeout` seconds of a running loop to
answer and did not, or after `wall_bound` seconds of wall time whatever the loop did. The stall is
measured by a tick every TICK_S that runs only while a bounded call is in flight: how late each
tick runs is time the loop could not have read an answer. (Each stall's first TICK_S or less
counts as running: a call must span timeout / TICK_S stalls before that alone could fail it.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

TICK_S = 0.002


class LoopClock:
    """Stalled time of the running event loop, measured while someone needs it."""

    def __init__(self) -> None:
        self._stalled = 0.0  # seconds, summed over the ticks that ran
        self._watchers = 0
        self._due = 0.0
        self._tick_handle: asyncio.TimerHandle | None = None

    def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        self._stalled += max(0.0, now - self._due)
        self._due = now + TICK_S
        self._tick_handle = loop.call_at(self._due, self._tick)

    def stalled(self, now: float) -> float:
        """Seconds stalled so far, the stall going on now included (a tick overdue: other
        callbacks of this loop's turn run before it, and may have run before the caller)."""
        if self._tick_handle is None:
            return self._stalled
        return self._stalled + max(0.0, now - self._due)

    def _watch(self) -> None:
        self._watchers += 1
        if self._tick_handle is None:
            loop = asyncio.get_running_loop()
            self._due = loop.time() + TICK_S
            self._tick_handle = loop.call_at(self._due, self._tick)

    def _unwatch(self) -> None:
        self._watchers -= 1
        if self._watchers == 0 and self._tick_handle is not None:
            self._tick_handle.cancel()
            self._tick_handle = None

    async def bounded(
        self, call: Callable[[], Awaitable[T]], timeout: float, wall_bound: float
    ) -> T:
        """`call()`'s result; TimeoutError once it has had `timeout` seconds of a running loop, or
        `wall_bound` seconds in all. The call is cancelled then (and when the caller is)."""
        loop = asyncio.get_running_loop()
        task = asyncio.ensure_future(call())
        self._watch()
        started = loop.time()
        stalled_before = self.stalled(started)
        try:
            while True:
                now = loop.time()
                elapsed = now - started
                ran = elapsed - (self.stalled(now) - stalled_before)
                left = min(timeout - ran, wall_bound - elapsed)
                if left <= 0:
                    raise TimeoutError(
                        f"no answer in {ran:.3f} s of a running loop ({elapsed:.3f} s)"
                    )
                done, _ = await asyncio.wait({task}, timeout=left)
                if done:
                    return task.result()
        finally:
            self._unwatch()
            if not task.done():
                task.cancel()
                # the call's own clean-up (a connection it drops) runs before we go on
                await asyncio.wait({task})
            if task.done() and not task.cancelled():
                task.exception()  # retrieved: raised above, or of no interest once cancelled
