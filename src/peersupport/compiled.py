"""Compiling the engine with mypyc: which modules, and whether they run compiled.

The engine is plain Python, typed strictly enough for mypyc to compile its hot
modules into C extensions: ``python3 dev.py compile`` builds them in place (it
needs a C compiler and mypy), ``python3 dev.py clean`` removes them again. Python
imports a compiled module in preference to its ``.py`` file, so nothing else
changes; without the build, or where it is not possible, the same code runs as
plain Python. :func:`engine_compiled` says which is running.

Turn policies and rules are subclassed by plugins, so their classes carry
``@mypyc_attr(allow_interpreted_subclasses=True)``; the decorator comes from
``mypy_extensions`` when it is installed and does nothing otherwise.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TypeVar

__all__ = ["COMPILED_MODULES", "engine_compiled", "mypyc_attr"]

T = TypeVar("T")

#: The modules ``python3 dev.py compile`` compiles: the engine's hot path, and the
#: simulator's driver, which acts for every simulated member.
COMPILED_MODULES = (
    "peersupport.engine.checks",
    "peersupport.engine.deadlines",
    "peersupport.engine.facilitation",
    "peersupport.engine.failures",
    "peersupport.engine.floor",
    "peersupport.engine.fold",
    "peersupport.engine.hands",
    "peersupport.engine.ledger",
    "peersupport.engine.policies",
    "peersupport.engine.presence",
    "peersupport.engine.rules",
    "peersupport.engine.snapshot",
    "peersupport.engine.turnpolicy",
    "peersupport.engine.turns",
    "peersupport.sim.driver",
)

try:
    from mypy_extensions import mypyc_attr
except ImportError:  # pragma: no cover - plain Python without mypy_extensions

    def mypyc_attr(*attrs: str, **kwattrs: object) -> Callable[[T], T]:
        """Do nothing: the mark only matters when mypyc compiles the module."""
        return lambda cls: cls


def engine_compiled() -> bool:
    """Whether the engine's hot modules run compiled (all of them), not as plain Python.

    (The simulator's driver is compiled with them, but not looked at here: it
    needs the ``sim`` extra to import.)
    """
    return all(
        not str(getattr(importlib.import_module(name), "__file__", "")).endswith(".py")
        for name in COMPILED_MODULES
        if name.startswith("peersupport.engine.")
    )
