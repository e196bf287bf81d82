"""Raised hands and points of process: the queue's actions, from checks to commit.

In a phase whose turn policy offers the floor to the head of a queue
(``Offer.QUEUE``: ``raised-hands``, ``progressive-hands``), members raise and
lower their hands; where a hand joins the queue is the policy's order rule,
recorded in the ``hand_raised`` event, so a restored session has the same queue.
A facilitator may raise or lower a hand for someone, move an entry, clear the
queue, and call on someone out of order (``call_on``); each is recorded with who
did it. Taking the floor or passing takes the member off the queue, and so does
leaving; a new phase starts with an empty queue; while the session is paused
the queue is frozen.

A point of process (a concern about the agreement or safety; what it is, is not
recorded) may be raised by anyone present at any time, paused or not. While one
is pending, the floor of a queue phase is offered to nobody: the facilitator
acknowledges it, then resolves it or takes it to an amendment of the agreement.

:class:`~peersupport.engine.handactions.HandActions` gives
:class:`~peersupport.Session` these actions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from peersupport import plugins
from peersupport.engine import checks
from peersupport.engine.events import EMPTY, Event, EventData, EventKind
from peersupport.engine.kinds import POINT_OUTCOMES
from peersupport.engine.ledger import Ledger
from peersupport.engine.turnpolicy import HandOrder, Offer, TurnPolicy, declared_key
from peersupport.errors import AlreadyDone, NotYourTurn, PluginError, RuleViolation, WrongPhase
from peersupport.validate import brief
from peersupport.values import TAKING_TURNS

if TYPE_CHECKING:
    from peersupport.engine.fold import LiveState

__all__ = [
    "acknowledge_point",
    "clear_hands",
    "lower_hand",
    "move_hand",
    "raise_hand",
    "raise_point",
    "resolve_point",
]

_HAND_RAISED: Final = EventKind.HAND_RAISED
_HAND_LOWERED: Final = EventKind.HAND_LOWERED
_HAND_MOVED: Final = EventKind.HAND_MOVED
_HANDS_CLEARED: Final = EventKind.HANDS_CLEARED
_POINT_RAISED: Final = EventKind.POINT_RAISED
_POINT_ACKNOWLEDGED: Final = EventKind.POINT_ACKNOWLEDGED
_POINT_RESOLVED: Final = EventKind.POINT_RESOLVED
_QUEUE: Final = Offer.QUEUE
_FIRST_COME: Final = HandOrder.FIRST_COME


def _queue_phase(live: LiveState, actor: str, action: str) -> None:
    if live.phase.policy.offers is not _QUEUE:
        raise WrongPhase(
            actor, action, checks.RAISED_HANDS, f"there is no queue of hands in {live.phase.name}"
        )


def _member_action(ledger: Ledger, action: str, member_arg: object, by_arg: object) -> tuple[
    str, str, float
]:  # fmt: skip
    """Begin an action on a member's own entry: ``(member, actor, now)``; the ledger is entered."""
    member, by = checks.ids(action, member_arg, by_arg)
    actor = member if by is None else by
    return member, actor, ledger.begin(actor, action)


def _position(ledger: Ledger, policy: TurnPolicy, member: str) -> int:
    """Where ``member``'s hand joins the queue: the policy's order rule.

    A policy that keeps the declared rule is not asked: the engine computes
    :func:`~peersupport.engine.turnpolicy.order_key` from its own state (the same
    numbers the session's public reads give, without building them).
    """
    cls = type(policy)
    live = ledger.live
    hands = live.floor.hands
    if cls.hand_key is not TurnPolicy.hand_key or cls.hand_position is not TurnPolicy.hand_position:
        answer = policy.hand_position(ledger.owner, member)
        if type(answer) is not int or not 0 <= answer <= len(hands):
            raise PluginError(
                f"turn policy {policy.name!r} of {plugins.provider_of(policy)} placed "
                f"{member}'s hand at {brief(answer)}, not a place in a queue of {len(hands)}; "
                "the session is unchanged"
            )
        return answer
    rounds, progressive = policy.hand_rounds, policy.hand_order is not _FIRST_COME
    if not (rounds or progressive):
        return len(hands)
    phase_shares, shares, speaking = live.phase_shares, live.shares, live.speaking
    keys = live.floor.hand_keys  # a waiting member's key cannot change: remembered
    mine = keys[member] = declared_key(
        rounds, progressive, phase_shares.get(member, 0), shares.get(member, 0),
        speaking.get(member, 0.0),
    )  # fmt: skip
    for index, other in enumerate(hands):
        theirs = keys.get(other)
        if theirs is None:  # e.g. after a restore
            theirs = keys[other] = declared_key(
                rounds, progressive, phase_shares.get(other, 0), shares.get(other, 0),
                speaking.get(other, 0.0),
            )  # fmt: skip
        if theirs > mine:
            return index
    return len(hands)


def raise_hand(ledger: Ledger, member_arg: object, by_arg: object) -> Event:
    """``member`` raises their hand (see :meth:`HandActions.raise_hand`)."""
    member, actor, now = _member_action(ledger, "raise_hand", member_arg, by_arg)
    try:
        live = ledger.live
        checks.running(live, actor, "raise_hand", floor_action=True)
        role = checks.who(live, "raise_hand", member, None if actor == member else actor)
        checks.present(live, actor, "raise_hand", member)
        _queue_phase(live, actor, "raise_hand")
        policy = live.phase.policy
        if role not in live.phase.eligible or role not in TAKING_TURNS:
            raise NotYourTurn(
                actor, "raise_hand", checks.ELIGIBLE, f"{member} does not take turns here"
            )
        checks.takes_floor(live, actor, "raise_hand", member, time=False)
        floor = live.floor
        if member in floor.hands or floor.holder == member:
            why = "holds the floor" if floor.holder == member else "has a hand up already"
            raise AlreadyDone(actor, "raise_hand", checks.ONE_HAND_EACH, f"{member} {why}")
        limit = policy.max_shares
        if limit is not None and live.phase_shares.get(member, 0) >= limit:
            raise RuleViolation(
                actor,
                "raise_hand",
                checks.SHARES_PER_PHASE,
                f"{member} has shared {limit} time(s) in {live.phase.name}, the most allowed",
            )
        position = _position(ledger, policy, member)
        data = EventData({"position": position})
        return ledger.commit(_HAND_RAISED, now, actor, member, data)
    except Exception as exc:
        raise ledger.refused(exc, actor) from None
    finally:
        ledger.leave()


def lower_hand(ledger: Ledger, member_arg: object, by_arg: object) -> Event:
    """``member``'s hand goes down (see :meth:`HandActions.lower_hand`)."""
    member, actor, now = _member_action(ledger, "lower_hand", member_arg, by_arg)
    try:
        live = ledger.live
        checks.running(live, actor, "lower_hand", floor_action=True)
        checks.who(live, "lower_hand", member, None if actor == member else actor)
        if member not in live.floor.hands:
            raise AlreadyDone(
                actor, "lower_hand", checks.ONE_HAND_EACH, f"{member}'s hand is not up"
            )
        return ledger.commit(_HAND_LOWERED, now, actor, member, EMPTY)
    except Exception as exc:
        raise ledger.refused(exc, actor) from None
    finally:
        ledger.leave()


def move_hand(ledger: Ledger, member_arg: object, position: object, by_arg: object) -> Event:
    """A facilitator moves ``member``'s entry (see :meth:`HandActions.move_hand`)."""
    by = checks.facilitator_id("move_hand", by_arg)
    member, _by = checks.ids("move_hand", member_arg, by)
    now = ledger.begin(by, "move_hand")
    try:
        live = ledger.live
        checks.facilitator(live, by, "move_hand", floor_action=True)
        _queue_phase(live, by, "move_hand")
        hands = live.floor.hands
        if member not in hands:
            raise AlreadyDone(by, "move_hand", checks.ONE_HAND_EACH, f"{member}'s hand is not up")
        if type(position) is not int or not 0 <= position < len(hands):
            raise WrongPhase(
                by,
                "move_hand",
                checks.QUEUE_POSITION,
                f"a position in this queue is a whole number from 0 to {len(hands) - 1}",
            )
        if hands.index(member) == position:
            raise AlreadyDone(by, "move_hand", checks.QUEUE_POSITION, f"{member} is there already")
        data = EventData({"position": position})
        return ledger.commit(_HAND_MOVED, now, by, member, data)
    except Exception as exc:
        raise ledger.refused(exc, by) from None
    finally:
        ledger.leave()


def clear_hands(ledger: Ledger, by_arg: object) -> Event:
    """A facilitator clears the queue (see :meth:`HandActions.clear_hands`)."""
    by = checks.facilitator_id("clear_hands", by_arg)
    now = ledger.begin(by, "clear_hands")
    try:
        live = ledger.live
        checks.facilitator(live, by, "clear_hands", floor_action=True)
        _queue_phase(live, by, "clear_hands")
        if not live.floor.hands:
            raise AlreadyDone(by, "clear_hands", checks.ONE_HAND_EACH, "nobody's hand is up")
        return ledger.commit(_HANDS_CLEARED, now, by, None, EMPTY)
    except Exception as exc:
        raise ledger.refused(exc, by) from None
    finally:
        ledger.leave()


def raise_point(ledger: Ledger, member_arg: object, by_arg: object) -> Event:
    """``member`` raises a point of process (see :meth:`HandActions.raise_point`)."""
    member, actor, now = _member_action(ledger, "raise_point", member_arg, by_arg)
    try:
        live = ledger.live
        checks.running(live, actor, "raise_point", floor_action=False)
        checks.who(live, "raise_point", member, None if actor == member else actor)
        checks.present(live, actor, "raise_point", member)
        if member in live.floor.points:
            raise AlreadyDone(
                actor, "raise_point", checks.POINT_OF_PROCESS, f"{member}'s point is pending"
            )
        return ledger.commit(_POINT_RAISED, now, actor, member, EMPTY)
    except Exception as exc:
        raise ledger.refused(exc, actor) from None
    finally:
        ledger.leave()


def _pending(live: LiveState, by: str, action: str, member: str, seen: bool) -> None:
    """Refuse unless ``member`` has a point pending, acknowledged (``seen``) or not."""
    checks.facilitator(live, by, action, floor_action=False)
    if live.floor.points.get(member) is not seen:
        what = "acknowledged" if seen else "waiting to be acknowledged"
        raise AlreadyDone(
            by, action, checks.POINT_OF_PROCESS, f"{member} has no point of process {what}"
        )


def acknowledge_point(ledger: Ledger, member_arg: object, by_arg: object) -> Event:
    """A facilitator acknowledges a point (see :meth:`HandActions.acknowledge_point`)."""
    by = checks.facilitator_id("acknowledge_point", by_arg)
    member, _by = checks.ids("acknowledge_point", member_arg, by)
    now = ledger.begin(by, "acknowledge_point")
    try:
        _pending(ledger.live, by, "acknowledge_point", member, False)
        return ledger.commit(_POINT_ACKNOWLEDGED, now, by, member, EMPTY)
    except Exception as exc:
        raise ledger.refused(exc, by) from None
    finally:
        ledger.leave()


def resolve_point(ledger: Ledger, member_arg: object, outcome: object, by_arg: object) -> Event:
    """A facilitator closes a point (see :meth:`HandActions.resolve_point`)."""
    by = checks.facilitator_id("resolve_point", by_arg)
    member, _by = checks.ids("resolve_point", member_arg, by)
    now = ledger.begin(by, "resolve_point")
    try:
        _pending(ledger.live, by, "resolve_point", member, True)
        if outcome not in POINT_OUTCOMES:
            raise WrongPhase(
                by,
                "resolve_point",
                checks.POINT_OF_PROCESS,
                f"a point of process ends {' or '.join(map(repr, POINT_OUTCOMES))}",
            )
        data = EventData({"outcome": outcome})
        return ledger.commit(_POINT_RESOLVED, now, by, member, data)
    except Exception as exc:
        raise ledger.refused(exc, by) from None
    finally:
        ledger.leave()
