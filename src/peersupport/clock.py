"""Clocks: the only source of time for a session.

The engine never sleeps and starts no threads. It reads the time from an
injected clock: :class:`SystemClock` for live sessions, :class:`ManualClock`
for tests and simulations, where time moves only when you move it.
"""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """Anything with a ``now()`` returning seconds as a float, never going back."""

    def now(self) -> float:
        """Return the current time in seconds."""
        ...


class SystemClock:
    """Wall-clock seconds since the epoch that never go backwards.

    The clock is anchored to ``time.time()`` once and then advanced by
    ``time.monotonic()``, so adjustments of the system time cannot make events
    appear out of order.
    """

    __slots__ = ("_mono0", "_wall0")

    def __init__(self) -> None:
        self._wall0 = time.time()
        self._mono0 = time.monotonic()

    def now(self) -> float:
        """Return the current time in seconds since the epoch."""
        return self._wall0 + (time.monotonic() - self._mono0)


class ManualClock:
    """A clock that moves only when told to: for tests and simulations.

    Args:
        start: The initial time in seconds.
    """

    __slots__ = ("_now",)

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)

    def now(self) -> float:
        """Return the current time in seconds."""
        return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` and return the new time.

        Raises:
            ValueError: If ``seconds`` is negative.
        """
        if seconds < 0:
            raise ValueError(f"a clock cannot go back ({seconds} s)")
        self._now += seconds
        return self._now

    def set(self, when: float) -> None:
        """Move the clock to ``when``.

        Raises:
            ValueError: If ``when`` is earlier than the current time.
        """
        if when < self._now:
            raise ValueError(f"a clock cannot go back (from {self._now} to {when})")
        self._now = float(when)

    def __repr__(self) -> str:
        return f"ManualClock({self._now!r})"
