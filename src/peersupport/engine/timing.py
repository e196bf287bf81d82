"""Time as methods of :class:`~peersupport.Session` (mixed into it): deadlines and the plan.

The deadlines themselves are :mod:`peersupport.engine.deadlines`; the meeting's
schedule (its end, the time-to-close notice, budgets that adapt) is
:mod:`peersupport.engine.schedule`.
"""

from __future__ import annotations

from peersupport.engine.events import Event
from peersupport.engine.ledger import Ledger
from peersupport.engine.schedule import TimePlan, plan
from peersupport.engine.snapshot import snapshot
from peersupport.engine.state import Deadline

__all__ = ["TimeActions"]


class TimeActions:
    """Deadlines, ``apply_due`` and the time plan of a :class:`~peersupport.Session`."""

    __slots__ = ()
    _ledger: Ledger

    def next_deadline(self) -> Deadline | None:
        """The next deadline (time warning, share limit, phase budget, or the schedule's).

        An app schedules a wake-up for ``deadline.at`` and then calls
        :meth:`apply_due`; a simulation advances its manual clock.
        """
        return self._ledger.next_deadline()

    def apply_due(self) -> tuple[Event, ...]:
        """Record every deadline that fell due by now; return the events recorded.

        Each event is stamped with the moment its deadline fell due, so a late
        call records the same log as a punctual one. Every action first records
        the deadlines that fell due *before* it; an action at exactly a deadline
        comes first, so a share ended exactly at its limit is not overtime.
        """
        ledger = self._ledger
        ledger.enter(None, "apply_due")
        try:
            start = len(ledger.events)
            ledger.catch_up(ledger.now(), inclusive=True)
            return tuple(ledger.events[start:])
        finally:
            ledger.leave()

    def time_plan(self) -> TimePlan:
        """How the meeting's time stands now, for the facilitator.

        Time left until the scheduled end (if the session knows it), left of the
        current phase's budget in force, planned for the phases after it, and by
        how much those would overrun the end. Deadlines that fell due by now are
        recorded first (as by :meth:`apply_due`).
        """
        ledger = self._ledger
        ledger.enter(None, "time_plan")
        try:
            now = ledger.now()
            ledger.catch_up(now, inclusive=True)
            live = ledger.live
            return plan(snapshot(live), live.format, now)
        finally:
            ledger.leave()
