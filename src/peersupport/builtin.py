"""The library's own plugin for turn policies and rules.

The built-in turn policies (:mod:`peersupport.engine.policies`) and rules
(:mod:`peersupport.engine.rules`) are registered through exactly the same hooks
as any plugin's, from this module (the built-in formats register themselves
from :mod:`peersupport.formats`). The hooks live here, not beside the classes,
so that the engine's modules can be compiled (see ``python3 dev.py compile``).
"""

from __future__ import annotations

from typing import Any

from peersupport.engine.policies import builtin_policies
from peersupport.engine.rules import builtin_rules
from peersupport.hookspecs import hookimpl

__all__ = ["register_rules", "register_turn_policies"]


@hookimpl
def register_turn_policies(register: Any) -> None:
    """Register the built-in turn policies (the library is its own first plugin)."""
    for policy in builtin_policies().values():
        register(policy)


@hookimpl
def register_rules(register: Any) -> None:
    """Register the built-in rules (the library is its own first plugin)."""
    for rule in builtin_rules().values():
        register(rule)
