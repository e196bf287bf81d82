"""Hypothesis strategies for peersupport: members, groups, agreements and actions.

Everything here draws *valid* domain values (members, groups, agreements) and
*any* action, valid or not (actions by outsiders, out of turn, by the wrong
role...): a session must refuse the invalid ones and leave itself unchanged.

Member ids come from a small pool of short names (``"dee"``, ``"al"``...) so
that failing examples read like a meeting; people not in a group come from
:data:`OUTSIDERS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import hypothesis.strategies as st

from peersupport.clock import ManualClock
from peersupport.engine.format import Format
from peersupport.engine.session import Session
from peersupport.events import Event
from peersupport.testing.agreementdraws import AMENDMENTS, agreements, amendments, new_limits
from peersupport.values import Agreement, Group, Member, Role

__all__ = [
    "CLOSE_NOTICES",
    "FACILITATOR_ACTIONS",
    "MEMBER_ACTIONS",
    "NAMES",
    "ON_SOMEONE",
    "OUTCOMES",
    "OUTSIDERS",
    "POSITIONS",
    "SCHEDULE_FRACTIONS",
    "STEPS",
    "Action",
    "action_sequences",
    "actions",
    "agreements",
    "amendments",
    "groups",
    "member_ids",
    "members",
    "new_limits",
    "roles",
    "schedules",
    "waits",
]

#: Ids members are drawn from.
NAMES = ("dee", "al", "bo", "cy", "eve", "fox", "gus", "hal", "ivy", "jo")
#: Ids of people who are not in the group (they may visit an open group).
OUTSIDERS = ("zed", "yu")
#: Clock steps in seconds: multiples of 0.5 s keep every sum exact in binary floating point.
STEPS = (0.0, 0.5, 1.0, 5.0, 30.0, 59.5, 90.0, 120.0, 300.0, 600.0, 1200.0)
#: Session methods that act on a member: ``method(member, by=...)``.
MEMBER_ACTIONS = (
    "arrive",
    "leave",
    "consent",
    "start_share",
    "end_share",
    "pass_turn",
    "interject",
    "call_on",
    "skip",
    "raise_hand",
    "lower_hand",
    "move_hand",
    "raise_point",
    "acknowledge_point",
    "resolve_point",
    "listen",
    "propose_item",
    "propose_amendment",
)
#: Session methods only facilitators may call: ``method(by=...)``.
FACILITATOR_ACTIONS = (
    "advance",
    "new_round",
    "close_round",
    "pause",
    "resume",
    "end",
    "amend_agreement",
    "clear_hands",
    "skip_to",
    "decide_amendment",
    "withdraw_amendment",
)
#: Member actions a facilitator takes on someone: ``method(member, by=...)``.
ON_SOMEONE = ("call_on", "skip", "move_hand", "acknowledge_point", "resolve_point")
#: Places in a queue a hand is moved to (some of them no place at all).
POSITIONS = (0, 0, 1, 1, 2, 3, -1, 9, True)
#: How a facilitator closes a point of process (the last is no way at all).
OUTCOMES = ("resolved", "resolved", "amendment", "dropped")
#: Roles a visitor may ask for on arrival (some of them invalid).
VISITOR_ROLES = (None, None, "member", "newcomer", "observer", "facilitator", "nobody")


@attrs.frozen
class Action:
    """One call of a session method, or a wait on the manual clock.

    Attributes:
        name: A method of :class:`peersupport.Session` (see :data:`MEMBER_ACTIONS`
            and :data:`FACILITATOR_ACTIONS`), or ``"wait"``.
        member: The member acted on (member actions only).
        by: Who acts for them (member actions), or the facilitator acting.
        options: Other keyword arguments as ``(name, value)`` pairs: ``to`` for
            ``advance`` and ``skip_to``, ``role`` for ``arrive``, the changes for
            ``amend_agreement`` and ``propose_amendment``, ``proposal`` and the
            counts for ``decide_amendment`` and ``withdraw_amendment``,
            ``position`` for ``move_hand``, ``outcome`` for ``resolve_point``,
            ``seconds`` for ``wait``.
    """

    name: str
    member: str | None = None
    by: str | None = None
    options: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def wait(cls, seconds: float) -> Action:
        """An action that moves the manual clock forward by ``seconds``."""
        return cls("wait", options=(("seconds", seconds),))

    def option(self, name: str, default: Any = None) -> Any:
        """The value of option ``name`` (``default`` if not given)."""
        return dict(self.options).get(name, default)

    @property
    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments of the session method."""
        return {"by": self.by, **dict(self.options)}

    def perform(self, session: Session) -> Event | None:
        """Run the action on ``session``; return the event it appended (``None`` for a wait).

        Raises:
            peersupport.ActionRejected: If the session refuses the action.
            ValueError: For an invalid amendment.
        """
        if self.name == "wait":
            clock = session.clock
            if not isinstance(clock, ManualClock):
                raise TypeError("waiting needs a session on a ManualClock")
            clock.advance(self.option("seconds", 0.0))
            return None
        method = getattr(session, self.name)
        args = () if self.member is None else (self.member,)
        event: Event = method(*args, **self.kwargs)
        return event

    def __str__(self) -> str:
        if self.name == "wait":
            return f"wait({self.option('seconds')!r})"
        args = [] if self.member is None else [repr(self.member)]
        args += [f"{k}={v!r}" for k, v in self.kwargs.items() if k != "by" or v is not None]
        return f"{self.name}({', '.join(args)})"


def member_ids(names: Sequence[str] = NAMES) -> st.SearchStrategy[str]:
    """Member ids from ``names``."""
    return st.sampled_from(tuple(names))


def members(ids: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Member]:
    """Members whose display name is their id, capitalised."""
    return (member_ids() if ids is None else ids).map(lambda i: Member(i, i.title()))


def roles() -> st.SearchStrategy[Role]:
    """Any role."""
    return st.sampled_from(list(Role))


#: Roles of people who do not facilitate, weighted towards members.
_PARTICIPANT_ROLES = (
    Role.MEMBER,
    Role.MEMBER,
    Role.MEMBER,
    Role.NEWCOMER,
    Role.NEWCOMER,
    Role.OBSERVER,
    Role.CO_FACILITATOR,
)


@st.composite
def groups(
    draw: st.DrawFn,
    *,
    min_facilitators: int = 1,
    min_size: int = 3,
    max_size: int = 6,
    agreement: st.SearchStrategy[Agreement] | None = None,
    closed: bool | None = None,
    names: Sequence[str] = NAMES,
) -> Group:
    """Groups with at least ``min_facilitators`` facilitators, in a random seat order.

    Args:
        draw: Supplied by hypothesis.
        min_facilitators: Facilitators and co-facilitators the group needs at least
            (a format's ``facilitators``).
        min_size: Fewest members (raised to ``min_facilitators + 1``).
        max_size: Most members (at most ``len(names)``).
        agreement: Strategy for the agreement (default :func:`agreements`).
        closed: Whether the group is closed (default: either).
        names: Ids to draw members from.
    """
    low = max(min_size, min_facilitators + 1)
    size = draw(st.integers(low, max(low, min(max_size, len(names)))))
    ids = draw(st.permutations(list(names)))[:size]
    leads = ids[:min_facilitators]
    roles_by_id = dict.fromkeys(leads, Role.CO_FACILITATOR)
    roles_by_id[leads[0]] = Role.FACILITATOR
    for i in ids[min_facilitators:]:
        roles_by_id[i] = draw(st.sampled_from(_PARTICIPANT_ROLES))
    seats = draw(st.permutations(ids))
    return Group(
        name="Circle",
        roles={Member(i, i.title()): roles_by_id[i] for i in seats},
        agreement=draw(agreements() if agreement is None else agreement),
        closed=draw(st.booleans()) if closed is None else closed,
    )


def waits(steps: Sequence[float] = STEPS) -> st.SearchStrategy[Action]:
    """Waits on the manual clock by one of ``steps`` seconds."""
    return st.sampled_from(tuple(steps)).map(Action.wait)


#: A drawn schedule: no scheduled end (about as often as one), or an end this fraction of
#: the format's planned time after the opening.
SCHEDULE_FRACTIONS = (None, None, None, None, 0.3, 0.5, 0.75, 1.0, 1.5)
#: Time-to-close notices of a drawn schedule (``None``: the session's default).
CLOSE_NOTICES = (None, 60.0, 300.0, 900.0, 1800.0)


def schedules(
    fmt: Format, start: float = 0.0
) -> st.SearchStrategy[tuple[float, float | None] | None]:
    """A schedule ``(ends_at, close_notice)`` for a session of ``fmt`` opening at ``start``.

    ``None`` (no scheduled end) about half the time; otherwise the meeting ends, in whole
    seconds, 0.3 to 1.5 times the format's planned time (its phases' budgets; an
    hour if it plans none) after ``start``, with one of :data:`CLOSE_NOTICES`.
    """
    planned = sum(p.budget or 0.0 for p in fmt.phases.values()) or 3600.0

    def schedule(fraction: float | None, notice: float | None) -> tuple[float, float | None] | None:
        if fraction is None:
            return None
        return start + max(1.0, float(round(fraction * planned))), notice

    return st.builds(schedule, st.sampled_from(SCHEDULE_FRACTIONS), st.sampled_from(CLOSE_NOTICES))


def _people(group: Group, outsiders: Sequence[str]) -> list[str]:
    return [m.id for m in group.members] + list(outsiders)


def actions(
    group: Group,
    fmt: Format,
    *,
    outsiders: Sequence[str] = OUTSIDERS,
    names: Sequence[str] | None = None,
) -> st.SearchStrategy[Action]:
    """Any single action on a session of ``group`` running ``fmt``, valid or not.

    Members act for themselves or others; facilitators' actions are also tried
    by members and outsiders; ``advance`` goes to any phase (or nowhere); hands
    are raised, lowered, moved (to any place, or none) and cleared in any phase,
    and points of process raised, acknowledged and resolved (or closed in a way
    there is none).

    Args:
        group: The group meeting.
        fmt: The format.
        outsiders: Ids of people not in the group who try to act too.
        names: The session methods to draw from (default: all of
            :data:`MEMBER_ACTIONS` and :data:`FACILITATOR_ACTIONS`).
    """
    return _actions(
        tuple(_people(group, outsiders)),
        tuple(m.id for m in group.facilitators),
        (None, *fmt.phases, "nowhere"),
        MEMBER_ACTIONS + FACILITATOR_ACTIONS if names is None else tuple(names),
    )


@st.composite
def _actions(
    draw: st.DrawFn,
    people: tuple[str, ...],
    leads: tuple[str, ...],
    phases: tuple[str | None, ...],
    names: tuple[str, ...],
) -> Action:
    name = draw(st.sampled_from(names))
    lead_or_anyone = draw(st.sampled_from(leads + leads + people))
    options: tuple[tuple[str, Any], ...] = ()
    if name in FACILITATOR_ACTIONS:
        if name == "advance":
            to = draw(st.sampled_from(phases))
            options = () if to is None else (("to", to),)
        elif name == "skip_to":
            options = (("to", draw(st.sampled_from(phases)) or "nowhere"),)
        elif name in ("decide_amendment", "withdraw_amendment"):
            options = (("proposal", draw(st.sampled_from((1, 1, 2, 3, 0)))),)
            if name == "decide_amendment":
                drawn = draw(st.tuples(*[st.integers(0, n) for n in (4, 2, 1)]))
                counts = zip(_COUNTED, drawn, strict=True)
                options = tuple(sorted((*options, *counts)))
        elif name == "amend_agreement":
            options = tuple(sorted(draw(AMENDMENTS).items()))
        return Action(name, None, lead_or_anyone, options)
    member = draw(st.sampled_from(people))
    if name in ON_SOMEONE:
        by: str | None = lead_or_anyone
    else:
        by = draw(st.sampled_from((None, None, None, lead_or_anyone)))
    if name == "arrive":
        role = draw(st.sampled_from(VISITOR_ROLES))
        options = () if role is None else (("role", role),)
    elif name == "move_hand":
        options = (("position", draw(st.sampled_from(POSITIONS))),)
    elif name == "resolve_point":
        options = (("outcome", draw(st.sampled_from(OUTCOMES))),)
    elif name == "propose_amendment":
        options = tuple(sorted(draw(AMENDMENTS).items()))
    return Action(name, member, by, options)


#: The counts of a decision on an amendment, as ``decide_amendment`` takes them.
_COUNTED = ("agree", "disagree", "stand_aside")


def action_sequences(
    group: Group,
    fmt: Format,
    *,
    max_size: int = 40,
    outsiders: Sequence[str] = OUTSIDERS,
    steps: Sequence[float] = STEPS,
) -> st.SearchStrategy[list[Action]]:
    """Lists of actions and waits on a session of ``group`` running ``fmt``."""
    return st.lists(
        st.one_of(actions(group, fmt, outsiders=outsiders), waits(steps)), max_size=max_size
    )
