"""uvicorn's HTTP/1.1 protocol with a bound on how long a request's headers may take.

uvicorn times out an idle keep-alive connection, but not one that is sending its headers: a
client that sends half a request line and stops (or trickles a byte at a time) holds its
connection, and a file descriptor, for as long as it likes. Here each request's headers must be
complete within `header_timeout_s` of the connection opening, or of the previous response.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("service.api")


class HeaderTimeoutProtocol(H11Protocol):
    """H11Protocol that closes a connection whose request headers do not arrive in time."""

    header_timeout_s: float = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._between_requests():
            self._arm()  # the clock runs from the first byte after the last response at latest
        super().data_received(data)
        if not self._between_requests():
            self._disarm()  # the headers are in: the request's own deadline takes over

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _between_requests(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        self._header_timer = None
        if not self._between_requests() or self.transport.is_closing():
            return
        log.info(
            "closed a connection from %s: no complete request headers within %g s",
            f"{self.client[0]}:{self.client[1]}" if self.client else "?",
            self.header_timeout_s,
        )
        with contextlib.suppress(h11.LocalProtocolError):
            self.conn.send(h11.ConnectionClosed())
        self.transport.close()
