"""Event logs as JSON Lines: one event per line, checked field by field on the way in.

:func:`dumps` writes events; :func:`loads` and :func:`load` read them back and
refuse anything malformed with a :class:`~peersupport.errors.LogError` naming the
line: not UTF-8, not JSON, duplicate keys, a line over 1 MiB, an unknown kind, a
missing or unexpected field, a value of the wrong type or out of bounds (see
:mod:`peersupport.validate`), events out of order, or a log of another version.

The ``opened`` event records the log's version (``"log"``). This release
writes and reads version :data:`~peersupport.engine.events.LOG_VERSION`. Logs
written by peersupport 0.1 (version 1) are refused with a message saying how to
upgrade them (:func:`peersupport.events.upgrade`); :func:`read_legacy` reads
them for that upgrade.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from peersupport.engine.events import Event, EventData, EventKind, new_event
from peersupport.engine.kinds import LOG_VERSION
from peersupport.engine.schema import check_event, check_value
from peersupport.errors import LogError
from peersupport.jsonio import JSONProblem, iter_lines, parse
from peersupport.validate import brief, check_count, check_id, check_time

__all__ = [
    "check_next",
    "check_order",
    "dump",
    "dumps",
    "from_dict",
    "load",
    "loads",
    "read_legacy",
    "to_dict",
]

_FIELDS = ("seq", "time", "kind", "actor", "member", "data")
_KIND_VALUES = {k.value: k for k in EventKind}
UPGRADE_HINT = (
    "upgrade it with 'peersupport upgrade LOG --group GROUP.json' or "
    "peersupport.events.upgrade(group, format, events)"
)


def to_dict(event: Event) -> dict[str, Any]:
    """Return the JSON-ready dict form of ``event``."""
    return {
        "seq": event.seq,
        "time": event.time,
        "kind": event.kind.value,
        "actor": event.actor,
        "member": event.member,
        "data": dict(event.data),
    }


def _event(obj: Any, strict: bool) -> Event:
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {brief(obj)}")
    if len(obj) != len(_FIELDS) or not all(key in obj for key in _FIELDS):
        missing = [f for f in _FIELDS if f not in obj]
        extra = sorted(str(k) for k in set(obj) - set(_FIELDS))
        raise ValueError(
            f"an event has exactly the keys {', '.join(_FIELDS)}"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(brief(k) for k in extra[:3])}" if extra else "")
        )
    seq = check_count(obj["seq"], "seq")
    time = check_time(obj["time"], "time")
    kind = _KIND_VALUES.get(obj["kind"]) if type(obj["kind"]) is str else None
    if kind is None:
        raise ValueError(f"unknown event kind {brief(obj['kind'])}")
    actor, member, raw = obj["actor"], obj["member"], obj["data"]
    if strict:
        data = check_event(kind, actor, member, raw)
    else:
        for who, what in ((actor, "actor"), (member, "member")):
            if who is not None:
                check_id(who, what)
        if not isinstance(raw, dict):
            raise ValueError(f"data must be an object, got {brief(raw)}")
        data = {k: check_value(v, f"data[{brief(k)}]") for k, v in raw.items()}
    return new_event(seq, time, kind, actor, member, EventData(data))


def from_dict(obj: Any, line: int = 1) -> Event:
    """Build an event from its dict form, checking every field.

    Raises:
        LogError: Naming ``line`` and the problem.
    """
    try:
        return _event(obj, strict=True)
    except ValueError as exc:
        raise LogError(line, str(exc)) from None


def check_order(events: Sequence[Event], first_line: int = 1) -> None:
    """Check that ``events`` are numbered 0, 1, 2, ... and never go back in time.

    Raises:
        LogError: Naming the first event that is out of order.
    """
    previous = -float("inf")
    for index, event in enumerate(events):
        check_next(event, index, previous, first_line + index)
        previous = event.time


def check_next(event: Event, index: int, previous: float, line: int) -> None:
    """Check that ``event`` can stand at ``index`` of a log, after an event at ``previous``.

    Raises:
        LogError: At ``line``: a wrong number, a time going back, or an
            ``opened`` event anywhere but first (or another kind first).
    """
    if event.seq != index:
        raise LogError(line, f"expected event number {index}, found {event.seq}")
    if event.time < previous:
        raise LogError(
            line, f"event {event.seq} at {event.time:g} s is earlier than the one before"
        )
    if (index == 0) != (event.kind is EventKind.OPENED):
        raise LogError(line, "a log starts with one 'opened' event, and has only one")


def _version(obj: Any) -> int:
    data = obj.get("data") if isinstance(obj, dict) else None
    if not isinstance(data, dict) or obj.get("kind") != "opened":
        return LOG_VERSION  # not an opening line: the event check says what is wrong
    version = data.get("log", 1)
    return version if type(version) is int else LOG_VERSION


def _read(source: str | bytes | Path | IO[str] | IO[bytes], *, legacy: bool) -> list[Event]:
    events: list[Event] = []
    previous = -float("inf")
    try:
        for number, text in iter_lines(source):
            obj = parse(text, number)
            if not events:
                version = _version(obj)
                if version == 1 and not legacy:
                    raise LogError(
                        number,
                        f"this log was written by peersupport 0.1 (log version 1); {UPGRADE_HINT}",
                    )
                if version > LOG_VERSION:
                    raise LogError(
                        number,
                        f"this log has version {version}, written by a newer peersupport; "
                        f"this release reads version {LOG_VERSION}",
                    )
            try:
                event = _event(obj, strict=not legacy)
            except ValueError as exc:
                raise LogError(number, str(exc)) from None
            check_next(event, len(events), previous, number)
            previous = event.time
            events.append(event)
    except JSONProblem as exc:
        raise LogError(exc.line, exc.problem) from None
    return events


def dumps(events: Iterable[Event]) -> str:
    """Serialise events to JSON Lines text (one event per line)."""
    encode = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode
    return "".join(encode(to_dict(e)) + "\n" for e in events)


def loads(text: str | bytes) -> list[Event]:
    """Parse JSON Lines text into events, checking every field and their order.

    Blank lines are ignored; line numbers in errors count every line.

    Raises:
        LogError: Naming the line and the problem (see the module docs).
    """
    return _read(text, legacy=False)


def dump(events: Iterable[Event], target: str | Path | IO[str]) -> None:
    """Write events as JSON Lines to a path or an open text file."""
    text = dumps(events)
    if isinstance(target, str | Path):
        Path(target).write_text(text, encoding="utf-8")
    else:
        target.write(text)


def load(source: str | Path | IO[str] | IO[bytes]) -> list[Event]:
    """Read events from a JSON Lines file: a path or an open text or binary file.

    A ``str`` is a path here; use :func:`loads` for text.

    Raises:
        LogError: Naming the line and the problem (see the module docs).
        OSError: If the file cannot be read.
    """
    return _read(Path(source) if isinstance(source, str) else source, legacy=False)


def read_legacy(source: str | Path | IO[str] | IO[bytes]) -> list[Event]:
    """Read a log of an older version, for :func:`peersupport.events.upgrade`.

    Like :func:`load` (a ``str`` is a path), but fields are checked for type and
    bounds only, not against today's kinds of events.

    Raises:
        LogError: Naming the line and the problem.
        OSError: If the file cannot be read.
    """
    return _read(Path(source) if isinstance(source, str) else source, legacy=True)
