"""Events: the immutable facts a session's log is made of.

Every change of a session's state is an :class:`Event`; the state is a fold of
the events (:mod:`peersupport.engine.fold`), so the log is the session. An
event carries ids, a kind, a time and a few numbers or flags, never what anybody
said: its :class:`EventData` holds only ids, tuples of ids, numbers, flags and
``None``, and cannot be changed once made. What each :class:`EventKind` records
is described once, in :data:`peersupport.engine.kinds.KINDS`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NoReturn, overload

from peersupport.engine.kinds import DataValue, EventKind
from peersupport.engine.schema import check_event
from peersupport.validate import check_count, check_time

__all__ = ["EMPTY", "DataValue", "Event", "EventData", "EventKind", "LogView", "new_event"]


def _read_only(self: EventData, *_args: Any, **_kwargs: Any) -> NoReturn:
    raise TypeError("event data cannot be changed: an event is a fact of the past")


class EventData(dict[str, DataValue]):
    """The data of an event: a mapping that cannot be changed, and can be hashed.

    It reads like a dict (``event.data["duration"]``, ``.get``, ``in``,
    iteration, equality with a plain dict) but every method that would change it
    raises ``TypeError``. Values are ids, numbers, flags, ``None`` or tuples of
    ids; making an :class:`Event` checks them (and turns lists into tuples).
    """

    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items()))

    def __repr__(self) -> str:
        return f"EventData({dict.__repr__(self)})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (EventData, (dict(self),))

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only


EMPTY = EventData()
_FIELDS = ("seq", "time", "kind", "actor", "member", "data")


class Event(tuple[int, float, EventKind, "str | None", "str | None", EventData]):
    """One fact of a session: what happened, when, who acted and for whom.

    Events are immutable and hashable values (an event is a tuple of its six
    fields, which are also its attributes); two events are equal when all their
    fields are. Making one checks it against its kind's entry in
    ``peersupport.events.KINDS`` (who acts, whether it names a member, what its
    data holds) and the bounds of :mod:`peersupport.validate`, so an event that
    exists is well formed.

    Attributes:
        seq: Position in the log, starting at 0 for the ``opened`` event.
        time: Clock time in seconds when it happened (for deadline events: the
            exact moment the deadline fell due).
        kind: What happened.
        actor: Id of who acted, or ``None`` when the engine acted (deadlines,
            automatic round roll-overs, rule notices).
        member: Id of the member it concerns, if any (e.g. who shared).
        data: A few ids, numbers or flags (durations, phase, rule id): see
            ``peersupport.events.KINDS``. Never anything a member said.
    """

    __slots__ = ()

    def __new__(
        cls,
        seq: int,
        time: float,
        kind: EventKind,
        actor: str | None = None,
        member: str | None = None,
        data: Mapping[str, Any] = EMPTY,
    ) -> Event:
        """Make an event, checking every field against its kind.

        Args:
            seq: Position in the log.
            time: When it happened, in seconds.
            kind: What happened.
            actor: Who acted (``None``: the engine).
            member: Whom it concerns.
            data: Its ids, numbers and flags (lists of ids become tuples).

        Raises:
            ValueError: Naming the event number and what is wrong with it.
        """
        try:
            check_count(seq, "seq")
            check_time(time, "time")
            checked = check_event(kind, actor, member, data)
        except ValueError as exc:
            raise ValueError(f"event {seq!r}: {exc}") from None
        return tuple.__new__(cls, (seq, float(time), kind, actor, member, EventData(checked)))

    if TYPE_CHECKING:  # the fields' types; at run time, fast C-level getters below

        @property
        def seq(self) -> int:
            """Position in the log (0 for ``opened``)."""

        @property
        def time(self) -> float:
            """Clock time in seconds when it happened."""

        @property
        def kind(self) -> EventKind:
            """What happened."""

        @property
        def actor(self) -> str | None:
            """Who acted, or ``None`` for the engine."""

        @property
        def member(self) -> str | None:
            """The member it concerns, if any."""

        @property
        def data(self) -> EventData:
            """Its ids, numbers and flags."""

    else:
        seq = property(itemgetter(0), doc="Position in the log (0 for ``opened``).")
        time = property(itemgetter(1), doc="Clock time in seconds when it happened.")
        kind = property(itemgetter(2), doc="What happened.")
        actor = property(itemgetter(3), doc="Who acted, or ``None`` for the engine.")
        member = property(itemgetter(4), doc="The member it concerns, if any.")
        data = property(itemgetter(5), doc="Its ids, numbers and flags (an EventData).")

    def evolve(self, **changes: Any) -> Event:
        """A copy of this event with some fields changed (checked like any new event)."""
        fields: dict[str, Any] = dict(zip(_FIELDS, self, strict=True))
        unknown = sorted(set(changes) - set(_FIELDS))
        if unknown:
            raise TypeError(f"an event has no field {', '.join(unknown)}")
        fields.update(changes)
        return Event(**fields)

    def __getnewargs__(self) -> tuple[Any, ...]:
        return tuple(self)

    def __repr__(self) -> str:
        seq, time, kind, actor, member, data = self
        return (
            f"Event(seq={seq!r}, time={time!r}, kind={kind!r}, actor={actor!r}, "
            f"member={member!r}, data={dict(data)!r})"
        )


_new = tuple.__new__


def new_event(
    seq: int,
    time: float,
    kind: EventKind,
    actor: str | None,
    member: str | None,
    data: EventData,
) -> Event:
    """Make an :class:`Event` the fast way, for the engine's hot path.

    Equivalent to ``Event(seq, time, kind, actor, member, data)`` for values
    already checked (by the engine, or by the log reader), but several times
    faster: it skips the checks.
    """
    return _new(Event, (seq, time, kind, actor, member, data))


class LogView(Sequence[Event]):
    """A read-only view of the first ``length`` events of a session's log.

    ``session.events`` returns one in O(1), whatever the log's length: no copy
    is made. The view keeps its length when the session goes on (take a new one
    to see later events); indexing, slicing (a tuple), iteration, ``len`` and
    equality with any sequence of events work as for a tuple.
    """

    __slots__ = ("_events", "_length")

    def __init__(self, events: list[Event], length: int) -> None:
        self._events = events
        self._length = length

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> Event: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Event, ...]: ...

    def __getitem__(self, index: int | slice) -> Event | tuple[Event, ...]:
        if isinstance(index, slice):
            return tuple(self._events[slice(*index.indices(self._length))])
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError("event index out of range")
        return self._events[index]

    def __iter__(self) -> Iterator[Event]:
        return itertools.islice(self._events, self._length)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(other) == self._length and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"<LogView of {self._length} events>"
