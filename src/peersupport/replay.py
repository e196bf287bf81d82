"""Replay: rebuild a session from its event log, checking every event.

Each logged event is turned back into the action that produced it and run
through the same checks and the same fold as the live session; what it produces
must equal the logged event. Deadline events are re-derived from the clock.
A log that was edited, truncated or reordered raises :class:`LogError` naming
the line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

from peersupport.clock import ManualClock
from peersupport.errors import ActionRejected, CrossTalkBlocked, LogError
from peersupport.events import Event, EventKind, check_order
from peersupport.format import Format
from peersupport.model import Group
from peersupport.session import Session

__all__ = ["replay", "replay_steps"]

_K = EventKind
S = TypeVar("S", bound=Session)
#: Kinds the engine appends by itself when a deadline falls due.
DEADLINE_KINDS = frozenset({_K.TIME_WARNING, _K.OVERTIME, _K.PHASE_TIME_UP})


def replay(cls: type[S], group: Group, format: Format, events: Iterable[Event]) -> S:  # noqa: A002
    """Rebuild a session of class ``cls`` from ``events`` (see :meth:`Session.replay`).

    Raises:
        LogError: Naming the event (1-based line) that does not replay.
    """
    session: S | None = None
    for _event, step in replay_steps(cls, group, format, events):
        session = step
    if session is None:
        raise LogError(1, "the log is empty; it must start with an 'opened' event")
    return session


def replay_steps(
    cls: type[S],
    group: Group,
    format: Format,  # noqa: A002
    events: Iterable[Event],
) -> Iterator[tuple[Event, S]]:
    """Replay events one by one, yielding ``(event, session)`` after each.

    The same session object is yielded each time, in the state right after
    that event (useful to render a timeline). See :meth:`replay`.
    """
    log: Sequence[Event] = list(events)
    check_order(log)
    if not log:
        return
    first = log[0]
    if first.kind is not _K.OPENED:
        raise LogError(1, f"a log starts with an 'opened' event, not {first.kind.value!r}")
    if first.data.get("format") != format.name:
        raise LogError(1, f"the log is of format {first.data.get('format')!r}, not {format.name!r}")
    clock = ManualClock(first.time)
    session = cls(group, format, clock=clock, hooks=False)
    _expect(session, first, 0)
    yield first, session
    for index in range(1, len(log)):
        event = log[index]
        if len(session._events) <= index:
            clock.set(event.time)
            _reenact(session, event, index)
        _expect(session, event, index)
        yield event, session
    if len(session._events) > len(log):
        extra = session._events[len(log)]
        raise LogError(
            len(log) + 1,
            f"the log ends early: a {extra.kind.value!r} event at {extra.time:g} s is missing",
        )


def _expect(session: Session, logged: Event, index: int) -> None:
    produced = session._events[index]
    if produced != logged:
        said, made = _describe(logged), _describe(produced)
        if said == made:  # only the data differ: show them
            said, made = f"{said} with {logged.data}", f"{made} with {produced.data}"
        raise LogError(index + 1, f"the log has {said} but replay produced {made}")


def _reenact(session: Session, e: Event, index: int) -> None:
    line = index + 1
    kind = e.kind
    actor = e.actor
    member = e.member
    try:
        if kind is _K.RULE_NOTICE:
            raise LogError(line, f"{_describe(e)}: no rule gives such a notice here")
        if kind in DEADLINE_KINDS or (kind is _K.SHARE_ENDED and actor is None):
            session.apply_due()
            if len(session._events) <= index:
                raise LogError(line, f"{_describe(e)}: nothing fell due at {e.time:g} s")
            return
        if actor is None:
            raise LogError(line, f"{_describe(e)} has no actor")
        by = None if actor == member else actor
        if kind in _MEMBER_ACTIONS:
            if member is None:
                raise LogError(line, f"{_describe(e)} names no member")
            if kind is _K.ARRIVED:
                role = e.data.get("role")
                session.arrive(member, by=by, role=role if isinstance(role, str) else None)
            else:
                _MEMBER_ACTIONS[kind](session, member, by=by)
        elif kind in (_K.PHASE_ENTERED, _K.ROUND_STARTED):
            target = e.data.get("phase")
            if not isinstance(target, str):
                raise LogError(line, f"{_describe(e)} names no phase")
            session.advance(by=actor, to=target)
        elif kind is _K.AGREEMENT_AMENDED:
            changes = {k: v for k, v in e.data.items() if k != "version"}
            session.amend_agreement(by=actor, **changes)
        elif kind in (_K.TURN_SKIPPED, _K.CALLED_ON):
            if member is None:
                raise LogError(line, f"{_describe(e)} names no member")
            if kind is _K.TURN_SKIPPED:
                session.skip(member, by=actor)
            else:
                session.call_on(member, by=actor)
        elif kind in _FACILITATOR_ACTIONS:
            _FACILITATOR_ACTIONS[kind](session, by=actor)
        else:
            raise LogError(line, f"{_describe(e)} cannot appear after the first line")
    except CrossTalkBlocked:
        if kind is not _K.CROSS_TALK_BLOCKED:
            raise LogError(line, f"{_describe(e)} was blocked on replay") from None
    except (ActionRejected, ValueError, TypeError) as exc:
        if isinstance(exc, LogError):
            raise
        raise LogError(line, f"{_describe(e)} was refused on replay: {exc}") from None


_MEMBER_ACTIONS: dict[EventKind, Callable[..., Event]] = {
    _K.ARRIVED: Session.arrive,
    _K.LEFT: Session.leave,
    _K.CONSENTED: Session.consent,
    _K.SHARE_STARTED: Session.start_share,
    _K.SHARE_ENDED: Session.end_share,
    _K.PASSED: Session.pass_turn,
    _K.INTERJECTED: Session.interject,
    _K.CROSS_TALK_BLOCKED: Session.interject,
}
_FACILITATOR_ACTIONS: dict[EventKind, Callable[..., Event]] = {
    _K.ROUND_CLOSED: Session.close_round,
    _K.PAUSED: Session.pause,
    _K.RESUMED: Session.resume,
    _K.ENDED: Session.end,
}


def _describe(e: Event) -> str:
    who = f" by {e.actor}" if e.actor else ""
    about = f" for {e.member}" if e.member and e.member != e.actor else ""
    return f"event {e.seq} '{e.kind.value}'{who}{about} at {e.time:g} s"
