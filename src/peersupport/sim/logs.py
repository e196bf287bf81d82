"""The fairness metrics of any session log: a real group's, or a simulated one.

A group that keeps its logs can see its own fairness over time with the very
definitions the simulator uses (:data:`~peersupport.sim.SESSION_COLUMNS`,
:data:`~peersupport.sim.MEMBER_COLUMNS`): :func:`log_metrics` restores one log
(a pure fold: no rule or policy code runs) and measures it, :func:`log_tables`
measures many into the session and member tables of a sweep. The members
measured are those who take turns as members or newcomers (not facilitators nor
observers), in the group's seat order, then visitors in the order they arrived;
their ``talkativeness`` is unknown (``nan``). For a simulated session the
numbers are exactly the simulator's own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import pandas as pd

from peersupport import formats
from peersupport.engine.events import Event, EventKind
from peersupport.engine.format import Format
from peersupport.engine.session import Session
from peersupport.sim.metrics import MEMBER_COLUMNS, SESSION_COLUMNS, collect
from peersupport.values import Group, Role

if TYPE_CHECKING:
    from peersupport.store.base import Store

__all__ = ["RealMember", "log_metrics", "log_tables", "participants", "store_tables"]

#: Roles whose members are measured: those who take turns as participants.
MEASURED = frozenset({Role.MEMBER, Role.NEWCOMER})


@attrs.frozen
class RealMember:
    """A member of a real session, as the metrics see them.

    Attributes:
        id: The member's id.
        newcomer: Whether they took part as a newcomer.
        talkativeness: Unknown for real people: ``nan``.
    """

    id: str
    newcomer: bool
    talkativeness: float = math.nan


def participants(group: Group, events: Sequence[Event], roles: dict[str, Role]) -> list[RealMember]:
    """The measured members of a session: the group's in seat order, then visitors by arrival.

    Args:
        group: The group.
        events: The session's log.
        roles: Everyone's role in the session (``state.roles``).
    """
    arrived: dict[str, None] = {}
    for event in events:
        if event.kind is EventKind.ARRIVED and event.member is not None:
            arrived.setdefault(event.member)
    seats = [m.id for m in group.members if m.id in arrived]
    visitors = [m for m in arrived if group.role_of(m) is None]
    return [
        RealMember(m, roles[m] is Role.NEWCOMER)
        for m in (*seats, *visitors)
        if roles.get(m) in MEASURED
    ]


def log_metrics(
    group: Group,
    format: Format,  # noqa: A002
    events: Sequence[Event],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Session metrics and member rows of one log, with the simulator's definitions.

    Args:
        group: The group the session ran with.
        format: Its format.
        events: Its log (e.g. from :func:`peersupport.events.load`).

    Returns:
        ``(session metrics, member rows)`` as :func:`~peersupport.sim.session_metrics`
        and :func:`~peersupport.sim.member_metrics` give them.

    Raises:
        peersupport.LogError: If the log does not restore (see ``Session.restore``).
    """
    session = Session.restore(group, format, events, hooks=False)
    members = participants(group, events, dict(session.state.roles))
    return collect(session, members)


def log_tables(
    group: Group,
    format: Format,  # noqa: A002
    logs: Iterable[Sequence[Event]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The session and member tables of many logs of one group, one row per session.

    Args:
        group: The group.
        format: The format the sessions ran.
        logs: The sessions' logs, e.g. in the order they met.

    Returns:
        ``(sessions, members)``: :data:`~peersupport.sim.SESSION_COLUMNS` with a
        ``session`` number and its ``opened_at`` time first; the member rows with
        their ``session`` number first.
    """
    sessions: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    for number, events in enumerate(logs):
        metrics, rows = log_metrics(group, format, events)
        sessions.append({"session": number, "opened_at": events[0].time, **metrics})
        members += [{"session": number, **row} for row in rows]
    return (
        pd.DataFrame(sessions, columns=["session", "opened_at", *SESSION_COLUMNS]),
        pd.DataFrame(members, columns=["session", *MEMBER_COLUMNS]),
    )


def store_tables(store: Store, group_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The session and member tables of a stored group's ended sessions, oldest first.

    Each session is measured with the group version and the format it ran
    under, as :func:`log_metrics` measures one log; sessions still running are
    left out.

    Returns:
        ``(sessions, members)`` as :func:`log_tables` gives them, with each
        session's ``session_id``, ``format`` and ``group_version`` after its number.

    Raises:
        StoreError: If the group is not stored.
        LogError: If a stored log does not restore with its group version.
    """
    store.group(group_id)
    sessions: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    ended = [r for r in store.sessions(group_id) if r.ended]
    groups = {v: store.group(group_id, v).group for v in {r.group_version for r in ended}}
    for number, record in enumerate(ended):
        group = groups[record.group_version]
        events = store.events(record.session_id)
        metrics, rows = log_metrics(group, formats.get(record.format), events)
        about = {
            "session": number,
            "session_id": record.session_id,
            "format": record.format,
            "group_version": record.group_version,
        }
        sessions.append({**about, "opened_at": record.opened_at, **metrics})
        members += [{**about, **row} for row in rows]
    head = ["session", "session_id", "format", "group_version"]
    return (
        pd.DataFrame(sessions, columns=[*head, "opened_at", *SESSION_COLUMNS]),
        pd.DataFrame(members, columns=[*head, *MEMBER_COLUMNS]),
    )
