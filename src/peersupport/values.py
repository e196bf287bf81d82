"""Domain values: members, roles, the group and its agreement.

All types here are frozen attrs classes: a group or an agreement never changes in
place. Amending the agreement returns a new version; adding or removing a member
returns a new group.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from peersupport.agreement import DEFAULT_GUIDELINES, SETTINGS, Agreement
from peersupport.feedback import DEFAULT_FEEDBACK_FORM, FeedbackForm
from peersupport.meetings import Meeting
from peersupport.validate import check_id

__all__ = [
    "DEFAULT_GUIDELINES",
    "FACILITATING",
    "SETTINGS",
    "TAKING_TURNS",
    "Agreement",
    "Group",
    "Member",
    "Role",
    "fingerprint",
]

_MAX_NAME = 40


class Role(enum.StrEnum):
    """A person's role in a group.

    Facilitators and co-facilitators guide the process and are participants too;
    members and newcomers take part in rounds (newcomers are never pressed to
    speak); observers listen and never take the floor.
    """

    FACILITATOR = "facilitator"
    CO_FACILITATOR = "co-facilitator"
    MEMBER = "member"
    NEWCOMER = "newcomer"
    OBSERVER = "observer"

    @property
    def facilitates(self) -> bool:
        """Whether this role may run the session (advance, close rounds, pause...)."""
        return self in FACILITATING

    @property
    def takes_turns(self) -> bool:
        """Whether people with this role are offered the floor in rounds."""
        return self in TAKING_TURNS


FACILITATING = frozenset({Role.FACILITATOR, Role.CO_FACILITATOR})
"""The roles that run a session (``role in FACILITATING`` is ``role.facilitates``)."""
TAKING_TURNS = frozenset(Role) - {Role.OBSERVER}
"""The roles offered the floor in rounds (``role in TAKING_TURNS`` is ``role.takes_turns``)."""


def _check_id(_inst: object, attr: attrs.Attribute[str], value: str) -> None:
    check_id(value, "a member id")


def _check_display_name(_inst: object, _attr: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"a member's name must be a non-empty string, got {value!r}")
    if len(value) > _MAX_NAME or "\n" in value or "@" in value:
        raise ValueError(
            f"a member's name is a first name or pseudonym only (at most {_MAX_NAME} "
            f"characters, one line, no e-mail address), got {value!r}"
        )


@attrs.frozen
class Member:
    """A person in a group, known by a stable id and a display name.

    The display name is a first name or a pseudonym, never more: peer-support
    groups keep members anonymous, so there is no field for a surname, e-mail or
    phone number.

    Attributes:
        id: Stable identifier used in events and logs (e.g. ``"al"``).
        name: First name or pseudonym shown to people (e.g. ``"Al"``).
    """

    id: str = attrs.field(validator=_check_id)
    name: str = attrs.field(validator=_check_display_name)


def fingerprint(canonical: Any) -> str:
    """The first 16 hex digits of the SHA-256 of ``canonical`` as compact, sorted JSON."""
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:16]


def _roles_converter(
    value: Mapping[Member, Role] | Iterable[tuple[Member, Role]],
) -> dict[Member, Role]:
    items = value.items() if isinstance(value, Mapping) else value
    return {member: Role(role) for member, role in items}


def _meetings(value: Iterable[Meeting]) -> tuple[Meeting, ...]:
    return tuple(value)


@attrs.frozen
class Group:
    """A peer-support group: its members with their roles, and its agreement.

    Attributes:
        name: The group's name, e.g. ``"Thursday circle"``.
        roles: Each member mapped to their role (in a session, seats follow arrival order).
        agreement: The group's current agreement.
        closed: A closed group refuses people who are not in ``roles``; an open
            group lets visitors arrive (as newcomers unless told otherwise).
        default_format: Name of the session format the group usually runs.
        meetings: When and where the group meets, week after week (see
            :class:`~peersupport.Meeting`); not part of :meth:`canonical`, so
            adding a meeting leaves the fingerprint, and old logs, as they were.
        feedback: The form members answer after a session (see
            :class:`~peersupport.FeedbackForm`); not part of :meth:`canonical` either.

    Raises:
        ValueError: If no member is a facilitator or two members share an id.
        TypeError: If ``meetings`` holds something that is not a Meeting.
    """

    name: str
    roles: Mapping[Member, Role] = attrs.field(converter=_roles_converter)
    agreement: Agreement = attrs.field(factory=Agreement)
    closed: bool = True
    default_format: str = "sharing-circle"
    meetings: tuple[Meeting, ...] = attrs.field(
        default=(),
        converter=_meetings,
        validator=attrs.validators.deep_iterable(attrs.validators.instance_of(Meeting)),
    )
    feedback: FeedbackForm = attrs.field(
        default=DEFAULT_FEEDBACK_FORM, validator=attrs.validators.instance_of(FeedbackForm)
    )
    _by_id: dict[str, tuple[Member, Role]] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )
    _fingerprint: str = attrs.field(init=False, repr=False, eq=False, hash=False)
    _facilitators: tuple[Member, ...] = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        if not self.name or not self.name.strip():
            raise ValueError("a group needs a name")
        by_id: dict[str, tuple[Member, Role]] = {}
        for member, role in self.roles.items():
            if not isinstance(member, Member):
                raise ValueError(f"group {self.name!r}: {member!r} is not a Member")
            if member.id in by_id:
                raise ValueError(
                    f"group {self.name!r}: duplicate member id {member.id!r} "
                    f"({by_id[member.id][0].name!r} and {member.name!r})"
                )
            by_id[member.id] = (member, role)
        if not any(role.facilitates for role in self.roles.values()):
            raise ValueError(
                f"group {self.name!r} has no facilitator: give at least one member "
                "Role.FACILITATOR or Role.CO_FACILITATOR"
            )
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(self, "_fingerprint", fingerprint(self.canonical()))
        facilitators = tuple(m for m, r in self.roles.items() if r.facilitates)
        object.__setattr__(self, "_facilitators", facilitators)

    def __hash__(self) -> int:
        return hash((self.name, tuple(self.roles.items()), self.agreement, self.closed))

    def canonical(self) -> dict[str, Any]:
        """What a session depends on, as plain JSON values: ids, roles, closed, agreement.

        Display names, the group's name, its meetings and feedback form are left out: they are
        personal or cosmetic, and renaming someone or moving a meeting must not
        orphan the group's logs.
        """
        return {
            "members": [[m.id, r.value] for m, r in self.roles.items()],
            "closed": self.closed,
            "agreement": self.agreement.canonical(),
        }

    @property
    def fingerprint(self) -> str:
        """A short hash of :meth:`canonical`, recorded in each session's ``opened`` event."""
        return self._fingerprint

    @property
    def members(self) -> tuple[Member, ...]:
        """All members in seat order."""
        return tuple(self.roles)

    def member(self, member_id: str) -> Member:
        """Return the member with this id.

        Raises:
            KeyError: If no member has this id.
        """
        return self._by_id[member_id][0]

    def role_of(self, member_id: str) -> Role | None:
        """Return the role of the member with this id, or ``None`` if not in the group."""
        entry = self._by_id.get(member_id)
        return None if entry is None else entry[1]

    def __contains__(self, member_id: object) -> bool:
        return member_id in self._by_id

    @property
    def facilitators(self) -> tuple[Member, ...]:
        """Members who may run a session (facilitators and co-facilitators)."""
        return self._facilitators

    def with_member(self, member: Member, role: Role = Role.MEMBER) -> Group:
        """Return a new group with ``member`` added (or their role changed)."""
        roles = {m: r for m, r in self.roles.items() if m.id != member.id}
        roles[member] = role
        return attrs.evolve(self, roles=roles)

    def without_member(self, member_id: str) -> Group:
        """Return a new group without this member; stored logs keep the versions they ran under.

        Raises:
            KeyError: If no member has this id.
            ValueError: If they are the group's last facilitator (appoint another first).
        """
        if member_id not in self._by_id:
            raise KeyError(f"group {self.name!r} has no member {member_id!r}")
        if self._facilitators == (self._by_id[member_id][0],):
            raise ValueError(f"{member_id!r} is the last facilitator of group {self.name!r}")
        return attrs.evolve(self, roles={m: r for m, r in self.roles.items() if m.id != member_id})

    def with_agreement(self, agreement: Agreement) -> Group:
        """Return a new group using ``agreement`` (e.g. the result of :meth:`Agreement.amend`)."""
        return attrs.evolve(self, agreement=agreement)
