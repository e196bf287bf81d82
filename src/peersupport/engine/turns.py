"""The members' turns: share, pass, end a share, interject, call on.

Each function is one action of :class:`~peersupport.Session`, from its checks to
its commit (see the session's module docs for the order of the checks). An
automatic round roll-over is checked on the floor as it will be after the
roll-over and committed together with the turn that starts the new round.

The common turn is accepted in one pass: where the phase is *plain* (its turn
policy is a pure declaration, the rules that refuse turns are the built-in ones,
and no rule of the phase checks shares or passes), a member who acts for
themself, present, consented, whose turn the declaration gives them, with the
floor free and no roll-over due, shares or passes without the checks being
asked one by one (:func:`_at_once`). Anything else, every refusal included, goes
through the checks one by one, which alone say why. The conformance kit holds
both paths to the same independent model.
"""

from __future__ import annotations

from typing import Final

from peersupport.engine import checks
from peersupport.engine.events import EMPTY, Event, EventData, EventKind
from peersupport.engine.fold import LiveState
from peersupport.engine.ledger import Ledger
from peersupport.engine.policies import Speakers
from peersupport.engine.state import SessionStatus
from peersupport.errors import (
    AlreadyDone,
    CrossTalkBlocked,
    NotYourTurn,
    PermissionDenied,
)
from peersupport.values import FACILITATING, TAKING_TURNS, Role

__all__ = ["call_on", "end_share", "interject", "pass_turn", "start_share"]

_ARRIVED: Final = EventKind.ARRIVED
_CALLED_ON: Final = EventKind.CALLED_ON
_CONSENTED: Final = EventKind.CONSENTED
_CROSS_TALK_BLOCKED: Final = EventKind.CROSS_TALK_BLOCKED
_INTERJECTED: Final = EventKind.INTERJECTED
_LEFT: Final = EventKind.LEFT
_PASSED: Final = EventKind.PASSED
_ROUND_STARTED: Final = EventKind.ROUND_STARTED
_SHARE_ENDED: Final = EventKind.SHARE_ENDED
_SHARE_STARTED: Final = EventKind.SHARE_STARTED
_OPEN: Final = SessionStatus.OPEN
_ANYONE: Final = Speakers.ANYONE
_FACILITATORS: Final = Speakers.FACILITATORS
_OFFERED: Final = Speakers.OFFERED


def _at_once(live: LiveState, member: str, share: bool) -> bool:
    """Whether the checks would accept ``member``'s share (or pass) now, in one pass.

    ``False`` means "ask the checks one by one", not "refused".
    """
    phase = live.phase
    if not phase.plain or live.status is not _OPEN or live.listening:
        return False
    if live.time_up and live.agreement.phase_cap:
        return False
    role = live.roles.get(member)
    floor = live.floor
    if role is None or floor.holder is not None or member not in live.present:
        return False
    if role not in phase.eligible or role not in TAKING_TURNS:
        return False
    if share and live.consents.get(member) != live.agreement.version:
        return False
    if phase.rounds and (
        floor.closed or member in floor.had_turn or (phase.auto_rollover and floor.complete())
    ):
        return False
    policy = phase.policy
    speakers = policy.speakers
    if speakers is _FACILITATORS:
        if not share or role not in FACILITATING:
            return False
    elif speakers is not _ANYONE:
        offered = policy.offered(floor)
        if offered != member and (offered is not None or speakers is _OFFERED):
            return False
    return share or (policy.passing and (live.agreement.may_pass or role is Role.NEWCOMER))


def _own_turn(ledger: Ledger, member: str, kind: EventKind, action: str) -> Event | None:
    """Commit ``member``'s own share or pass if :func:`_at_once` accepts it, else ``None``."""
    now = ledger.begin(member, action)
    try:
        if _at_once(ledger.live, member, kind is _SHARE_STARTED):
            return ledger.commit(kind, now, member, member, EMPTY)
    except Exception as exc:
        raise ledger.refused(exc, member) from None
    finally:
        ledger.leave()
    return None


def _taker(ledger: Ledger, action: str, member: str, by: str | None, now: float) -> Role:
    """Running, who, present, observers-listen: the checks before any turn; the member's role."""
    live = ledger.live
    role = live.roles.get(member)  # everyone present has arrived, with their role
    if live.status is not _OPEN or role is None or by is not None or member not in live.present:
        actor = member if by is None else by
        checks.running(live, actor, action, floor_action=True)
        role = checks.who(live, action, member, by)
        checks.present(live, actor, action, member)
    live.format.always_on.observers_listen.check(ledger.owner, action, member, now)
    return role


def _turn(
    ledger: Ledger,
    kind: EventKind,
    action: str,
    actor: str,
    member: str,
    role: Role,
    now: float,
) -> Event:
    """Check a turn (or a call) and commit it, after an automatic roll-over if one is due.

    The checks: one turn per round (every phase with rounds), the round not closed,
    the phase's turn policy, right-to-pass for a pass, and the phase's rules. A
    roll-over is checked on the floor as it will be after it, and committed with
    the turn, all or nothing.
    """
    live, session = ledger.live, ledger.owner
    floor, phase, always = live.floor, live.phase, live.format.always_on
    rolling = phase.auto_rollover and floor.complete()
    if rolling:
        saved = floor.save()
        floor.new_round(floor.round + 1, live.round_order())
    try:
        if live.format.facilitators > 1:
            checks.staffed(live, actor, action)
        if kind is not _PASSED and (live.listening or live.time_up):  # a share, or a call
            checks.takes_floor(live, actor, action, member, time=True)
        if kind is _CALLED_ON:
            phase.policy.check_call_on(session, actor, role, member)
        if phase.rounds:
            always.one_share_per_round.check(session, action, member, now)
            if floor.closed and kind is not _CALLED_ON:
                raise NotYourTurn(
                    member,
                    action,
                    checks.ROUND_CLOSED,
                    f"round {floor.round} of {phase.name} was closed by the facilitator",
                )
        if kind is _SHARE_STARTED:
            phase.policy.check_take_floor(session, member, role)
        elif kind is _PASSED:
            phase.policy.check_pass(session, member, role)
            always.right_to_pass.check(session, action, member, now)
        if kind is not _CALLED_ON:
            for rule in phase.rules_for.get(action, ()):
                rule.check(session, action, member, now)
    finally:
        if rolling:
            floor.restore(saved)
    if not rolling:
        return ledger.commit(kind, now, actor, member, EMPTY)
    mark = len(ledger.events)
    data = EventData({"phase": phase.id, "round": floor.round + 1, "automatic": True})
    ledger.commit(_ROUND_STARTED, now, None, None, data)
    return ledger.commit(kind, now, actor, member, EMPTY, since=mark)


def start_share(ledger: Ledger, member_arg: object, by_arg: object) -> Event:
    """``member`` takes the floor (see :meth:`peersupport.Session.start_share`)."""
    if by_arg is None and type(member_arg) is str and ledger.live.phase.plain:
        event = _own_turn(ledger, member_arg, _SHARE_STARTED, "start_share")
        if event is not None:
            return event
    member, by = checks.ids("start_share", member_arg, by_arg)
    actor = member if by is None else by
    now = ledger.begin(actor, "start_share")
    try:
        role = _taker(ledger, "start_share", member, by, now)
        live = ledger.live
        live.format.always_on.consent.check(ledger.owner, "start_share", member, now)
        if live.floor.holder is not None:
            checks.floor_free(live, actor, "start_share")
        return _turn(ledger, _SHARE_STARTED, "start_share", actor, member, role, now)
    except Exception as exc:
        raise ledger.refused(exc, actor) from None
    finally:
        ledger.leave()


def pass_turn(ledger: Ledger, member_arg: object, by_arg: object) -> Event:
    """``member`` passes (see :meth:`peersupport.Session.pass_turn`)."""
    if by_arg is None and type(member_arg) is str and ledger.live.phase.plain:
        event = _own_turn(ledger, member_arg, _PASSED, "pass_turn")
        if event is not None:
            return event
    member, by = checks.ids("pass_turn", member_arg, by_arg)
    actor = member if by is None else by
    now = ledger.begin(actor, "pass_turn")
    try:
        role = _taker(ledger, "pass_turn", member, by, now)
        if ledger.live.floor.holder is not None:
            checks.floor_free(ledger.live, actor, "pass_turn")
        return _turn(ledger, _PASSED, "pass_turn", actor, member, role, now)
    except Exception as exc:
        raise ledger.refused(exc, actor) from None
    finally:
        ledger.leave()


def end_share(ledger: Ledger, member_arg: object, by_arg: object) -> Event:
    """``member``'s share ends (see :meth:`peersupport.Session.end_share`)."""
    member, by = checks.ids("end_share", member_arg, by_arg)
    actor = member if by is None else by
    now = ledger.begin(actor, "end_share")
    try:
        live = ledger.live
        if live.status is not _OPEN:
            checks.running(live, actor, "end_share", floor_action=True)
        if by is not None or member not in live.roles:
            checks.who(live, "end_share", member, by)
        if live.floor.holder != member:
            raise NotYourTurn(
                actor, "end_share", checks.ONE_VOICE_AT_A_TIME, f"{member} does not hold the floor"
            )
        return ledger.commit(_SHARE_ENDED, now, actor, member, ledger.share_end(now))
    except Exception as exc:
        raise ledger.refused(exc, actor) from None
    finally:
        ledger.leave()


def interject(ledger: Ledger, member_arg: object, by_arg: object) -> Event:
    """``member`` speaks out of turn (see :meth:`peersupport.Session.interject`)."""
    member, by = checks.ids("interject", member_arg, by_arg)
    actor = member if by is None else by
    now = ledger.begin(actor, "interject")
    try:
        session, live = ledger.owner, ledger.live
        _taker(ledger, "interject", member, by, now)
        checks.takes_floor(live, actor, "interject", member, time=False)
        holder = live.floor.holder
        if holder is None:
            raise NotYourTurn(
                actor,
                "interject",
                checks.ONE_VOICE_AT_A_TIME,
                "nobody holds the floor; take the floor",
            )
        if holder == member:
            raise AlreadyDone(
                actor, "interject", checks.ONE_VOICE_AT_A_TIME, f"{member} holds the floor"
            )
        always = session.format.always_on
        rule = always.no_cross_talk
        if not rule.allows(live.phase, live.agreement):
            data = EventData({"rule": rule.id, "holder": holder})
            event = ledger.commit(_CROSS_TALK_BLOCKED, now, actor, member, data)
            raise CrossTalkBlocked(
                actor,
                "interject",
                rule.id,
                f"{holder} holds the floor and cross-talk is not allowed in "
                f"{live.phase.name}; the attempt was recorded",
                event,
            )
        always.consent.check(session, "interject", member, now)
        for extra in live.phase.rules_for.get("interject", ()):
            extra.check(session, "interject", member, now)
        return ledger.commit(_INTERJECTED, now, actor, member, EventData({"holder": holder}))
    except Exception as exc:
        raise ledger.refused(exc, actor) from None
    finally:
        ledger.leave()


def call_on(ledger: Ledger, member_arg: object, by_arg: object) -> Event:
    """``by`` calls on ``member`` (see :meth:`peersupport.Session.call_on`)."""
    by = checks.facilitator_id("call_on", by_arg)
    member, _by = checks.ids("call_on", member_arg, by)
    now = ledger.begin(by, "call_on")
    try:
        live = ledger.live
        checks.running(live, by, "call_on", floor_action=True)
        by_role = checks.who(live, "call_on", by, None)
        checks.present(live, by, "call_on", by)
        role = live.role_of(member)
        if role is None:
            checks.outsider(live, by, "call_on", member)
        checks.present(live, by, "call_on", member)
        if role not in live.phase.eligible:
            raise PermissionDenied(
                by, "call_on", checks.ELIGIBLE, f"{member} does not take turns in {live.phase.name}"
            )
        checks.floor_free(live, by, "call_on")
        return _turn(ledger, _CALLED_ON, "call_on", by, member, by_role, now)
    except Exception as exc:
        raise ledger.refused(exc, by) from None
    finally:
        ledger.leave()
