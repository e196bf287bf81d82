"""The invariants checked between steps: the session against its model, its log, its restore.

:class:`Invariants` is the checking half of
:class:`~peersupport.testing.harness.SessionHarness`: the session's state is
the model's, at most one present participant holds the floor, whoever is
offered the floor may take it (in a phase with a queue: its head, whoever a
facilitator called on, or nobody while a point of process is pending), nobody
is twice in the queue, the log is ordered and immutable, restoring the log
gives the live state, re-enacting it (``Session.verify``) accepts it, and it
reads back unchanged from JSON Lines.
"""

from __future__ import annotations

import itertools
import json

from peersupport.engine.format import Format
from peersupport.engine.policies import Offer, Speakers
from peersupport.engine.session import Session
from peersupport.engine.state import SessionStatus
from peersupport.errors import ActionRejected, LogError
from peersupport.events import EventData, dumps, from_dict, loads
from peersupport.testing.declared import turn_allowed
from peersupport.testing.meetingtime import check_time_plan
from peersupport.testing.model import SessionModel
from peersupport.testing.practice import check_practice
from peersupport.testing.verdict import ConformanceError, failure
from peersupport.values import Group, Role

__all__ = ["Invariants"]


class Invariants:
    """Checks of a session and its model between steps.

    Args:
        group: The group.
        fmt: The format.
        session: The session under test.
        model: Its independent model, in step with its log.
    """

    def __init__(self, group: Group, fmt: Format, session: Session, model: SessionModel) -> None:
        self.group = group
        self.fmt = fmt
        self.session = session
        self.model = model
        #: Events already checked by :meth:`check_json_lines` and :meth:`check_events`.
        self.lines_checked = 0
        self.events_checked = 0

    def check(self) -> None:
        """Check every invariant (the cheap ones, the restore, the re-enactment, the log)."""
        self.check_readable()
        self.check_model()
        self.check_time_plan()
        self.check_floor()
        self.check_hands()
        self.check_offers()
        self.check_events()
        self.check_restore()
        self.check_verify()
        self.check_json_lines(whole=True)

    def check_readable(self) -> None:
        """The session's state can be read: its turn policy's ``offered()`` does not fail.

        Raises:
            ConformanceError: ``plugin-error`` (``engine-error`` for a built-in policy).
        """
        try:
            self.session.offered_to()
        except Exception as exc:
            raise failure(
                f"reading whom the floor is offered to in {self.model.phase}", exc
            ) from exc

    def check_model(self) -> None:
        """The session's state is the model's, and so is its next deadline.

        Raises:
            ConformanceError: ``model``, naming the first field that differs
                (``schedule`` for the meeting's time: the budget in force, the
                scheduled end, the notice given, the overrun; ``listening``,
                ``agenda`` or ``amendments`` for the listeners, agenda items and
                proposals), or ``deadlines`` if the next deadline differs.
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
            ("called", floor.called, model.called),
            ("last", floor.last, model.last),
            ("holder", floor.holder, model.holder),
            ("warned", floor.warned, model.warned),
            ("over", floor.over, model.over),
            ("share_started_at", floor.share_started_at, model.start if model.holder else None),
            ("phase_started_at", state.phase_started_at, model.phase_start),
            ("phase_time_up", state.phase_time_up, model.time_up),
            ("paused_at", state.paused_at, model.paused_at),
            ("time", state.time, model.last_time),
            ("shares", dict(state.shares), model.shares),
            ("passes", dict(state.passes), model.passes),
            ("speaking_time", dict(state.speaking_time), model.speaking),
            ("overtime", dict(state.overtime), model.overtime),
            ("not_reached", dict(state.not_reached), model.not_reached),
            ("cross_talk_blocked", state.cross_talk_blocked, model.blocked),
            ("interjections", state.interjections, model.interjections),
            ("phase_shares", dict(state.phase_shares), model.phase_shares),
            ("phase_speaking_time", dict(state.phase_speaking_time), model.phase_speaking),
            ("hands", floor.hands, tuple(model.hands)),
            ("points", floor.points, tuple(model.points)),
            ("acknowledged", floor.acknowledged, {m for m, seen in model.points.items() if seen}),
        ]
        schedule: list[tuple[str, object, object]] = [
            ("phase_budget", state.phase_budget, model.budget),
            ("ends_at", state.ends_at, model.ends_at),
            ("time_to_close", state.time_to_close, model.closing),
            ("overran", state.overran, model.overran),
        ]
        for invariant, checked in (("model", pairs), ("schedule", schedule)):
            for name, engine, expected in checked:
                if engine != expected:
                    raise ConformanceError(
                        invariant, f"the session's {name} is {engine!r}, the model's {expected!r}"
                    )
        check_practice(state, model)  # listeners, agenda items, proposals
        deadline = session.next_deadline()
        at, due = (None if deadline is None else deadline.at), model.next_deadline()
        if at != due:
            raise ConformanceError(
                "deadlines", f"the session's next deadline is {deadline}, the model's at {due}"
            )

    def check_time_plan(self) -> None:
        """``Session.time_plan()`` is the model's (when nothing is due; ``schedule``)."""
        check_time_plan(self.session, self.model)

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

    def check_hands(self) -> None:
        """Nobody is twice in the queue; whoever is in it is present and does not hold the floor.

        Outside a phase whose policy offers the floor to the head of a queue, the
        queue is empty.

        Raises:
            ConformanceError: ``one-hand-each``.
        """
        state = self.session.state
        hands = state.floor.hands
        if not hands:
            return
        why = None
        if len(set(hands)) != len(hands):
            why = "someone is twice in it"
        elif state.floor.holder in hands:
            why = f"{state.floor.holder} holds the floor"
        elif not set(hands) <= set(state.present):
            why = "someone in it is not present"
        elif not self.model.policy.queue:
            why = f"{state.phase} ({self.model.policy_name}) has no queue"
        if why is not None:
            raise ConformanceError("one-hand-each", f"the queue is {hands}: {why}")

    def check_offers(self) -> None:
        """Whoever is offered the floor is present, eligible, fresh in the round, and may take it.

        Fresh: they have not shared, passed or been skipped in this round. Where
        only the member offered the floor takes a turn in seat order, someone is
        offered it while the round goes on.

        In a phase with a queue the floor goes to whoever a facilitator called on,
        else to the head of the queue, and to nobody while a point of process is
        pending, whether or not the policy overrides ``offered``.

        Raises:
            ConformanceError: ``passed-not-offered``, ``offered-may-take``,
                ``someone-offered``, ``queue-offered``, or ``model`` when a policy
                offers the floor to someone else than its declaration says.
        """
        session, model = self.session, self.model
        offered = session.offered_to()
        if session.state.floor.offered_to != offered:
            raise ConformanceError("model", "state.floor.offered_to differs from offered_to()")
        policy = model.policy
        if offered is not None:
            turns = model.round_turns()
            if offered in turns:
                raise ConformanceError(
                    "passed-not-offered",
                    f"{offered} is offered the floor in round {model.round} of {model.phase} "
                    f"after having {turns[offered]} in it",
                )
            role = model.role_of(offered)
            if (
                role is None
                or not role.takes_turns
                or role not in policy.eligible
                or offered not in model.present
            ):
                raise ConformanceError(
                    "passed-not-offered", f"{offered} ({role}) is offered the floor"
                )
            if policy.overrides and not model.rollover_due():
                self._check_policy_gives_the_turn(offered, role)
        if policy.offers_known or policy.queue:
            self._check_declared_offer(offered)
        elif offered is None:
            self._check_someone_offered()

    def _check_declared_offer(self, offered: str | None) -> None:
        """The floor goes to whom the declaration says, who may take it."""
        model = self.model
        policy = model.policy
        if offered != model.offered():
            if policy.queue:
                raise ConformanceError(
                    "queue-offered",
                    f"{model.policy_name} offers the floor to {offered}; it offers it to "
                    f"the head of the queue {model.hands} (called on: {model.called}; "
                    f"nobody while a point of process is pending: {model.points})",
                )
            raise ConformanceError(
                "model",
                f"{model.policy_name} offers the floor to {offered}, "
                f"its declaration to {model.offered()}",
            )
        if offered is not None:
            role = model.roles[offered]
            floor = model.floor_for_turn()
            may = not (policy.rounds and (offered in floor.had or floor.closed)) and any(
                turn_allowed(policy, floor, offered, role, how) is not False
                for how in ("shared", "passed")
            )
            if not may:
                raise ConformanceError(
                    "offered-may-take",
                    f"{offered} is offered the floor in {model.phase} ({model.policy_name}) "
                    f"but may neither share nor pass now (round {floor.number}, "
                    f"called {floor.called}, had {sorted(floor.had)}, closed {floor.closed})",
                )

    def _check_policy_gives_the_turn(self, offered: str, role: Role) -> None:
        """A policy that overrides a check does not refuse both the share and the pass it offers.

        Its checks must not change anything, so the kit asks them directly; a pass
        counts only where the agreement lets ``offered`` pass.
        """
        session, model = self.session, self.model
        policy = session.phase.policy
        why: list[str] = []
        checks = [("share", policy.check_take_floor)]
        if model.agreement.may_pass or role is Role.NEWCOMER:
            checks.append(("pass", policy.check_pass))
        for how, check in checks:
            try:
                check(session, offered, role)
            except ActionRejected as exc:
                why.append(f"{how}: {exc}")
            except Exception as exc:
                raise failure(f"{model.policy_name} checking {offered}'s {how}", exc) from exc
            else:
                return
        raise ConformanceError(
            "offered-may-take",
            f"{offered} is offered the floor in round {model.round} of {model.phase} "
            f"({model.policy_name}), but the policy refuses them ({'; '.join(why)})",
        )

    def _check_someone_offered(self) -> None:
        """Where only the one offered the floor takes a turn in seat order, someone is offered it.

        Otherwise nobody at all may take a turn, and the round cannot go on.
        """
        model = self.model
        policy = model.policy
        if policy.offers is not Offer.NEXT_IN_ORDER or policy.speakers is not Speakers.OFFERED:
            return
        if model.offered() is not None and model.status is SessionStatus.OPEN:
            waiting = ", ".join(m for m in model.order if m not in model.had)
            raise ConformanceError(
                "someone-offered",
                f"{model.policy_name} offers the floor to nobody in round {model.round} of "
                f"{model.phase}, so nobody may take a turn, though {waiting} wait for theirs",
            )

    def check_events(self) -> None:
        """Events are numbered 0, 1, 2..., never go back in time, and are immutable values.

        Raises:
            ConformanceError: ``event-order``, or ``immutable-events`` for an
                event whose data can change or that cannot be hashed.
        """
        events = self.session.events
        if [e.seq for e in events] != list(range(len(events))):
            raise ConformanceError("event-order", "events are not numbered 0, 1, 2...")
        if not all(a.time <= b.time for a, b in itertools.pairwise(events)):
            raise ConformanceError("event-order", "an event goes back in time")
        for event in events[self.events_checked :]:
            data = event.data
            if type(data) is not EventData or any(isinstance(v, list) for v in data.values()):
                raise ConformanceError("immutable-events", f"{event} has changeable data")
            try:
                hash(event)
            except TypeError as exc:
                raise ConformanceError("immutable-events", f"{event}: {exc}") from exc
        self.events_checked = len(events)

    def check_restore(self) -> None:
        """Restoring the log (a pure fold) gives the same events and the live state.

        Raises:
            ConformanceError: ``restore``.
        """
        events = self.session.events
        try:
            restored = Session.restore(self.group, self.fmt, events, hooks=False)
        except ValueError as exc:
            raise ConformanceError("restore", f"the log does not restore: {exc}") from exc
        if restored.events != events:
            raise ConformanceError("restore", "restoring produced other events")
        if restored.state != self.session.state:
            raise ConformanceError(
                "restore",
                f"restoring gives {restored.state}, the live state is {self.session.state}",
            )

    def check_verify(self) -> None:
        """Re-enacting the log through today's checks (``Session.verify``) accepts it.

        Raises:
            ConformanceError: ``verify``, naming the event re-enactment refused.
        """
        events = self.session.events
        try:
            verified = Session.verify(self.group, self.fmt, events, hooks=False)
        except LogError as exc:
            raise ConformanceError("verify", f"the log does not re-enact: {exc}") from exc
        if verified.state != self.session.state:
            raise ConformanceError("verify", "re-enacting the log gives another state")

    def check_json_lines(self, *, whole: bool = False) -> None:
        """Each event's JSON Lines line reads back as the same event.

        Lines are checked once, as events arrive (the log only grows); with
        ``whole`` the whole log is also read back with :func:`peersupport.events.loads`.

        Raises:
            ConformanceError: ``json-lines``.
        """
        events = self.session.events
        new = events[self.lines_checked :]
        for event, line in zip(new, dumps(new).splitlines(), strict=True):
            try:
                back = from_dict(json.loads(line), event.seq + 1)
            except ValueError as exc:
                raise ConformanceError("json-lines", f"{event} does not read back: {exc}") from exc
            if back != event:
                raise ConformanceError("json-lines", f"{event} reads back as {back}")
        self.lines_checked = len(events)
        if whole:
            try:
                back_all = loads(dumps(events))
            except ValueError as exc:
                raise ConformanceError("json-lines", f"the log does not read back: {exc}") from exc
            if back_all != list(events):
                raise ConformanceError("json-lines", "the log reads back as other events")
