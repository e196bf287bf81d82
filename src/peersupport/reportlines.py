"""Timeline lines of the queue, the meeting's time, the practice of groups and their decisions.

:func:`peersupport.report.timeline` writes one readable line per event; the lines
of the kinds here are written by :func:`queue_line` and :func:`practice_line`
(``None``: not one of theirs). Names come from the caller: the log holds ids.
"""

from __future__ import annotations

from peersupport.engine.events import Event, EventKind

__all__ = ["practice_line", "queue_line"]

_K = EventKind


def queue_line(who: str, member: str, e: Event) -> str | None:
    """A line for an event of the queue of raised hands or a point of process (else ``None``)."""
    kind, data = e.kind, e.data
    by = f" (by {who})" if e.actor != e.member else ""
    place = data.get("position")
    number = place + 1 if isinstance(place, int) else None
    if kind is _K.HAND_RAISED:
        return f"{member} raises a hand: number {number} in the queue{by}"
    if kind is _K.HAND_LOWERED:
        return f"{member}'s hand goes down{by}"
    if kind is _K.HAND_MOVED:
        return f"{who} moves {member} to number {number} in the queue"
    if kind is _K.HANDS_CLEARED:
        return f"{who} clears the queue"
    if kind is _K.POINT_RAISED:
        return f"{member} raises a point of process{by}"
    if kind is _K.POINT_ACKNOWLEDGED:
        return f"{who} acknowledges {member}'s point of process"
    if kind is _K.POINT_RESOLVED:
        how = "takes it to an amendment" if data["outcome"] == "amendment" else "resolves it"
        return f"{who} {how}: {member}'s point of process"
    return None


def practice_line(who: str, member: str, e: Event) -> str | None:
    """A line for the meeting's time, listening, agenda items and amendments (else ``None``)."""
    kind, data = e.kind, e.data
    by = f" (by {who})" if e.actor != e.member else ""
    if kind is _K.TIME_TO_CLOSE:
        left = float(data["left"])  # type: ignore[arg-type]
        return f"time to close: {int(left // 60)}:{int(left % 60):02d} to the scheduled end"
    if kind is _K.MEETING_OVERRAN:
        return "the meeting runs past its scheduled end"
    if kind is _K.RULE_NOTICE and data.get("rule") == "size-guidance":
        return f"{data['present']} are present, past the group's size guidance ({data['guidance']})"
    if kind is _K.LISTENING:
        return f"{member} listens this session{by}"
    if kind is _K.ITEM_PROPOSED:
        return f"{member} proposes an agenda item{by}"
    number = data.get("proposal")
    if kind is _K.AMENDMENT_PROPOSED:
        changes = ", ".join(f"{k}={v}" for k, v in data.items() if k != "proposal")
        return f"{member} proposes amendment {number}: {changes}{by}"
    if kind is _K.AMENDMENT_DECIDED:
        count = f"{data['agree']} agree, {data['disagree']} disagree, {data['stand_aside']} aside"
        return f"{who} records the decision on amendment {number}: {data['outcome']} ({count})"
    if kind is _K.AMENDMENT_WITHDRAWN:
        return f"{who} withdraws amendment {number}"
    return None
