"""Who may act: the engine's own checks, each with a constant id.

Every refusal names the rule or check that refused it. Registered rules
(:mod:`peersupport.engine.rules`) and turn policies (their ``name``) have ids of
their own; the engine's checks of *who* may act, *when*, and *what the chart
allows* are listed here, once: :data:`CHECKS` maps each id to what it means, and
each id is a constant of this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, NoReturn

from peersupport.engine.fold import LiveState
from peersupport.engine.state import SessionStatus
from peersupport.errors import (
    NotAMember,
    NotPresent,
    NotYourTurn,
    PermissionDenied,
    RuleViolation,
    SessionClosed,
    SessionPaused,
)
from peersupport.validate import brief
from peersupport.values import FACILITATING, Role

__all__ = [
    "ACTS_FOR_THEMSELF",
    "AGENDA",
    "ALREADY_CONSENTED",
    "AMENDMENT",
    "CALL_ON_OTHERS",
    "CHART",
    "CHECKS",
    "CLOSED_GROUP",
    "DECISION",
    "ELIGIBLE",
    "FACILITATORS_PRESENT",
    "FACILITATOR_ONLY_ACTION",
    "LISTENING",
    "MEMBER_ID",
    "ONE_ACTION_AT_A_TIME",
    "ONE_HAND_EACH",
    "ONE_VOICE_AT_A_TIME",
    "PAUSED",
    "PHASE_CAP",
    "POINT_OF_PROCESS",
    "PRESENT",
    "QUEUE_POSITION",
    "RAISED_HANDS",
    "REASON_CODE",
    "REFERRAL",
    "ROUNDS",
    "ROUND_CLOSED",
    "ROUND_COMPLETE",
    "SESSION_ENDED",
    "SHARES_PER_PHASE",
    "SKIP_PHASES",
    "VISITOR_ROLE",
    "facilitator",
    "facilitator_id",
    "floor_free",
    "ids",
    "outsider",
    "present",
    "running",
    "staffed",
    "takes_floor",
    "who",
]

SESSION_ENDED: Final = "session-ended"
PAUSED: Final = "paused"
CLOSED_GROUP: Final = "closed-group"
PRESENT: Final = "present"
MEMBER_ID: Final = "member-id"
VISITOR_ROLE: Final = "visitor-role"
ACTS_FOR_THEMSELF: Final = "acts-for-themself"
FACILITATOR_ONLY_ACTION: Final = "facilitator-only-action"
ONE_VOICE_AT_A_TIME: Final = "one-voice-at-a-time"
ONE_ACTION_AT_A_TIME: Final = "one-action-at-a-time"
ALREADY_CONSENTED: Final = "consent"
ELIGIBLE: Final = "eligible"
ROUNDS: Final = "rounds"
ROUND_CLOSED: Final = "round-closed"
ROUND_COMPLETE: Final = "round-complete"
CHART: Final = "chart"
CALL_ON_OTHERS: Final = "call-on-others"
RAISED_HANDS: Final = "raised-hands"
ONE_HAND_EACH: Final = "one-hand-each"
QUEUE_POSITION: Final = "queue-position"
SHARES_PER_PHASE: Final = "shares-per-phase"
POINT_OF_PROCESS: Final = "point-of-process"
REASON_CODE: Final = "reason-code"
REFERRAL: Final = "referral"
FACILITATORS_PRESENT: Final = "facilitators-present"
LISTENING: Final = "listening"
PHASE_CAP: Final = "phase-cap"
AGENDA: Final = "agenda"
SKIP_PHASES: Final = "skip-phases"
AMENDMENT: Final = "amendment"
DECISION: Final = "decision"

#: Every check of the engine, by id, with what it refuses.
CHECKS: Final[Mapping[str, str]] = {
    SESSION_ENDED: "no action after the session ended",
    PAUSED: "no floor action (share, pass, call on, a hand raised, lowered or moved, move on, "
    "amend) while the session is paused, and resume only a paused session",
    CLOSED_GROUP: "a closed group refuses people who are not in it",
    PRESENT: "who acts, and whom they act on, must be present (and arrive only once)",
    MEMBER_ID: "a visitor's id must be a valid id (see peersupport.validate)",
    VISITOR_ROLE: "a visitor arrives with a role, and never as a facilitator",
    ACTS_FOR_THEMSELF: "a member acts only for themself; a facilitator may act for others",
    FACILITATOR_ONLY_ACTION: "only a facilitator moves the session along, pauses, ends, amends",
    ONE_VOICE_AT_A_TIME: "one person holds the floor; nobody takes it or moves on meanwhile",
    ONE_ACTION_AT_A_TIME: "a session runs one action at a time: none from a hook, a rule or "
    "another thread while one is in progress",
    ALREADY_CONSENTED: "a member consents once to each agreement version",
    ELIGIBLE: "only members who take turns in the phase are called on",
    ROUNDS: "closing a round or skipping a turn needs a round in progress",
    ROUND_CLOSED: "nobody takes a turn in a round the facilitator closed",
    ROUND_COMPLETE: "a round phase ends only when its round is complete (or closed)",
    CHART: "the format's chart has no such transition",
    CALL_ON_OTHERS: "a speaker names someone else as the next",
    RAISED_HANDS: "hands are raised, moved and cleared only in a phase with a queue",
    ONE_HAND_EACH: "one entry in the queue per person; only a raised hand is lowered or moved",
    QUEUE_POSITION: "a hand moves to a position in the queue other than its own",
    SHARES_PER_PHASE: "nobody raises a hand again who shared the phase's most shares",
    POINT_OF_PROCESS: "one point of process each, acknowledged before it is resolved, "
    "resolved or taken to an amendment",
    REASON_CODE: "a pause, resume or end gives its reason as a code (safety, break, "
    "technical, other), never as text",
    REFERRAL: "a referral names someone in the session and a kind of support from the list",
    FACILITATORS_PRESENT: "a format run by two facilitators (or more) moves on and gives the "
    "floor only while that many are present",
    LISTENING: "a member listening this session keeps every right but taking the floor "
    "(share, be called on, raise a hand, interject)",
    PHASE_CAP: "where the agreement makes phase budgets firm, nobody takes the floor in a "
    "phase whose budget is used up",
    AGENDA: "agenda items are proposed only in a phase that sets the agenda, by someone "
    "who takes part",
    SKIP_PHASES: "skipping moves on along the chart past at least one phase, from a phase "
    "that may end",
    AMENDMENT: "a proposal changes amendable settings to valid values, by someone who takes "
    "part; it is decided or withdrawn once, while open",
    DECISION: "a decision counts whole numbers of the people present who take part (all of "
    "them for consensus); the agreement's decision rule gives the outcome",
}

_OPEN: Final = SessionStatus.OPEN
_ENDED: Final = SessionStatus.ENDED


def ids(action: str, member: object, by: object) -> tuple[str, str | None]:
    """Refuse ids that are not strings, before anything reads them; return them typed.

    A compiled engine checks argument types itself; this keeps the refusal the
    same (``member-id``) whether the engine runs compiled or as plain Python.
    """
    if isinstance(member, str) and (by is None or isinstance(by, str)):
        return member, by
    actor = by if isinstance(by, str) else member if isinstance(member, str) else None
    wrong = by if isinstance(member, str) else member
    raise NotAMember(actor, action, MEMBER_ID, f"ids are strings, not {brief(wrong)}")


def facilitator_id(action: str, by: object) -> str:
    """Refuse a facilitator's id that is not a string (see :func:`ids`); return it typed."""
    _member, checked = ids(action, "" if isinstance(by, str) else by, by)
    assert checked is not None
    return checked


def running(live: LiveState, actor: str | None, action: str, *, floor_action: bool) -> None:
    """Refuse any action after the end, and floor actions while paused."""
    status = live.status
    if status is _OPEN:
        return
    if status is _ENDED:
        raise SessionClosed(actor, action, SESSION_ENDED, "the session has ended")
    if floor_action:
        raise SessionPaused(
            actor, action, PAUSED, "the session is paused; the facilitator resumes it"
        )


def outsider(live: LiveState, actor: str, action: str, who: str) -> NoReturn:
    """Refuse someone who is neither in the group nor arrived as a visitor."""
    group = live.group
    if group.closed:
        raise NotAMember(
            actor, action, CLOSED_GROUP, f"{who} is not a member of the closed group {group.name!r}"
        )
    raise NotPresent(actor, action, PRESENT, f"{who} has not arrived")


def stand_in(live: LiveState, by: str, member: str, action: str, doing: str) -> None:
    """``by`` acts for ``member``: refuse unless ``by`` is a facilitator."""
    by_role = live.role_of(by)
    if by_role is None:
        outsider(live, by, action, by)
    if by_role not in FACILITATING:
        raise PermissionDenied(
            by,
            action,
            ACTS_FOR_THEMSELF,
            f"a member acts only for themself; only a facilitator may {doing} {member}",
        )


def who(live: LiveState, action: str, member: str, by: str | None) -> Role:
    """Check that ``member`` is known and ``by`` (if another) may act for them; return the role."""
    role = live.role_of(member)
    if role is None:
        outsider(live, member if by is None else by, action, member)
    if by is not None and by != member:
        stand_in(live, by, member, action, "act for")
        present(live, by, action, by)
    return role


def present(live: LiveState, actor: str, action: str, member: str) -> None:
    """Refuse unless ``member`` is present."""
    if member not in live.present:
        raise NotPresent(actor, action, PRESENT, f"{member} is not present (arrive first)")


def facilitator(live: LiveState, by: str, action: str, *, floor_action: bool) -> None:
    """Refuse unless the session runs and ``by`` is a present facilitator."""
    running(live, by, action, floor_action=floor_action)
    role = live.role_of(by)
    if role is None:
        outsider(live, by, action, by)
    if role not in FACILITATING:
        raise PermissionDenied(
            by, action, FACILITATOR_ONLY_ACTION, f"only a facilitator may {action}"
        )
    if by not in live.present:
        raise NotPresent(by, action, PRESENT, f"{by} is not present")


def floor_free(live: LiveState, actor: str, action: str) -> None:
    """Refuse while someone holds the floor."""
    holder = live.floor.holder
    if holder is not None:
        raise NotYourTurn(actor, action, ONE_VOICE_AT_A_TIME, f"{holder} holds the floor")


def staffed(live: LiveState, actor: str, action: str) -> None:
    """Refuse unless as many facilitators as the format needs are present."""
    needed = live.format.facilitators
    if needed <= 1:
        return
    roles = live.roles
    here = [m for m in live.present if roles[m] in FACILITATING]
    if len(here) < needed:
        raise RuleViolation(
            actor,
            action,
            FACILITATORS_PRESENT,
            f"format {live.format.name!r} is run by {needed} facilitators and "
            f"{len(here)} {'is' if len(here) == 1 else 'are'} present "
            f"({', '.join(here) or 'none'}); wait for the other, or pause",
        )


def takes_floor(live: LiveState, actor: str, action: str, member: str, *, time: bool) -> None:
    """Refuse ``member`` the floor while listening, or (``time``) in a firm phase's overtime."""
    if member in live.listening:
        raise RuleViolation(
            actor,
            action,
            LISTENING,
            f"{member} is listening this session; they do not take the floor",
        )
    if time and live.time_up and live.agreement.phase_cap:
        raise RuleViolation(
            actor,
            action,
            PHASE_CAP,
            f"the budget of {live.phase.name} is used up and the agreement makes it firm; move on",
        )
