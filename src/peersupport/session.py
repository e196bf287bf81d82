"""Deprecated module: use peersupport.engine.session, or the same names from ``peersupport``."""

from __future__ import annotations

from peersupport.engine.session import Session
from peersupport.engine.state import Deadline, SessionState, SessionStatus

__all__ = ["Deadline", "Session", "SessionState", "SessionStatus"]

from peersupport.deprecation import warn

warn(
    "the module peersupport.session",
    "peersupport.engine.session (or the names in peersupport)",
    stacklevel=2,
)
