"""Share time limits, phase budgets, pauses and the clock."""

from __future__ import annotations

import pytest

import peersupport as ps
from people import ROUND, T0, make_group

K = ps.EventKind


def in_sharing(session):
    """Move a session into its sharing phase (everyone passes the check-in)."""
    session.advance(by="dee")
    for member in ROUND:
        session.pass_turn(member)
    session.advance(by="dee")
    return session


def kinds_after(session, count):
    return [(e.kind, e.time) for e in session.events[count:]]


@pytest.fixture
def sharing(session, clock):
    """A sharing circle in its sharing phase (300 s limit, warning at 240 s), at T0 + 10."""
    clock.advance(10)
    return in_sharing(session)


@pytest.fixture
def hard_sharing(make_session, clock):
    """As ``sharing``, but the agreement ends shares at the limit (hard cap)."""
    group = make_group(ps.Agreement(share_limit=300.0, warn_at=240.0, hard_cap=True))
    session = make_session(group=group)
    clock.advance(10)
    return in_sharing(session)


class BackwardsClock:
    """A clock that can be turned back, which a real clock must never do."""

    def __init__(self, now: float) -> None:
        self.t = now

    def now(self) -> float:
        return self.t


class TestShareTimeLimit:
    def test_next_deadline_is_the_warning(self, sharing):
        """While a member shares, the next deadline is their time warning."""
        start = sharing.start_share("al").time
        assert sharing.next_deadline() == ps.Deadline(start + 240.0, "time-warning", "al")

    def test_warning_exactly_at_warn_point(self, sharing, clock):
        """The warning falls due exactly at the warning point, not before."""
        start = sharing.start_share("al").time
        clock.set(start + 239.5)
        assert sharing.apply_due() == ()
        clock.set(start + 240.0)
        (warning,) = sharing.apply_due()
        assert (warning.kind, warning.time, warning.member) == (K.TIME_WARNING, start + 240.0, "al")
        assert warning.actor is None
        assert warning.data == {"rule": "share-time-limit"}
        assert sharing.next_deadline() == ps.Deadline(start + 300.0, "share-limit", "al")

    def test_soft_cap_records_overtime_at_the_limit(self, sharing, clock):
        """Without a hard cap, an overtime event falls due at the limit and the share goes on."""
        start = sharing.start_share("al").time
        clock.set(start + 240.0)
        sharing.apply_due()
        clock.set(start + 300.0)
        (overtime,) = sharing.apply_due()
        assert (overtime.kind, overtime.time, overtime.member) == (K.OVERTIME, start + 300.0, "al")
        assert overtime.data == {"rule": "share-time-limit", "limit": 300.0}
        assert sharing.state.floor.holder == "al"
        assert sharing.next_deadline().kind == "phase-budget"

    def test_overtime_seconds_are_counted(self, sharing, clock):
        """A share that runs past the limit counts its seconds over the limit as overtime."""
        start = sharing.start_share("al").time
        clock.set(start + 330.0)
        event = sharing.end_share("al")
        assert event.data == {"duration": 330.0, "overtime": 30.0}
        state = sharing.state
        assert state.overtime == {"al": 30.0}
        assert state.speaking_time == {"al": 330.0}

    def test_share_ended_exactly_at_limit_is_not_overtime(self, sharing, clock):
        """An action exactly at a deadline comes first: a share ended at the limit is in time."""
        start = sharing.start_share("al").time
        clock.set(start + 300.0)
        count = len(sharing.events)
        sharing.end_share("al")
        assert kinds_after(sharing, count) == [
            (K.TIME_WARNING, start + 240.0),
            (K.SHARE_ENDED, start + 300.0),
        ]
        assert sharing.state.overtime == {}

    def test_hard_cap_ends_the_share_at_the_limit(self, hard_sharing, clock):
        """With a hard cap the engine itself ends the share exactly at the limit."""
        start = hard_sharing.start_share("al").time
        clock.set(start + 300.0)
        warning, ended = hard_sharing.apply_due()
        assert (warning.kind, warning.time) == (K.TIME_WARNING, start + 240.0)
        assert (ended.kind, ended.time, ended.actor, ended.member) == (
            K.SHARE_ENDED,
            start + 300.0,
            None,
            "al",
        )
        assert ended.data == {"duration": 300.0, "rule": "share-time-limit"}
        state = hard_sharing.state
        assert state.floor.holder is None
        assert (state.shares, state.speaking_time, state.overtime) == ({"al": 1}, {"al": 300.0}, {})

    def test_hard_cap_before_a_late_end_share(self, hard_sharing, clock):
        """A member ending their share after a hard cap finds it already ended at the limit."""
        start = hard_sharing.start_share("al").time
        clock.set(start + 400.0)
        with pytest.raises(ps.NotYourTurn):
            hard_sharing.end_share("al")
        ended = hard_sharing.events[-1]
        assert (ended.kind, ended.time, ended.actor) == (K.SHARE_ENDED, start + 300.0, None)
        assert hard_sharing.state.speaking_time == {"al": 300.0}

    def test_late_apply_due_stamps_due_times(self, sharing, clock):
        """apply_due called late stamps each event with the moment it fell due."""
        start = sharing.start_share("al").time
        clock.set(start + 1000.0)
        events = sharing.apply_due()
        assert [(e.kind, e.time) for e in events] == [
            (K.TIME_WARNING, start + 240.0),
            (K.OVERTIME, start + 300.0),
        ]
        assert sharing.apply_due() == ()

    def test_next_action_applies_what_fell_due_first(self, sharing, clock):
        """The next action applies due deadlines first, stamped at their due times."""
        start = sharing.start_share("al").time
        count = len(sharing.events)
        clock.set(start + 400.0)
        sharing.end_share("al")
        assert kinds_after(sharing, count) == [
            (K.TIME_WARNING, start + 240.0),
            (K.OVERTIME, start + 300.0),
            (K.SHARE_ENDED, start + 400.0),
        ]
        assert sharing.state.overtime == {"al": 100.0}

    def test_rejected_action_still_applies_due_deadlines(self, sharing, clock):
        """Deadlines that fell due are applied even when the action itself is refused."""
        start = sharing.start_share("al").time
        clock.set(start + 250.0)
        with pytest.raises(ps.NotYourTurn):
            sharing.start_share("bo")
        assert sharing.events[-1].kind is K.TIME_WARNING
        assert sharing.events[-1].time == start + 240.0

    def test_phase_share_limit_overrides_agreement(self, session):
        """The check-in's own 120 s limit (warning at 90 s) applies instead of the agreement's."""
        session.advance(by="dee")
        start = session.start_share("al").time
        assert session.next_deadline() == ps.Deadline(start + 90.0, "time-warning", "al")

    def test_facilitator_readings_are_not_timed(self, session):
        """Facilitator-only phases are untimed: only the phase budget is a deadline."""
        session.start_share("dee")
        assert session.next_deadline() == ps.Deadline(T0 + 300.0, "phase-budget", None)

    def test_no_warning_without_warn_point(self, make_session, clock):
        """Without a warning point, the next deadline is the limit."""
        session = make_session(group=make_group(ps.Agreement(share_limit=200.0, warn_at=None)))
        in_sharing(session)
        start = session.start_share("al").time
        assert session.next_deadline() == ps.Deadline(start + 200.0, "share-limit", "al")

    def test_no_deadline_without_limits_or_budget(self, make_session, crosstalk):
        """Without share limits or phase budgets there is no deadline."""
        group = make_group(ps.Agreement(share_limit=None, warn_at=None))
        session = make_session(crosstalk, group=group)
        session.advance(by="dee")
        session.start_share("al")
        assert session.next_deadline() is None

    def test_amended_limit_applies_to_next_share(self, sharing, clock):
        """An amended share limit is the limit of the following shares."""
        sharing.amend_agreement(by="dee", share_limit=100.0, warn_at=None)
        sharing.consent("al")
        start = sharing.start_share("al").time
        assert sharing.next_deadline() == ps.Deadline(start + 100.0, "share-limit", "al")

    def test_events_never_go_back_after_mid_share_amendment(self, sharing, clock):
        """Shortening the limit below the time already spoken never stamps an event in the past."""
        sharing.start_share("al")
        clock.advance(250.0)
        sharing.amend_agreement(by="dee", share_limit=200.0, warn_at=100.0)
        clock.advance(5.0)
        sharing.apply_due()
        times = [e.time for e in sharing.events]
        assert times == sorted(times)
        assert sharing.events[-1].kind is K.OVERTIME


class TestPhaseBudget:
    def test_budget_is_the_deadline_when_nobody_shares(self, session):
        """With the floor free, the next deadline is the phase budget (opening: 5 min)."""
        assert session.next_deadline() == ps.Deadline(T0 + 300.0, "phase-budget", None)

    def test_phase_time_up(self, session, clock):
        """When the budget runs out a phase_time_up event is recorded, once."""
        clock.set(T0 + 299.0)
        assert session.apply_due() == ()
        clock.set(T0 + 300.0)
        (up,) = session.apply_due()
        assert (up.kind, up.time, up.actor) == (K.PHASE_TIME_UP, T0 + 300.0, None)
        assert up.data == {"phase": "opening", "budget": 300}
        assert session.next_deadline() is None
        clock.advance(1000.0)
        assert session.apply_due() == ()
        assert session.state.phase == "opening"

    def test_late_phase_time_up_is_stamped_at_budget(self, session, clock):
        """A phase_time_up applied late is stamped at the moment the budget ran out."""
        clock.set(T0 + 700.0)
        session.advance(by="dee")
        up, entered = session.events[-2:]
        assert (up.kind, up.time) == (K.PHASE_TIME_UP, T0 + 300.0)
        assert (entered.kind, entered.time) == (K.PHASE_ENTERED, T0 + 700.0)

    def test_new_phase_has_its_own_budget(self, session, clock):
        """Entering a phase starts its budget (check-in: 15 min) from that moment."""
        clock.set(T0 + 60.0)
        session.advance(by="dee")
        assert session.state.phase_started_at == T0 + 60.0
        assert session.next_deadline() == ps.Deadline(T0 + 60.0 + 900.0, "phase-budget", None)

    def test_share_and_budget_deadlines_interleave(self, session, clock):
        """Share deadlines and the phase budget fall due in time order."""
        session.start_share("dee")
        clock.set(T0 + 400.0)
        session.end_share("dee")
        up, ended = session.events[-2:]
        assert (up.kind, up.time) == (K.PHASE_TIME_UP, T0 + 300.0)
        assert (ended.kind, ended.data) == (K.SHARE_ENDED, {"duration": 400.0})


class TestPause:
    def test_pause_stops_deadlines(self, sharing, clock):
        """While paused there is no deadline and nothing falls due."""
        sharing.start_share("al")
        sharing.pause(by="dee")
        assert sharing.next_deadline() is None
        clock.advance(5000.0)
        assert sharing.apply_due() == ()

    def test_resume_shifts_the_timers(self, sharing, clock):
        """Resuming shifts the share and phase timers by the length of the pause."""
        start = sharing.start_share("al").time
        phase_start = sharing.state.phase_started_at
        clock.set(start + 100.0)
        sharing.pause(by="dee")
        clock.advance(500.0)
        sharing.resume(by="dee")
        state = sharing.state
        assert state.floor.share_started_at == start + 500.0
        assert state.phase_started_at == phase_start + 500.0
        assert sharing.next_deadline() == ps.Deadline(start + 740.0, "time-warning", "al")

    def test_pause_is_not_speaking_time(self, sharing, clock):
        """A share interrupted by a pause counts only the time spoken."""
        start = sharing.start_share("al").time
        clock.set(start + 100.0)
        sharing.pause(by="dee")
        clock.advance(1000.0)
        sharing.resume(by="dee")
        clock.advance(50.0)
        event = sharing.end_share("al")
        assert event.data == {"duration": 150.0}
        assert sharing.state.speaking_time == {"al": 150.0}
        assert sharing.state.overtime == {}

    def test_leaving_during_pause_does_not_count_the_pause(self, sharing, clock):
        """A member who leaves during a pause is credited only the time spoken before it."""
        start = sharing.start_share("al").time
        clock.set(start + 100.0)
        sharing.pause(by="dee")
        clock.advance(1000.0)
        sharing.leave("al")
        state = sharing.state
        assert state.speaking_time == {"al": 100.0}
        assert state.overtime == {}

    def test_deadlines_due_before_pause_are_applied(self, sharing, clock):
        """Pausing first applies whatever fell due before it."""
        start = sharing.start_share("al").time
        clock.set(start + 250.0)
        sharing.pause(by="dee")
        warning, paused = sharing.events[-2:]
        assert (warning.kind, warning.time) == (K.TIME_WARNING, start + 240.0)
        assert (paused.kind, paused.time) == (K.PAUSED, start + 250.0)


class TestClock:
    @pytest.mark.parametrize(
        "call",
        [
            lambda s: s.arrive("cy"),
            lambda s: s.consent("bo"),
            lambda s: s.start_share("dee"),
            lambda s: s.leave("al"),
            lambda s: s.advance(by="dee"),
            lambda s: s.pause(by="dee"),
            lambda s: s.end(by="dee"),
            lambda s: s.amend_agreement(by="dee", may_pass=False),
        ],
    )
    def test_clock_going_back_changes_nothing(self, group, circle, call):
        """An action when the clock reads earlier than the last event raises ValueError."""
        clock = BackwardsClock(T0)
        session = ps.Session(group, circle, clock=clock)
        for member in ("dee", "al", "bo"):
            clock.t += 1.0
            session.arrive(member)
        session.consent("dee")
        state, events = session.state, session.events
        clock.t -= 0.5
        with pytest.raises(ValueError, match="clock went back"):
            call(session)
        assert session.state == state
        assert session.events == events

    def test_manual_clock_never_goes_back(self):
        """A manual clock refuses to move backwards and keeps its time."""
        clock = ps.ManualClock(10.0)
        with pytest.raises(ValueError, match="back"):
            clock.advance(-1.0)
        with pytest.raises(ValueError, match="back"):
            clock.set(9.0)
        assert clock.now() == 10.0
        assert clock.advance(2.5) == 12.5
        clock.set(20)
        assert clock.now() == 20.0

    def test_clocks_satisfy_the_protocol(self):
        """Both built-in clocks are Clocks; the system clock does not go back."""
        system = ps.SystemClock()
        assert isinstance(system, ps.Clock)
        assert isinstance(ps.ManualClock(), ps.Clock)
        first = system.now()
        assert system.now() >= first

    def test_events_take_the_clock_time(self, session, clock):
        """Each action is stamped with the clock's time."""
        clock.advance(42.0)
        event = session.advance(by="dee")
        assert event.time == T0 + 42.0
        assert session.state.time == T0 + 42.0
