"""peersupport: run peer-support group sessions by their protocol.

Domain types (:class:`Group`, :class:`Member`, :class:`Agreement`), session
formats as compiled state charts, and fairness rules enforced by the
:class:`Session` engine. See the README and ``docs/`` for a tour.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from peersupport import events, formats, plugins, report
from peersupport.clock import Clock, ManualClock, SystemClock
from peersupport.config import dump_group, load_group
from peersupport.errors import (
    ActionRejected,
    AlreadyDone,
    ConfigError,
    ConsentRequired,
    CrossTalkBlocked,
    FormatError,
    LogError,
    NotAMember,
    NotPresent,
    NotYourTurn,
    PeersupportError,
    PermissionDenied,
    RuleViolation,
    SessionClosed,
    SessionPaused,
    WrongPhase,
)
from peersupport.events import Event, EventKind
from peersupport.floor import (
    CalledOn,
    FacilitatorOnly,
    Floor,
    FloorState,
    NewcomerIntroductions,
    OpenFloor,
    Popcorn,
    SeatOrder,
    Tag,
    TurnPolicy,
)
from peersupport.format import Format, FormatChart, Phase, PhaseSpec, Transition
from peersupport.hookspecs import hookimpl
from peersupport.model import DEFAULT_GUIDELINES, Agreement, Group, Member, Role
from peersupport.plugins import HookFailure, PluginError
from peersupport.rules import (
    NoCrossTalk,
    OneSharePerRound,
    ReservedTime,
    RightToPass,
    Rule,
    ShareTheAir,
    ShareTimeLimit,
)
from peersupport.session import Deadline, Session, SessionState, SessionStatus

try:
    __version__ = version("peersupport")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "DEFAULT_GUIDELINES",
    "ActionRejected",
    "Agreement",
    "AlreadyDone",
    "CalledOn",
    "Clock",
    "ConfigError",
    "ConsentRequired",
    "CrossTalkBlocked",
    "Deadline",
    "Event",
    "EventKind",
    "FacilitatorOnly",
    "Floor",
    "FloorState",
    "Format",
    "FormatChart",
    "FormatError",
    "Group",
    "HookFailure",
    "LogError",
    "ManualClock",
    "Member",
    "NewcomerIntroductions",
    "NoCrossTalk",
    "NotAMember",
    "NotPresent",
    "NotYourTurn",
    "OneSharePerRound",
    "OpenFloor",
    "PeersupportError",
    "PermissionDenied",
    "Phase",
    "PhaseSpec",
    "PluginError",
    "Popcorn",
    "ReservedTime",
    "RightToPass",
    "Role",
    "Rule",
    "RuleViolation",
    "SeatOrder",
    "Session",
    "SessionClosed",
    "SessionPaused",
    "SessionState",
    "SessionStatus",
    "ShareTheAir",
    "ShareTimeLimit",
    "SystemClock",
    "Tag",
    "Transition",
    "TurnPolicy",
    "WrongPhase",
    "__version__",
    "dump_group",
    "events",
    "formats",
    "hookimpl",
    "load_group",
    "plugins",
    "report",
]
