"""peersupport: run peer-support group sessions by their protocol.

Domain types (:class:`Group`, :class:`Member`, :class:`Agreement`,
:class:`Meeting`), session formats as compiled state charts, and fairness rules
enforced by the :class:`Session` engine. See the README and ``docs/`` for a tour.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from peersupport import (
    attendance,
    buddies,
    directory,
    events,
    feedback,
    formats,
    grouplog,
    live,
    plugins,
    report,
    research,
    store,
    trends,
    validate,
)
from peersupport.buddies import Buddies
from peersupport.clock import Clock, ManualClock, SystemClock
from peersupport.config import dump_group, load_group
from peersupport.engine.chart import FormatChart, Phase, Transition
from peersupport.engine.events import Event, EventData, EventKind
from peersupport.engine.floor import Floor, FloorState
from peersupport.engine.format import Format, PhaseSpec
from peersupport.engine.policies import (
    CalledOn,
    Callers,
    FacilitatorOnly,
    HandOrder,
    NewcomerIntroductions,
    Offer,
    OpenFloor,
    Popcorn,
    ProgressiveHands,
    RaisedHands,
    SeatOrder,
    Speakers,
    Tag,
    TurnPolicy,
)
from peersupport.engine.rules import (
    Consent,
    NoCrossTalk,
    ObserversListen,
    OneSharePerRound,
    ReservedTime,
    RightToPass,
    Rule,
    ShareTheAir,
    ShareTimeLimit,
)
from peersupport.engine.schedule import TimePlan
from peersupport.engine.session import Session
from peersupport.engine.state import Deadline, SessionState, SessionStatus, SessionView
from peersupport.errors import (
    ActionRejected,
    AlreadyDone,
    ClockError,
    ConfigError,
    ConsentRequired,
    CrossTalkBlocked,
    FeedbackRefused,
    FormatError,
    LogError,
    NotAMember,
    NotPresent,
    NotYourTurn,
    PairingRefused,
    PeersupportError,
    PermissionDenied,
    PluginError,
    RuleViolation,
    SessionBusy,
    SessionClosed,
    SessionPaused,
    StoreConflict,
    StoreError,
    WrongPhase,
)
from peersupport.feedback import DEFAULT_FEEDBACK_FORM, FeedbackForm, FeedbackQuestion
from peersupport.grouplog import GroupEvent, GroupEventKind
from peersupport.hookspecs import hookimpl
from peersupport.meetings import Conference, Location, Meeting, MeetingSetting
from peersupport.plugins import HookFailure
from peersupport.values import DEFAULT_GUIDELINES, Agreement, Group, Member, Role

try:
    __version__ = version("peersupport")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "DEFAULT_FEEDBACK_FORM",
    "DEFAULT_GUIDELINES",
    "ActionRejected",
    "Agreement",
    "AlreadyDone",
    "Buddies",
    "CalledOn",
    "Callers",
    "Clock",
    "ClockError",
    "Conference",
    "ConfigError",
    "Consent",
    "ConsentRequired",
    "CrossTalkBlocked",
    "Deadline",
    "Event",
    "EventData",
    "EventKind",
    "FacilitatorOnly",
    "FeedbackForm",
    "FeedbackQuestion",
    "FeedbackRefused",
    "Floor",
    "FloorState",
    "Format",
    "FormatChart",
    "FormatError",
    "Group",
    "GroupEvent",
    "GroupEventKind",
    "HandOrder",
    "HookFailure",
    "Location",
    "LogError",
    "ManualClock",
    "Meeting",
    "MeetingSetting",
    "Member",
    "NewcomerIntroductions",
    "NoCrossTalk",
    "NotAMember",
    "NotPresent",
    "NotYourTurn",
    "ObserversListen",
    "Offer",
    "OneSharePerRound",
    "OpenFloor",
    "PairingRefused",
    "PeersupportError",
    "PermissionDenied",
    "Phase",
    "PhaseSpec",
    "PluginError",
    "Popcorn",
    "ProgressiveHands",
    "ReservedTime",
    "RightToPass",
    "RaisedHands",
    "Role",
    "Rule",
    "RuleViolation",
    "SeatOrder",
    "Session",
    "SessionBusy",
    "SessionClosed",
    "SessionPaused",
    "SessionState",
    "SessionStatus",
    "SessionView",
    "ShareTheAir",
    "ShareTimeLimit",
    "Speakers",
    "StoreConflict",
    "StoreError",
    "SystemClock",
    "TimePlan",
    "Tag",
    "Transition",
    "TurnPolicy",
    "WrongPhase",
    "__version__",
    "attendance",
    "buddies",
    "directory",
    "dump_group",
    "events",
    "feedback",
    "formats",
    "grouplog",
    "hookimpl",
    "live",
    "load_group",
    "plugins",
    "report",
    "research",
    "store",
    "trends",
    "validate",
]
