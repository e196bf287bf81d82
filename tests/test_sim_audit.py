"""The metrics of random real sessions agree with the log and the engine, whatever happened.

Random sessions of every format (played forward to a random phase, then random
actions: pauses, departures and returns, late arrivals and visitors, closed
rounds, hard caps, amendments) are measured with ``sim.log_metrics``; each metric
is checked against an independent reading of the log or the engine's own state.
"""

from __future__ import annotations

import contextlib
import math

import pytest
from hypothesis import event, given, reject, settings
from hypothesis import strategies as st

sim = pytest.importorskip("peersupport.sim", reason="needs the sim extra: python3 dev.py test-sim")

import peersupport as ps  # noqa: E402
from peersupport.testing import ReachError, action_sequences, groups, reach  # noqa: E402
from peersupport.testing.strategies import OUTSIDERS  # noqa: E402

pytestmark = pytest.mark.sim
K = ps.EventKind


@st.composite
def sessions(draw: st.DrawFn) -> ps.Session:
    """A random ended session of a random format and open or closed group."""
    fmt = ps.formats.get(draw(st.sampled_from(ps.formats.names())))
    group = draw(groups(min_facilitators=fmt.facilitators))
    late = draw(st.lists(st.sampled_from([m.id for m in group.members]), unique=True, max_size=2))
    present = [m.id for m in group.members if m.id not in late]
    if not group.closed:
        present += draw(st.lists(st.sampled_from(OUTSIDERS), unique=True, max_size=1))
    try:
        session = reach(
            fmt,
            group,
            phase=draw(st.sampled_from(list(fmt.phases))),
            turns=draw(st.integers(0, 5)),
            present=present,
            clock=ps.ManualClock(0.0),
        )
    except ReachError:
        reject()
    clock = session.clock
    assert isinstance(clock, ps.ManualClock)
    seconds = st.sampled_from([0.0, 30.0, 90.0, 400.0])
    leavers = draw(st.lists(st.sampled_from(present), unique=True, max_size=2))
    for member in [*late, *leavers]:  # late arrivals, departures and returns
        clock.advance(draw(seconds))
        with contextlib.suppress(ps.ActionRejected):
            if session.is_present(member):
                session.leave(member)
                if not draw(st.booleans()):
                    continue
                clock.advance(draw(seconds))
            session.arrive(member)
            session.consent(member)
    for step in draw(action_sequences(group, fmt, max_size=30)):
        with contextlib.suppress(ps.ActionRejected, ValueError):
            step.perform(session)
    chair = next(m.id for m in group.facilitators)
    with contextlib.suppress(ps.ActionRejected):
        if not session.is_present(chair):
            session.arrive(chair)
            session.consent(chair)
        if session.state.status is ps.SessionStatus.PAUSED:
            session.resume(by=chair)
        session.end(by=chair)
    return session


@settings(max_examples=60, deadline=None)
@given(sessions())
def test_every_metric_agrees_with_the_log(session: ps.Session) -> None:
    """Totals, waits, overruns and inequality measures, each read again from the log."""
    events = session.events
    event("paused" if any(e.kind is K.PAUSED for e in events) else "not paused")
    event("left" if any(e.kind is K.LEFT for e in events) else "nobody left")
    event("time up" if any(e.kind is K.PHASE_TIME_UP for e in events) else "no time up")
    metrics, rows = sim.log_metrics(session.group, session.format, events)
    state = session.state
    measured = {r["member"] for r in rows}
    assert all(state.roles[m] in (ps.Role.MEMBER, ps.Role.NEWCOMER) for m in measured)
    assert metrics["members_present"] == len(rows)
    # Totals are the engine's own, over the members measured.
    assert metrics["shares"] == sum(state.shares.get(m, 0) for m in measured)
    assert metrics["passes"] == sum(state.passes.get(m, 0) for m in measured)
    assert math.isclose(
        metrics["speaking_time"], math.fsum(state.speaking_time.get(m, 0.0) for m in measured)
    )
    # Waits: from the first arrival to the first share, never negative.
    for row in rows:
        arrived = min(e.time for e in events if e.kind is K.ARRIVED and e.member == row["member"])
        assert row["arrived_at"] == arrived
        wait = row["first_share_wait"]
        assert math.isnan(wait) == (row["shares"] == 0)
        assert math.isnan(wait) or wait >= 0
    # Overruns: exactly the phases whose budget ran out (the engine logged phase_time_up)
    # and that then went on for a while; a pause moves the budget, as in the engine.
    time_ups = sum(1 for e in events if e.kind is K.PHASE_TIME_UP)
    assert metrics["phase_overruns"] <= time_ups
    assert metrics["overrun_seconds"] >= 0
    assert (metrics["phase_overruns"] == 0) == (metrics["overrun_seconds"] == 0)
    # Inequality over everyone measured, zeros included.
    times = [r["speaking_time"] for r in rows]
    assert metrics["gini_speaking"] == sim.gini(times) or math.isnan(metrics["gini_speaking"])
    assert metrics["duration"] == events[-1].time - events[0].time
