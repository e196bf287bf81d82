"""The conformance state machine: random sessions of one format, checked after every step.

:class:`SessionConformance` is a hypothesis ``RuleBasedStateMachine`` that runs
a real :class:`peersupport.Session` of one registered format (built-in or from
a plugin) on a manual clock. Its rules act through a
:class:`~peersupport.testing.harness.SessionHarness`: valid and invalid actions
by random people (out of turn, twice in a round, outsiders, without consent,
cross-talk, the wrong phase, facilitators' actions by members, calling on
people), arrivals and departures at any moment, clock jumps across deadlines,
pauses and amendments. Its invariants compare the session with an independent
model after every step.

The simplest use is :func:`peersupport.testing.check_format`. To run the
machine as a ``unittest`` test case instead, pick the format with a class
attribute (or :func:`machine_for`) and give the test case the kit's settings::

    from peersupport.testing import SessionConformance, conformance_settings


    class MyFormatConformance(SessionConformance):
        format_name = "my-format"


    TestMyFormat = MyFormatConformance.TestCase
    TestMyFormat.settings = conformance_settings()
"""

from __future__ import annotations

from typing import Any, ClassVar

import hypothesis.strategies as st
from hypothesis import note
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from peersupport import formats
from peersupport.events import EventKind
from peersupport.format import Format
from peersupport.model import Group
from peersupport.state import SessionStatus
from peersupport.testing.harness import SessionHarness
from peersupport.testing.strategies import (
    OUTSIDERS,
    STEPS,
    Action,
    actions,
    amendments,
    groups,
)

__all__ = ["SessionConformance", "machine_for"]

#: Offsets from a deadline the clock jumps to: just before, at, just after, well after.
_OFFSETS = (-60.0, -0.5, 0.0, 0.0, 0.5, 30.0)


def _running(machine: SessionConformance) -> bool:
    """Whether the machine's session has not ended."""
    return machine.h.session.status is not SessionStatus.ENDED


class SessionConformance(RuleBasedStateMachine):
    """Random sessions of one registered format, checked against an independent model.

    Subclass it and set :attr:`format_name`, or use :func:`machine_for`.

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
        #: Ids of the facilitators (the chair first), and of everyone then the outsiders.
        self.leads: list[str] = []
        self.people: list[str] = []

    # -------------------------------------------------------------- helpers

    @property
    def group(self) -> Group:
        """The group of the current session."""
        return self.h.group

    def _present(self) -> list[str]:
        return list(self.h.session.present)

    def _chair(self) -> str | None:
        """The first facilitator present, if any."""
        present = self.h.session.present
        return next((m for m in self.leads if m in present), None)

    def _act(
        self, name: str, member: str | None = None, by: str | None = None, **options: Any
    ) -> None:
        self.h.act(Action(name, member, by, tuple(sorted(options.items()))))

    def _draw_by(self, data: st.DataObject, *, usually: str | None) -> str | None:
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
        self.h = SessionHarness(group, self.fmt, start=start, log=note)
        self.leads = [m.id for m in group.facilitators]
        self.people = [m.id for m in group.members] + list(OUTSIDERS)
        self._anything = actions(group, self.fmt).filter(
            lambda a: a.name != "end" or a.by not in self.leads  # ending is final: keep it rare
        )
        note(f"{self.fmt.name}: {group.agreement.settings()} closed={group.closed} warm={warm}")
        if warm:
            self._warm_up(data)

    def _warm_up(self, data: st.DataObject) -> None:
        """People arrive and consent; the chair moves along the chart to a random phase."""
        arrivals = data.draw(
            st.lists(st.sampled_from([m.id for m in self.group.members]), unique=True, min_size=2),
            label="arrivals",
        )
        for member in dict.fromkeys([*self.leads, *arrivals]):
            self._act("arrive", member)
            self._act("consent", member)
        # Mostly phases where members take turns and where rules apply: that is
        # where fairness is at stake.
        phases = list(self.fmt.phases)
        turns = [p for p in phases if self.fmt.phases[p].policy.name != "facilitator-only"]
        ruled = [p for p in phases if self.fmt.phases[p].rules]
        target = data.draw(st.sampled_from(phases + turns * 3 + ruled * 3), label="warm-up to")
        chair = self.leads[0]
        for step in _path(self.fmt, self.fmt.initial, target):
            self._close_round(chair)
            self._act("advance", by=chair, to=step)

    @precondition(lambda self: not _running(self))
    @rule(data=st.data())
    def next_meeting(self, data: st.DataObject) -> None:
        """After the end, the group meets again: a new session, later the same day."""
        start = self.h.clock.now() + 600.0
        note(f"the group meets again at {start:g}")
        self.h = SessionHarness(self.group, self.fmt, start=start, log=note)
        self._warm_up(data)

    # -------------------------------------------------------------- anyone acts

    @rule(data=st.data())
    def someone_acts(self, data: st.DataObject) -> None:
        """Anyone tries any action: by outsiders, for others, out of turn, in the wrong phase."""
        self.h.act(data.draw(self._anything, label="action"))

    @precondition(_running)
    @rule(
        data=st.data(),
        name=st.sampled_from(["start_share", "pass_turn", "interject", "leave", "consent"]),
    )
    def present_member_acts(self, data: st.DataObject, name: str) -> None:
        """Someone present shares, passes, interjects, leaves or consents."""
        present = self._present()
        who = data.draw(st.sampled_from(present), label="who") if present else self.leads[0]
        by = data.draw(st.sampled_from([None, None, None, self.leads[0]]), label="by")
        self._act(name, who, by)

    # -------------------------------------------------------------- the meeting goes on

    def _consented(self, member: str) -> None:
        state = self.h.session.state
        if member in state.present and state.consents.get(member) != state.agreement.version:
            self._act("consent", member)

    def _last_speaker(self) -> str | None:
        for event in reversed(self.h.session.events):
            if event.kind in (EventKind.SHARE_STARTED, EventKind.PASSED):
                return event.member
            if event.kind in (EventKind.PHASE_ENTERED, EventKind.OPENED):
                return None
        return None

    def _step(self, *, seconds: float, share: bool, pick: int, eager: bool) -> None:
        """The meeting takes its next ordinary step under the phase's turn policy.

        The holder speaks ``seconds`` (maybe someone interjects) and ends; whoever
        is offered the floor shares (or passes); when the round is done, or in a
        facilitator-only phase once the chair has spoken, the chair moves on;
        otherwise the chair (or under tag the last speaker, unless someone
        volunteers) calls on someone waiting, or someone waiting takes the floor.
        ``pick`` chooses among those waiting; ``eager`` whether the member called
        on takes the floor at once, whether a tagged phase is led by volunteers,
        and whether nobody interjects.
        """
        session = self.h.session
        state = session.state
        floor, present = state.floor, list(state.present)
        if floor.holder is not None:
            others = [m for m in present if m != floor.holder and state.roles[m].takes_turns]
            if others and not eager:  # someone speaks up: cross-talk, or blocked
                self._consented(others[pick % len(others)])
                self._act("interject", others[pick % len(others)])
            self.h.wait(seconds)
            if session.state.floor.holder is not None:
                self._act("end_share", session.state.floor.holder)
            return
        offered = session.offered_to()
        if offered is not None:
            self._consented(offered)
            self._act("start_share" if share else "pass_turn", offered)
            return
        spec = self.h.model.spec
        policy = spec.policy.name
        chair = self._chair()
        done = spec.policy.rounds and floor.complete and not spec.policy.auto_rollover
        if policy == "facilitator-only":  # the chair speaks once, then moves on
            done = not share or self._last_speaker() is not None
        if chair is not None and done:
            self._follow_chart(chair, pick)
            return
        waiting = [m for m in floor.order if m not in floor.had_turn and m in present]
        participants = [m for m in present if state.roles[m].takes_turns]
        pool = waiting or participants or self.leads
        who = pool[pick % len(pool)]
        if policy == "called-on" or (policy == "tag" and not eager):
            last = self._last_speaker()
            caller = chair if policy == "called-on" or last is None or not share else last
            if caller is None:
                self.facilitator_comes_back()
                return
            self._act("call_on", who, caller)
            offered = session.offered_to()
            if offered is not None and eager:
                self._consented(offered)
                self._act("start_share" if share else "pass_turn", offered)
        elif policy == "facilitator-only":
            if chair is not None:
                self._consented(chair)
                self._act("start_share", chair)
            else:
                self.facilitator_comes_back()
        else:
            self._consented(who)
            self._act("start_share" if share else "pass_turn", who)

    @precondition(_running)
    @rule()
    def an_ordinary_step(self) -> None:
        """The meeting moves along: a share of 45 s, the next member shares, the chair moves on."""
        self._step(seconds=45.0, share=True, pick=0, eager=True)

    @precondition(_running)
    @rule(
        seconds=st.sampled_from(STEPS),
        share=st.sampled_from([True, True, True, False]),
        pick=st.integers(0, 7),
        eager=st.booleans(),
    )
    def meeting_goes_on(self, seconds: float, share: bool, pick: int, eager: bool) -> None:
        """The meeting takes its next step: shares of any length, passes, calls, moving on."""
        self._step(seconds=seconds, share=share, pick=pick, eager=eager)

    @precondition(lambda self: _running(self) and bool(self.h.model.had))
    @rule(data=st.data(), share=st.booleans())
    def member_who_had_their_turn_tries_again(self, data: st.DataObject, share: bool) -> None:
        """Someone who already shared or passed in this round tries again."""
        had = sorted(self.h.session.state.floor.had_turn)
        who = data.draw(st.sampled_from(had), label="who")
        by = data.draw(st.sampled_from([None, None, self.leads[0]]), label="by")
        self._act("start_share" if share else "pass_turn", who, by)

    @precondition(lambda self: _running(self) and self.h.session.offered_to() is not None)
    @rule(share=st.sampled_from([True, True, False]), by_chair=st.booleans())
    def offered_member_takes_turn(self, share: bool, by_chair: bool) -> None:
        """The member offered the floor shares or passes (or a facilitator does it for them)."""
        who = self.h.session.offered_to()
        self._act("start_share" if share else "pass_turn", who, self._chair() if by_chair else None)

    @precondition(lambda self: _running(self) and self.h.model.holder is not None)
    @rule(data=st.data())
    def holder_ends_share(self, data: st.DataObject) -> None:
        """The floor holder ends their share (or someone else tries to end it for them)."""
        holder = self.h.session.state.floor.holder
        self._act("end_share", holder, self._draw_by(data, usually=None))

    @precondition(_running)
    @rule()
    def everyone_present_consents(self) -> None:
        """Everyone present consents to the agreement in force."""
        note("everyone present consents")
        for member in self.h.session.state.present:
            self._consented(member)

    @precondition(lambda self: _running(self) and bool(self.h.model.present))
    @rule(data=st.data(), again=st.booleans())
    def member_steps_out_and_back(self, data: st.DataObject, again: bool) -> None:
        """Someone present (maybe the holder, maybe after their turn) leaves and comes back."""
        state = self.h.session.state
        candidates = sorted(state.floor.had_turn & set(state.present)) or list(state.present)
        who = data.draw(st.sampled_from(candidates), label="who")
        self._act("leave", who)
        self._act("arrive", who)
        if again:
            self._act("start_share", who)

    @precondition(_running)
    @rule(data=st.data())
    def someone_calls_on_someone(self, data: st.DataObject) -> None:
        """A facilitator, the last speaker or anyone calls on someone (mostly who is waiting)."""
        state = self.h.session.state
        floor = state.floor
        waiting = [m for m in floor.order if m not in floor.had_turn]
        pool = waiting + waiting + list(state.present) + self.people
        member = data.draw(st.sampled_from(pool), label="member")
        last = self._last_speaker()
        callers = [*self.leads, *self.leads, *([last] * 3 if last else []), *self.people]
        self._act("call_on", member, data.draw(st.sampled_from(callers), label="by"))

    # -------------------------------------------------------------- facilitators

    @precondition(
        lambda self: _running(self) and any(not self.h.session.is_present(m) for m in self.leads)
    )
    @rule()
    def facilitator_comes_back(self) -> None:
        """An absent facilitator arrives (and consents)."""
        note("a facilitator comes back")
        for lead in self.leads:
            if lead not in self.h.session.state.present:
                self._act("arrive", lead)
                self._consented(lead)
                return

    @precondition(_running)
    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        """Someone tries to move to any phase (or the next one, or nowhere)."""
        to = data.draw(st.sampled_from([None, None, *self.fmt.phases, "nowhere"]), label="to")
        by = self._draw_by(data, usually=self._chair())
        self._act("advance", by=by, **({} if to is None else {"to": to}))

    def _close_round(self, chair: str) -> None:
        """The chair ends any share and closes the round if it is open."""
        self._consented(chair)
        state = self.h.session.state
        if state.floor.holder is not None:
            self._act("end_share", state.floor.holder, chair)
        if not self.h.session.state.floor.complete:
            self._act("close_round", by=chair)

    def _follow_chart(self, chair: str, pick: int) -> None:
        """The chair closes the round and takes transition ``pick`` (or ends at the end)."""
        self._close_round(chair)
        targets = [t.target for t in self.h.model.spec.transitions]
        if targets:
            self._act("advance", by=chair, to=targets[pick % len(targets)])
        else:
            self._act("end", by=chair)

    @precondition(_running)
    @rule(pick=st.integers(0, 7))
    def chair_follows_the_chart(self, pick: int) -> None:
        """The chair closes the round and takes a transition of the chart (or ends at the end)."""
        chair = self._chair()
        if chair is None:
            note("no facilitator present to move on")
            return
        self._follow_chart(chair, pick)

    @precondition(_running)
    @rule(
        data=st.data(),
        name=st.sampled_from(["new_round", "close_round", "close_round", "pause", "resume"]),
    )
    def facilitate(self, data: st.DataObject, name: str) -> None:
        """A facilitator (or someone else) starts or closes a round, pauses or resumes."""
        self._act(name, by=self._draw_by(data, usually=self._chair()))

    @precondition(_running)
    @rule(really=st.integers(0, 15), data=st.data())
    def end_session(self, really: int, data: st.DataObject) -> None:
        """Someone tries to end the session (rarely a facilitator: ending is final)."""
        by = self._chair() if really == 0 else data.draw(st.sampled_from(self.people), label="by")
        self._act("end", by=by)

    @precondition(_running)
    @rule(data=st.data())
    def skip(self, data: st.DataObject) -> None:
        """A facilitator moves the round past someone."""
        floor = self.h.session.state.floor
        waiting = [m for m in floor.order if m not in floor.had_turn]
        offered = self.h.session.offered_to()
        pool = waiting + self.people + ([] if offered is None else [offered] * 4)
        who = data.draw(st.sampled_from(pool), label="who")
        self._act("skip", who, self._draw_by(data, usually=self._chair()))

    @precondition(
        lambda self: (
            _running(self) and self._chair() is not None and self.h.session.offered_to() is not None
        )
    )
    @rule()
    def chair_skips_who_is_offered(self) -> None:
        """The member offered the floor stepped out: the chair moves the round past them."""
        self._act("skip", self.h.session.offered_to(), self._chair())

    @precondition(lambda self: _running(self) and self._chair() is not None)
    @rule(seconds=st.sampled_from(STEPS[1:]))
    def safety_break(self, seconds: float) -> None:
        """The chair pauses the session for a while and resumes it."""
        chair = self._chair()
        self._act("pause", by=chair)
        self.h.wait(seconds)
        self._act("resume", by=chair)

    @precondition(_running)
    @rule(data=st.data(), changes=amendments())
    def amend_agreement(self, data: st.DataObject, changes: dict[str, Any]) -> None:
        """A facilitator (or someone else) amends the agreement, validly or not."""
        self._act("amend_agreement", by=self._draw_by(data, usually=self._chair()), **changes)

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

    @precondition(lambda self: _running(self) and self.h.session.next_deadline() is not None)
    @rule(offset=st.sampled_from(_OFFSETS), apply=st.booleans())
    def jump_to_deadline(self, offset: float, apply: bool) -> None:
        """The clock jumps to just before, at or after the next deadline."""
        deadline = self.h.session.next_deadline()
        assert deadline is not None
        note(f"next deadline: {deadline}")
        self.h.set_time(deadline.at + offset, apply=apply)

    # The ordinary flow of a meeting is drawn more often than the other rules.
    meeting_goes_on_2 = meeting_goes_on
    meeting_goes_on_3 = meeting_goes_on

    @precondition(lambda self: _running(self) and self.h.model.spec.budget is not None)
    @rule(before=st.sampled_from([900.0, 600.0, 60.0, 30.0, 0.5, 0.0]), apply=st.booleans())
    def time_runs_short(self, before: float, apply: bool) -> None:
        """The clock moves to near the end of the phase's time budget (reserved time, time up)."""
        model = self.h.model
        assert model.spec.budget is not None
        note(f"{before:g} s before the end of {model.phase}'s budget")
        self.h.set_time(model.phase_start + model.spec.budget - before, apply=apply)

    # -------------------------------------------------------------- invariants

    @invariant()
    def session_matches_model(self) -> None:
        """The session's state (floor, round, counts, timers) is the model's."""
        self.h.check_model()

    @invariant()
    def one_present_participant_holds_the_floor(self) -> None:
        """At most one holder, present, never an observer."""
        self.h.check_floor()

    @invariant()
    def who_had_their_turn_is_not_offered_the_floor(self) -> None:
        """Nobody who shared or passed in this round is offered the floor again."""
        self.h.check_offers()

    @invariant()
    def events_are_numbered_and_ordered(self) -> None:
        """Events are numbered from 0 and never go back in time."""
        self.h.check_events()

    @invariant()
    def replay_is_exact(self) -> None:
        """Replaying the log gives the same events and state."""
        self.h.check_replay()

    @invariant()
    def json_lines_round_trip(self) -> None:
        """The JSON Lines log reads back unchanged."""
        self.h.check_json_lines()


def _path(fmt: Format, start: str, target: str) -> list[str]:
    """Phases to advance through from ``start`` to ``target`` (shortest; empty if none)."""
    before: dict[str, str] = {}
    todo = [start]
    while todo:
        phase = todo.pop(0)
        if phase == target:
            path = []
            while phase != start:
                path.append(phase)
                phase = before[phase]
            return path[::-1]
        for t in fmt.phases[phase].transitions:
            if t.target not in before and t.target != start:
                before[t.target] = phase
                todo.append(t.target)
    return []


_MACHINES: dict[str, type[SessionConformance]] = {}


def machine_for(format_name: str) -> type[SessionConformance]:
    """The conformance state machine for the registered format ``format_name``.

    Args:
        format_name: Name of a registered format.

    Returns:
        A :class:`SessionConformance` subclass; run it with
        ``hypothesis.stateful.run_state_machine_as_test`` or use its ``TestCase``.

    Raises:
        KeyError: If no such format is registered.
    """
    formats.get(format_name)
    found = _MACHINES.get(format_name)
    if found is None:
        title = "".join(part.title() for part in format_name.replace("_", "-").split("-"))
        found = type(f"{title}Conformance", (SessionConformance,), {"format_name": format_name})
        _MACHINES[format_name] = found
    return found
