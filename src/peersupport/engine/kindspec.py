"""The vocabulary of the table of event kinds: who records a kind, what its data holds.

:class:`KindSpec` is one row of :data:`peersupport.engine.kinds.KINDS`; :class:`Actor`,
:class:`Need` and :class:`Field` are its columns' values; :class:`EventKind` names
the kinds, and the codes some kinds carry are here too. The table itself is
:mod:`peersupport.engine.kinds`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

__all__ = [
    "DECISION_OUTCOMES",
    "LOG_VERSION",
    "POINT_OUTCOMES",
    "REASONS",
    "REFERRALS",
    "Actor",
    "DataValue",
    "EventKind",
    "Field",
    "KindSpec",
    "Need",
    "spec",
]

#: Values an event's data may hold: ids, numbers, flags, ``None`` and tuples of ids.
DataValue = str | int | float | bool | None | tuple[str, ...]

LOG_VERSION = 2
"""Version of the log format written by this release; ``opened`` records it as ``"log"``."""

REASONS = ("safety", "break", "technical", "other")
"""Why a facilitator paused, resumed or ended a session (the optional ``reason`` code)."""

REFERRALS = ("crisis-line", "professional", "emergency-services", "peer-worker")
"""The kinds of support a facilitator records referring someone to (``referred``'s ``to``)."""

DECISION_OUTCOMES = ("accepted", "rejected")
"""How the group decided on a proposed amendment (``amendment_decided``'s ``outcome``)."""

POINT_OUTCOMES = ("resolved", "amendment")
"""How a point of process is closed (``point_resolved``'s ``outcome``): resolved in the
session, or taken to an amendment of the agreement."""


class EventKind(enum.StrEnum):
    """What happened. ``peersupport.events.KINDS`` says what each kind records."""

    OPENED = "opened"
    ARRIVED = "arrived"
    LEFT = "left"
    CONSENTED = "consented"
    AGREEMENT_AMENDED = "agreement_amended"
    PHASE_ENTERED = "phase_entered"
    ROUND_STARTED = "round_started"
    ROUND_CLOSED = "round_closed"
    TURN_SKIPPED = "turn_skipped"
    CALLED_ON = "called_on"
    SHARE_STARTED = "share_started"
    SHARE_ENDED = "share_ended"
    PASSED = "passed"
    INTERJECTED = "interjected"
    CROSS_TALK_BLOCKED = "cross_talk_blocked"
    TIME_WARNING = "time_warning"
    OVERTIME = "overtime"
    PHASE_TIME_UP = "phase_time_up"
    RULE_NOTICE = "rule_notice"
    PAUSED = "paused"
    RESUMED = "resumed"
    ENDED = "ended"
    HAND_RAISED = "hand_raised"
    HAND_LOWERED = "hand_lowered"
    HAND_MOVED = "hand_moved"
    HANDS_CLEARED = "hands_cleared"
    POINT_RAISED = "point_raised"
    POINT_ACKNOWLEDGED = "point_acknowledged"
    POINT_RESOLVED = "point_resolved"
    REFERRED = "referred"
    TIME_TO_CLOSE = "time_to_close"
    MEETING_OVERRAN = "meeting_overran"
    LISTENING = "listening"
    ITEM_PROPOSED = "item_proposed"
    AMENDMENT_PROPOSED = "amendment_proposed"
    AMENDMENT_DECIDED = "amendment_decided"
    AMENDMENT_WITHDRAWN = "amendment_withdrawn"


class Actor(enum.Enum):
    """Who records an event of a kind."""

    #: The member themself, or a facilitator acting for them (``by=``).
    MEMBER = "member"
    #: A present facilitator.
    FACILITATOR = "facilitator"
    #: The engine: no actor (deadlines, automatic roll-overs, notices, ``opened``).
    ENGINE = "engine"


class Need(enum.Enum):
    """Whether an event of a kind names a member."""

    #: It always concerns one member (``event.member`` is an id).
    MEMBER = "a member"
    #: It never does (``event.member`` is ``None``).
    NOBODY = "nobody"
    #: It may (a rule notice names the member of the event it follows, if any).
    MAYBE = "maybe"


class Field(enum.Enum):
    """The type of one value in an event's data."""

    ID = "an id"
    IDS = "a list of ids"
    NAMES = "a list of names (phases)"
    NAME = "a name (phase, format, role, rule or chart event)"
    FINGERPRINT = "a fingerprint"
    SECONDS = "seconds"
    TIME = "a time"
    COUNT = "a whole number"
    FLAG = "true or false"
    FRACTION = "a fraction"
    SETTING = "an agreement setting"
    ANY = "a number, flag, id or list of ids"


@attrs.frozen
class KindSpec:
    """What one kind of event is.

    Attributes:
        kind: The kind.
        actors: Who may record it.
        member: Whether it names a member.
        action: The :class:`~peersupport.Session` method that records it with an
            actor (``None``: only the engine records it).
        hook: The lifecycle hook told about it (``None``: only ``event_recorded``).
        data: Keys its data must have, with their types.
        optional: Keys its data may have, with their types.
        settings: Whether agreement settings may appear as further keys.
        open_data: Whether any further keys may appear (a rule's own notice data).
        moves_deadline: Whether it can change the next deadline.
        while_paused: Whether it may happen while the session is paused.
        summary: One line on what it records, for docs and reports.
    """

    kind: EventKind
    actors: frozenset[Actor]
    member: Need
    action: str | None
    hook: str | None
    data: Mapping[str, Field]
    optional: Mapping[str, Field]
    settings: bool
    open_data: bool
    moves_deadline: bool
    while_paused: bool
    summary: str


def spec(
    kind: EventKind,
    actors: tuple[Actor, ...],
    action: str | None,
    hook: str | None,
    summary: str,
    *,
    data: Mapping[str, Field] | None = None,
    optional: Mapping[str, Field] | None = None,
    settings: bool = False,
    open_data: bool = False,
    moves_deadline: bool = True,
    while_paused: bool = False,
    member: Need = Need.MEMBER,
) -> KindSpec:
    """One row of the table: a :class:`KindSpec` with the defaults most kinds share."""
    return KindSpec(
        kind,
        frozenset(actors),
        member,
        action,
        hook,
        dict(data or {}),
        dict(optional or {}),
        settings,
        open_data,
        moves_deadline,
        while_paused,
        summary,
    )
