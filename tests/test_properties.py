"""Property tests: random sessions, valid and invalid actions, checked after every step.

A :class:`hypothesis.stateful.RuleBasedStateMachine` drives a real
:class:`peersupport.Session` on a :class:`peersupport.ManualClock` with actions by
members, newcomers, observers, outsiders and facilitators acting for others, clock
jumps across deadlines, pauses and amendments. A small model folds the event log
independently of the engine (seat order, who had their turn, share timers) and
the invariants compare the two after every step.
"""

from __future__ import annotations

import contextlib
import itertools
from typing import Any

import attrs
import hypothesis.strategies as st
from hypothesis import HealthCheck, given, note, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

import peersupport as ps

R = ps.Role
K = ps.EventKind

GROUP_ROLES: dict[str, ps.Role] = {
    "dee": R.FACILITATOR,
    "al": R.MEMBER,
    "bo": R.NEWCOMER,
    "ob": R.OBSERVER,
    "cat": R.CO_FACILITATOR,
    "eve": R.MEMBER,
}
OUTSIDERS = ("zed", "yu")
PEOPLE = (*GROUP_ROLES, *OUTSIDERS)
#: Who acts "for" someone: mostly themself, often a facilitator, sometimes anyone.
BYS = (None, None, None, None, "dee", "dee", "cat", "al", "ob", "zed")
FACILITATOR_BYS = ("dee", "dee", "dee", "dee", "dee", "cat", "al", "ob", "zed")
VISITOR_ROLES = (None, None, "member", "newcomer", "observer", "facilitator", "nobody")
#: Clock steps: multiples of 0.5 s keep every sum exact in binary floating point.
STEPS = (0.0, 0.5, 1.0, 5.0, 30.0, 59.5, 90.0, 120.0, 300.0, 600.0, 1200.0)
DEADLINE_KINDS = frozenset({K.TIME_WARNING, K.OVERTIME, K.PHASE_TIME_UP})
FORMATS = ("sharing-circle", "open-sharing")

#: For the focused ``@given`` tests below the state machines.
SHORT = settings(max_examples=100, deadline=None)
SETTINGS = settings(
    max_examples=150,
    stateful_step_count=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@st.composite
def agreements(draw: st.DrawFn) -> ps.Agreement:
    """Valid agreements: a share limit, a warning before it, the flags and fairness settings."""
    limit = draw(st.sampled_from([None, 10.0, 30.0, 60.0, 120.0, 300.0]))
    warns = [None] + [w for w in (5.0, 20.0, 45.0, 90.0, 240.0) if limit is None or w < limit]
    return ps.Agreement(
        share_limit=limit,
        warn_at=draw(st.sampled_from(warns)),
        hard_cap=draw(st.booleans()),
        cross_talk=draw(st.booleans()),
        may_pass=draw(st.booleans()),
        reserved_time=draw(st.sampled_from([None, 60.0])),
        share_the_air=draw(st.sampled_from([None, 0.25, 0.4, 1.0])),
    )


@st.composite
def new_limits(draw: st.DrawFn) -> dict[str, Any]:
    """A consistent new share limit and warning point."""
    limit = draw(st.sampled_from([None, 5.0, 10.0, 30.0, 60.0, 300.0]))
    warns = [None] + [w for w in (2.0, 20.0, 45.0, 240.0) if limit is None or w < limit]
    return {"share_limit": limit, "warn_at": draw(st.sampled_from(warns))}


#: Amendments: new limits, new flags, or something a session may not amend.
amendments = st.one_of(
    new_limits(),
    new_limits(),
    st.fixed_dictionaries(
        {},
        optional={
            "hard_cap": st.booleans(),
            "cross_talk": st.booleans(),
            "may_pass": st.booleans(),
            "reserved_time": st.sampled_from([None, 30.0, 600.0]),
            "share_the_air": st.sampled_from([None, 0.1, 0.5]),
        },
    ).filter(bool),
    st.sampled_from(
        [
            {},
            {"guidelines": ("Be kind.",)},
            {"version": 7},
            {"bogus": 1},
            {"share_limit": 100.0, "warn_at": 500.0},
            {"share_limit": -1.0},
            {"warn_at": 1e9},
            {"share_the_air": 1.5},
            {"hard_cap": "yes"},
        ]
    ),
)


def limits_in(phase: ps.PhaseSpec, agreement: ps.Agreement) -> tuple[Any, Any, bool]:
    """``(warn_at, share_limit, hard_cap)`` for a share in ``phase`` (the model's own copy)."""
    if not phase.timed:
        return None, None, False
    hard = agreement.hard_cap if phase.hard_cap is None else phase.hard_cap
    if phase.share_limit is not None:
        return phase.warn_at, phase.share_limit, hard
    return agreement.warn_at, agreement.share_limit, hard


def make_group(agreement: ps.Agreement, *, closed: bool = True) -> ps.Group:
    """The test group: a facilitator, a co-facilitator, members, a newcomer, an observer."""
    return ps.Group(
        name="Circle",
        roles={ps.Member(i, i.title()): r for i, r in GROUP_ROLES.items()},
        agreement=agreement,
        closed=closed,
    )


def sharing_session(fmt_name: str, agreement: ps.Agreement) -> tuple[ps.Session, ps.ManualClock]:
    """A session in its main sharing phase (timed by the agreement) with a share running."""
    clock = ps.ManualClock()
    session = ps.Session(make_group(agreement), ps.formats.get(fmt_name), clock=clock)
    for member in ("dee", "al", "bo"):
        session.arrive(member)
        session.consent(member)
    session.advance(by="dee")
    if session.state.phase != "sharing":  # the circle opens with a check-in round
        session.close_round(by="dee")
        session.advance(by="dee")
    assert session.state.phase == "sharing"
    session.start_share("al")
    return session, clock


def check_log(session: ps.Session) -> None:
    """Fold the session's log through the model (which checks each event) and replay it."""
    model = Model(session.group, session.format)
    for event in session.events:
        model.apply(event)
    assert ps.Session.replay(session.group, session.format, session.events).state == session.state


class Model:
    """An independent fold of the event log that checks each event as it arrives."""

    def __init__(self, group: ps.Group, fmt: ps.Format) -> None:
        self.group = group
        self.fmt = fmt
        self.count = 0
        self.last_time = float("-inf")
        self.phase = fmt.initial
        self.entry = 0  # seq of the event that entered the current phase
        self.status = ps.SessionStatus.OPEN
        self.present: list[str] = []
        self.roles: dict[str, ps.Role] = {}
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
        self.holder: str | None = None
        self.start = 0.0
        self.warned = False
        self.over = False
        self.share_clean = True  # no amendment while the current share runs
        self.share_hard: tuple[Any, bool] = (None, False)
        self.shares: dict[str, int] = {}
        self.passes: dict[str, int] = {}
        self.speaking: dict[str, float] = {}
        self.overtime: dict[str, float] = {}
        self.not_reached: dict[str, int] = {}
        self.blocked = 0
        self.interjections = 0
        #: (phase entry, round) -> member -> "shared" | "passed" | "skipped"
        self.turns: dict[tuple[int, int], dict[str, str]] = {}

    # -------------------------------------------------------------- derived

    @property
    def spec(self) -> ps.PhaseSpec:
        return self.fmt.phases[self.phase]

    @property
    def key(self) -> tuple[int, int]:
        return (self.entry, self.round)

    def limits(self) -> tuple[Any, Any, bool]:
        return limits_in(self.spec, self.agreement)

    def complete(self) -> bool:
        return self.closed or all(m in self.had for m in self.order)

    def next_up(self) -> str | None:
        if self.closed:
            return None
        return next((m for m in self.order if m not in self.had), None)

    def round_order(self) -> list[str]:
        eligible = [m for m in self.present if self.spec.policy.eligible(self.roles[m])]
        for index, member in enumerate(eligible):
            if self.roles[member].facilitates:
                return eligible[index + 1 :] + eligible[: index + 1]
        return eligible

    def new_round(self, number: int, order: list[str]) -> None:
        self.round, self.order = number, order
        self.had, self.passed, self.skipped = set(), set(), set()
        self.closed = False

    def active(self, now: float) -> float:
        """Seconds the current share has run by ``now``, pauses excluded."""
        paused = 0.0 if self.paused_at is None else now - self.paused_at
        return now - self.start - paused

    def check_nothing_overdue(self, now: float) -> None:
        """After ``apply_due`` no deadline of the model may lie at or before ``now``."""
        if self.status is not ps.SessionStatus.OPEN:
            return
        if self.holder is not None:
            warn, limit, _hard = self.limits()
            if warn is not None and not self.warned and not self.over:
                assert self.start + warn > now, "a time warning is overdue"
            if limit is not None and not self.over:
                assert self.start + limit > now, "a share limit is overdue"
        budget = self.spec.budget
        if budget is not None and not self.time_up:
            assert self.phase_start + budget > now, "a phase budget is overdue"

    # -------------------------------------------------------------- fold

    def end_share(self, member: str, time: float, reported: Any) -> None:
        assert member == self.holder
        duration = self.active(time)
        assert reported == duration, f"share of {member}: logged {reported}, ran {duration} s"
        limit, hard = self.share_hard
        if self.share_clean and hard and limit is not None:
            assert duration <= limit, f"hard-capped share of {member} ran {duration} s > {limit}"
        if self.spec.sharing:
            self.shares[member] = self.shares.get(member, 0) + 1
            self.speaking[member] = self.speaking.get(member, 0.0) + duration
            _warn, now_limit, _hard = self.limits()
            if now_limit is not None and duration > now_limit:
                self.overtime[member] = self.overtime.get(member, 0.0) + duration - now_limit
        self.holder = None

    def take_turn(self, member: str, how: str) -> None:
        """Record a share, pass or skip in the round, refusing a second turn."""
        if self.spec.policy.auto_rollover and how != "skipped" and self.complete():
            self.new_round(self.round + 1, self.round_order())
        if not self.spec.policy.rounds:
            return
        turns = self.turns.setdefault(self.key, {})
        assert member not in turns, (
            f"{member} {how} in round {self.round} of {self.phase} after having {turns[member]}"
        )
        turns[member] = how
        self.had.add(member)

    def apply(self, e: ps.Event) -> None:
        assert e.seq == self.count, f"event numbered {e.seq}, expected {self.count}"
        assert e.time >= self.last_time, f"event {e.seq} ({e.kind}) at {e.time} goes back in time"
        previous = self.last_time
        self.count += 1
        self.last_time = e.time

        def due(at: float) -> float:
            # A deadline falls due at its moment, or, if a change made it due
            # retroactively (a shorter limit agreed mid-share), at that change.
            return max(at, previous)

        member, data, kind = e.member, e.data, e.kind
        if kind in DEADLINE_KINDS or (kind is K.SHARE_ENDED and e.actor is None):
            assert self.status is ps.SessionStatus.OPEN, f"{kind} while {self.status}"
        if kind is K.OPENED:
            self.phase_start = e.time
            if self.spec.policy.rounds:
                self.new_round(1, [])
        elif kind is K.ARRIVED:
            assert member is not None
            role = data.get("role")
            if isinstance(role, str):
                self.roles[member] = R(role)
            elif member not in self.roles:
                self.roles[member] = GROUP_ROLES.get(member, R.NEWCOMER)
            assert not self.roles[member].facilitates or member in GROUP_ROLES
            assert member not in self.present
            self.present.append(member)
            if (
                self.spec.policy.rounds
                and self.spec.policy.eligible(self.roles[member])
                and member not in self.order
            ):
                self.order.append(member)
        elif kind is K.LEFT:
            assert member in self.present
            if self.holder == member:
                self.end_share(member, e.time, data.get("duration"))
            self.present.remove(member)
            if member in self.order and member not in self.had:
                self.order.remove(member)
        elif kind is K.CONSENTED:
            assert member is not None
            self.consents[member] = self.agreement.version
        elif kind is K.AGREEMENT_AMENDED:
            changes = {k: v for k, v in data.items() if k != "version"}
            self.agreement = self.agreement.amend(**changes)
            assert data["version"] == self.agreement.version
            if self.holder is not None:
                self.share_clean = False
        elif kind is K.PHASE_ENTERED:
            assert self.holder is None
            self.phase = str(data["phase"])
            self.entry = e.seq
            self.phase_start = e.time
            self.time_up = False
            if self.spec.policy.rounds:
                self.new_round(1, self.round_order())
            else:
                self.new_round(0, [])
        elif kind is K.ROUND_STARTED:
            assert data["phase"] == self.phase
            assert self.spec.policy.rounds
            assert self.complete(), "a new round started before the last one was complete"
            self.new_round(self.round + 1, self.round_order())
            assert data["round"] == self.round
        elif kind is K.ROUND_CLOSED:
            assert data["not_reached"] == [m for m in self.order if m not in self.had]
            for m in data["not_reached"]:
                self.not_reached[m] = self.not_reached.get(m, 0) + 1
            self.closed = True
        elif kind is K.TURN_SKIPPED:
            assert member is not None
            self.take_turn(member, "skipped")
            self.skipped.add(member)
        elif kind is K.SHARE_STARTED:
            assert member is not None
            assert self.holder is None
            assert self.roles[member].takes_turns, f"observer {member} took the floor"
            assert member in self.present
            assert self.consents.get(member) == self.agreement.version
            self.take_turn(member, "shared")
            self.holder, self.start = member, e.time
            self.warned = self.over = False
            self.share_clean = True
            _warn, limit, hard = self.limits()
            self.share_hard = (limit, hard)
        elif kind is K.SHARE_ENDED:
            assert member is not None
            if e.actor is None:  # the hard cap
                _warn, limit, hard = self.limits()
                assert hard
                assert limit is not None
                assert not self.over
                assert e.time == due(self.start + limit), "hard cap fired off time"
                assert data["duration"] == max(limit, e.time - self.start)
            self.end_share(member, e.time, data.get("duration"))
        elif kind is K.PASSED:
            assert member is not None
            assert self.holder is None
            assert self.roles[member].takes_turns
            assert self.agreement.may_pass or self.roles[member] is R.NEWCOMER, "right-to-pass"
            self.take_turn(member, "passed")
            self.passed.add(member)
            self.passes[member] = self.passes.get(member, 0) + 1
        elif kind is K.INTERJECTED:
            self.interjections += 1
        elif kind is K.CROSS_TALK_BLOCKED:
            assert self.holder is not None
            assert member != self.holder
            self.blocked += 1
        elif kind is K.TIME_WARNING:
            warn, _limit, _hard = self.limits()
            assert member == self.holder
            assert warn is not None
            assert not self.warned
            assert not self.over
            assert e.time == due(self.start + warn), f"warning at {e.time}, due {self.start + warn}"
            self.warned = True
        elif kind is K.OVERTIME:
            _warn, limit, hard = self.limits()
            assert member == self.holder
            assert limit is not None
            assert not hard
            assert e.time == due(self.start + limit), (
                f"overtime at {e.time}, not {self.start + limit}"
            )
            assert data["limit"] == limit
            self.over = True
        elif kind is K.PHASE_TIME_UP:
            budget = self.spec.budget
            assert budget is not None
            assert not self.time_up
            assert data["phase"] == self.phase
            assert e.time == due(self.phase_start + budget), "phase budget fired off time"
            self.time_up = True
        elif kind is K.PAUSED:
            self.status, self.paused_at = ps.SessionStatus.PAUSED, e.time
        elif kind is K.RESUMED:
            assert self.paused_at is not None
            gap = e.time - self.paused_at
            self.start += gap
            self.phase_start += gap
            self.status, self.paused_at = ps.SessionStatus.OPEN, None
        elif kind is K.ENDED:
            if self.holder is not None:
                self.end_share(self.holder, e.time, data.get("duration"))
            self.status = ps.SessionStatus.ENDED
        else:  # pragma: no cover - a new event kind needs a model
            raise AssertionError(f"unknown event kind {kind}")


class SessionMachine(RuleBasedStateMachine):
    """Random sessions of one format; subclasses pick the format."""

    FORMAT = ""

    def __init__(self) -> None:
        super().__init__()
        self.fmt = ps.formats.get(self.FORMAT)
        self.seen = 0
        self.due_first = True

    # -------------------------------------------------------------- plumbing

    def _absorb(self) -> None:
        events = self.session.events
        for event in events[self.seen :]:
            note(f"  event {event}")
            self.model.apply(event)
        self.seen = len(events)

    def _apply_due(self) -> None:
        session = self.session
        count = len(session.events)
        due = session.apply_due()
        assert session.events[count:] == due
        for event in due:
            assert event.kind in DEADLINE_KINDS or (
                event.kind is K.SHARE_ENDED and event.actor is None
            ), f"apply_due appended {event}"
        self._absorb()
        self.model.check_nothing_overdue(self.clock.now())

    def _act(self, action: str, *args: Any, **kwargs: Any) -> None:
        session = self.session
        if self.due_first:
            self._apply_due()
        state, events = session.state, session.events
        now = self.clock.now()
        note(f"t={now}: {action}{args} {kwargs}" + ("" if self.due_first else " (due not applied)"))
        event: ps.Event | None = None
        problem: Exception | None = None
        try:
            event = getattr(session, action)(*args, **kwargs)
        except (ps.ActionRejected, ValueError) as exc:
            problem = exc
        after = session.events
        assert after[: len(events)] == events, "an action rewrote the log"
        new = list(after[len(events) :])
        if not self.due_first:
            # The action applied what fell due strictly before it; check that, then the rest.
            while new and new[0] is not event and new[0].kind is not K.CROSS_TALK_BLOCKED:
                due = new.pop(0)
                assert due.actor is None, f"{action} appended {due}"
                assert due.time < now, f"{due} at the moment of the action came before it"
            if problem is None:
                deadline = session.next_deadline()
                assert deadline is None or deadline.at >= now, f"{deadline} is overdue"
        if isinstance(problem, ps.CrossTalkBlocked):
            note(f"  blocked: {problem}")
            assert new == [problem.event], "a blocked interjection is not one event"
            assert problem.event.kind is K.CROSS_TALK_BLOCKED
            if self.due_first:
                expected = attrs.evolve(
                    state, cross_talk_blocked=state.cross_talk_blocked + 1, time=now
                )
                assert session.state == expected, "a blocked interjection changed the state"
        elif isinstance(problem, ps.ActionRejected):
            note(f"  rejected: {type(problem).__name__}: {problem}")
            assert problem.action == ("advance" if action == "new_round" else action)
            assert new == [], "a rejected action changed the log"
            if self.due_first:
                assert session.state == state, "a rejected action changed the state"
        elif problem is not None:
            note(f"  invalid: {problem}")
            assert action == "amend_agreement", f"{action} raised {problem!r}"
            assert new == [], "an invalid amendment changed the log"
            if self.due_first:
                assert session.state == state, "an invalid amendment changed the state"
        else:
            assert event is not None
            assert new == [event], "an accepted action is not exactly one event"
            assert event.time == now
        self._absorb()

    def _present(self) -> list[str]:
        return list(self.session.state.present)

    # -------------------------------------------------------------- setup

    @initialize(
        agreement=agreements(),
        closed=st.booleans(),
        start=st.sampled_from([0.0, 1000.0]),
        arrivals=st.lists(st.sampled_from(list(GROUP_ROLES)), unique=True, min_size=2),
        warm=st.sampled_from([True, True, True, False]),
    )
    def open_session(
        self,
        agreement: ps.Agreement,
        closed: bool,
        start: float,
        arrivals: list[str],
        warm: bool,
    ) -> None:
        note(f"{self.FORMAT}: {agreement.settings()} closed={closed} warm={warm} {arrivals}")
        self.group = make_group(agreement, closed=closed)
        self.clock = ps.ManualClock(start)
        self.session = ps.Session(self.group, self.fmt, clock=self.clock)
        self.model = Model(self.group, self.fmt)
        self._absorb()
        if warm:  # get to the rounds quickly: people arrive, consent, the circle opens
            for member in dict.fromkeys(["dee", *arrivals]):
                self._act("arrive", member)
                self._act("consent", member)
            self._act("advance", by="dee")

    # -------------------------------------------------------------- anyone acts

    @rule(
        action=st.sampled_from(
            [
                "arrive",
                "leave",
                "consent",
                "start_share",
                "pass_turn",
                "end_share",
                "interject",
                "call_on",
            ]
        ),
        who=st.sampled_from(PEOPLE),
        by=st.sampled_from(BYS),
        role=st.sampled_from(VISITOR_ROLES),
    )
    def someone_acts(self, action: str, who: str, by: str | None, role: str | None) -> None:
        if action == "arrive":
            self._act(action, who, by=by, role=role)
        elif action == "call_on":  # nobody is called on in seat-order or popcorn phases
            self._act(action, who, by=by or "dee")
        else:
            self._act(action, who, by=by)

    @rule(
        data=st.data(),
        action=st.sampled_from(["start_share", "pass_turn", "interject", "leave", "consent"]),
        by=st.sampled_from((None, None, None, "dee")),
    )
    def present_member_acts(self, data: st.DataObject, action: str, by: str | None) -> None:
        present = self._present()
        who = data.draw(st.sampled_from(present)) if present else "dee"
        self._act(action, who, by=by)

    # -------------------------------------------------------------- members take turns

    @rule(data=st.data(), share=st.sampled_from([True, True, True, False]))
    def waiting_member_takes_turn(self, data: st.DataObject, share: bool) -> None:
        floor = self.session.state.floor
        waiting = [m for m in floor.order if m not in floor.had_turn] or self._present()
        who = data.draw(st.sampled_from(waiting)) if waiting else "al"
        self._act("start_share" if share else "pass_turn", who)

    @precondition(lambda self: bool(self.session.state.floor.had_turn))
    @rule(data=st.data(), share=st.booleans(), by=st.sampled_from((None, None, "dee")))
    def member_who_had_their_turn_tries_again(
        self, data: st.DataObject, share: bool, by: str | None
    ) -> None:
        who = data.draw(st.sampled_from(sorted(self.session.state.floor.had_turn)))
        self._act("start_share" if share else "pass_turn", who, by=by)

    @precondition(lambda self: self.session.offered_to() is not None)
    @rule(share=st.booleans(), by=st.sampled_from((None, None, "dee")))
    def offered_member_takes_turn(self, share: bool, by: str | None) -> None:
        who = self.session.offered_to()
        self._act("start_share" if share else "pass_turn", who, by=by)

    @precondition(lambda self: self.session.state.floor.holder is not None)
    @rule(by=st.sampled_from((None, None, "dee", "al")))
    def holder_ends_share(self, by: str | None) -> None:
        self._act("end_share", self.session.state.floor.holder, by=by)

    @rule()
    def everyone_present_consents(self) -> None:
        state = self.session.state
        for member in state.present:
            if state.consents.get(member) != state.agreement.version:
                self._act("consent", member)

    # -------------------------------------------------------------- facilitator actions

    @precondition(lambda self: not self.session.is_present("dee"))
    @rule()
    def facilitator_comes_back(self) -> None:
        self._act("arrive", "dee")
        if self.session.state.consents.get("dee") != self.session.state.agreement.version:
            self._act("consent", "dee")

    @rule(
        by=st.sampled_from(FACILITATOR_BYS),
        to=st.sampled_from(
            (None, None, None, "opening", "check_in", "sharing", "check_out", "closing", "nowhere")
        ),
    )
    def advance(self, by: str, to: str | None) -> None:
        self._act("advance", by=by, to=to)

    @rule(
        action=st.sampled_from(
            ["new_round", "close_round", "close_round", "pause", "resume", "resume", "end"]
        ),
        by=st.sampled_from(FACILITATOR_BYS),
        really_end=st.integers(0, 3),
    )
    def facilitate(self, action: str, by: str, really_end: int) -> None:
        if action == "end" and really_end:
            by = "al"  # ending is final: most attempts come from someone who may not end
        self._act(action, by=by)

    @rule(data=st.data(), who=st.sampled_from(PEOPLE), by=st.sampled_from(FACILITATOR_BYS))
    def skip(self, data: st.DataObject, who: str, by: str) -> None:
        floor = self.session.state.floor
        waiting = [m for m in floor.order if m not in floor.had_turn]
        if waiting and data.draw(st.booleans()):
            who = data.draw(st.sampled_from(waiting))
        self._act("skip", who, by=by)

    @precondition(lambda self: self.session.is_present("dee"))
    @rule(then=st.sampled_from(["new_round", "new_round", "advance", None]))
    def facilitator_moves_on(self, then: str | None) -> None:
        if not self.session.state.floor.complete:
            self._act("close_round", by="dee")
        if then is not None:
            self._act(then, by="dee")

    @precondition(lambda self: self.session.is_present("dee"))
    @rule(seconds=st.sampled_from(STEPS[1:]))
    def safety_break(self, seconds: float) -> None:
        self._act("pause", by="dee")
        note(f"clock +{seconds} -> {self.clock.now() + seconds}")
        self.clock.advance(seconds)
        self._act("resume", by="dee")

    @rule(by=st.sampled_from(FACILITATOR_BYS), changes=amendments)
    def amend_agreement(self, by: str, changes: dict[str, Any]) -> None:
        self._act("amend_agreement", by=by, **changes)

    # -------------------------------------------------------------- time

    @rule()
    def toggle_applying_due_first(self) -> None:
        self.due_first = not self.due_first
        note(f"apply_due before each action: {self.due_first}")

    @rule(seconds=st.sampled_from(STEPS), apply=st.booleans())
    def tick(self, seconds: float, apply: bool) -> None:
        note(f"clock +{seconds} -> {self.clock.now() + seconds}")
        self.clock.advance(seconds)
        if apply:
            self._apply_due()

    @precondition(lambda self: self.session.next_deadline() is not None)
    @rule(offset=st.sampled_from((-0.5, 0.0, 0.0, 0.5, 30.0)), apply=st.booleans())
    def jump_to_deadline(self, offset: float, apply: bool) -> None:
        deadline = self.session.next_deadline()
        assert deadline is not None
        when = max(self.clock.now(), deadline.at + offset)
        note(f"clock -> {when} (deadline {deadline})")
        self.clock.set(when)
        if apply:
            self._apply_due()

    # -------------------------------------------------------------- invariants

    @invariant()
    def model_matches_engine(self) -> None:
        model, state, session = self.model, self.session.state, self.session
        assert state.phase == model.phase
        assert state.status == model.status
        assert state.present == tuple(model.present)
        assert dict(state.roles) == model.roles
        assert dict(state.consents) == model.consents
        assert state.agreement == model.agreement
        assert state.round == model.round
        floor = state.floor
        assert floor.order == tuple(model.order)
        assert floor.had_turn == model.had
        assert floor.passed == model.passed
        assert floor.skipped == model.skipped
        assert floor.closed == model.closed
        assert floor.complete == model.complete()
        assert floor.holder == model.holder
        if model.holder is not None:
            assert floor.share_started_at == model.start
        assert state.phase_started_at == model.phase_start
        seat_order = isinstance(model.spec.policy, ps.SeatOrder)
        offered = model.next_up() if seat_order and model.holder is None else None
        assert floor.offered_to == offered
        assert session.offered_to() == offered
        assert dict(state.shares) == model.shares
        assert dict(state.passes) == model.passes
        assert dict(state.speaking_time) == model.speaking
        assert dict(state.overtime) == model.overtime
        assert dict(state.not_reached) == model.not_reached
        assert state.cross_talk_blocked == model.blocked
        assert state.interjections == model.interjections

    @invariant()
    def one_present_participant_holds_the_floor(self) -> None:
        state = self.session.state
        holder = state.floor.holder
        if holder is not None:
            assert holder in state.present
            assert state.roles[holder] is not R.OBSERVER
            assert state.status is not ps.SessionStatus.ENDED

    @invariant()
    def who_passed_is_not_offered_the_floor(self) -> None:
        offered = self.session.offered_to()
        turns = self.model.turns.get(self.model.key, {})
        if offered is not None:
            assert offered not in turns, f"{offered} is offered the floor after having {turns}"
            assert self.session.state.roles[offered] is not R.OBSERVER

    @invariant()
    def events_are_numbered_and_ordered(self) -> None:
        events = self.session.events
        assert [e.seq for e in events] == list(range(len(events)))
        assert all(a.time <= b.time for a, b in itertools.pairwise(events))

    @invariant()
    def replay_is_exact(self) -> None:
        events = self.session.events
        replayed = ps.Session.replay(self.group, self.fmt, events)
        assert replayed.events == events
        assert replayed.state == self.session.state

    @invariant()
    def json_lines_round_trip(self) -> None:
        events = list(self.session.events)
        assert ps.events.loads(ps.events.dumps(events)) == events


class SharingCircleMachine(SessionMachine):
    """Random sessions of the seat-order ``sharing-circle`` format."""

    FORMAT = "sharing-circle"


class OpenSharingMachine(SessionMachine):
    """Random sessions of the popcorn ``open-sharing`` format."""

    FORMAT = "open-sharing"


class TestRandomSessions:
    """Every step of a random session keeps fairness, timing, replay and the log exact."""

    def test_sharing_circle(self) -> None:
        """Seat-order rounds keep every property under random valid and invalid actions."""
        run_state_machine_as_test(SharingCircleMachine, settings=SETTINGS)

    def test_open_sharing(self) -> None:
        """Popcorn rounds keep every property under random valid and invalid actions."""
        run_state_machine_as_test(OpenSharingMachine, settings=SETTINGS)


class TestShareTimers:
    """Time warnings, overtime and hard caps fall due exactly at the share's own clock."""

    @SHORT
    @given(
        fmt=st.sampled_from(FORMATS),
        agreement=agreements(),
        script=st.lists(
            st.tuples(st.sampled_from(["tick", "tick", "pause", "resume"]), st.sampled_from(STEPS)),
            max_size=12,
        ),
        punctual=st.booleans(),
    )
    def test_deadlines_follow_share_start_pauses_and_limits(
        self, fmt: str, agreement: ps.Agreement, script: list[tuple[str, float]], punctual: bool
    ) -> None:
        """Every deadline event lies at share start + pauses + its point, whenever applied."""
        session, clock = sharing_session(fmt, agreement)
        for action, seconds in script:
            clock.advance(seconds)
            if punctual:
                session.apply_due()
            if action != "tick":
                with contextlib.suppress(ps.ActionRejected):
                    getattr(session, action)(by="dee")
        session.apply_due()
        check_log(session)

    @SHORT
    @given(
        fmt=st.sampled_from(FORMATS),
        agreement=agreements(),
        elapsed=st.sampled_from(STEPS),
        limits=new_limits(),
        hard_cap=st.booleans(),
    )
    def test_amending_limits_mid_share_never_goes_back_in_time(
        self,
        fmt: str,
        agreement: ps.Agreement,
        elapsed: float,
        limits: dict[str, Any],
        hard_cap: bool,
    ) -> None:
        """Deadlines made due by an amendment are not stamped before the amendment."""
        session, clock = sharing_session(fmt, agreement)
        clock.advance(elapsed)
        amended = session.amend_agreement(by="dee", hard_cap=hard_cap, **limits)
        clock.advance(1.0)
        session.apply_due()
        later = session.events[amended.seq + 1 :]
        assert all(e.time >= amended.time for e in later), later
        check_log(session)

    @SHORT
    @given(
        fmt=st.sampled_from(FORMATS),
        agreement=agreements(),
        before=st.sampled_from(STEPS),
        paused_for=st.sampled_from(STEPS[1:]),
        how=st.sampled_from(["leave", "leave-by-facilitator", "end"]),
    )
    def test_a_share_ended_during_a_pause_does_not_count_the_pause(
        self, fmt: str, agreement: ps.Agreement, before: float, paused_for: float, how: str
    ) -> None:
        """Paused time is not share time, also when the share ends while paused."""
        session, clock = sharing_session(fmt, agreement)
        clock.advance(before)
        session.apply_due()
        holding = session.state.floor.holder == "al"
        session.pause(by="dee")
        clock.advance(paused_for)
        if how == "end":
            event = session.end(by="dee")
        else:
            event = session.leave("al", by="dee" if how == "leave-by-facilitator" else None)
        if holding:
            assert event.data["duration"] == before
            assert session.state.speaking_time["al"] == before
        check_log(session)
