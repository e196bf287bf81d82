"""The conformance kit models the queue of raised hands and points of process (issue 11).

The model reads what a queue policy declares (``offers = Offer.QUEUE``,
``hand_order``, ``hand_rounds``, ``max_shares``), never its name: it predicts
every queue action, places every raised hand where the declared order puts it,
and knows whom the floor is offered to. Here: a chart with two progressive
phases passes the whole kit, the model's predictions and checks on hand-made
logs, a policy with its own ``hand_key``, and ``reach`` in a queue phase.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import settings

import peersupport as ps
from peersupport.events import EventData
from peersupport.testing import (
    Action,
    ConformanceError,
    Outcome,
    SessionHarness,
    SessionModel,
    check_format,
    conformance_settings,
    reach,
)
from peersupport.testing.declared import Declared
from peersupport.testing.expect import expect
from people import T0, make_group

K = ps.EventKind


class OneShareEach(ps.ProgressiveHands):
    """Progressive hands, at most one share per member in the phase."""

    name = "one-share-each"
    max_shares = 1


class NewcomersFirst(ps.RaisedHands):
    """Raised hands where newcomers go ahead of everyone else: the policy's own ``hand_key``."""

    name = "newcomers-first"

    def hand_key(self, session: ps.Session, member: str) -> tuple[float, ...]:
        return (0 if session.role_of(member) is ps.Role.NEWCOMER else 1,)


class OpenQueue(ps.TurnPolicy):
    """A queue declared from scratch: anyone speaks while no hand is up; round fairness."""

    name = "open-queue"
    offers = ps.Offer.QUEUE
    speakers = ps.Speakers.OFFERED_FIRST
    callers = ps.Callers.FACILITATORS
    hand_rounds = True
    max_shares = 2


class Discussion(ps.FormatChart):
    """A check-in round, then open discussion in two queue phases, one share each in the second."""

    opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
    check_in = ps.Phase("Check-in", policy="seat-order", budget=15 * 60)
    discussion = ps.Phase("Discussion", policy="progressive-hands", budget=30 * 60)
    last_word = ps.Phase("Last word", policy="one-share-each", budget=10 * 60)
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)

    advance = (
        opening.to(check_in)
        | check_in.to(discussion, cond="round_complete")
        | discussion.to(last_word)
        | last_word.to(closing)
    )


class Newcomers(ps.FormatChart):
    """Open discussion where newcomers' hands go first."""

    opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
    discussion = ps.Phase("Discussion", policy="newcomers-first", budget=30 * 60)
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)

    advance = opening.to(discussion) | discussion.to(closing)


class OpenDiscussion(ps.FormatChart):
    """Open discussion under a queue policy declared from scratch."""

    opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
    discussion = ps.Phase("Discussion", policy="open-queue", budget=30 * 60)
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)

    advance = opening.to(discussion) | discussion.to(closing)


class QueuePlugin:
    """The test plugin: the two policies and the two formats."""

    @ps.hookimpl
    def register_turn_policies(self, register: Any) -> None:
        register(OneShareEach())
        register(NewcomersFirst())
        register(OpenQueue())

    @ps.hookimpl
    def register_formats(self, register: Any) -> None:
        register("hands-discussion", Discussion)
        register("newcomers-first", Newcomers)
        register("open-queue", OpenDiscussion)


@pytest.fixture
def queues(added: Any) -> None:
    """The test plugin, added for one test."""
    added(QueuePlugin(), "queues")


def in_discussion(fmt: str = "hands-discussion") -> SessionHarness:
    """A harness whose session is in the first queue phase, everyone arrived and consented."""
    group = make_group(ps.Agreement(share_limit=None, warn_at=None))
    harness = SessionHarness(group, ps.formats.get(fmt), start=T0)
    for member in group.members:
        harness.act(Action("arrive", member.id))
        harness.act(Action("consent", member.id))
    harness.act(Action("advance", by="dee"))
    if harness.session.state.phase == "check_in":
        harness.act(Action("close_round", by="dee"))
        harness.act(Action("advance", by="dee"))
    harness.check()
    return harness


def play(harness: SessionHarness, *actions: Action) -> list[Outcome]:
    """Perform ``actions``; each outcome must be predicted, and is returned."""
    outcomes = []
    for action in actions:
        verdict = expect(harness.model, action, harness.clock.now())
        assert verdict.outcome is not None, action
        result = harness.act(action)
        assert result is not None
        outcomes.append(result.outcome)
        harness.check_hands()
        harness.check_offers()
    harness.check()
    return outcomes


ACCEPT, REFUSE = Outcome.ACCEPT, Outcome.REFUSE


@pytest.mark.usefixtures("queues")
@pytest.mark.kit  # random sessions of the kit: tracing only slows them
class TestTheKitRunsQueues:
    """Formats with queue phases pass the whole kit, which reads the policies' declarations."""

    def test_a_chart_with_progressive_hands_passes_the_kit(self) -> None:
        """check_format passes: a check-in, then two progressive queues (one with a limit)."""
        check_format("hands-discussion")

    def test_a_policy_ordering_its_own_queue_passes_the_kit(self) -> None:
        """A policy with its own hand_key passes: the kit asks the key, and holds hands to it."""
        quick = conformance_settings(settings(max_examples=40, derandomize=True, database=None))
        check_format("newcomers-first", settings=quick)

    def test_a_queue_declared_from_scratch_passes_the_kit(self) -> None:
        """A TurnPolicy subclass with offers = QUEUE (offered first, round fairness) passes."""
        quick = conformance_settings(settings(max_examples=40, derandomize=True, database=None))
        check_format("open-queue", settings=quick)

    def test_the_model_reads_the_queue_from_the_declaration(self) -> None:
        """Declared: offers, order rule, round fairness and the limit; no name is read."""
        phases = ps.formats.get("hands-discussion").phases
        first, last = Declared.of(phases["discussion"]), Declared.of(phases["last_word"])
        assert first.queue
        assert first.declarative
        assert first.order_known
        assert first.hand_order is ps.HandOrder.PROGRESSIVE
        assert first.hand_rounds
        assert (first.max_shares, last.max_shares) == (None, 1)
        own = Declared.of(ps.formats.get("newcomers-first").phases["discussion"])
        assert own.overrides == {"hand_key"}
        assert not own.order_known


@pytest.mark.usefixtures("queues")
class TestTheModelPredictsTheQueue:
    """Every queue action's outcome is predicted, and the queue is the session's."""

    def test_hands_go_up_down_and_take_the_floor_in_order(self) -> None:
        """Raise, raise twice, lower, take the floor out of turn and at the head of the queue."""
        harness = in_discussion()
        outcomes = play(
            harness,
            Action("raise_hand", "al"),
            Action("raise_hand", "bo"),
            Action("raise_hand", "al"),  # one hand each
            Action("raise_hand", "ob"),  # observers do not take turns
            Action("start_share", "bo"),  # al is at the head
            Action("start_share", "al"),
            Action("raise_hand", "al"),  # the holder's hand stays down
            Action("end_share", "al"),
            Action("raise_hand", "al"),  # shared once: behind bo (progressive)
            Action("raise_hand", "cy"),  # has not shared: ahead of al
            Action("lower_hand", "cy"),
            Action("lower_hand", "cy"),  # not up any more
            Action("lower_hand", "al", by="bo"),  # a member acts only for themself
        )
        assert outcomes[:7] == [ACCEPT, ACCEPT, REFUSE, REFUSE, REFUSE, ACCEPT, REFUSE]
        assert outcomes[7:] == [ACCEPT, ACCEPT, ACCEPT, ACCEPT, REFUSE, REFUSE]
        positions = [e.data["position"] for e in harness.session.events if e.kind is K.HAND_RAISED]
        assert positions == [0, 1, 1, 1]
        assert harness.session.state.floor.hands == ("bo", "al")

    def test_facilitators_move_call_clear_and_take_points_of_process(self) -> None:
        """A point holds up the floor; moves, calls and clearing are the facilitator's."""
        harness = in_discussion()
        outcomes = play(
            harness,
            Action("raise_hand", "al"),
            Action("raise_hand", "bo", by="dee"),
            Action("move_hand", "bo", by="dee", options=(("position", 0),)),
            Action("move_hand", "bo", by="dee", options=(("position", 0),)),  # there already
            Action("move_hand", "al", by="cy", options=(("position", 0),)),  # not a facilitator
            Action("raise_point", "cy"),
            Action("start_share", "bo"),  # a point of process comes first
            Action("resolve_point", "cy", by="dee"),  # not acknowledged yet
            Action("acknowledge_point", "cy", by="dee"),
            Action("resolve_point", "cy", by="dee", options=(("outcome", "dropped"),)),
            Action("resolve_point", "cy", by="dee", options=(("outcome", "amendment"),)),
            Action("call_on", "nu", by="dee"),
            Action("start_share", "bo"),  # nu was called on out of order
            Action("pass_turn", "nu"),
            Action("clear_hands", by="dee"),
            Action("clear_hands", by="dee"),  # nobody's hand is up
        )
        assert outcomes[:5] == [ACCEPT, ACCEPT, ACCEPT, REFUSE, REFUSE]
        assert outcomes[5:11] == [ACCEPT, REFUSE, REFUSE, ACCEPT, REFUSE, ACCEPT]
        assert outcomes[11:] == [ACCEPT, REFUSE, ACCEPT, ACCEPT, REFUSE]

    def test_hands_are_frozen_while_paused_but_points_are_not(self) -> None:
        """While paused hands neither go up nor down; a point of process may be raised."""
        harness = in_discussion()
        outcomes = play(
            harness,
            Action("raise_hand", "al"),
            Action("pause", by="dee"),
            Action("raise_hand", "bo"),
            Action("lower_hand", "al"),
            Action("raise_point", "bo"),
            Action("acknowledge_point", "bo", by="dee"),
        )
        assert outcomes == [ACCEPT, ACCEPT, REFUSE, REFUSE, ACCEPT, ACCEPT]

    def test_the_limit_per_phase_and_a_new_phase_empty_the_queue(self) -> None:
        """Nobody raises a hand after max_shares shares; entering a phase empties the queue."""
        harness = in_discussion()
        play(harness, Action("raise_hand", "al"), Action("raise_hand", "cy"))
        play(harness, Action("advance", by="dee"))
        assert harness.session.state.floor.hands == ()
        outcomes = play(
            harness,
            Action("raise_hand", "al"),
            Action("start_share", "al"),
            Action("end_share", "al"),
            Action("raise_hand", "al"),  # one share each in the last word
        )
        assert outcomes == [ACCEPT, ACCEPT, ACCEPT, REFUSE]

    def test_hands_are_refused_where_there_is_no_queue_and_points_are_not(self) -> None:
        """In a seat-order check-in no hand goes up; a point of process does."""
        group = make_group(ps.Agreement(share_limit=None, warn_at=None))
        harness = SessionHarness(group, ps.formats.get("hands-discussion"), start=T0)
        for member in ("dee", "al", "bo"):
            harness.act(Action("arrive", member))
        harness.act(Action("advance", by="dee"))
        outcomes = play(
            harness,
            Action("raise_hand", "al"),
            Action("clear_hands", by="dee"),
            Action("raise_point", "al"),
        )
        assert outcomes == [REFUSE, REFUSE, ACCEPT]


@pytest.mark.usefixtures("queues")
class TestTheModelChecksTheQueue:
    """An event that breaks the queue's rules is named by its invariant."""

    def log(self) -> tuple[SessionHarness, list[ps.Event]]:
        harness = in_discussion()
        play(harness, Action("raise_hand", "al"), Action("raise_hand", "bo"))
        return harness, list(harness.session.events)

    def fold(self, harness: SessionHarness, events: list[ps.Event]) -> None:
        model = SessionModel(harness.group, harness.fmt)
        for event in events:
            model.apply(event)

    def test_a_hand_in_the_wrong_place_breaks_queue_order(self) -> None:
        """bo's hand recorded at the head of a first-come tie: [queue-order]."""
        harness, events = self.log()
        wrong = events[-1].evolve(data=EventData({"position": 0}))
        with pytest.raises(ConformanceError, match=r"\[queue-order\]"):
            self.fold(harness, [*events[:-1], wrong])

    def test_a_second_hand_breaks_one_hand_each(self) -> None:
        """al's hand raised again while it is up: [one-hand-each]."""
        harness, events = self.log()
        again = events[-2].evolve(seq=len(events), data=EventData({"position": 2}))
        with pytest.raises(ConformanceError, match=r"\[one-hand-each\]"):
            self.fold(harness, [*events, again])

    def test_a_point_resolved_before_it_is_acknowledged_breaks_point_of_process(self) -> None:
        """A point resolved without its acknowledgement: [point-of-process]."""
        harness, events = self.log()
        play(harness, Action("raise_point", "cy"), Action("acknowledge_point", "cy", by="dee"))
        raised, acknowledged = harness.session.events[-2:]
        resolved = acknowledged.evolve(
            kind=K.POINT_RESOLVED, data=EventData({"outcome": "resolved"})
        )
        with pytest.raises(ConformanceError, match=r"\[point-of-process\]"):
            self.fold(harness, [*events, raised, resolved])

    def test_a_policy_ordering_its_own_queue_is_asked(self) -> None:
        """Under newcomers-first the newcomer's hand goes ahead; the harness checks the key."""
        harness = in_discussion("newcomers-first")
        play(harness, Action("raise_hand", "al"), Action("raise_hand", "bo"))
        play(harness, Action("raise_hand", "nu"))
        assert harness.session.state.floor.hands == ("nu", "al", "bo")


class TestReachInAQueue:
    """``reach`` plays a queue phase with raised hands."""

    def test_each_member_raises_a_hand_before_sharing(self) -> None:
        """In the speaker meeting's sharing, al and bo raise their hands, then share in turn."""
        session = reach("speaker-meeting", make_group(), phase="sharing", turns=("al", "bo"))
        kinds = [(e.kind, e.member) for e in session.events[-6:]]
        assert kinds == [
            (K.HAND_RAISED, "al"), (K.SHARE_STARTED, "al"), (K.SHARE_ENDED, "al"),
            (K.HAND_RAISED, "bo"), (K.SHARE_STARTED, "bo"), (K.SHARE_ENDED, "bo"),
        ]  # fmt: skip
        assert ps.Session.verify(session.group, session.format, session.events).state == (
            session.state
        )


@pytest.mark.usefixtures("queues")
class TestAQueueDeclaredFromScratch:
    """A policy that only declares a queue is predicted as deeply as the built-in ones."""

    def test_anyone_speaks_while_no_hand_is_up_and_fewer_shares_go_first(self) -> None:
        """Offered first: bo shares freely; then round fairness puts al ahead of bo; two at most."""
        harness = in_discussion("open-queue")
        outcomes = play(
            harness,
            Action("start_share", "bo"),  # nobody's hand is up: anyone
            Action("end_share", "bo"),
            Action("raise_hand", "bo"),
            Action("raise_hand", "al"),  # no share in the phase: ahead of bo
            Action("start_share", "bo"),  # al is at the head
            Action("start_share", "al"),
            Action("end_share", "al"),
            Action("start_share", "bo"),
            Action("end_share", "bo"),
            Action("raise_hand", "bo"),  # two shares in the phase: no more
        )
        assert outcomes == [ACCEPT] * 4 + [REFUSE] + [ACCEPT] * 4 + [REFUSE]
        positions = [e.data["position"] for e in harness.session.events if e.kind is K.HAND_RAISED]
        assert positions == [0, 0]
