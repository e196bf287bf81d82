"""The floor: who holds it, the current round, and the turn policies.

A phase's *turn policy* decides who may take the floor. The built-in policies:

* ``facilitator-only``: only facilitators speak (opening, readings, closing).
* ``seat-order``: a round in seat order, like a talking piece: the floor is
  offered to one member at a time; they share or pass.
* ``popcorn``: an open floor with round fairness: anyone who has not had their
  turn in this round may take the floor; when everyone present has shared or
  passed, the next share starts a new round.
* ``open-floor``: open discussion, anyone may take the floor when it is free.
* ``newcomer-introductions``: a seat-order round for newcomers only.
* ``called-on``: the chair calls on the next speaker, with round fairness.
* ``tag``: each speaker names the next; otherwise anyone may volunteer.

The floor is on the per-share path, so :class:`Floor` is a small mutable object
with slots; :class:`FloorState` is the immutable snapshot you read from
``session.state.floor``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from peersupport.errors import NotYourTurn, PermissionDenied, WrongPhase
from peersupport.hookspecs import hookimpl
from peersupport.model import Role
from peersupport.rules import ONE_SHARE_PER_ROUND

if TYPE_CHECKING:
    from peersupport.session import Session

__all__ = [
    "CalledOn",
    "FacilitatorOnly",
    "Floor",
    "FloorState",
    "NewcomerIntroductions",
    "OpenFloor",
    "Popcorn",
    "SeatOrder",
    "Tag",
    "TurnPolicy",
    "builtin_policies",
    "register_turn_policies",
]


@attrs.frozen
class FloorState:
    """A snapshot of the floor.

    Attributes:
        holder: Id of the member who holds the floor, or ``None``.
        share_started_at: When the current share started (shifted by pauses).
        round: Number of the current round in this phase (0 in phases without rounds).
        order: The round's turn order: members still to be reached and those who
            already had their turn (a late arrival is appended at the end).
        had_turn: Members who shared, passed or were skipped in this round.
        passed: Members who passed in this round.
        skipped: Members the facilitator moved past in this round.
        closed: Whether the facilitator closed the round early.
        offered_to: Whose turn it is now, when the policy offers the floor to one
            member (seat order, a member called on or tagged); ``None`` while
            someone holds the floor.
        complete: Whether everyone in the round has had their turn (or it was closed).
    """

    holder: str | None
    share_started_at: float | None
    round: int
    order: tuple[str, ...]
    had_turn: frozenset[str]
    passed: frozenset[str]
    skipped: frozenset[str]
    closed: bool
    offered_to: str | None
    complete: bool


class Floor:
    """The live floor of one session, as ``session.floor``.

    The engine's fold changes it; turn policies and rules (built-in or from
    plugins) read it, because building a :class:`FloorState` snapshot on every
    check would cost more than the check. Treat it as read-only; apps use
    ``session.state.floor`` instead.

    Attributes:
        holder: Id of who holds the floor, or ``None``.
        started: When the current share started (shifted by pauses).
        warned: Whether the current share has had its time warning.
        over: Whether the current share is in overtime.
        round: Number of the current round in this phase.
        order: The round's turn order (late arrivals appended).
        had_turn: Who shared, passed or was skipped in this round.
        passed: Who passed in this round.
        skipped: Who the facilitator moved past in this round.
        closed: Whether the facilitator closed the round early.
        called: Who was called on or tagged and has not yet taken their turn.
        last: Who last shared or passed in this phase (``None`` at its start).
    """

    __slots__ = (
        "called",
        "closed",
        "had_turn",
        "holder",
        "last",
        "order",
        "over",
        "passed",
        "round",
        "skipped",
        "started",
        "warned",
    )

    def __init__(self) -> None:
        self.holder: str | None = None
        self.started = 0.0
        self.warned = False
        self.over = False
        self.round = 0
        self.order: list[str] = []
        self.had_turn: set[str] = set()
        self.passed: set[str] = set()
        self.skipped: set[str] = set()
        self.closed = False
        self.called: str | None = None
        self.last: str | None = None

    def new_round(self, number: int, order: list[str]) -> None:
        """Start round ``number`` with the given turn order."""
        self.round = number
        self.order = order
        self.had_turn = set()
        self.passed = set()
        self.skipped = set()
        self.closed = False
        self.called = None

    def next_up(self) -> str | None:
        """The first member in turn order who has not had their turn, if any."""
        if self.closed:
            return None
        had = self.had_turn
        for member in self.order:
            if member not in had:
                return member
        return None

    def complete(self) -> bool:
        """Whether every member in the round has had their turn, or it was closed."""
        if self.closed:
            return True
        had = self.had_turn
        return all(member in had for member in self.order)

    def not_reached(self) -> list[str]:
        """Members in the round who have not had their turn."""
        return [m for m in self.order if m not in self.had_turn]

    def snapshot(self, offered_to: str | None) -> FloorState:
        """Return an immutable :class:`FloorState` of this floor."""
        return FloorState(
            holder=self.holder,
            share_started_at=self.started if self.holder is not None else None,
            round=self.round,
            order=tuple(self.order),
            had_turn=frozenset(self.had_turn),
            passed=frozenset(self.passed),
            skipped=frozenset(self.skipped),
            closed=self.closed,
            offered_to=offered_to,
            complete=self.complete(),
        )


class TurnPolicy:
    """Base class of turn policies: who may take the floor in a phase.

    Subclasses set the class attributes and override the checks. A check raises
    an :class:`~peersupport.errors.ActionRejected` subclass to refuse, and must
    not change anything. Policies are registered through the
    ``register_turn_policies`` hook.

    Attributes:
        name: Stable name used in formats (e.g. ``"seat-order"``).
        rounds: Whether the phase runs rounds with one-share-per-round fairness.
        auto_rollover: Whether a new round starts by itself once a round is complete.
        sharing: Whether floor time in this phase counts as members' shares in the
            fairness statistics by default (facilitator readings do not).
        timed: Whether shares are timed by default.
        description: One sentence on how the floor is given, for docs and listings.
    """

    name: str = ""
    rounds: bool = False
    auto_rollover: bool = False
    sharing: bool = True
    timed: bool = True
    description: str = ""

    def eligible(self, role: Role) -> bool:
        """Whether people with ``role`` take part in this policy's rounds."""
        return role.takes_turns

    def offered(self, floor: Floor) -> str | None:
        """Whom the floor is offered to now (``None``: nobody in particular)."""
        return None

    def check_take_floor(self, session: Session, member: str, role: Role) -> None:
        """Refuse ``member`` taking the floor if this policy does not allow it now."""

    def check_pass(self, session: Session, member: str, role: Role) -> None:
        """Refuse ``member`` passing if this policy does not allow it now."""

    def check_call_on(self, session: Session, by: str, by_role: Role, member: str) -> None:
        """Refuse ``by`` calling on (or tagging) ``member``; by default nobody is called on."""
        raise WrongPhase(by, "call_on", self.name, f"nobody is called on in {session.phase_name}")

    def __repr__(self) -> str:
        return f"<turn policy {self.name!r}>"


class FacilitatorOnly(TurnPolicy):
    """Only facilitators and co-facilitators take the floor (opening, readings, closing)."""

    name = "facilitator-only"
    sharing = False
    timed = False
    description = "Only facilitators and co-facilitators take the floor."

    def check_take_floor(self, session: Session, member: str, role: Role) -> None:
        """Only facilitators may take the floor in this phase."""
        if not role.facilitates:
            raise NotYourTurn(
                member,
                "start_share",
                self.name,
                f"only facilitators speak in the {session.phase_name} phase",
            )

    def check_pass(self, session: Session, member: str, role: Role) -> None:
        """There are no turns to pass in a facilitator-only phase."""
        raise WrongPhase(
            member, "pass_turn", self.name, f"there are no turns to pass in {session.phase_name}"
        )


class OpenFloor(TurnPolicy):
    """Open discussion: anyone may take the floor when it is free (no round fairness)."""

    name = "open-floor"
    description = "Anyone present may take the floor when it is free; no rounds."

    def check_pass(self, session: Session, member: str, role: Role) -> None:
        """There are no turns to pass in an open discussion."""
        raise WrongPhase(
            member, "pass_turn", self.name, f"there are no turns to pass in {session.phase_name}"
        )


def _check_fair_turn(session: Session, floor: Floor, member: str, action: str) -> None:
    """Shared part of the round policies: one turn per member per round."""
    if member in floor.had_turn:
        ONE_SHARE_PER_ROUND.refuse(session, floor, member, action)
    if floor.closed:
        raise NotYourTurn(
            member,
            action,
            "round-closed",
            f"round {floor.round} of {session.phase_name} was closed by the facilitator",
        )


class SeatOrder(TurnPolicy):
    """A round in seat order (talking piece): one member at a time shares or passes."""

    name = "seat-order"
    rounds = True
    description = (
        "A round in seat order, starting to the facilitator's left: the floor is "
        "offered to one member at a time, who shares or passes."
    )

    def offered(self, floor: Floor) -> str | None:
        """The next member in seat order who has not had their turn."""
        return floor.next_up()

    def _check(self, session: Session, member: str, action: str) -> None:
        floor = session.floor
        _check_fair_turn(session, floor, member, action)
        nxt = floor.next_up()
        if nxt != member:
            why = (
                f"it is {nxt}'s turn in round {floor.round}"
                if nxt is not None
                else f"{member} is not in round {floor.round} of {session.phase_name}"
            )
            raise NotYourTurn(member, action, self.name, why)

    def check_take_floor(self, session: Session, member: str, role: Role) -> None:
        """Only the member whose turn it is may take the floor."""
        self._check(session, member, "start_share")

    def check_pass(self, session: Session, member: str, role: Role) -> None:
        """Only the member whose turn it is may pass."""
        self._check(session, member, "pass_turn")


class NewcomerIntroductions(SeatOrder):
    """A seat-order round for newcomers only: introduce yourself by first name, or pass."""

    name = "newcomer-introductions"
    description = (
        "A round for newcomers only, in seat order: each may introduce themselves "
        "or pass; nobody else is offered the floor."
    )

    def eligible(self, role: Role) -> bool:
        """Only newcomers take part."""
        return role is Role.NEWCOMER


class Popcorn(TurnPolicy):
    """Open floor with round fairness: anyone who has not had their turn may take it."""

    name = "popcorn"
    rounds = True
    auto_rollover = True
    description = (
        "Anyone who has not had their turn in this round may take the floor; when "
        "everyone has shared or passed, a new round starts."
    )

    def check_take_floor(self, session: Session, member: str, role: Role) -> None:
        """Anyone who has not had their turn this round may take the floor."""
        floor = session.floor
        if not floor.complete():
            _check_fair_turn(session, floor, member, "start_share")

    def check_pass(self, session: Session, member: str, role: Role) -> None:
        """Anyone who has not had their turn this round may pass."""
        floor = session.floor
        if not floor.complete():
            _check_fair_turn(session, floor, member, "pass_turn")


def _check_callable(session: Session, by: str, by_role: Role, member: str) -> None:
    floor = session.floor
    if member == by and not by_role.facilitates:
        raise NotYourTurn(by, "call_on", "call-on-others", f"{by} cannot name themself")
    if member in floor.had_turn and not floor.complete():
        ONE_SHARE_PER_ROUND.refuse(session, floor, member, "call_on", by)


class CalledOn(TurnPolicy):
    """The chair calls on the next speaker, with round fairness."""

    name = "called-on"
    rounds = True
    auto_rollover = True
    description = (
        "The facilitator calls on the next speaker, who shares or passes; nobody is "
        "called twice before everyone has had a turn."
    )

    def offered(self, floor: Floor) -> str | None:
        """The member called on, if any."""
        return floor.called

    def _check(self, session: Session, member: str, action: str) -> None:
        called = session.floor.called
        if called != member:
            why = (
                f"{called} was called on" if called else "the facilitator calls on the next speaker"
            )
            raise NotYourTurn(member, action, self.name, why)

    def check_take_floor(self, session: Session, member: str, role: Role) -> None:
        """Only the member called on may take the floor."""
        self._check(session, member, "start_share")

    def check_pass(self, session: Session, member: str, role: Role) -> None:
        """Only the member called on may pass."""
        self._check(session, member, "pass_turn")

    def check_call_on(self, session: Session, by: str, by_role: Role, member: str) -> None:
        """Only a facilitator calls on people, and not someone who had their turn."""
        if not by_role.facilitates:
            raise PermissionDenied(
                by, "call_on", "facilitator-only-action", "only a facilitator may call on people"
            )
        _check_callable(session, by, by_role, member)


class Tag(TurnPolicy):
    """Tag sharing: each speaker names the next; if nobody is named, anyone may volunteer."""

    name = "tag"
    rounds = True
    auto_rollover = True
    description = (
        "Each speaker names the next (a facilitator may too); when nobody is named, "
        "anyone who has not had their turn may volunteer."
    )

    def offered(self, floor: Floor) -> str | None:
        """The member tagged, if any."""
        return floor.called

    def _check(self, session: Session, member: str, action: str) -> None:
        floor = session.floor
        called = floor.called
        if called is not None and called != member:
            raise NotYourTurn(member, action, self.name, f"{called} was tagged")
        if called is None and not floor.complete():
            _check_fair_turn(session, floor, member, action)

    def check_take_floor(self, session: Session, member: str, role: Role) -> None:
        """The member tagged, or any volunteer who has not had their turn."""
        self._check(session, member, "start_share")

    def check_pass(self, session: Session, member: str, role: Role) -> None:
        """The member tagged, or any volunteer who has not had their turn, may pass."""
        self._check(session, member, "pass_turn")

    def check_call_on(self, session: Session, by: str, by_role: Role, member: str) -> None:
        """The last speaker tags the next (once); a facilitator may always."""
        floor = session.floor
        if not by_role.facilitates:
            if by != floor.last:
                raise NotYourTurn(
                    by, "call_on", self.name, "only the last speaker names the next one"
                )
            if floor.called is not None:
                raise NotYourTurn(by, "call_on", self.name, f"{floor.called} is already tagged")
        _check_callable(session, by, by_role, member)


def builtin_policies() -> Mapping[str, TurnPolicy]:
    """The turn policies that ship with peersupport, by name."""
    return {
        p.name: p
        for p in (
            FacilitatorOnly(),
            SeatOrder(),
            Popcorn(),
            OpenFloor(),
            NewcomerIntroductions(),
            CalledOn(),
            Tag(),
        )
    }


@hookimpl
def register_turn_policies(register: Any) -> None:
    """Register the built-in turn policies (the library is its own first plugin)."""
    for policy in builtin_policies().values():
        register(policy)
