"""Replay: a session rebuilt from its log equals the live one; tampered logs are refused."""

from __future__ import annotations

import attrs
import pytest

import peersupport as ps
from people import T0, make_group

K = ps.EventKind


def circle_script(make_session, clock):
    """A sharing circle that produces every event kind but 'interjected'."""
    s = make_session(arrive=["dee", "al", "bo", "cy"], consent=["dee", "bo", "cy"])
    s.consent("al", by="dee")
    clock.advance(30)
    s.arrive("ob")
    s.advance(by="dee")  # check-in: al, bo, cy, dee (120 s limit, warning at 90 s)
    s.start_share("al")
    clock.advance(130)
    s.end_share("al")  # time warning and overtime applied first
    s.arrive("nu")  # late: joins the end of the round
    s.consent("nu")
    s.pass_turn("bo")
    s.start_share("cy")
    clock.advance(10)
    with pytest.raises(ps.CrossTalkBlocked):
        s.interject("bo")
    clock.advance(20)
    s.end_share("cy", by="dee")
    s.pass_turn("dee")
    s.skip("nu", by="dee")
    s.advance(by="dee")  # sharing: al, bo, cy, nu, dee
    s.start_share("al")
    clock.advance(60)
    s.pause(by="dee")
    clock.advance(120)
    s.resume(by="dee")
    clock.advance(30)
    s.end_share("al")
    s.start_share("bo")
    clock.advance(45)
    s.leave("bo")  # leaves while sharing
    clock.advance(5)
    s.arrive("bo")
    s.close_round(by="dee")
    s.new_round(by="dee")  # al, cy, nu, bo, dee (bo sits at the end since rejoining)
    s.amend_agreement(by="dee", hard_cap=True)
    for member in ("dee", "al", "bo", "cy", "nu"):
        s.consent(member)
    s.start_share("al")
    clock.advance(400)
    s.apply_due()  # warning, then the hard cap ends the share
    s.pass_turn("cy")
    clock.advance(3000)
    s.apply_due()  # the sharing phase's budget is up
    s.start_share("nu")
    clock.advance(20)
    s.end(by="dee")  # ends nu's share too
    return s


def crosstalk_script(make_session, clock, crosstalk):
    """A working-time session with an allowed interjection."""
    group = make_group(ps.Agreement(cross_talk=True))
    s = make_session(crosstalk, group=group, arrive=["dee", "al", "bo"])
    s.advance(by="dee")
    s.start_share("al")
    clock.advance(40)
    s.interject("bo")
    clock.advance(20)
    s.end_share("al")
    s.start_share("bo")
    clock.advance(10)
    s.end_share("bo")
    s.advance(by="dee")
    s.end(by="dee")
    return s, group


def popcorn_script(make_session, clock, group):
    """Open sharing with visitors, a rollover into a second round and a left visitor."""
    s = make_session("open-sharing", group=group, arrive=["dee", "al", "bo"])
    s.arrive("zed")
    s.arrive("yu", by="dee", role="observer")
    s.consent("zed")
    s.advance(by="dee")
    for member in ("zed", "bo", "al", "dee"):
        s.start_share(member)
        clock.advance(25)
        s.end_share(member)
    s.start_share("zed")  # round 2
    clock.advance(5)
    s.end_share("zed")
    s.leave("yu")
    s.pass_turn("al", by="dee")
    return s


def renumber(events):
    return [attrs.evolve(e, seq=i) for i, e in enumerate(events)]


def refused_at(group, fmt, events, line):
    with pytest.raises(ps.LogError) as info:
        ps.Session.replay(group, fmt, events)
    assert info.value.line == line
    return info.value


@pytest.fixture
def circle_session(make_session, clock):
    return circle_script(make_session, clock)


@pytest.fixture
def log(circle_session):
    return list(circle_session.events)


def index_of(events, kind, start=0):
    return next(i for i, e in enumerate(events) if e.kind is kind and i >= start)


class TestExactReplay:
    def test_circle_replays_exactly(self, circle_session, group, circle):
        """A sharing circle with every kind of event replays to the same state and events."""
        replayed = ps.Session.replay(group, circle, circle_session.events)
        assert replayed.state == circle_session.state
        assert replayed.events == circle_session.events
        assert set(K) - {e.kind for e in circle_session.events} == {
            K.INTERJECTED,
            K.CALLED_ON,
            K.RULE_NOTICE,
        }

    def test_script_reaches_the_interesting_states(self, circle_session):
        """The scripted circle records deadlines, the hard cap, pauses, not reached and an end."""
        events = circle_session.events
        hard_cap = [e for e in events if e.kind is K.SHARE_ENDED and e.actor is None]
        assert [(e.member, e.data["duration"]) for e in hard_cap] == [("al", 300.0)]
        left = next(e for e in events if e.kind is K.LEFT)
        assert left.data == {"duration": 45.0}
        state = circle_session.state
        assert state.status is ps.SessionStatus.ENDED
        assert state.not_reached == {"cy": 1, "nu": 1, "dee": 1}
        assert state.overtime == {"al": 10.0}
        assert state.cross_talk_blocked == 1
        assert state.agreement.version == 2

    def test_interjections_replay(self, make_session, clock, crosstalk):
        """A session with allowed cross-talk replays exactly."""
        session, group = crosstalk_script(make_session, clock, crosstalk)
        assert K.INTERJECTED in {e.kind for e in session.events}
        replayed = ps.Session.replay(group, crosstalk, session.events)
        assert replayed.state == session.state
        assert replayed.state.interjections == 1

    def test_visitors_and_popcorn_replay(self, make_session, clock, popcorn):
        """Visitors to an open group and popcorn rounds replay exactly."""
        group = make_group(closed=False)
        session = popcorn_script(make_session, clock, group)
        assert session.state.round == 2
        replayed = ps.Session.replay(group, popcorn, session.events)
        assert replayed.state == session.state
        assert replayed.state.roles["yu"] is ps.Role.OBSERVER

    def test_replay_from_json_lines(self, circle_session, group, circle):
        """A log written to JSON Lines and read back replays to the same state."""
        text = ps.events.dumps(circle_session.events)
        replayed = ps.Session.replay(group, circle, ps.events.loads(text))
        assert replayed.state == circle_session.state

    def test_replay_after_late_deadlines(self, session, clock, group, circle):
        """A log whose deadlines were applied late by the next action replays exactly."""
        session.advance(by="dee")
        session.start_share("al")
        clock.advance(500)
        session.end_share("al")
        replayed = ps.Session.replay(group, circle, session.events)
        assert replayed.state == session.state

    def test_restored_session_continues(self, session, group, circle):
        """A replayed session continues on a manual clock at the last event's time."""
        session.advance(by="dee")
        replayed = ps.Session.replay(group, circle, session.events)
        assert replayed.clock.now() == session.events[-1].time
        replayed.start_share("al")
        assert replayed.state.floor.holder == "al"

    def test_restored_session_takes_a_clock(self, session, group, circle):
        """replay(clock=...) continues with the given clock."""
        clock = ps.ManualClock(T0 + 50)
        replayed = ps.Session.replay(group, circle, session.events, clock=clock)
        assert replayed.clock is clock
        assert replayed.advance(by="dee").time == T0 + 50


class TestTamperedLogs:
    def test_removed_event(self, log, group, circle):
        """A log with an event removed (and renumbered) is refused at that line."""
        i = index_of(log, K.PASSED)
        refused_at(group, circle, renumber(log[:i] + log[i + 1 :]), i + 1)

    def test_removed_event_leaves_a_gap(self, log, group, circle):
        """A log with an event cut out (not renumbered) is refused at the gap."""
        i = index_of(log, K.PASSED)
        error = refused_at(group, circle, log[:i] + log[i + 1 :], i + 1)
        assert "expected event number" in str(error)

    def test_extra_event(self, log, group, circle):
        """A log with an extra event that the session would refuse is refused at that line."""
        i = index_of(log, K.CONSENTED)
        extra = attrs.evolve(log[i], seq=i + 1)
        refused_at(group, circle, renumber([*log[: i + 1], extra, *log[i + 1 :]]), i + 2)

    def test_extra_event_after_the_end(self, log, group, circle):
        """Nothing can follow the end of a session."""
        extra = ps.Event(len(log), log[-1].time, K.ARRIVED, "ob", "ob")
        refused_at(group, circle, [*log, extra], len(log) + 1)

    def test_changed_duration(self, log, group, circle):
        """A log with a changed share duration is refused at that line."""
        i = index_of(log, K.SHARE_ENDED)
        changed = attrs.evolve(log[i], data={"duration": log[i].data["duration"] + 1})
        error = refused_at(group, circle, [*log[:i], changed, *log[i + 1 :]], i + 1)
        # only the data differ, so the message shows both versions of them
        assert f"with {changed.data}" in error.problem
        assert f"with {log[i].data}" in error.problem

    def test_changed_actor(self, log, group, circle):
        """A share attributed to someone else is refused at that line."""
        i = index_of(log, K.SHARE_STARTED)
        changed = attrs.evolve(log[i], actor="bo", member="bo")
        refused_at(group, circle, [*log[:i], changed, *log[i + 1 :]], i + 1)

    def test_removed_deadline_event(self, log, group, circle):
        """A log with a time warning removed is refused where the warning belongs."""
        i = index_of(log, K.TIME_WARNING)
        refused_at(group, circle, renumber(log[:i] + log[i + 1 :]), i + 1)

    def test_moved_deadline_event(self, log, group, circle):
        """A deadline event stamped at another time is refused."""
        i = index_of(log, K.OVERTIME)
        moved = attrs.evolve(log[i], time=log[i].time + 1)
        refused_at(group, circle, [*log[:i], moved, *log[i + 1 :]], i + 1)

    def test_invented_deadline_event(self, session, group, circle):
        """A deadline event where nothing fell due is refused."""
        log = list(session.events)
        fake = ps.Event(len(log), log[-1].time, K.PHASE_TIME_UP, None, None, {"phase": "opening"})
        error = refused_at(group, circle, [*log, fake], len(log) + 1)
        assert "nothing fell due" in str(error)

    def test_log_cut_between_simultaneous_deadlines(self, session, clock, group, circle):
        """A log cut between two deadlines that fell due together is refused as ending early."""
        session.advance(by="dee")  # check-in: 15 min budget, 120 s limit
        clock.advance(780)
        session.start_share("al")
        clock.advance(120)
        _warning, overtime, up = session.apply_due()
        assert (overtime.kind, up.kind) == (K.OVERTIME, K.PHASE_TIME_UP)
        assert overtime.time == up.time
        log = list(session.events)[:-1]
        error = refused_at(group, circle, log, len(log) + 1)
        assert "ends early" in str(error)

    def test_log_of_another_format(self, log, group, popcorn):
        """A log of another format is refused at its first line."""
        error = refused_at(group, popcorn, log, 1)
        assert "sharing-circle" in str(error)

    def test_log_of_another_agreement(self, log, circle):
        """A log replayed with a group on another agreement version is refused at line 1."""
        group = make_group(ps.Agreement().amend(may_pass=False))
        refused_at(group, circle, log, 1)

    def test_log_must_start_with_opened(self, log, group, circle):
        """A log that does not start with 'opened' is refused at line 1."""
        error = refused_at(group, circle, renumber(log[1:]), 1)
        assert "opened" in str(error)

    def test_opened_only_once(self, log, group, circle):
        """An 'opened' event after the first line is refused."""
        extra = attrs.evolve(log[0], seq=1, time=log[0].time)
        refused_at(group, circle, renumber([log[0], extra, *log[1:]]), 2)

    def test_empty_log(self, group, circle):
        """An empty log is refused at line 1."""
        error = refused_at(group, circle, [], 1)
        assert "empty" in str(error)

    def test_swapped_events(self, log, group, circle):
        """Two events swapped (and renumbered) are refused at the first of them."""
        i = index_of(log, K.PASSED)
        swapped = [*log[:i], log[i + 1], log[i], *log[i + 2 :]]
        refused_at(group, circle, renumber(swapped), i + 1)


class TestReplaySteps:
    def test_yields_after_every_event(self, log, group, circle):
        """replay_steps yields each event with the session right after it."""
        seen = [
            (event, len(session.events), session.state.time)
            for event, session in ps.Session.replay_steps(group, circle, log)
        ]
        assert [event for event, _n, _t in seen] == log
        assert [n for _e, n, _t in seen] == list(range(1, len(log) + 1))
        assert [t for _e, _n, t in seen] == [e.time for e in log]

    def test_same_session_each_step(self, log, group, circle, circle_session):
        """The same session object is yielded each time and ends in the live session's state."""
        sessions = [session for _event, session in ps.Session.replay_steps(group, circle, log)]
        assert all(s is sessions[0] for s in sessions)
        assert sessions[-1].state == circle_session.state

    def test_steps_show_the_phases(self, log, group, circle):
        """Stepping through shows the phase after each event."""
        phases = []
        for _event, session in ps.Session.replay_steps(group, circle, log):
            if not phases or phases[-1] != session.state.phase:
                phases.append(session.state.phase)
        assert phases == ["opening", "check_in", "sharing"]

    def test_stops_at_the_bad_line(self, log, group, circle):
        """replay_steps yields the good events, then raises LogError at the bad line."""
        i = index_of(log, K.SHARE_ENDED)
        changed = attrs.evolve(log[i], data={"duration": -1.0})
        steps = ps.Session.replay_steps(group, circle, [*log[:i], changed, *log[i + 1 :]])
        yielded = []

        def consume():
            for event, _session in steps:
                yielded.append(event)

        with pytest.raises(ps.LogError) as info:
            consume()
        assert info.value.line == i + 1
        assert yielded == log[:i]
