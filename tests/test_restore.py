"""Restore (a pure fold) and verify (re-enactment): the log is the truth.

A session rebuilt from its log equals the live one; restore runs no policy or
rule code; verify refuses tampered logs and logs today's rules would not write;
logs of peersupport 0.1 upgrade.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import peersupport as ps
from checking import golden
from people import T0, make_group

DATA = Path(__file__).parent / "data" / "log-v1"

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
    return [e.evolve(seq=i) for i, e in enumerate(events)]


def refused_at(group, fmt, events, line):
    """verify refuses ``events`` at ``line``."""
    with pytest.raises(ps.LogError) as info:
        ps.Session.verify(group, fmt, events)
    assert info.value.line == line
    return info.value


def restore_refuses(group, fmt, events, line):
    """restore refuses ``events`` at ``line``."""
    with pytest.raises(ps.LogError) as info:
        ps.Session.restore(group, fmt, events)
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


class TestExactRestore:
    def test_the_restored_session_has_the_group_and_clock_given(self, log, group, circle):
        """restore and verify return a session of that group, on the clock given (if any)."""
        clock = ps.ManualClock(log[-1].time + 5)
        for how in (ps.Session.restore, ps.Session.verify):
            assert how(group, circle, log).group is group
            assert how(group, circle, log, clock=clock).clock is clock
        with pytest.raises(ps.LogError) as info:
            ps.Session.verify(group, circle, [])
        assert str(info.value) == (
            "event log line 1: the log is empty; it must start with an 'opened' event"
        )

    def test_circle_restores_exactly(self, circle_session, group, circle):
        """A sharing circle with almost every kind of event restores to the same state."""
        restored = ps.Session.restore(group, circle, circle_session.events)
        assert restored.state == circle_session.state
        assert restored.events == circle_session.events
        queue = {k for k in K if k.value.startswith(("hand", "point"))}  # tests/test_hands.py
        assert set(K) - {e.kind for e in circle_session.events} == {
            K.INTERJECTED,
            K.CALLED_ON,
            K.RULE_NOTICE,
            K.REFERRED,  # tests/test_safety.py
            K.TIME_TO_CLOSE,  # tests/test_schedule.py
            K.MEETING_OVERRAN,
            K.LISTENING,  # tests/test_practice.py
            K.ITEM_PROPOSED,
            K.AMENDMENT_PROPOSED,  # tests/test_decisions.py
            K.AMENDMENT_DECIDED,
            K.AMENDMENT_WITHDRAWN,
            *queue,
        }
        assert len(queue) == 7

    def test_the_circle_script_writes_its_golden_log(self, make_session, clock):
        """What the engine records, event by event, field by field (tests/data/golden)."""
        golden("circle", list(circle_script(make_session, clock).events))

    def test_the_popcorn_and_cross_talk_scripts_write_their_golden_logs(
        self, make_session, clock, crosstalk
    ):
        golden(
            "popcorn", list(popcorn_script(make_session, clock, make_group(closed=False)).events)
        )
        session, _group = crosstalk_script(make_session, clock, crosstalk)
        golden("crosstalk", list(session.events))

    def test_circle_verifies(self, circle_session, group, circle):
        """Re-enacting the circle's log through today's checks records the same log."""
        verified = ps.Session.verify(group, circle, circle_session.events)
        assert verified.state == circle_session.state
        assert verified.events == circle_session.events

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

    def test_interjections_restore(self, make_session, clock, crosstalk):
        """A session with allowed cross-talk restores and verifies exactly."""
        session, group = crosstalk_script(make_session, clock, crosstalk)
        assert K.INTERJECTED in {e.kind for e in session.events}
        for rebuild in (ps.Session.restore, ps.Session.verify):
            rebuilt = rebuild(group, crosstalk, session.events)
            assert rebuilt.state == session.state
            assert rebuilt.state.interjections == 1

    def test_visitors_and_popcorn_restore(self, make_session, clock, popcorn):
        """Visitors to an open group and popcorn rounds restore and verify exactly."""
        group = make_group(closed=False)
        session = popcorn_script(make_session, clock, group)
        assert session.state.round == 2
        for rebuild in (ps.Session.restore, ps.Session.verify):
            rebuilt = rebuild(group, popcorn, session.events)
            assert rebuilt.state == session.state
            assert rebuilt.state.roles["yu"] is ps.Role.OBSERVER

    def test_a_rollover_is_an_event(self, make_session, clock, popcorn):
        """An automatic round roll-over is recorded, right before the turn that starts it."""
        session = popcorn_script(make_session, clock, make_group(closed=False))
        events = list(session.events)
        i = index_of(events, K.ROUND_STARTED)
        rollover, turn = events[i], events[i + 1]
        assert rollover.actor is None
        assert rollover.data == {"phase": "sharing", "round": 2, "automatic": True}
        assert (turn.kind, turn.member, turn.time) == (K.SHARE_STARTED, "zed", rollover.time)
        # A log cut between the roll-over and its turn restores, but does not re-enact.
        cut = events[: i + 1]
        assert ps.Session.restore(session.group, popcorn, cut).state.round == 2
        with pytest.raises(ps.LogError) as error:
            ps.Session.verify(session.group, popcorn, cut)
        assert error.value.line == i + 1
        assert error.value.problem.endswith(": a round starts by itself only with a turn")

    def test_restore_from_json_lines(self, circle_session, group, circle):
        """A log written to JSON Lines and read back restores to the same state."""
        text = ps.events.dumps(circle_session.events)
        restored = ps.Session.restore(group, circle, ps.events.loads(text))
        assert restored.state == circle_session.state

    def test_restore_after_late_deadlines(self, session, clock, group, circle):
        """A log whose deadlines were applied late by the next action restores exactly."""
        session.advance(by="dee")
        session.start_share("al")
        clock.advance(500)
        session.end_share("al")
        for rebuild in (ps.Session.restore, ps.Session.verify):
            assert rebuild(group, circle, session.events).state == session.state

    def test_restored_session_continues(self, session, group, circle):
        """A restored session continues on a manual clock at the last event's time."""
        session.advance(by="dee")
        restored = ps.Session.restore(group, circle, session.events)
        assert restored.clock.now() == session.events[-1].time
        restored.start_share("al")
        assert restored.state.floor.holder == "al"

    def test_restored_session_takes_a_clock(self, session, group, circle):
        """restore(clock=...) continues with the given clock."""
        clock = ps.ManualClock(T0 + 50)
        restored = ps.Session.restore(group, circle, session.events, clock=clock)
        assert restored.clock is clock
        assert restored.advance(by="dee").time == T0 + 50

    def test_a_cut_log_restores_as_unfinished(self, circle_session, group, circle):
        """A log cut after any event restores as an unfinished session, and says so."""
        log = list(circle_session.events)
        cut = ps.Session.restore(group, circle, log[: len(log) // 2])
        assert cut.state.status is not ps.SessionStatus.ENDED
        assert ps.Session.restore(group, circle, log).state.status is ps.SessionStatus.ENDED


class TestRestoreIsAFold:
    """Restore applies events only: no turn policy or rule code runs."""

    def test_restore_after_a_plugin_changed_its_checks(self, circle_session, group, added):
        """A log restores after a policy's checks changed; verify reports the first difference."""
        log = list(circle_session.events)

        class ChangedItsMind(ps.SeatOrder):
            def check_take_floor(self, session, member, role):
                raise ps.NotYourTurn(member, "start_share", self.name, "changed its mind")

        class NewRelease:
            @ps.hookimpl
            def register_turn_policies(self, register):
                register(ChangedItsMind(), replace=True)

        added(NewRelease(), "new-release")
        circle = ps.formats.get("sharing-circle")  # compiled with the changed policy
        assert isinstance(circle.phases["sharing"].policy, ChangedItsMind)
        assert ps.Session.restore(group, circle, log).state == circle_session.state
        first = index_of(log, K.SHARE_STARTED)
        error = refused_at(group, circle, log, first + 1)
        assert "changed its mind" in error.problem

    def test_another_group_is_refused(self, log, circle):
        """A log of another group with the same ids (other roles) names the group fingerprint."""
        other = make_group(ps.Agreement(share_limit=300.0, warn_at=240.0, may_pass=False))
        error = restore_refuses(other, circle, log, 1)
        assert "another group" in error.problem
        assert other.fingerprint in error.problem

    def test_a_changed_format_is_refused(self, log, group):
        """A format of the same name whose chart changed is refused, naming its fingerprint."""

        class Shorter(ps.FormatChart):
            opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
            closing = ps.Phase("Closing", policy="facilitator-only", final=True)
            advance = opening.to(closing)

        changed = ps.Format.from_chart("sharing-circle", Shorter)
        error = restore_refuses(group, changed, log, 1)
        assert "has changed since the log was written" in error.problem
        assert changed.fingerprint in error.problem

    def test_an_impossible_fact_is_refused(self, log, group, circle):
        """An event that cannot follow the log (a share ending that nobody holds) names its line."""
        i = index_of(log, K.PASSED)
        wrong = log[i].evolve(kind=K.SHARE_ENDED, data={"duration": 1.0})
        error = restore_refuses(group, circle, [*log[:i], wrong, *log[i + 1 :]], i + 1)
        assert "does not hold the floor" in error.problem

    def test_a_round_where_there_are_no_rounds_is_refused(self, log, group, circle):
        """A round started in the opening (no rounds there) names its line and why."""
        i = index_of(log, K.PHASE_ENTERED)
        extra = ps.Event(
            i, log[i - 1].time, K.ROUND_STARTED, "dee", None, {"phase": "opening", "round": 2}
        )
        error = restore_refuses(group, circle, renumber([*log[:i], extra, *log[i:]]), i + 1)
        assert error.problem.endswith("cannot follow the log: there are no rounds in opening")

    def test_leaving_twice_is_refused(self, log, group, circle):
        """A member who leaves again, not present any more, is named with their line."""
        i = index_of(log, K.LEFT)
        again = log[i].evolve(seq=i + 1)
        error = restore_refuses(
            group, circle, renumber([*log[: i + 1], again, *log[i + 1 :]]), i + 2
        )
        assert error.problem.endswith(f"cannot follow the log: {log[i].member} is not present")

    def test_a_share_while_someone_holds_the_floor_is_refused(self, log, group, circle):
        """A second share started while the first goes on names the holder and its line."""
        i = index_of(log, K.SHARE_STARTED)
        again = log[i].evolve(seq=i + 1, member="bo", actor="bo")
        error = restore_refuses(
            group, circle, renumber([*log[: i + 1], again, *log[i + 1 :]]), i + 2
        )
        assert error.problem.endswith(f"cannot follow the log: {log[i].member} holds the floor")

    def test_nothing_after_the_end(self, log, group, circle):
        """Nothing can follow the end of a session, in restore too."""
        extra = ps.Event(len(log), log[-1].time, K.ARRIVED, "ob", "ob")
        restore_refuses(group, circle, [*log, extra], len(log) + 1)


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
        extra = log[i].evolve(seq=i + 1)
        refused_at(group, circle, renumber([*log[: i + 1], extra, *log[i + 1 :]]), i + 2)

    def test_extra_event_after_the_end(self, log, group, circle):
        """Nothing can follow the end of a session."""
        extra = ps.Event(len(log), log[-1].time, K.ARRIVED, "ob", "ob")
        refused_at(group, circle, [*log, extra], len(log) + 1)

    def test_changed_duration(self, log, group, circle):
        """A log with a changed share duration is refused at that line."""
        i = index_of(log, K.SHARE_ENDED)
        changed = log[i].evolve(data={"duration": log[i].data["duration"] + 1})
        error = refused_at(group, circle, [*log[:i], changed, *log[i + 1 :]], i + 1)
        # only the data differ, so the message shows both versions of them
        assert str(error) == (
            "event log line 15: the log has event 14 'share_ended' by al at 1160 s with "
            "{'duration': 131.0} but re-enactment recorded event 14 'share_ended' by al at "
            "1160 s with {'duration': 130.0, 'overtime': 10.0}"
        )

    def test_changed_actor(self, log, group, circle):
        """A share attributed to someone else is refused at that line."""
        i = index_of(log, K.SHARE_STARTED)
        changed = log[i].evolve(actor="bo", member="bo")
        error = refused_at(group, circle, [*log[:i], changed, *log[i + 1 :]], i + 1)
        assert str(error) == (
            "event log line 12: event 11 'share_started' by bo at 1030 s was refused on "
            "re-enactment: bo may not start_share: it is al's turn in round 1 (rule 'seat-order')"
        )

    def test_a_rule_notice_no_rule_gives(self, log, group, circle):
        """A notice no rule of the format gives is refused where it stands."""
        i = index_of(log, K.PASSED)
        notice = ps.Event(i, log[i].time, K.RULE_NOTICE, None, "bo", {"rule": "x"})
        error = refused_at(group, circle, renumber([*log[:i], notice, *log[i:]]), i + 1)
        assert str(error) == (
            "event log line 18: event 17 'rule_notice' for bo at 1160 s: no rule gives such "
            "a notice here"
        )

    def test_an_interjection_today_s_rules_block(self, log, group, circle):
        """Blocked cross-talk recorded as an interjection is refused: it was blocked."""
        i = index_of(log, K.CROSS_TALK_BLOCKED)
        said = log[i].evolve(kind=K.INTERJECTED, data={"holder": log[i].data["holder"]})
        error = refused_at(group, circle, [*log[:i], said, *log[i + 1 :]], i + 1)
        assert str(error) == (
            "event log line 20: event 19 'interjected' by bo at 1170 s was blocked on re-enactment"
        )

    def test_removed_deadline_event(self, log, group, circle):
        """A log with a time warning removed is refused where the warning belongs."""
        i = index_of(log, K.TIME_WARNING)
        refused_at(group, circle, renumber(log[:i] + log[i + 1 :]), i + 1)

    def test_moved_deadline_event(self, log, group, circle):
        """A deadline event stamped at another time is refused."""
        i = index_of(log, K.OVERTIME)
        moved = log[i].evolve(time=log[i].time + 1)
        refused_at(group, circle, [*log[:i], moved, *log[i + 1 :]], i + 1)

    def test_invented_deadline_event(self, session, group, circle):
        """A deadline event where nothing fell due is refused."""
        log = list(session.events)
        data = {"phase": "opening", "budget": 300.0}
        fake = ps.Event(len(log), log[-1].time, K.PHASE_TIME_UP, None, None, data)
        error = refused_at(group, circle, [*log, fake], len(log) + 1)
        assert error.problem.endswith(f": nothing fell due at {log[-1].time:g} s")

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
        assert error.problem == (
            f"the log ends early: event {len(log)} 'phase_time_up' at {up.time:g} s is missing"
        )

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
        extra = log[0].evolve(seq=1, time=log[0].time)
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


class TestRestoreSteps:
    def test_yields_after_every_event(self, log, group, circle):
        """restore_steps yields each event with a view of the session right after it."""
        seen = [
            (event, len(view.events), view.state.time)
            for event, view in ps.Session.restore_steps(group, circle, log)
            if view.events == log[: event.seq + 1]  # the log so far, each view its own
        ]
        assert [event for event, _n, _t in seen] == log
        assert [n for _e, n, _t in seen] == list(range(1, len(log) + 1))
        assert [t for _e, _n, t in seen] == [e.time for e in log]

    def test_views_are_snapshots(self, log, group, circle, circle_session):
        """Each view keeps its own state; the last equals the live session's."""
        views = [view for _event, view in ps.Session.restore_steps(group, circle, log)]
        assert views[0].state.phase == "opening"
        assert views[-1].state == circle_session.state

    def test_steps_show_the_phases(self, log, group, circle):
        """Stepping through shows the phase after each event."""
        phases = []
        for _event, session in ps.Session.restore_steps(group, circle, log):
            if not phases or phases[-1] != session.state.phase:
                phases.append(session.state.phase)
        assert phases == ["opening", "check_in", "sharing"]

    def test_stops_at_the_bad_line(self, log, group, circle):
        """restore_steps yields the good events, then raises LogError at the bad line."""
        i = index_of(log, K.SHARE_ENDED)
        changed = log[i].evolve(member="cy")
        steps = ps.Session.restore_steps(group, circle, [*log[:i], changed, *log[i + 1 :]])
        yielded = []

        def consume():
            for event, _session in steps:
                yielded.append(event)

        with pytest.raises(ps.LogError) as info:
            consume()
        assert info.value.line == i + 1
        assert yielded == log[:i]


class TestUpgrade:
    """Logs written by peersupport 0.1 (log version 1) upgrade by re-enactment."""

    @pytest.mark.parametrize(
        ("log", "group_file", "fmt"),
        [
            ("demo.jsonl", "demo-group.json", "sharing-circle"),
            ("popcorn.jsonl", "popcorn-group.json", "open-sharing"),
        ],
    )
    def test_old_logs_upgrade(self, log, group_file, fmt):
        """An old log upgrades to one that restores and verifies; every old event is kept."""
        group = ps.load_group(DATA / group_file)
        old = ps.events.read_legacy(DATA / log)
        new = ps.events.upgrade(group, ps.formats.get(fmt), DATA / log)
        assert new[0].data["log"] == 2
        kept = [e for e in new if not (e.kind is K.ROUND_STARTED and e.actor is None)]
        assert [(e.kind, e.time, e.actor, e.member) for e in kept] == [
            (e.kind, e.time, e.actor, e.member) for e in old
        ]
        restored = ps.Session.restore(group, ps.formats.get(fmt), new)
        assert restored.state == ps.Session.verify(group, ps.formats.get(fmt), new).state
        assert restored.state.status is ps.SessionStatus.ENDED

    def test_upgrade_records_the_rollovers(self):
        """The popcorn log's two roll-overs, implicit in version 1, become events."""
        group = ps.load_group(DATA / "popcorn-group.json")
        new = ps.events.upgrade(group, ps.formats.get("open-sharing"), DATA / "popcorn.jsonl")
        rounds = [e.data["round"] for e in new if e.kind is K.ROUND_STARTED]
        assert rounds == [2, 3]

    def test_a_current_log_needs_no_upgrade(self, log, group, circle):
        """Upgrading a log of this version says there is nothing to do."""
        with pytest.raises(ps.LogError, match="nothing to upgrade"):
            ps.events.upgrade(group, circle, log)

    @staticmethod
    def refused_upgrade(tmp_path, index, edit) -> ps.LogError:
        """The error of upgrading the demo log with its line ``index`` (0-based) edited."""
        lines = (DATA / "demo.jsonl").read_text(encoding="utf-8").splitlines()
        obj = json.loads(lines[index])
        edit(obj)
        lines[index] = json.dumps(obj)
        path = tmp_path / "edited.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        group = ps.load_group(DATA / "demo-group.json")
        with pytest.raises(ps.LogError) as info:
            ps.events.upgrade(group, ps.formats.get("sharing-circle"), path)
        return info.value

    def test_an_edited_old_log_is_refused(self, tmp_path):
        """An old log that does not re-enact names its line."""

        def later(obj):
            obj["time"] += 0.5

        assert self.refused_upgrade(tmp_path, 20, later).line in (21, 22)

    def test_an_old_log_with_other_data_is_refused(self, tmp_path):
        """An old event whose data re-enactment does not record names its line and both."""

        def other_version(obj):
            assert obj["kind"] == "consented"
            obj["data"]["version"] = 2

        error = self.refused_upgrade(tmp_path, 21, other_version)
        assert error.line == 22
        assert str(error).endswith(
            "with {'version': 2} but re-enactment recorded event "
            "21 'consented' by flo at 409 s with {'version': 1}"
        )

    @pytest.mark.parametrize(
        ("field", "value", "logged"),
        [
            ("time", 510.0, "'time_warning' for di at 510 s"),
            ("member", "al", "'time_warning' for al at 509 s"),
        ],
    )
    def test_an_old_warning_moved_is_refused(self, tmp_path, field, value, logged):
        """An engine's old warning at another time, or for another member, names its line."""

        def move(obj):
            assert obj["kind"] == "time_warning"
            obj[field] = value

        error = self.refused_upgrade(tmp_path, 24, move)
        assert error.line == 25
        assert str(error).endswith(
            f"the log has event 24 {logged} but re-enactment recorded "
            "event 24 'time_warning' for di at 509 s"
        )

    def test_the_command_line_upgrades(self, tmp_path):
        """peersupport upgrade writes the new log, which peersupport replay accepts."""
        out = tmp_path / "new.jsonl"
        group = str(DATA / "demo-group.json")
        run = [sys.executable, "-m", "peersupport.cli"]
        done = subprocess.run(
            [*run, "upgrade", str(DATA / "demo.jsonl"), "--group", group, "-o", str(out)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert "log version 2" in done.stdout
        replay = subprocess.run(
            [*run, "replay", str(out), "--group", group], capture_output=True, text=True
        )
        assert replay.returncode == 0, replay.stderr


class TestDeprecatedNames:
    def test_replay_warns_and_verifies(self, log, group, circle, circle_session):
        """Session.replay still works, as verify, with a DeprecationWarning."""
        with pytest.warns(DeprecationWarning, match="Session.restore"):
            replayed = ps.Session.replay(group, circle, log)
        assert replayed.state == circle_session.state

    def test_replay_steps_warns(self, log, group, circle):
        """Session.replay_steps still works, as restore_steps, with a DeprecationWarning."""
        with pytest.warns(DeprecationWarning, match="restore_steps"):
            steps = list(ps.Session.replay_steps(group, circle, log))
        assert len(steps) == len(log)

    @pytest.mark.parametrize("module", ["model", "session", "floor", "rules", "format", "state"])
    def test_old_modules_warn(self, module):
        """The old module paths still import, with a DeprecationWarning naming the new one."""
        code = f"import peersupport.{module}"
        done = subprocess.run(
            [sys.executable, "-W", "error::DeprecationWarning", "-c", code],
            capture_output=True,
            text=True,
        )
        assert done.returncode != 0
        assert "is deprecated: use peersupport." in done.stderr
