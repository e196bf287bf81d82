"""Trends of a group's feedback and fairness across its stored sessions (ps.trends)."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

import peersupport as ps

pytestmark = pytest.mark.sim

TALKATIVE = {"al": 0.9, "bo": 0.6, "cy": 0.4, "di": 0.2, "ed": 0.1, "fe": 0.05}
WEEK = 7 * 24 * 3600.0
FORM = ps.FeedbackForm(("felt-heard", "time-fair"), min_answers=3)


def simulated_group(store: ps.store.Store) -> ps.Group:
    """Six members as the simulator seats them (facilitator 'fac' first), stored as 'g'."""
    from peersupport import sim

    roles = {ps.Member("fac", "Dee"): ps.Role.FACILITATOR}
    roles |= {ps.Member(m, m.upper()): ps.Role.MEMBER for m in TALKATIVE}
    group = ps.Group("G", roles, agreement=sim.DEFAULT_AGREEMENT, feedback=FORM)
    store.save_group("g", group)
    return group


def week(store: ps.store.Store, sid: str, number: int, present: set[str]) -> list[ps.Event]:
    """A simulated sharing circle of group 'g' in week ``number``, stored; its events."""
    from peersupport import sim

    profiles = [
        sim.MemberProfile(m, talkativeness=t, arrives_at=0.0 if m in present else 1e9)
        for m, t in TALKATIVE.items()
    ]
    result = sim.simulate("sharing-circle", profiles, seed=number)
    events = [
        ps.Event(e.seq, e.time + number * WEEK, e.kind, e.actor, e.member, e.data)
        for e in result.events
    ]
    store.import_jsonl(events, session_id=sid, group_id="g")
    return events


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ps.store.Store]:
    """A SQLite store (the store's own tests cover PostgreSQL; this module needs the sim extra)."""
    with ps.store.SqliteStore(tmp_path / "trends.db") as opened:
        yield opened


@pytest.fixture
def three_weeks(store: ps.store.Store) -> ps.store.Store:
    """w1 (4 answers), w2 (2 answers: hidden), w3 still running; w0 nobody answered."""
    simulated_group(store)
    week(store, "w0", 0, set(TALKATIVE))
    week(store, "w1", 1, set(TALKATIVE))
    week(store, "w2", 2, {"al", "bo", "cy"})
    rng = random.Random(1)
    for member in ("al", "bo", "cy", "di"):
        store.give_feedback("w1", member, {"felt-heard": rng.randint(0, 10), "time-fair": 5})
    for member in ("al", "bo"):
        store.give_feedback("w2", member, {"felt-heard": 9})
    session = ps.Session(store.group("g").group, ps.formats.get("sharing-circle"))
    store.start_session("w3", "g", session.events)  # opened, not ended: left out
    return store


def test_rows_hold_each_ended_sessions_feedback_and_fairness(three_weeks):
    from peersupport import sim

    store = three_weeks
    table = ps.trends.trends(store, "g")
    assert [r.session_id for r in table.rows] == ["w0", "w1", "w2"]
    assert table.questions == ("felt-heard", "time-fair")
    for row in table.rows:
        feedback = store.feedback(row.session_id)
        assert row.respondents == feedback.respondents
        assert row.means == {q.question.id: q.mean for q in feedback.questions}
        group = store.group("g").group
        metrics, _ = sim.log_metrics(
            group, ps.formats.get("sharing-circle"), store.events(row.session_id)
        )
        assert row.members_present == metrics["members_present"]
        assert row.frac_shared == metrics["frac_shared"]
        assert row.gini_speaking == metrics["gini_speaking"]
    w0, w1, w2 = table.rows
    assert (w0.respondents, w0.means) == (0, {"felt-heard": None, "time-fair": None})
    assert w1.means["time-fair"] == 5.0
    assert w1.means["felt-heard"] is not None
    assert (w2.respondents, w2.means["felt-heard"], w2.members_present) == (2, None, 3)


def test_rows_and_frame_follow_the_columns(three_weeks):
    table = ps.trends.trends(three_weeks, "g")
    rows = table.to_rows()
    assert table.columns == (
        "session_id", "opened_at", "format", "respondents", "felt-heard", "time-fair",
        "members_present", "frac_shared", "gini_speaking",
    )  # fmt: skip
    assert all(len(row) == len(table.columns) for row in rows)
    assert rows[2][4] is None  # w2's felt-heard: 2 answers, below k
    frame = table.to_frame()
    assert list(frame.columns) == list(table.columns)
    assert math.isnan(frame.loc[2, "felt-heard"])
    assert frame.loc[1, "time-fair"] == 5.0


def test_the_form_of_each_version_is_used_and_questions_are_merged(three_weeks):
    store = three_weeks
    group = store.group("g").group
    store.save_group("g", attrs.evolve(group, feedback=ps.FeedbackForm(("felt-safe",))))
    week(store, "w4", 4, set(TALKATIVE))
    table = ps.trends.trends(store, "g")
    assert table.questions == ("felt-heard", "time-fair", "felt-safe")
    assert table.rows[-1].means == {"felt-safe": None}
    assert table.to_rows()[-1][4:7] == (None, None, None)


def test_plot_draws_each_question_and_both_fairness_lines(three_weeks, tmp_path):
    table = ps.trends.trends(three_weeks, "g")
    top, bottom = ps.trends.plot_trends(table)
    assert [line.get_label() for line in top.get_lines()] == ["felt-heard", "time-fair"]
    assert len(bottom.get_lines()) == 2
    assert [t.get_text() for t in bottom.get_xticklabels()] == ["w0", "w1", "w2"]
    hidden = top.get_lines()[0].get_ydata()
    assert math.isnan(hidden[0]) and math.isnan(hidden[2]) and not math.isnan(hidden[1])  # noqa: PT018
    top.figure.savefig(tmp_path / "t.png")
    assert (tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"


def test_an_unknown_group_is_a_store_error(store):
    with pytest.raises(ps.StoreError, match="'nope' is not in the store"):
        ps.trends.trends(store, "nope")
