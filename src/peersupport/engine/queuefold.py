"""The fold's steps for the queue of raised hands and for points of process.

:class:`~peersupport.engine.fold.LiveState` folds every event; the steps for
hands and points change only the :class:`~peersupport.engine.floor.Floor` and
live here. Like the rest of the fold they raise ``ValueError`` for a fact that
cannot follow the events before it.
"""

from __future__ import annotations

from collections.abc import Container

from peersupport.engine.events import EventData
from peersupport.engine.floor import Floor
from peersupport.engine.kindspec import POINT_OUTCOMES

__all__ = [
    "hand_lowered",
    "hand_moved",
    "hand_raised",
    "point_acknowledged",
    "point_raised",
    "point_resolved",
]


def _place(floor: Floor, data: EventData, more: int) -> int:
    position = data["position"]
    assert isinstance(position, int)
    if not 0 <= position <= len(floor.hands) - more:
        raise ValueError(f"position {position} is not in the queue")
    return position


def hand_raised(floor: Floor, present: Container[str], member: str, data: EventData) -> None:
    """``member`` joins the queue at the recorded position."""
    position = _place(floor, data, 0)
    if member in floor.hands or member not in present:
        raise ValueError(f"{member} cannot raise a hand: already raised, or not present")
    floor.hands.insert(position, member)


def hand_lowered(floor: Floor, member: str) -> None:
    """``member`` leaves the queue."""
    if member not in floor.hands:
        raise ValueError(f"{member}'s hand is not raised")
    floor.hands.remove(member)


def hand_moved(floor: Floor, member: str, data: EventData) -> None:
    """``member``'s entry moves to the recorded position."""
    position = _place(floor, data, 1)
    hand_lowered(floor, member)
    floor.hands.insert(position, member)


def point_raised(floor: Floor, member: str) -> None:
    """``member`` raises a point of process."""
    if member in floor.points:
        raise ValueError(f"{member} has a point of process pending")
    floor.points[member] = False


def point_acknowledged(floor: Floor, member: str) -> None:
    """The facilitator acknowledges ``member``'s point."""
    if floor.points.get(member) is not False:
        raise ValueError(f"{member} has no point of process waiting to be acknowledged")
    floor.points[member] = True


def point_resolved(floor: Floor, member: str, data: EventData) -> None:
    """The facilitator closes ``member``'s point with the recorded outcome."""
    if floor.points.get(member) is not True:
        raise ValueError(f"{member} has no acknowledged point of process")
    if data["outcome"] not in POINT_OUTCOMES:
        raise ValueError(f"a point of process ends {' or '.join(POINT_OUTCOMES)}")
    del floor.points[member]
