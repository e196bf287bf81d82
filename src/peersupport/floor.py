"""Deprecated module: import these names from ``peersupport`` (or the engine modules)."""

from __future__ import annotations

from peersupport.engine.floor import Floor, FloorState
from peersupport.engine.policies import (
    CalledOn,
    FacilitatorOnly,
    NewcomerIntroductions,
    OpenFloor,
    Popcorn,
    SeatOrder,
    Tag,
    TurnPolicy,
    builtin_policies,
)

__all__ = [
    "CalledOn",
    "FacilitatorOnly",
    "Floor",
    "FloorState",
    "NewcomerIntroductions",
    "OpenFloor",
    "Popcorn",
    "SeatOrder",
    "Tag",
    "TurnPolicy",
    "builtin_policies",
]

from peersupport.deprecation import warn

warn(
    "the module peersupport.floor",
    "peersupport.engine.floor and peersupport.engine.policies (or the names in peersupport)",
    stacklevel=2,
)
