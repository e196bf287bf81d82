"""The store's group logs: each group's :class:`~peersupport.grouplog.GroupEvent` facts.

A group's log is append-only and numbered from 0, like a session's: an append
at expected length N inserts events N, N+1 ... in one transaction, and the
primary key ``(group_id, seq)`` makes a second writer at the same length fail
with :class:`~peersupport.errors.StoreConflict`, nothing written.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Sequence
from contextlib import AbstractContextManager

from peersupport.errors import LogError, StoreConflict, StoreError
from peersupport.grouplog import GroupEvent, check_group_log, group_event_from_dict
from peersupport.store.rows import Duplicate, GroupRecord, Run, encode

__all__ = ["GroupLogs", "insert_group_event", "log_end"]


def log_end(run: Run, group_id: str) -> tuple[int, float]:
    """The length of a group's log and the time of its last event (``-inf`` if empty)."""
    rows = run(
        "SELECT seq, time FROM ps_group_events WHERE group_id = :gid ORDER BY seq DESC LIMIT 1",
        {"gid": group_id},
    ).fetchall()
    return (int(rows[0][0]) + 1, float(rows[0][1])) if rows else (0, -float("inf"))


def insert_group_event(run: Run, group_id: str, event: GroupEvent) -> None:
    """Insert ``event`` into the group's log (its number checked by the primary key)."""
    row = event.to_dict()
    run(
        "INSERT INTO ps_group_events (group_id, seq, time, kind, actor, member, data) "
        "VALUES (:gid, :seq, :time, :kind, :actor, :member, :data)",
        {**row, "gid": group_id, "data": encode(row["data"])},
    )


class GroupLogs(abc.ABC):
    """The group-log half of :class:`~peersupport.store.Store` (mixed into it)."""

    @abc.abstractmethod
    def transaction(self, *, write: bool = True) -> AbstractContextManager[Run]:
        """Open a transaction (see :meth:`Store.transaction`)."""

    @abc.abstractmethod
    def group(self, group_id: str, version: int | None = None) -> GroupRecord:
        """The group's newest version, or the given one (see :meth:`Store.group`)."""

    def group_events(self, group_id: str, *, start: int = 0) -> list[GroupEvent]:
        """A group's stored events (buddy offers, pairings ...), from number ``start`` on.

        Returns:
            The events, oldest first (empty if the group has none yet).

        Raises:
            LogError: If a stored event is malformed (naming its number + 1 as line).
        """
        with self.transaction(write=False) as run:
            rows = run(
                "SELECT seq, time, kind, actor, member, data FROM ps_group_events "
                "WHERE group_id = :gid AND seq >= :start ORDER BY seq",
                {"gid": group_id, "start": start},
            ).fetchall()
        events = []
        for index, (seq, at, kind, actor, member, data) in enumerate(rows, start):
            try:
                body = json.loads(data)
            except ValueError as exc:
                raise LogError(index + 1, f"stored data is not JSON: {exc}") from None
            obj = {"seq": seq, "time": at, "kind": kind, "actor": actor, "member": member}
            event = group_event_from_dict({**obj, "data": body}, index + 1)
            if event.seq != index:
                raise LogError(index + 1, f"event {index} of the group log is missing")
            events.append(event)
        return events

    def append_group_events(
        self, group_id: str, events: Sequence[GroupEvent], *, expected: int
    ) -> int:
        """Append events to a group's log, all in one transaction.

        Args:
            group_id: A stored group.
            events: The events, numbered from ``expected`` on, in time order.
            expected: How many events the writer believes the group's log has.

        Returns:
            The new length of the group's log.

        Raises:
            StoreError: If the group is not stored or the events do not continue its log.
            StoreConflict: If the log does not have ``expected`` events (another
                writer appended first). Nothing is written.
        """
        self.group(group_id)
        if not events:
            return expected
        try:
            with self.transaction() as run:
                length, last = log_end(run, group_id)
                if length != expected:
                    raise StoreConflict(group_id, expected, length, log="group log")
                try:
                    check_group_log(events, expected, last)
                except ValueError as exc:
                    raise StoreError(f"group {group_id!r}: {exc}") from None
                for event in events:
                    insert_group_event(run, group_id, event)
        except Duplicate:
            raise StoreConflict(group_id, expected, None, log="group log") from None
        return expected + len(events)
