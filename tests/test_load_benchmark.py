"""benchmarks/load.py's count of the 429s one shared rate limit must give, window by window."""

from __future__ import annotations

import pytest

from benchmarks.load import designed_429s

T = 1_800_000_000  # an epoch second


@pytest.mark.parametrize(
    ("ends", "limit", "expected"),
    [
        ([T] * 10, 4, (6, 1, True)),  # one window: all past the limit
        ([T] * 3, 4, (0, 1, True)),
        # the answers' estimates of one window's end differ by a second or two
        ([T, T + 1, T + 2, T, T + 1, T + 2], 4, (2, 1, True)),
        # a run slower than a minute: a second window, its own limit
        ([T] * 6 + [T + 75] * 5, 4, (3, 2, True)),
        # a window 20 s after the shared one: counted by one worker alone (failing open)
        ([T] * 6 + [T + 20] * 3, 4, (2, 2, False)),
        ([], 4, (0, 0, True)),
    ],
)
def test_designed_429s_are_counted_per_window(
    ends: list[int], limit: int, expected: tuple[int, int, bool]
) -> None:
    assert designed_429s(ends, limit) == expected
