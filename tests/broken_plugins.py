"""Broken turn policies for the kit's catalogue, and how to add them as in-process plugins.

Each class is a bug a plugin author could write from the plugin docs alone, with
the public API only (``import peersupport as ps``). The catalogue
(``tests/kit_catalogue.py``) says which format runs each one and which invariant
the conformance kit must name; the broken rules are in ``tests/broken_rules.py``.
"""

from __future__ import annotations

from typing import Any

import peersupport as ps


class Plugin:
    """A test-only plugin registering turn policies, rules and formats."""

    def __init__(
        self,
        *,
        policies: tuple[ps.TurnPolicy, ...] = (),
        rules: tuple[ps.Rule, ...] = (),
        formats: dict[str, type[ps.FormatChart]] | None = None,
        replace: bool = False,
    ) -> None:
        self.policies = policies
        self.rules = rules
        self.formats = formats or {}
        self.replace = replace

    @ps.hookimpl
    def register_turn_policies(self, register: Any) -> None:
        for policy in self.policies:
            register(policy, replace=self.replace)

    @ps.hookimpl
    def register_rules(self, register: Any) -> None:
        for rule in self.rules:
            register(rule, replace=self.replace)

    @ps.hookimpl
    def register_formats(self, register: Any) -> None:
        for name, chart in self.formats.items():
            register(name, chart)


def round_chart(policy: str, *, rules: tuple[str, ...] = ()) -> type[ps.FormatChart]:
    """A chart with one round phase under ``policy`` (plus an opening and a closing)."""

    class Chart(ps.FormatChart):
        opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
        sharing = ps.Phase("Sharing", policy=policy, budget=30 * 60, rules=rules)
        closing = ps.Phase("Closing", policy="facilitator-only", final=True)

        advance = opening.to(sharing) | sharing.to(closing, cond="round_complete")
        new_round = sharing.to(sharing, cond="round_complete")

    return Chart


def open_chart(
    policy: str = "open-floor", *, rules: tuple[str, ...] = (), cross_talk: bool = False
) -> type[ps.FormatChart]:
    """A chart with one phase without rounds under ``policy`` (no new rounds either)."""

    class Chart(ps.FormatChart):
        opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
        sharing = ps.Phase(
            "Sharing", policy=policy, budget=30 * 60, rules=rules, cross_talk=cross_talk
        )
        closing = ps.Phase("Closing", policy="facilitator-only", final=True)

        advance = opening.to(sharing) | sharing.to(closing)

    return Chart


def first_phase_chart(policy: str) -> type[ps.FormatChart]:
    """A chart whose opening phase runs under ``policy``, then an open floor."""

    class Chart(ps.FormatChart):
        readings = ps.Phase("Readings", policy=policy, initial=True, budget=10 * 60)
        sharing = ps.Phase("Sharing", policy="open-floor", budget=30 * 60)
        closing = ps.Phase("Closing", policy="facilitator-only", final=True)

        advance = readings.to(sharing) | sharing.to(closing)

    return Chart


#: A popcorn round phase: rounds roll over by themselves.
POPCORN = round_chart("popcorn")


# ---------------------------------------------------------------- the floor offered wrongly


class OffersWhoPassed(ps.SeatOrder):
    """Seat order, but the floor is offered again to someone who passed in this round."""

    name = "seat-order-offers-passed"

    def offered(self, floor: ps.Floor) -> str | None:
        if floor.passed and not floor.closed:
            return str(sorted(floor.passed)[0])
        return super().offered(floor)


class RollingSeatOrder(ps.TurnPolicy):
    """Seat order that rolls over by itself, but offers the next round before it starts.

    In a complete round ``offered()`` already names the first of the turn order,
    who had their turn in this round: the new round starts (with its automatic
    ``round_started`` event) only when someone takes a turn.
    """

    name = "rolling-seat-order"
    rounds = True
    auto_rollover = True
    offers = ps.Offer.NEXT_IN_ORDER
    speakers = ps.Speakers.OFFERED

    def offered(self, floor: ps.Floor) -> str | None:
        if floor.complete() and floor.order:
            return str(floor.order[0])
        return super().offered(floor)


class NotTheFacilitators(ps.SeatOrder):
    """A members' round written as "everyone but the facilitators": observers get turns too."""

    name = "not-the-facilitators"

    def eligible(self, role: ps.Role) -> bool:
        return not role.facilitates


class SpeakerLed(ps.OpenFloor):
    """A speaker meeting: whoever shares first is the speaker, offered the floor from then on.

    The bug: the speaker stays offered the floor after they left.
    """

    name = "speaker-led"
    speakers = ps.Speakers.OFFERED_FIRST

    def offered(self, floor: ps.Floor) -> str | None:
        return floor.last


class ContinueFromLastSpeaker(ps.SeatOrder):
    """Seat order continuing after whoever spoke last; before anyone spoke it offers nobody."""

    name = "continue-from-last"

    def offered(self, floor: ps.Floor) -> str | None:
        if floor.last not in floor.order:
            return None  # the bug: nobody has spoken yet, so nobody may ever speak
        at = floor.order.index(str(floor.last))
        circle = floor.order[at + 1 :] + floor.order[: at + 1]
        return next((m for m in circle if m not in floor.had_turn), None)


class NextByCount(ps.SeatOrder):
    """Seat order that finds the next member by counting turns: it crashes on a full round."""

    name = "next-by-count"

    def offered(self, floor: ps.Floor) -> str | None:
        if floor.closed:
            return None
        return str(floor.order[len(floor.had_turn)])


# ---------------------------------------------------------------- checks that refuse too little


class LastSpeakerJumpsTheQueue(ps.SeatOrder):
    """Seat order that (wrongly) skips its own check for whoever spoke last."""

    name = "seat-order-last-jumps"

    def check_take_floor(self, session: ps.Session, member: str, role: ps.Role) -> None:
        if session.floor.last == member:
            return  # refuses less than it declares: not "super() first"
        super().check_take_floor(session, member, role)


class VolunteerReadings(ps.FacilitatorOnly):
    """Facilitators read, and (wrongly, without declaring it) so may any member who consented."""

    name = "volunteer-readings"

    def check_take_floor(self, session: ps.Session, member: str, role: ps.Role) -> None:
        if session.consents.get(member) == session.agreement.version:
            return
        super().check_take_floor(session, member, role)


class NewcomersPassOpenFloor(ps.OpenFloor):
    """An open floor (no turns to pass) that lets newcomers pass anyway."""

    name = "open-floor-newcomers-pass"

    def check_pass(self, session: ps.Session, member: str, role: ps.Role) -> None:
        if role is ps.Role.NEWCOMER:
            return  # "newcomers may always pass", but this phase declares no passing
        super().check_pass(session, member, role)


class PassThePiece(ps.CalledOn):
    """The facilitator calls on people, and (undeclared) so may whoever spoke last."""

    name = "pass-the-piece"

    def check_call_on(self, session: ps.Session, by: str, by_role: ps.Role, member: str) -> None:
        if by == session.floor.last:
            return  # callers = FACILITATORS says otherwise
        super().check_call_on(session, by, by_role, member)


# ---------------------------------------------------------------- checks that refuse too much


class KeeperLastSeatOrder(ps.SeatOrder):
    """Seat order where the keeper shares last, counting themself among those still waiting."""

    name = "keeper-last-seat-order"

    def check_take_floor(self, session: ps.Session, member: str, role: ps.Role) -> None:
        super().check_take_floor(session, member, role)
        waiting = session.floor.not_reached()  # the bug: the keeper is in it too
        if role.facilitates and waiting:
            raise ps.NotYourTurn(
                member, "start_share", self.name, f"the keeper waits for {', '.join(waiting)}"
            )


# ---------------------------------------------------------------- queues of raised hands


class RaiserFirst(ps.RaisedHands):
    """First come, first served, it declares; but every hand raised goes to the head."""

    name = "raiser-first"

    def hand_position(self, session: ps.Session, member: str) -> int:
        return 0  # the bug: "the newest hand is the most urgent"


class FairnessForgotten(ps.RaisedHands):
    """A queue declaring round fairness whose own ``hand_position`` appends every hand.

    ``hand_rounds = True`` says whoever shared fewer times in the phase goes
    first; the override, a fast path written for first come, forgets it.
    """

    name = "fairness-forgotten"
    hand_rounds = True

    def hand_position(self, session: ps.Session, member: str) -> int:
        return len(session.floor.hands)


class SecondInLine(ps.RaisedHands):
    """Raised hands whose ``offered()`` counts the queue from 1: the second gets the floor."""

    name = "second-in-line"

    def offered(self, floor: ps.Floor) -> str | None:
        if floor.points or floor.called is not None or len(floor.hands) < 2:
            return super().offered(floor)
        return str(floor.hands[1])


class PointsCanWait(ps.RaisedHands):
    """Raised hands that goes on offering the floor while a point of process is pending."""

    name = "points-can-wait"

    def offered(self, floor: ps.Floor) -> str | None:
        if floor.called is not None:
            return floor.called
        return str(floor.hands[0]) if floor.hands else None


class CallsAfterTheQueue(ps.ProgressiveHands):
    """Progressive hands where a facilitator's call counts only once the queue is empty."""

    name = "calls-after-the-queue"

    def offered(self, floor: ps.Floor) -> str | None:
        if floor.points:
            return None
        return str(floor.hands[0]) if floor.hands else floor.called


class AnyHandMayShare(ps.RaisedHands):
    """Raised hands where anyone whose hand is up may take the floor, not only the head."""

    name = "any-hand-may-share"

    def check_take_floor(self, session: ps.Session, member: str, role: ps.Role) -> None:
        if member in session.floor.hands and not session.floor.points:
            return  # refuses less than it declares: the queue's order is skipped
        super().check_take_floor(session, member, role)


class PlacesFromOne(ps.RaisedHands):
    """First come, first served, but ``hand_position`` counts places from 1, not 0."""

    name = "places-from-one"

    def hand_position(self, session: ps.Session, member: str) -> int:
        return len(session.floor.hands) + 1
