"""The floor: who holds it, the current round, and the turn policies.

A phase's *turn policy* decides who may take the floor. The built-in policies:

* ``facilitator-only``: only facilitators speak (opening, readings, closing).
* ``seat-order``: a round in seat order, like a talking piece: the floor is
  offered to one member at a time; they share or pass.
* ``popcorn``: an open floor with round fairness: anyone who has not had their
  turn in this round may take the floor; when everyone present has shared or
  passed, the next share starts a new round.

The floor is on the per-share path, so :class:`Floor` is a small mutable object
with slots; :class:`FloorState` is the immutable snapshot you read from
``session.state.floor``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs

from peersupport.errors import NotYourTurn, WrongPhase
from peersupport.model import Role
from peersupport.rules import ONE_SHARE_PER_ROUND

if TYPE_CHECKING:
    from peersupport.session import Session

__all__ = [
    "FacilitatorOnly",
    "Floor",
    "FloorState",
    "Popcorn",
    "SeatOrder",
    "TurnPolicy",
    "builtin_policies",
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
        offered_to: For seat-order rounds, whose turn it is now.
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
    """The live, mutable floor of one session (internal to the engine)."""

    __slots__ = (
        "closed",
        "had_turn",
        "holder",
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

    def new_round(self, number: int, order: list[str]) -> None:
        """Start round ``number`` with the given turn order."""
        self.round = number
        self.order = order
        self.had_turn = set()
        self.passed = set()
        self.skipped = set()
        self.closed = False

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

    def snapshot(self, offers: bool) -> FloorState:
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
            offered_to=self.next_up() if offers else None,
            complete=self.complete(),
        )


class TurnPolicy:
    """Base class of turn policies: who may take the floor in a phase.

    Subclasses set the class attributes and override the two checks. A check
    raises an :class:`~peersupport.errors.ActionRejected` subclass to refuse, and
    must not change anything.

    Attributes:
        name: Stable name used in formats (e.g. ``"seat-order"``).
        rounds: Whether the phase runs rounds with one-share-per-round fairness.
        auto_rollover: Whether a new round starts by itself once a round is complete.
        offers: Whether the floor is offered to one member at a time (seat order).
        sharing: Whether floor time in this phase counts as members' shares in the
            fairness statistics (facilitator readings do not).
        timed: Whether shares are timed by the agreement's share limit by default.
    """

    name: str = ""
    rounds: bool = False
    auto_rollover: bool = False
    offers: bool = False
    sharing: bool = True
    timed: bool = True

    def check_take_floor(self, session: Session, member: str, role: Role) -> None:
        """Refuse ``member`` taking the floor if this policy does not allow it now."""

    def check_pass(self, session: Session, member: str, role: Role) -> None:
        """Refuse ``member`` passing if this policy does not allow it now."""

    def __repr__(self) -> str:
        return f"<turn policy {self.name!r}>"


class FacilitatorOnly(TurnPolicy):
    """Only facilitators and co-facilitators take the floor (opening, readings, closing)."""

    name = "facilitator-only"
    sharing = False
    timed = False

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
    offers = True

    def _check(self, session: Session, member: str, action: str) -> None:
        floor = session.floor
        _check_fair_turn(session, floor, member, action)
        nxt = floor.next_up()
        if nxt != member:
            raise NotYourTurn(
                member, action, self.name, f"it is {nxt}'s turn in round {floor.round}"
            )

    def check_take_floor(self, session: Session, member: str, role: Role) -> None:
        """Only the member whose turn it is may take the floor."""
        self._check(session, member, "start_share")

    def check_pass(self, session: Session, member: str, role: Role) -> None:
        """Only the member whose turn it is may pass."""
        self._check(session, member, "pass_turn")


class Popcorn(TurnPolicy):
    """Open floor with round fairness: anyone who has not had their turn may take it."""

    name = "popcorn"
    rounds = True
    auto_rollover = True

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


def builtin_policies() -> Mapping[str, TurnPolicy]:
    """The turn policies that ship with peersupport, by name."""
    return {p.name: p for p in (FacilitatorOnly(), SeatOrder(), Popcorn())}
