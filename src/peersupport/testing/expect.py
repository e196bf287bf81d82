"""Predictions: what a session must do with an action, from the model's state alone.

:func:`expect` is the model's half of the liveness check: the harness compares
its prediction with what the session did, so a turn policy or engine that
refuses what it must allow (or allows what it must refuse) is caught, not only
one that logs something illegal.

Turns and calls are predicted from the phase's policy *declaration*
(:mod:`peersupport.testing.declared`) on the round as the engine checks them:
the next round when an automatic roll-over is due. Every refusal the
declaration and the engine's rules imply is predicted (a listener's share, call,
hand or interjection, a share or call once a firm budget is used up, too); the prediction is
``None`` (the model cannot tell) only where an overridden policy check or a
phase rule the model does not know decides.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from peersupport.engine.state import SessionStatus
from peersupport.testing.declared import call_allowed, turn_allowed
from peersupport.testing.expect_practice import PRACTICE_ACTIONS, floor_refusal, understaffed
from peersupport.testing.expect_queue import QUEUE_ACTIONS
from peersupport.testing.model import SessionModel
from peersupport.testing.refusals import (
    UNKNOWN,
    accept,
    facilitator_check,
    member_check,
    refuse,
    running,
)
from peersupport.testing.strategies import Action
from peersupport.testing.tables import AMENDABLE, KNOWN_RULES, REASON_CODES, REFERRAL_CODES
from peersupport.testing.verdict import Outcome, Verdict
from peersupport.values import Role

__all__ = ["expect"]

_PAUSED = SessionStatus.PAUSED


def expect(model: SessionModel, action: Action, now: float) -> Verdict:
    """Predict what the session must do with ``action`` at ``now``, given ``model``'s state.

    Only valid when nothing is overdue at ``now`` (right after ``apply_due()``).

    Returns:
        The verdict; its outcome is ``None`` when a third-party turn policy or
        rule decides.
    """
    name = action.name
    handler = _HANDLERS.get(name) or QUEUE_ACTIONS.get(name) or PRACTICE_ACTIONS.get(name)
    return UNKNOWN if handler is None else handler(model, action, now)


def _facilitator_check(m: SessionModel, action: Action) -> str | None:
    return facilitator_check(m, action, floor_action=action.name not in ("end", "resume"))


def _rules_for(m: SessionModel, action: str) -> bool:
    """Whether a rule the model does not know checks ``action`` in this phase."""
    return any(r.id not in KNOWN_RULES and action in r.actions for r in m.spec.rules)


def _turn(m: SessionModel, action: Action, how: str, why: str | None, now: float) -> Verdict:
    member = action.member
    assert member is not None
    role = m.role_of(member)
    if why is None and role is not None and not role.takes_turns:
        why = f"{member} is an observer"
    if why is None and how == "shared" and m.consents.get(member) != m.agreement.version:
        why = f"{member} has not consented"
    if why is None and m.holder is not None:
        why = f"{m.holder} holds the floor"
    if why is not None or (why := understaffed(m)) is not None:
        return refuse(why)
    if how == "shared" and (why := floor_refusal(m, member, time=True)) is not None:
        return refuse(why)
    assert role is not None
    policy, floor = m.policy, m.floor_for_turn()
    if policy.rounds and member in floor.had:
        return refuse(f"{member} had their turn in round {floor.number}")
    if policy.rounds and floor.closed:
        return refuse(f"round {floor.number} is closed")
    allowed = turn_allowed(policy, floor, member, role, how)
    if allowed is False:
        return refuse(f"{m.policy_name} does not give {member} a turn now")
    if how == "passed" and not m.agreement.may_pass and role is not Role.NEWCOMER:
        return refuse("passing is switched off")
    start = m.reserved_from()
    if how == "shared" and start is not None and now >= start and m.phase_shares.get(member):
        return refuse(f"reserved time: {member} has shared in this phase")
    if allowed is None or _rules_for(m, action.name):
        return UNKNOWN
    return accept(f"{member} may take a turn")


def _expect_start_share(m: SessionModel, action: Action, now: float) -> Verdict:
    return _turn(m, action, "shared", member_check(m, action, True), now)


def _expect_pass_turn(m: SessionModel, action: Action, now: float) -> Verdict:
    return _turn(m, action, "passed", member_check(m, action, True), now)


def _expect_end_share(m: SessionModel, action: Action, now: float) -> Verdict:
    why = member_check(m, action, True)
    if why is None and m.holder != action.member:
        why = f"{action.member} does not hold the floor"
    return refuse(why) if why else accept("the holder ends the share")


def _expect_interject(m: SessionModel, action: Action, now: float) -> Verdict:
    member = action.member
    assert member is not None
    why = member_check(m, action, True)
    role = m.role_of(member)
    if why is None and role is not None and not role.takes_turns:
        why = f"{member} is an observer"
    if why is None and (m.holder is None or m.holder == member):
        why = "nobody else holds the floor"
    why = why or floor_refusal(m, member, time=False)
    if why is not None:
        return refuse(why)
    if not (m.spec.cross_talk and m.agreement.cross_talk):
        return Verdict(Outcome.BLOCK, "cross-talk is not allowed here")
    if m.consents.get(member) != m.agreement.version:
        return refuse(f"{member} has not consented")
    if _rules_for(m, "interject"):
        return UNKNOWN
    return accept("cross-talk is allowed")


def _expect_call_on(m: SessionModel, action: Action, now: float) -> Verdict:
    member, by = action.member, action.by
    assert member is not None
    why = running(m, True)
    by_role, role = (None if by is None else m.role_of(by)), m.role_of(member)
    if why is None and (by_role is None or by not in m.present):
        why = f"{by} is not present"
    if why is None and (role is None or member not in m.present):
        why = f"{member} is not present"
    if why is None and role is not None and role not in m.policy.eligible:
        why = f"{member} does not take turns here"
    if why is None and m.holder is not None:
        why = f"{m.holder} holds the floor"
    if why is not None or (why := understaffed(m)) is not None:
        return refuse(why)
    if (why := floor_refusal(m, member, time=True)) is not None:
        return refuse(why)
    assert by is not None
    assert by_role is not None
    policy, floor = m.policy, m.floor_for_turn()
    allowed = call_allowed(policy, floor, by, by_role, member)
    if allowed is False:
        return refuse(f"{m.policy_name} does not let {by} call on {member}")
    if policy.rounds and member in floor.had:
        return refuse(f"{member} had their turn in round {floor.number}")
    if allowed is None:
        return UNKNOWN
    return accept(f"{by} may call on {member}")


def _expect_arrive(m: SessionModel, action: Action, now: float) -> Verdict:
    member, by = action.member, action.by
    assert member is not None
    why = running(m, False)
    if why is None and by is not None and by != member:
        role = m.role_of(by)
        if role is None or not role.facilitates or by not in m.present:
            why = f"{by} may not sign in {member}"
    if why is None and m.role_of(member) is None:
        if m.group.closed:
            why = f"{member} is not in the closed group"
        else:
            visitor = action.option("role")
            try:
                as_role = Role.NEWCOMER if visitor is None else Role(visitor)
            except ValueError:
                as_role = Role.FACILITATOR
            if as_role.facilitates:
                why = f"{visitor!r} is not a visitor's role"
    if why is None and member in m.present:
        why = f"{member} is already present"
    return refuse(why) if why else accept(f"{member} arrives")


def _expect_leave(m: SessionModel, action: Action, now: float) -> Verdict:
    why = member_check(m, action, False)
    return refuse(why) if why else accept(f"{action.member} leaves")


def _expect_consent(m: SessionModel, action: Action, now: float) -> Verdict:
    why = member_check(m, action, False)
    if why is None and m.consents.get(str(action.member)) == m.agreement.version:
        why = "consented already"
    return refuse(why) if why else accept(f"{action.member} consents")


def _expect_advance(m: SessionModel, action: Action, now: float) -> Verdict:
    why = _facilitator_check(m, action) or understaffed(m)
    if why is None and m.holder is not None:
        why = f"{m.holder} holds the floor"
    if why is not None:
        return refuse(why)
    to = action.option("to")
    candidates = [t for t in m.spec.transitions if to is None or t.target == to]
    for t in candidates:
        if all(m.guard(g) is expected for g, expected in t.guards):
            return accept(f"{m.phase} -> {t.target}", t.target)
    return refuse(f"no transition {m.phase} -> {to} whose guards hold")


def _expect_new_round(m: SessionModel, action: Action, now: float) -> Verdict:
    return _expect_advance(m, attrs.evolve(action, options=(("to", m.phase),)), now)


def _expect_close_round(m: SessionModel, action: Action, now: float) -> Verdict:
    why = _facilitator_check(m, action)
    if why is None and (not m.policy.rounds or m.complete()):
        why = "no incomplete round"
    return refuse(why) if why else accept("the round closes")


def _expect_skip(m: SessionModel, action: Action, now: float) -> Verdict:
    why = _facilitator_check(m, action)
    member = action.member
    if why is None and (
        not m.policy.rounds or member not in m.order or member in m.had or m.closed
    ):
        why = f"{member} is not waiting for a turn"
    return refuse(why) if why else accept(f"{member} is skipped")


def _reason(action: Action) -> str | None:
    """A reason that is not one of the codes (docs/safety.md: never text)."""
    reason = action.option("reason")
    return None if reason is None or reason in REASON_CODES else f"{reason!r} is not a code"


def _expect_pause(m: SessionModel, action: Action, now: float) -> Verdict:
    why = _facilitator_check(m, action) or _reason(action)
    return refuse(why) if why else accept("the session pauses")


def _expect_resume(m: SessionModel, action: Action, now: float) -> Verdict:
    why = _facilitator_check(m, action)
    if why is None and m.status is not _PAUSED:
        why = "the session is not paused"
    why = why or _reason(action)
    return refuse(why) if why else accept("the session resumes")


def _expect_end(m: SessionModel, action: Action, now: float) -> Verdict:
    why = _facilitator_check(m, action) or _reason(action)
    return refuse(why) if why else accept("the session ends")


def _expect_refer(m: SessionModel, action: Action, now: float) -> Verdict:
    """A present facilitator refers someone who has been in the session (paused too)."""
    member, to = action.member, action.option("to")
    why = facilitator_check(m, action, floor_action=False)
    if why is None and member not in m.roles:
        why = f"{member} has not been in the session"
    if why is None and to not in REFERRAL_CODES:
        why = f"{to!r} is no kind of support"
    return refuse(why) if why else accept(f"{member} is referred to {to}")


def _expect_amend_agreement(m: SessionModel, action: Action, now: float) -> Verdict:
    why = _facilitator_check(m, action)
    if why is not None:
        return refuse(why)
    changes = dict(action.options)
    if not changes or not set(changes) <= AMENDABLE:
        return refuse(f"{sorted(changes)} are not amendable settings")
    try:
        m.agreement.amend(**changes)
    except (ValueError, TypeError) as exc:
        return refuse(f"invalid amendment: {exc}")
    return accept("the agreement is amended")


_HANDLERS: dict[str, Callable[[SessionModel, Action, float], Verdict]] = {
    "start_share": _expect_start_share,
    "pass_turn": _expect_pass_turn,
    "end_share": _expect_end_share,
    "interject": _expect_interject,
    "call_on": _expect_call_on,
    "arrive": _expect_arrive,
    "leave": _expect_leave,
    "consent": _expect_consent,
    "advance": _expect_advance,
    "new_round": _expect_new_round,
    "close_round": _expect_close_round,
    "skip": _expect_skip,
    "pause": _expect_pause,
    "resume": _expect_resume,
    "end": _expect_end,
    "refer": _expect_refer,
    "amend_agreement": _expect_amend_agreement,
}
