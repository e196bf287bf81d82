"""The conformance state machine: random sessions of one format, checked after every step.

:class:`SessionConformance` is a hypothesis ``RuleBasedStateMachine`` that runs
a real :class:`peersupport.Session` of one registered format (built-in or from
a plugin) on a manual clock. Its rules act through a
:class:`~peersupport.testing.harness.SessionHarness`: valid and invalid actions
by random people (out of turn, twice in a round, outsiders, without consent,
cross-talk, the wrong phase, facilitators' actions by members, calling on
people), arrivals and departures at any moment, clock jumps across deadlines,
pauses and amendments, hands raised, lowered, moved and cleared, and points of
process. Its invariants compare the session with an independent
model after every step. Its base, :class:`~peersupport.testing.machine.SessionMachine`,
opens the session, lets time pass and holds the invariants; the ordinary flow of
a meeting is :class:`~peersupport.testing.meeting.Meeting`.

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

from typing import Any

import hypothesis.strategies as st
from hypothesis import note
from hypothesis.stateful import precondition, rule

from peersupport import formats
from peersupport.testing.machine import running
from peersupport.testing.practicemachine import REASONS, PracticeRules
from peersupport.testing.strategies import OUTCOMES, POSITIONS, STEPS, amendments

__all__ = ["SessionConformance", "machine_for"]


class SessionConformance(PracticeRules):
    """Random sessions of one registered format, checked against an independent model.

    Subclass it and set :attr:`format_name`, or use :func:`machine_for`.

    Attributes:
        format_name: Name of the registered format to run.
        max_group_size: Most members in the random groups.
    """

    # -------------------------------------------------------------- anyone acts

    @rule(data=st.data())
    def someone_acts(self, data: st.DataObject) -> None:
        """Anyone tries any action: by outsiders, for others, out of turn, in the wrong phase."""
        self.h.act(data.draw(self.anything, label="action"))

    @precondition(running)
    @rule(
        data=st.data(),
        name=st.sampled_from(["start_share", "pass_turn", "interject", "leave", "consent"]),
    )
    def present_member_acts(self, data: st.DataObject, name: str) -> None:
        """Someone present shares, passes, interjects, leaves or consents."""
        present = self.present_ids()
        who = data.draw(st.sampled_from(present), label="who") if present else self.leads[0]
        by = data.draw(st.sampled_from([None, None, None, self.leads[0]]), label="by")
        self.act(name, who, by)

    # -------------------------------------------------------------- the meeting goes on

    def consented(self, member: str) -> None:
        """``member`` consents to the agreement in force if they have not yet."""
        self.meeting.consented(member)

    def step(self, *, seconds: float, share: bool, pick: int, eager: bool) -> None:
        """The meeting takes its next ordinary step (see :meth:`Meeting.step`)."""
        self.meeting.step(seconds=seconds, share=share, pick=pick, eager=eager)

    @precondition(running)
    @rule()
    def an_ordinary_step(self) -> None:
        """The meeting moves along: a share of 45 s, the next member shares, the chair moves on."""
        self.step(seconds=45.0, share=True, pick=0, eager=True)

    @precondition(running)
    @rule(
        seconds=st.sampled_from(STEPS),
        share=st.sampled_from([True, True, True, False]),
        pick=st.integers(0, 7),
        eager=st.booleans(),
    )
    def meeting_goes_on(self, seconds: float, share: bool, pick: int, eager: bool) -> None:
        """The meeting takes its next step: shares of any length, passes, calls, moving on."""
        self.step(seconds=seconds, share=share, pick=pick, eager=eager)

    @precondition(lambda self: running(self) and bool(self.h.model.had))
    @rule(data=st.data(), share=st.booleans())
    def member_who_had_their_turn_tries_again(self, data: st.DataObject, share: bool) -> None:
        """Someone who already shared or passed in this round tries again."""
        had = sorted(self.h.session.state.floor.had_turn)
        who = data.draw(st.sampled_from(had), label="who")
        by = data.draw(st.sampled_from([None, None, self.leads[0]]), label="by")
        self.act("start_share" if share else "pass_turn", who, by)

    @precondition(lambda self: running(self) and self.h.model.last is not None)
    @rule(share=st.booleans(), new_round=st.booleans())
    def last_speaker_tries_again(self, share: bool, new_round: bool) -> None:
        """Whoever spoke last tries again: right away, or after the chair starts a new round."""
        last = self.h.session.state.floor.last
        chair = self.chair()
        if new_round and chair is not None:
            self.meeting.close_round(chair)
            self.act("new_round", by=chair)
        assert last is not None
        self.consented(last)
        self.act("start_share" if share else "pass_turn", last)

    @precondition(lambda self: running(self) and self.h.session.offered_to() is not None)
    @rule(share=st.sampled_from([True, True, False]), by_chair=st.booleans())
    def offered_member_takes_turn(self, share: bool, by_chair: bool) -> None:
        """The member offered the floor shares or passes (or a facilitator does it for them)."""
        who = self.h.session.offered_to()
        self.act("start_share" if share else "pass_turn", who, self.chair() if by_chair else None)

    @precondition(lambda self: running(self) and self.h.model.holder is not None)
    @rule(data=st.data())
    def holder_ends_share(self, data: st.DataObject) -> None:
        """The floor holder ends their share (or someone else tries to end it for them)."""
        holder = self.h.session.state.floor.holder
        self.act("end_share", holder, self.draw_by(data, usually=None))

    @precondition(running)
    @rule()
    def everyone_present_consents(self) -> None:
        """Everyone present consents to the agreement in force."""
        note("everyone present consents")
        for member in self.h.session.state.present:
            self.consented(member)

    @precondition(lambda self: running(self) and bool(self.h.model.present))
    @rule(data=st.data(), then=st.sampled_from(["back", "back", "share", "stays out"]))
    def member_steps_out_and_back(self, data: st.DataObject, then: str) -> None:
        """Someone present (maybe the holder, the last speaker, after their turn) steps out.

        Mostly they come back at once (and maybe try to share again); sometimes
        they stay out for now.
        """
        state = self.h.session.state
        candidates = sorted(state.floor.had_turn & set(state.present)) or list(state.present)
        last = state.floor.last
        if last in state.present:
            candidates += [last] * len(candidates)
        who = data.draw(st.sampled_from(candidates), label="who")
        self.act("leave", who)
        if then != "stays out":
            self.act("arrive", who)
        if then == "share":
            self.act("start_share", who)

    @precondition(running)
    @rule(data=st.data())
    def someone_calls_on_someone(self, data: st.DataObject) -> None:
        """A facilitator, the last speaker or anyone calls on someone (mostly who is waiting)."""
        state = self.h.session.state
        floor = state.floor
        waiting = [m for m in floor.order if m not in floor.had_turn] + list(floor.hands)
        pool = waiting + waiting + list(state.present) + self.people
        member = data.draw(st.sampled_from(pool), label="member")
        last = state.floor.last
        callers = [*self.leads, *self.leads, *([last] * 3 if last else []), *self.people]
        self.act("call_on", member, data.draw(st.sampled_from(callers), label="by"))

    # -------------------------------------------------------------- the queue

    @precondition(lambda self: running(self) and self.h.model.policy.queue)
    @rule(data=st.data(), how=st.sampled_from(["up", "up", "everyone", "down", "jump"]))
    def hands_go_up_or_down(self, data: st.DataObject, how: str) -> None:
        """Where there is a queue, someone (or everyone present) raises or lowers a hand.

        A facilitator sometimes does it for them; or someone in the queue, mostly
        not at its head, tries to take the floor. (Elsewhere, anyone may try hands
        in :meth:`someone_acts`: the session must refuse.)
        """
        state = self.h.session.state
        if how == "everyone":
            note("everyone present raises a hand")
            for member in state.present:
                self.act("raise_hand", member)
            return
        if how == "jump" and state.floor.hands:
            hands = state.floor.hands
            who = data.draw(st.sampled_from([*hands[1:] * 3, *hands]), label="who")
            self.consented(who)
            self.act("start_share", who)
            return
        pool = list(state.present) or self.people
        if how == "down":
            pool = [*state.floor.hands * 4, *pool]
        who = data.draw(st.sampled_from(pool), label="who")
        by = data.draw(st.sampled_from([None, None, None, *self.leads]), label="by")
        self.act("raise_hand" if how == "up" else "lower_hand", who, by)

    @precondition(lambda self: running(self) and bool(self.h.model.hands))
    @rule(data=st.data(), how=st.integers(0, 7))
    def someone_orders_the_queue(self, data: st.DataObject, how: int) -> None:
        """The chair (or anyone) moves an entry of the queue anywhere, or clears the queue."""
        hands = self.h.session.state.floor.hands
        by = self.draw_by(data, usually=self.chair()) if how < 2 else self.chair()
        if how % 4 == 0:
            self.act("clear_hands", by=by)
            return
        who = data.draw(st.sampled_from(hands), label="who")
        elsewhere = [p for p in range(len(hands)) if p != hands.index(who)] or [0]
        places = st.sampled_from(elsewhere) | st.sampled_from(POSITIONS)
        self.act("move_hand", who, by, position=data.draw(places, label="position"))

    @precondition(running)
    @rule(data=st.data())
    def someone_raises_a_point_of_process(self, data: st.DataObject) -> None:
        """Someone (mostly present, in any phase, paused or not) raises a point of process."""
        pool = self.present_ids() * 3 + self.people
        by = data.draw(st.sampled_from([None, None, None, *self.leads]), label="by")
        self.act("raise_point", data.draw(st.sampled_from(pool), label="who"), by)

    @precondition(lambda self: running(self) and bool(self.h.model.points))
    @rule(data=st.data(), step=st.integers(0, 3))
    def a_point_is_taken(self, data: st.DataObject, step: int) -> None:
        """A facilitator (or someone else) acknowledges a point of process, or resolves it."""
        points = dict(self.h.model.points)
        who = data.draw(st.sampled_from(sorted(points)), label="who")
        by = self.draw_by(data, usually=self.chair())
        if points[who] or step == 0:  # step 0: maybe before it was acknowledged
            outcome = data.draw(st.sampled_from(OUTCOMES), label="outcome")
            self.act("resolve_point", who, by, outcome=outcome)
        else:
            self.act("acknowledge_point", who, by)

    # -------------------------------------------------------------- facilitators

    @precondition(
        lambda self: running(self) and any(not self.h.session.is_present(m) for m in self.leads)
    )
    @rule()
    def facilitator_comes_back(self) -> None:
        """An absent facilitator arrives (and consents)."""
        note("a facilitator comes back")
        self.meeting.bring_back_facilitator()

    @precondition(running)
    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        """Someone tries to move to any phase (or the next one, or nowhere)."""
        to = data.draw(st.sampled_from([None, None, *self.fmt.phases, "nowhere"]), label="to")
        by = self.draw_by(data, usually=self.chair())
        self.act("advance", by=by, **({} if to is None else {"to": to}))

    @precondition(running)
    @rule(pick=st.integers(0, 7))
    def chair_follows_the_chart(self, pick: int) -> None:
        """The chair closes the round and takes a transition of the chart (or ends at the end)."""
        chair = self.chair()
        if chair is None:
            note("no facilitator present to move on")
            return
        self.meeting.follow_chart(chair, pick)

    @precondition(running)
    @rule(
        data=st.data(),
        name=st.sampled_from(["new_round", "close_round", "close_round", "pause", "resume"]),
    )
    def facilitate(self, data: st.DataObject, name: str) -> None:
        """A facilitator (or someone else) starts or closes a round, pauses or resumes."""
        self.act(name, by=self.draw_by(data, usually=self.chair()))

    @precondition(running)
    @rule(really=st.integers(0, 15), data=st.data())
    def end_session(self, really: int, data: st.DataObject) -> None:
        """Someone tries to end the session (rarely a facilitator: ending is final).

        With a reason, mostly a code (see :data:`REASONS`).
        """
        by = self.chair() if really == 0 else data.draw(st.sampled_from(self.people), label="by")
        self.act("end", by=by, reason=data.draw(st.sampled_from(REASONS), label="reason"))

    @precondition(running)
    @rule(data=st.data())
    def skip(self, data: st.DataObject) -> None:
        """A facilitator moves the round past someone."""
        floor = self.h.session.state.floor
        waiting = [m for m in floor.order if m not in floor.had_turn]
        offered = self.h.session.offered_to()
        pool = waiting + self.people + ([] if offered is None else [offered] * 4)
        who = data.draw(st.sampled_from(pool), label="who")
        self.act("skip", who, self.draw_by(data, usually=self.chair()))

    @precondition(
        lambda self: (
            running(self) and self.chair() is not None and self.h.session.offered_to() is not None
        )
    )
    @rule()
    def chair_skips_who_is_offered(self) -> None:
        """The member offered the floor stepped out: the chair moves the round past them."""
        self.act("skip", self.h.session.offered_to(), self.chair())

    @precondition(lambda self: running(self) and self.chair() is not None)
    @rule(seconds=st.sampled_from(STEPS[1:]), long=st.booleans())
    def safety_break(self, seconds: float, long: bool) -> None:
        """The chair pauses the session for a while and resumes it.

        A ``long`` break runs past the meeting's next scheduled moment (time to
        close, or its end), if it has one: that falls due while paused.
        """
        chair = self.chair()
        self.act("pause", by=chair)
        due = self.h.model.meeting_due()
        if long and due is not None:
            seconds = max(seconds, due - self.h.clock.now() + 0.5)
        self.h.wait(seconds)
        self.act("resume", by=chair)

    @precondition(running)
    @rule(data=st.data(), changes=amendments())
    def amend_agreement(self, data: st.DataObject, changes: dict[str, Any]) -> None:
        """A facilitator (or someone else) amends the agreement, validly or not."""
        self.act("amend_agreement", by=self.draw_by(data, usually=self.chair()), **changes)

    # The ordinary flow of a meeting is drawn more often than the other rules.
    meeting_goes_on_2 = meeting_goes_on
    meeting_goes_on_3 = meeting_goes_on


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
