"""A bound in time the event loop ran: a stalled loop is not a slow server, a silent one is."""

from __future__ import annotations

import asyncio
import time

import pytest

from service.loop_clock import LoopClock


async def test_a_call_that_never_answers_fails_after_its_bound_on_a_free_loop() -> None:
    cancelled = asyncio.Event()

    async def silent() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    started = time.perf_counter()
    with pytest.raises(TimeoutError):
        await LoopClock().bounded(silent, 0.05, 5.0)
    assert 0.05 <= time.perf_counter() - started < 0.5
    assert cancelled.is_set()  # the call itself is cancelled, not left running


async def test_an_answer_read_late_because_the_loop_stood_still_is_returned() -> None:
    async def prompt() -> str:
        await asyncio.sleep(0.02)  # answers in 20 ms, while the loop is stalled
        return "answer"

    loop = asyncio.get_running_loop()
    loop.call_later(0.005, time.sleep, 0.3)  # the loop does not run from 5 to 305 ms
    assert await LoopClock().bounded(prompt, 0.05, 5.0) == "answer"


async def test_the_wall_bound_holds_on_a_loop_that_hardly_runs() -> None:
    done = asyncio.Event()

    async def starve() -> None:
        while not done.is_set():
            time.sleep(0.1)  # the loop runs about 1 ms in 100
            await asyncio.sleep(0.001)

    hog = asyncio.create_task(starve())
    started = time.perf_counter()
    with pytest.raises(TimeoutError):
        await LoopClock().bounded(lambda: asyncio.sleep(10), 0.05, 0.4)
    seconds = time.perf_counter() - started
    done.set()
    await hog
    # 0.05 s of running loop would take about 5 s here: the wall bound comes first
    assert 0.4 <= seconds < 0.8


async def test_an_error_of_the_call_is_its_own() -> None:
    async def refused() -> None:
        raise ConnectionRefusedError("no")

    with pytest.raises(ConnectionRefusedError):
        await LoopClock().bounded(refused, 0.05, 5.0)
