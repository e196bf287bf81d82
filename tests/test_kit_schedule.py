"""The conformance kit covers the meeting's time (issue 13, item 3).

A session may be opened with a scheduled end: ``opened`` records it with the
time-to-close notice, budgets shrink in proportion when the meeting runs late
(``budget`` in ``phase_entered``), and ``time_to_close`` and ``meeting_overran``
fall due, while paused too. The kit's sessions sometimes have a schedule, and its
model predicts all of that with its own reading of the rule. Here: the machine
reaches the schedule's deadlines while paused too (that every installed format
passes the kit with schedules drawn, and reaches them, is checked with the rest of
its practice in ``tests/test_kit_practice.py``), ``reach`` and ``check_actions`` pass a schedule on,
and engines broken about the meeting's time make the kit fail naming ``[schedule]``
or ``[deadlines]``. (A plugin cannot touch the schedule: rules give share limits
and notices, policies decide turns; so the broken engines are monkeypatched.)
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import attrs
import pytest

import peersupport as ps
from checking import first_violation, until_seen
from peersupport.engine import deadlines, schedule
from peersupport.engine.state import SessionState, SessionStatus
from peersupport.events import EventData
from peersupport.testing import (
    Action,
    ConformanceError,
    SessionModel,
    check_actions,
    machine_for,
    reach,
)
from people import T0, make_group

# the kit's random sessions check the kit and the formats; tracing them only slows them
pytestmark = pytest.mark.kit

K = ps.EventKind
FORMATS = ps.formats.names()


def violation(format_name: str = "sharing-circle") -> str:
    """Run the kit on ``format_name`` until it fails; return the invariant it reports broken."""
    return first_violation(format_name)


def test_the_schedule_falls_due_while_paused() -> None:
    """The machine reaches time_to_close and meeting_overran in a paused session too."""
    seen: Counter[str] = Counter()

    class Watched(machine_for("twelve-step")):  # type: ignore[misc]
        def teardown(self) -> None:
            paused = False
            for e in self.h.session.events:
                paused = e.kind is K.PAUSED or (paused and e.kind is not K.RESUMED)
                seen[e.kind.value] += paused
            super().teardown()

    until_seen(Watched, seen, ["time_to_close", "meeting_overran"], examples=60)


def test_reach_and_check_actions_pass_the_schedule_on() -> None:
    """reach() opens with the schedule; check_actions folds a late meeting through the model."""
    group = make_group()
    session = reach(
        "sharing-circle", group, phase="sharing", clock=ps.ManualClock(T0), ends_at=T0 + 1800.0
    )
    assert session.events[0].data["ends_at"] == T0 + 1800.0
    assert session.state.phase_budget is not None
    assert session.state.phase_budget < 45 * 60
    arrivals = [Action(name, m.id) for m in group.members for name in ("arrive", "consent")]
    late = [*arrivals, Action("advance", by="dee"), Action.wait(1700.0), Action.wait(200.0)]
    harness = check_actions(
        group, ps.formats.get("sharing-circle"), late, start=T0, ends_at=T0 + 1800.0
    )
    kinds = [e.kind for e in harness.session.events]
    assert K.TIME_TO_CLOSE in kinds
    assert K.MEETING_OVERRAN in kinds
    assert harness.session.state.overran


def test_the_model_predicts_the_opened_schedule() -> None:
    """A log that records no shortened budget, or another scheduled end, breaks [schedule]."""
    group, fmt = make_group(), ps.formats.get("sharing-circle")
    session = ps.Session(group, fmt, clock=ps.ManualClock(T0), ends_at=T0 + 1200.0)
    opened = session.events[0]
    SessionModel(group, fmt, ends_at=T0 + 1200.0).apply(opened)
    for model, data in (
        (SessionModel(group, fmt, ends_at=T0 + 1200.0), {"budget": 300}),
        (SessionModel(group, fmt, ends_at=T0 + 1260.0), {}),
        (SessionModel(group, fmt), {}),
    ):
        event = ps.Event(0, opened.time, K.OPENED, None, None, EventData({**opened.data, **data}))
        with pytest.raises(ConformanceError, match=r"^\[schedule\]"):
            model.apply(event)


class TestTheKitCatchesBrokenTime:
    """Engines broken about the meeting's time make the kit fail, naming the invariant."""

    def test_budgets_that_do_not_shrink(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The format's budget holds however late the meeting runs: [schedule]."""
        monkeypatch.setattr(schedule, "adapted_budget", lambda *args: None)
        assert violation() == "schedule"

    def test_time_to_close_a_minute_late(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The time-to-close notice falls due a minute after its moment: [deadlines]."""
        original = schedule.meeting_deadline

        def late(live: Any) -> Any:
            found = original(live)
            if found is not None and found[1] == "time-to-close":
                return (found[0] + 60.0, *found[1:])
            return found

        monkeypatch.setattr(deadlines, "meeting_deadline", late)
        assert violation() == "deadlines"

    def test_no_meeting_deadlines_while_paused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A pause stops the meeting's clock too: [deadlines]."""
        original = schedule.meeting_deadline

        def stopped(live: Any) -> Any:
            return None if live.status is SessionStatus.PAUSED else original(live)

        monkeypatch.setattr(deadlines, "meeting_deadline", stopped)
        assert violation("twelve-step") == "deadlines"

    def test_time_left_is_the_notice(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """time_to_close records the notice, not the time left (late if due at the opening)."""
        original = schedule.meeting_event

        def notice(live: Any, kind: str, at: float) -> Any:
            found = original(live, kind, at)
            if kind == "time-to-close":
                return found[0], EventData(left=live.close_notice)
            return found

        monkeypatch.setattr(deadlines, "meeting_event", notice)
        assert violation("orientation") == "schedule"

    def test_an_overrun_the_state_forgets(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """meeting_overran is recorded, but the session's state says it did not overrun."""
        original: property = vars(ps.Session)["state"]

        def forgets(session: ps.Session) -> SessionState:
            state: SessionState = original.__get__(session)
            return attrs.evolve(state, overran=False)

        monkeypatch.setattr(ps.Session, "state", property(forgets))
        assert violation() == "schedule"

    def test_a_plan_that_counts_the_phase_twice(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """time_plan() counts the current phase's budget among the phases after it."""
        original = ps.Session.time_plan

        def plan(session: ps.Session) -> schedule.TimePlan:
            found = original(session)
            return attrs.evolve(found, planned=schedule.planned(session.format, found.phase))

        monkeypatch.setattr(ps.Session, "time_plan", plan)
        assert violation() == "schedule"
