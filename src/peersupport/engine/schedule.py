"""The meeting's time: its scheduled end, the time-to-close notice, budgets that adapt.

A session may know when the meeting is scheduled to end (``ends_at`` when it
opens; for a weekly meeting, :meth:`peersupport.Meeting.scheduled_end`). The
``opened`` event records it with ``close_notice``. Then:

* ``close_notice`` seconds before the end (300 s by default) the engine records
  ``time_to_close``, and at the end, if the session still runs,
  ``meeting_overran``. Both fall due while the session is paused too: a pause
  stops share and phase timers, not the clock on the wall.
* When a phase is entered, and its budget and the budgets of the phases after it
  (in the order the format lists them) add up to more than the time left, its
  budget shrinks in proportion: the phases still to come share the time left
  as their budgets planned it. The ``phase_entered`` (or ``opened``) event
  records the budget in force as ``budget``; without a schedule, or on time,
  the format's budget holds and nothing more is recorded.
* :func:`plan` (:meth:`peersupport.Session.time_plan`) tells the
  facilitator how the time stands: left in the meeting, in this phase, and
  planned for the phases after it.
"""

from __future__ import annotations

from typing import Final

import attrs

from peersupport.engine.events import EventData, EventKind
from peersupport.engine.fold import LiveState
from peersupport.engine.format import Format, PhaseSpec
from peersupport.engine.state import SessionState
from peersupport.validate import check_seconds, check_time

__all__ = [
    "DEFAULT_CLOSE_NOTICE",
    "TimePlan",
    "adapted_budget",
    "check_schedule",
    "meeting_deadline",
    "meeting_event",
    "plan",
    "planned",
]

DEFAULT_CLOSE_NOTICE: Final = 300.0
"""Seconds before the scheduled end when ``time_to_close`` is recorded, by default."""

_TIME_TO_CLOSE: Final = EventKind.TIME_TO_CLOSE
_MEETING_OVERRAN: Final = EventKind.MEETING_OVERRAN


def check_schedule(ends_at: object, close_notice: object, now: float) -> tuple[float, float]:
    """Return ``(ends_at, close_notice)`` as floats if they make a schedule from ``now``.

    Raises:
        ValueError: ``ends_at`` is not a finite time after ``now``, or ``close_notice``
            is not a duration (more than 0, at most a day).
    """
    end = check_time(ends_at, "the scheduled end (ends_at)")
    notice = float(check_seconds(close_notice, "the time-to-close notice (close_notice)"))
    if end <= now:
        raise ValueError(f"the scheduled end ({end:g}) must come after the session opens ({now:g})")
    return end, notice


def planned(fmt: Format, phase_id: str) -> float:
    """Seconds the format plans for ``phase_id`` and every phase listed after it."""
    total = 0.0
    counting = False
    for spec in fmt.phases.values():
        counting = counting or spec.id == phase_id
        if counting and spec.budget is not None:
            total += spec.budget
    return total


def adapted_budget(
    fmt: Format, phase: PhaseSpec, ends_at: float | None, now: float
) -> float | None:
    """The budget ``phase`` of ``fmt`` gets when entered at ``now``, if ``ends_at`` shortens it.

    ``None`` when the format's budget holds: no schedule, no budget, or enough time.
    """
    budget = phase.budget
    if ends_at is None or budget is None:
        return None
    plan, left = planned(fmt, phase.id), ends_at - now
    if plan <= left:
        return None
    return max(0.0, budget * left / plan)


def meeting_deadline(live: LiveState) -> tuple[float, str, str | None] | None:
    """The next deadline of the meeting's schedule (``time-to-close``, ``meeting-end``)."""
    ends_at = live.ends_at
    if ends_at is None or live.overran:
        return None
    if not live.closing:
        return (ends_at - live.close_notice, "time-to-close", None)
    return (ends_at, "meeting-end", None)


def meeting_event(live: LiveState, kind: str, at: float) -> tuple[EventKind, EventData]:
    """What to record when the schedule's deadline ``kind`` falls due at ``at``."""
    assert live.ends_at is not None
    if kind == "time-to-close":
        return _TIME_TO_CLOSE, EventData(left=live.ends_at - at)
    return _MEETING_OVERRAN, EventData()


@attrs.frozen
class TimePlan:
    """How the meeting's time stands, for the facilitator (:meth:`Session.time_plan`).

    Attributes:
        now: The clock time of this plan.
        ends_at: The scheduled end, or ``None`` without a schedule.
        left: Seconds until the scheduled end (negative once it passed), or ``None``.
        phase: The current phase.
        phase_budget: The current phase's budget in force (shortened if the meeting
            runs late), or ``None`` if it has none.
        phase_left: Seconds left of that budget (negative once used up), or ``None``.
        planned: Seconds the format plans for the phases after this one.
        behind: By how many seconds the phases after this one would overrun the
            scheduled end if this phase uses its budget and they use theirs (0: on time).
    """

    now: float
    ends_at: float | None
    left: float | None
    phase: str
    phase_budget: float | None
    phase_left: float | None
    planned: float
    behind: float


def plan(state: SessionState, fmt: Format, now: float) -> TimePlan:
    """The :class:`TimePlan` of a session in ``state`` (of format ``fmt``) at ``now``.

    It reads the state alone and records nothing: an app drawing a page may call
    it with the state it shows (:meth:`Session.time_plan` records what fell due first).
    """
    budget, ends_at = state.phase_budget, state.ends_at
    phase_left = None
    if budget is not None:
        until = state.paused_at if state.paused_at is not None else now  # a pause stops it
        phase_left = state.phase_started_at + budget - until
    later = planned(fmt, state.phase) - (fmt.phases[state.phase].budget or 0.0)
    left = None if ends_at is None else ends_at - now
    behind = 0.0
    if left is not None:
        behind = max(0.0, later + max(phase_left or 0.0, 0.0) - left)
    return TimePlan(now, ends_at, left, state.phase, budget, phase_left, later, behind)
