"""How a meeting ordinarily goes on, for the state machine: the next step under the phase's policy.

:class:`Meeting` drives a :class:`~peersupport.testing.harness.SessionHarness`
the way a real meeting runs: the holder speaks and ends, whoever is offered the
floor takes it, callers call on people, volunteers take the floor (or raise
their hands where there is a queue), the chair takes points of process, closes
rounds and follows the chart. What it does in a phase depends only on
the phase's policy *declaration* (who speaks, who calls, whether rounds roll
over), never on the policy's name.
"""

from __future__ import annotations

from typing import Any

from peersupport.engine.format import Format
from peersupport.engine.policies import Callers, Speakers
from peersupport.testing.harness import SessionHarness
from peersupport.testing.strategies import Action

__all__ = ["Meeting", "path"]


class Meeting:
    """A session's ordinary flow.

    Args:
        harness: The harness the meeting acts through.
        leads: Ids of the group's facilitators, the chair first.
    """

    def __init__(self, harness: SessionHarness, leads: list[str]) -> None:
        self.h = harness
        self.leads = leads

    def act(
        self, name: str, member: str | None = None, by: str | None = None, **options: Any
    ) -> None:
        """Perform one action through the harness."""
        self.h.act(Action(name, member, by, tuple(sorted(options.items()))))

    def chair(self) -> str | None:
        """The first facilitator present, if any."""
        present = self.h.session.present
        return next((m for m in self.leads if m in present), None)

    def consented(self, member: str) -> None:
        """``member`` consents to the agreement in force if present and not yet consented."""
        state = self.h.session.state
        if member in state.present and state.consents.get(member) != state.agreement.version:
            self.act("consent", member)

    def bring_back_facilitator(self) -> None:
        """The first absent facilitator arrives and consents."""
        for lead in self.leads:
            if lead not in self.h.session.state.present:
                self.act("arrive", lead)
                self.consented(lead)
                return

    def close_round(self, chair: str) -> None:
        """The chair ends any share and closes the round if it is open."""
        self.consented(chair)
        state = self.h.session.state
        if state.floor.holder is not None:
            self.act("end_share", state.floor.holder, chair)
        if not self.h.session.state.floor.complete:
            self.act("close_round", by=chair)

    def follow_chart(self, chair: str, pick: int) -> None:
        """The chair closes the round and takes transition ``pick`` (or ends at the end)."""
        self.close_round(chair)
        targets = [t.target for t in self.h.model.spec.transitions]
        if targets:
            self.act("advance", by=chair, to=targets[pick % len(targets)])
        else:
            self.act("end", by=chair)

    def step(self, *, seconds: float, share: bool, pick: int, eager: bool) -> None:
        """The meeting takes its next ordinary step under the phase's turn policy.

        The holder speaks ``seconds`` (maybe someone interjects) and ends; whoever
        is offered the floor shares (or passes); the chair takes a pending point
        of process (always where it holds up a queue); where there is a queue,
        members raise their hands (also while someone speaks) and the chair
        sometimes calls on someone out of its order; when the round is done (in a phase where
        rounds do not roll over by themselves), or where only facilitators speak
        once the chair has spoken, the chair moves on; otherwise a caller (the
        chair, or the last speaker where speakers name the next, unless someone
        volunteers) calls on someone waiting, or someone waiting takes the floor.
        ``pick`` chooses among those waiting; ``eager`` whether the member called
        on takes the floor at once, whether volunteers lead where the last
        speaker may name the next, and whether nobody interjects.
        """
        session = self.h.session
        state = session.state
        floor, present = state.floor, list(state.present)
        policy = self.h.model.policy
        if floor.holder is not None:
            if policy.queue and pick % 2 == 0:  # a hand goes up while someone speaks
                self.raise_hands(pick, eager=False)
            others = [m for m in present if m != floor.holder]  # observers too: refused
            if others and not eager:  # someone speaks up: cross-talk, or blocked
                self.consented(others[pick % len(others)])
                self.act("interject", others[pick % len(others)])
            self.h.wait(seconds)
            if session.state.floor.holder is not None:
                self.act("end_share", session.state.floor.holder)
            return
        chair = self.chair()
        if policy.queue and share and pick % 3 and self.raise_hands(pick, eager=eager):
            return  # hands go up before whoever is offered the floor takes it
        if policy.queue and not share and chair is not None and pick % 2 and floor.hands:
            out_of_order = [m for m in present if m != floor.hands[0]]
            if out_of_order:  # the chair calls on someone out of the queue's order
                self.act("call_on", out_of_order[pick % len(out_of_order)], chair)
                return
        offered = session.offered_to()
        if offered is not None:
            self.consented(offered)
            self.act("start_share" if share else "pass_turn", offered)
            return
        if chair is not None and self.h.model.points and (policy.queue or pick % 2):
            self.take_point(chair, pick)  # a point of process comes first
            return
        if policy.queue and share and self.raise_hands(pick, eager=eager):
            return
        facilitators_speak = policy.speakers is Speakers.FACILITATORS
        done = policy.rounds and floor.complete and not policy.auto_rollover
        if facilitators_speak:  # the chair speaks once, then moves on
            done = not share or floor.last is not None
        if chair is not None and done:
            self.follow_chart(chair, pick)
            return
        waiting = [m for m in floor.order if m not in floor.had_turn and m in present]
        participants = [m for m in present if state.roles[m].takes_turns]
        pool = waiting or participants or self.leads
        who = pool[pick % len(pool)]
        callers = policy.callers
        if callers is Callers.FACILITATORS or (callers is Callers.LAST_SPEAKER and not eager):
            last = floor.last
            by_chair = callers is Callers.FACILITATORS or last is None or not share
            caller = chair if by_chair else last
            if caller is None:
                self.bring_back_facilitator()
                return
            self.act("call_on", who, caller)
            offered = session.offered_to()
            if offered is not None and eager:
                self.consented(offered)
                self.act("start_share" if share else "pass_turn", offered)
        elif facilitators_speak:
            if chair is not None:
                self.consented(chair)
                self.act("start_share", chair)
            else:
                self.bring_back_facilitator()
        else:
            self.consented(who)
            self.act("start_share" if share else "pass_turn", who)

    def take_point(self, chair: str, pick: int) -> None:
        """The chair acknowledges the first point of process waiting, or resolves the first."""
        points = self.h.model.points
        waiting = [m for m, seen in points.items() if not seen]
        if waiting:
            self.act("acknowledge_point", waiting[0], chair)
        else:
            outcome = "amendment" if pick % 4 == 3 else "resolved"
            self.act("resolve_point", next(iter(points)), chair, outcome=outcome)

    def raise_hands(self, pick: int, *, eager: bool) -> bool:
        """One, or up to three (if ``eager``), who take turns here and have no hand up raise it.

        Returns:
            Whether anyone was left to raise a hand.
        """
        state = self.h.session.state
        eligible = self.h.model.policy.eligible
        hands = state.floor.hands
        waiting = [
            m
            for m in state.present
            if state.roles[m] in eligible and state.roles[m].takes_turns and m not in hands
        ]
        if not waiting:
            return False
        chosen = [waiting[pick % len(waiting)], waiting[0], waiting[-1]][: 1 + 2 * eager]
        for who in dict.fromkeys(chosen):
            self.act("raise_hand", who)
        return True


def path(fmt: Format, start: str, target: str) -> list[str]:
    """Phases to advance through from ``start`` to ``target`` (shortest; empty if none)."""
    before: dict[str, str] = {}
    todo = [start]
    while todo:
        phase = todo.pop(0)
        if phase == target:
            steps = []
            while phase != start:
                steps.append(phase)
                phase = before[phase]
            return steps[::-1]
        for t in fmt.phases[phase].transitions:
            if t.target not in before and t.target != start:
                before[t.target] = phase
                todo.append(t.target)
    return []
