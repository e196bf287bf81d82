"""The queue's actions as methods of :class:`~peersupport.Session` (mixed into it).

The actions themselves, their checks and commits, are in
:mod:`peersupport.engine.hands`; this class only gives the session their names.
(It is a module of its own because the session is plain Python and
:mod:`~peersupport.engine.hands` may be compiled: a compiled class cannot be a base
of an interpreted one.)
"""

from __future__ import annotations

from peersupport.engine import hands
from peersupport.engine.events import Event
from peersupport.engine.ledger import Ledger

__all__ = ["HandActions"]


class HandActions:
    """The queue's actions of a :class:`~peersupport.Session` (mixed into it)."""

    __slots__ = ()
    _ledger: Ledger

    def raise_hand(self, member: str, *, by: str | None = None) -> Event:
        """``member`` raises their hand to share in a phase with a queue.

        Where the hand joins the queue is the phase's turn policy's order rule
        (first come, or progressive), recorded in the event. A facilitator may
        raise a hand for someone (``by``).

        Raises:
            WrongPhase: The phase has no queue (rule ``raised-hands``).
            AlreadyDone: Their hand is up already, or they hold the floor
                (``one-hand-each``).
            RuleViolation: They reached the policy's shares per phase
                (``shares-per-phase``).
            SessionPaused: The session is paused (the queue is frozen).
        """
        return hands.raise_hand(self._ledger, member, by)

    def lower_hand(self, member: str, *, by: str | None = None) -> Event:
        """``member`` lowers their hand; with ``by``, a facilitator takes them off the queue."""
        return hands.lower_hand(self._ledger, member, by)

    def move_hand(self, member: str, position: int, *, by: str) -> Event:
        """A facilitator moves ``member``'s entry to ``position`` (0: the head) of the queue."""
        return hands.move_hand(self._ledger, member, position, by)

    def clear_hands(self, *, by: str) -> Event:
        """A facilitator clears the queue: every hand goes down."""
        return hands.clear_hands(self._ledger, by)

    def raise_point(self, member: str, *, by: str | None = None) -> Event:
        """``member`` raises a point of process: it comes before any share.

        What the point is, is not recorded. Allowed in any phase, paused or not.

        Raises:
            AlreadyDone: Their point is pending (``point-of-process``).
        """
        return hands.raise_point(self._ledger, member, by)

    def acknowledge_point(self, member: str, *, by: str) -> Event:
        """A facilitator acknowledges ``member``'s point of process."""
        return hands.acknowledge_point(self._ledger, member, by)

    def resolve_point(self, member: str, *, by: str, outcome: str = "resolved") -> Event:
        """A facilitator closes ``member``'s acknowledged point of process.

        Args:
            member: Who raised it.
            by: The facilitator.
            outcome: ``"resolved"``, or ``"amendment"`` (taken to an amendment of
                the agreement).
        """
        return hands.resolve_point(self._ledger, member, outcome, by)

    def shares_of(self, member: str) -> tuple[int, float]:
        """``(shares, seconds spoken)`` of ``member`` so far in this session."""
        live = self._ledger.live
        return live.shares.get(member, 0), live.speaking.get(member, 0.0)
