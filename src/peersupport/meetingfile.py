"""A group file's ``"meetings"``: reading and writing :class:`~peersupport.Meeting` as JSON.

Every field is checked as :class:`~peersupport.Meeting` checks it, and a bad
value raises a :class:`~peersupport.errors.ConfigError` naming the file and the
field's path, e.g. ``meetings[0].time``.
"""

from __future__ import annotations

from typing import Any

import attrs

from peersupport.errors import ConfigError
from peersupport.meetings import Conference, Location, Meeting, type_problem, whole_problem
from peersupport.validate import brief

__all__ = ["meeting_to_dict", "meetings_from_json"]

_MEETING_KEYS = tuple(a.name for a in attrs.fields(Meeting))
_REQUIRED = ("day", "time", "end_time", "timezone", "format")
#: Fields checked after they are built (a location, a conference) or listed (types).
_NESTED = ("location", "conference", "types")


def _fields(
    data: Any, kind: type, where: str, source: str, required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The object ``data`` as ``kind``'s fields, each checked (not nested ones, not types)."""
    if not isinstance(data, dict):
        raise ConfigError(source, f"expected an object, got {brief(data)}", where)
    fields = attrs.fields(kind)
    unknown = sorted(set(data) - {a.name for a in fields})
    if unknown:
        listed = f"{', '.join(map(repr, unknown))} (known: {', '.join(a.name for a in fields)})"
        raise ConfigError(source, f"unknown key(s) {listed}", where)
    for attr in fields:
        if attr.name in required and attr.name not in data:
            raise ConfigError(source, "missing", f"{where}.{attr.name}")
        if attr.name in data and attr.name not in _NESTED and attr.validator is not None:
            try:
                attr.validator(None, attr, data[attr.name])
            except ValueError as exc:
                raise ConfigError(source, str(exc), f"{where}.{attr.name}") from None
    return dict(data)


def _meeting(data: Any, where: str, source: str) -> Meeting:
    values = _fields(data, Meeting, where, source, _REQUIRED)
    if values.get("location") is not None:
        place = _fields(values["location"], Location, f"{where}.location", source, ("city",))
        values["location"] = Location(**place)
    if values.get("conference") is not None:
        link = _fields(values["conference"], Conference, f"{where}.conference", source)
        try:
            values["conference"] = Conference(**link)
        except ValueError as exc:
            raise ConfigError(source, str(exc), f"{where}.conference") from None
    if not isinstance(values.setdefault("types", []), list):
        raise ConfigError(
            source, f"expected a list, got {brief(values['types'])}", f"{where}.types"
        )
    values["types"] = tuple(values["types"])
    problem = type_problem(values["types"]) or whole_problem(values)
    if problem is not None:
        raise ConfigError(source, problem[1], f"{where}.{problem[0]}".rstrip("."))
    return Meeting(**values)


def meetings_from_json(data: Any, *, source: str) -> tuple[Meeting, ...]:
    """The meetings of a group file's ``"meetings"`` list.

    Args:
        data: The parsed JSON value of ``"meetings"``.
        source: Name of the file, for error messages.

    Raises:
        ConfigError: Naming ``source``, the field (e.g. ``meetings[0].time``) and
            the problem.
    """
    if not isinstance(data, list):
        raise ConfigError(source, f"expected a list, got {brief(data)}", "meetings")
    return tuple(_meeting(item, f"meetings[{index}]", source) for index, item in enumerate(data))


def meeting_to_dict(meeting: Meeting) -> dict[str, Any]:
    """The JSON form of ``meeting`` in a group file (parts that are ``None`` left out)."""
    data: dict[str, Any] = {}
    for key in _MEETING_KEYS:
        value = getattr(meeting, key)
        if isinstance(value, Location | Conference):
            data[key] = attrs.asdict(value, filter=lambda _a, v: v is not None)
        elif value is not None:
            data[key] = list(value) if key == "types" else value
    return data
