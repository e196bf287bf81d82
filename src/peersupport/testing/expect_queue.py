"""Predictions for the queue's actions: raised hands and points of process.

What the session must do with ``raise_hand``, ``lower_hand``, ``move_hand``,
``clear_hands``, ``raise_point``, ``acknowledge_point`` and ``resolve_point``,
from the model's state and the phase's policy *declaration* alone: hands go
up only in a phase whose policy offers the floor to the head of a queue
(``offers = Offer.QUEUE``), once each, for someone present who takes turns
there and has shared fewer times in the phase than the policy's
``max_shares``; hands are frozen while the session is paused; a point of
process may be raised in any phase, paused or not, by someone present without
one pending, and the facilitator acknowledges it before resolving it. The
engine runs no rules on these actions, so every outcome is known.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from peersupport.testing.modelstate import ModelState
from peersupport.testing.refusals import accept, facilitator_check, member_check, refuse
from peersupport.testing.strategies import Action
from peersupport.testing.tables import POINT_OUTCOMES
from peersupport.testing.verdict import Verdict

__all__ = ["QUEUE_ACTIONS"]


def _no_queue(m: ModelState) -> str | None:
    if not m.policy.queue:
        return f"{m.phase} ({m.policy_name}) has no queue of hands"
    return None


def _raise_hand(m: ModelState, action: Action, now: float) -> Verdict:
    member = action.member
    assert member is not None
    why = member_check(m, action, True) or _no_queue(m)
    role = m.role_of(member)
    policy = m.policy
    if why is None and role is not None and (not role.takes_turns or role not in policy.eligible):
        why = f"{member} ({role}) does not take turns in {m.phase}"
    if why is None and member in m.listening:
        why = f"{member} is listening this session"
    if why is None and (member in m.hands or member == m.holder):
        why = f"{member} holds the floor or has a hand up"
    limit = policy.max_shares
    if why is None and limit is not None and m.phase_shares.get(member, 0) >= limit:
        why = f"{member} has shared {limit} time(s) in {m.phase}, the most allowed"
    return refuse(why) if why else accept(f"{member}'s hand goes up")


def _lower_hand(m: ModelState, action: Action, now: float) -> Verdict:
    why = member_check(m, action, True)
    if why is None and action.member not in m.hands:
        why = f"{action.member}'s hand is not up"
    return refuse(why) if why else accept(f"{action.member}'s hand goes down")


def _move_hand(m: ModelState, action: Action, now: float) -> Verdict:
    member, position = action.member, action.option("position")
    why = facilitator_check(m, action) or _no_queue(m)
    if why is None and member not in m.hands:
        why = f"{member}'s hand is not up"
    if why is None and (type(position) is not int or not 0 <= position < len(m.hands)):
        why = f"{position!r} is no place in the queue {m.hands}"
    if why is None and m.hands.index(str(member)) == position:
        why = f"{member} is at {position} already"
    return refuse(why) if why else accept(f"{member} moves to {position}")


def _clear_hands(m: ModelState, action: Action, now: float) -> Verdict:
    why = facilitator_check(m, action) or _no_queue(m)
    if why is None and not m.hands:
        why = "nobody's hand is up"
    return refuse(why) if why else accept("the queue is cleared")


def _raise_point(m: ModelState, action: Action, now: float) -> Verdict:
    why = member_check(m, action, False)
    if why is None and action.member in m.points:
        why = f"{action.member}'s point is pending"
    return refuse(why) if why else accept(f"{action.member} raises a point of process")


def _acknowledge_point(m: ModelState, action: Action, now: float) -> Verdict:
    why = facilitator_check(m, action, floor_action=False)
    if why is None and m.points.get(str(action.member)) is not False:
        why = f"{action.member} has no point waiting to be acknowledged"
    return refuse(why) if why else accept(f"{action.member}'s point is acknowledged")


def _resolve_point(m: ModelState, action: Action, now: float) -> Verdict:
    why = facilitator_check(m, action, floor_action=False)
    if why is None and m.points.get(str(action.member)) is not True:
        why = f"{action.member} has no acknowledged point"
    outcome = action.option("outcome", "resolved")
    if why is None and outcome not in POINT_OUTCOMES:
        why = f"a point does not end {outcome!r}"
    return refuse(why) if why else accept(f"{action.member}'s point is {outcome}")


#: The prediction for each of the queue's actions, by name.
QUEUE_ACTIONS: Mapping[str, Callable[[ModelState, Action, float], Verdict]] = {
    "raise_hand": _raise_hand,
    "lower_hand": _lower_hand,
    "move_hand": _move_hand,
    "clear_hands": _clear_hands,
    "raise_point": _raise_point,
    "acknowledge_point": _acknowledge_point,
    "resolve_point": _resolve_point,
}
