"""Run one simulated session on the real engine, opening to closing.

:func:`simulate` builds a group of simulated members, opens a real
:class:`~peersupport.Session` with a :class:`~peersupport.ManualClock` and
``hooks=False``, and lets a :class:`Facilitator` and the members' behaviour
act until the session ends. Every action goes through the engine's checks, so
what is measured is the real protocol; a rejected action would raise.

The facilitator advances phases, closes a round when the phase's time budget
is used up (whoever was not reached is recorded by the engine), and starts new
rounds while time remains.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Sequence
from typing import Any

import attrs

from peersupport import formats as _formats
from peersupport.clock import ManualClock
from peersupport.errors import ActionRejected, CrossTalkBlocked
from peersupport.events import Event
from peersupport.format import Format, PhaseSpec
from peersupport.model import Agreement, Group, Member, Role
from peersupport.rules import SHARE_TIME_LIMIT
from peersupport.session import Session
from peersupport.sim.behaviour import Behaviour, MemberProfile, Population, ProfileBehaviour
from peersupport.sim.metrics import collect

__all__ = ["FAC", "CO_FAC", "Facilitator", "SimResult", "make_group", "run_session", "simulate"]

FAC = "fac"
CO_FAC = "cofac"
#: Rounds per phase at most, whatever the budget (a guard against endless rounds).
MAX_ROUNDS = 50
_DEFAULT_BEHAVIOUR = ProfileBehaviour()


@attrs.frozen
class Facilitator:
    """How the simulated facilitator runs the session.

    Attributes:
        close_at_budget: Close a round (and move on) once the phase's budget is used up.
        max_rounds: Rounds per phase at most (``None``: as many as time allows).
        turn_gap: Seconds between one turn or share and the next.
        phase_talk: Seconds the facilitator speaks in facilitator-only phases
            (0: they just move on).
        shares: Whether the facilitator shares on their own turn in a round
            (for ``share_seconds``); otherwise they pass it.
        share_seconds: Length of the facilitator's own share.
    """

    close_at_budget: bool = True
    max_rounds: int | None = None
    turn_gap: float = 2.0
    phase_talk: float = 0.0
    shares: bool = False
    share_seconds: float = 60.0


_DEFAULT_FACILITATOR = Facilitator()


@attrs.frozen
class SimResult:
    """One simulated session.

    Attributes:
        session: The engine session (ended); replaying its events gives its state.
        profiles: The simulated members' profiles, in seat order.
        events: The event log.
        metrics: Session metrics (see :func:`peersupport.sim.metrics.session_metrics`).
        members: Per-member metrics, one mapping per member present, in seat order.
    """

    session: Session
    profiles: tuple[MemberProfile, ...]
    events: tuple[Event, ...]
    metrics: dict[str, Any]
    members: list[dict[str, Any]]


_GROUPS: dict[tuple[tuple[tuple[str, bool], ...], int, Agreement], Group] = {}


def make_group(
    profiles: Sequence[MemberProfile], agreement: Agreement, facilitators: int = 1
) -> Group:
    """The simulated group: the facilitator(s) first in seat order, then the members.

    Groups are cached by their shape (ids, newcomer flags, facilitators, agreement).
    """
    key = (tuple((p.id, p.newcomer) for p in profiles), facilitators, agreement)
    group = _GROUPS.get(key)
    if group is None:
        roles: dict[Member, Role] = {Member(FAC, "Facilitator"): Role.FACILITATOR}
        if facilitators > 1:
            roles[Member(CO_FAC, "Co-facilitator")] = Role.CO_FACILITATOR
        for p in profiles:
            roles[Member(p.id, p.id.upper())] = Role.NEWCOMER if p.newcomer else Role.MEMBER
        group = Group(name="simulated group", roles=roles, agreement=agreement)
        if len(_GROUPS) > 256:
            _GROUPS.clear()
        _GROUPS[key] = group
    return group


class _Run:
    """The driver of one simulated session (internal)."""

    __slots__ = (
        "behaviour",
        "by_id",
        "clock",
        "fac",
        "facs",
        "gap",
        "last_spoke",
        "pending",
        "profiles",
        "rng",
        "s",
        "talkers",
    )

    def __init__(
        self,
        s: Session,
        clock: ManualClock,
        profiles: Sequence[MemberProfile],
        behaviour: Behaviour,
        fac: Facilitator,
        rng: random.Random,
    ) -> None:
        self.s = s
        self.clock = clock
        self.profiles = profiles
        self.by_id = {p.id: p for p in profiles}
        self.behaviour = behaviour
        self.fac = fac
        self.facs = (FAC, CO_FAC) if s.format.facilitators > 1 else (FAC,)
        self.rng = rng
        self.gap = fac.turn_gap
        self.last_spoke: dict[str, float] = {}
        self.talkers = [p for p in profiles if p.cross_talk > 0.0]
        # (time, order, kind, member): late arrivals and early departures.
        pending: list[tuple[float, int, str, str]] = []
        for i, p in enumerate(profiles):
            if p.arrives_at > 0:
                pending.append((p.arrives_at, i, "arrive", p.id))
            if p.leaves_at is not None:
                pending.append((max(p.leaves_at, p.arrives_at + 1.0), i, "leave", p.id))
        pending.sort(reverse=True)
        self.pending = pending

    # ------------------------------------------------------------ helpers

    def arrive(self, member: str) -> None:
        s = self.s
        s.arrive(member)
        s.consent(member)
        self.last_spoke[member] = self.clock.now()

    def due(self) -> None:
        """Late arrivals and early departures whose time has come."""
        pending = self.pending
        now = self.clock.now()
        while pending and pending[-1][0] <= now:
            _at, _i, kind, member = pending.pop()
            if kind == "arrive":
                self.arrive(member)
            elif self.s.is_present(member):
                self.s.leave(member)

    def share(self, member: str, seconds: float, limit: float | None, hard: bool) -> None:
        s, clock = self.s, self.clock
        s.start_share(member)
        talkers = self.talkers
        if talkers:
            half = seconds / 2
            if hard and limit is not None and half >= limit:
                half = limit / 2  # interjections come before a hard cap ends the share
            clock.advance(half)
            seconds -= half
            for p in talkers:
                if (
                    p.id != member
                    and s.is_present(p.id)
                    and self.behaviour.interjects(s, p, self.rng)
                ):
                    with contextlib.suppress(CrossTalkBlocked):  # blocked: recorded
                        s.interject(p.id)
        if hard and limit is not None and clock.now() + seconds >= s.floor.started + limit:
            clock.advance(seconds)
            s.apply_due()  # the engine's hard cap ends the share
            if s.floor.holder == member:  # pragma: no cover - defensive
                s.end_share(member)
        else:
            clock.advance(seconds)
            s.end_share(member)
        self.last_spoke[member] = clock.now()

    def facilitator_turn(self, member: str) -> None:
        if self.fac.shares:
            self.share(member, self.fac.share_seconds, None, False)
        else:
            self.s.pass_turn(member)

    def member_turn(self, member: str, limit: float | None, hard: bool) -> None:
        s = self.s
        seconds = self.behaviour.turn(s, self.by_id[member], self.rng)
        if seconds is not None:
            try:
                self.share(member, seconds, limit, hard)
                return
            except ActionRejected:  # e.g. a plugin's rule: they pass instead
                if s.floor.holder is not None:
                    raise
        try:
            s.pass_turn(member)
        except ActionRejected:
            s.skip(member, by=FAC)

    # ------------------------------------------------------------ phases

    def run(self) -> None:
        s, fac = self.s, self.fac
        facs = self.facs
        for f in facs:
            s.arrive(f)
            s.consent(f)
        for p in self.profiles:
            if p.arrives_at <= 0:
                self.arrive(p.id)
        while True:
            phase = s.phase
            policy = phase.policy
            if policy.rounds:
                self.round_phase(phase)
            elif policy.name == "facilitator-only":
                if fac.phase_talk > 0:
                    s.start_share(FAC)
                    self.clock.advance(fac.phase_talk)
                    s.end_share(FAC)
            else:
                self.open_phase(phase)
            self.due()
            if phase.final:
                break
            s.advance(by=FAC)
        s.end(by=FAC)

    def open_phase(self, phase: PhaseSpec) -> None:
        """Open floor: the speaking-turns model picks the next speaker until time is up."""
        s, clock, gap = self.s, self.clock, self.gap
        end = s.phase_started_at + (phase.budget if phase.budget is not None else 0.0)
        _warn, limit, hard = SHARE_TIME_LIMIT.limits(phase, s.agreement)
        by_id, behaviour, rng = self.by_id, self.behaviour, self.rng
        last = self.last_spoke
        while clock.now() < end:
            self.due()
            candidates = [by_id[m] for m in s.present if m in by_id]
            if not candidates:
                clock.advance(end - clock.now())
                break
            who = behaviour.volunteer(s, candidates, last, rng)
            seconds = behaviour.turn(s, who, rng)
            if seconds is not None:
                try:
                    self.share(who.id, seconds, limit, hard)
                except ActionRejected:  # a rule said no (e.g. a plugin's rule)
                    if s.floor.holder is not None:
                        raise
                    seconds = None
            if seconds is None:  # declined or refused: asked again later
                last[who.id] = clock.now()
                clock.advance(gap or 1.0)
            else:
                clock.advance(gap)

    def round_phase(self, phase: PhaseSpec) -> None:
        """Rounds: seat order, volunteers (popcorn, tag) or called on by the facilitator."""
        s, clock, fac, gap = self.s, self.clock, self.fac, self.gap
        floor = s.floor
        policy = phase.policy
        called = policy.name == "called-on"
        budget = phase.budget
        end = s.phase_started_at + budget if budget is not None else float("inf")
        close = fac.close_at_budget and budget is not None
        _warn, limit, hard = SHARE_TIME_LIMIT.limits(phase, s.agreement)
        again = any(t.target == phase.id for t in phase.transitions)
        max_rounds = fac.max_rounds if fac.max_rounds is not None else MAX_ROUNDS
        if budget is None:
            max_rounds = 1
        facs, by_id, behaviour, rng = self.facs, self.by_id, self.behaviour, self.rng
        rounds = 1
        round_started = clock.now()
        fresh = False  # a complete round that rolls over with the next turn
        while True:
            if self.pending:
                self.due()
            if close and clock.now() >= end:
                if not floor.complete():
                    s.close_round(by=FAC)
                return
            member = s.offered_to()
            if member is None:
                if not fresh and floor.complete():
                    took = clock.now() - round_started
                    if rounds >= max_rounds or took <= 0 or clock.now() + took > end:
                        return
                    if again:
                        s.new_round(by=FAC)
                        if floor.complete():  # nobody left to take a turn
                            return
                    elif not policy.auto_rollover or not floor.order:
                        return
                    rounds += 1
                    round_started = clock.now()
                    fresh = not again
                    continue
                had = () if fresh else floor.had_turn
                waiting = [m for m in floor.order if m not in had]
                pool = [by_id[m] for m in waiting if m in by_id]
                if pool:
                    member = behaviour.volunteer(s, pool, self.last_spoke, rng).id
                else:
                    member = waiting[0]
                if called:
                    if member == FAC and len(facs) == 1:
                        s.skip(FAC, by=FAC)  # nobody calls on the chair
                        continue
                    s.call_on(member, by=facs[-1] if member == FAC else FAC)
            if member in facs:
                self.facilitator_turn(member)
            else:
                self.member_turn(member, limit, hard)
            fresh = False
            clock.advance(gap)


def run_session(
    fmt: Format,
    profiles: Sequence[MemberProfile],
    rng: random.Random,
    *,
    agreement: Agreement | None = None,
    behaviour: Behaviour | None = None,
    facilitator: Facilitator | None = None,
) -> Session:
    """Run one session with the given members; return the ended engine session."""
    group = make_group(profiles, agreement or DEFAULT_AGREEMENT, fmt.facilitators)
    clock = ManualClock()
    s = Session(group, fmt, clock=clock, hooks=False)
    _Run(
        s,
        clock,
        profiles,
        behaviour or _DEFAULT_BEHAVIOUR,
        facilitator or _DEFAULT_FACILITATOR,
        rng,
    ).run()
    return s


DEFAULT_AGREEMENT = Agreement(share_limit=180.0, warn_at=150.0)
"""The simulated group's default agreement: 3-minute shares, a warning at 2:30, no
hard cap and no cross-talk (so interjections are blocked even in phases that allow
cross-talk). Pass e.g. ``agreement=DEFAULT_AGREEMENT.amend(cross_talk=True)`` to
:func:`simulate` or :func:`~peersupport.sim.grid` to let them through."""


def simulate(
    format: str | Format,  # noqa: A002
    population: Population | Sequence[MemberProfile],
    *,
    members: int = 8,
    seed: int | random.Random = 0,
    agreement: Agreement | None = None,
    behaviour: Behaviour | None = None,
    facilitator: Facilitator | None = None,
) -> SimResult:
    """Run one simulated session from opening to closing on a manual clock.

    Args:
        format: A format name (e.g. ``"sharing-circle"``) or a compiled format.
        population: A population to draw ``members`` profiles from, or the profiles.
        members: How many members to draw from a population.
        seed: Seed of the session's random draws, or a ``random.Random``.
        agreement: The group's agreement (default :data:`DEFAULT_AGREEMENT`: 180 s
            shares, warning at 150 s, no cross-talk).
        behaviour: How members act (default: :class:`ProfileBehaviour`).
        facilitator: How the facilitator runs the session (default: :class:`Facilitator`).

    Returns:
        The session, its event log and its metrics.
    """
    fmt = _formats.get(format) if isinstance(format, str) else format
    rng = seed if isinstance(seed, random.Random) else random.Random(seed)
    if isinstance(population, Population):
        profiles: Sequence[MemberProfile] = population.draw(rng, members)
    else:
        profiles = list(population)
    s = run_session(
        fmt, profiles, rng, agreement=agreement, behaviour=behaviour, facilitator=facilitator
    )
    metrics, rows = collect(s, profiles)  # one pass over the log for both tables
    return SimResult(
        session=s, profiles=tuple(profiles), events=s.events, metrics=metrics, members=rows
    )
