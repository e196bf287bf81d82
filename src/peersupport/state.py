"""Deprecated module: use peersupport.engine.state, or the same names from ``peersupport``."""

from __future__ import annotations

from peersupport.engine.state import Deadline, SessionState, SessionStatus

__all__ = ["Deadline", "SessionState", "SessionStatus"]

from peersupport.deprecation import warn

warn(
    "the module peersupport.state",
    "peersupport.engine.state (or the names in peersupport)",
    stacklevel=2,
)
