"""Exhaustive fairness checks for small groups: every sequence of actions up to a depth.

For 2, 3 and 4 people (one of them the facilitator, who takes a turn too) in a
seat-order round phase and in a popcorn phase, every sequence of actions is
enumerated: start_share, end_share and pass_turn by each person, leave and arrive
by one member (``m1``), close_round, and new_round in seat order. Every attempt is run
through the conformance harness (a refused action changed nothing, an accepted
one appended its events, the independent model agrees, and it predicted the
outcome of every attempt: both policies are pure declarations),
and after every accepted action the fairness invariants are asserted directly:

* nobody takes a second turn in a round (also after leaving and coming back);
* a turn starts a new round only when the round was complete, in a phase whose
  rounds roll over by themselves, and then the automatic ``round_started`` event
  comes right before it (and in no other case);
* at most one person holds the floor, present;
* nobody who shared or passed in the round is offered the floor again;
* the log restores to the same state and re-enacts (checked at the end of every
  sequence).

The numbers of sequences, attempts and automatic roll-overs are asserted so that
the enumeration cannot silently shrink.
"""

from __future__ import annotations

import time

import pytest

import peersupport as ps
from peersupport.testing import Action, Outcome, SessionHarness

# every sequence up to a depth, through the kit's harness: tracing only slows it
pytestmark = pytest.mark.kit


class SeatOrderChart(ps.FormatChart):
    """A round in seat order, and new rounds."""

    opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
    sharing = ps.Phase("Sharing", policy="seat-order")
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)

    advance = opening.to(sharing) | sharing.to(closing, cond="round_complete")
    new_round = sharing.to(sharing, cond="round_complete")


class PopcornChart(ps.FormatChart):
    """Popcorn rounds (a new round starts by itself)."""

    opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
    sharing = ps.Phase("Sharing", policy="popcorn")
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)

    advance = opening.to(sharing) | sharing.to(closing, cond="round_complete")


CHARTS = {"seat-order": SeatOrderChart, "popcorn": PopcornChart}
#: (policy, people) -> (depth, accepted-action sequences, attempts, automatic roll-overs).
EXPECTED = {
    ("seat-order", 2): (7, 3329, 11910, 0),
    ("seat-order", 3): (6, 1615, 7215, 0),
    ("seat-order", 4): (6, 1812, 9504, 0),
    ("popcorn", 2): (6, 4435, 11799, 1530),
    ("popcorn", 3): (5, 4066, 11436, 1112),
    ("popcorn", 4): (4, 1978, 5910, 346),
}
#: 17 235 sequences of accepted actions and 57 774 attempts (accepted or refused) in all,
#: the same as before roll-overs were recorded as events; 2 988 of the accepted turns
#: (all in popcorn) rolled the round over by themselves.
TOTAL = (17_235, 57_774, 2_988)
#: Seconds the clock moves before each action (no limits or budgets: no deadlines).
STEP = 10.0
TURNS = ("start_share", "pass_turn")
KIND = {"start_share": ps.EventKind.SHARE_STARTED, "pass_turn": ps.EventKind.PASSED}


class Enumeration:
    """Depth-first enumeration of every action sequence on one small group."""

    def __init__(self, policy: str, people: int, depth: int) -> None:
        self.fmt = ps.Format.from_chart(f"exhaustive-{policy}", CHARTS[policy])
        self.ids = ["f", *(f"m{i}" for i in range(1, people))]
        self.group = ps.Group(
            "Small circle",
            {
                ps.Member(i, i.upper()): ps.Role.FACILITATOR if i == "f" else ps.Role.MEMBER
                for i in self.ids
            },
            agreement=ps.Agreement(share_limit=None, warn_at=None, share_the_air=None),
        )
        self.depth = depth
        self.actions: list[Action] = []
        for member in self.ids:
            self.actions += [Action(name, member) for name in (*TURNS, "end_share")]
            if member == "m1":  # one member steps out and comes back
                self.actions += [Action("leave", member), Action("arrive", member)]
        self.actions.append(Action("close_round", by="f"))
        if policy == "seat-order":
            self.actions.append(Action("new_round", by="f"))
        self.sequences = 0
        self.attempts = 0
        self.rollovers = 0

    def start(self, path: list[Action]) -> SessionHarness:
        """A session in its round phase with everyone present, after ``path``."""
        harness = SessionHarness(self.group, self.fmt)
        for member in self.ids:
            harness.act(Action("arrive", member))
            harness.act(Action("consent", member))
        harness.act(Action("advance", by="f"))
        for action in path:
            harness.wait(STEP)
            harness.act(action)
        return harness

    def run(self) -> None:
        """Enumerate every sequence from the start."""
        self.visit(self.start([]), [])

    def visit(self, harness: SessionHarness, path: list[Action]) -> None:
        """Check the sequence ``path`` and every extension of it."""
        self.sequences += 1
        check_fairness(harness)
        if len(path) == self.depth:
            harness.check_restore()
            harness.check_verify()
            return
        harness.wait(STEP)  # every next action is tried at the same moment
        for action in self.actions:
            self.attempts += 1
            before = harness.session.state
            count = len(harness.session.events)
            result = harness.act(action)
            assert result is not None
            # both policies are declarations: the model predicts every outcome
            assert result.verdict.outcome is result.outcome, (action, result)
            if result.outcome is Outcome.ACCEPT:
                new = harness.session.events[count:]
                self.rollovers += check_turn(action, before, harness.session.state, new)
                self.visit(harness, [*path, action])
                harness = self.start(path)
                harness.wait(STEP)


def check_turn(
    action: Action, before: ps.SessionState, after: ps.SessionState, new: tuple[ps.Event, ...]
) -> int:
    """An accepted share or pass is the member's only turn in the round.

    Returns:
        1 if the turn rolled the round over by itself (recorded right before it), else 0.
    """
    rolled = [e for e in new if e.kind is ps.EventKind.ROUND_STARTED and e.actor is None]
    if action.name not in TURNS:
        assert not rolled, f"{action} rolled the round over"
        return 0
    assert before.floor.holder is None, f"{action} while {before.floor.holder} holds the floor"
    if after.round == before.round:
        assert not rolled, f"{action} recorded a roll-over but stayed in round {after.round}"
        assert action.member not in before.floor.had_turn, f"second turn in a round: {action}"
        return 0
    assert before.floor.complete, f"{action} started a new round before the last was complete"
    assert after.round == before.round + 1
    assert [e.kind for e in new[:2]] == [ps.EventKind.ROUND_STARTED, KIND[action.name]], new
    assert rolled == [new[0]]
    assert dict(new[0].data) == {"phase": "sharing", "round": after.round, "automatic": True}
    return 1


def check_fairness(harness: SessionHarness) -> None:
    """The invariants that must hold after every sequence."""
    session = harness.session
    state = session.state
    floor = state.floor
    if floor.holder is not None:
        assert floor.holder in state.present
    offered = session.offered_to()
    if offered is not None:
        assert offered not in floor.had_turn, f"{offered} is offered the floor again"
        assert offered in state.present
    harness.check_model()
    harness.check_floor()
    harness.check_offers()
    harness.check_events()


class TestEverySequence:
    """Every sequence of actions keeps round fairness in small groups."""

    def test_the_enumeration_does_not_shrink(self) -> None:
        """The expected counts add up to the totals the module states."""
        assert tuple(map(sum, zip(*(e[1:] for e in EXPECTED.values()), strict=True))) == TOTAL

    @pytest.mark.parametrize(("policy", "people"), sorted(EXPECTED))
    def test_every_sequence_keeps_round_fairness(self, policy: str, people: int) -> None:
        """All sequences up to the depth keep one turn per round, one holder, no re-offers."""
        depth, sequences, attempts, rollovers = EXPECTED[policy, people]
        enumeration = Enumeration(policy, people, depth)
        began = time.perf_counter()
        enumeration.run()
        took = time.perf_counter() - began
        print(
            f"{policy}, {people} people, depth {depth}: {enumeration.sequences} sequences, "
            f"{enumeration.attempts} attempts, {enumeration.rollovers} roll-overs "
            f"checked in {took:.1f} s"
        )
        found = (enumeration.sequences, enumeration.attempts, enumeration.rollovers)
        assert found == (sequences, attempts, rollovers)
