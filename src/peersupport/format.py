"""Deprecated module: import these names from ``peersupport`` (or the engine modules)."""

from __future__ import annotations

from peersupport.engine.chart import GUARDS, FormatChart, Phase, Transition
from peersupport.engine.format import Format, PhaseSpec

__all__ = ["GUARDS", "Format", "FormatChart", "Phase", "PhaseSpec", "Transition"]

from peersupport.deprecation import warn

warn(
    "the module peersupport.format",
    "peersupport.engine.format and peersupport.engine.chart (or the names in peersupport)",
    stacklevel=2,
)
