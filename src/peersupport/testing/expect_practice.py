"""Predictions for the practice of particular groups and for the group's decisions.

What the session must do with ``listen``, ``propose_item``, ``skip_to``,
``propose_amendment``, ``decide_amendment`` and ``withdraw_amendment``, from the
model's state and the format's declared chart alone (the rules are the model's
own reading of the docs: see :mod:`~peersupport.testing.practice`). The engine
runs no rules of the phase on these actions, so every outcome is known. Also here:
:func:`floor_refusal`, why a listener (or anyone, in a phase whose firm budget is
used up) may not take the floor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from peersupport.testing.practice import PracticeFold, decided, way
from peersupport.testing.refusals import accept, facilitator_check, member_check, refuse
from peersupport.testing.strategies import Action
from peersupport.testing.tables import AMENDABLE
from peersupport.testing.verdict import Verdict

__all__ = ["PRACTICE_ACTIONS", "floor_refusal", "understaffed"]


def floor_refusal(m: PracticeFold, member: str, *, time: bool) -> str | None:
    """Why ``member`` may not take the floor (be called on): listening, or the firm budget."""
    if member in m.listening:
        return f"{member} is listening this session"
    if time and m.time_up and m.agreement.phase_cap:
        return f"the budget of {m.phase} is used up and the agreement makes it firm"
    return None


def understaffed(m: PracticeFold) -> str | None:
    """Fewer facilitators present than the format needs (check ``facilitators-present``)."""
    needed = m.fmt.facilitators
    if needed <= 1:
        return None
    here = sum(1 for p in m.present if (role := m.role_of(p)) is not None and role.facilitates)
    return None if here >= needed else f"{here} of the {needed} facilitators are present"


def _listen(m: PracticeFold, action: Action, now: float) -> Verdict:
    member = action.member
    why = member_check(m, action, False)
    if why is None and member in m.listening:
        why = f"{member} is listening already"
    if why is None and member == m.holder:
        why = f"{member} holds the floor"
    return refuse(why) if why else accept(f"{member} listens")


def _propose_item(m: PracticeFold, action: Action, now: float) -> Verdict:
    member = action.member
    assert member is not None
    why = member_check(m, action, True)
    if why is None and not m.spec.agenda:
        why = f"{m.phase} does not set the agenda"
    role = m.role_of(member)
    if why is None and (role is None or not role.takes_turns):
        why = f"{member} observes"
    return refuse(why) if why else accept(f"{member} proposes an item")


def _skip_to(m: PracticeFold, action: Action, now: float) -> Verdict:
    why = facilitator_check(m, action) or understaffed(m)
    if why is None and m.holder is not None:
        why = f"{m.holder} holds the floor"
    if why is not None:
        return refuse(why)
    to = action.option("to")
    route = way(m.fmt, m.phase, to)
    if route is None or len(route) < 2:
        return refuse(f"skipping from {m.phase} to {to!r} passes over no phase ({route})")
    if m.first_step(route[0]) is None:
        return refuse(f"{m.phase} may not end yet (a guard of its way to {route[0]})")
    return accept(f"{m.phase} -> {to} past {route[:-1]}", route[-1])


def _changes_refusal(m: PracticeFold, changes: dict[str, object]) -> str | None:
    if not changes or not set(changes) <= AMENDABLE:
        return f"{sorted(changes)} are not amendable settings"
    try:
        m.agreement.amend(**changes)
    except (ValueError, TypeError) as exc:
        return f"invalid amendment: {exc}"
    return None


def _propose_amendment(m: PracticeFold, action: Action, now: float) -> Verdict:
    member = action.member
    assert member is not None
    why = member_check(m, action, True)
    role = m.role_of(member)
    if why is None and (role is None or not role.takes_turns):
        why = f"{member} observes"
    why = why or _changes_refusal(m, dict(action.options))
    return refuse(why) if why else accept(f"{member} proposes {dict(action.options)}")


def _open(m: PracticeFold, action: Action) -> str | None:
    number = action.option("proposal")
    found = m.proposals.get(number) if type(number) is int else None
    if found is None or found[0] != "open":
        return f"proposal {number!r} is not open ({found})"
    return None


def _decide_amendment(m: PracticeFold, action: Action, now: float) -> Verdict:
    why = facilitator_check(m, action) or _open(m, action)
    if why is not None:
        return refuse(why)
    counts = tuple(action.option(name, 0) for name in ("agree", "disagree", "stand_aside"))
    if not all(type(c) is int and c >= 0 for c in counts):
        return refuse(f"the count {counts} is not of whole numbers")
    agree, disagree, aside = counts
    outcome = decided(m.agreement.decision, (agree, disagree, aside), m.taking_part())
    if outcome is None:
        return refuse(f"{counts} does not fit {m.taking_part()} taking part")
    if outcome == "accepted":
        changes = m.proposals[action.option("proposal")][1]
        why = _changes_refusal(m, changes)
        if why is not None:
            return refuse(f"the proposal no longer fits: {why}")
    return accept(f"the proposal is {outcome} ({m.agreement.decision})")


def _withdraw_amendment(m: PracticeFold, action: Action, now: float) -> Verdict:
    why = facilitator_check(m, action, floor_action=False) or _open(m, action)
    return refuse(why) if why else accept("the proposal is withdrawn")


#: The prediction for each of these actions, by name.
PRACTICE_ACTIONS: Mapping[str, Callable[[PracticeFold, Action, float], Verdict]] = {
    "listen": _listen,
    "propose_item": _propose_item,
    "skip_to": _skip_to,
    "propose_amendment": _propose_amendment,
    "decide_amendment": _decide_amendment,
    "withdraw_amendment": _withdraw_amendment,
}
