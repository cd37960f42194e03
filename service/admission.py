"""Bounded concurrency with a bounded queue: past both, refuse at once instead of piling up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from service.errors import OverloadedError


class Admission:
    """At most `running` requests at the model and `queued` waiting; the rest get a quick 503."""

    def __init__(self, running: int, queued: int, retry_after: float = 5.0) -> None:
        self._slots = asyncio.Semaphore(running)
        self.running_limit = running
        self.queued_limit = queued
        self.retry_after = retry_after
        self.waiting = 0
        self.running = 0
        self.refused = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._slots.locked() and self.waiting >= self.queued_limit:
            self.refused += 1
            raise OverloadedError(
                f"the service is busy ({self.running_limit} running, {self.waiting} queued); "
                "try again shortly",
                retry_after=self.retry_after,
            )
        self.waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self.waiting -= 1
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1
            self._slots.release()
