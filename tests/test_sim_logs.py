"""The simulator's metrics of any log: real sessions, the demo, every format, simulated ones."""

from __future__ import annotations

import math

import pytest

sim = pytest.importorskip("peersupport.sim", reason="needs the sim extra: python3 dev.py test-sim")

import peersupport as ps  # noqa: E402
from peersupport.demo import demo_session  # noqa: E402
from people import BUILTIN_FORMATS  # noqa: E402

pytestmark = pytest.mark.sim


def same(a: object, b: object) -> bool:
    """Equal, counting nan as equal to nan."""
    return a == b or (
        isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
    )


@pytest.mark.parametrize("name", BUILTIN_FORMATS)
def test_a_simulated_log_measures_exactly_as_the_simulator(name):
    """log_metrics of a simulated session's log gives the simulator's own numbers."""
    population = sim.heterogeneous(late=0.3, early=0.2)
    for seed in range(4):
        r = sim.simulate(name, population, members=7, seed=seed)
        metrics, rows = sim.log_metrics(r.session.group, r.session.format, r.events)
        assert list(metrics) == list(sim.SESSION_COLUMNS)
        assert all(same(metrics[k], r.metrics[k]) for k in metrics), (metrics, r.metrics)
        assert len(rows) == len(r.members)
        for row, expected in zip(rows, r.members, strict=True):
            assert math.isnan(row["talkativeness"])
            assert all(same(row[k], expected[k]) for k in row if k != "talkativeness")


def test_the_demo_log():
    """The demo's seeded circle: its members, their shares and time, from the log alone."""
    session = demo_session()
    metrics, rows = sim.log_metrics(session.group, session.format, session.events)
    state = session.state
    measured = [r["member"] for r in rows]
    roles = dict(state.roles)
    assert all(roles[m] in (ps.Role.MEMBER, ps.Role.NEWCOMER) for m in measured)
    assert metrics["members_present"] == len(rows) > 0
    assert metrics["shares"] == sum(state.shares.get(m, 0) for m in measured)
    assert metrics["speaking_time"] == pytest.approx(
        sum(state.speaking_time.get(m, 0.0) for m in measured)
    )
    assert [r["newcomer"] for r in rows] == [roles[m] is ps.Role.NEWCOMER for m in measured]


def test_a_visitor_is_measured_after_the_group_in_arrival_order():
    """In an open group the visitor zed counts after the members, observers and leads not at all."""
    dee, al, bo, ob = (ps.Member(i, i.title()) for i in ("dee", "al", "bo", "ob"))
    group = ps.Group(
        "Open circle",
        {dee: ps.Role.FACILITATOR, al: ps.Role.MEMBER, ob: ps.Role.OBSERVER, bo: ps.Role.NEWCOMER},
        closed=False,
    )
    clock = ps.ManualClock(0.0)
    session = ps.Session(group, ps.formats.get("open-sharing"), clock=clock)
    for m in ("zed", "dee", "bo", "ob", "al"):
        session.arrive(m)
        session.consent(m)
    session.advance(by="dee", to="sharing")
    session.start_share("zed")
    clock.advance(100)
    session.end_share("zed")
    session.end(by="dee")
    metrics, rows = sim.log_metrics(group, session.format, session.events)
    assert [(r["member"], r["seat"], r["newcomer"]) for r in rows] == [
        ("al", 0, False),
        ("bo", 1, True),
        ("zed", 2, True),  # a visitor takes part as a newcomer
    ]
    assert metrics["top_share"] == 1.0
    assert metrics["frac_shared"] == pytest.approx(1 / 3)


def test_tables_of_a_groups_sessions():
    """log_tables: one row per session with its number and opening time, member rows beside."""
    results = [
        sim.simulate("sharing-circle", sim.homogeneous(), members=5, seed=s) for s in range(3)
    ]
    group, fmt = results[0].session.group, results[0].session.format
    sessions, members = sim.log_tables(group, fmt, [r.events for r in results])
    assert sessions["session"].tolist() == [0, 1, 2]
    assert list(sessions.columns) == ["session", "opened_at", *sim.SESSION_COLUMNS]
    assert sessions["gini_speaking"].tolist() == [r.metrics["gini_speaking"] for r in results]
    assert len(members) == sum(len(r.members) for r in results)
    assert list(members.columns) == ["session", *sim.MEMBER_COLUMNS]


def test_a_log_that_does_not_restore_is_refused():
    """A log of another group is refused with the restore's LogError."""
    r = sim.simulate("sharing-circle", sim.homogeneous(), members=5, seed=1)
    other = sim.simulate("sharing-circle", sim.homogeneous(), members=6, seed=1).session.group
    with pytest.raises(ps.LogError, match="group"):
        sim.log_metrics(other, r.session.format, r.events)
