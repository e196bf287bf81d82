"""A privacy-safe research export of session logs: keyed pseudonyms, no names, no free text.

A group that shares its sessions with a researcher exports them with
:func:`research_export`. Every member id becomes a keyed pseudonym (HMAC-SHA256
with a secret key the group keeps): the same person has the same pseudonym in
every session the group exports with that key, and without the key a pseudonym
cannot be turned back into an id or matched with another group's (each group
keeps its own key). Visitors (ids not in the group) get a pseudonym of their own
in each session, so they cannot be followed from one session to the next, or are
dropped with every event about them. The group's fingerprint (a hash of its ids,
roles and agreement, which could confirm a guess of who was in the group) is
replaced by a keyed hash; times may be shifted so each session opens at 0 (the
date and hour of the meeting are gone). A :class:`Manifest` says what was done.

Logs carry no names and nothing a member said in the first place (only ids,
kinds, numbers, flags and the names of phases, formats, roles and rules); the
export keeps it that way: any string in a plugin rule's own notice data that is
not a known id is removed.

What it does not protect: the number of people, the seat order, who spoke how
long and when can still single people out in a small group or a rare pattern
(someone who always shares last, a group of three). Share exports with people
you trust, for a stated purpose; an export is pseudonymous, not anonymous.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from peersupport.engine.events import Event, EventKind
from peersupport.engine.kinds import KINDS, Field
from peersupport.engine.log import dumps
from peersupport.values import Group

if TYPE_CHECKING:
    from peersupport.store.base import Store

__all__ = ["Manifest", "ResearchExport", "pseudonym", "research_export", "store_export"]

#: Bytes of the HMAC kept in a pseudonym (64 bits: 16 hex digits).
PSEUDONYM_BYTES = 8
#: Shortest key accepted (bytes).
MIN_KEY_BYTES = 16


def pseudonym(key: bytes, member_id: str, *, prefix: str = "m") -> str:
    """The keyed pseudonym of ``member_id``: ``m-`` and 16 hex digits of its HMAC-SHA256.

    Args:
        key: The group's secret key (at least 16 bytes).
        member_id: The id to hide.
        prefix: ``"m"`` for members, ``"v"`` for visitors.
    """
    digest = hmac.new(key, member_id.encode("utf-8"), hashlib.sha256).digest()
    return f"{prefix}-{digest[:PSEUDONYM_BYTES].hex()}"


@attrs.frozen
class Manifest:
    """What an export holds and what was removed or replaced (no ids, no mapping).

    Attributes:
        sessions: Sessions exported.
        events: Events exported, in all.
        members: Distinct member pseudonyms.
        visitors: ``"pseudonymised per session"`` or ``"dropped"``.
        dropped_events: Events left out (about a dropped visitor).
        dropped_values: Strings removed from rule notices (not a known id).
        times: ``"as logged"`` or ``"shifted: each session opens at 0"``.
        pseudonyms: How pseudonyms are made.
        removed: What the export replaced or removed, one line each.
    """

    sessions: int
    events: int
    members: int
    visitors: str
    dropped_events: int
    dropped_values: int
    times: str
    pseudonyms: str = (
        "HMAC-SHA256 of the id under the group's secret key, first 64 bits in hex, "
        "'m-' for members; visitors 'v-', under a key of the session's own"
    )
    removed: tuple[str, ...] = (
        "member ids (replaced by keyed pseudonyms)",
        "visitor ids (replaced per session, or dropped with their events)",
        "the group fingerprint (replaced by a keyed hash)",
        "strings in rule notices that are not known ids",
    )

    def to_dict(self) -> dict[str, Any]:
        """The manifest as a JSON-ready dict."""
        return attrs.asdict(
            self, value_serializer=lambda _i, _a, v: list(v) if isinstance(v, tuple) else v
        )


@attrs.frozen
class ResearchExport:
    """Exported sessions and their manifest.

    Attributes:
        sessions: Each session's pseudonymised events, in the order given.
        manifest: What the export holds and what was removed.
    """

    sessions: tuple[tuple[Event, ...], ...]
    manifest: Manifest

    def write(self, directory: str | Path) -> list[Path]:
        """Write ``session-0001.jsonl`` ... and ``manifest.json`` into ``directory``.

        Returns:
            The files written, the manifest last.
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for number, events in enumerate(self.sessions, start=1):
            path = out / f"session-{number:04d}.jsonl"
            path.write_text(dumps(events), encoding="utf-8")
            written.append(path)
        path = out / "manifest.json"
        path.write_text(json.dumps(self.manifest.to_dict(), indent=2) + "\n", encoding="utf-8")
        written.append(path)
        return written


class _Session:
    """Pseudonymises one session's events."""

    def __init__(self, exporter: _Exporter, group: Group, events: Sequence[Event]) -> None:
        self.x = exporter
        self.group = group
        salt = hashlib.sha256(dumps(events).encode("utf-8")).digest()
        self.visitor_key = hmac.new(exporter.key, b"visitors\0" + salt, hashlib.sha256).digest()
        self.shift = events[0].time if exporter.shift_times and events else 0.0

    def id(self, value: str) -> str | None:
        """The pseudonym of a member or visitor id (``None``: a dropped visitor)."""
        x = self.x
        if self.group.role_of(value) is not None:
            name = pseudonym(x.key, value)
            x.members.add(name)
            return name
        if x.drop_visitors:
            return None
        return pseudonym(self.visitor_key, value, prefix="v")

    def value(self, field: Field | None, value: Any) -> tuple[bool, Any]:
        """``(keep, new value)`` for one data value of type ``field`` (``None``: open data).

        A string or list in open data (or typed ``ANY``) is kept only as ids known
        to be the group's, pseudonymised; any other string is removed.
        """
        if field is Field.ID:
            new = self.id(value)
            return new is not None, new
        free = field is None or field is Field.ANY  # a plugin notice's own value
        if field is Field.IDS or (free and isinstance(value, list | tuple)):
            ids = [self.id(v) for v in value if isinstance(v, str)]
            return True, [v for v in ids if v is not None]
        if free and isinstance(value, str):
            known = self.group.role_of(value) is not None
            if not known:
                self.x.dropped_values += 1
                return False, None
            return True, self.id(value)
        return True, value

    def event(self, event: Event, seq: int) -> Event | None:
        """The event pseudonymised, numbered ``seq`` (``None``: it concerns a dropped visitor)."""
        spec = KINDS[event.kind]
        actor = None if event.actor is None else self.id(event.actor)
        member = None if event.member is None else self.id(event.member)
        if (event.actor is not None and actor is None) or (
            event.member is not None and member is None
        ):
            return None
        data: dict[str, Any] = {}
        for key, value in event.data.items():
            field = spec.data.get(key) or spec.optional.get(key)
            if field is None and spec.settings:
                field = Field.SETTING
            if event.kind is EventKind.OPENED and key == "group":  # could confirm a guess
                data[key] = hmac.new(self.x.key, str(value).encode(), hashlib.sha256).hexdigest()[
                    :16
                ]
                continue
            keep, new = self.value(field, value)
            if keep:
                data[key] = new
        return Event(seq, event.time - self.shift, event.kind, actor, member, data)


@attrs.define
class _Exporter:
    key: bytes
    drop_visitors: bool
    shift_times: bool
    members: set[str] = attrs.Factory(set)
    dropped_values: int = 0


def research_export(
    logs: Iterable[Sequence[Event]],
    group: Group | Sequence[Group],
    *,
    key: bytes,
    visitors: Literal["pseudonymise", "drop"] = "pseudonymise",
    shift_times: bool = False,
) -> ResearchExport:
    """Pseudonymise a group's session logs for research (see the module's notes).

    Args:
        logs: The sessions' event logs (e.g. from :func:`peersupport.events.load`).
        group: The group they ran with (to tell members from visitors), or one
            group per log: the group version each ran under (as
            :func:`store_export` passes them).
        key: The group's secret key, at least 16 bytes (e.g. ``secrets.token_bytes(32)``,
            kept by the group and never given to the researcher).
        visitors: ``"pseudonymise"`` each visitor per session, or ``"drop"`` them with
            every event about them (the events are renumbered).
        shift_times: Shift each session's times so it opens at 0.

    Returns:
        The exported sessions and their manifest.

    Raises:
        ValueError: If the key is shorter than 16 bytes, ``visitors`` is unknown,
            or there is not one group per log.
    """
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise ValueError(f"a research export needs a secret key of at least {MIN_KEY_BYTES} bytes")
    if visitors not in ("pseudonymise", "drop"):
        raise ValueError(f"visitors must be 'pseudonymise' or 'drop', got {visitors!r}")
    exporter = _Exporter(key, visitors == "drop", shift_times)
    logs = [list(log) for log in logs]
    groups = [group] * len(logs) if isinstance(group, Group) else list(group)
    if len(groups) != len(logs):
        raise ValueError(f"{len(logs)} logs but {len(groups)} groups: give one group per log")
    sessions: list[tuple[Event, ...]] = []
    dropped = 0
    for events, its_group in zip(logs, groups, strict=True):
        session = _Session(exporter, its_group, events)
        out: list[Event] = []
        for event in events:
            new = session.event(event, len(out))
            if new is None:
                dropped += 1
            else:
                out.append(new)
        sessions.append(tuple(out))
    manifest = Manifest(
        sessions=len(sessions),
        events=sum(len(s) for s in sessions),
        members=len(exporter.members),
        visitors="dropped" if exporter.drop_visitors else "pseudonymised per session",
        dropped_events=dropped,
        dropped_values=exporter.dropped_values,
        times="shifted: each session opens at 0" if shift_times else "as logged",
    )
    return ResearchExport(tuple(sessions), manifest)


def store_export(
    store: Store,
    group_id: str,
    *,
    key: bytes,
    visitors: Literal["pseudonymise", "drop"] = "pseudonymise",
    shift_times: bool = False,
) -> ResearchExport:
    """Pseudonymise a stored group's ended sessions, oldest first, as :func:`research_export`.

    Each session is exported with the group version it ran under, so a member
    who has since left is still a member (with their pseudonym) in their sessions.
    Sessions still running are left out.

    Raises:
        StoreError: If the group is not stored.
        ValueError: As :func:`research_export`.
    """
    store.group(group_id)
    records = [r for r in store.sessions(group_id) if r.ended]
    groups = {v: store.group(group_id, v).group for v in {r.group_version for r in records}}
    return research_export(
        [store.events(r.session_id) for r in records],
        [groups[r.group_version] for r in records],
        key=key,
        visitors=visitors,
        shift_times=shift_times,
    )
