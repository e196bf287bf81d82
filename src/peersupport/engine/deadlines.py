"""Deadlines: when a share's warning, its limit and a phase's budget fall due.

A live session asks :func:`next_deadline` after every change that can move one,
and when the clock passes it, :func:`due_event` says what to record. The share
limits in force come from the ``share-time-limit`` rule the format was compiled
with (``Limits`` is its ``(warn_at, share_limit, hard_cap)``).

A deadline at ``T`` is due from ``T`` on; each deadline event is stamped with the
moment it fell due, so a late call records the same log as a punctual one. A
change that makes a deadline due retroactively (a shorter limit agreed
mid-share) makes it fall due at the moment of that change. Deadlines due at the
same moment are recorded in a fixed order: the share's warning, its limit, the
phase's budget, then the meeting's notice and overrun.
"""

from __future__ import annotations

from typing import Final

from peersupport.engine.events import EventData, EventKind
from peersupport.engine.fold import LiveState
from peersupport.engine.schedule import meeting_deadline, meeting_event
from peersupport.engine.state import SessionStatus

__all__ = ["Found", "Limits", "due_event", "next_deadline", "share_end_data"]

#: ``(warn_at, share_limit, hard_cap)`` in force for a share.
Limits = tuple[float | None, float | None, bool]
#: ``(at, kind, member)``: when a deadline falls due, which, and whose share.
Found = tuple[float, str, str | None]

_OVERTIME: Final = EventKind.OVERTIME
_PHASE_TIME_UP: Final = EventKind.PHASE_TIME_UP
_SHARE_ENDED: Final = EventKind.SHARE_ENDED
_TIME_WARNING: Final = EventKind.TIME_WARNING
_OPEN: Final = SessionStatus.OPEN
_PAUSED: Final = SessionStatus.PAUSED


def next_deadline(live: LiveState, limits: Limits) -> Found | None:
    """The next deadline of an open session (of a paused one: of its schedule), or ``None``."""
    if live.status is not _OPEN:
        if live.ends_at is None or live.status is not _PAUSED:
            return None
        found = meeting_deadline(live)
        if found is not None and found[0] < live.time:
            found = (live.time, found[1], found[2])
        return found
    best: Found | None = None
    floor = live.floor
    holder = floor.holder
    if holder is not None:
        warn, limit, _hard = limits
        if warn is not None and not floor.warned and not floor.over:
            best = (floor.started + warn, "time-warning", holder)
        if limit is not None and not floor.over:
            at = floor.started + limit
            if best is None or at < best[0]:
                best = (at, "share-limit", holder)
    budget = live.budget
    if budget is not None and not live.time_up:
        at = live.phase_started + budget
        if best is None or at < best[0]:
            best = (at, "phase-budget", None)
    if live.ends_at is not None:
        meeting = meeting_deadline(live)
        if meeting is not None and (best is None or meeting[0] < best[0]):
            best = meeting
    if best is not None and best[0] < live.time:
        best = (live.time, best[1], best[2])
    return best


def share_end_data(live: LiveState, limits: Limits, now: float) -> EventData:
    """``duration`` (pauses excluded) and, if over the limit, ``overtime`` of the share now."""
    started = live.floor.started
    end = live.paused_at if live.status is _PAUSED and live.paused_at is not None else now
    duration = end - started
    limit = limits[1]
    # Compare moments the way the deadline does (start + limit), so a share ending
    # exactly at its limit is never overtime by a rounding error.
    if limit is not None and started + duration > started + limit:
        return EventData(duration=duration, overtime=duration - limit)
    return EventData(duration=duration)


def due_event(
    live: LiveState, limits: Limits, found: Found
) -> tuple[EventKind, str | None, EventData]:
    """What to record when ``found`` falls due: ``(kind, member, data)``.

    Share deadlines name the format's ``share-time-limit`` rule.

    Args:
        live: The session's state.
        limits: The share limits in force.
        found: The deadline, from :func:`next_deadline`.
    """
    at, kind, member = found
    rule = live.format.always_on.share_time_limit.id
    if kind == "time-warning":
        return _TIME_WARNING, member, EventData(rule=rule)
    if kind == "share-limit":
        _warn, limit, hard = limits
        if hard:
            duration = share_end_data(live, limits, at)["duration"]
            return _SHARE_ENDED, member, EventData(duration=duration, rule=rule)
        return _OVERTIME, member, EventData(rule=rule, limit=limit)
    if kind == "phase-budget":
        return _PHASE_TIME_UP, None, EventData(phase=live.phase.id, budget=live.budget)
    meeting_kind, data = meeting_event(live, kind, at)
    return meeting_kind, None, data
