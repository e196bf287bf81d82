"""The floor: who holds it, the current round, and who has had their turn.

:class:`Floor` is the live floor of one session (``session.floor``): the fold
changes it, turn policies and rules read it. It is on the per-share path, so it
is a small mutable object with slots; treat it as read-only. Apps and hooks read
:class:`FloorState`, the immutable snapshot in ``session.state.floor``.
"""

from __future__ import annotations

import attrs

__all__ = ["Floor", "FloorState"]

_NONE: frozenset[str] = frozenset()


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
        called: Who was called on or tagged and has not yet taken their turn.
        last: Who last shared or passed in this phase.
        warned: Whether the current share has had its time warning.
        over: Whether the current share is in overtime.
        offered_to: Whose turn it is now, when the policy offers the floor to one
            member (seat order, a member called on or tagged); ``None`` while
            someone holds the floor.
        complete: Whether everyone in the round has had their turn (or it was closed).
        hands: The queue of raised hands in a phase that has one, in the order the
            floor will be offered (the head first).
        points: Members with a point of process not yet resolved, in the order raised.
        acknowledged: Those of ``points`` the facilitator has acknowledged.
    """

    holder: str | None
    share_started_at: float | None
    round: int
    order: tuple[str, ...]
    had_turn: frozenset[str]
    passed: frozenset[str]
    skipped: frozenset[str]
    closed: bool
    called: str | None
    last: str | None
    warned: bool
    over: bool
    offered_to: str | None
    complete: bool
    hands: tuple[str, ...] = ()
    points: tuple[str, ...] = ()
    acknowledged: frozenset[str] = frozenset()


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
        hands: The queue of raised hands (the head first); empty without a queue.
        points: Pending points of process: member -> acknowledged yet.
    """

    __slots__ = (
        "called",
        "closed",
        "had_turn",
        "hand_keys",
        "hands",
        "holder",
        "last",
        "order",
        "over",
        "passed",
        "points",
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
        self.hands: list[str] = []
        self.points: dict[str, bool] = {}
        #: The engine's memo of each waiting member's order key (it cannot change
        #: while they wait: sharing takes them off the queue); not part of the state.
        self.hand_keys: dict[str, tuple[float, ...]] = {}

    def save(self) -> tuple[object, ...]:
        """The round's state, for :meth:`restore` (the engine tries a roll-over on it)."""
        return (
            self.round,
            self.order,
            self.had_turn,
            self.passed,
            self.skipped,
            self.closed,
            self.called,
        )

    def restore(self, saved: tuple[object, ...]) -> None:
        """Put back the round's state saved by :meth:`save`."""
        (
            self.round,
            self.order,
            self.had_turn,
            self.passed,
            self.skipped,
            self.closed,
            self.called,
        ) = saved  # type: ignore[assignment]

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
            called=self.called,
            last=self.last,
            warned=self.warned,
            over=self.over,
            offered_to=offered_to,
            complete=self.complete(),
            hands=tuple(self.hands),
            points=tuple(self.points),
            acknowledged=(
                frozenset(m for m, seen in self.points.items() if seen) if self.points else _NONE
            ),
        )
