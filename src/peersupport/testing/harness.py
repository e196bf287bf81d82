"""Drive a real session and the independent model side by side, checking every step.

:class:`SessionHarness` is the engine of the conformance kit: the state machine
(:mod:`peersupport.testing.stateful`), :func:`peersupport.testing.check_actions`
and exhaustive enumerations all act through it. Every action is checked on the
spot (a refused action changed nothing; an accepted one appended exactly one
event with an actor, plus rule notices; the outcome is the one the model
predicts); the ``check_*`` methods check the invariants between steps.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable

import attrs

from peersupport.clock import ManualClock
from peersupport.errors import ActionRejected, CrossTalkBlocked
from peersupport.events import Event, EventKind, dumps, from_dict, loads
from peersupport.format import Format
from peersupport.model import Group, Role
from peersupport.session import Session
from peersupport.state import SessionState
from peersupport.testing.expect import expect
from peersupport.testing.model import (
    DEADLINE_KINDS,
    ConformanceError,
    Outcome,
    SessionModel,
    Verdict,
)
from peersupport.testing.strategies import Action

__all__ = ["Result", "SessionHarness"]

K = EventKind
#: The event each action appends (``advance`` appends one of two).
_KIND_OF: dict[str, frozenset[EventKind]] = {
    "arrive": frozenset({K.ARRIVED}),
    "leave": frozenset({K.LEFT}),
    "consent": frozenset({K.CONSENTED}),
    "start_share": frozenset({K.SHARE_STARTED}),
    "end_share": frozenset({K.SHARE_ENDED}),
    "pass_turn": frozenset({K.PASSED}),
    "interject": frozenset({K.INTERJECTED}),
    "call_on": frozenset({K.CALLED_ON}),
    "skip": frozenset({K.TURN_SKIPPED}),
    "advance": frozenset({K.PHASE_ENTERED, K.ROUND_STARTED}),
    "new_round": frozenset({K.ROUND_STARTED}),
    "close_round": frozenset({K.ROUND_CLOSED}),
    "pause": frozenset({K.PAUSED}),
    "resume": frozenset({K.RESUMED}),
    "end": frozenset({K.ENDED}),
    "amend_agreement": frozenset({K.AGREEMENT_AMENDED}),
}
#: Member actions whose member is the actor unless ``by`` says otherwise.
_BY_OR_MEMBER = frozenset(
    {"arrive", "leave", "consent", "start_share", "end_share", "pass_turn", "interject"}
)


@attrs.frozen
class Result:
    """What happened to one action.

    Attributes:
        outcome: Accepted, refused or blocked (an invalid amendment is refused).
        event: The event the action appended (the ``cross_talk_blocked`` event
            when blocked), or ``None``.
        error: The exception the session raised, if it refused.
    """

    outcome: Outcome
    event: Event | None = None
    error: Exception | None = None


def _quiet(_message: str) -> None:
    """Default log: say nothing."""


class SessionHarness:
    """A real session on a manual clock, and its independent model.

    Args:
        group: The group.
        fmt: The format.
        start: Time the clock starts at.
        log: Called with a line for every step (e.g. :func:`hypothesis.note`).

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
    ) -> None:
        self.group = group
        self.fmt = fmt
        self.clock = ManualClock(start)
        self.log = log
        self.session = Session(group, fmt, clock=self.clock, hooks=False)
        self.model = SessionModel(group, fmt)
        self.due_first = True
        self._seen = 0
        self._lines_checked = 0
        self.absorb()

    # -------------------------------------------------------------- stepping

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
                events (and their rule notices) or left a deadline overdue.
        """
        session = self.session
        count = len(session.events)
        due = session.apply_due()
        if list(session.events[count:]) != list(due):
            raise ConformanceError("deadlines", "apply_due() returned other events than it added")
        for event in due:
            if event.actor is not None or not (
                event.kind in DEADLINE_KINDS or event.kind in (K.SHARE_ENDED, K.RULE_NOTICE)
            ):
                raise ConformanceError("deadlines", f"apply_due() appended {event}")
        self.absorb()
        self.model.check_nothing_overdue(self.clock.now())
        return due

    def act(self, action: Action) -> Result | None:
        """Perform ``action`` on the session and check what it did.

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
        late = "" if self.due_first else " (due not applied)"
        self.log(f"t={now:g}: {action}{late}")
        event: Event | None = None
        problem: Exception | None = None
        try:
            event = action.perform(session)
        except (ActionRejected, ValueError) as exc:
            problem = exc
        after = session.events
        if after[: len(events)] != events:
            raise ConformanceError("one-event-per-action", f"{action} rewrote the log")
        new = list(after[len(events) :])
        if not self.due_first:
            # The action applied what fell due strictly before it; those come first.
            while new and new[0].actor is None:
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
        self._compare(action, verdict, result)
        self.absorb()
        if result.outcome is not Outcome.ACCEPT and not self.due_first:
            # The state before the action is gone (deadlines fell due in it): compare
            # with the model, which folded exactly what the log says happened.
            try:
                self.check_model()
            except ConformanceError as exc:
                raise ConformanceError(
                    "rejected-changes-nothing", f"refused {action} changed the state: {exc}"
                ) from exc
        return result

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
            if problem.action != action.name:
                raise ConformanceError(
                    "rejected-changes-nothing", f"{action} was refused as {problem.action!r}"
                )
        elif action.name != "amend_agreement":
            raise ConformanceError("rejected-changes-nothing", f"{action} raised {problem!r}")
        if new:
            raise ConformanceError(
                "rejected-changes-nothing", f"refused {action} appended events {new}"
            )
        if self.due_first and self.session.state != state:
            raise ConformanceError(
                "rejected-changes-nothing", f"refused {action} changed the state"
            )
        return Result(Outcome.REFUSE, None, problem)

    def _accepted(self, action: Action, event: Event, new: list[Event], now: float) -> Result:
        if not new or new[0] is not event:
            raise ConformanceError(
                "one-event-per-action", f"{action} returned {event} but appended {new}"
            )
        self._check_event(action, event, now)
        self._check_notices(action, event, new[1:], now)
        return Result(Outcome.ACCEPT, event)

    def _check_event(
        self, action: Action, event: Event, now: float, kinds: frozenset[EventKind] | None = None
    ) -> None:
        name = action.name
        if event.kind not in (_KIND_OF[name] if kinds is None else kinds):
            raise ConformanceError("one-event-per-action", f"{action} appended a {event.kind}")
        if name in _BY_OR_MEMBER:
            actor = action.member if action.by is None else action.by
        else:
            actor = action.by
        if event.actor is None or event.actor != actor or event.time != now:
            raise ConformanceError(
                "one-event-per-action", f"{action} at {now:g} s appended {event} (actor {actor})"
            )
        if action.member is not None and event.member != action.member:
            raise ConformanceError("one-event-per-action", f"{action} appended {event}")

    def _check_notices(self, action: Action, event: Event, rest: list[Event], now: float) -> None:
        for notice in rest:
            if (
                notice.kind is not K.RULE_NOTICE
                or notice.actor is not None
                or notice.time != now
                or notice.member != event.member
            ):
                raise ConformanceError(
                    "one-event-per-action",
                    f"{action} appended {notice} after {event}; only rule notices may follow",
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

    # -------------------------------------------------------------- invariants

    def check(self) -> None:
        """Check every invariant (the cheap ones and the log's replay)."""
        self.check_model()
        self.check_floor()
        self.check_offers()
        self.check_events()
        self.check_replay()
        self.check_json_lines(whole=True)

    def check_model(self) -> None:
        """The session's state is the model's, and so is its next deadline.

        Raises:
            ConformanceError: ``model``, naming the first field that differs, or
                ``deadlines`` if the next deadline differs.
        """
        model, session = self.model, self.session
        state = session.state
        floor = state.floor
        pairs: list[tuple[str, object, object]] = [
            ("phase", state.phase, model.phase),
            ("status", state.status, model.status),
            ("present", state.present, tuple(model.present)),
            ("roles", dict(state.roles), model.roles),
            ("consents", dict(state.consents), model.consents),
            ("agreement", state.agreement, model.agreement),
            ("round", state.round, model.round),
            ("order", floor.order, tuple(model.order)),
            ("had_turn", floor.had_turn, model.had),
            ("passed", floor.passed, model.passed),
            ("skipped", floor.skipped, model.skipped),
            ("closed", floor.closed, model.closed),
            ("complete", floor.complete, model.complete()),
            ("holder", floor.holder, model.holder),
            ("phase_started_at", state.phase_started_at, model.phase_start),
            ("time", state.time, model.last_time),
            ("shares", dict(state.shares), model.shares),
            ("passes", dict(state.passes), model.passes),
            ("speaking_time", dict(state.speaking_time), model.speaking),
            ("overtime", dict(state.overtime), model.overtime),
            ("not_reached", dict(state.not_reached), model.not_reached),
            ("cross_talk_blocked", state.cross_talk_blocked, model.blocked),
            ("interjections", state.interjections, model.interjections),
            ("phase_shares", dict(session.phase_shares), model.phase_shares),
            ("phase_speaking_time", dict(session.phase_speaking_time), model.phase_speaking),
        ]
        if model.holder is not None:
            pairs.append(("share_started_at", floor.share_started_at, model.start))
        for name, engine, expected in pairs:
            if engine != expected:
                raise ConformanceError(
                    "model", f"the session's {name} is {engine!r}, the model's {expected!r}"
                )
        deadline = session.next_deadline()
        at, due = (None if deadline is None else deadline.at), model.next_deadline()
        if at != due:
            raise ConformanceError(
                "deadlines", f"the session's next deadline is {deadline}, the model's at {due}"
            )

    def check_floor(self) -> None:
        """At most one floor holder: present, never an observer, not after the end.

        Raises:
            ConformanceError: ``one-holder``.
        """
        state = self.session.state
        holder = state.floor.holder
        if holder is None:
            return
        if holder not in state.present or state.roles.get(holder) is Role.OBSERVER:
            raise ConformanceError("one-holder", f"{holder} holds the floor absent or as observer")
        if state.status.value == "ended":
            raise ConformanceError("one-holder", f"{holder} holds the floor after the end")

    def check_offers(self) -> None:
        """Whoever is offered the floor is eligible and has not had their turn this round.

        Raises:
            ConformanceError: ``passed-not-offered`` (or ``model`` for a known
                policy offering someone else than it should).
        """
        session, model = self.session, self.model
        offered = session.offered_to()
        if session.state.floor.offered_to != offered:
            raise ConformanceError("model", "state.floor.offered_to differs from offered_to()")
        if offered is not None:
            turns = model.round_turns()
            policy = model.spec.policy
            if offered in turns and not (policy.auto_rollover and model.complete()):
                raise ConformanceError(
                    "passed-not-offered",
                    f"{offered} is offered the floor in round {model.round} of {model.phase} "
                    f"after having {turns[offered]} in it",
                )
            role = model.role_of(offered)
            if role is None or not role.takes_turns or not policy.eligible(role):
                raise ConformanceError(
                    "passed-not-offered", f"{offered} ({role}) is offered the floor"
                )
        if model.known_policy and offered != model.offered():
            raise ConformanceError(
                "model",
                f"{model.policy_name} offers the floor to {offered}, "
                f"the model to {model.offered()}",
            )

    def check_events(self) -> None:
        """Events are numbered 0, 1, 2... and never go back in time.

        Raises:
            ConformanceError: ``event-order``.
        """
        events = self.session.events
        if [e.seq for e in events] != list(range(len(events))):
            raise ConformanceError("event-order", "events are not numbered 0, 1, 2...")
        if not all(a.time <= b.time for a, b in itertools.pairwise(events)):
            raise ConformanceError("event-order", "an event goes back in time")

    def check_replay(self) -> None:
        """Replaying the log gives the same events and the same state.

        Raises:
            ConformanceError: ``replay``.
        """
        events = self.session.events
        try:
            replayed = Session.replay(self.group, self.fmt, events, hooks=False)
        except ValueError as exc:
            raise ConformanceError("replay", f"the log does not replay: {exc}") from exc
        if replayed.events != events:
            raise ConformanceError("replay", "replay produced other events")
        if replayed.state != self.session.state:
            raise ConformanceError("replay", "replay produced another state")

    def check_json_lines(self, *, whole: bool = False) -> None:
        """Each event's JSON Lines line reads back as the same event.

        Lines are checked once, as events arrive (the log only grows); with
        ``whole`` the whole log is also read back with :func:`peersupport.events.loads`.

        Raises:
            ConformanceError: ``json-lines``.
        """
        events = self.session.events
        new = events[self._lines_checked :]
        for event, line in zip(new, dumps(new).splitlines(), strict=True):
            try:
                back = from_dict(json.loads(line), event.seq + 1)
            except ValueError as exc:
                raise ConformanceError("json-lines", f"{event} does not read back: {exc}") from exc
            if back != event:
                raise ConformanceError("json-lines", f"{event} reads back as {back}")
        self._lines_checked = len(events)
        if whole and loads(dumps(events)) != list(events):
            raise ConformanceError("json-lines", "the log reads back as other events")
