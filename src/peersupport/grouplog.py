"""Group events: the facts of a group's life that no one session owns.

A session's log records one meeting. A group also has facts of its own,
between and across its meetings: a member offers to be a buddy, a newcomer
asks for one, two members are paired, a pairing ends; the agreement gets a new
version (amended between sessions, or adopted from a session), or a session's
amendment could not be adopted. Each is a
:class:`GroupEvent`, kept per group in the store as one append-only log
(:meth:`~peersupport.store.Store.group_events`,
:meth:`~peersupport.store.Store.append_group_events`): numbered from 0, in time
order, with the same optimistic concurrency as a session's log.

Like session events, group events carry ids, kinds, short codes, counts and
times, never anything a member said: :data:`GROUP_KINDS` says what each kind
holds, and making a :class:`GroupEvent` checks it. A tag (e.g. ``lang-es``) is a
code of at most 32 lowercase letters, digits and dashes, so no sentence fits.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from peersupport.engine.events import EventData
from peersupport.errors import LogError
from peersupport.validate import brief, check_code, check_count, check_id, check_time

__all__ = [
    "DECIDED_BY",
    "END_REASONS",
    "GROUP_KINDS",
    "GroupEvent",
    "GroupEventKind",
    "check_group_log",
    "group_event_from_dict",
]

#: Why a pairing ended: the codes a ``pairing_ended`` event may carry.
END_REASONS = frozenset({"completed", "asked", "left-group", "facilitator"})
#: The most newcomers one buddy may take on at once.
MAX_CAPACITY = 20


class GroupEventKind(enum.StrEnum):
    """What happened in the group (see :data:`GROUP_KINDS` for each kind's data)."""

    BUDDY_OFFERED = "buddy_offered"
    BUDDY_WITHDRAWN = "buddy_withdrawn"
    BUDDY_REQUESTED = "buddy_requested"
    REQUEST_WITHDRAWN = "request_withdrawn"
    PAIRED = "paired"
    PAIRING_ENDED = "pairing_ended"
    AGREEMENT_AMENDED = "agreement_amended"
    AGREEMENT_ADOPTED = "agreement_adopted"
    AMENDMENT_NOT_ADOPTED = "amendment_not_adopted"


def _capacity(value: Any, what: str) -> int:
    if not 1 <= check_count(value, what) <= MAX_CAPACITY:
        raise ValueError(f"{what} must be from 1 to {MAX_CAPACITY}, got {brief(value)}")
    return int(value)


def _tags(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"{what} must be a list of codes, got {brief(value)}")
    tags = tuple(check_code(tag, f"a tag in {what}") for tag in value)
    if list(tags) != sorted(set(tags)):
        raise ValueError(f"{what} must be sorted codes without repeats, got {brief(value)}")
    return tags


def _reason(value: Any, what: str) -> str:
    if value not in END_REASONS:
        raise ValueError(f"{what} must be one of {', '.join(sorted(END_REASONS))}")
    return str(value)


#: How an agreement version was decided: by the group's rule, or by a facilitator.
DECIDED_BY = ("consensus", "majority", "two-thirds", "facilitator")


def _decided(value: Any, what: str) -> str:
    if value not in DECIDED_BY:
        raise ValueError(f"{what} must be one of {', '.join(DECIDED_BY)}, got {brief(value)}")
    return str(value)


def _version(value: Any, what: str) -> int:
    if check_count(value, what) < 1:
        raise ValueError(f"{what} must be a version from 1, got {brief(value)}")
    return int(value)


def _how(value: Any, what: str) -> str:
    if value not in ("pairing-rule", "facilitator"):
        raise ValueError(f"{what} must be 'pairing-rule' or 'facilitator', got {brief(value)}")
    return str(value)


Check = Callable[[Any, str], Any]
#: Each kind's data fields and their checks (the event's ``member`` is the buddy
#: for offers, the newcomer for requests and pairings; ``actor`` is who acted).
GROUP_KINDS: dict[GroupEventKind, dict[str, Check]] = {
    GroupEventKind.BUDDY_OFFERED: {"capacity": _capacity, "tags": _tags},
    GroupEventKind.BUDDY_WITHDRAWN: {},
    GroupEventKind.BUDDY_REQUESTED: {"needs": _tags},
    GroupEventKind.REQUEST_WITHDRAWN: {},
    GroupEventKind.PAIRED: {"buddy": check_id, "how": _how},
    GroupEventKind.PAIRING_ENDED: {"buddy": check_id, "reason": _reason},
    # The agreement's versions, one line for the group (``member``: who proposed it).
    GroupEventKind.AGREEMENT_AMENDED: {"version": _version, "how": _decided},
    GroupEventKind.AGREEMENT_ADOPTED: {"version": _version, "how": _decided, "session": check_id},
    GroupEventKind.AMENDMENT_NOT_ADOPTED: {
        "version": _version,
        "session": check_id,
        "newest": _version,
    },
}


def _data(kind: GroupEventKind, data: Mapping[str, Any]) -> EventData:
    fields = GROUP_KINDS[kind]
    if set(data) != set(fields):
        raise ValueError(
            f"a {kind.value!r} group event holds {sorted(fields) or 'no data'}, got {sorted(data)}"
        )
    return EventData(
        {key: check(data[key], f"{kind.value}.{key}") for key, check in fields.items()}
    )


def _time(value: Any) -> float:
    return check_time(value, "time")


@attrs.frozen
class GroupEvent:
    """One fact of a group's life: what happened, when, who acted and whom it concerns.

    Attributes:
        seq: Position in the group's log, from 0.
        time: When it happened (seconds since the epoch).
        kind: What happened.
        actor: Id of who acted (the member themselves or a facilitator).
        member: Id of the member it concerns (the buddy of an offer, the
            newcomer of a request or pairing).
        data: Codes and counts: see :data:`GROUP_KINDS`. Never free text.

    Raises:
        ValueError: If a field does not fit the kind (naming the field).
    """

    seq: int = attrs.field(validator=lambda _s, _a, v: check_count(v, "seq"))
    time: float = attrs.field(converter=_time)
    kind: GroupEventKind = attrs.field(converter=GroupEventKind)
    actor: str = attrs.field(validator=lambda _s, _a, v: check_id(v, "actor"))
    member: str = attrs.field(validator=lambda _s, _a, v: check_id(v, "member"))
    data: EventData = attrs.field(factory=EventData)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "data", _data(self.kind, self.data))

    def to_dict(self) -> dict[str, Any]:
        """The event as plain JSON values."""
        data = {k: list(v) if isinstance(v, tuple) else v for k, v in self.data.items()}
        return {
            "seq": self.seq,
            "time": self.time,
            "kind": self.kind.value,
            "actor": self.actor,
            "member": self.member,
            "data": data,
        }


def group_event_from_dict(obj: Any, line: int) -> GroupEvent:
    """Read a group event from its :meth:`GroupEvent.to_dict` form.

    Args:
        obj: The parsed JSON object.
        line: Its line in the group's log (its number + 1), for the message.

    Raises:
        LogError: Naming the line and the problem.
    """
    if not isinstance(obj, dict) or set(obj) != {"seq", "time", "kind", "actor", "member", "data"}:
        raise LogError(line, f"not a group event: {brief(obj)}")
    try:
        return GroupEvent(**obj)
    except (ValueError, TypeError) as exc:
        raise LogError(line, str(exc)) from None


def check_group_log(events: Sequence[GroupEvent], start: int, previous: float) -> None:
    """Check that ``events`` continue a group log of ``start`` events, the last at ``previous``.

    Raises:
        ValueError: Naming the first event that does not follow (its number or time).
    """
    for index, event in enumerate(events, start):
        if not isinstance(event, GroupEvent):
            raise ValueError(f"item {index} is not a GroupEvent")
        if event.seq != index:
            raise ValueError(f"event {index} is numbered {event.seq}")
        if event.time < previous:
            raise ValueError(f"event {index} at {event.time} is earlier than the one before")
        previous = event.time
