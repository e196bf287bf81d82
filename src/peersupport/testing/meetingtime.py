"""The model's own reading of the meeting's time: pauses, the scheduled end, budgets in force.

A session may be opened with a scheduled end (``ends_at``) and a time-to-close
notice (``close_notice``, 300 s unless given). The model knows the schedule the
session was opened with and predicts, with its own small implementation of the
documented rule (not the engine's code):

* the ``opened`` event records ``ends_at`` and ``close_notice``, and the first
  phase's ``budget`` in force if the schedule shortens it;
* entering a phase with a budget when the budgets planned for it and for every
  phase listed after it add up to more than the time left shortens its budget in
  proportion (``budget * left / planned``, at least 0), recorded as ``budget``;
  the phase's time is up when that budget in force runs out;
* ``time_to_close`` (``{"left": seconds to the end}``) falls due ``close_notice``
  seconds before the end, and ``meeting_overran`` at the end, once each, also
  while the session is paused (a pause stops share and phase timers, not the
  meeting's clock);
* ``Session.time_plan()`` reports the time left, the budget in force and what is
  left of it, the seconds planned for the later phases and how far behind they are.

A recorded schedule, budget or notice other than the model's breaks
``[schedule]``; one recorded at another moment breaks ``[deadlines]``.
"""

from __future__ import annotations

import math

from peersupport.engine.format import Format
from peersupport.engine.session import Session
from peersupport.engine.state import SessionStatus
from peersupport.events import Event, EventKind
from peersupport.testing.notices import NoticeChecks
from peersupport.testing.tables import REASON_CODES
from peersupport.testing.verdict import ConformanceError, failure

__all__ = [
    "MEETING_KINDS",
    "SCHEDULE_KEYS",
    "MeetingTime",
    "check_time_plan",
    "shortened",
]

K = EventKind
_OPEN = SessionStatus.OPEN
_PAUSED = SessionStatus.PAUSED

#: The events of the meeting's schedule (they fall due while paused too).
MEETING_KINDS = frozenset({K.TIME_TO_CLOSE, K.MEETING_OVERRAN})
#: What ``opened`` records of the schedule.
SCHEDULE_KEYS = ("ends_at", "close_notice", "budget")


def shortened(fmt: Format, phase: str, ends_at: float | None, now: float) -> float | None:
    """The budget in force of ``phase`` entered at ``now`` if the schedule shortens it, else None.

    The model's own copy of the rule: the phase's budget times the time left over
    the seconds planned for it and every phase the format lists after it, at
    least 0, when those planned seconds are more than the time left.
    """
    budget = fmt.phases[phase].budget
    if ends_at is None or budget is None:
        return None
    ids = list(fmt.phases)
    planned = sum(fmt.phases[p].budget or 0.0 for p in ids[ids.index(phase) :])
    left = ends_at - now
    if planned <= left:
        return None
    return max(0.0, budget * left / planned)


class MeetingTime(NoticeChecks):
    """Pauses and the meeting's schedule, in the model's fold."""

    def reason_of(self, e: Event) -> dict[str, object]:
        """A pause's, resume's or end's reason as its data holds it: a code, or none."""
        if "reason" not in e.data:
            return {}
        if e.data["reason"] not in REASON_CODES:
            raise self.fail("reason-code", e, f"{e.data['reason']!r} is no reason code")
        return {"reason": e.data["reason"]}

    def _on_paused(self, e: Event) -> None:
        if dict(e.data) != self.reason_of(e):
            raise self.fail("model", e, "its data should be its reason code, if any")
        self.status, self.paused_at = _PAUSED, e.time

    def _on_resumed(self, e: Event) -> None:
        if self.paused_at is None:
            raise self.fail("session-status", e, "resumed a session that is not paused")
        if dict(e.data) != self.reason_of(e):
            raise self.fail("model", e, "its data should be its reason code, if any")
        gap = e.time - self.paused_at
        self.start += gap
        self.phase_start += gap
        self.status, self.paused_at = _OPEN, None

    # -------------------------------------------------------------- budgets in force

    def enter_budget(self, e: Event, phase: str) -> dict[str, object]:
        """Check the ``budget`` that ``e`` (``opened`` or ``phase_entered``) records for ``phase``.

        Sets the budget in force; returns what the event must record of it.

        Raises:
            ConformanceError: ``schedule``.
        """
        budget = shortened(self.fmt, phase, self.ends_at, e.time)
        expected: dict[str, object] = {} if budget is None else {"budget": budget}
        found = {k: v for k, v in e.data.items() if k == "budget"}
        if found != expected:
            raise self.fail(
                "schedule",
                e,
                f"entering {phase} at {e.time:g} s with the meeting scheduled to end at "
                f"{self.ends_at} records {expected or 'no budget'} (planned from "
                f"{phase}: its budget {self.fmt.phases[phase].budget})",
            )
        self.budget = self.fmt.phases[phase].budget if budget is None else budget
        return expected

    def check_opened_schedule(self, e: Event) -> None:
        """The ``opened`` event records the schedule the session was opened with, if any.

        Raises:
            ConformanceError: ``schedule``.
        """
        expected: dict[str, object] = {}
        if self.ends_at is not None:
            expected = {"ends_at": self.ends_at, "close_notice": self.close_notice}
        found = {k: v for k, v in e.data.items() if k in SCHEDULE_KEYS[:2]}
        if found != expected:
            raise self.fail("schedule", e, f"the session opened with the schedule {expected}")
        self.enter_budget(e, self.fmt.initial)

    # -------------------------------------------------------------- the meeting's deadlines

    def fold_meeting_deadline(self, e: Event, previous: float) -> None:
        """``time_to_close`` or ``meeting_overran``: once each, at its moment, paused or not.

        Raises:
            ConformanceError: ``schedule`` (without a schedule, twice, out of
                order, other data) or ``deadlines`` (at another moment).
        """
        ends_at = self.ends_at
        if self.status not in (_OPEN, _PAUSED):
            raise self.fail("deadlines", e, f"the meeting's time fell due while {self.status}")
        if ends_at is None:
            raise self.fail("schedule", e, "the session has no scheduled end")
        if e.kind is K.TIME_TO_CLOSE:
            if self.closing:
                raise self.fail("schedule", e, "a second time-to-close notice")
            at = max(ends_at - self.close_notice, previous)
            expected: dict[str, object] = {"left": ends_at - e.time}
        else:
            if self.overran or not self.closing:
                raise self.fail(
                    "schedule", e, "the meeting overran twice, or before time to close was told"
                )
            at, expected = max(ends_at, previous), {}
        if e.time != at:
            raise self.fail(
                "deadlines",
                e,
                f"due at {at:g} s (the meeting ends at {ends_at:g} s, notice "
                f"{self.close_notice:g} s, the event before at {previous:g} s)",
            )
        if dict(e.data) != expected:
            raise self.fail("schedule", e, f"its data should be {expected}")
        self.closing = True
        self.overran = e.kind is K.MEETING_OVERRAN

    # -------------------------------------------------------------- the time plan

    def time_plan(self, now: float) -> dict[str, object]:
        """The model's own :meth:`~peersupport.Session.time_plan` at ``now``, as a dict."""
        budget, ends_at = self.budget, self.ends_at
        phase_left = None
        if budget is not None:
            start = self.phase_start
            if self.paused_at is not None:  # a pause stops the phase's timer
                start += now - self.paused_at
            phase_left = start + budget - now
        ids = list(self.fmt.phases)
        later = sum(self.fmt.phases[p].budget or 0.0 for p in ids[ids.index(self.phase) + 1 :])
        left = None if ends_at is None else ends_at - now
        behind = 0.0 if left is None else max(0.0, later + max(phase_left or 0.0, 0.0) - left)
        return {
            "now": now,
            "ends_at": ends_at,
            "left": left,
            "phase": self.phase,
            "phase_budget": budget,
            "phase_left": phase_left,
            "planned": later,
            "behind": behind,
        }


def _same(found: object, expected: object) -> bool:
    if isinstance(found, float | int) and isinstance(expected, float | int):
        return math.isclose(found, expected, rel_tol=1e-9, abs_tol=1e-6)
    return found == expected


def check_time_plan(session: Session, model: MeetingTime) -> None:
    """``session.time_plan()`` is the model's (checked when nothing is due, which it would record).

    Raises:
        ConformanceError: ``schedule`` naming the first field that differs
            (seconds compared to a microsecond), or ``engine-error``.
    """
    now = session.clock.now()
    due = model.next_deadline()
    if model.status is SessionStatus.ENDED or (due is not None and due <= now):
        return
    try:
        plan = session.time_plan()
    except Exception as exc:
        raise failure("time_plan()", exc) from exc
    for name, expected in model.time_plan(now).items():
        found = getattr(plan, name)
        if not _same(found, expected):
            raise ConformanceError(
                "schedule",
                f"the time plan's {name} at {now:g} s is {found!r}, the model's {expected!r}",
            )
