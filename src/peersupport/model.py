"""Deprecated module: use peersupport.values, or the same names from ``peersupport``."""

from __future__ import annotations

from peersupport.values import DEFAULT_GUIDELINES, Agreement, Group, Member, Role

__all__ = ["DEFAULT_GUIDELINES", "Agreement", "Group", "Member", "Role"]

from peersupport.deprecation import warn

warn(
    "the module peersupport.model", "peersupport.values (or the names in peersupport)", stacklevel=2
)
