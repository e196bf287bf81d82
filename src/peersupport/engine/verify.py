"""Verify: re-enact a log through today's checks and compare what they record.

Each logged action is performed again on a fresh session (on a manual clock set
to the event's time), through the same checks, turn policies and rules as a live
session; the events it records must equal the logged ones. Engine events
(deadlines, automatic roll-overs, rule notices) must come out of the actions
and :meth:`~peersupport.Session.apply_due` by themselves.

:func:`reenact` is what :meth:`peersupport.Session.verify` runs. With
``legacy=True`` it reads a log written by peersupport 0.1 (log version 1) and
returns the log today's engine writes for the same actions: that is how old logs
are upgraded (:func:`peersupport.events.upgrade`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from peersupport.clock import ManualClock
from peersupport.engine.events import Event
from peersupport.engine.kinds import KINDS, Actor, K
from peersupport.engine.log import check_order
from peersupport.engine.restore import describe
from peersupport.errors import ActionRejected, CrossTalkBlocked, LogError

__all__ = ["Actions", "reenact"]

_K = K


class Actions(Protocol):
    """What re-enactment needs of a session: its log, its actions and ``apply_due``."""

    @property
    def events(self) -> Sequence[Event]:
        """The log so far."""

    def apply_due(self) -> tuple[Event, ...]:
        """Record what fell due."""

    def arrive(self, member: str, *, by: str | None = ..., role: str | None = ...) -> Event:
        """Arrive."""

    def advance(self, *, by: str, to: str | None = ...) -> Event:
        """Move along the chart."""

    def amend_agreement(self, *, by: str, **changes: Any) -> Event:
        """Amend the agreement."""

    def skip_to(self, to: str, *, by: str) -> Event:
        """Skip to a later phase."""

    def propose_amendment(self, member: str, *, by: str | None = ..., **changes: Any) -> Event:
        """Propose an amendment."""

    def decide_amendment(
        self, proposal: int, *, by: str, agree: int, disagree: int = ..., stand_aside: int = ...
    ) -> Event:
        """Record a decision."""

    def withdraw_amendment(self, proposal: int, *, by: str) -> Event:
        """Withdraw a proposal."""


def _automatic(event: Event) -> bool:
    return event.kind is _K.ROUND_STARTED and event.actor is None


def _perform(session: Actions, e: Event, line: int) -> None:
    """Perform the action that recorded ``e`` (an event with an actor)."""
    spec, actor, member = KINDS[e.kind], e.actor, e.member
    assert actor is not None
    action = spec.action
    if action is None:
        raise LogError(line, f"{describe(e)} is recorded by the engine, not by {actor}")
    if e.kind is _K.ARRIVED:
        role = e.data.get("role")
        assert member is not None
        session.arrive(member, by=None if actor == member else actor, role=role)  # type: ignore[arg-type]
    elif "skipped" in e.data:  # a phase entered past others
        session.skip_to(str(e.data["phase"]), by=actor)
    elif e.kind in (_K.PHASE_ENTERED, _K.ROUND_STARTED):
        session.advance(by=actor, to=str(e.data["phase"]))
    elif e.kind is _K.AGREEMENT_AMENDED:
        changes = {k: v for k, v in e.data.items() if k not in ("version", "proposal")}
        session.amend_agreement(by=actor, **changes)
    elif e.kind is _K.AMENDMENT_PROPOSED:
        changes = {k: v for k, v in e.data.items() if k != "proposal"}
        assert member is not None
        session.propose_amendment(member, by=None if actor == member else actor, **changes)
    elif e.kind is _K.AMENDMENT_DECIDED:
        counts = {k: e.data[k] for k in ("agree", "disagree", "stand_aside")}
        session.decide_amendment(e.data["proposal"], by=actor, **counts)  # type: ignore[arg-type]
    elif e.kind is _K.AMENDMENT_WITHDRAWN:
        session.withdraw_amendment(e.data["proposal"], by=actor)  # type: ignore[arg-type]
    elif e.kind is _K.HAND_MOVED:  # the actions that take a value from the data
        getattr(session, action)(member, e.data["position"], by=actor)
    elif e.kind is _K.POINT_RESOLVED:
        getattr(session, action)(member, by=actor, outcome=e.data["outcome"])
    elif e.kind is _K.REFERRED:
        getattr(session, action)(member, by=actor, to=e.data["to"])
    elif e.kind in (_K.PAUSED, _K.RESUMED, _K.ENDED):
        getattr(session, action)(by=actor, reason=e.data.get("reason"))
    elif member is None:
        getattr(session, action)(by=actor)
    elif spec.actors == {Actor.MEMBER}:  # the member, or someone for them (by=)
        getattr(session, action)(member, by=None if actor == member else actor)
    else:  # who acts on the member is always named (call_on, skip)
        getattr(session, action)(member, by=actor)


def _reenact(session: Actions, log: Sequence[Event], index: int) -> None:
    e = log[index]
    line = index + 1
    if e.kind is _K.RULE_NOTICE:
        raise LogError(line, f"{describe(e)}: no rule gives such a notice here")
    if _automatic(e):
        if index + 1 >= len(log):
            raise LogError(line, f"{describe(e)}: a round starts by itself only with a turn")
        _reenact(session, log, index + 1)
        return
    if e.actor is None:
        session.apply_due()
        return
    try:
        _perform(session, e, line)
    except CrossTalkBlocked:
        if e.kind is not _K.CROSS_TALK_BLOCKED:
            raise LogError(line, f"{describe(e)} was blocked on re-enactment") from None
    except (ActionRejected, ValueError, TypeError) as exc:
        if isinstance(exc, LogError):
            raise
        raise LogError(line, f"{describe(e)} was refused on re-enactment: {exc}") from None


def _same(logged: Event, made: Event, legacy: bool) -> bool:
    if not legacy:
        return logged == made
    if (logged.kind, logged.time, logged.actor, logged.member) != (
        made.kind,
        made.time,
        made.actor,
        made.member,
    ):
        return False
    if logged.kind is _K.OPENED:
        return True  # version 1 recorded less about the session
    return all(made.data.get(k) == v for k, v in logged.data.items())


def _differs(logged: Event, made: Event, line: int) -> LogError:
    said, did = describe(logged), describe(made)
    if said == did:  # only the data differ: show them
        said, did = f"{said} with {dict(logged.data)}", f"{did} with {dict(made.data)}"
    return LogError(line, f"the log has {said} but re-enactment recorded {did}")


def reenact(
    make: Callable[[ManualClock], Actions],
    log: Sequence[Event],
    *,
    legacy: bool = False,
) -> list[Event]:
    """Re-enact ``log`` on ``make(clock)``; return the events it recorded.

    Args:
        make: Makes the fresh session, on the manual clock it is given.
        log: The events to re-enact.
        legacy: Whether ``log`` is of log version 1 (no fingerprints, no
            automatic roll-over events); the result is then the upgraded log.

    Raises:
        LogError: Naming the first event (1-based line) that does not re-enact.
    """
    check_order(log)
    if not log:
        raise LogError(1, "the log is empty; it must start with an 'opened' event")
    clock = ManualClock(log[0].time)
    session = make(clock)
    made = 0  # how many recorded events have been matched
    for index, event in enumerate(log):
        line = index + 1
        if index:
            if len(session.events) <= made:
                clock.set(event.time)
                _reenact(session, log, index)
            while legacy and made < len(session.events) and _automatic(session.events[made]):
                made += 1
            if len(session.events) <= made:
                raise LogError(line, f"{describe(event)}: nothing fell due at {event.time:g} s")
        if not _same(event, session.events[made], legacy):
            raise _differs(event, session.events[made], line)
        made += 1
    recorded = list(session.events)
    if len(recorded) > made:
        extra = recorded[made]
        raise LogError(
            len(log) + 1,
            f"the log ends early: {describe(extra)} is missing",
        )
    return recorded
