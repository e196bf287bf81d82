"""An independent model of a session: a fold of the event log that checks every event.

:class:`SessionModel` does not use the engine's logic. It reads only what a
format *declares* (each phase's turn-policy declaration: ``rounds``,
``auto_rollover``, ``offers``, ``speakers``, ``callers``, ``passing``, the
eligible roles and a queue's order rule; limits, budgets, rule ids and
transitions), the group, and the table of event kinds, and folds the event
log with its own small implementation of the rules. Each event is checked as it arrives; a violation
raises :class:`ConformanceError` naming the invariant.

No decision reads a policy's name. For a purely declarative policy (every
built-in one) the model knows every decision; for a policy that overrides a
check it still knows every refusal the declaration implies, and every policy
keeps what the engine enforces: one turn per member per round in phases with
rounds, automatic roll-overs exactly when due, one floor holder, present and
never an observer, consent, permissions, timers.

The pieces: :mod:`~peersupport.testing.modelstate` (the state),
:mod:`~peersupport.testing.notices` (rule notices),
:mod:`~peersupport.testing.engine_events` (the opening, roll-overs, deadlines,
the end of shares), :mod:`~peersupport.testing.meetingtime` (pauses, the
meeting's schedule), :mod:`~peersupport.testing.queue` (raised hands, points of
process), :mod:`~peersupport.testing.practice` (listening, agenda items, skipping,
the group's decisions on amendments, size guidance, firm budgets) and this module
(the fold, and the events someone causes).
:func:`peersupport.testing.expect.expect` predicts from the model's state
whether an action will be accepted.
"""

from __future__ import annotations

from peersupport.engine.state import SessionStatus
from peersupport.events import KINDS, Actor, Event, EventKind, Need
from peersupport.testing.declared import call_allowed, turn_allowed
from peersupport.testing.practice import PracticeFold
from peersupport.testing.tables import (
    FACILITATOR_KINDS,
    FOR_THEMSELF_KINDS,
    TURN_KINDS,
    WHILE_PAUSED,
)
from peersupport.testing.verdict import ConformanceError, Outcome, Verdict
from peersupport.values import Role

__all__ = ["ConformanceError", "Outcome", "SessionModel", "Verdict"]

K = EventKind
_PAUSED = SessionStatus.PAUSED
_ENDED = SessionStatus.ENDED
_EMPTY: dict[str, object] = {}


class SessionModel(PracticeFold):
    """An independent fold of a session's event log that checks each event.

    Args:
        group: The group the session runs with.
        fmt: The session's format (only its declared phase data is read).
        ends_at: The meeting's scheduled end the session was opened with, if any.
        close_notice: Its time-to-close notice (``None``: the default, 300 s).

    Feed it every event in order with :meth:`apply`; read its idea of the
    state from the attributes; call :meth:`check_settled` after an action's
    last event.
    """

    def apply(self, e: Event) -> None:
        """Check ``e`` against the model and fold it in.

        Raises:
            ConformanceError: If the event breaks an invariant.
        """
        if e.seq != self.count:
            raise ConformanceError("event-order", f"event numbered {e.seq}, expected {self.count}")
        if e.time < self.last_time:
            raise ConformanceError(
                "event-order", f"event {e.seq} ({e.kind}) at {e.time:g} s goes back in time"
            )
        if e.kind is K.RULE_NOTICE:
            self.check_notice(e)
            self.count += 1
            self.last_time = e.time
            return
        rolled, self.rolled = self.rolled, None
        if rolled is not None and (
            e.kind not in TURN_KINDS or e.actor is None or e.time != rolled.time
        ):
            raise self.fail(
                "auto-rollover", e, f"{rolled} must come right before the turn that starts it"
            )
        self.amended_after_decision(e)
        self.check_settled()
        self.pending = []
        previous = self.last_time
        self.count += 1
        self.last_time = e.time
        spec = KINDS[e.kind]
        actors, need = spec.actors, spec.member
        if (need is Need.MEMBER and e.member is None) or (
            need is Need.NOBODY and e.member is not None
        ):
            raise self.fail("one-event-per-action", e, f"its member should be {need.value}")
        if e.actor is None:
            if Actor.ENGINE not in actors:
                raise self.fail("one-event-per-action", e, "an event that needs an actor")
            self.fold_engine_event(e, previous)
        elif not actors - {Actor.ENGINE}:
            raise self.fail("one-event-per-action", e, "only the engine records this kind")
        else:
            self.fold_actor_event(e, rolled=rolled is not None)
        self.expect_notices(e)

    # -------------------------------------------------------------- events by someone

    def fold_actor_event(self, e: Event, *, rolled: bool) -> None:
        """Check who acted, then fold the event (``rolled``: a roll-over came right before)."""
        kind, actor, member = e.kind, e.actor, e.member
        assert actor is not None
        if self.status is _ENDED:
            raise self.fail("session-status", e, "an action after the session ended")
        if self.status is _PAUSED and kind not in WHILE_PAUSED:
            raise self.fail("session-status", e, "a floor action while paused")
        actor_role = self.role_of(actor)
        if actor_role is None and not (kind is K.ARRIVED and actor == member):
            raise self.fail("permissions", e, f"{actor} is not in the group and never arrived")
        if kind in FACILITATOR_KINDS or (kind in FOR_THEMSELF_KINDS and member != actor):
            if actor_role is None or not actor_role.facilitates:
                raise self.fail("permissions", e, f"{actor} ({actor_role}) acted as facilitator")
            if actor not in self.present:
                raise self.fail("permissions", e, f"{actor} acted without being present")
        if kind in TURN_KINDS and not rolled and self.rollover_due():
            raise self.fail(
                "auto-rollover",
                e,
                f"a turn in complete round {self.round} of {self.phase} ({self.policy_name}) "
                "without the automatic round_started event before it",
            )
        getattr(self, f"_on_{kind.value}")(e)

    def _data(self, e: Event, expected: dict[str, object], invariant: str = "model") -> None:
        if dict(e.data) != expected:
            raise self.fail(invariant, e, f"its data should be {expected}")

    def _on_arrived(self, e: Event) -> None:
        member = e.member
        assert member is not None
        if member in self.present:
            raise self.fail("model", e, f"{member} arrived twice")
        role = e.data.get("role")
        if isinstance(role, str):
            if self.group.closed or member in self.group or member in self.roles:
                raise self.fail("permissions", e, f"{member} arrived as a visitor")
            self.roles[member] = Role(role)
            if self.roles[member].facilitates:
                raise self.fail("permissions", e, "a visitor arrived as a facilitator")
        else:
            self._data(e, _EMPTY)
            if member not in self.roles:
                group_role = self.group.role_of(member)
                if group_role is None:
                    raise self.fail("permissions", e, f"{member} is not in the closed group")
                self.roles[member] = group_role
        self.present.append(member)
        policy = self.policy
        # Every arrival joins the round under way, but a listener coming back (the rounds
        # after it leave listeners out too; see practice.py).
        if (
            policy.rounds
            and self.roles[member] in policy.eligible
            and member not in self.order
            and member not in self.listening
        ):
            self.order.append(member)

    def _on_left(self, e: Event) -> None:
        member = e.member
        assert member is not None
        if member not in self.present:
            raise self.fail("model", e, f"{member} left without being present")
        if self.holder == member:
            self.end_share(e, member)
        else:
            self._data(e, _EMPTY)
        self.present.remove(member)
        if member in self.order and member not in self.had:
            self.order.remove(member)
        if self.called == member:  # whoever is gone is no longer called on
            self.called = None
        self.drop_hand(member)

    def _on_consented(self, e: Event) -> None:
        member = e.member
        assert member is not None
        if member not in self.present or self.consents.get(member) == self.agreement.version:
            raise self.fail("model", e, f"{member} consented absent or twice")
        self._data(e, {"version": self.agreement.version})
        self.consents[member] = self.agreement.version

    def _transition_ok(self, e: Event, target: str) -> None:
        if self.holder is not None:
            raise self.fail("one-holder", e, f"phase moved on while {self.holder} shares")
        if e.data.get("from") != self.phase:
            raise self.fail("model", e, f"the phase is {self.phase}")
        for t in self.spec.transitions:
            if t.target == target and t.event == e.data.get("event"):
                if all(self.guard(g) is expected for g, expected in t.guards):
                    return
                raise self.fail(
                    "chart", e, f"a guard of {t.event} {self.phase} -> {target} does not hold"
                )
        raise self.fail("chart", e, f"the chart has no transition {self.phase} -> {target}")

    def guard(self, name: str) -> bool:
        """Whether the chart guard ``name`` holds now."""
        if name == "round_complete":
            return not self.policy.rounds or self.complete()
        raise AssertionError(f"unknown guard {name}")  # pragma: no cover

    def _on_phase_entered(self, e: Event) -> None:
        target = e.data.get("phase")
        if not isinstance(target, str) or target == self.phase:
            raise self.fail("chart", e, f"entered {target} from {self.phase}")
        skipped = self.skip_data(e, target)  # past phases (skip_to), checked there
        if not skipped:
            self._transition_ok(e, target)
        budget = self.enter_budget(e, target)  # in force: the format's, or the schedule's
        moved = {"phase": target, "from": self.phase, "event": e.data.get("event")}
        self._data(e, {**moved, **skipped, **budget})
        self.phase = target
        self.entry = e.seq
        self.phase_start = e.time
        self.time_up = False
        self.phase_shares, self.phase_speaking = {}, {}
        self.last, self.hands = None, []
        if self.policy.rounds:
            self.new_round(1, self.round_order())
        else:
            self.new_round(0, [])

    def _on_round_started(self, e: Event) -> None:
        if e.data.get("phase") != self.phase or not self.policy.rounds:
            raise self.fail("chart", e, f"a new round of {e.data.get('phase')} in {self.phase}")
        self._transition_ok(e, self.phase)
        expected = {"phase": self.phase, "from": self.phase, "round": self.round + 1}
        self._data(e, {**expected, "event": e.data.get("event")})
        self.new_round(self.round + 1, self.round_order())

    def _on_round_closed(self, e: Event) -> None:
        if not self.policy.rounds or self.complete():
            raise self.fail("model", e, "closed a round that is complete or does not exist")
        waiting = tuple(m for m in self.order if m not in self.had)
        self._data(e, {"not_reached": waiting})
        for m in waiting:
            self.not_reached[m] = self.not_reached.get(m, 0) + 1
        self.closed = True
        self.called = None  # a closed round offers the floor to nobody

    def _on_turn_skipped(self, e: Event) -> None:
        member = e.member
        assert member is not None
        if not self.policy.rounds or member not in self.order or self.closed:
            raise self.fail("model", e, f"{member} is not waiting for a turn")
        self._data(e, _EMPTY)
        self._take_turn(e, member, "skipped")
        self.skipped.add(member)
        if self.called == member:  # skipping counts as their turn: they are no longer called
            self.called = None

    def _may_speak(self, e: Event, member: str) -> Role:
        if member not in self.present:
            raise self.fail("one-holder", e, f"{member} is not present")
        role = self.roles[member]
        if not role.takes_turns:
            raise self.fail("one-holder", e, f"observer {member} took a turn")
        if self.holder is not None:
            raise self.fail("one-holder", e, f"{member} spoke while {self.holder} holds the floor")
        self._data(e, _EMPTY)
        return role

    def _take_turn(self, e: Event, member: str, how: str) -> None:
        """Record a share, pass or skip in the round, refusing a second turn."""
        policy = self.policy
        turns = self.turns.setdefault(self.key, {})
        if policy.rounds and member in turns:
            raise self.fail(
                "one-turn-per-round",
                e,
                f"{member} {how} in round {self.round} of {self.phase} after having "
                f"{turns[member]} in it",
            )
        if how != "skipped":
            if policy.rounds and self.closed:
                raise self.fail("round-closed", e, f"{member} {how} in a closed round")
            if turn_allowed(policy, self.floor_now(), member, self.roles[member], how) is False:
                raise self.fail(
                    "turn-policy",
                    e,
                    f"{self.policy_name} does not let {member} ({self.roles[member]}) take a "
                    f"turn now (next up {self.next_up()}, called {self.called}, "
                    f"had {sorted(self.had)})",
                )
        if policy.rounds:
            turns[member] = how
            self.had.add(member)

    def _on_share_started(self, e: Event) -> None:
        member = e.member
        assert member is not None
        self._may_speak(e, member)
        self.may_take_floor(e, member, time=True)
        if self.consents.get(member) != self.agreement.version:
            raise self.fail("consent", e, f"{member} has not consented to the agreement")
        start = self.reserved_from()
        if start is not None and e.time >= start and self.phase_shares.get(member):
            raise self.fail("reserved-time", e, f"{member} shared again in reserved time")
        self._take_turn(e, member, "shared")
        self.holder, self.start = member, e.time
        self.warned = self.over = False
        self.share_clean = True
        self.called = None
        self.last = member
        self.drop_hand(member)
        _warn, limit, hard = self.limits()
        self.share_cap = (limit, hard)

    def _on_share_ended(self, e: Event) -> None:
        member = e.member
        assert member is not None
        self.end_share(e, member)

    def _on_passed(self, e: Event) -> None:
        member = e.member
        assert member is not None
        role = self._may_speak(e, member)
        if not self.agreement.may_pass and role is not Role.NEWCOMER:
            raise self.fail("right-to-pass", e, f"{member} passed though passing is off")
        self._take_turn(e, member, "passed")
        if self.policy.rounds:
            self.passed.add(member)
        self.called = None
        self.last = member
        self.drop_hand(member)
        self.passes[member] = self.passes.get(member, 0) + 1

    def _on_called_on(self, e: Event) -> None:
        member, by = e.member, e.actor
        assert member is not None
        assert by is not None
        if by not in self.present or member not in self.present or self.holder is not None:
            raise self.fail("turn-policy", e, "a call on with someone absent or the floor taken")
        self._data(e, _EMPTY)
        role, policy = self.roles[member], self.policy
        if role not in policy.eligible:
            raise self.fail("turn-policy", e, f"{member} ({role}) does not take turns here")
        if policy.rounds and member in self.had:
            raise self.fail("one-turn-per-round", e, f"{member} was called on after their turn")
        self.may_take_floor(e, member, time=True)
        if call_allowed(policy, self.floor_now(), by, self.roles[by], member) is False:
            raise self.fail("turn-policy", e, f"{self.policy_name} lets {by} call on {member}")
        self.called = member

    def _on_interjected(self, e: Event) -> None:
        member = e.member
        assert member is not None
        if self.holder is None or member == self.holder or e.data.get("holder") != self.holder:
            raise self.fail("one-holder", e, f"an interjection while {self.holder} holds the floor")
        self._data(e, {"holder": self.holder})
        self.may_take_floor(e, member, time=False)
        if not (self.spec.cross_talk and self.agreement.cross_talk):
            raise self.fail("no-cross-talk", e, "cross-talk where it is not allowed")
        if self.consents.get(member) != self.agreement.version:
            raise self.fail("consent", e, f"{member} has not consented to the agreement")
        self.interjections += 1

    def _on_cross_talk_blocked(self, e: Event) -> None:
        member = e.member
        assert member is not None
        if self.holder is None or member == self.holder or e.data.get("holder") != self.holder:
            raise self.fail("one-holder", e, f"blocked cross-talk while {self.holder} holds")
        self._data(e, {"rule": "no-cross-talk", "holder": self.holder})
        self.may_take_floor(e, member, time=False)
        if self.spec.cross_talk and self.agreement.cross_talk:
            raise self.fail("no-cross-talk", e, "cross-talk was blocked where it is allowed")
        self.blocked += 1

    def _on_ended(self, e: Event) -> None:
        if e.data.get("phase") != self.phase:
            raise self.fail("model", e, f"the session ended in {self.phase}")
        if self.holder is not None:
            self.end_share(e, self.holder)
        else:
            self._data(e, {"phase": self.phase, **self.reason_of(e)})
        self.status = _ENDED
