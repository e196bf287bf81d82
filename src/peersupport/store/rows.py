"""The store's tables and rows: the SQL schema, the records, and events to rows and back.

The SQL is written to mean the same on SQLite and PostgreSQL (named
``:parameters``, standard types), so :class:`~peersupport.store.base.Store`
holds it once for both back ends.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import attrs

from peersupport.config import group_from_dict
from peersupport.engine.events import Event, EventKind
from peersupport.engine.log import check_next, from_dict
from peersupport.errors import LogError, StoreError
from peersupport.values import Group

__all__ = [
    "insert_group",
    "newest_group",
    "GROUP_SELECT",
    "SCHEMA",
    "SCHEMA_VERSION",
    "SESSION_SELECT",
    "Duplicate",
    "GroupRecord",
    "Rows",
    "Run",
    "SessionRecord",
    "check_continues",
    "decode_events",
    "encode",
    "event_row",
    "group_record",
    "session_record",
]

#: The version of the tables below; a store written by a newer release is refused.
#: Version 2 added group events and feedback; a version 1 store gains their tables.
SCHEMA_VERSION = 2
#: The tables, as SQL that SQLite and PostgreSQL both run.
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS ps_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS ps_groups (group_id TEXT NOT NULL, version INTEGER NOT NULL, "
    "fingerprint TEXT NOT NULL, body TEXT NOT NULL, saved_at DOUBLE PRECISION NOT NULL, "
    "PRIMARY KEY (group_id, version))",
    "CREATE TABLE IF NOT EXISTS ps_sessions (session_id TEXT PRIMARY KEY, "
    "group_id TEXT NOT NULL, group_version INTEGER NOT NULL, format TEXT NOT NULL, "
    "chart TEXT NOT NULL, opened_at DOUBLE PRECISION NOT NULL, length INTEGER NOT NULL, "
    "ended INTEGER NOT NULL, "
    "FOREIGN KEY (group_id, group_version) REFERENCES ps_groups (group_id, version))",
    "CREATE INDEX IF NOT EXISTS ps_sessions_by_group ON ps_sessions (group_id, opened_at)",
    "CREATE TABLE IF NOT EXISTS ps_events (session_id TEXT NOT NULL "
    "REFERENCES ps_sessions (session_id), seq INTEGER NOT NULL, "
    "time DOUBLE PRECISION NOT NULL, kind TEXT NOT NULL, actor TEXT, member TEXT, "
    "data TEXT NOT NULL, PRIMARY KEY (session_id, seq))",
    "CREATE TABLE IF NOT EXISTS ps_group_events (group_id TEXT NOT NULL, seq INTEGER NOT NULL, "
    "time DOUBLE PRECISION NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL, "
    "member TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (group_id, seq))",
    # Feedback: who answered, apart from what was answered (counts; no id, time or order).
    "CREATE TABLE IF NOT EXISTS ps_feedback_given (session_id TEXT NOT NULL "
    "REFERENCES ps_sessions (session_id), member_id TEXT NOT NULL, "
    "PRIMARY KEY (session_id, member_id))",
    "CREATE TABLE IF NOT EXISTS ps_feedback_counts (session_id TEXT NOT NULL "
    "REFERENCES ps_sessions (session_id), question TEXT NOT NULL, score INTEGER NOT NULL, "
    "answers INTEGER NOT NULL, PRIMARY KEY (session_id, question, score))",
)
GROUP_SELECT = "SELECT group_id, version, fingerprint, body, saved_at FROM ps_groups"
SESSION_SELECT = (
    "SELECT session_id, group_id, group_version, format, chart, opened_at, length, ended "
    "FROM ps_sessions"
)
encode = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode


class Rows(Protocol):
    """What running one SQL statement returns (a DB-API cursor or an SQLAlchemy result)."""

    @property
    def rowcount(self) -> int:
        """Rows changed by an UPDATE or INSERT."""
        ...

    def fetchall(self) -> Sequence[Sequence[Any]]:
        """Every row a SELECT returned."""
        ...


class Run(Protocol):
    """Runs one statement with named ``:parameters`` inside the current transaction."""

    def __call__(self, sql: str, params: dict[str, Any] | None = None, /) -> Rows:
        """Run ``sql``."""
        ...


class Duplicate(Exception):
    """Raised by a back end's transaction when a primary key is already taken."""


@attrs.frozen
class GroupRecord:
    """One stored version of a group.

    Attributes:
        group_id: The app's id of the group.
        version: 1 for the first version saved, then one more per change.
        group: The group as it was at this version.
        saved_at: When this version was saved (seconds since the epoch).
    """

    group_id: str
    version: int
    group: Group
    saved_at: float


@attrs.frozen
class SessionRecord:
    """What the store knows of a session besides its events.

    Attributes:
        session_id: The app's id of the session.
        group_id: The group that met.
        group_version: The version of the group it ran under.
        format: The format's name.
        chart: The format's fingerprint when the session opened.
        opened_at: The time of its ``opened`` event.
        length: How many events are stored.
        ended: Whether its log holds the ``ended`` event.
    """

    session_id: str
    group_id: str
    group_version: int
    format: str
    chart: str
    opened_at: float
    length: int
    ended: bool


def session_record(row: Sequence[Any]) -> SessionRecord:
    """The record of a ``ps_sessions`` row."""
    sid, gid, version, fmt, chart, opened, length, ended = row
    return SessionRecord(
        sid, gid, int(version), fmt, chart, float(opened), int(length), bool(ended)
    )


def event_row(session_id: str, event: Event) -> dict[str, Any]:
    """The parameters of the ``ps_events`` row of ``event``."""
    return {
        "sid": session_id,
        "seq": event.seq,
        "time": event.time,
        "kind": event.kind.value,
        "actor": event.actor,
        "member": event.member,
        "data": encode(dict(event.data)),
    }


def group_record(row: Sequence[Any]) -> GroupRecord:
    """The record of a ``ps_groups`` row."""
    gid, version, _fp, body, saved = row
    group = group_from_dict(json.loads(body), source=f"group {gid!r} version {version}")
    return GroupRecord(gid, int(version), group, float(saved))


def check_continues(session_id: str, events: Sequence[Event], start: int, previous: float) -> None:
    """Check that ``events`` continue a stored log of ``start`` events, the last at ``previous``.

    Raises:
        StoreError: Naming the session and the first event that does not follow.
    """
    for index, event in enumerate(events, start):
        if not isinstance(event, Event):
            raise StoreError(f"session {session_id!r}: item {index} is not an Event")
        try:
            check_next(event, index, previous, index + 1)
        except LogError as exc:
            raise StoreError(f"session {session_id!r}: {exc}") from None
        previous = event.time
        if event.kind is EventKind.ENDED and index != start + len(events) - 1:
            raise StoreError(f"session {session_id!r}: no event may follow 'ended'")


def decode_events(rows: Sequence[Sequence[Any]], start: int) -> Iterator[Event]:
    """The events of ``ps_events`` rows numbered from ``start``, each checked as a log line.

    Raises:
        LogError: Naming the event's number + 1 as its line.
    """
    previous = -float("inf")
    for index, (seq, at, kind, actor, member, data) in enumerate(rows, start):
        try:
            body = json.loads(data)
        except ValueError as exc:
            raise LogError(index + 1, f"stored data is not JSON: {exc}") from None
        obj = {
            "seq": seq,
            "time": float(at),
            "kind": kind,
            "actor": actor,
            "member": member,
            "data": body,
        }
        event = from_dict(obj, index + 1)
        check_next(event, index, previous, index + 1)
        previous = event.time
        yield event


def insert_group(run: Run, group_id: str, version: int, body: str, fingerprint: str) -> float:
    """Insert version ``version`` of a group (its group file's JSON ``body``); return when."""
    saved = time.time()
    run(
        "INSERT INTO ps_groups (group_id, version, fingerprint, body, saved_at) "
        "VALUES (:gid, :v, :fp, :body, :at)",
        {"gid": group_id, "v": version, "fp": fingerprint, "body": body, "at": saved},
    )
    return saved


def newest_group(run: Run, group_id: str) -> Sequence[Any] | None:
    """The ``ps_groups`` row of the group's newest version, or ``None``."""
    rows = run(
        f"{GROUP_SELECT} WHERE group_id = :gid ORDER BY version DESC LIMIT 1", {"gid": group_id}
    ).fetchall()
    return rows[0] if rows else None
