"""The store's line of agreement versions: one line per group, amended in or between sessions.

A group's agreement versions are numbered on one line. Between sessions,
:meth:`Agreements.amend_agreement` stores the next version as a new group version
(settings and guideline text alike) and records who proposed it and how it was
decided (an ``agreement_amended`` group event). In a session, an amendment the
group accepted (``agreement_amended`` in the session's log) is **adopted** when the
store appends it: the group's next version is stored with it, and an
``agreement_adopted`` group event names the session, the proposer and the rule. If
the group's agreement moved on meanwhile (another session, or an amendment between
sessions), the session's version would collide with one already on the line: it is
not adopted, an ``amendment_not_adopted`` group event says so, and the session
goes on unchanged (its log is stored as it is). :meth:`Agreements.agreement_history`
reads the line back.

Only ids, codes, counts and times are recorded about a decision; the text of
guidelines lives in the group versions, as in a group file.
"""

from __future__ import annotations

import abc
import json
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import attrs

from peersupport.config import group_to_dict
from peersupport.engine.events import Event, EventData, EventKind
from peersupport.errors import StoreConflict, StoreError
from peersupport.grouplog import GroupEvent, GroupEventKind
from peersupport.store.groupevents import insert_group_event, log_end
from peersupport.store.rows import (
    Duplicate,
    GroupRecord,
    Run,
    encode,
    group_record,
    insert_group,
    newest_group,
)
from peersupport.validate import check_id
from peersupport.values import Agreement

__all__ = ["AgreementVersion", "Agreements"]

_AMENDED = GroupEventKind.AGREEMENT_AMENDED
_ADOPTED = GroupEventKind.AGREEMENT_ADOPTED
_NOT_ADOPTED = GroupEventKind.AMENDMENT_NOT_ADOPTED


@attrs.frozen
class AgreementVersion:
    """One version on a group's line of agreements.

    Attributes:
        version: The agreement's version number (1 first).
        agreement: The agreement (settings and guidelines).
        group_version: The first group version that holds it.
        at: When it was stored (seconds since the epoch).
        proposed_by: Who proposed it (an id), or ``None`` for the first version.
        how: ``consensus``, ``majority``, ``two-thirds`` (the group's rule) or
            ``facilitator``; ``initial`` for the first version.
        session: The session it was decided in, or ``None`` (between sessions).
    """

    version: int
    agreement: Agreement
    group_version: int
    at: float
    proposed_by: str | None
    how: str
    session: str | None


class Agreements(abc.ABC):
    """The agreement half of :class:`~peersupport.store.Store` (mixed into it)."""

    @abc.abstractmethod
    def transaction(self, *, write: bool = True) -> AbstractContextManager[Run]:
        """Open a transaction (see :meth:`Store.transaction`)."""

    @abc.abstractmethod
    def group_versions(self, group_id: str) -> list[GroupRecord]:
        """Every stored version of a group (see :meth:`Store.group_versions`)."""

    @abc.abstractmethod
    def group_events(self, group_id: str, *, start: int = 0) -> list[GroupEvent]:
        """A group's stored events (see :meth:`Store.group_events`)."""

    def amend_agreement(
        self, group_id: str, *, proposed_by: str, how: str, **changes: Any
    ) -> GroupRecord:
        """Store the next version of the group's agreement, decided between sessions.

        Settings and guidelines alike (``guidelines=[...]``): the new group version
        holds the text, the group's log who proposed it and how it was decided.

        Args:
            group_id: A stored group.
            proposed_by: The id of who proposed it (a member, or the facilitator).
            how: ``consensus``, ``majority``, ``two-thirds`` or ``facilitator``.
            **changes: The settings or guidelines that change.

        Returns:
            The new group version.

        Raises:
            StoreError: The group is not stored, or nothing changes.
            ValueError: A change is not a setting or guidelines, or is invalid.
            StoreConflict: Another writer stored a version at the same moment.
        """
        check_id(proposed_by, "proposed_by")
        if not changes:
            raise StoreError(f"group {group_id!r}: an amendment changes something")
        version = 0
        try:
            with self.transaction() as run:
                newest = newest_group(run, group_id)
                if newest is None:
                    raise StoreError(f"group {group_id!r} is not in the store")
                group, version = group_record(newest).group, int(newest[1])
                amended = group.with_agreement(group.agreement.amend(**changes))
                record = _store(run, group_id, version + 1, amended)
                data = {"version": amended.agreement.version, "how": how}
                _tell(run, group_id, _AMENDED, proposed_by, proposed_by, data)
        except Duplicate:
            raise StoreConflict(group_id, version, None, log="group") from None
        return record

    def _adopt(self, run: Run, session_id: str, group_id: str, events: Sequence[Event]) -> None:
        """Adopt the amendments in ``events`` (being appended to the session) on the group's line.

        Called by :meth:`Store.append` inside its transaction.
        """
        for event in events:
            if event.kind is not EventKind.AGREEMENT_AMENDED:
                continue
            newest = newest_group(run, group_id)
            assert newest is not None  # a stored session's group is stored
            group = group_record(newest).group
            version = event.data["version"]
            proposer, how = _proposal(run, session_id, events, event, group.agreement)
            if group.agreement.version != int(version) - 1:  # type: ignore[arg-type]
                data = {"version": version, "session": session_id}
                data["newest"] = group.agreement.version
                _tell(run, group_id, _NOT_ADOPTED, event.actor or proposer, proposer, data)
                continue
            changes = {k: v for k, v in event.data.items() if k not in ("version", "proposal")}
            amended = group.with_agreement(group.agreement.amend(**changes))
            _store(run, group_id, int(newest[1]) + 1, amended)
            data = {"version": version, "how": how, "session": session_id}
            _tell(run, group_id, _ADOPTED, event.actor or proposer, proposer, data)

    def agreement_history(self, group_id: str) -> list[AgreementVersion]:
        """The group's line of agreement versions, oldest first, with who and how.

        Raises:
            StoreError: If the group is not stored.
        """
        versions = self.group_versions(group_id)
        if not versions:
            raise StoreError(f"group {group_id!r} is not in the store")
        decided = {
            int(e.data["version"]): e  # type: ignore[arg-type]
            for e in self.group_events(group_id)
            if e.kind in (_AMENDED, _ADOPTED)
        }
        line: list[AgreementVersion] = []
        for record in versions:
            agreement = record.group.agreement
            if line and line[-1].version == agreement.version:
                continue
            event = decided.get(agreement.version)
            line.append(
                AgreementVersion(
                    agreement.version,
                    agreement,
                    record.version,
                    record.saved_at,
                    None if event is None else event.member,
                    "initial" if event is None else str(event.data["how"]),
                    None if event is None else event.data.get("session"),  # type: ignore[arg-type]
                )
            )
        return line


def _store(run: Run, group_id: str, version: int, group: Any) -> GroupRecord:
    saved = insert_group(run, group_id, version, encode(group_to_dict(group)), group.fingerprint)
    return GroupRecord(group_id, version, group, saved)


def _tell(
    run: Run, group_id: str, kind: GroupEventKind, actor: str, member: str, data: dict[str, Any]
) -> None:
    length, last = log_end(run, group_id)
    event = GroupEvent(length, max(time.time(), last), kind, actor, member, EventData(data))
    insert_group_event(run, group_id, event)


def _proposal(
    run: Run, session_id: str, batch: Sequence[Event], amended: Event, before: Agreement
) -> tuple[str, str]:
    """Who proposed the amendment and how it was decided (the group's rule, or a facilitator)."""
    number = amended.data.get("proposal")
    if number is None:
        return str(amended.actor), "facilitator"
    for event in batch:
        if event.kind is EventKind.AMENDMENT_PROPOSED and event.data["proposal"] == number:
            return str(event.member), before.decision
    rows = run(
        "SELECT member, data FROM ps_events WHERE session_id = :sid AND kind = :kind",
        {"sid": session_id, "kind": EventKind.AMENDMENT_PROPOSED.value},
    ).fetchall()
    for member, data in rows:
        if json.loads(data).get("proposal") == number:
            return str(member), before.decision
    raise StoreError(f"session {session_id!r}: proposal {number} is not in its log")
