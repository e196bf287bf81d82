"""The refusals many actions share, as the model predicts them: the first reason to refuse.

Each function returns why the session must refuse (a sentence for the
report), or ``None`` if that check passes: the session ended or is paused,
someone unknown acts or is acted on, a member acts for someone else, someone is
absent, someone who is not a present facilitator runs the session. The
predictions of :mod:`peersupport.testing.expect` and
:mod:`peersupport.testing.expect_queue` start with them.
"""

from __future__ import annotations

from peersupport.engine.state import SessionStatus
from peersupport.testing.modelstate import ModelState
from peersupport.testing.strategies import Action
from peersupport.testing.verdict import Outcome, Verdict

__all__ = ["UNKNOWN", "accept", "facilitator_check", "member_check", "refuse", "running", "who"]

_PAUSED = SessionStatus.PAUSED
_ENDED = SessionStatus.ENDED
#: The verdict when the model cannot tell.
UNKNOWN = Verdict(None)


def refuse(reason: str) -> Verdict:
    """The session must refuse, because of ``reason``."""
    return Verdict(Outcome.REFUSE, reason)


def accept(reason: str, target: str | None = None) -> Verdict:
    """The session must accept (``target``: the phase an ``advance`` leads to)."""
    return Verdict(Outcome.ACCEPT, reason, target)


def running(m: ModelState, floor_action: bool) -> str | None:
    """Nothing happens after the end; no floor action while paused."""
    if m.status is _ENDED:
        return "the session has ended"
    if floor_action and m.status is _PAUSED:
        return "the session is paused"
    return None


def who(m: ModelState, member: str, by: str | None) -> str | None:
    """``member`` is known, and whoever acts for them is a present facilitator."""
    if m.role_of(member) is None:
        return f"{member} is not a member"
    if by is not None and by != member:
        role = m.role_of(by)
        if role is None or not role.facilitates:
            return f"{by} may not act for {member}"
        if by not in m.present:
            return f"{by} is not present"
    return None


def member_check(m: ModelState, action: Action, floor_action: bool) -> str | None:
    """A member's action (for themself, or a facilitator's for them): running, known, present.

    ``end_share`` needs no presence (whoever holds the floor is present).
    """
    member = action.member
    assert member is not None
    why = running(m, floor_action) or who(m, member, action.by)
    if why is None and member not in m.present and action.name != "end_share":
        why = f"{member} is not present"
    return why


def facilitator_check(m: ModelState, action: Action, *, floor_action: bool = True) -> str | None:
    """A facilitator's action: running, and ``by`` is a present facilitator."""
    by = action.by
    why = running(m, floor_action)
    role = None if by is None else m.role_of(by)
    if why is None and (role is None or not role.facilitates):
        why = f"{by} is not a facilitator"
    if why is None and by not in m.present:
        why = f"{by} is not present"
    return why
