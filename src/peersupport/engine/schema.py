"""The schema of events: every field checked against the table of kinds.

:func:`check_event` checks an event's kind, actor, member and data against its
entry in :data:`~peersupport.engine.kinds.KINDS`, and each value against the
bounds of :mod:`peersupport.validate`. Making an :class:`~peersupport.Event`
runs it, and so does reading a log; a rule's notice data goes through
:func:`check_data` before it is recorded, so no free text gets into a log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from peersupport.agreement import DECISIONS
from peersupport.engine.kinds import KINDS, Actor, DataValue, EventKind, Field, KindSpec, Need
from peersupport.validate import (
    brief,
    check_count,
    check_fraction,
    check_id,
    check_name,
    check_seconds,
    check_time,
)
from peersupport.values import SETTINGS

__all__ = ["check_data", "check_event", "check_value"]


def _fingerprint(value: Any, what: str) -> str:
    if type(value) is not str or len(value) != 16 or value.strip("0123456789abcdef"):
        raise ValueError(f"{what} must be 16 hex digits, got {brief(value)}")
    return value


def _seconds(value: Any, what: str) -> float:
    if check_time(value, what) < 0:
        raise ValueError(f"{what} must not be negative, got {brief(value)}")
    return value  # type: ignore[no-any-return]


def _names(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"{what} must be a list of names, got {brief(value)}")
    return tuple(check_name(v, f"a name in {what}") for v in value)


def _ids(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"{what} must be a list of ids, got {brief(value)}")
    return tuple(check_id(v, f"an id in {what}") for v in value)


def _flag(value: Any, what: str) -> bool:
    if type(value) is not bool:
        raise ValueError(f"{what} must be true or false, got {brief(value)}")
    return value


def _a(kind: EventKind) -> str:
    """``a 'passed'`` or ``an 'opened'``."""
    return f"{'an' if kind.value[0] in 'aeiou' else 'a'} {kind.value!r}"


def check_value(value: Any, what: str) -> DataValue:
    """Check a value of a rule's own data: a number, flag, name, ``None`` or list of ids."""
    return _any(value, what)


def _any(value: Any, what: str) -> DataValue:
    if value is None or type(value) is bool:
        return value
    if type(value) is str:
        return check_name(value, what)
    if isinstance(value, list | tuple):
        return _ids(value, what)
    if type(value) is float:
        check_time(value, what)
    elif type(value) is int:
        check_count(abs(value), what)
    else:
        raise ValueError(f"{what} must be a number, flag, id or list of ids, got {brief(value)}")
    return value  # type: ignore[no-any-return]


_CHECK: dict[Field, Callable[[Any, str], Any]] = {
    Field.ID: check_id,
    Field.IDS: _ids,
    Field.NAMES: _names,
    Field.NAME: check_name,
    Field.FINGERPRINT: _fingerprint,
    Field.SECONDS: _seconds,
    Field.TIME: check_time,
    Field.COUNT: check_count,
    Field.FLAG: _flag,
    Field.FRACTION: check_fraction,
    Field.ANY: _any,
}


def _setting(name: str, value: Any, what: str) -> DataValue:
    if name in ("hard_cap", "cross_talk", "may_pass", "phase_cap"):
        return _flag(value, what)
    if value is None:
        return None
    if name == "size_guidance":
        return check_count(value, what)
    if name == "decision":
        if value not in DECISIONS:
            raise ValueError(f"{what} must be one of {', '.join(DECISIONS)}, got {brief(value)}")
        return str(value)
    if name == "share_the_air":
        return check_fraction(value, what)
    return check_seconds(value, what)


def check_data(spec: KindSpec, data: Any) -> dict[str, DataValue]:
    """Check an event's data against its kind's :class:`KindSpec`; return the checked values.

    Raises:
        ValueError: Naming the key and the problem.
    """
    if not isinstance(data, dict):
        raise ValueError(f"data must be an object, got {brief(data)}")
    for key in spec.data:
        if key not in data:
            raise ValueError(f"{_a(spec.kind)} event needs data[{key!r}]")
    out: dict[str, DataValue] = {}
    for key, value in data.items():
        what = f"data[{brief(key)}]"
        field = spec.data.get(key) or spec.optional.get(key)
        if field is not None:
            out[key] = _CHECK[field](value, what)
        elif spec.settings and key in SETTINGS:
            out[key] = _setting(key, value, what)
        elif spec.open_data:
            out[check_name(key, "a data key")] = _any(value, what)
        else:
            raise ValueError(f"{_a(spec.kind)} event has no {what}")
    return out


def check_event(kind: Any, actor: Any, member: Any, data: Any) -> dict[str, DataValue]:
    """Check an event's kind, actor, member and data against :data:`KINDS`.

    Returns:
        The checked data (lists of ids as tuples).

    Raises:
        ValueError: Naming what is wrong.
    """
    spec = KINDS.get(kind) if isinstance(kind, EventKind) else None
    if spec is None:
        raise ValueError(f"unknown event kind {brief(kind)}")
    if actor is None:
        if Actor.ENGINE not in spec.actors:
            raise ValueError(f"{_a(kind)} event needs an actor")
    else:
        check_id(actor, "actor")
        if spec.actors == {Actor.ENGINE}:
            raise ValueError(f"{_a(kind)} event is recorded by the engine, with no actor")
    if member is None:
        if spec.member is Need.MEMBER:
            raise ValueError(f"{_a(kind)} event names the member it concerns")
    else:
        check_id(member, "member")
        if spec.member is Need.NOBODY:
            raise ValueError(f"{_a(kind)} event concerns no one member")
    return check_data(spec, data)
