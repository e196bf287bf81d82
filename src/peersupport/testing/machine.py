"""The base of the conformance state machine: its session, its setup, time, and its checks.

:class:`SessionMachine` holds what every rule of
:class:`~peersupport.testing.stateful.SessionConformance` acts on (a
:class:`~peersupport.testing.harness.SessionHarness` and its
:class:`~peersupport.testing.meeting.Meeting`), opens a session of a random
group, lets time pass, and checks every invariant after each step.
"""

from __future__ import annotations

from typing import Any, ClassVar

import hypothesis.strategies as st
from hypothesis import note
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from peersupport import formats
from peersupport.engine.format import Format
from peersupport.engine.policies import Speakers
from peersupport.engine.state import SessionStatus
from peersupport.testing.harness import SessionHarness
from peersupport.testing.meeting import Meeting, path
from peersupport.testing.probes import probe
from peersupport.testing.strategies import (
    OUTSIDERS,
    STEPS,
    Action,
    actions,
    groups,
    schedules,
)
from peersupport.values import Group

__all__ = ["SessionMachine", "running"]

#: Offsets from a deadline the clock jumps to: just before, at, just after, well after.
_OFFSETS = (-60.0, -0.5, 0.0, 0.0, 0.5, 30.0)
#: Offsets from a meeting's scheduled end the clock moves to: around the default
#: notice, a minute before, at, after.
_MEETING_OFFSETS = (-300.5, -300.0, -60.0, -0.5, 0.0, 0.5, 600.0)


def running(machine: SessionMachine) -> bool:
    """Whether the machine's session has not ended."""
    return machine.h.session.status is not SessionStatus.ENDED


class SessionMachine(RuleBasedStateMachine):
    """Random sessions of one registered format: the session, its setup, time and checks.

    Attributes:
        format_name: Name of the registered format to run.
        max_group_size: Most members in the random groups.
    """

    format_name: ClassVar[str] = ""
    max_group_size: ClassVar[int] = 6

    def __init__(self) -> None:
        super().__init__()
        if not self.format_name:
            raise TypeError(f"{type(self).__name__} needs a format_name (or use machine_for(name))")
        self.fmt: Format = formats.get(self.format_name)
        self.h: SessionHarness
        self.meeting: Meeting
        #: Ids of the facilitators (the chair first), and of everyone then the outsiders.
        self.leads: list[str] = []
        self.people: list[str] = []
        #: Any action, valid or not, by anyone (set when the session opens).
        self.anything: st.SearchStrategy[Action]
        #: Length of the log when the session was last probed.
        self.probed = -1
        #: How many times a session was probed (which accepted attempt to try).
        self.probes = 0

    # -------------------------------------------------------------- helpers

    @property
    def group(self) -> Group:
        """The group of the current session."""
        return self.h.group

    def present_ids(self) -> list[str]:
        """Ids of the people present, in seat order."""
        return list(self.h.session.present)

    def chair(self) -> str | None:
        """The first facilitator present, if any."""
        return self.meeting.chair()

    def act(
        self, name: str, member: str | None = None, by: str | None = None, **options: Any
    ) -> None:
        """Perform one action through the harness (which checks it)."""
        self.h.act(Action(name, member, by, tuple(sorted(options.items()))))

    def start(self, group: Group, start: float, data: st.DataObject) -> None:
        """Open a new session of ``group`` at ``start`` (a harness and its meeting).

        About half the time the meeting has a scheduled end (see :func:`schedules`).
        """
        drawn = data.draw(schedules(self.fmt, start), label="schedule")
        ends_at, notice = (None, None) if drawn is None else drawn
        self.h = SessionHarness(
            group, self.fmt, start=start, log=note, ends_at=ends_at, close_notice=notice
        )
        self.meeting = Meeting(self.h, self.leads)
        self.probed = -1

    def draw_by(self, data: st.DataObject, *, usually: str | None) -> str | None:
        """Who acts: mostly ``usually``, often a facilitator, sometimes anyone."""
        choices: list[str | None] = [usually, usually, usually, *self.leads, *self.people]
        return data.draw(st.sampled_from(choices), label="by")

    # -------------------------------------------------------------- setup

    @initialize(
        data=st.data(),
        start=st.sampled_from([0.0, 1000.0]),
        warm=st.sampled_from([True, True, True, False]),
    )
    def open_session(self, data: st.DataObject, start: float, warm: bool) -> None:
        """Open a session of a random group; usually people arrive, consent and it moves on."""
        group = data.draw(
            groups(min_facilitators=self.fmt.facilitators, max_size=self.max_group_size),
            label="group",
        )
        self.leads = [m.id for m in group.facilitators]
        self.start(group, start, data)
        self.people = [m.id for m in group.members] + list(OUTSIDERS)
        self.anything = actions(group, self.fmt).filter(
            lambda a: a.name != "end" or a.by not in self.leads  # ending is final: keep it rare
        )
        note(f"{self.fmt.name}: {group.agreement.settings()} closed={group.closed} warm={warm}")
        if warm:
            self.warm_up(data)

    def warm_up(self, data: st.DataObject) -> None:
        """People arrive and consent; the chair moves along the chart to a random phase.

        A quarter of the time the chair skips there at once (``skip_to``) if it is
        two or more phases ahead.
        """
        arrivals = data.draw(
            st.lists(st.sampled_from([m.id for m in self.group.members]), unique=True, min_size=2),
            label="arrivals",
        )
        for member in dict.fromkeys([*self.leads, *arrivals]):
            self.act("arrive", member)
            self.act("consent", member)
        # Mostly phases where members take turns, where rules apply and where hands
        # are raised: that is where fairness is at stake.
        declared = self.h.model.declared
        phases = list(self.fmt.phases)
        turns = [p for p in phases if declared[p].speakers is not Speakers.FACILITATORS]
        ruled = [p for p in phases if self.fmt.phases[p].rules]
        queues = [p for p in phases if declared[p].queue]
        agenda = [p for p in phases if self.fmt.phases[p].agenda]  # SMART's agenda setting
        target = data.draw(
            st.sampled_from(phases + turns * 3 + ruled * 3 + queues * 6 + agenda * 6),
            label="warm-up to",
        )
        chair = self.leads[0]
        steps = path(self.fmt, self.fmt.initial, target)
        if len(steps) > 1 and data.draw(st.sampled_from([False, False, False, True]), label="skip"):
            self.meeting.close_round(chair)
            self.act("skip_to", by=chair, to=target)  # straight there, past phases
            if self.h.model.phase == target:
                return
        for step in steps:
            self.meeting.close_round(chair)
            self.act("advance", by=chair, to=step)

    @precondition(lambda self: not running(self))
    @rule(data=st.data())
    def next_meeting(self, data: st.DataObject) -> None:
        """After the end, the group meets again: a new session, later the same day."""
        start = self.h.clock.now() + 600.0
        note(f"the group meets again at {start:g}")
        self.start(self.group, start, data)
        self.warm_up(data)

    # -------------------------------------------------------------- time

    @rule(due_first=st.booleans())
    def apply_due_first(self, due_first: bool) -> None:
        """Call apply_due() before each action (the documented way), or let actions do it."""
        self.h.due_first = due_first
        note(f"apply_due before each action: {due_first}")

    @rule(seconds=st.sampled_from(STEPS), apply=st.booleans())
    def tick(self, seconds: float, apply: bool) -> None:
        """Time passes; maybe the app applies what fell due."""
        self.h.wait(seconds, apply=apply)

    @precondition(lambda self: running(self) and self.h.session.next_deadline() is not None)
    @rule(offset=st.sampled_from(_OFFSETS), apply=st.booleans())
    def jump_to_deadline(self, offset: float, apply: bool) -> None:
        """The clock jumps to just before, at or after the next deadline."""
        deadline = self.h.session.next_deadline()
        assert deadline is not None
        note(f"next deadline: {deadline}")
        self.h.set_time(deadline.at + offset, apply=apply)

    @precondition(lambda self: running(self) and self.h.model.spec.budget is not None)
    @rule(
        before=st.sampled_from([900.0, 600.0, 60.0, 30.0, 0.5, 0.0]),
        apply=st.booleans(),
        in_force=st.booleans(),
    )
    def time_runs_short(self, before: float, apply: bool, in_force: bool) -> None:
        """The clock moves to near the end of the phase's budget (reserved time, time up).

        The budget the format plans, or the one in force (shorter if the meeting runs late).
        """
        model = self.h.model
        budget = model.budget if in_force else model.spec.budget
        assert budget is not None
        note(f"{before:g} s before the end of {model.phase}'s budget of {budget:g} s")
        self.h.set_time(model.phase_start + budget - before, apply=apply)

    @precondition(lambda self: running(self) and self.h.model.ends_at is not None)
    @rule(offset=st.sampled_from(_MEETING_OFFSETS), apply=st.booleans())
    def meeting_runs_late(self, offset: float, apply: bool) -> None:
        """The clock moves to near the meeting's time-to-close notice or its scheduled end."""
        model = self.h.model
        assert model.ends_at is not None
        note(f"{offset:g} s from the meeting's scheduled end at {model.ends_at:g} s")
        self.h.set_time(model.ends_at + offset, apply=apply)

    # -------------------------------------------------------------- invariants

    @invariant()
    def session_matches_model(self) -> None:
        """The session's state (floor, round, counts, timers) is the model's."""
        self.h.check_model()

    @invariant()
    def the_time_plan_is_the_models(self) -> None:
        """The time plan (left of the meeting, of the phase, planned after it) is the model's."""
        self.h.check_time_plan()

    @invariant()
    def one_present_participant_holds_the_floor(self) -> None:
        """At most one holder, present, never an observer."""
        self.h.check_floor()

    @invariant()
    def nobody_is_twice_in_the_queue(self) -> None:
        """One entry per person in the queue of raised hands; nobody holding the floor in it."""
        self.h.check_hands()

    @invariant()
    def who_had_their_turn_is_not_offered_the_floor(self) -> None:
        """Nobody who shared or passed in this round is offered the floor again."""
        self.h.check_offers()

    @invariant()
    def events_are_numbered_and_ordered(self) -> None:
        """Events are numbered from 0 and never go back in time."""
        self.h.check_events()

    @invariant()
    def restore_is_exact(self) -> None:
        """Restoring the log (a fold) gives the same events and state."""
        self.h.check_restore()

    @invariant()
    def the_log_re_enacts(self) -> None:
        """Re-enacting the log through today's checks (verify) accepts it."""
        self.h.check_verify()

    @invariant()
    def json_lines_round_trip(self) -> None:
        """The JSON Lines log reads back unchanged."""
        self.h.check_json_lines()

    @invariant()
    def every_predicted_refusal_is_refused(self) -> None:
        """What the model says the session must refuse now, it refuses (and one it accepts)."""
        count = len(self.h.session.events)
        if count != self.probed:
            self.probed = count
            self.probes += 1
            probe(self.h, self.probes)
