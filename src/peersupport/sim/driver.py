"""The driver of one simulated session: the facilitator and the members acting.

A :class:`Driver` seats everyone, then walks the format's phases and acts in
each as its turn policy declares, read from the policy's attributes (``rounds``,
``speakers``, ``offers``, ``auto_rollover``, ``max_shares``), never from its
name: in phases with rounds, members take their turns in the order the engine
offers them, as volunteers, or called on by the facilitator when only whoever is
called may speak; in phases where only facilitators speak, the facilitator talks
or moves on; with a queue of raised hands (``Offer.QUEUE``), hands go up when the
behaviour's ``hand_delay`` says (during shares too) and the head of the queue
shares or passes; in open phases the behaviour's speaking-turns model picks the
next speaker. Late arrivals and early departures happen when their time comes.

The facilitator advances phases, closes a round when the phase's time budget
is used up (whoever was not reached is recorded by the engine), and starts new
rounds while time remains. Every action goes through the engine's checks; a
rejected action would raise.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Sequence

from peersupport.clock import ManualClock
from peersupport.engine.format import PhaseSpec
from peersupport.engine.policies import Offer, Speakers
from peersupport.engine.session import Session
from peersupport.errors import ActionRejected, CrossTalkBlocked
from peersupport.sim.behaviour import Behaviour, MemberProfile
from peersupport.sim.group import CO_FAC, FAC, Facilitator

__all__ = ["BRIEF_SHARE", "MAX_ROUNDS", "Driver"]

#: Rounds per phase at most, whatever the budget (a guard against endless rounds).
MAX_ROUNDS = 50
#: Seconds a member who would pass speaks instead where the agreement switched passing
#: off and they are not a newcomer (who may always pass): a few words.
BRIEF_SHARE = 20.0


class Driver:
    """Drives one simulated session: the facilitator's and the members' actions.

    Build it on a fresh session (nobody arrived yet) and call :meth:`run` once.

    Args:
        s: The engine session, on ``clock``.
        clock: The manual clock the driver advances.
        profiles: The simulated members, in seat order.
        behaviour: How the members act.
        fac: How the facilitator runs the session.
        rng: The session's random draws.
    """

    __slots__ = (
        "behaviour",
        "by_id",
        "clock",
        "fac",
        "facs",
        "gap",
        "hands_at",
        "last_spoke",
        "pending",
        "profiles",
        "quiet",
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
        # In a queue phase: when each member will raise their hand, and who will not.
        self.hands_at: dict[str, float] = {}
        self.quiet: set[str] = set()
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
        """``member`` arrives and consents (their wait to speak starts now)."""
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

    def wait(self, seconds: float) -> None:
        """Let ``seconds`` pass; in a queue phase, hands go up at their times meanwhile."""
        if self.hands_at:
            until = self.clock.now() + seconds
            self.raise_hands(until)
            self.clock.set(until)
        else:
            self.clock.advance(seconds)

    def share(self, member: str, seconds: float, limit: float | None, hard: bool) -> None:
        """``member`` shares for ``seconds``; others may interject halfway.

        With a hard cap (``hard`` and ``limit``), the engine ends a share that
        reaches the limit.
        """
        s, clock = self.s, self.clock
        s.start_share(member)
        talkers = self.talkers
        if talkers:
            half = seconds / 2
            if hard and limit is not None and half >= limit:
                half = limit / 2  # interjections come before a hard cap ends the share
            self.wait(half)
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
            self.wait(s.floor.started + limit - clock.now())  # the cap cuts the rest short
            s.apply_due()  # the engine's hard cap ends the share
            if s.floor.holder == member:  # pragma: no cover - defensive
                s.end_share(member)
        else:
            self.wait(seconds)
            s.end_share(member)
        self.last_spoke[member] = clock.now()

    def facilitator_turn(self, member: str) -> None:
        """A facilitator's turn in a round: share or pass.

        They share if :attr:`Facilitator.shares`, and where the agreement switched
        passing off (only newcomers may pass then); otherwise they pass.
        """
        if self.fac.shares or not self.s.agreement.may_pass:
            self.share(member, self.fac.share_seconds, None, False)
        else:
            self.s.pass_turn(member)

    def member_turn(self, member: str, limit: float | None, hard: bool) -> bool:
        """A member's turn in a round or from the queue: share or pass as the behaviour says.

        Where the agreement switched passing off, a member (not a newcomer) who
        would pass says a few words instead (:data:`BRIEF_SHARE`). A share a rule
        refuses becomes a pass; a pass refused, a skip by the facilitator (in a
        queue phase: the facilitator lowers the member's hand).

        Returns:
            Whether the member shared.
        """
        s = self.s
        profile = self.by_id[member]
        seconds = self.behaviour.turn(s, profile, self.rng)
        if seconds is None and not s.agreement.may_pass and not profile.newcomer:
            seconds = BRIEF_SHARE
        if seconds is not None:
            try:
                self.share(member, seconds, limit, hard)
                return True
            except ActionRejected:  # e.g. a plugin's rule: they pass instead
                if s.floor.holder is not None:
                    raise
        try:
            s.pass_turn(member)
        except ActionRejected:
            if s.phase.policy.offers is Offer.QUEUE:
                s.lower_hand(member, by=FAC)
            else:
                s.skip(member, by=FAC)
        return False

    # ------------------------------------------------------------ phases

    def run(self) -> None:
        """Seat everyone, run every phase as its turn policy declares, and end the session."""
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
            elif policy.speakers is Speakers.FACILITATORS:
                if fac.phase_talk > 0:
                    s.start_share(FAC)
                    self.clock.advance(fac.phase_talk)
                    s.end_share(FAC)
            elif policy.offers is Offer.QUEUE:
                self.queue_phase(phase)
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
        end = s.phase_started_at + (s.phase_budget if s.phase_budget is not None else 0.0)
        _warn, limit, hard = s.format.always_on.share_time_limit.limits(phase, s.agreement)
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

    def schedule_hands(self, most: int | None) -> None:
        """Ask the behaviour when each member who could raise a hand now will raise it.

        Called while the floor is free: everyone present whose hand is down, not
        asked already, who has shared fewer than ``most`` times in the phase.
        """
        s, hands_at, quiet = self.s, self.hands_at, self.quiet
        hands = s.floor.hands
        now = self.clock.now()
        for p in self.profiles:
            m = p.id
            if m in hands_at or m in quiet or m in hands or not s.is_present(m):
                continue
            if most is not None and s.phase_shares.get(m, 0) >= most:
                quiet.add(m)
                continue
            delay = self.behaviour.hand_delay(s, p, self.last_spoke.get(m, now), self.rng)
            if delay is None:
                quiet.add(m)
            else:
                hands_at[m] = now + delay

    def raise_hands(self, until: float) -> None:
        """Raise every hand due by ``until``, each at its time (ties: as scheduled)."""
        s, clock, hands_at = self.s, self.clock, self.hands_at
        while hands_at:
            member = min(hands_at, key=hands_at.__getitem__)
            at = hands_at[member]
            if at > until:
                return
            del hands_at[member]
            clock.set(max(at, clock.now()))
            if not s.is_present(member):  # left meanwhile: asked again if they return
                continue
            try:
                s.raise_hand(member)
            except ActionRejected:  # e.g. a plugin's rule: no hand from them in this phase
                self.quiet.add(member)

    def queue_phase(self, phase: PhaseSpec) -> None:
        """Raised hands: hands go up as the behaviour says; whoever is offered the floor takes it.

        The head of the queue shares or passes (:meth:`member_turn`); with nobody's
        hand up, time passes until the next hand goes up. Until the budget is used.
        """
        s, clock, gap, pending, by_id = self.s, self.clock, self.gap, self.pending, self.by_id
        end = s.phase_started_at + (s.phase_budget if s.phase_budget is not None else 0.0)
        _warn, limit, hard = s.format.always_on.share_time_limit.limits(phase, s.agreement)
        most = phase.policy.max_shares
        hands_at = self.hands_at  # empty between queue phases
        self.quiet.clear()
        while clock.now() < end:
            self.due()
            self.schedule_hands(most)
            self.raise_hands(clock.now())
            head = s.offered_to()
            if head is None:  # nobody's hand is up: until the next hand, arrival or the end
                arrival = pending[-1][0] if pending else end
                clock.set(max(min([end, arrival, *hands_at.values()]), clock.now()))
            elif head not in by_id:  # not a simulated member's hand
                s.lower_hand(head, by=FAC)
            elif self.member_turn(head, limit, hard):
                self.wait(gap)
            else:  # passed: the urge starts again from now
                self.last_spoke[head] = clock.now()
                self.wait(gap or 1.0)
        hands_at.clear()

    def round_phase(self, phase: PhaseSpec) -> None:
        """Rounds: seat order, volunteers (popcorn, tag) or called on by the facilitator."""
        s, clock, fac, gap = self.s, self.clock, self.fac, self.gap
        floor = s.floor
        policy = phase.policy
        # Only whoever is called on may take the floor: the facilitator calls on them.
        called = policy.offers is Offer.CALLED and policy.speakers is Speakers.OFFERED
        budget = s.phase_budget
        end = s.phase_started_at + budget if budget is not None else float("inf")
        close = fac.close_at_budget and budget is not None
        _warn, limit, hard = s.format.always_on.share_time_limit.limits(phase, s.agreement)
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
