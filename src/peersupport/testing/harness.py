"""Drive a real session and the independent model side by side, checking every step.

:class:`SessionHarness` is the engine of the conformance kit: the state machine
(:mod:`peersupport.testing.stateful`), :func:`peersupport.testing.check_actions`
and exhaustive enumerations all act through it. Every action is checked on the
spot: a refused action changed nothing and its error names the action and
whoever acted; an accepted one appended the events its kind says (read from
``KINDS``: the action's one event by the right actor, after an automatic
roll-over for a turn in a complete round, and rule notices), which the model
folds and checks; the outcome is the one the model predicts; and a hand raised
under a policy that orders its queue itself goes where the policy's declared
order rule puts it. The ``check_*`` methods
(:class:`~peersupport.testing.invariants.Invariants`) check the invariants
between steps.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from peersupport.clock import ManualClock
from peersupport.engine.format import Format
from peersupport.engine.session import Session
from peersupport.engine.state import SessionState
from peersupport.errors import ActionRejected, CrossTalkBlocked, PluginError
from peersupport.events import Event, EventKind
from peersupport.testing.expect import expect
from peersupport.testing.invariants import Invariants
from peersupport.testing.model import SessionModel
from peersupport.testing.queue import asked_position, describe_order
from peersupport.testing.strategies import Action
from peersupport.testing.tables import (
    ACTION_KINDS,
    DEADLINE_KINDS,
    TURN_ACTIONS,
    acting,
)
from peersupport.testing.verdict import ConformanceError, Outcome, Verdict, failure
from peersupport.values import Group

__all__ = ["Result", "SessionHarness"]

K = EventKind


#: The model's verdict when it cannot tell.
_UNKNOWN = Verdict(None)


@attrs.frozen
class Result:
    """What happened to one action.

    Attributes:
        outcome: Accepted, refused or blocked (an invalid amendment is refused).
        event: The event the action appended (the ``cross_talk_blocked`` event
            when blocked), or ``None``.
        error: The exception the session raised, if it refused.
        verdict: What the model predicted (its outcome is ``None`` where it could
            not tell, or when deadlines were left to the action).
    """

    outcome: Outcome
    event: Event | None = None
    error: Exception | None = None
    verdict: Verdict = _UNKNOWN


def _quiet(_message: str) -> None:
    """Default log: say nothing."""


class SessionHarness(Invariants):
    """A real session on a manual clock, and its independent model.

    Args:
        group: The group.
        fmt: The format.
        start: Time the clock starts at.
        log: Called with a line for every step (e.g. :func:`hypothesis.note`).
        ends_at: The meeting's scheduled end (clock time after ``start``), if any.
        close_notice: Seconds before it when ``time_to_close`` is due (``None``: 300).

    Attributes:
        session: The session under test.
        clock: Its manual clock.
        model: The independent model, kept in step with the session's log.
        due_first: Whether each action is preceded by ``apply_due()`` (the
            documented way); if false, the action applies what fell due itself.
    """

    def __init__(
        self,
        group: Group,
        fmt: Format,
        *,
        start: float = 0.0,
        log: Callable[[str], None] = _quiet,
        ends_at: float | None = None,
        close_notice: float | None = None,
    ) -> None:
        self.clock = ManualClock(start)
        self.log = log
        schedule = {"ends_at": ends_at, "close_notice": close_notice}
        try:
            session = Session(group, fmt, clock=self.clock, hooks=False, **schedule)
        except Exception as exc:
            raise failure("opening the session", exc) from exc
        super().__init__(group, fmt, session, SessionModel(group, fmt, **schedule))
        self.due_first = True
        self._seen = 0
        self.absorb()
        self.check_readable()

    # -------------------------------------------------------------- stepping

    def rewind(self, count: int) -> None:
        """Go on with the session restored from its first ``count`` events (the model's)."""
        events = self.session.events[:count]
        self.session = Session.restore(self.group, self.fmt, events, clock=self.clock, hooks=False)
        self._seen = count

    def absorb(self) -> None:
        """Fold the session's new events into the model (which checks each)."""
        events = self.session.events
        for event in events[self._seen :]:
            self.log(
                f"  event {event.seq} t={event.time:g} {event.kind.value} "
                f"actor={event.actor} member={event.member} {dict(event.data)}"
            )
            self.model.apply(event)
        self._seen = len(events)
        self.model.check_settled()

    def wait(self, seconds: float, *, apply: bool = False) -> None:
        """Move the clock forward by ``seconds``; then apply what fell due if ``apply``."""
        self.log(f"clock +{seconds:g} -> {self.clock.now() + seconds:g}")
        self.clock.advance(seconds)
        if apply:
            self.apply_due()

    def set_time(self, when: float, *, apply: bool = False) -> None:
        """Move the clock to ``when`` (not back); then apply what fell due if ``apply``."""
        when = max(when, self.clock.now())
        self.log(f"clock -> {when:g}")
        self.clock.set(when)
        if apply:
            self.apply_due()

    def apply_due(self) -> tuple[Event, ...]:
        """Call ``session.apply_due()`` and check what it appended.

        Raises:
            ConformanceError: ``deadlines`` if it appended anything but deadline
                events (and their rule notices) or left a deadline overdue;
                ``plugin-error`` if a plugin's rule (a notice, the share limits)
                failed, ``engine-error`` if the engine did.
        """
        session = self.session
        count = len(session.events)
        try:
            due = session.apply_due()
        except Exception as exc:
            raise failure("apply_due()", exc) from exc
        if list(session.events[count:]) != list(due):
            raise ConformanceError("deadlines", "apply_due() returned other events than it added")
        for event in due:
            if event.actor is not None or not (
                event.kind in DEADLINE_KINDS or event.kind is K.RULE_NOTICE
            ):
                raise ConformanceError("deadlines", f"apply_due() appended {event}")
        self.absorb()
        self.model.check_nothing_overdue(self.clock.now())
        self.check_readable()
        return due

    def act(self, action: Action) -> Result | None:
        """Perform ``action`` on the session and check what it did.

        The model folds the new events (naming the invariant an illegal one
        breaks) before the outcome is compared with the model's prediction.

        Returns:
            The result, or ``None`` for a wait.

        Raises:
            ConformanceError: If the session broke an invariant.
        """
        if action.name == "wait":
            self.wait(float(action.option("seconds", 0.0)))
            return None
        session = self.session
        if self.due_first:
            self.apply_due()
        state, events = session.state, session.events
        now = self.clock.now()
        verdict = expect(self.model, action, now) if self.due_first else Verdict(None)
        asked = self._asked_position(action, verdict)
        late = "" if self.due_first else " (due not applied)"
        self.log(f"t={now:g}: {action}{late}")
        event: Event | None = None
        problem: Exception | None = None
        try:
            event = action.perform(session)
        except (ActionRejected, ValueError, PluginError) as exc:
            problem = exc
        except Exception as exc:
            raise failure(f"{action} raised instead of being accepted or refused", exc) from exc
        after = session.events
        if after[: len(events)] != events[:]:
            raise ConformanceError("one-event-per-action", f"{action} rewrote the log")
        new = list(after[len(events) :])
        if not self.due_first:
            # The action applied what fell due strictly before it; those come first
            # (an automatic roll-over is not a deadline: it comes with the turn).
            while new and new[0].actor is None and new[0].kind is not K.ROUND_STARTED:
                due = new.pop(0)
                if due.time >= now:
                    raise ConformanceError(
                        "deadlines", f"{due} at the moment of {action} came before it"
                    )
        if isinstance(problem, CrossTalkBlocked):
            result = self._blocked(action, problem, new, state, now)
        elif problem is not None:
            result = self._refused(action, problem, new, state)
        else:
            assert event is not None
            result = self._accepted(action, event, new, now)
            if asked is not None:
                self._check_position(action, event, *asked)
        self.absorb()
        self._compare(action, verdict, result)
        result = attrs.evolve(result, verdict=verdict)
        if result.outcome is not Outcome.ACCEPT and not self.due_first:
            # The state before the action is gone (deadlines fell due in it): compare
            # with the model, which folded exactly what the log says happened.
            try:
                self.check_model()
            except ConformanceError as exc:
                raise ConformanceError(
                    "rejected-changes-nothing", f"refused {action} changed the state: {exc}"
                ) from exc
        self.check_readable()
        return result

    def _asked_position(self, action: Action, verdict: Verdict) -> tuple[int, int | None] | None:
        """Before a hand goes up under a policy that orders its queue itself: where it must go."""
        declared = self.model.policy
        if action.name != "raise_hand" or declared.order_known:
            return None
        if verdict.outcome is not Outcome.ACCEPT or action.member is None:
            return None  # the engine asks the policy only for a hand it accepts
        return asked_position(self.session, self.model, action.member)

    def _check_position(self, action: Action, event: Event, expected: int, own: int | None) -> None:
        """The hand went where the policy says, and that is where its declared order puts it."""
        position, policy = event.data.get("position"), self.model.policy
        if own is not None and position != own:
            raise ConformanceError(
                "queue-order",
                f"{action} was recorded at {position}; the policy's hand_position says {own}",
            )
        if position != expected:
            raise ConformanceError(
                "queue-order",
                f"{action}: {policy.policy} placed the hand at {position} in the queue "
                f"{self.model.hands}, but it declares {describe_order(policy)}, which "
                f"places it at {expected}",
            )

    def _blocked(
        self,
        action: Action,
        problem: CrossTalkBlocked,
        new: list[Event],
        state: SessionState,
        now: float,
    ) -> Result:
        self.log(f"  blocked: {problem}")
        event = problem.event
        if not new or new[0] != event or event.kind is not K.CROSS_TALK_BLOCKED:
            raise ConformanceError(
                "rejected-changes-nothing",
                f"blocked cross-talk must append one cross_talk_blocked event, appended {new}",
            )
        self._check_notices(action, event, new[1:], now)
        self._check_event(action, event, now, frozenset({K.CROSS_TALK_BLOCKED}))
        if self.due_first:
            before = self.session.state
            expected = attrs.evolve(
                state, cross_talk_blocked=state.cross_talk_blocked + 1, time=now
            )
            if before != expected:
                raise ConformanceError(
                    "rejected-changes-nothing", "blocked cross-talk changed more than its count"
                )
        return Result(Outcome.BLOCK, event, problem)

    def _refused(
        self, action: Action, problem: Exception, new: list[Event], state: SessionState
    ) -> Result:
        self.log(f"  refused: {type(problem).__name__}: {problem}")
        if isinstance(problem, ActionRejected):
            actor = acting(action.name, action.member, action.by)
            if problem.action != action.name or problem.actor != actor:
                raise ConformanceError(
                    "rejected-changes-nothing",
                    f"{action} was refused as {problem.actor!r} doing {problem.action!r}: "
                    f"{problem}",
                )
        elif action.name != "amend_agreement" and not isinstance(problem, PluginError):
            raise ConformanceError("rejected-changes-nothing", f"{action} raised {problem!r}")
        if new:
            raise ConformanceError(
                "rejected-changes-nothing", f"refused {action} appended events {new}"
            )
        if self.due_first and self.session.state != state:
            raise ConformanceError(
                "rejected-changes-nothing", f"refused {action} changed the state"
            )
        if isinstance(problem, PluginError):
            raise ConformanceError("plugin-error", f"{action}: {problem}") from problem
        return Result(Outcome.REFUSE, None, problem)

    def _accepted(self, action: Action, event: Event, new: list[Event], now: float) -> Result:
        rest = list(new)
        if rest and rest[0].kind is K.ROUND_STARTED and rest[0].actor is None:
            rollover = rest.pop(0)
            if action.name not in TURN_ACTIONS or rollover.time != now:
                raise ConformanceError(
                    "auto-rollover", f"{action} at {now:g} s appended {rollover} first"
                )
            while rest and rest[0] is not event:
                self._check_notices(action, rollover, [rest.pop(0)], now)
        if not rest or rest[0] is not event:
            raise ConformanceError(
                "one-event-per-action", f"{action} returned {event} but appended {new}"
            )
        self._check_event(action, event, now)
        self._check_notices(action, event, rest[1:], now)
        return Result(Outcome.ACCEPT, event)

    def _check_event(
        self, action: Action, event: Event, now: float, kinds: frozenset[EventKind] | None = None
    ) -> None:
        if kinds is None:
            kinds = ACTION_KINDS[action.name] - {K.CROSS_TALK_BLOCKED}
        if event.kind not in kinds:
            raise ConformanceError("one-event-per-action", f"{action} appended a {event.kind}")
        actor = acting(action.name, action.member, action.by)
        if event.actor is None or event.actor != actor or event.time != now:
            raise ConformanceError(
                "one-event-per-action", f"{action} at {now:g} s appended {event} (actor {actor})"
            )
        if action.member is not None and event.member != action.member:
            raise ConformanceError("one-event-per-action", f"{action} appended {event}")

    def _check_notices(self, action: Action, event: Event, rest: list[Event], now: float) -> None:
        for notice in rest:
            amends = notice.kind is K.AGREEMENT_AMENDED and notice.actor == action.by
            if amends and action.name == "decide_amendment" and notice.time == now:
                continue  # an accepted proposal amends the agreement (the model checks it)
            if (
                notice.kind is not K.RULE_NOTICE
                or notice.actor is not None
                or notice.time != now
                or notice.member != event.member
            ):
                raise ConformanceError(
                    "one-event-per-action",
                    f"{action} appended {notice} after {event}; only rule notices (and the "
                    "amendment a decision accepts) may follow",
                )

    def _compare(self, action: Action, verdict: Verdict, result: Result) -> None:
        expected = verdict.outcome
        if expected is not None and expected is not result.outcome:
            what = result.error if result.error is not None else result.event
            raise ConformanceError(
                "expected-outcome",
                f"the model expected {action} to be {expected.value} ({verdict.reason}), "
                f"but the session {result.outcome.value} it: {what}",
            )
        event, target = result.event, verdict.target
        if target is not None and event is not None and event.data.get("phase") != target:
            raise ConformanceError(
                "expected-outcome",
                f"{action} should lead to {target}, the session went to {event.data.get('phase')}",
            )
