"""Simulation toolkit: behaviours, populations, the runner and the metrics."""

from __future__ import annotations

import math
import random
import subprocess
import sys

import pytest

sim = pytest.importorskip("peersupport.sim", reason="needs the sim extra: python3 dev.py test-sim")

import peersupport as ps  # noqa: E402
from people import BUILTIN_FORMATS, make_group  # noqa: E402

pytestmark = pytest.mark.sim

K = ps.EventKind


class TestPopulations:
    def test_dominant_talkers_come_first(self):
        """dominant_talkers(2) gives two members at the dominant talkativeness, then the others."""
        profiles = sim.dominant_talkers(2, talkativeness=0.97).draw(random.Random(1), 8)
        assert [p.talkativeness for p in profiles[:2]] == [0.97, 0.97]
        assert all(p.talkativeness < 0.97 for p in profiles[2:])
        assert [p.id for p in profiles] == [f"m{i}" for i in range(1, 9)]

    def test_newcomers_mostly_pass(self):
        """with_newcomers(2) makes the last two seats newcomers with a high pass propensity."""
        profiles = sim.with_newcomers(2, pass_propensity=0.95).draw(random.Random(1), 6)
        assert [p.newcomer for p in profiles] == [False] * 4 + [True] * 2
        assert profiles[-1].pass_propensity == 0.95

    def test_heterogeneous_draws_beta(self):
        """Talkativeness of a heterogeneous population follows Beta(a, b) (mean a / (a + b))."""
        profiles = sim.heterogeneous(2, 6).draw(random.Random(3), 4000)
        mean = sum(p.talkativeness for p in profiles) / len(profiles)
        assert mean == pytest.approx(0.25, abs=0.02)

    def test_same_seed_same_population(self):
        """The same random generator state draws the same population."""
        pop = sim.heterogeneous(late=0.5, early=0.5)
        assert pop.draw(random.Random(5), 8) == pop.draw(random.Random(5), 8)


class TestBehaviour:
    def test_pass_probability(self):
        """A member passes with probability pass_propensity * (1 - talkativeness)."""
        b = sim.ProfileBehaviour()
        member = sim.MemberProfile("m1", talkativeness=0.2, pass_propensity=0.5)
        rng = random.Random(0)
        passes = sum(b.turn(None, member, rng) is None for _ in range(20000))  # type: ignore[arg-type]
        assert passes / 20000 == pytest.approx(0.4, abs=0.015)

    def test_share_length_is_capped(self):
        """Share lengths never exceed max_share."""
        b = sim.ProfileBehaviour()
        member = sim.MemberProfile("m1", talkativeness=1.0, max_share=100.0, share_sigma=2.0)
        rng = random.Random(0)
        assert max(b.share_length(member, rng) for _ in range(2000)) == 100.0

    def test_speaking_turns_favour_talkative_and_waiting(self):
        """The next speaker is likelier the more talkative they are and the longer they waited."""
        b = sim.ProfileBehaviour(tau=60.0)
        clock = ps.ManualClock(1000.0)

        class FakeSession:
            pass

        s = FakeSession()
        s.clock = clock  # type: ignore[attr-defined]
        loud, quiet = sim.MemberProfile("a", 0.9), sim.MemberProfile("b", 0.3)
        rng = random.Random(2)
        picks = [
            b.volunteer(s, [loud, quiet], {"a": 1000.0, "b": 1000.0}, rng).id for _ in range(4000)
        ]  # type: ignore[arg-type]
        assert picks.count("a") > 3 * picks.count("b")
        waited = [
            b.volunteer(s, [loud, quiet], {"a": 1000.0, "b": 0.0}, rng).id for _ in range(4000)
        ]  # type: ignore[arg-type]
        assert waited.count("b") > picks.count("b") * 3

    def test_custom_behaviour_is_used(self):
        """A user-supplied behaviour decides: here everyone always passes."""

        class AlwaysPass(sim.ProfileBehaviour):
            def turn(self, session, member, rng):
                return None

        r = sim.simulate(
            "sharing-circle", sim.homogeneous(), members=5, seed=1, behaviour=AlwaysPass()
        )
        assert r.metrics["shares"] == 0
        assert r.metrics["passes"] > 0
        assert math.isnan(r.metrics["gini_speaking"])


class TestRunner:
    @pytest.mark.parametrize("fmt", BUILTIN_FORMATS)
    def test_replay_equals_state(self, fmt):
        """The simulated session is a real engine session: replaying its log gives its state."""
        pop = sim.dominant_talkers(2, cross_talk=0.05, late=0.3, early=0.3)
        for seed in range(5):
            r = sim.simulate(fmt, pop, members=7, seed=seed)
            s = r.session
            assert s.status is ps.SessionStatus.ENDED
            assert ps.Session.verify(s.group, s.format, r.events).state == s.state

    def test_same_seed_same_session(self):
        """The same seed gives the same event log."""
        a = sim.simulate("open-sharing", sim.heterogeneous(), seed=11)
        b = sim.simulate("open-sharing", sim.heterogeneous(), seed=11)
        assert a.events == b.events
        assert a.events != sim.simulate("open-sharing", sim.heterogeneous(), seed=12).events

    def test_facilitator_closes_rounds_at_budget(self):
        """With long shares the facilitator closes rounds at the budget; not reached is recorded."""
        pop = sim.homogeneous(0.9, pass_propensity=0.0, mean_share=400.0, max_share=None)
        r = sim.simulate("sharing-circle", pop, members=10, seed=1)
        closed = [e for e in r.events if e.kind is K.ROUND_CLOSED]
        assert closed
        state = r.session.state
        assert (
            r.metrics["not_reached"] == sum(state.not_reached.get(p.id, 0) for p in r.profiles) > 0
        )
        assert r.metrics["phase_overruns"] >= 1

    def test_new_rounds_while_time_remains(self):
        """In a long sharing phase with short shares the facilitator runs several rounds."""
        pop = sim.homogeneous(0.5, mean_share=30.0)
        r = sim.simulate("sharing-circle", pop, members=4, seed=2)
        assert any(e.kind is K.ROUND_STARTED for e in r.events)

    def test_no_new_round_when_max_rounds_is_one(self):
        """Facilitator(max_rounds=1) runs one round per phase."""
        fac = sim.Facilitator(max_rounds=1)
        r = sim.simulate(
            "sharing-circle", sim.homogeneous(mean_share=30.0), members=4, seed=2, facilitator=fac
        )
        assert not any(e.kind is K.ROUND_STARTED for e in r.events)

    def test_cross_talk_attempts_are_blocked_and_recorded(self):
        """Members prone to cross-talk try it; where it is not allowed the engine blocks it."""
        pop = sim.homogeneous(cross_talk=0.5)
        r = sim.simulate("sharing-circle", pop, members=6, seed=3)
        assert r.metrics["cross_talk_blocked"] == r.session.state.cross_talk_blocked > 0
        assert sum(m["cross_talk_blocked"] for m in r.members) == r.metrics["cross_talk_blocked"]

    def test_late_and_early(self):
        """Late arrivals arrive after the opening; early leavers leave before the end."""
        pop = sim.homogeneous(late=1.0, early=1.0)
        r = sim.simulate("sharing-circle", pop, members=4, seed=4)
        arrived = [e for e in r.events if e.kind is K.ARRIVED and e.member != "fac"]
        assert all(e.time > 0 for e in arrived)
        assert all(m["left_early"] for m in r.members)

    def test_free_discussion_is_unstructured(self):
        """In free discussion a dominant talker may speak again before others spoke once."""
        r = sim.simulate("free-discussion", sim.dominant_talkers(2), members=8, seed=5)
        speakers = [e.member for e in r.events if e.kind is K.SHARE_STARTED]
        assert len(speakers) > len(set(speakers))
        assert not any(e.kind is K.ROUND_STARTED for e in r.events)

    def test_nothing_said_is_stored(self):
        """Confidentiality: events carry no field for what a member said."""
        r = sim.simulate("sharing-circle", sim.homogeneous(), seed=1)
        keys = {k for e in r.events for k in e.data}
        assert not keys & {"text", "content", "said", "words", "transcript"}


class TestMetrics:
    def test_undefined_values_are_nan(self):
        """Gini, entropy and top share of all-zero speaking time are nan."""
        assert math.isnan(sim.gini([0.0, 0.0]))
        assert math.isnan(sim.entropy([0.0, 0.0]))
        assert math.isnan(sim.top_share([0.0]))

    def test_session_metrics_agree_with_state(self):
        """Totals equal the engine's state; frac_shared and top_share follow the members."""
        r = sim.simulate("open-sharing", sim.with_newcomers(2), members=8, seed=9)
        state = r.session.state
        members = [p.id for p in r.profiles]
        assert r.metrics["shares"] == sum(state.shares.get(m, 0) for m in members)
        assert r.metrics["speaking_time"] == pytest.approx(
            sum(state.speaking_time.get(m, 0.0) for m in members)
        )
        shared = [m for m in r.members if m["shares"]]
        assert r.metrics["frac_shared"] == len(shared) / len(r.members)
        times = [m["speaking_time"] for m in r.members]
        assert r.metrics["top_share"] == pytest.approx(max(times) / sum(times))

    def test_wait_to_first_share(self):
        """The wait to a first share is the time from arrival to the first share_started."""
        r = sim.simulate("sharing-circle", sim.homogeneous(), members=4, seed=1)
        first = next(e for e in r.events if e.kind is K.SHARE_STARTED and e.member == "m2")
        row = next(m for m in r.members if m["member"] == "m2")
        assert row["first_share_wait"] == pytest.approx(first.time - row["arrived_at"])

    def test_wait_counts_the_same_shares_as_shares(self):
        """A first share is one that counts as sharing: no shares <=> no wait (NaN)."""
        seen_zero = 0
        for seed in range(40):  # talking-piece-circle has a guidelines round that does not count
            r = sim.simulate("talking-piece-circle", sim.with_newcomers(3), members=6, seed=seed)
            for row in r.members:
                assert (row["shares"] == 0) == math.isnan(row["first_share_wait"]), row
                seen_zero += row["shares"] == 0
        assert seen_zero  # the case that used to disagree occurs in these sessions


class TestImportBoundary:
    def test_core_does_not_import_numpy(self):
        """import peersupport imports neither numpy nor pandas; peersupport.sim does."""
        code = (
            "import sys, peersupport; bad = [m for m in ('numpy', 'pandas') if m in sys.modules];"
            "import peersupport.sim; print(bad, 'numpy' in sys.modules)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == "[] True"


class TestAgreements:
    """Every valid agreement simulates, and the simulated group keeps it."""

    NO_PASSING = sim.DEFAULT_AGREEMENT.amend(may_pass=False)

    @pytest.mark.parametrize("name", BUILTIN_FORMATS)
    def test_passing_switched_off(self, name):
        """With passing off, every format runs to its end and only newcomers pass."""
        for seed in range(5):
            r = sim.simulate(
                name, sim.with_newcomers(2), members=6, seed=seed, agreement=self.NO_PASSING
            )
            newcomers = {p.id for p in r.profiles if p.newcomer}
            assert {e.member for e in r.events if e.kind is K.PASSED} <= newcomers
            assert r.events[-1].kind is K.ENDED

    def test_the_facilitator_shares_when_passing_is_off(self):
        """The facilitator, who passes their turn by default, shares it when they may not pass."""
        r = sim.simulate("sharing-circle", sim.homogeneous(), members=4, seed=1)
        assert any(e.kind is K.PASSED and e.member == "fac" for e in r.events)
        r = sim.simulate(
            "sharing-circle", sim.homogeneous(), members=4, seed=1, agreement=self.NO_PASSING
        )
        assert not any(e.kind is K.PASSED for e in r.events)
        assert any(e.kind is K.SHARE_STARTED and e.member == "fac" for e in r.events)

    def test_a_sweep_with_passing_off(self):
        """A sweep over formats with passing off runs every session."""
        conditions = sim.grid(
            ["sharing-circle", "open-sharing", "smart-recovery"],
            sim.with_newcomers(1),
            6,
            agreement=self.NO_PASSING,
        )
        sessions, _members = sim.sweep(conditions, 3, workers=1).load()
        assert len(sessions) == 9


class TestMetricsOfRealSessions:
    """The metrics of a session run through the engine by hand, with its edge cases."""

    PROFILES = tuple(sim.MemberProfile(m) for m in ("al", "bo", "cy"))

    def circle(self) -> tuple[ps.Session, ps.ManualClock]:
        """A sharing circle in its check-in, everyone present and consented, at time 0."""
        clock = ps.ManualClock(0.0)
        session = ps.Session(make_group(), ps.formats.get("sharing-circle"), clock=clock)
        for m in ("dee", "al", "bo", "cy"):
            session.arrive(m)
            session.consent(m)
        session.advance(by="dee", to="check_in")
        return session, clock

    def test_a_member_who_leaves_and_comes_back_keeps_their_first_wait(self):
        """al shares 100 s after arriving, leaves, returns: the wait stays 100 s, not negative."""
        s, clock = self.circle()
        clock.advance(100)
        s.start_share("al")
        clock.advance(60)
        s.end_share("al")
        clock.advance(200)
        s.leave("al")
        clock.advance(100)
        s.arrive("al")
        s.end(by="dee")
        rows = {r["member"]: r for r in sim.member_metrics(s, self.PROFILES)}
        assert rows["al"]["first_share_wait"] == 100.0
        assert rows["al"]["arrived_at"] == 0.0
        assert math.isnan(rows["bo"]["first_share_wait"])
        assert sim.session_metrics(s, self.PROFILES)["wait_first_share"] == 100.0

    def test_a_safety_pause_is_not_a_phase_overrun(self):
        """Check-in used 70 s of its 900 s budget and a 1,200 s pause: no overrun, as logged."""
        s, clock = self.circle()
        s.start_share("al")
        clock.advance(40)
        s.end_share("al")
        s.pause(by="dee")
        clock.advance(1200)
        s.resume(by="dee")
        clock.advance(30)
        s.close_round(by="dee")
        s.advance(by="dee", to="sharing")
        assert not any(e.kind is K.PHASE_TIME_UP for e in s.events)
        s.end(by="dee")
        metrics = sim.session_metrics(s, self.PROFILES)
        assert (metrics["phase_overruns"], metrics["overrun_seconds"]) == (0, 0.0)
        assert metrics["duration"] == 1270.0

    def test_an_overrun_counts_the_time_outside_pauses(self):
        """Check-in used 1,000 s of its 900 s budget around a 500 s pause: 100 s over."""
        s, clock = self.circle()
        clock.advance(400)
        s.pause(by="dee")
        clock.advance(500)
        s.resume(by="dee")
        clock.advance(600)
        s.apply_due()
        assert any(e.kind is K.PHASE_TIME_UP for e in s.events)
        s.close_round(by="dee")
        s.advance(by="dee", to="sharing")
        s.end(by="dee")
        metrics = sim.session_metrics(s, self.PROFILES)
        assert (metrics["phase_overruns"], metrics["overrun_seconds"]) == (1, 100.0)
