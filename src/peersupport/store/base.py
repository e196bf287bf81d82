"""The event store's one API, written once over a small SQL back-end interface.

:class:`Store` holds every rule of the store: what a group version, a session
and an append are, how optimistic concurrency works, what is checked on the way
in and out. A back end (:class:`~peersupport.store.sqlite.SqliteStore`,
:class:`~peersupport.store.postgres.PostgresStore`) only opens transactions
and runs the SQL below, which is written to mean the same on SQLite and
PostgreSQL (named ``:parameters``, standard types).

Optimistic concurrency: a session row keeps the length of its log. An append at
expected length N updates that row only ``WHERE length = N`` and inserts its
events in the same transaction; if no row was updated, another writer got
there first and :class:`~peersupport.errors.StoreConflict` is raised with
nothing written. The events' primary key ``(session_id, seq)`` backs this up.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO

from peersupport import formats
from peersupport.clock import Clock, SystemClock
from peersupport.config import group_to_dict
from peersupport.engine.events import Event, EventKind
from peersupport.engine.log import dumps, load
from peersupport.engine.restore import restore
from peersupport.engine.session import Session
from peersupport.errors import LogError, StoreConflict, StoreError
from peersupport.store.agreements import Agreements
from peersupport.store.feedback import Feedback
from peersupport.store.groupevents import GroupLogs
from peersupport.store.rows import (
    GROUP_SELECT,
    SCHEMA,
    SCHEMA_VERSION,
    SESSION_SELECT,
    Duplicate,
    GroupRecord,
    Run,
    SessionRecord,
    check_continues,
    decode_events,
    encode,
    event_row,
    group_record,
    insert_group,
    newest_group,
    session_record,
)
from peersupport.validate import check_id
from peersupport.values import Group

__all__ = ["Store"]


class Store(GroupLogs, Feedback, Agreements, abc.ABC):
    """A durable, append-only store of groups, sessions and their events.

    It also keeps each group's log of group events (buddy offers and pairings:
    :meth:`group_events`, :meth:`append_group_events`), the line of its agreement
    versions (:meth:`amend_agreement`, :meth:`agreement_history`; a session's accepted
    amendment is adopted as it is appended) and the anonymous feedback on sessions
    (:meth:`give_feedback`, :meth:`feedback`).

    Every method runs in one transaction of its own: it writes all or nothing.
    Nothing a member said is ever stored: events carry ids, kinds, codes and
    times only; a group version holds the group file's fields (names included).
    Use a store as a context manager, or call :meth:`close`.
    """

    @abc.abstractmethod
    def transaction(self, *, write: bool = True) -> AbstractContextManager[Run]:
        """Open a transaction; commit when the block ends, roll back if it raises.

        Args:
            write: Whether the block writes (a back end may lock differently).

        Raises:
            Duplicate: From the block, when an insert hit a taken primary key.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Close the store's connections."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    #: A statement run before creating the tables, to keep two processes from doing it at once.
    schema_lock: str | None = None

    def _create_tables(self) -> None:
        with self.transaction() as run:
            if self.schema_lock:
                run(self.schema_lock)
            for statement in SCHEMA:
                run(statement)
            rows = run("SELECT value FROM ps_meta WHERE key = 'schema'").fetchall()
            version = {"v": str(SCHEMA_VERSION)}
            if not rows:
                run("INSERT INTO ps_meta (key, value) VALUES ('schema', :v)", version)
            elif int(rows[0][0]) > SCHEMA_VERSION:
                raise StoreError(
                    f"the store has schema version {rows[0][0]}, written by a newer "
                    f"peersupport; this release reads version {SCHEMA_VERSION}"
                )
            elif int(rows[0][0]) < SCHEMA_VERSION:  # the new tables were created above
                run("UPDATE ps_meta SET value = :v WHERE key = 'schema'", version)

    # Groups ------------------------------------------------------------------

    def save_group(self, group_id: str, group: Group) -> GroupRecord:
        """Store ``group`` as the group's newest version, unless it is unchanged.

        Returns:
            The new version, or the newest one if it already equals ``group``.

        Raises:
            StoreConflict: If another writer saved a version at the same moment.
        """
        check_id(group_id, "group_id")
        body = encode(group_to_dict(group))
        try:
            with self.transaction() as run:
                newest = newest_group(run, group_id)
                if newest is not None and newest[3] == body:
                    return group_record(newest)
                version = int(newest[1]) + 1 if newest is not None else 1
                saved = insert_group(run, group_id, version, body, group.fingerprint)
        except Duplicate:
            raise StoreConflict(group_id, version - 1, None, log="group") from None
        return GroupRecord(group_id, version, group, saved)

    def group(self, group_id: str, version: int | None = None) -> GroupRecord:
        """The group's newest version, or the given one.

        Raises:
            StoreError: If the group (or that version) is not stored.
        """
        where = " AND version = :v" if version is not None else ""
        with self.transaction(write=False) as run:
            rows = run(
                f"{GROUP_SELECT} WHERE group_id = :gid{where} ORDER BY version DESC LIMIT 1",
                {"gid": group_id, "v": version},
            ).fetchall()
        if not rows:
            which = f"version {version} of group" if version is not None else "group"
            raise StoreError(f"{which} {group_id!r} is not in the store")
        return group_record(rows[0])

    def group_versions(self, group_id: str) -> list[GroupRecord]:
        """Every stored version of a group, oldest first (empty if none)."""
        with self.transaction(write=False) as run:
            rows = run(f"{GROUP_SELECT} WHERE group_id = :gid ORDER BY version", {"gid": group_id})
            return [group_record(row) for row in rows.fetchall()]

    def start_session(
        self,
        session_id: str,
        group_id: str,
        events: Sequence[Event],
        *,
        group_version: int | None = None,
    ) -> SessionRecord:
        """Store a new session: its record and its first events (at least ``opened``).

        Args:
            session_id: The app's id for the session (unique in the store).
            group_id: The stored group that meets.
            events: The session's events so far, from its ``opened`` event.
            group_version: The group version it runs under (default: the newest).

        Raises:
            StoreError: If the group is not stored, its fingerprint is not the one
                the ``opened`` event names, the events are not a log's beginning,
                or the session id is taken.
            StoreConflict: If another writer created the session at the same moment.
        """
        check_id(session_id, "session_id")
        record = self.group(group_id, group_version)
        if not events or events[0].kind is not EventKind.OPENED:
            raise StoreError(f"session {session_id!r}: a log starts with its 'opened' event")
        opened = events[0]
        if opened.data.get("group") != record.group.fingerprint:
            raise StoreError(
                f"session {session_id!r} opened for group fingerprint "
                f"{opened.data.get('group')}, but version {record.version} of group "
                f"{group_id!r} has fingerprint {record.group.fingerprint}"
            )
        check_continues(session_id, events, 0, -float("inf"))
        ended = events[-1].kind is EventKind.ENDED
        try:
            with self.transaction() as run:
                if run(f"{SESSION_SELECT} WHERE session_id = :sid", {"sid": session_id}).fetchall():
                    raise StoreError(f"session {session_id!r} is already in the store")
                run(
                    "INSERT INTO ps_sessions (session_id, group_id, group_version, format, "
                    "chart, opened_at, length, ended) VALUES (:sid, :gid, :gv, :fmt, :chart, "
                    ":at, :n, :ended)",
                    {
                        "sid": session_id,
                        "gid": group_id,
                        "gv": record.version,
                        "fmt": opened.data["format"],
                        "chart": opened.data["chart"],
                        "at": opened.time,
                        "n": len(events),
                        "ended": int(ended),
                    },
                )
                self._insert(run, session_id, events)
        except Duplicate:
            raise StoreConflict(session_id, 0, None) from None
        return self.session(session_id)

    def append(self, session_id: str, events: Sequence[Event], *, expected: int) -> int:
        """Append one action's events to a session, all in one transaction.

        Args:
            session_id: The stored session.
            events: The events, numbered from ``expected`` on.
            expected: How many events the writer believes are stored.

        Returns:
            The new length of the stored log.

        Raises:
            StoreConflict: If the stored log does not have ``expected`` events
                (another writer appended first). Nothing is written.
            StoreError: If the session is unknown or has ended, or the events do
                not continue its log (numbering, time order, a second ``opened``).
        """
        if not events:
            return expected
        with self.transaction() as run:
            rows = run(
                "SELECT length, ended, group_id FROM ps_sessions WHERE session_id = :sid",
                {"sid": session_id},
            ).fetchall()
            if not rows:
                raise StoreError(f"session {session_id!r} is not in the store")
            length, ended = int(rows[0][0]), bool(rows[0][1])
            if length != expected:
                raise StoreConflict(session_id, expected, length)
            if ended:
                raise StoreError(f"session {session_id!r} has ended; its log is closed")
            last = run(
                "SELECT time FROM ps_events WHERE session_id = :sid AND seq = :seq",
                {"sid": session_id, "seq": expected - 1},
            ).fetchall()
            check_continues(session_id, events, expected, float(last[0][0]))
            new_length = expected + len(events)
            changed = run(
                "UPDATE ps_sessions SET length = :n, ended = :ended "
                "WHERE session_id = :sid AND length = :expected",
                {
                    "n": new_length,
                    "sid": session_id,
                    "expected": expected,
                    "ended": int(events[-1].kind is EventKind.ENDED),
                },
            )
            if changed.rowcount != 1:
                raise StoreConflict(session_id, expected, None)
            try:
                self._insert(run, session_id, events)
            except Duplicate:
                raise StoreConflict(session_id, expected, None) from None
            try:
                self._adopt(run, session_id, str(rows[0][2]), events)  # the agreement line
            except Duplicate:  # another writer stored the group's next version first
                raise StoreConflict(str(rows[0][2]), expected, None, log="group") from None
        return new_length

    def _insert(self, run: Run, session_id: str, events: Sequence[Event]) -> None:
        for event in events:
            run(
                "INSERT INTO ps_events (session_id, seq, time, kind, actor, member, data) "
                "VALUES (:sid, :seq, :time, :kind, :actor, :member, :data)",
                event_row(session_id, event),
            )

    def session(self, session_id: str) -> SessionRecord:
        """The record of a stored session.

        Raises:
            StoreError: If the session is not stored.
        """
        with self.transaction(write=False) as run:
            rows = run(f"{SESSION_SELECT} WHERE session_id = :sid", {"sid": session_id}).fetchall()
        if not rows:
            raise StoreError(f"session {session_id!r} is not in the store")
        return session_record(rows[0])

    def sessions(self, group_id: str | None = None) -> list[SessionRecord]:
        """The stored sessions (of one group, if given), in the order they opened."""
        where, params = (" WHERE group_id = :gid", {"gid": group_id}) if group_id else ("", {})
        with self.transaction(write=False) as run:
            rows = run(f"{SESSION_SELECT}{where} ORDER BY opened_at, session_id", params).fetchall()
        return [session_record(row) for row in rows]

    def events(self, session_id: str, *, start: int = 0) -> list[Event]:
        """A session's stored events, from number ``start`` on, each checked.

        Raises:
            StoreError: If the session is not stored.
            LogError: If a stored event is malformed (naming its number + 1 as line).
        """
        with self.transaction(write=False) as run:
            known = run("SELECT 1 FROM ps_sessions WHERE session_id = :sid", {"sid": session_id})
            if not known.fetchall():
                raise StoreError(f"session {session_id!r} is not in the store")
            rows = run(
                "SELECT seq, time, kind, actor, member, data FROM ps_events "
                "WHERE session_id = :sid AND seq >= :start ORDER BY seq",
                {"sid": session_id, "start": start},
            ).fetchall()
        return list(decode_events(rows, start))

    def restore(
        self, session_id: str, *, clock: Clock | None = None, hooks: bool = True
    ) -> Session:
        """Restore a stored session by folding its events (see :meth:`Session.restore`).

        Args:
            session_id: The stored session.
            clock: The clock to carry on with (default: ``SystemClock()``, real time).
            hooks: Whether plugins hear of the events that follow.

        Raises:
            StoreError: If the session is not stored.
            FormatError: If its format is not installed.
            LogError: If the stored log does not restore with its group and format.
        """
        record = self.session(session_id)
        group = self.group(record.group_id, record.group_version).group
        events = self.events(session_id)
        return Session.restore(
            group,
            formats.get(record.format),
            events,
            clock=SystemClock() if clock is None else clock,
            hooks=hooks,
        )

    # JSON Lines --------------------------------------------------------------

    def export_jsonl(self, session_id: str, target: str | Path | IO[str]) -> int:
        """Write a session's log as JSON Lines (a path or an open text file).

        Returns:
            The number of events written.
        """
        events = self.events(session_id)
        text = dumps(events)
        if isinstance(target, str | Path):
            Path(target).write_text(text, encoding="utf-8")
        else:
            target.write(text)
        return len(events)

    def import_jsonl(
        self,
        source: str | Path | IO[str] | IO[bytes] | Sequence[Event],
        *,
        session_id: str,
        group_id: str,
        group_version: int | None = None,
    ) -> SessionRecord:
        """Store a session from a JSON Lines log (or a list of events), after folding it.

        The log must restore with the stored group version and its format, as
        :meth:`Session.restore` would restore it.

        Raises:
            LogError: If the log is malformed or does not restore with the group.
            StoreError: As :meth:`start_session`.
        """
        if isinstance(source, str | Path) or hasattr(source, "read"):
            events = load(source)  # type: ignore[arg-type]  # a path or an open file
        else:
            events = list(source)
        if not events:
            raise LogError(1, "the log is empty; it must start with an 'opened' event")
        group = self.group(group_id, group_version).group
        restore(group, formats.get(str(events[0].data.get("format"))), events)
        return self.start_session(session_id, group_id, events, group_version=group_version)
