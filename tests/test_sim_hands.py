"""The simulator in phases with a queue of raised hands: the behaviour, the driver, the metrics."""

from __future__ import annotations

import contextlib
import math
import random
import statistics
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

sim = pytest.importorskip("peersupport.sim", reason="needs the sim extra: python3 dev.py test-sim")

import peersupport as ps  # noqa: E402
from people import BUILTIN_FORMATS, T0, make_group  # noqa: E402

pytestmark = pytest.mark.sim

K = ps.EventKind


def talk_format(policy: str, budget: float = 20 * 60) -> ps.Format:
    """Opening, a discussion under ``policy`` for ``budget`` seconds, closing."""

    class Talk(ps.FormatChart):
        opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
        discussion = ps.Phase("Discussion", policy=policy, budget=budget)
        closing = ps.Phase("Closing", policy="facilitator-only", final=True)
        advance = opening.to(discussion) | discussion.to(closing)

    return ps.Format.from_chart(f"talk-{policy}", Talk)


def cumulative_hazard(b: Any, member: Any, silent: float, d: float) -> float:
    """The hazard of raising a hand, summed over ``d`` seconds after ``silent`` s of silence."""
    return b.eagerness(member) / b.hand_tau * (d * (1 + silent / b.tau) + d * d / (2 * b.tau))


class Clocked:
    """Just enough of a session for the behaviour: a clock."""

    def __init__(self, now: float) -> None:
        self.clock = ps.ManualClock(now)


behaviours = st.builds(
    sim.ProfileBehaviour,
    tau=st.floats(1.0, 1000.0),
    alpha=st.floats(0.5, 3.0),
    min_weight=st.floats(0.001, 0.5),
    hand_tau=st.floats(1.0, 600.0),
    newcomer_hesitancy=st.floats(1.0, 10.0),
)
members = st.builds(
    sim.MemberProfile, id=st.just("m1"), talkativeness=st.floats(0.0, 1.0), newcomer=st.booleans()
)


class TestHandDelay:
    @settings(max_examples=200, deadline=None)
    @given(behaviours, members, st.floats(0.0, 5000.0), st.integers(0, 2**32))
    def test_the_delay_inverts_the_cumulative_hazard(self, b, member, silent, seed):
        """The delay is where the hazard, rising with silence, has added up to one Exp(1) draw."""
        draw = random.Random(seed).expovariate(1.0)
        d = b.hand_delay(Clocked(T0 + silent), member, T0, random.Random(seed))  # type: ignore[arg-type]
        assert d >= 0
        assert cumulative_hazard(b, member, silent, d) == pytest.approx(draw, rel=1e-9, abs=1e-12)

    @settings(max_examples=200, deadline=None)
    @given(behaviours, st.floats(0.0, 1.0), st.floats(0.0, 5000.0), st.integers(0, 2**32))
    def test_newcomers_hesitate(self, b, talkativeness, silent, seed):
        """With the same draw a newcomer raises their hand no sooner than a member as talkative."""
        member = sim.MemberProfile("m1", talkativeness=talkativeness)
        newcomer = sim.MemberProfile("m1", talkativeness=talkativeness, newcomer=True)
        session = Clocked(T0 + silent)
        d = b.hand_delay(session, member, T0, random.Random(seed))  # type: ignore[arg-type]
        late = b.hand_delay(session, newcomer, T0, random.Random(seed))  # type: ignore[arg-type]
        assert late >= d * (1 - 1e-12)
        if b.newcomer_hesitancy > 1.001 and d > 0:
            assert late > d

    @settings(max_examples=200, deadline=None)
    @given(
        behaviours,
        st.floats(0.0, 1.0),
        st.floats(0.0, 1.0),
        st.floats(0.0, 3000.0),
        st.floats(0.0, 3000.0),
        st.integers(0, 2**32),
    )
    def test_talkative_and_silent_members_are_quicker(self, b, t1, t2, s1, s2, seed):
        """With the same draw, more talkativeness or a longer silence never means a longer delay."""
        quiet, loud = sorted((t1, t2))
        short, long_ = sorted((s1, s2))

        def delay(talkativeness: float, silent: float) -> float:
            member = sim.MemberProfile("m1", talkativeness=talkativeness)
            clocked = Clocked(T0 + silent)
            return b.hand_delay(clocked, member, T0, random.Random(seed))  # type: ignore[arg-type]

        assert delay(loud, short) <= delay(quiet, short) * (1 + 1e-12)
        assert delay(quiet, long_) <= delay(quiet, short) * (1 + 1e-12)

    def test_without_the_silence_term_the_delay_is_exponential(self):
        """With a very long tau the delays are exponential with mean hand_tau / eagerness."""
        b = sim.ProfileBehaviour(tau=1e12, hand_tau=30.0)
        member = sim.MemberProfile("m1", talkativeness=0.5)
        rng = random.Random(4)
        delays = [b.hand_delay(Clocked(T0), member, T0, rng) for _ in range(20000)]  # type: ignore[arg-type]
        assert statistics.fmean(delays) == pytest.approx(30.0 / 0.25, rel=0.03)
        assert statistics.median(delays) == pytest.approx(math.log(2) * 120.0, rel=0.04)


class NoHands(sim.ProfileBehaviour):
    """Never asked for a hand: outside queue phases the driver must not call ``hand_delay``."""

    def hand_delay(self, session, member, silent_since, rng):
        raise AssertionError("hand_delay asked outside a queue phase")


class QuietRoom(sim.ProfileBehaviour):
    """Nobody raises a hand."""

    def hand_delay(self, session, member, silent_since, rng):
        return None


def has_queue(name: str) -> bool:
    return any(p.policy.offers is ps.Offer.QUEUE for p in ps.formats.get(name).phases.values())


class TestQueuePhases:
    @pytest.mark.parametrize("name", [f for f in BUILTIN_FORMATS if not has_queue(f)])
    def test_formats_without_a_queue_never_ask_for_hands(self, name):
        """Other formats run as before: no hand is asked for and no random draw is added."""
        pop = sim.dominant_talkers(2, cross_talk=0.1, late=0.3, early=0.3)
        for seed in range(3):
            plain = sim.simulate(name, pop, members=7, seed=seed)
            again = sim.simulate(name, pop, members=7, seed=seed, behaviour=NoHands())
            assert plain.events == again.events
            assert plain.metrics["hands_raised"] == 0 == plain.metrics["queue_jumps"]
            assert math.isnan(plain.metrics["hand_wait_mean"])

    @pytest.mark.parametrize("name", [f for f in BUILTIN_FORMATS if has_queue(f)])
    def test_queue_phases_are_played(self, name):
        """Hands go up, during shares too, and every turn there is by a member whose hand was up."""
        phases = ps.formats.get(name).phases
        during = turns = 0
        for seed in range(5):
            r = sim.simulate(name, sim.with_newcomers(2, late=0.3, early=0.3), seed=seed)
            assert r.metrics["hands_raised"] > 0
            up: set[str] = set()
            queue = sharing = False
            for e in r.events:
                if e.kind is K.PHASE_ENTERED:
                    up.clear()
                    queue = phases[e.data["phase"]].policy.offers is ps.Offer.QUEUE
                elif e.kind is K.HAND_RAISED:
                    assert queue
                    up.add(e.member)
                    during += sharing
                elif e.kind in (K.SHARE_STARTED, K.PASSED) and queue:
                    assert e.member in up
                    up.discard(e.member)
                    sharing = e.kind is K.SHARE_STARTED
                    turns += 1
                elif e.kind is K.SHARE_ENDED:
                    sharing = False
                elif e.kind in (K.LEFT, K.HAND_LOWERED):
                    up.discard(e.member)
        assert during > 0 < turns

    def test_nobody_raises_a_hand(self):
        """If no hand goes up, nobody speaks in the phase and it lasts its budget."""
        fmt = talk_format("raised-hands", budget=600)
        r = sim.simulate(fmt, sim.homogeneous(), members=5, seed=1, behaviour=QuietRoom())
        assert r.metrics["shares"] == 0 == r.metrics["hands_raised"]
        assert r.metrics["duration"] == 600
        assert r.metrics["never_heard"] == 0

    def test_first_come_is_first_served(self):
        """Under raised-hands with no facilitator action nobody jumps the queue."""
        fmt = talk_format("raised-hands")
        for seed in range(10):
            r = sim.simulate(fmt, sim.dominant_talkers(2), seed=seed)
            assert r.metrics["queue_jumps"] == 0 < r.metrics["hands_raised"]

    def test_progressive_hands_puts_the_quiet_first(self):
        """Progressive order jumps the queue, and quiet members wait less than dominant ones."""
        fmt = talk_format("progressive-hands")
        dominant, others = [], []
        jumps = 0
        for seed in range(20):
            r = sim.simulate(fmt, sim.dominant_talkers(2), seed=seed)
            jumps += r.metrics["queue_jumps"]
            for row in r.members:
                if not math.isnan(row["hand_wait"]):
                    (dominant if row["talkativeness"] > 0.9 else others).append(row["hand_wait"])
        assert jumps > 0
        assert statistics.fmean(others) < statistics.fmean(dominant)

    def test_newcomers_raise_fewer_hands(self):
        """A newcomer raises fewer hands than a member who is otherwise the same."""
        fmt = talk_format("raised-hands")
        profiles = [sim.MemberProfile(f"m{i}", talkativeness=0.4) for i in range(1, 5)]
        profiles.append(sim.MemberProfile("m5", talkativeness=0.4, newcomer=True))
        counts: dict[str, int] = dict.fromkeys(("m1", "m5"), 0)
        for seed in range(30):
            r = sim.simulate(fmt, profiles, seed=seed)
            for row in r.members:
                if row["member"] in counts:
                    counts[row["member"]] += row["hands_raised"]
        assert counts["m5"] < counts["m1"]

    def test_the_most_shares_per_phase(self, added: Callable[[object, str], None]):
        """Under a policy allowing one share per phase, nobody shares twice and hands stop."""

        class OnceEach(ps.RaisedHands):
            name = "once-each"
            max_shares = 1

        class Plugin:
            @ps.hookimpl
            def register_turn_policies(self, register: Callable[..., None]) -> None:
                register(OnceEach())

        added(Plugin(), "once-each")
        fmt = talk_format("once-each")
        for seed in range(5):
            r = sim.simulate(fmt, sim.dominant_talkers(2), seed=seed)
            assert all(row["shares"] <= 1 for row in r.members)
            assert r.metrics["shares"] > 0

    def test_a_queue_session_restores_and_verifies(self):
        """The simulated log of a queue phase restores and re-enacts to the same state."""
        fmt = talk_format("progressive-hands")
        pop = sim.with_newcomers(2, cross_talk=0.1, late=0.5, early=0.5)
        agreement = sim.DEFAULT_AGREEMENT.amend(hard_cap=True)
        for seed in range(5):
            r = sim.simulate(fmt, pop, seed=seed, agreement=agreement)
            s = r.session
            assert ps.Session.verify(s.group, s.format, r.events).state == s.state
            metrics, _rows = sim.log_metrics(s.group, s.format, r.events)
            assert metrics["queue_jumps"] == r.metrics["queue_jumps"]


# ---------------------------------------------------------------- the metrics, by a model

MEASURED = ("al", "bo", "cy", "nu")
PROFILES = [sim.MemberProfile(m, newcomer=m == "nu") for m in MEASURED]
people = st.sampled_from(MEASURED)
#: Kinds of step, the common ones more often.
KINDS = ("raise",) * 6 + ("head",) * 4 + ("call",) * 2 + ("pass", "lower", "move", "clear", "leave")
STEP_ARGS = {
    "raise": people,
    "lower": people,
    "call": people,
    "leave": people,
    "arrive": people,
    "head": st.sampled_from([0.0, 30.0, 90.0]),
    "pass": st.just(0.0),
    "move": st.tuples(people, st.integers(0, 3)),
    "clear": st.just(None),
    "wait": st.sampled_from([1.0, 45.0]),
}


def step(kind: str) -> st.SearchStrategy[tuple[Any, ...]]:
    """One step of ``kind`` with its arguments."""
    args = STEP_ARGS[kind]
    return args.map(lambda a: (kind, *a) if isinstance(a, tuple) else (kind, a))


steps = st.lists(
    st.sampled_from((*KINDS, "arrive", "wait", "wait")).flatmap(step), min_size=4, max_size=40
)


class Model:
    """What the queue metrics should be, from the actions that succeeded (not from the log)."""

    def __init__(self) -> None:
        self.queue: dict[str, tuple[int, float]] = {}
        self.order = 0
        self.raised = dict.fromkeys(MEASURED, 0)
        self.waits: dict[str, list[float]] = {m: [] for m in MEASURED}
        self.jumps = dict.fromkeys(MEASURED, 0)

    def raise_hand(self, member: str, now: float) -> None:
        self.order += 1
        self.queue[member] = (self.order, now)
        self.raised[member] += 1

    def turn(self, member: str, now: float) -> None:
        mine = self.queue.pop(member, None)
        rank = math.inf if mine is None else mine[0]
        if mine is not None:
            self.waits[member].append(now - mine[1])
        if any(order < rank for order, _at in self.queue.values()):
            self.jumps[member] += 1


def play(session: ps.Session, clock: ps.ManualClock, step: tuple[Any, ...], model: Model) -> None:
    """Perform one step; tell the model if the engine accepted it."""
    kind, *args = step
    now = clock.now()
    if kind == "raise":
        session.raise_hand(args[0])
        model.raise_hand(args[0], now)
    elif kind == "lower":
        session.lower_hand(args[0])
        model.queue.pop(args[0])
    elif kind in ("head", "call"):
        member = session.offered_to() if kind == "head" else args[0]
        if member is None:
            return
        if kind == "call":
            session.call_on(member, by="dee")
        session.start_share(member)
        model.turn(member, now)
        clock.advance(args[0] if kind == "head" else 10.0)
        session.end_share(member)
    elif kind == "pass":
        member = session.offered_to()
        if member is not None:
            session.pass_turn(member)
            model.turn(member, now)
    elif kind == "move":
        session.move_hand(args[0], args[1], by="dee")
    elif kind == "clear":
        session.clear_hands(by="dee")
        model.queue.clear()
    elif kind == "leave":
        session.leave(args[0])
        model.queue.pop(args[0], None)
    elif kind == "arrive":
        session.arrive(args[0])
    else:
        clock.advance(args[0])


class TestQueueMetrics:
    @settings(max_examples=300, deadline=None)
    @given(st.sampled_from(["raised-hands", "progressive-hands"]), steps)
    def test_the_metrics_follow_the_queue(self, policy, actions):
        """Hands raised, waits, queue jumps and never heard agree with a model of the queue."""
        clock = ps.ManualClock(T0)
        session = ps.Session(make_group(), talk_format(policy), clock=clock)
        for m in ("dee", *MEASURED):
            session.arrive(m)
            session.consent(m)
        session.advance(by="dee")
        model = Model()
        for step in actions:
            with contextlib.suppress(ps.ActionRejected):
                play(session, clock, step, model)
            assert set(session.floor.hands) == set(model.queue)
        session.advance(by="dee")
        session.end(by="dee")
        metrics = sim.session_metrics(session, PROFILES)
        rows = {r["member"]: r for r in sim.member_metrics(session, PROFILES)}
        waits = [w for m in MEASURED for w in model.waits[m]]
        event("queue jumped" if sum(model.jumps.values()) else "no jump")
        event(f"{min(len(waits), 3)}+ hands answered")
        for m in MEASURED:
            row = rows[m]
            assert row["hands_raised"] == model.raised[m]
            assert row["hands_answered"] == len(model.waits[m])
            assert row["queue_jumps"] == model.jumps[m]
            mean = statistics.fmean(model.waits[m]) if model.waits[m] else math.nan
            assert row["hand_wait"] == pytest.approx(mean, nan_ok=True)
        assert metrics["hands_raised"] == sum(model.raised.values())
        assert metrics["queue_jumps"] == sum(model.jumps.values())
        assert metrics["never_heard"] == sum(
            1 for m in MEASURED if model.raised[m] and not model.waits[m]
        )
        expected = (statistics.fmean(waits), statistics.median(waits)) if waits else (math.nan,) * 2
        got = (metrics["hand_wait_mean"], metrics["hand_wait_median"])
        assert got == pytest.approx(expected, nan_ok=True)

    def test_a_facilitator_calling_out_of_order_is_a_jump(self):
        """bo, called on while al waits with an earlier hand, jumps the queue; al waits 70 s."""
        clock = ps.ManualClock(T0)
        session = ps.Session(make_group(), talk_format("raised-hands"), clock=clock)
        for m in ("dee", *MEASURED):
            session.arrive(m)
            session.consent(m)
        session.advance(by="dee")
        session.raise_hand("al")
        clock.advance(10)
        session.raise_hand("bo")
        session.raise_hand("cy")
        session.call_on("bo", by="dee")
        session.start_share("bo")
        clock.advance(60)
        session.end_share("bo")
        session.start_share("al")
        session.end_share("al")
        session.advance(by="dee")  # cy's hand is still up: cy is never heard
        session.end(by="dee")
        metrics = sim.session_metrics(session, PROFILES)
        rows = {r["member"]: r for r in sim.member_metrics(session, PROFILES)}
        assert (rows["bo"]["queue_jumps"], rows["al"]["queue_jumps"]) == (1, 0)
        assert (rows["bo"]["hand_wait"], rows["al"]["hand_wait"]) == (0.0, 70.0)
        assert (rows["cy"]["hands_raised"], rows["cy"]["hands_answered"]) == (1, 0)
        assert math.isnan(rows["cy"]["hand_wait"])
        assert (metrics["queue_jumps"], metrics["never_heard"]) == (1, 1)
        assert (metrics["hand_wait_mean"], metrics["hand_wait_median"]) == (35.0, 35.0)


@pytest.mark.parametrize("field", ["tau", "hand_tau", "newcomer_hesitancy"])
@pytest.mark.parametrize("value", [0, -1.0, True, "30"])
def test_behaviour_times_must_be_above_zero(field, value):
    with pytest.raises(ValueError, match=f"{field} must be a number above 0"):
        sim.ProfileBehaviour(**{field: value})


def test_a_member_with_no_eagerness_never_raises_a_hand():
    behaviour = sim.ProfileBehaviour(min_weight=0.0)
    silent = sim.MemberProfile("m1", talkativeness=0.0)
    session = sim.simulate("free-discussion", [silent, sim.MemberProfile("m2")], seed=1).session
    assert behaviour.hand_delay(session, silent, 0.0, random.Random(1)) is None
