"""Group files: a group, its members and its agreement as JSON.

A group file looks like this (``closed``, ``default_format``, ``agreement``
and ``meetings`` may be left out, and so may any agreement setting, which then
takes its default)::

    {
      "name": "Thursday circle",
      "closed": true,
      "default_format": "sharing-circle",
      "members": [
        {"id": "dee", "name": "Dee", "role": "facilitator"},
        {"id": "al", "name": "Al", "role": "member"}
      ],
      "agreement": {"share_limit": 180, "warn_at": 150, "hard_cap": false},
      "meetings": [
        {"day": 4, "time": "19:00", "end_time": "20:30", "timezone": "Europe/Berlin",
         "format": "sharing-circle", "open": false, "types": ["D"],
         "conference": {"url": "https://meet.example.org/thursday"}}
      ]
    }

Each meeting is a :class:`~peersupport.meetings.Meeting` (``location``,
``conference``, ``open`` and ``types`` may be left out); a group without
meetings is written without the key. ``"feedback"`` sets the group's
:class:`~peersupport.FeedbackForm`, e.g. ``{"questions": ["felt-safe",
{"id": "pace", "text": "The pace was right."}], "min_answers": 5}``; a group
with the default form is written without it.

Members are listed in seat order. :func:`dump_group` writes every field, so
``load_group(path)`` after ``dump_group(group, path)`` returns an equal group.
A malformed file raises :class:`~peersupport.errors.ConfigError` naming the
file, the field and the problem, e.g. ``group.json: members[2].role: 'boss' is
not one of facilitator, co-facilitator, member, newcomer, observer``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.preconf.json import make_converter

from peersupport import formats
from peersupport.errors import ConfigError
from peersupport.feedback import DEFAULT_FEEDBACK_FORM, form_from_json, form_to_json
from peersupport.jsonio import JSONProblem, parse, read_text
from peersupport.meetingfile import meeting_to_dict, meetings_from_json
from peersupport.validate import brief
from peersupport.values import Agreement, Group, Member, Role

__all__ = ["dump_group", "group_from_dict", "group_to_dict", "load_group"]

T = TypeVar("T")


@attrs.frozen
class _MemberEntry:
    """One entry of ``members``: its shape and types (Member checks the values)."""

    id: str
    name: str
    role: Role


@attrs.frozen
class _GroupEntry:
    """A group object: its shape and types (the agreement is checked setting by setting)."""

    name: str
    members: list[_MemberEntry]
    agreement: dict[str, Any] = attrs.field(factory=dict)
    # The same defaults as Group (tests/test_cli.py checks).
    closed: bool = True
    default_format: str = "sharing-circle"
    meetings: Any = attrs.field(factory=list)
    feedback: Any = None


class _Invalid(ValueError):
    """A problem at ``path``, relative to the value being structured (e.g. ``"[2]"``)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(problem)
        self.path = path


def _json_type(value: Any) -> str:
    """The JSON name of ``value``'s type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__  # pragma: no cover - not from JSON


def _strict_str(value: Any, _type: type) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {_json_type(value)} ({brief(value)})")
    return value


def _strict_bool(value: Any, _type: type) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {brief(value)}")
    return value


def _strict_int(value: Any, _type: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {brief(value)}")
    return value


def _strict_number(value: Any, _type: type) -> float:
    # An int stays an int, so a group round-trips exactly (180 is not written back as 180.0).
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {_json_type(value)} ({brief(value)})")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {brief(value)}")
    return value


def _strict_role(value: Any, _type: type) -> Role:
    if not isinstance(value, str) or value not in {r.value for r in Role}:
        raise ValueError(f"{brief(value)} is not one of {', '.join(r.value for r in Role)}")
    return Role(value)


def _strict_lines(value: Any, _type: type) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list of strings, got {_json_type(value)} ({brief(value)})")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            got = f"{_json_type(item)} ({brief(item)})"
            raise _Invalid(f"[{index}]", f"expected a string, got {got}")
    return tuple(value)


def _strict_object(value: Any, _type: type) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"expected an object, got {_json_type(value)} ({brief(value)})")
    return value


def _checked(kind: type, check: Callable[[Any, type], Any]) -> Callable[[Any, type], Any]:
    """The converter's own hook for ``kind``, after ``check`` accepted the value."""
    base = _converter.get_structure_hook(kind)

    def hook(value: Any, type_: type) -> Any:
        check(value, type_)
        return base(value, type_)

    return hook


def _is_list(value: Any, _type: type) -> None:
    if not isinstance(value, list):
        raise ValueError(f"expected a list, got {_json_type(value)} ({brief(value)})")


_converter = make_converter(forbid_extra_keys=True)
_converter.register_structure_hook(str, _strict_str)
_converter.register_structure_hook(bool, _strict_bool)
_converter.register_structure_hook(int, _strict_int)
_converter.register_structure_hook(float, _strict_number)
_converter.register_structure_hook(Role, _strict_role)
_converter.register_structure_hook_func(lambda t: t == tuple[str, ...], _strict_lines)
_converter.register_structure_hook_func(lambda t: t == dict[str, Any], _strict_object)
# Inner hooks first: the generated hook of a class uses those registered before it.
_converter.register_structure_hook(_MemberEntry, _checked(_MemberEntry, _strict_object))
_converter.register_structure_hook_func(
    lambda t: t == list[_MemberEntry], _checked(list[_MemberEntry], _is_list)
)
_converter.register_structure_hook(_GroupEntry, _checked(_GroupEntry, _strict_object))


def _first_problem(exc: BaseException) -> tuple[str, str]:
    """The path (e.g. ``".members[2].role"``) and message of the first problem in ``exc``."""
    if isinstance(exc, cattrs.ClassValidationError | cattrs.IterableValidationError):
        noted, plain = exc.group_exceptions()
        if noted:
            inner, note = noted[0]
            if isinstance(note, cattrs.AttributeValidationNote):
                step = f".{note.name}"
            else:
                step = f"[{getattr(note, 'index', '?')}]"
            path, problem = _first_problem(inner)
            return step + path, problem
        return _first_problem(plain[0])
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        known = ", ".join(a.name for a in attrs.fields(exc.cl))
        extra = ", ".join(map(repr, sorted(exc.extra_fields)))
        return "", f"unknown key(s) {extra} (known: {known})"
    if isinstance(exc, KeyError):
        return "", "missing"
    if isinstance(exc, _Invalid):
        return exc.path, str(exc)
    return "", str(exc)


def _structure(value: Any, kind: type[T], source: str, path: str) -> T:
    """Structure ``value`` as ``kind``, or raise a ConfigError naming ``path`` and the problem."""
    try:
        result: T = _converter.structure(value, kind)
    except (cattrs.BaseValidationError, ValueError) as exc:
        where, problem = _first_problem(exc)
        raise ConfigError(source, problem, _field_path(path + where)) from None
    return result


def _field_path(path: str) -> str | None:
    return path.removeprefix(".") or None


def _validate(cls: type, values: dict[str, Any], source: str, path: str) -> None:
    """Run the attrs validators of ``cls`` on ``values``, naming the first field that fails."""
    fields = attrs.fields_dict(cls)
    for name, value in values.items():
        validator = fields[name].validator
        if validator is None:
            continue
        try:
            validator(None, fields[name], value)
        except ValueError as exc:
            raise ConfigError(source, str(exc), _field_path(f"{path}.{name}")) from None


def _agreement(settings: dict[str, Any], source: str) -> Agreement:
    fields = attrs.fields_dict(attrs.resolve_types(Agreement))
    unknown = sorted(set(settings) - set(fields))
    if unknown:
        raise ConfigError(
            source,
            f"unknown setting(s) {', '.join(map(repr, unknown))} (known: {', '.join(fields)})",
            "agreement",
        )
    values = {
        name: _structure(value, fields[name].type, source, f"agreement.{name}")  # type: ignore[arg-type]
        for name, value in settings.items()
    }
    _validate(Agreement, values, source, "agreement")
    try:
        return Agreement(**values)
    except ValueError as exc:
        raise ConfigError(source, str(exc), "agreement") from None


def group_from_dict(data: Any, *, source: str = "group") -> Group:
    """Build a group from its JSON form (see the module docs).

    Args:
        data: The parsed JSON value (e.g. from ``json.load``).
        source: Name of where the data came from, used in error messages
            (:func:`load_group` passes the file name).

    Returns:
        The group.

    Raises:
        ConfigError: Naming ``source``, the field (e.g. ``members[2].role``) and
            the problem: a missing or unknown key, a value of the wrong type, an
            unknown role, an invalid member or agreement setting (a number that
            is not finite or out of bounds included), a default format that is
            not installed, no facilitator, two members with one id, or a bad
            meeting (e.g. ``meetings[0].time``; a meeting's format must be
            installed too).
    """
    entry = _structure(data, _GroupEntry, source, "")
    roles: dict[Member, Role] = {}
    seen: set[str] = set()
    for index, item in enumerate(entry.members):
        values = {"id": item.id, "name": item.name}
        _validate(Member, values, source, f"members[{index}]")
        if item.id in seen:
            problem = f"{brief(item.id)} is already the id of an earlier member"
            raise ConfigError(source, problem, f"members[{index}].id")
        seen.add(item.id)
        roles[Member(**values)] = item.role
    agreement = _agreement(entry.agreement, source)
    if entry.default_format not in formats.names():
        raise ConfigError(
            source,
            f"{brief(entry.default_format)} is not an installed format "
            f"(installed: {', '.join(formats.names())})",
            "default_format",
        )
    meetings = meetings_from_json(entry.meetings, source=source)
    for index, meeting in enumerate(meetings):
        if meeting.format not in formats.names():
            installed = ", ".join(formats.names())
            problem = f"{brief(meeting.format)} is not an installed format (installed: {installed})"
            raise ConfigError(source, problem, f"meetings[{index}].format")
    try:
        form = DEFAULT_FEEDBACK_FORM if entry.feedback is None else form_from_json(entry.feedback)
    except ValueError as exc:
        raise ConfigError(source, str(exc), "feedback") from None
    try:
        return Group(
            name=entry.name,
            roles=roles,
            agreement=agreement,
            closed=entry.closed,
            default_format=entry.default_format,
            meetings=meetings,
            feedback=form,
        )
    except ValueError as exc:
        raise ConfigError(source, str(exc), "members" if entry.name.strip() else "name") from None


def group_to_dict(group: Group) -> dict[str, Any]:
    """Return the JSON-ready form of ``group`` (see the module docs).

    ``group_from_dict(group_to_dict(group)) == group`` for every group.
    """
    members = [_MemberEntry(m.id, m.name, role) for m, role in group.roles.items()]
    agreement: dict[str, Any] = _converter.unstructure(group.agreement)
    agreement["guidelines"] = list(group.agreement.guidelines)
    data = {
        "name": group.name,
        "closed": group.closed,
        "default_format": group.default_format,
        "members": _converter.unstructure(members, list[_MemberEntry]),
        "agreement": agreement,
    }
    if group.meetings:  # left out when empty: stored versions of old groups stay equal
        data["meetings"] = [meeting_to_dict(m) for m in group.meetings]
    if group.feedback != DEFAULT_FEEDBACK_FORM:  # the same for the default form
        data["feedback"] = form_to_json(group.feedback)
    return data


def dump_group(group: Group, path: str | Path) -> None:
    """Write ``group`` to a JSON group file (UTF-8, one line per member, in seat order).

    Raises:
        OSError: If the file cannot be written.
    """
    Path(path).write_text(_dumps(group_to_dict(group)), encoding="utf-8")


def _dumps(data: dict[str, Any]) -> str:
    """JSON text of a group object, indented, with one line per member."""
    parts = []
    for key, value in data.items():
        if key == "members" and value:
            entries = (json.dumps(m, ensure_ascii=False) for m in value)
            text = "[\n" + ",\n".join(f"    {e}" for e in entries) + "\n  ]"
        else:
            text = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        parts.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def load_group(path: str | Path) -> Group:
    """Read a group from a JSON group file written by :func:`dump_group` or by hand.

    Raises:
        ConfigError: If the file is not UTF-8 JSON (a duplicate key, nesting too
            deep or a number too long included) or not a valid group; the
            message names the file, the field and the problem.
        OSError: If the file cannot be read (e.g. it does not exist).
    """
    source = str(path)
    try:
        data = parse(read_text(Path(path)))
    except JSONProblem as exc:
        raise ConfigError(source, exc.problem) from None
    return group_from_dict(data, source=source)
