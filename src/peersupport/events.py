"""Events: the immutable record of everything a session accepted.

Every accepted action appends exactly one :class:`Event`; deadlines that fall due
(time warnings, overtime, hard caps, phase budgets) append events of their own.
A session's state is a fold of its events, so the log is the session.

Confidentiality by design: an event carries ids, a kind, a time and a few
numbers, never what anybody said.

Logs serialise to JSON Lines (one event per line) with cattrs; :func:`loads`
raises :class:`~peersupport.errors.LogError` naming the line of any problem.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import attrs
import cattrs
from cattrs.preconf.json import make_converter

from peersupport.errors import LogError

__all__ = ["Event", "EventKind", "dump", "dumps", "load", "loads"]

#: Values an event's ``data`` may hold: numbers, flags, ids and lists of ids.
DataValue = str | int | float | bool | None | list[str]


class EventKind(enum.StrEnum):
    """What happened. Deadline kinds and rule notices are appended by the engine itself."""

    OPENED = "opened"
    ARRIVED = "arrived"
    LEFT = "left"
    CONSENTED = "consented"
    AGREEMENT_AMENDED = "agreement_amended"
    PHASE_ENTERED = "phase_entered"
    ROUND_STARTED = "round_started"
    ROUND_CLOSED = "round_closed"
    TURN_SKIPPED = "turn_skipped"
    CALLED_ON = "called_on"
    SHARE_STARTED = "share_started"
    SHARE_ENDED = "share_ended"
    PASSED = "passed"
    INTERJECTED = "interjected"
    CROSS_TALK_BLOCKED = "cross_talk_blocked"
    TIME_WARNING = "time_warning"
    OVERTIME = "overtime"
    PHASE_TIME_UP = "phase_time_up"
    RULE_NOTICE = "rule_notice"
    PAUSED = "paused"
    RESUMED = "resumed"
    ENDED = "ended"


@attrs.frozen
class Event:
    """One thing that happened in a session.

    Attributes:
        seq: Position in the log, starting at 0 for the ``opened`` event.
        time: Clock time in seconds when it happened (for deadline events: the
            exact moment the deadline fell due).
        kind: What happened.
        actor: Id of who acted, or ``None`` when the engine acted (deadlines).
        member: Id of the member it concerns, if any (e.g. who shared).
        data: A few ids, numbers or flags (durations, phase, rule id). Never
            anything a member said.
    """

    seq: int
    time: float
    kind: EventKind
    actor: str | None = None
    member: str | None = None
    data: Mapping[str, DataValue] = attrs.field(factory=dict)


_SET_FIELDS = tuple(
    Event.__dict__[name].__set__ for name in ("seq", "time", "kind", "actor", "member", "data")
)


def new_event(
    seq: int,
    time: float,
    kind: EventKind,
    actor: str | None,
    member: str | None,
    data: Mapping[str, DataValue],
) -> Event:
    """Build an :class:`Event` the fast way, for the engine's hot path.

    Equivalent to ``Event(seq, time, kind, actor, member, data)`` (the engine has
    already checked the values) but about twice as fast: it fills the slots
    directly instead of going through the frozen class's ``__init__``.
    """
    event: Event = object.__new__(Event)
    s_seq, s_time, s_kind, s_actor, s_member, s_data = _SET_FIELDS
    s_seq(event, seq)
    s_time(event, time)
    s_kind(event, kind)
    s_actor(event, actor)
    s_member(event, member)
    s_data(event, data)
    return event


_converter = make_converter(forbid_extra_keys=True)


def _structure_strict_float(value: Any, _type: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    return float(value)


def _structure_strict_int(value: Any, _type: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, got {value!r}")
    return value


def _structure_optional_id(value: Any, _type: type) -> str | None:
    if value is not None and (not isinstance(value, str) or not value):
        raise ValueError(f"expected an id (a non-empty string) or null, got {value!r}")
    return value


def _structure_data(value: Any, _type: type) -> dict[str, DataValue]:
    if not isinstance(value, dict):
        raise ValueError(f"expected an object, got {value!r}")
    for key, item in value.items():
        if isinstance(item, list):
            if not all(isinstance(x, str) for x in item):
                raise ValueError(f"data[{key!r}] must be a list of ids, got {item!r}")
        elif item is not None and not isinstance(item, str | int | float | bool):
            raise ValueError(f"data[{key!r}] must be a number, flag or id, got {item!r}")
    return value


_converter.register_structure_hook(float, _structure_strict_float)
_converter.register_structure_hook(int, _structure_strict_int)
_DATA_TYPE = Mapping[str, DataValue]
_converter.register_structure_hook_func(lambda t: t == str | None, _structure_optional_id)
_converter.register_structure_hook_func(lambda t: t == _DATA_TYPE, _structure_data)
_converter.register_unstructure_hook_func(lambda t: t == _DATA_TYPE, dict)


def to_dict(event: Event) -> dict[str, Any]:
    """Return the JSON-ready dict form of ``event``."""
    out: dict[str, Any] = _converter.unstructure(event)
    return out


def from_dict(obj: Any, line: int = 1) -> Event:
    """Build an event from its dict form.

    Raises:
        LogError: If the object is not a well-formed event.
    """
    if not isinstance(obj, dict):
        raise LogError(line, f"expected a JSON object, got {type(obj).__name__}")
    try:
        event: Event = _converter.structure(obj, Event)
    except cattrs.BaseValidationError as exc:
        problems = "; ".join(cattrs.transform_error(exc, path="event"))
        raise LogError(line, problems) from None
    return event


def check_order(events: Sequence[Event], first_line: int = 1) -> None:
    """Check that ``events`` are numbered 0, 1, 2, ... and never go back in time.

    Raises:
        LogError: Naming the first event that is out of order.
    """
    previous = -math.inf
    for index, event in enumerate(events):
        line = first_line + index
        if event.seq != index:
            raise LogError(line, f"expected event number {index}, found {event.seq}")
        if event.time < previous:
            raise LogError(
                line, f"event {event.seq} at {event.time:g} s is earlier than the one before"
            )
        previous = event.time


def dumps(events: Iterable[Event]) -> str:
    """Serialise events to JSON Lines text (one event per line)."""
    return "".join(json.dumps(to_dict(e), separators=(",", ":")) + "\n" for e in events)


def loads(text: str) -> list[Event]:
    """Parse JSON Lines text into events, checking their order.

    Blank lines are ignored.

    Raises:
        LogError: Naming the line that is not JSON, not an event, or out of order.
    """
    events: list[Event] = []
    previous = -math.inf
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise LogError(number, f"not valid JSON: {exc.msg} (column {exc.colno})") from None
        event = from_dict(obj, number)
        if event.seq != len(events):
            raise LogError(number, f"expected event number {len(events)}, found {event.seq}")
        if event.time < previous:
            raise LogError(
                number, f"event {event.seq} at {event.time:g} s is earlier than the one before"
            )
        previous = event.time
        events.append(event)
    return events


def dump(events: Iterable[Event], target: str | Path | TextIO) -> None:
    """Write events as JSON Lines to a path or an open text file."""
    text = dumps(events)
    if isinstance(target, str | Path):
        Path(target).write_text(text, encoding="utf-8")
    else:
        target.write(text)


def load(source: str | Path | TextIO) -> list[Event]:
    """Read events from a JSON Lines path or open text file (see :func:`loads`).

    Raises:
        LogError: Naming the line that is not UTF-8, not JSON, not an event, or
            out of order.
        OSError: If the file cannot be read.
    """
    if isinstance(source, str | Path):
        raw = Path(source).read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise LogError(line, f"not UTF-8 text (byte {exc.start})") from None
        return loads(text)
    return loads(source.read())
