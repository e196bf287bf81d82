"""An independent model of a session: a fold of the event log that checks every event.

:class:`SessionModel` does not use the engine's logic. It reads only what a
format *declares* (each phase's turn policy name, ``rounds``, ``auto_rollover``
and ``eligible(role)``, limits, budgets, rule ids and transitions) and the
group, and folds the event log with its own small implementation of the rules.
Each event is checked as it arrives; a violation raises
:class:`ConformanceError` naming the invariant.

The model knows the built-in turn policies and rules in detail. For a turn
policy or rule it does not know (a third-party one), it checks the invariants
every policy must keep: one turn per member per round in phases with rounds,
one floor holder, present and never an observer, consent, permissions, timers.

:func:`peersupport.testing.expect.expect` predicts from the model's state whether
an action will be accepted, so the harness also catches an engine or policy that
refuses what it must allow.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from typing import Any

import attrs

from peersupport.events import Event, EventKind
from peersupport.format import Format, PhaseSpec
from peersupport.model import Agreement, Group, Role
from peersupport.rules import Rule
from peersupport.state import SessionStatus

__all__ = [
    "AMENDABLE",
    "KNOWN_POLICIES",
    "KNOWN_RULES",
    "ConformanceError",
    "Outcome",
    "SessionModel",
    "Verdict",
    "share_limits",
]

K = EventKind
_OPEN = SessionStatus.OPEN
_PAUSED = SessionStatus.PAUSED
_ENDED = SessionStatus.ENDED

#: Turn policies the model knows in detail (by name).
KNOWN_POLICIES = frozenset(
    {
        "facilitator-only",
        "seat-order",
        "newcomer-introductions",
        "popcorn",
        "open-floor",
        "called-on",
        "tag",
    }
)
_SEAT_ORDER = frozenset({"seat-order", "newcomer-introductions"})
_NO_PASS = frozenset({"facilitator-only", "open-floor"})
#: Phase rules the model knows in detail (by id).
KNOWN_RULES = frozenset({"reserved-time", "share-the-air"})
#: Settings a session may amend (the model's own copy).
AMENDABLE = frozenset(
    {
        "share_limit",
        "warn_at",
        "hard_cap",
        "cross_talk",
        "may_pass",
        "reserved_time",
        "share_the_air",
    }
)
#: Event kinds the engine appends by itself when a deadline falls due.
DEADLINE_KINDS = frozenset({K.TIME_WARNING, K.OVERTIME, K.PHASE_TIME_UP})
#: Actor events allowed while the session is paused.
_WHILE_PAUSED = frozenset({K.ARRIVED, K.LEFT, K.CONSENTED, K.RESUMED, K.ENDED})
#: Events only a present facilitator may cause.
_FACILITATOR_KINDS = frozenset(
    {
        K.PHASE_ENTERED,
        K.ROUND_STARTED,
        K.ROUND_CLOSED,
        K.TURN_SKIPPED,
        K.PAUSED,
        K.RESUMED,
        K.ENDED,
        K.AGREEMENT_AMENDED,
    }
)


class ConformanceError(AssertionError):
    """A session broke one of the conformance invariants.

    Attributes:
        invariant: Short name of the invariant, e.g. ``"one-turn-per-round"``.
    """

    def __init__(self, invariant: str, message: str) -> None:
        self.invariant = invariant
        super().__init__(f"[{invariant}] {message}")


class Outcome(enum.Enum):
    """What the model expects of an action."""

    ACCEPT = "accepted"
    REFUSE = "refused"
    BLOCK = "blocked"


@attrs.frozen
class Verdict:
    """The model's prediction for an action.

    Attributes:
        outcome: The expected outcome, or ``None`` when the model cannot tell
            (a third-party turn policy or rule decides).
        reason: Why (for refusals) or what is expected (for acceptances).
        target: For an accepted ``advance``, the phase it leads to.
    """

    outcome: Outcome | None
    reason: str = ""
    target: str | None = None


def share_limits(phase: PhaseSpec, agreement: Agreement) -> tuple[float | None, float | None, bool]:
    """``(warn_at, share_limit, hard_cap)`` for a share in ``phase`` (the model's own reading).

    A phase's own limit and hard-cap setting override the agreement's; untimed
    phases have none.
    """
    if not phase.timed:
        return None, None, False
    hard = agreement.hard_cap if phase.hard_cap is None else phase.hard_cap
    if phase.share_limit is not None:
        return phase.warn_at, phase.share_limit, hard
    return agreement.warn_at, agreement.share_limit, hard


class SessionModel:
    """An independent fold of a session's event log that checks each event.

    Args:
        group: The group the session runs with.
        fmt: The session's format (only its declared phase data is read).

    Feed it every event in order with :meth:`apply`; read its idea of the
    state from the attributes.
    """

    def __init__(self, group: Group, fmt: Format) -> None:
        self.group = group
        self.fmt = fmt
        self.count = 0
        self.last_time = -math.inf
        self.phase = fmt.initial
        self.entry = 0  # seq of the event that entered the current phase
        self.status = _OPEN
        self.present: list[str] = []
        self.roles: dict[str, Role] = {}
        self.consents: dict[str, int] = {}
        self.agreement = group.agreement
        self.phase_start = 0.0
        self.time_up = False
        self.paused_at: float | None = None
        self.round = 0
        self.order: list[str] = []
        self.had: set[str] = set()
        self.passed: set[str] = set()
        self.skipped: set[str] = set()
        self.closed = False
        self.called: str | None = None
        self.last: str | None = None
        self.holder: str | None = None
        self.start = 0.0
        self.warned = False
        self.over = False
        self.share_clean = True  # no amendment while the current share runs
        self.share_cap: tuple[float | None, bool] = (None, False)
        self.shares: dict[str, int] = {}
        self.passes: dict[str, int] = {}
        self.speaking: dict[str, float] = {}
        self.overtime: dict[str, float] = {}
        self.not_reached: dict[str, int] = {}
        self.phase_shares: dict[str, int] = {}
        self.phase_speaking: dict[str, float] = {}
        self.blocked = 0
        self.interjections = 0
        #: (phase entry, round) -> member -> "shared" | "passed" | "skipped"
        self.turns: dict[tuple[int, int], dict[str, str]] = {}
        #: Rule notices the last event calls for: (rule id, exact data or None if optional).
        self.pending: list[tuple[str, dict[str, Any] | None]] = []
        self.trigger: Event | None = None

    # -------------------------------------------------------------- derived

    @property
    def spec(self) -> PhaseSpec:
        """The current phase."""
        return self.fmt.phases[self.phase]

    @property
    def policy_name(self) -> str:
        """Name of the current phase's turn policy."""
        return self.spec.policy.name

    @property
    def known_policy(self) -> bool:
        """Whether the model knows the current turn policy in detail."""
        return self.spec.policy.name in KNOWN_POLICIES

    @property
    def key(self) -> tuple[int, int]:
        """Identifies the current round: (event that entered the phase, round number)."""
        return (self.entry, self.round)

    def round_turns(self) -> Mapping[str, str]:
        """Who had which turn in the current round."""
        return self.turns.get(self.key, {})

    def role_of(self, member: str) -> Role | None:
        """The role of ``member`` in the session (visitor role) or the group."""
        role = self.roles.get(member)
        return self.group.role_of(member) if role is None else role

    def limits(self) -> tuple[float | None, float | None, bool]:
        """Share limits in force now."""
        return share_limits(self.spec, self.agreement)

    def complete(self) -> bool:
        """Whether the round is complete (or closed)."""
        return self.closed or all(m in self.had for m in self.order)

    def next_up(self) -> str | None:
        """The first member in turn order who has not had their turn."""
        if self.closed:
            return None
        return next((m for m in self.order if m not in self.had), None)

    def offered(self) -> str | None:
        """Whom a known turn policy offers the floor to now."""
        if self.holder is not None:
            return None
        name = self.policy_name
        if name in _SEAT_ORDER:
            return self.next_up()
        if name in ("called-on", "tag"):
            return self.called
        return None

    def round_order(self) -> list[str]:
        """Eligible members present, starting after the first facilitator."""
        eligible_role = self.spec.policy.eligible
        eligible = [m for m in self.present if eligible_role(self.roles[m])]
        for index, member in enumerate(eligible):
            if self.roles[member].facilitates:
                return eligible[index + 1 :] + eligible[: index + 1]
        return eligible

    def new_round(self, number: int, order: list[str]) -> None:
        """Start round ``number`` with turn order ``order``."""
        self.round, self.order = number, order
        self.had, self.passed, self.skipped = set(), set(), set()
        self.closed = False
        self.called = None

    def rollover(self) -> None:
        """Start the next round if the policy does so by itself and the round is complete."""
        if self.spec.policy.auto_rollover and self.complete():
            self.new_round(self.round + 1, self.round_order())

    def active(self, now: float) -> float:
        """Seconds the current share has run by ``now``, pauses excluded."""
        paused = 0.0 if self.paused_at is None else now - self.paused_at
        return now - self.start - paused

    def reserved_from(self) -> float | None:
        """When the reserved time of the current phase begins, if it has any."""
        if "reserved-time" not in {r.id for r in self.spec.rules}:
            return None
        reserved, budget = self.agreement.reserved_time, self.spec.budget
        if reserved is None or budget is None:
            return None
        return self.phase_start + max(0.0, budget - reserved)

    def next_deadline(self) -> float | None:
        """The model's own next deadline while the session is open."""
        if self.status is not _OPEN:
            return None
        found: list[float] = []
        if self.holder is not None:
            warn, limit, _hard = self.limits()
            if warn is not None and not self.warned and not self.over:
                found.append(self.start + warn)
            if limit is not None and not self.over:
                found.append(self.start + limit)
        budget = self.spec.budget
        if budget is not None and not self.time_up:
            found.append(self.phase_start + budget)
        return max(min(found), self.last_time) if found else None

    def check_nothing_overdue(self, now: float) -> None:
        """After ``apply_due`` no deadline may lie at or before ``now``.

        Raises:
            ConformanceError: ``deadlines``, naming what is overdue.
        """
        due = self.next_deadline()
        if due is not None and due <= now:
            raise ConformanceError(
                "deadlines",
                f"a deadline at {due:g} s is overdue at {now:g} s after apply_due() "
                f"(share of {self.holder} from {self.start:g} s, limits {self.limits()}, "
                f"phase {self.phase} from {self.phase_start:g} s)",
            )

    def check_settled(self) -> None:
        """Every rule notice the last event called for has been recorded.

        Raises:
            ConformanceError: ``rule-notices``.
        """
        missing = [rule for rule, data in self.pending if data is not None]
        if missing:
            raise ConformanceError(
                "rule-notices", f"no {', '.join(missing)} notice after {self.trigger}"
            )

    # -------------------------------------------------------------- turn policies

    def turn_allowed(self, member: str, how: str) -> bool | None:
        """Whether a known turn policy lets ``member`` share (``how="shared"``) or pass now.

        Returns ``None`` for a policy the model does not know.
        """
        name = self.policy_name
        if name == "facilitator-only":
            role = self.role_of(member)
            return how == "shared" and role is not None and role.facilitates
        if name == "open-floor":
            return how == "shared"
        if name in _SEAT_ORDER:
            return self.next_up() == member
        fair = self.complete() or (member not in self.had and not self.closed)
        if name == "popcorn":
            return fair
        if name == "called-on":
            return self.called == member
        if name == "tag":
            return self.called == member if self.called is not None else fair
        return None

    def call_allowed(self, by: str, by_role: Role, member: str) -> bool | None:
        """Whether a known policy lets ``by`` call on (or tag) ``member`` now."""
        name = self.policy_name
        if name not in ("called-on", "tag"):
            return None if name not in KNOWN_POLICIES else False
        if not by_role.facilitates and (
            name == "called-on" or by != self.last or self.called is not None
        ):
            return False
        if member == by and not by_role.facilitates:
            return False  # a facilitator may call on themself; a speaker names someone else
        return not (member in self.had and not self.complete())

    # -------------------------------------------------------------- fold

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
            self._notice(e)
            self.count += 1
            self.last_time = e.time
            return
        self.check_settled()
        self.pending = []
        previous = self.last_time
        self.count += 1
        self.last_time = e.time
        if e.actor is None:
            self._engine_event(e, previous)
        else:
            self._actor_event(e)
        self._expect_notices(e)

    def _fail(self, invariant: str, e: Event, problem: str) -> ConformanceError:
        return ConformanceError(
            invariant, f"{problem} (event {e.seq} {e.kind.value} at {e.time:g} s: {e})"
        )

    # -------------------------------------------------------------- events without an actor

    def _engine_event(self, e: Event, previous: float) -> None:
        kind, member, data = e.kind, e.member, e.data
        if kind is K.OPENED:
            if e.seq != 0:
                raise self._fail("event-order", e, "a session opens only once")
            self.phase_start = e.time
            if self.spec.policy.rounds:
                self.new_round(1, [])
            return
        if kind not in DEADLINE_KINDS and kind is not K.SHARE_ENDED:
            raise self._fail("one-event-per-action", e, "only deadlines come without an actor")
        if self.status is not _OPEN:
            raise self._fail("deadlines", e, f"a deadline fell due while {self.status.value}")

        def due(at: float) -> float:
            # A deadline falls due at its moment, or, if a change made it due
            # retroactively (a shorter limit agreed mid-share), at that change.
            return max(at, previous)

        warn, limit, hard = self.limits()
        if kind is K.TIME_WARNING:
            if member is None or member != self.holder or warn is None:
                raise self._fail("deadlines", e, f"a time warning while {self.holder} shares")
            if self.warned or self.over:
                raise self._fail("deadlines", e, "a second time warning for one share")
            if e.time != due(self.start + warn):
                raise self._fail(
                    "deadlines", e, f"time warning at {e.time:g} s, due {due(self.start + warn):g}"
                )
            self.warned = True
        elif kind is K.OVERTIME:
            if member is None or member != self.holder or limit is None or hard:
                raise self._fail("deadlines", e, "overtime without a soft share limit")
            if self.over:
                raise self._fail("deadlines", e, "overtime twice for one share")
            if e.time != due(self.start + limit):
                raise self._fail(
                    "deadlines", e, f"overtime at {e.time:g} s, due {due(self.start + limit):g}"
                )
            if data.get("limit") != limit:
                raise self._fail("deadlines", e, f"overtime names limit {data.get('limit')}")
            self.over = True
        elif kind is K.SHARE_ENDED:  # the hard cap
            if member is None or member != self.holder or limit is None or not hard:
                raise self._fail("deadlines", e, "the engine ended a share without a hard cap")
            if self.over:
                raise self._fail("deadlines", e, "a hard cap after overtime")
            if e.time != due(self.start + limit):
                raise self._fail(
                    "deadlines",
                    e,
                    f"hard cap fired at {e.time:g} s, due {due(self.start + limit):g} "
                    f"(share from {self.start:g} s, limit {limit:g} s)",
                )
            self._end_share(e, member)
        else:  # phase budget
            budget = self.spec.budget
            if budget is None or self.time_up or data.get("phase") != self.phase:
                raise self._fail("deadlines", e, f"phase time up in {self.phase} ({budget})")
            if e.time != due(self.phase_start + budget):
                raise self._fail(
                    "deadlines",
                    e,
                    f"phase budget ran out at {e.time:g} s, due {due(self.phase_start + budget):g}",
                )
            self.time_up = True

    def _end_share(self, e: Event, member: str) -> None:
        if member != self.holder:
            raise self._fail("one-holder", e, f"{member} ends a share {self.holder} holds")
        duration = self.active(e.time)
        if e.data.get("duration") != duration:
            raise self._fail(
                "model", e, f"share of {member} logged {e.data.get('duration')} s, ran {duration}"
            )
        limit, hard = self.share_cap
        if self.share_clean and hard and limit is not None and duration > limit:
            raise self._fail(
                "deadlines", e, f"hard-capped share of {member} ran {duration:g} s > {limit:g}"
            )
        if self.spec.sharing:
            self.shares[member] = self.shares.get(member, 0) + 1
            self.speaking[member] = self.speaking.get(member, 0.0) + duration
            self.phase_shares[member] = self.phase_shares.get(member, 0) + 1
            self.phase_speaking[member] = self.phase_speaking.get(member, 0.0) + duration
            _warn, now_limit, _hard = self.limits()
            if now_limit is not None and duration > now_limit:
                self.overtime[member] = self.overtime.get(member, 0.0) + duration - now_limit
        self.holder = None

    # -------------------------------------------------------------- events by someone

    def _actor_event(self, e: Event) -> None:
        kind, actor, member = e.kind, e.actor, e.member
        assert actor is not None
        if self.status is _ENDED:
            raise self._fail("session-status", e, "an action after the session ended")
        if self.status is _PAUSED and kind not in _WHILE_PAUSED:
            raise self._fail("session-status", e, "a floor action while paused")
        actor_role = self.role_of(actor)
        if actor_role is None and not (kind is K.ARRIVED and actor == member):
            raise self._fail("permissions", e, f"{actor} is not in the group and never arrived")
        if kind in _FACILITATOR_KINDS or (member is not None and member != actor):
            if actor_role is None or (not actor_role.facilitates and kind is not K.CALLED_ON):
                raise self._fail("permissions", e, f"{actor} ({actor_role}) acted as facilitator")
            if actor not in self.present and not (kind is K.ARRIVED and actor == member):
                raise self._fail("permissions", e, f"{actor} acted without being present")
        getattr(self, f"_on_{kind.value}")(e)

    def _on_arrived(self, e: Event) -> None:
        member = e.member
        assert member is not None
        if member in self.present:
            raise self._fail("model", e, f"{member} arrived twice")
        role = e.data.get("role")
        if isinstance(role, str):
            if self.group.closed or member in self.group or member in self.roles:
                raise self._fail("permissions", e, f"{member} arrived as a visitor")
            self.roles[member] = Role(role)
            if self.roles[member].facilitates:
                raise self._fail("permissions", e, "a visitor arrived as a facilitator")
        elif member not in self.roles:
            group_role = self.group.role_of(member)
            if group_role is None:
                raise self._fail("permissions", e, f"{member} is not in the closed group")
            self.roles[member] = group_role
        self.present.append(member)
        policy = self.spec.policy
        if policy.rounds and policy.eligible(self.roles[member]) and member not in self.order:
            self.order.append(member)

    def _on_left(self, e: Event) -> None:
        member = e.member
        assert member is not None
        if member not in self.present:
            raise self._fail("model", e, f"{member} left without being present")
        if self.holder == member:
            self._end_share(e, member)
        elif "duration" in e.data:
            raise self._fail("model", e, f"{member} left a share they did not hold")
        self.present.remove(member)
        if member in self.order and member not in self.had:
            self.order.remove(member)
        if self.called == member:  # whoever is gone is no longer called on
            self.called = None

    def _on_consented(self, e: Event) -> None:
        member = e.member
        assert member is not None
        if member not in self.present or self.consents.get(member) == self.agreement.version:
            raise self._fail("model", e, f"{member} consented absent or twice")
        if e.data.get("version") != self.agreement.version:
            raise self._fail("model", e, "consent to another version")
        self.consents[member] = self.agreement.version

    def _on_agreement_amended(self, e: Event) -> None:
        changes = {k: v for k, v in e.data.items() if k != "version"}
        if not changes or not set(changes) <= AMENDABLE:
            raise self._fail("permissions", e, "a session amends only the agreement's settings")
        self.agreement = self.agreement.amend(**changes)
        if e.data["version"] != self.agreement.version:
            raise self._fail("model", e, f"amended to v{e.data['version']}")
        if self.holder is not None:
            self.share_clean = False

    def _transition_ok(self, e: Event, target: str) -> None:
        if self.holder is not None:
            raise self._fail("one-holder", e, f"phase moved on while {self.holder} shares")
        if e.data.get("from") != self.phase:
            raise self._fail("model", e, f"the phase is {self.phase}")
        for t in self.spec.transitions:
            if t.target == target and t.event == e.data.get("event"):
                if all(self.guard(g) is expected for g, expected in t.guards):
                    return
                raise self._fail(
                    "chart", e, f"a guard of {t.event} {self.phase} -> {target} does not hold"
                )
        raise self._fail("chart", e, f"the chart has no transition {self.phase} -> {target}")

    def guard(self, name: str) -> bool:
        """Whether the chart guard ``name`` holds now."""
        if name == "round_complete":
            return not self.spec.policy.rounds or self.complete()
        raise AssertionError(f"unknown guard {name}")  # pragma: no cover

    def _on_phase_entered(self, e: Event) -> None:
        target = e.data.get("phase")
        if not isinstance(target, str) or target == self.phase:
            raise self._fail("chart", e, f"entered {target} from {self.phase}")
        self._transition_ok(e, target)
        self.phase = target
        self.entry = e.seq
        self.phase_start = e.time
        self.time_up = False
        self.phase_shares, self.phase_speaking = {}, {}
        self.last = None
        if self.spec.policy.rounds:
            self.new_round(1, self.round_order())
        else:
            self.new_round(0, [])

    def _on_round_started(self, e: Event) -> None:
        if e.data.get("phase") != self.phase:
            raise self._fail("chart", e, f"a new round of {e.data.get('phase')} in {self.phase}")
        self._transition_ok(e, self.phase)
        self.new_round(self.round + 1, self.round_order())
        if e.data.get("round") != self.round:
            raise self._fail("model", e, f"round {e.data.get('round')}, expected {self.round}")

    def _on_round_closed(self, e: Event) -> None:
        if not self.spec.policy.rounds or self.complete():
            raise self._fail("model", e, "closed a round that is complete or does not exist")
        waiting = [m for m in self.order if m not in self.had]
        if e.data.get("not_reached") != waiting:
            raise self._fail("model", e, f"not reached: expected {waiting}")
        for m in waiting:
            self.not_reached[m] = self.not_reached.get(m, 0) + 1
        self.closed = True

    def _on_turn_skipped(self, e: Event) -> None:
        member = e.member
        assert member is not None
        if not self.spec.policy.rounds or member not in self.order or self.closed:
            raise self._fail("model", e, f"{member} is not waiting for a turn")
        self._take_turn(e, member, "skipped")
        self.skipped.add(member)
        if self.called == member:  # skipping counts as their turn: they are no longer called
            self.called = None

    def _may_speak(self, e: Event, member: str) -> Role:
        if member not in self.present:
            raise self._fail("one-holder", e, f"{member} is not present")
        role = self.roles[member]
        if not role.takes_turns:
            raise self._fail("one-holder", e, f"observer {member} took a turn")
        if self.holder is not None:
            raise self._fail("one-holder", e, f"{member} spoke while {self.holder} holds the floor")
        return role

    def _take_turn(self, e: Event, member: str, how: str) -> None:
        """Record a share, pass or skip in the round, refusing a second turn."""
        if how != "skipped":
            allowed = self.turn_allowed(member, how)
            if allowed is False:
                raise self._fail(
                    "turn-policy",
                    e,
                    f"{self.policy_name} does not let {member} take a turn now "
                    f"(next up {self.next_up()}, called {self.called}, had {sorted(self.had)})",
                )
            self.rollover()
        policy = self.spec.policy
        if not policy.rounds:
            return
        role = self.roles.get(member)
        if how != "skipped" and (role is None or not policy.eligible(role)):
            raise self._fail("turn-policy", e, f"{member} ({role}) does not take turns here")
        turns = self.turns.setdefault(self.key, {})
        if member in turns:
            raise self._fail(
                "one-turn-per-round",
                e,
                f"{member} {how} in round {self.round} of {self.phase} after having "
                f"{turns[member]} in it",
            )
        turns[member] = how
        self.had.add(member)

    def _on_share_started(self, e: Event) -> None:
        member = e.member
        assert member is not None
        self._may_speak(e, member)
        if self.consents.get(member) != self.agreement.version:
            raise self._fail("consent", e, f"{member} has not consented to the agreement")
        start = self.reserved_from()
        if start is not None and e.time >= start and self.phase_shares.get(member):
            raise self._fail("reserved-time", e, f"{member} shared again in reserved time")
        self._take_turn(e, member, "shared")
        self.holder, self.start = member, e.time
        self.warned = self.over = False
        self.share_clean = True
        self.called = None
        self.last = member
        _warn, limit, hard = self.limits()
        self.share_cap = (limit, hard)

    def _on_share_ended(self, e: Event) -> None:
        member = e.member
        assert member is not None
        self._end_share(e, member)

    def _on_passed(self, e: Event) -> None:
        member = e.member
        assert member is not None
        role = self._may_speak(e, member)
        if not self.agreement.may_pass and role is not Role.NEWCOMER:
            raise self._fail("right-to-pass", e, f"{member} passed though passing is off")
        self._take_turn(e, member, "passed")
        self.passed.add(member)
        self.called = None
        self.last = member
        self.passes[member] = self.passes.get(member, 0) + 1

    def _on_called_on(self, e: Event) -> None:
        member, by = e.member, e.actor
        assert member is not None
        assert by is not None
        if by not in self.present or member not in self.present or self.holder is not None:
            raise self._fail("turn-policy", e, "a call on with someone absent or the floor taken")
        role = self.roles[member]
        if not self.spec.policy.eligible(role):
            raise self._fail("turn-policy", e, f"{member} ({role}) does not take turns here")
        if self.call_allowed(by, self.roles[by], member) is False:
            raise self._fail("turn-policy", e, f"{self.policy_name} lets {by} call on {member}")
        self.rollover()
        self.called = member

    def _on_interjected(self, e: Event) -> None:
        member = e.member
        assert member is not None
        if self.holder is None or member == self.holder or e.data.get("holder") != self.holder:
            raise self._fail(
                "one-holder", e, f"an interjection while {self.holder} holds the floor"
            )
        if not (self.spec.cross_talk and self.agreement.cross_talk):
            raise self._fail("no-cross-talk", e, "cross-talk where it is not allowed")
        if self.consents.get(member) != self.agreement.version:
            raise self._fail("consent", e, f"{member} has not consented to the agreement")
        self.interjections += 1

    def _on_cross_talk_blocked(self, e: Event) -> None:
        member = e.member
        assert member is not None
        if self.holder is None or member == self.holder or e.data.get("holder") != self.holder:
            raise self._fail("one-holder", e, f"blocked cross-talk while {self.holder} holds")
        if self.spec.cross_talk and self.agreement.cross_talk:
            raise self._fail("no-cross-talk", e, "cross-talk was blocked where it is allowed")
        self.blocked += 1

    def _on_paused(self, e: Event) -> None:
        self.status, self.paused_at = _PAUSED, e.time

    def _on_resumed(self, e: Event) -> None:
        if self.paused_at is None:
            raise self._fail("session-status", e, "resumed a session that is not paused")
        gap = e.time - self.paused_at
        self.start += gap
        self.phase_start += gap
        self.status, self.paused_at = _OPEN, None

    def _on_ended(self, e: Event) -> None:
        if self.holder is not None:
            self._end_share(e, self.holder)
        self.status = _ENDED

    def _on_opened(self, e: Event) -> None:
        raise self._fail("event-order", e, "a session opens only once")

    def _on_time_warning(self, e: Event) -> None:
        raise self._fail("one-event-per-action", e, "a deadline event with an actor")

    _on_overtime = _on_phase_time_up = _on_time_warning

    # -------------------------------------------------------------- rule notices

    def _expect_notices(self, e: Event) -> None:
        """Work out which rule notices must (or may) follow ``e``."""
        self.trigger = e
        for rule in self.spec.rules:
            if rule.id == "share-the-air":
                data = self._share_the_air(rule, e)
                if data is not None:
                    self.pending.append((rule.id, data))
            elif rule.id not in KNOWN_RULES and e.kind in rule.watches:
                self.pending.append((rule.id, None))

    def _share_the_air(self, rule: Rule, e: Event) -> dict[str, Any] | None:
        threshold = self.agreement.share_the_air
        member = e.member
        if threshold is None or member is None or "duration" not in e.data:
            return None
        total = sum(self.phase_speaking.values())
        min_total = getattr(rule, "min_total", 300.0)
        if total < min_total or total <= 0:
            return None
        part = self.phase_speaking.get(member, 0.0) / total
        if part <= threshold:
            return None
        quiet = [
            m
            for m in self.present
            if m != member and not self.phase_shares.get(m) and self.roles[m].takes_turns
        ]
        return {"rule": rule.id, "part": round(part, 4), "not_spoken": quiet}

    def _notice(self, e: Event) -> None:
        trigger = self.trigger
        if e.actor is not None or trigger is None:
            raise self._fail("rule-notices", e, "a rule notice must follow an event, no actor")
        if e.time != trigger.time or e.member != trigger.member:
            raise self._fail("rule-notices", e, f"a notice does not match {trigger}")
        rule = e.data.get("rule")
        while self.pending:
            rule_id, data = self.pending.pop(0)
            if rule_id == rule:
                if data is not None and dict(e.data) != data:
                    raise self._fail("rule-notices", e, f"expected the notice {data}")
                return
            if data is not None:
                raise self._fail("rule-notices", e, f"missing the {rule_id} notice {data}")
        raise self._fail("rule-notices", e, f"no {rule} notice is due after {trigger}")
