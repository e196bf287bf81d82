"""Old names that keep working for a while, each warning what replaces it."""

from __future__ import annotations

import warnings
from typing import Any

__all__ = ["Renamed", "warn"]


def warn(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn that ``old`` is deprecated in favour of ``new``."""
    warnings.warn(f"{old} is deprecated: use {new}", DeprecationWarning, stacklevel=stacklevel)


class Renamed:
    """A class attribute that forwards to its new name, warning on every use.

    Args:
        new: The attribute's new name on the same class.
        advice: What to use instead, for the warning (defaults to the new name).
    """

    def __init__(self, new: str, advice: str | None = None) -> None:
        self.new = new
        self.advice = advice
        self.old = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.old = f"{owner.__name__}.{name}"
        self.advice = self.advice or f"{owner.__name__}.{self.new}"

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        warn(self.old, self.advice or self.new)
        return getattr(owner if obj is None else obj, self.new)
