"""The vocabulary of the table of event kinds: who records a kind, what its data holds.

:class:`KindSpec` is one row of :data:`peersupport.engine.kinds.KINDS`; :class:`Actor`,
:class:`Need` and :class:`Field` are its columns' values. The table itself, and
the kinds, are in :mod:`peersupport.engine.kinds`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from peersupport.engine.kinds import EventKind

__all__ = ["Actor", "Field", "KindSpec", "Need", "spec"]


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
