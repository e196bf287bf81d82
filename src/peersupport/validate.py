"""The checks every input goes through: ids, seconds, times and counts.

One function per kind of value, each raising :class:`ValueError` with a message
that names the value (``what``) and the rule it breaks; loaders turn that into a
:class:`~peersupport.errors.LogError` or :class:`~peersupport.errors.ConfigError`
naming the line or field.

The bounds, documented in one place:

* **Ids** of members, visitors and facilitators: 1 to :data:`MAX_ID` characters,
  no whitespace, no control or invisible format characters, and no ``@``. Ids go
  into every event log and research export, so they must be pseudonymous keys;
  an e-mail address (anything with an ``@``) is refused, so an app cannot put one
  into a log by accident: map your users to opaque ids.
* **Seconds** of a setting (share limits, warnings, reserved time, phase
  budgets): a finite number, more than 0 and at most :data:`MAX_SECONDS` (one day).
* **Times** read from a clock or a log: a finite number of seconds of magnitude
  at most :data:`MAX_TIME` (about 3,000 years either side of the epoch).
* **Counts** (event numbers, versions, rounds): whole numbers from 0 to
  :data:`MAX_COUNT`.
* **Codes** a group chooses (buddy tags, feedback question ids): 1 to 32
  lowercase letters, digits and dashes.

Booleans are never accepted as numbers.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

__all__ = [
    "MAX_COUNT",
    "MAX_ID",
    "MAX_SECONDS",
    "MAX_TIME",
    "brief",
    "check_code",
    "check_count",
    "check_fraction",
    "check_id",
    "check_name",
    "check_seconds",
    "check_time",
]

MAX_ID = 64
"""Longest id, in characters."""
MAX_SECONDS = 86_400.0
"""Longest setting in seconds (share limits, warnings, reserved time, budgets): one day."""
MAX_TIME = 1e11
"""Largest clock reading, in seconds either side of 0 (about 3,000 years)."""
MAX_COUNT = 2**53
"""Largest count (event number, version, round): 2**53, the largest exact float."""
#: Unicode categories refused in ids: controls, invisible formats, surrogates,
#: private use, unassigned, and separators (spaces, line and paragraph breaks).
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})
_BRIEF = 60
_MAX_NAME = 100
_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")


def brief(value: Any) -> str:
    """``repr(value)``, cut to a bounded length so that error messages stay short."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"an integer of {value.bit_length()} bits"
    try:
        text = repr(value)
    except ValueError:  # pragma: no cover - a repr can refuse (e.g. huge ints)
        return f"a {type(value).__name__}"
    return text if len(text) <= _BRIEF else text[: _BRIEF - 5] + "…" + text[-4:]


def check_id(value: Any, what: str = "an id") -> str:
    """Return ``value`` if it is a valid id (see the module docs).

    Args:
        value: The candidate id.
        what: What the id is, for the message (e.g. ``"member id"``).

    Raises:
        ValueError: Naming ``what`` and the rule it breaks.
    """
    if type(value) is not str:
        raise ValueError(f"{what} must be a string, got {brief(value)}")
    if not value:
        raise ValueError(f"{what} must not be empty")
    if len(value) > MAX_ID:
        raise ValueError(f"{what} has {len(value)} characters, at most {MAX_ID} are allowed")
    if not value.isprintable() or any(
        unicodedata.category(c) in _BAD_CATEGORIES for c in value if not c.isalnum()
    ):
        raise ValueError(
            f"{what} {brief(value)} contains whitespace or an invisible or control character"
        )
    if "@" in value:
        raise ValueError(
            f"{what} {brief(value)} looks like an e-mail address; ids go into event logs, "
            "so use a pseudonymous key"
        )
    return value


def check_name(value: Any, what: str = "a name") -> str:
    """Return ``value`` if it is a name: 1 to 100 printable characters, no whitespace.

    Names are what code chooses, not people: phase ids, format names, rule ids,
    role values. The bound keeps free text out of event logs.

    Raises:
        ValueError: Naming ``what``.
    """
    if type(value) is not str:
        raise ValueError(f"{what} must be a string, got {brief(value)}")
    if (
        not 0 < len(value) <= _MAX_NAME
        or not value.isprintable()
        or any(c.isspace() for c in value)
    ):
        raise ValueError(
            f"{what} must be 1 to {_MAX_NAME} printable characters without whitespace, "
            f"got {brief(value)}"
        )
    return value


def check_code(value: Any, what: str = "a code") -> str:
    """Return ``value`` if it is a code: 1 to 32 lowercase letters, digits or dashes.

    Codes are what a group chooses from a short list (a tag such as
    ``lang-es``, a question id such as ``felt-safe``); the bound keeps free text
    out of logs and answers.

    Raises:
        ValueError: Naming ``what``.
    """
    if type(value) is not str or not _CODE.fullmatch(value):
        raise ValueError(
            f"{what} must be a code of 1 to 32 lowercase letters, digits and dashes "
            f"(e.g. 'lang-es'), got {brief(value)}"
        )
    return value


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} must be a number, got {brief(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"{what} is out of range: {brief(value)}") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number, got {brief(value)}")
    return number


def check_seconds(value: Any, what: str = "a duration") -> float:
    """Return ``value`` if it is a setting in seconds: finite, > 0 and <= :data:`MAX_SECONDS`.

    Raises:
        ValueError: Naming ``what`` and the bound it breaks.
    """
    number = _number(value, what)
    if not 0 < number <= MAX_SECONDS:
        raise ValueError(
            f"{what} must be more than 0 and at most {MAX_SECONDS:g} seconds, got {brief(value)}"
        )
    return value  # type: ignore[no-any-return]


def check_fraction(value: Any, what: str = "a fraction") -> float:
    """Return ``value`` if it is a number in (0, 1].

    Raises:
        ValueError: Naming ``what``.
    """
    number = _number(value, what)
    if not 0 < number <= 1:
        raise ValueError(f"{what} must be a fraction in (0, 1], got {brief(value)}")
    return value  # type: ignore[no-any-return]


def check_time(value: Any, what: str = "a time") -> float:
    """Return ``value`` as a float if it is a finite time of magnitude <= :data:`MAX_TIME`.

    Raises:
        ValueError: Naming ``what``.
    """
    number = _number(value, what)
    if not -MAX_TIME <= number <= MAX_TIME:
        raise ValueError(f"{what} must be within ±{MAX_TIME:g} seconds, got {brief(value)}")
    return number


def check_count(value: Any, what: str = "a count") -> int:
    """Return ``value`` if it is a whole number from 0 to :data:`MAX_COUNT`.

    Raises:
        ValueError: Naming ``what``.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be a whole number, got {brief(value)}")
    if not 0 <= value <= MAX_COUNT:
        raise ValueError(f"{what} must be from 0 to {MAX_COUNT}, got {brief(value)}")
    return value
