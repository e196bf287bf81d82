"""Probes: every refusal the model predicts for the floor as it is now, tried on the session.

The random sessions of the conformance kit reach a situation and try one action
in it; whether the one action that shows a bug (the member who just spoke taking
the floor again, the second hand in the queue, a newcomer passing, a member
speaking in a facilitator's phase) is drawn there is luck. After every step that
changed the log, :func:`probe` asks the model about a fixed set of attempts by
everyone present, someone absent and an outsider — sharing, passing, ending a
share, interjecting, raising a hand, calling on someone as the last speaker or as
a member, and a facilitator taking a turn for someone who had theirs — and tries
on the session each one the model says it must refuse. A refused attempt changes
nothing, so probing does not change where the random session goes. One of the
attempts the model says it must accept (a different one each time) is tried on a
copy of the session restored from its log. An attempt the session does not refuse
(or accept) as predicted is run again through the full check of
:meth:`SessionHarness.act <peersupport.testing.harness.SessionHarness.act>` on the
session as it was, which names the invariant it breaks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from peersupport.engine.session import Session
from peersupport.engine.state import SessionStatus
from peersupport.errors import ActionRejected, CrossTalkBlocked
from peersupport.testing.expect import expect
from peersupport.testing.strategies import OUTSIDERS, Action
from peersupport.testing.tables import acting
from peersupport.testing.verdict import ConformanceError, Outcome
from peersupport.values import Role

if TYPE_CHECKING:
    from peersupport.testing.harness import SessionHarness

__all__ = ["attempts", "probe"]

#: What each person present (or absent, or an outsider) is probed with.
_FOR_THEMSELF = ("start_share", "pass_turn", "end_share", "interject", "raise_hand")


def attempts(h: SessionHarness) -> Iterator[Action]:
    """The attempts probed in the session's current state (whatever their outcome)."""
    state = h.session.state
    present = list(state.present)
    absent = [m.id for m in h.group.members if m.id not in state.present][:1]
    for person in [*present, *absent, OUTSIDERS[0]]:
        for name in _FOR_THEMSELF:
            yield Action(name, person)
    floor = state.floor
    leads = [p for p in present if h.model.role_of(p) is Role.FACILITATOR]
    members = [p for p in present if p not in leads]
    callers = [*([floor.last] if floor.last is not None else []), *members[:1]]
    for caller in dict.fromkeys(callers):
        for person in present:
            yield Action("call_on", person, caller)
    for lead in leads[:1]:
        for person in sorted(floor.had_turn):
            yield Action("start_share", person, lead)
            yield Action("pass_turn", person, lead)
        for person in present:
            yield Action("call_on", person, lead)


def probe(h: SessionHarness, turn: int = 0) -> int:
    """Try on ``h``'s session every attempt of :func:`attempts` that the model says it refuses.

    Only while the session runs, when each action is preceded by ``apply_due()``
    and nothing is due (the model's predictions need that). One more attempt is
    tried on a copy restored from the log: on even turns one the model says the
    session accepts, on odd turns one it cannot tell about (a plugin's rule
    decides: a refusal must still change nothing) or the first it says is
    blocked cross-talk; ``turn`` picks which, in turn.

    Returns:
        How many attempts were tried.

    Raises:
        ConformanceError: If the session did not handle one of them as the
            model predicts (named by the full check of the attempt).
    """
    session = h.session
    now = h.clock.now()
    due = session.next_deadline()
    if not h.due_first or session.status is SessionStatus.ENDED or (due and due.at <= now):
        return 0
    before = session.state
    tried = 0
    accepted: list[tuple[Action, Outcome | None]] = []
    others: list[tuple[Action, Outcome | None]] = []
    for action in attempts(h):
        outcome = expect(h.model, action, now).outcome
        if outcome is Outcome.ACCEPT:
            accepted.append((action, outcome))
        elif outcome is None or (outcome is Outcome.BLOCK and not _blocks(others)):
            others.append((action, outcome))
        if outcome is not Outcome.REFUSE:
            continue
        tried += 1
        count = len(session.events)
        try:
            action.perform(session)
        except ActionRejected as exc:
            if len(session.events) == count and _named(exc, action):
                continue
        except Exception:  # the full check below names it
            pass
        _again(h, action, count)
    if session.state != before:
        # some refusal changed the state: find which, each with the full check
        _again_each(h, len(session.events))
    pool = others if turn % 2 and others else accepted
    if pool:
        _on_a_copy(h, *pool[(turn // 2) % len(pool)])
        tried += 1
    return tried


def _blocks(pool: list[tuple[Action, Outcome | None]]) -> bool:
    """Whether ``pool`` has an attempt predicted to be blocked (one is enough)."""
    return any(outcome is Outcome.BLOCK for _action, outcome in pool)


def _named(exc: ActionRejected, action: Action) -> bool:
    """Whether the refusal names the action and whoever acted."""
    return (exc.action, exc.actor) == (action.name, acting(action.name, action.member, action.by))


def _on_a_copy(h: SessionHarness, action: Action, expected: Outcome | None) -> None:
    """Try ``action`` on a copy restored from the log: is its outcome ``expected``?

    ``None``: the model cannot tell; the session may accept, block or refuse
    (changing nothing).
    """
    copy = Session.restore(h.group, h.fmt, h.session.events, clock=h.clock, hooks=False)
    before, count = copy.state, len(copy.events)
    outcome: Outcome | None = None  # a refusal that changed something, or an error
    try:
        action.perform(copy)
        outcome = Outcome.ACCEPT
    except CrossTalkBlocked:
        outcome = Outcome.BLOCK
    except ActionRejected as exc:
        if len(copy.events) == count and _named(exc, action) and copy.state == before:
            outcome = Outcome.REFUSE
    except Exception:  # the full check below names it
        outcome = None
    if outcome is not None and expected in (None, outcome):
        return
    h.log(f"probing, on a copy of the session: {action}")
    h.act(action)
    raise ConformanceError(
        "restore", f"{action} went differently on the session restored from its log"
    )


def _again(h: SessionHarness, action: Action, count: int) -> None:
    """Run ``action`` again with the full check, on the session as it was before it."""
    h.rewind(count)
    h.log(f"probing what the model says the session must refuse: {action}")
    h.act(action)
    raise ConformanceError(
        "expected-outcome", f"{action} was not refused cleanly, then it was (not deterministic?)"
    )


def _again_each(h: SessionHarness, count: int) -> None:
    """Run every probe again with the full check until one fails."""
    h.rewind(count)
    now = h.clock.now()
    for action in list(attempts(h)):
        if expect(h.model, action, now).outcome is Outcome.REFUSE:
            h.act(action)
    raise ConformanceError(
        "rejected-changes-nothing", "a refused attempt changed the session's state"
    )
