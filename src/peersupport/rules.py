"""Deprecated module: use peersupport.engine.rules, or the same names from ``peersupport``."""

from __future__ import annotations

from peersupport.engine.rules import (
    NoCrossTalk,
    OneSharePerRound,
    ReservedTime,
    RightToPass,
    Rule,
    ShareTheAir,
    ShareTimeLimit,
    builtin_rules,
)

__all__ = [
    "NoCrossTalk",
    "OneSharePerRound",
    "ReservedTime",
    "RightToPass",
    "Rule",
    "ShareTheAir",
    "ShareTimeLimit",
    "builtin_rules",
]

from peersupport.deprecation import warn

warn(
    "the module peersupport.rules",
    "peersupport.engine.rules (or the names in peersupport)",
    stacklevel=2,
)
