"""Raised hands and points of process: the queue's actions, its order rules, its invariants."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import peersupport as ps
from checking import golden, refused, same_again
from people import ROUND, around, make_group

PEOPLE = ("dee", "al", "bo", "cy", "nu")


class Talk(ps.FormatChart):
    """Check-in in seat order, then discussion by first-come hands, then by progressive hands."""

    opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
    check_in = ps.Phase("Check-in", policy="seat-order")
    hands = ps.Phase("Hands", policy="raised-hands", budget=30 * 60)
    stack = ps.Phase("Stack", policy="progressive-hands", budget=30 * 60)
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)

    advance = (
        opening.to(check_in)
        | check_in.to(hands, cond="round_complete")
        | hands.to(stack)
        | stack.to(closing)
    )


class OneEach(ps.RaisedHands):
    """A queue where each member shares at most once per phase."""

    name = "one-each-hands"
    max_shares = 1


class SeniorityFirst(ps.RaisedHands):
    """A plugin's own order rule: whoever has shared most goes first (it overrides hand_key)."""

    name = "seniority-hands"

    def hand_key(self, session: ps.Session, member: str) -> tuple[float, ...]:
        return (-session.shares_of(member)[0],)


class Nowhere(ps.RaisedHands):
    """A broken plugin policy: its own order rule places a hand outside the queue."""

    name = "nowhere-hands"

    def hand_position(self, session: ps.Session, member: str) -> int:
        return 99


class Capped(ps.FormatChart):
    opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
    hands = ps.Phase("Hands", policy="one-each-hands")
    own = ps.Phase("Own order", policy="seniority-hands")
    broken = ps.Phase("Broken", policy="nowhere-hands")
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)
    advance = opening.to(hands) | hands.to(own) | own.to(broken) | broken.to(closing)


class Plugin:
    @ps.hookimpl
    def register_turn_policies(self, register):
        register(OneEach())
        register(SeniorityFirst())
        register(Nowhere())

    @ps.hookimpl
    def register_formats(self, register):
        register("capped-hands", Capped)


TALK = ps.Format.from_chart("talk", Talk)


@pytest.fixture
def capped() -> Iterator[ps.Format]:
    ps.plugins.add(Plugin(), "test-hands")
    try:
        yield ps.formats.get("capped-hands")
    finally:
        ps.plugins.remove("test-hands")


def started(
    fmt: ps.Format = TALK, phase: str | None = "hands"
) -> tuple[ps.Session, ps.ManualClock]:
    """A session of the test group with everyone but the observer present, at ``phase``."""
    clock = ps.ManualClock(1000.0)
    session = ps.Session(make_group(), fmt, clock=clock)
    for person in PEOPLE:
        session.arrive(person)
        session.consent(person)
    session.advance(by="dee")
    if phase in ("hands", "stack"):
        for member in ROUND:
            session.pass_turn(member)
        session.advance(by="dee")
    if phase == "stack":
        session.advance(by="dee")
    return session, clock


def share(session: ps.Session, clock: ps.ManualClock, member: str, seconds: float) -> None:
    session.start_share(member)
    clock.advance(seconds)
    session.end_share(member)


class TestTheQueue:
    def test_first_come_first_served_and_taking_the_floor_leaves_the_queue(self):
        s, clock = started()
        s.raise_hand("cy")
        s.raise_hand("al")
        assert s.state.floor.hands == ("cy", "al")
        assert s.offered_to() == "cy"
        refused(s, lambda: s.start_share("al"), "raised-hands")
        share(s, clock, "cy", 60)
        assert s.state.floor.hands == ("al",)
        s.pass_turn("al")
        assert (s.state.floor.hands, s.offered_to()) == ((), None)
        assert s.state.shares["cy"] == 1

    def test_progressive_puts_who_shared_least_first_ties_by_arrival(self):
        s, clock = started(phase="stack")
        for member, seconds in (("al", 300), ("al", 200), ("bo", 100), ("cy", 50)):
            s.raise_hand(member)
            share(s, clock, member, seconds)
        s.raise_hand("al")  # two shares this phase
        s.raise_hand("bo")  # one share, 100 s
        s.raise_hand("nu")  # none yet
        s.raise_hand("cy")  # one share, 50 s: before bo (spoke less), after nu
        assert s.state.floor.hands == ("nu", "cy", "bo", "al")
        positions = [e.data["position"] for e in s.events if e.kind is ps.EventKind.HAND_RAISED]
        assert positions[-4:] == [0, 0, 0, 1]

    def test_the_facilitator_moves_removes_clears_and_calls_out_of_order(self):
        s, _clock = started()
        for member in ("al", "bo", "cy"):
            s.raise_hand(member)
        s.move_hand("cy", 0, by="dee")
        s.lower_hand("bo", by="dee")
        assert s.state.floor.hands == ("cy", "al")
        s.call_on("nu", by="dee")  # out of order, recorded
        assert s.offered_to() == "nu"
        refused(s, lambda: s.start_share("cy"), "raised-hands")
        s.pass_turn("nu")
        assert s.offered_to() == "cy"
        s.clear_hands(by="dee")
        assert s.state.floor.hands == ()
        actors = [(e.kind.value, e.actor, e.member) for e in s.events[-6:]]
        assert ("hand_moved", "dee", "cy") in actors
        assert ("hand_lowered", "dee", "bo") in actors
        assert ("called_on", "dee", "nu") in actors
        assert ("hands_cleared", "dee", None) in actors

    def test_a_moved_hand_restores_and_re_enacts(self):
        """verify performs the move again: the same member, to the same place, by the chair."""
        s, _clock = started()
        for member in ("al", "bo", "cy"):
            s.raise_hand(member)
        s.move_hand("cy", 0, by="dee")
        same_again(s)

    def test_leaving_and_a_new_phase_empty_the_queue_and_a_pause_freezes_it(self):
        s, _clock = started()
        s.raise_hand("al")
        s.raise_hand("bo")
        s.leave("al")
        assert s.state.floor.hands == ("bo",)
        s.pause(by="dee")
        for action in (
            lambda: s.raise_hand("cy"),
            lambda: s.lower_hand("bo"),
            lambda: s.move_hand("bo", 0, by="dee"),
            lambda: s.clear_hands(by="dee"),
        ):
            refused(s, action, "paused")
        s.raise_point("cy")  # a point of process may come at any time
        s.resume(by="dee")
        s.acknowledge_point("cy", by="dee")
        s.resolve_point("cy", by="dee")
        s.advance(by="dee")
        assert (s.phase.id, s.state.floor.hands) == ("stack", ())

    @pytest.mark.parametrize(
        ("setup", "action", "rule", "sentence"),
        [
            ((), lambda s: s.raise_hand("ob"), "present",
             "ob may not raise_hand: ob is not present (arrive first)"),
            (("al",), lambda s: s.raise_hand("al"), "one-hand-each",
             "al may not raise_hand: al has a hand up already"),
            ((), lambda s: s.lower_hand("al"), "one-hand-each",
             "al may not lower_hand: al's hand is not up"),
            ((), lambda s: s.clear_hands(by="dee"), "one-hand-each",
             "dee may not clear_hands: nobody's hand is up"),
            (("al",), lambda s: s.move_hand("bo", 0, by="dee"), "one-hand-each",
             "dee may not move_hand: bo's hand is not up"),
            (("al",), lambda s: s.move_hand("al", 0, by="dee"), "queue-position",
             "dee may not move_hand: al is there already"),
            (("al", "bo"), lambda s: s.move_hand("al", 2, by="dee"), "queue-position",
             "dee may not move_hand: a position in this queue is a whole number from 0 to 1"),
            (("al", "bo"), lambda s: s.move_hand("al", True, by="dee"), "queue-position",
             "dee may not move_hand: a position in this queue is a whole number from 0 to 1"),
            (("al", "bo"), lambda s: s.move_hand("bo", 0, by="al"), "facilitator-only-action",
             "al may not move_hand: only a facilitator may move_hand"),
            (("al",), lambda s: s.clear_hands(by="bo"), "facilitator-only-action",
             "bo may not clear_hands: only a facilitator may clear_hands"),
            (("al",), lambda s: s.lower_hand("al", by="bo"), "acts-for-themself",
             "bo may not lower_hand: a member acts only for themself; only a facilitator "
             "may act for al"),
            ((), lambda s: s.raise_hand("zz"), "closed-group",
             "zz may not raise_hand: zz is not a member of the closed group 'Thursday circle'"),
            ((), lambda s: s.acknowledge_point("bo", by="dee"), "point-of-process",
             "dee may not acknowledge_point: bo has no point of process waiting to be "
             "acknowledged"),
            ((), lambda s: s.resolve_point("bo", by="dee"), "point-of-process",
             "dee may not resolve_point: bo has no point of process acknowledged"),
        ],
    )  # fmt: skip
    def test_refusals_name_their_rule_say_why_and_change_nothing(
        self, setup, action, rule, sentence
    ):
        s, _clock = started()
        for member in setup:
            s.raise_hand(member)
        error = refused(s, lambda: action(s), rule)
        assert str(error) == f"{sentence} (rule '{rule}')"

    def test_observers_the_speaker_and_unknown_outcomes_are_refused_saying_why(self):
        s, _clock = started()
        s.arrive("ob")
        error = refused(s, lambda: s.raise_hand("ob"), "eligible")
        assert str(error) == "ob may not raise_hand: ob does not take turns here (rule 'eligible')"
        s.raise_hand("al")
        s.start_share("al")
        error = refused(s, lambda: s.raise_hand("al"), "one-hand-each")
        assert str(error) == "al may not raise_hand: al holds the floor (rule 'one-hand-each')"
        s.raise_point("bo")
        s.acknowledge_point("bo", by="dee")
        error = refused(
            s, lambda: s.resolve_point("bo", by="dee", outcome="maybe"), "point-of-process"
        )
        assert str(error) == (
            "dee may not resolve_point: a point of process ends 'resolved' or 'amendment' "
            "(rule 'point-of-process')"
        )

    def test_a_second_point_is_refused(self):
        s, _clock = started()
        s.raise_point("al")
        error = refused(s, lambda: s.raise_point("al"), "point-of-process")
        assert (
            str(error) == "al may not raise_point: al's point is pending (rule 'point-of-process')"
        )

    def test_the_queue_s_refusals_say_why(self):
        s, _clock = started()
        error = refused(s, lambda: s.start_share("al"), "raised-hands")
        assert str(error) == (
            "al may not start_share: nobody's hand is up; raise your hand in Hands "
            "(rule 'raised-hands')"
        )
        s.raise_hand("bo")
        error = refused(s, lambda: s.start_share("al"), "raised-hands")
        assert str(error) == "al may not start_share: bo is next in the queue (rule 'raised-hands')"
        s.raise_point("cy")
        error = refused(s, lambda: s.start_share("bo"), "raised-hands")
        assert str(error) == (
            "bo may not start_share: a point of process comes first; the facilitator takes it "
            "(rule 'raised-hands')"
        )

    def test_no_queue_outside_queue_phases_and_no_hand_for_the_holder(self):
        s, _clock = started(phase=None)
        error = refused(s, lambda: s.raise_hand("al"), "raised-hands")
        assert "there is no queue of hands in Check-in" in str(error)
        s2, _clock2 = started()
        s2.raise_hand("al")
        s2.start_share("al")
        refused(s2, lambda: s2.raise_hand("al"), "one-hand-each")

    def test_a_policy_with_its_own_order_rule_is_asked(self, capped):
        s, clock = started(capped, phase=None)
        s.raise_hand("al")
        share(s, clock, "al", 30)
        s.advance(by="dee")
        s.raise_hand("bo")
        s.raise_hand("al")  # shared once: first, by this policy's own rule
        assert s.state.floor.hands == ("al", "bo")
        assert ps.Session.verify(s.group, s.format, s.events).state == s.state

    def test_equal_keys_of_a_policy_s_own_rule_keep_their_order(self, capped):
        """Ties by the policy's own hand_key stay in the order the hands went up."""
        s, clock = started(capped, phase=None)
        for member in ("al", "cy"):
            s.raise_hand(member)
            share(s, clock, member, 30)
        s.advance(by="dee")
        s.raise_hand("al")  # shared once
        s.raise_hand("bo")  # never: after al
        s.raise_hand("cy")  # shared once, as al: after al, before bo
        assert s.state.floor.hands == ("al", "cy", "bo")

    def test_a_policy_placing_a_hand_outside_the_queue_is_named(self, capped):
        s, _clock = started(capped, phase=None)
        s.advance(by="dee")
        s.advance(by="dee")
        before, length = s.state, len(s.events)
        with pytest.raises(ps.PluginError) as error:
            s.raise_hand("al")
        assert str(error.value) == (
            "turn policy 'nowhere-hands' of test-hands placed al's hand at 99, not a place "
            "in a queue of 0; the session is unchanged"
        )
        assert (s.state, len(s.events)) == (before, length)

    def test_a_policy_limits_shares_per_phase(self, capped):
        s, clock = started(capped, phase=None)
        s.raise_hand("al")
        share(s, clock, "al", 30)
        error = refused(s, lambda: s.raise_hand("al"), "shares-per-phase")
        assert str(error) == (
            "al may not raise_hand: al has shared 1 time(s) in Hands, the most allowed "
            "(rule 'shares-per-phase')"
        )


class TestPointsOfProcess:
    def test_a_pending_point_comes_before_any_share(self):
        s, _clock = started()
        s.raise_hand("al")
        s.raise_point("bo")
        assert s.offered_to() is None
        error = refused(s, lambda: s.start_share("al"), "raised-hands")
        assert "a point of process comes first" in str(error)
        s.acknowledge_point("bo", by="dee")
        assert s.state.floor.acknowledged == frozenset({"bo"})
        s.resolve_point("bo", by="dee", outcome="amendment")
        assert s.offered_to() == "al"
        resolved = s.events[-1]
        assert (resolved.kind, resolved.actor, resolved.member) == (
            ps.EventKind.POINT_RESOLVED,
            "dee",
            "bo",
        )
        assert dict(resolved.data) == {"outcome": "amendment"}

    def test_points_in_any_phase_acknowledged_before_resolved(self):
        s, _clock = started(ps.formats.get("sharing-circle"), phase=None)
        s.raise_point("al")
        refused(s, lambda: s.raise_point("al"), "point-of-process")
        refused(s, lambda: s.resolve_point("al", by="dee"), "point-of-process")
        refused(s, lambda: s.acknowledge_point("al", by="bo"), "facilitator-only-action")
        s.acknowledge_point("al", by="dee")
        refused(s, lambda: s.acknowledge_point("al", by="dee"), "point-of-process")
        refused(s, lambda: s.resolve_point("al", by="dee", outcome="later"), "point-of-process")
        s.resolve_point("al", by="dee")
        assert s.state.floor.points == ()


# ---------------------------------------------------------------- properties

ACTIONS = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(["raise", "raise", "lower", "share", "pass", "point"]),
            st.sampled_from(PEOPLE),
        ),
        st.tuples(st.sampled_from(["next-shares", "next-passes"]), st.just("")),
        st.tuples(st.just("move"), st.sampled_from(PEOPLE), st.integers(-1, 4)),
        st.tuples(
            st.sampled_from(["clear", "ack", "resolve", "call", "advance", "leave"]),
            st.sampled_from(PEOPLE),
        ),
    ),
    max_size=40,
)


def act(s: ps.Session, clock: ps.ManualClock, step: tuple) -> None:
    kind, who = step[0], step[1]
    clock.advance(7)
    if kind.startswith("next-"):
        who = s.offered_to() or "al"
        kind = kind.removeprefix("next-").removesuffix("s")
        kind = "share" if kind == "share" else "pass"
    if kind == "raise":
        s.raise_hand(who)
    elif kind == "lower":
        s.lower_hand(who, by="dee" if who == "cy" else None)
    elif kind == "share":
        s.start_share(who)
        clock.advance(10 + 20 * PEOPLE.index(who))
        s.end_share(who)
    elif kind == "pass":
        s.pass_turn(who)
    elif kind == "point":
        s.raise_point(who)
    elif kind == "move":
        s.move_hand(who, step[2], by="dee")
    elif kind == "clear":
        s.clear_hands(by="dee")
    elif kind == "ack":
        s.acknowledge_point(who, by="dee")
    elif kind == "resolve":
        s.resolve_point(who, by="dee")
    elif kind == "call":
        s.call_on(who, by="dee")
    elif kind == "advance":
        s.advance(by="dee")
    elif kind == "leave" and who != "dee":
        s.leave(who)


def expected_position(state: ps.SessionState, policy: ps.TurnPolicy, member: str) -> int:
    """The declared order rule, written again from the state before the raise."""

    def key(m: str) -> tuple[float, ...]:
        k: tuple[float, ...] = ()
        if policy.hand_rounds:
            k += (state.phase_shares.get(m, 0),)
        if policy.hand_order is ps.HandOrder.PROGRESSIVE:
            k += (state.shares.get(m, 0), state.speaking_time.get(m, 0.0))
        return k

    hands = state.floor.hands
    return next((i for i, m in enumerate(hands) if key(m) > key(member)), len(hands))


def model_queue(
    before: ps.SessionState, policy: ps.TurnPolicy, events: list[ps.Event]
) -> list[str]:
    """The queue after ``events`` (one action's), from the queue before and what they say."""
    hands = list(before.floor.hands)
    for e in events:
        kind, member = e.kind, e.member
        if kind is ps.EventKind.HAND_RAISED:
            assert e.data["position"] == expected_position(before, policy, member)
            hands.insert(e.data["position"], member)
        elif kind is ps.EventKind.HAND_MOVED:
            hands.remove(member)
            hands.insert(e.data["position"], member)
        elif kind in (ps.EventKind.HANDS_CLEARED, ps.EventKind.PHASE_ENTERED):
            hands = []
        elif (
            kind
            in (
                ps.EventKind.HAND_LOWERED,
                ps.EventKind.SHARE_STARTED,
                ps.EventKind.PASSED,
                ps.EventKind.LEFT,
            )
            and member in hands
        ):
            hands.remove(member)
    return hands


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=ACTIONS, phase=st.sampled_from(["hands", "stack"]))
def test_queue_invariants_after_any_actions(steps, phase):
    """The queue is what the events say under the declared order rule; one entry each; the head
    (or whoever was called) is offered, nobody while a point is pending; refusals change
    nothing; restore and verify give the same session."""
    s, clock = started(phase=phase)
    for step in steps:
        before, length, policy = s.state, len(s.events), s.phase.policy
        try:
            act(s, clock, step)
        except ps.ActionRejected:
            assert (s.state, len(s.events)) == (before, length)
            continue
        floor = s.state.floor
        assert list(floor.hands) == model_queue(before, policy, list(s.events[length:]))
        assert len(set(floor.hands)) == len(floor.hands)
        assert floor.holder not in floor.hands
        assert set(floor.hands) <= set(s.state.present)
        if s.phase.policy.offers is ps.Offer.QUEUE and floor.holder is None:
            if floor.points:
                assert floor.offered_to is None
            else:
                head = floor.hands[0] if floor.hands else None
                assert floor.offered_to == (floor.called or head)
    assert ps.Session.restore(s.group, s.format, s.events).state == s.state
    assert ps.Session.verify(s.group, s.format, s.events).state == s.state


def test_the_order_rule_is_part_of_the_format_s_fingerprint():
    """A log of a progressive queue does not restore as a first-come one (or the reverse)."""
    first = ps.Format.from_chart("talk", around("raised-hands"))
    progressive = ps.Format.from_chart("talk", around("progressive-hands"))
    assert first.fingerprint != progressive.fingerprint
    s, _clock = started(first, phase=None)
    s.raise_hand("al")
    with pytest.raises(ps.LogError, match="fingerprint"):
        ps.Session.restore(s.group, progressive, s.events)


def test_the_timeline_tells_the_queue_with_names():
    s, _clock = started()
    s.raise_hand("al")
    s.raise_hand("bo", by="dee")
    s.move_hand("bo", 0, by="dee")
    s.lower_hand("al")
    s.raise_point("cy")
    s.acknowledge_point("cy", by="dee")
    s.resolve_point("cy", by="dee", outcome="amendment")
    s.clear_hands(by="dee")
    lines = list(ps.report.timeline(s.group, s.format, s.events))
    text = "\n".join(lines)
    for line in (
        "Al raises a hand: number 1 in the queue",
        "Bo raises a hand: number 2 in the queue (by Dee)",
        "Dee moves Bo to number 1 in the queue",
        "Al's hand goes down",
        "Cy raises a point of process",
        "Dee acknowledges Cy's point of process",
        "Dee takes it to an amendment: Cy's point of process",
        "Dee clears the queue",
    ):
        assert line in text


# ---------------------------------------------------------------- restoring edited queue logs
# The fold checks every hand event against the queue before it; an edited log is
# refused with a LogError naming the line and the fact.

K = ps.EventKind
QUEUE_PEOPLE = ("dee", "al", "bo", "cy")


class Registers:
    """A plugin that registers the turn policies it is given."""

    def __init__(self, *policies: ps.TurnPolicy) -> None:
        self.policies = policies

    @ps.hookimpl
    def register_turn_policies(self, register):
        for policy in self.policies:
            register(policy)


FMT = ps.Format.from_chart("queue-fold", around("raised-hands"))


def queue_log(clock: ps.ManualClock) -> tuple[ps.Session, list[ps.Event]]:
    """al, bo and cy raise hands; dee moves cy to the end and back; al's hand comes down."""
    s = ps.Session(make_group(), FMT, clock=clock, hooks=False)
    for m in QUEUE_PEOPLE:
        s.arrive(m)
        s.consent(m)
    s.advance(by="dee")
    for m in ("al", "bo", "cy"):
        s.raise_hand(m)
        clock.advance(1)
    s.move_hand("al", 2, by="dee")  # to the end of the queue: bo, cy, al
    s.move_hand("al", 0, by="dee")  # and back to the front: al, bo, cy
    s.lower_hand("al")  # bo, cy
    return s, list(s.events)


def first(events: list[ps.Event], kind: ps.EventKind, member: str | None = None) -> int:
    return next(i for i, e in enumerate(events) if e.kind is kind and member in (None, e.member))


def refusal(events: list[ps.Event]) -> ps.LogError:
    """The error restoring ``events`` raises."""
    with pytest.raises(ps.LogError) as info:
        ps.Session.restore(make_group(), FMT, events)
    return info.value


class TestEditedQueueLogs:
    def test_the_log_restores(self, clock):
        s, events = queue_log(clock)
        restored = ps.Session.restore(make_group(), FMT, events)
        assert restored.state == s.state
        assert restored.state.floor.hands == ("bo", "cy")

    def test_a_hand_moved_to_the_end_of_the_queue(self, clock):
        """The last place of the queue is a place (restore accepts a move there)."""
        _s, events = queue_log(clock)
        moved = first(events, K.HAND_MOVED)
        steps = list(ps.Session.restore_steps(make_group(), FMT, events[: moved + 1]))
        assert steps[-1][1].state.floor.hands == ("bo", "cy", "al")

    def test_a_hand_moved_past_the_end(self, clock):
        _s, events = queue_log(clock)
        moved = first(events, K.HAND_MOVED)
        events[moved] = events[moved].evolve(data={"position": 3})
        error = refusal(events)
        assert error.line == moved + 1
        assert str(error).endswith("cannot follow the log: position 3 is not in the queue")

    def test_a_hand_raised_past_the_end(self, clock):
        _s, events = queue_log(clock)
        raised = first(events, K.HAND_RAISED, "bo")
        events[raised] = events[raised].evolve(data={"position": 2})
        error = refusal(events)
        assert error.line == raised + 1
        assert str(error).endswith("cannot follow the log: position 2 is not in the queue")

    def test_a_hand_raised_twice(self, clock):
        _s, events = queue_log(clock)
        raised = first(events, K.HAND_RAISED, "bo")
        events[raised] = events[raised].evolve(member="al", actor="al")
        error = refusal(events)
        assert error.line == raised + 1
        assert str(error).endswith(
            "cannot follow the log: al cannot raise a hand: already raised, or not present"
        )

    def test_a_hand_raised_by_someone_absent(self, clock):
        _s, events = queue_log(clock)
        arrived = first(events, K.ARRIVED, "cy")
        events = [e for i, e in enumerate(events) if i not in (arrived, arrived + 1)]
        events = [e.evolve(seq=i) for i, e in enumerate(events)]
        raised = first(events, K.HAND_RAISED, "cy")
        assert "cannot raise a hand: already raised, or not present" in str(refusal(events))
        assert refusal(events).line == raised + 1

    def test_a_hand_lowered_that_was_not_raised(self, clock):
        _s, events = queue_log(clock)
        lowered = first(events, K.HAND_LOWERED)
        events[lowered] = events[lowered].evolve(member="dee", actor="dee")
        error = refusal(events)
        assert error.line == lowered + 1
        assert str(error).endswith("cannot follow the log: dee's hand is not raised")


class TestEditedPointLogs:
    """The fold checks points of process: acknowledged when raised, resolved when acknowledged."""

    def point_log(self, clock):
        s, _events = queue_log(clock)
        s.raise_point("bo")
        s.acknowledge_point("bo", by="dee")
        s.resolve_point("bo", by="dee")
        return list(s.events)

    def test_a_second_point_pending_does_not_restore(self, clock):
        events = self.point_log(clock)
        i = first(events, K.POINT_RAISED)
        events.insert(i + 1, events[i])
        events = [e.evolve(seq=n) for n, e in enumerate(events)]
        error = refusal(events)
        assert error.line == i + 2
        assert str(error).endswith("cannot follow the log: bo has a point of process pending")

    @pytest.mark.parametrize(
        ("kind", "change", "why"),
        [
            (K.POINT_ACKNOWLEDGED, {"member": "cy"},
             "cy has no point of process waiting to be acknowledged"),
            (K.POINT_RESOLVED, {"member": "cy"}, "cy has no acknowledged point of process"),
            (K.POINT_RESOLVED, {"data": {"outcome": "maybe"}},
             "a point of process ends resolved or amendment"),
        ],
    )  # fmt: skip
    def test_an_edited_point_does_not_restore(self, clock, kind, change, why):
        events = self.point_log(clock)
        i = first(events, kind)
        events[i] = events[i].evolve(**change)
        error = refusal(events)
        assert error.line == i + 1
        assert str(error).endswith(f"cannot follow the log: {why}")


class TestSharesOf:
    def test_shares_and_seconds_of_each_member(self, clock):
        """``shares_of``: (shares, seconds spoken) so far; (0, 0.0) for who has not shared."""
        s, _events = queue_log(clock)
        s.start_share("bo")
        clock.advance(42.5)
        s.end_share("bo")
        assert s.shares_of("bo") == (1, 42.5)
        none = s.shares_of("cy")
        assert none == (0, 0.0)
        assert [type(x) for x in none] == [int, float]


# ---------------------------------------------------------------- the declared order rules


class FairHands(ps.RaisedHands):
    """First come, but whoever has shared fewer times in this phase goes first."""

    name = "fair-hands"
    hand_rounds = True


def checked_in(turns: tuple[tuple[str, float | None], ...]) -> tuple[ps.Session, ps.ManualClock]:
    """Everyone in, then the check-in's ``turns``: a share of so many seconds, or a pass (None)."""
    clock = ps.ManualClock(1000.0)
    s = ps.Session(make_group(), TALK, clock=clock, hooks=False)
    for person in PEOPLE:
        s.arrive(person)
        s.consent(person)
    s.advance(by="dee")
    for member, seconds in turns:
        if seconds is None:
            s.pass_turn(member)
        else:
            share(s, clock, member, seconds)
    return s, clock


def in_the_stack() -> tuple[ps.Session, ps.ManualClock]:
    """Check-in: al 100 s, bo 50 s, cy 0 s, nu and dee pass; in the stack dee shared 10 s."""
    s, clock = checked_in((("al", 100), ("bo", 50), ("cy", 0), ("nu", None), ("dee", None)))
    s.advance(by="dee")
    s.advance(by="dee")
    s.raise_hand("dee")
    share(s, clock, "dee", 10)
    return s, clock


class MembersOnlyHands(ps.RaisedHands):
    """A queue for members and facilitators: newcomers listen in this phase."""

    name = "members-only-hands"
    roles = frozenset({ps.Role.MEMBER, ps.Role.FACILITATOR, ps.Role.CO_FACILITATOR})


def test_who_takes_no_turns_in_a_phase_raises_no_hand_there(added):
    """A newcomer in a queue for members only, and a member raising someone else's hand."""
    added(Registers(MembersOnlyHands()), "members-only-plugin")
    fmt = ps.Format.from_chart("members-only", around("members-only-hands"))
    s, _clock = started(fmt, phase=None)
    error = refused(s, lambda: s.raise_hand("nu"), "eligible")
    assert str(error) == "nu may not raise_hand: nu does not take turns here (rule 'eligible')"
    error = refused(s, lambda: s.raise_hand("al", by="bo"), "acts-for-themself")
    assert str(error) == (
        "bo may not raise_hand: a member acts only for themself; only a facilitator may act "
        "for al (rule 'acts-for-themself')"
    )
    assert s.raise_hand("al", by="dee").actor == "dee"


class TestDeclaredOrder:
    """The engine's own ordering of a queue by what a policy declares."""

    def test_fewer_shares_in_the_phase_first(self, added):
        added(Registers(FairHands()), "fair-hands-plugin")
        s, clock = started(ps.Format.from_chart("fair", around("fair-hands")), phase=None)
        s.raise_hand("al")
        share(s, clock, "al", 20)
        s.raise_hand("al")  # shared once in this phase
        s.raise_hand("bo")  # not yet: before al
        s.raise_hand("cy")  # not yet either: after bo, before al
        assert s.state.floor.hands == ("bo", "cy", "al")

    def test_progressive_ties_broken_by_shares_then_seconds(self):
        """Nobody has shared in the stack but dee: then shares, then seconds spoken, decide."""
        s, _clock = in_the_stack()
        for member in ("al", "bo", "dee", "cy", "nu"):
            s.raise_hand(member)
        # keys (phase shares, shares, seconds): nu (0, 0, 0), cy (0, 1, 0), bo (0, 1, 50),
        # al (0, 1, 100), dee (1, 1, 10)
        assert s.state.floor.hands == ("nu", "cy", "bo", "al", "dee")

    def test_progressive_order_after_a_restore(self):
        """The keys of hands already up are worked out again from the restored state."""
        s, _clock = in_the_stack()
        for member in ("al", "bo", "dee"):
            s.raise_hand(member)
        restored = ps.Session.restore(s.group, s.format, s.events, clock=s.clock)
        for member in ("cy", "nu"):
            restored.raise_hand(member)
            s.raise_hand(member)
        assert restored.state.floor.hands == ("nu", "cy", "bo", "al", "dee")
        assert restored.events[-2:] == s.events[-2:]

    def test_the_queue_writes_its_golden_log(self):
        """Hands raised in progressive order, moved, lowered, cleared; points: field by field."""
        s, clock = in_the_stack()
        for member in ("al", "bo", "dee", "cy", "nu"):
            s.raise_hand(member)
        s.move_hand("al", 0, by="dee")
        s.lower_hand("bo")
        s.raise_point("cy")
        s.acknowledge_point("cy", by="dee")
        s.resolve_point("cy", by="dee", outcome="amendment")
        s.start_share("al")
        clock.advance(40)
        s.end_share("al")
        s.call_on("dee", by="dee")
        s.pass_turn("dee")
        s.clear_hands(by="dee")
        golden("hands", list(s.events))

    def test_progressive_order_after_a_restore_with_zero_and_two_shares(self):
        """Keys worked out again after a restore: nobody's shares, two shares, this phase's."""
        s, clock = checked_in((("al", 100), ("bo", 50), ("cy", None), ("nu", None), ("dee", None)))
        s.advance(by="dee")  # first come: al shares again
        s.raise_hand("al")
        share(s, clock, "al", 200)
        s.advance(by="dee")  # the stack: dee shares once
        s.raise_hand("dee")
        share(s, clock, "dee", 10)
        for member in ("nu", "bo", "dee"):
            s.raise_hand(member)
        restored = ps.Session.restore(s.group, s.format, s.events, clock=clock)
        # keys (phase shares, shares, seconds): nu (0, 0, 0), cy (0, 0, 0),
        # bo (0, 1, 50), al (0, 2, 300), dee (1, 1, 10)
        for session in (s, restored):
            session.raise_hand("cy")
            session.raise_hand("al")
            assert session.state.floor.hands == ("nu", "cy", "bo", "al", "dee")
        assert restored.events[-2:] == s.events[-2:]

    def test_each_queue_s_hand_key(self):
        """``hand_key`` by each declared rule: () first come, then phase shares, shares, seconds."""
        s, _clock = in_the_stack()
        assert ps.RaisedHands().hand_key(s, "dee") == ()
        assert FairHands().hand_key(s, "dee") == (1,)
        assert ps.ProgressiveHands().hand_key(s, "dee") == (1, 1, 10.0)
        assert ps.ProgressiveHands().hand_key(s, "al") == (0, 1, 100.0)
        assert ps.ProgressiveHands().hand_key(s, "nu") == (0, 0, 0.0)
