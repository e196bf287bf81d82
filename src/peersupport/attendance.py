"""Attendance and membership across a group's sessions, computed from the event store.

:func:`attendance` reads a group's stored sessions, in the order they opened,
and the group version each ran under, and returns an :class:`AttendanceTable`:
who attended each session (arrived at least once: someone who left and came
back counts once), everyone's history over time, a gentle check-in list of
members who missed several sessions in a row, and the group's size over time.

Everything here is computed from the logs' ``arrived`` events and the group
versions' member ids and roles: ids only, never names. A session still running
(no ``ended`` event) counts like an ended one. The records are frozen attrs
classes with plain values; :func:`to_rows` and :func:`as_dicts` turn them into
tuples or dicts for a table, and :func:`plot_attendance` draws the group size
and attendance per session (it needs matplotlib, from the ``sim`` extra).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

from peersupport.engine.events import Event, EventKind
from peersupport.errors import StoreError
from peersupport.values import Group, Role

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from peersupport.store.base import Store
    from peersupport.store.rows import SessionRecord

__all__ = [
    "COLUMNS",
    "AttendanceRow",
    "AttendanceTable",
    "GroupSize",
    "MemberAttendance",
    "Missed",
    "SessionAttendance",
    "Status",
    "as_dicts",
    "attendance",
    "plot_attendance",
    "to_rows",
]

#: The columns of :meth:`AttendanceTable.to_rows`, in order.
COLUMNS = ("session_id", "opened_at", "member_id", "attended", "role", "visitor")


class Status(enum.StrEnum):
    """Where a member stands at one session of the group.

    A member who attended is a *newcomer* the first time, *returning* after
    missing at least m sessions in a row, a *regular* if they attended at least
    k of the group's last n sessions (this one included), *occasional*
    otherwise. A member of the session's group version who did not come is
    *absent*. (Status is about attendance; :class:`~peersupport.Role` is about
    the part someone takes in a session.)
    """

    NEWCOMER = "newcomer"
    REGULAR = "regular"
    RETURNING = "returning"
    OCCASIONAL = "occasional"
    ABSENT = "absent"


@attrs.frozen
class AttendanceRow:
    """One person at one session: a member of its group version, or a visitor who came.

    Attributes:
        session_id: The stored session.
        opened_at: When it opened (the clock's seconds).
        member_id: The person's id.
        attended: Whether they arrived at least once.
        role: Their role in the session (a visitor's as they arrived).
        visitor: Whether they came without being in the group version.
    """

    session_id: str
    opened_at: float
    member_id: str
    attended: bool
    role: Role
    visitor: bool = False


@attrs.frozen
class SessionAttendance:
    """Who was expected at one session and who came.

    Attributes:
        session_id: The stored session.
        opened_at: When it opened.
        group_version: The group version it ran under.
        ended: Whether its log has its ``ended`` event (a running session counts too).
        rows: The group version's members in seat order, then visitors by arrival.
    """

    session_id: str
    opened_at: float
    group_version: int
    ended: bool
    rows: tuple[AttendanceRow, ...]

    @property
    def members(self) -> tuple[str, ...]:
        """The ids of the group version's members, in seat order."""
        return tuple(r.member_id for r in self.rows if not r.visitor)

    @property
    def attended(self) -> tuple[str, ...]:
        """The ids of everyone who attended: members in seat order, then visitors."""
        return tuple(r.member_id for r in self.rows if r.attended)

    @property
    def visitors(self) -> tuple[str, ...]:
        """The ids of visitors who came, in the order they first arrived."""
        return tuple(r.member_id for r in self.rows if r.visitor)


@attrs.frozen
class GroupSize:
    """The group's size at one session, and how many came.

    Attributes:
        session_id: The stored session.
        opened_at: When it opened.
        group_version: The group version it ran under.
        members: How many members that version has.
        attended: How many people attended (visitors included).
        visitors: How many of them were visitors.
    """

    session_id: str
    opened_at: float
    group_version: int
    members: int
    attended: int
    visitors: int


@attrs.frozen
class MemberAttendance:
    """One person's attendance over the group's sessions.

    Attributes:
        member_id: The person's id.
        current: Whether they are in the group's newest version.
        visitor: Whether they came only as a visitor (never in a group version).
        attended: How many sessions they attended.
        expected: How many sessions they attended or were a member at.
        first: The first session they attended (``None``: never).
        last: The last session they attended (``None``: never).
        missed_in_a_row: Sessions they missed in a row, up to the latest one.
        statuses: Their :class:`Status` at each session of the table, in order
            (``None`` where they were neither a member nor there).
    """

    member_id: str
    current: bool
    visitor: bool
    attended: int
    expected: int
    first: str | None
    last: str | None
    missed_in_a_row: int
    statuses: tuple[Status | None, ...]


@attrs.frozen
class Missed:
    """A member to check in with: how many sessions in a row they missed.

    Attributes:
        member_id: The member's id.
        missed: Sessions missed in a row, up to the latest one.
        last_attended: The last session they attended (``None``: never).
    """

    member_id: str
    missed: int
    last_attended: str | None


def _positive(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be a whole number from 1, got {value!r}")
    return value


@attrs.frozen
class AttendanceTable:
    """Attendance at a group's stored sessions (see :func:`attendance`).

    Attributes:
        group_id: The stored group.
        group_version: Its newest version.
        current: The ids of the newest version's members, in seat order.
        sessions: Each session's attendance, in the order they opened.
    """

    group_id: str
    group_version: int
    current: tuple[str, ...]
    sessions: tuple[SessionAttendance, ...]

    @property
    def rows(self) -> tuple[AttendanceRow, ...]:
        """Every session's rows, session after session."""
        return tuple(row for session in self.sessions for row in session.rows)

    def to_rows(self) -> list[tuple[Any, ...]]:
        """The rows as plain tuples in the order of :data:`COLUMNS` (roles as strings)."""
        return to_rows(self.rows)

    def as_dicts(self) -> list[dict[str, Any]]:
        """The rows as dicts keyed by :data:`COLUMNS` (roles as strings)."""
        return as_dicts(self.rows)

    def members(
        self, *, regular: tuple[int, int] = (3, 4), returning: int = 3
    ) -> tuple[MemberAttendance, ...]:
        """Everyone's attendance over time: current members in seat order, then others.

        Args:
            regular: ``(k, n)``: attending at least k of the group's last n
                sessions (the one in question included) makes a regular.
            returning: Coming back after missing at least this many sessions in a
                row makes a returning member.

        Raises:
            ValueError: If a number is not a whole number from 1, or k > n.
        """
        k, n = (_positive(v, "regular's k and n") for v in regular)
        if k > n:
            raise ValueError(f"regular means k of the last n sessions with k <= n, got {regular}")
        _positive(returning, "returning")
        ids = dict.fromkeys(self.current)
        for session in self.sessions:
            ids.update(dict.fromkeys(r.member_id for r in session.rows))
        came = [frozenset(s.attended) for s in self.sessions]
        listed = set(self.current).union(*(s.members for s in self.sessions))
        return tuple(self._member(m, came, k, n, returning, m not in listed) for m in ids)

    def _member(
        self, member: str, came: list[frozenset[str]], k: int, n: int, m: int, visitor: bool
    ) -> MemberAttendance:
        statuses: list[Status | None] = []
        attended = expected = run = 0
        first = last = None
        for index, session in enumerate(self.sessions):
            if member in came[index]:
                recent = sum(member in c for c in came[max(0, index - n + 1) : index + 1])
                status = (
                    Status.NEWCOMER
                    if not attended
                    else Status.RETURNING
                    if run >= m
                    else Status.REGULAR
                    if recent >= k
                    else Status.OCCASIONAL
                )
                attended, run, last = attended + 1, 0, session.session_id
                first = first or last
            elif member in session.members:
                status, run = Status.ABSENT, run + 1
            else:
                statuses.append(None)
                continue
            expected += 1
            statuses.append(status)
        current = member in self.current
        return MemberAttendance(
            member, current, visitor, attended, expected, first, last, run, tuple(statuses)
        )

    def missed_in_a_row(self, threshold: int = 3) -> tuple[Missed, ...]:
        """Members to check in with gently: who missed ``threshold`` or more sessions in a row.

        Only members of the newest group version are listed (not those who left
        the group, nor visitors), most missed first, then by id.

        Raises:
            ValueError: If ``threshold`` is not a whole number from 1.
        """
        _positive(threshold, "threshold")
        found = [
            Missed(m.member_id, m.missed_in_a_row, m.last)
            for m in self.members()
            if m.current and m.missed_in_a_row >= threshold
        ]
        return tuple(sorted(found, key=lambda missed: (-missed.missed, missed.member_id)))

    def group_size(self) -> tuple[GroupSize, ...]:
        """Per session: how many members its group version has, and how many came."""
        return tuple(
            GroupSize(
                s.session_id,
                s.opened_at,
                s.group_version,
                len(s.members),
                len(s.attended),
                len(s.visitors),
            )
            for s in self.sessions
        )


def attendance(store: Store, group_id: str) -> AttendanceTable:
    """Attendance at a group's stored sessions, from their logs and group versions.

    Args:
        store: The event store (see :mod:`peersupport.store`).
        group_id: The stored group.

    Raises:
        StoreError: If the group is not stored.
        LogError: If a stored event is malformed.
    """
    versions = {record.version: record.group for record in store.group_versions(group_id)}
    if not versions:
        raise StoreError(f"group {group_id!r} is not in the store")
    newest = max(versions)
    sessions = tuple(
        _session(record, versions[record.group_version], store.events(record.session_id))
        for record in store.sessions(group_id)
    )
    return AttendanceTable(
        group_id, newest, tuple(m.id for m in versions[newest].members), sessions
    )


def _session(record: SessionRecord, group: Group, events: Iterable[Event]) -> SessionAttendance:
    arrived: dict[str, Role] = {}
    for event in events:
        if event.kind is EventKind.ARRIVED and event.member is not None:
            arrived.setdefault(event.member, Role(str(event.data.get("role", Role.NEWCOMER))))
    sid, at = record.session_id, record.opened_at
    rows = [AttendanceRow(sid, at, m.id, m.id in arrived, r) for m, r in group.roles.items()]
    rows += [AttendanceRow(sid, at, v, True, r, True) for v, r in arrived.items() if v not in group]
    return SessionAttendance(sid, at, record.group_version, record.ended, tuple(rows))


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def to_rows(records: Iterable[Any]) -> list[tuple[Any, ...]]:
    """Flat records of this module (rows, members, sizes, check-ins) as plain tuples."""
    return [tuple(_plain(v) for v in attrs.astuple(r, recurse=False)) for r in records]


def as_dicts(records: Iterable[Any]) -> list[dict[str, Any]]:
    """Flat records of this module as dicts keyed by their field names."""
    return [{k: _plain(v) for k, v in attrs.asdict(r, recurse=False).items()} for r in records]


def plot_attendance(table: AttendanceTable, ax: Axes | None = None) -> Axes:
    """Draw how many attended (bars) and the group's size (line) at each session.

    Args:
        table: The attendance table.
        ax: Axes to draw on (default: a new off-screen figure's).

    Returns:
        The axes drawn on (``ax.figure.savefig(...)`` saves the figure).

    Raises:
        ModuleNotFoundError: Without matplotlib (``pip install 'peersupport[sim]'``).
    """
    if ax is None:
        try:
            from matplotlib.figure import Figure
        except ModuleNotFoundError as exc:
            raise ModuleNotFoundError(
                "plot_attendance needs matplotlib: pip install 'peersupport[sim]'", name=exc.name
            ) from None
        ax = Figure(figsize=(7, 4), layout="constrained").add_subplot()
    sizes = table.group_size()
    x = list(range(1, len(sizes) + 1))
    ax.bar(x, [s.attended for s in sizes], color="tab:blue", alpha=0.7, label="attended")
    ax.plot(x, [s.members for s in sizes], color="tab:orange", marker="o", label="members")
    ax.set_xticks(x, [s.session_id for s in sizes], rotation=45, ha="right")
    ax.set_xlabel("session")
    ax.set_ylabel("people")
    ax.set_title(f"Attendance of group {table.group_id}")
    ax.legend(fontsize="small")
    return ax
