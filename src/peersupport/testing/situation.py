"""Drive a new session to a given situation with valid actions: for targeted tests.

:func:`reach` opens a session of a format for a group and plays it forward the
way a meeting would — people arrive and consent, the chair moves along the
chart, members take their turns, rounds end — until the session is in the
phase, round and floor situation asked for. Every step is an ordinary action
through the public :class:`~peersupport.Session` API, so the session's log is
one the engine wrote (``Session.verify`` accepts it) and a plugin's rules and
policy are in force all the way. What it does in a phase depends only on the
turn policy's declaration (who speaks, who calls on whom, whether hands are
raised), never on its name.

A plugin author writes a targeted property test by reaching the situation the
rule is about and then trying the action under test::

    session = reach("lightning-round", group, phase="lightning", turns=("ana", "ben"))
    with pytest.raises(ps.RuleViolation):
        session.start_share("ana")
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from functools import partial

from peersupport import formats
from peersupport.clock import ManualClock
from peersupport.engine.format import Format
from peersupport.engine.policies import Callers, Offer, Speakers
from peersupport.engine.session import Session
from peersupport.errors import ActionRejected, PeersupportError
from peersupport.testing.meeting import path
from peersupport.values import Group

__all__ = ["ReachError", "reach"]


class ReachError(PeersupportError, ValueError):
    """The situation asked of :func:`reach` cannot be reached with valid actions.

    The message names the step, the action and the engine's reason; the
    engine's refusal, if any, is the exception's ``__cause__``.
    """


class _Driver:
    """Plays a session forward for :func:`reach`, one named action at a time."""

    def __init__(self, session: Session, clock: ManualClock, seconds: float) -> None:
        self.session = session
        self.clock = clock
        self.seconds = seconds
        self.steps = 0

    def act(self, what: str, action: Callable[[], object]) -> None:
        """Perform ``action`` (described as ``what``), turning a refusal into a ReachError."""
        self.steps += 1
        try:
            action()
        except ActionRejected as refused:
            raise ReachError(
                f"cannot reach the situation: step {self.steps}, {what}, was refused "
                f"in phase {self.session.phase.id!r}, round {self.session.state.floor.round}: "
                f"{refused}"
            ) from refused

    def chair(self) -> str:
        """The first facilitator present (the one who runs the session)."""
        session = self.session
        for lead in session.group.facilitators:
            if session.is_present(lead.id):
                return lead.id
        raise ReachError(
            f"cannot reach the situation: no facilitator of group {session.group.name!r} "
            "is present to run the session"
        )

    def advance(self, to: str) -> None:
        """The chair closes an unfinished round, then moves the session to phase ``to``."""
        session, chair = self.session, self.chair()
        if session.state.floor.round and not session.state.floor.complete:
            self.act(f"close_round(by={chair!r})", lambda: session.close_round(by=chair))
        self.act(f"advance(by={chair!r}, to={to!r})", lambda: session.advance(by=chair, to=to))

    def offer(self, member: str) -> None:
        """Get the floor offered to ``member`` where the policy needs it.

        Where the floor goes to whoever is called on, the chair calls ``member``;
        where it goes to the head of a queue of raised hands, ``member`` raises
        their hand, and the chair calls on them if they are not at its head.
        """
        session = self.session
        policy = session.phase.policy
        offers, callers = Offer(policy.offers), Callers(policy.callers)
        if offers is Offer.QUEUE and member not in session.floor.hands:
            self.act(f"raise_hand({member!r})", partial(session.raise_hand, member))
        if (
            offers in (Offer.CALLED, Offer.QUEUE)
            and callers is not Callers.NOBODY
            and session.offered_to() != member
        ):
            chair = self.chair()
            self.act(
                f"call_on({member!r}, by={chair!r})",
                lambda: session.call_on(member, by=chair),
            )

    def start(self, member: str) -> None:
        """``member`` takes the floor (called on first where the policy needs it)."""
        self.offer(member)
        self.act(f"start_share({member!r})", lambda: self.session.start_share(member))

    def turn(self, member: str, *, passes: bool) -> None:
        """``member`` shares for ``seconds`` and ends, or passes."""
        session = self.session
        if passes:
            self.offer(member)
            self.act(f"pass_turn({member!r})", lambda: session.pass_turn(member))
            return
        self.start(member)
        self.clock.advance(self.seconds)
        session.apply_due()  # a hard cap may end the share first
        if session.state.floor.holder == member:
            self.act(f"end_share({member!r})", lambda: session.end_share(member))

    def next_member(self, *, roll_over: bool) -> str:
        """Whoever would take the next turn under the phase's policy.

        The member the floor is offered to; else, where only facilitators speak,
        the chair; else the first present member in turn order still waiting in
        the round (in a new round, if ``roll_over`` and the phase rolls over by
        itself); in a phase
        without rounds, the eligible member present who has shared least in it.
        """
        session = self.session
        offered = session.offered_to()
        if offered is not None:
            return offered
        phase, state = session.phase, session.state
        if Speakers(phase.policy.speakers) is Speakers.FACILITATORS:
            return self.chair()
        floor = state.floor
        if phase.rounds and not floor.complete:
            waiting = [m for m in floor.order if m not in floor.had_turn and m in state.present]
        elif phase.rounds and not (roll_over and phase.auto_rollover):
            waiting = []
        else:
            shares = session.phase_shares
            eligible = [m for m in state.present if state.roles[m] in phase.eligible]
            waiting = sorted(eligible, key=lambda m: shares.get(m, 0))
        if not waiting:
            raise ReachError(
                f"cannot reach the situation: nobody is waiting for a turn in round "
                f"{floor.round} of phase {phase.id!r}"
            )
        return waiting[0]


def reach(
    fmt: str | Format,
    group: Group,
    *,
    phase: str | None = None,
    round: int = 1,  # noqa: A002 - the insiders' word, as in SessionState.round
    turns: Sequence[str] | int = (),
    passes: Collection[str] = (),
    holder: str | None = None,
    present: Sequence[str] | None = None,
    clock: ManualClock | None = None,
    seconds: float = 60.0,
    ends_at: float | None = None,
    close_notice: float | None = None,
) -> Session:
    """Open a session and play it forward, with valid actions only, to a situation.

    People in ``present`` arrive in that order (their seats) and consent; the
    first facilitator present runs the session. The chair moves along the
    format's chart (by the shortest route, closing any unfinished round) to
    ``phase``; earlier rounds of that phase are played out by whoever's turn
    it is, each sharing ``seconds``; then in round ``round`` the members in
    ``turns`` take their turns in that order (sharing ``seconds`` each, or
    passing if they are in ``passes``), and ``holder`` takes the floor and is
    left holding it. Where the phase's policy gives the floor to whoever is
    called on, the chair calls on each member first; where it gives the floor
    to the head of a queue of raised hands, each member raises their hand
    first (and the chair calls on them if the queue's order puts someone else
    ahead). Where rounds roll over by
    themselves, a round begins with its first turn: without ``turns`` or
    ``holder``, the session is left at the end of the round before.

    Args:
        fmt: The format, or the name of an installed one.
        group: The group meeting.
        phase: Id of the phase to reach, as in ``advance(to=...)`` (default: the format's
            first phase).
        round: The round of ``phase`` to be in (``1`` is its first; a phase
            without rounds only has ``1``).
        turns: Members who take their turn in that round, in order; or a number
            of turns, taken by whoever's turn it is.
        passes: Members of ``turns`` who pass instead of sharing.
        holder: Member left holding the floor (after ``turns``), or ``None``.
        present: Who arrives, in seat order (default: the whole group, in its order).
        clock: The session's clock (default: a new ``ManualClock`` at 0); each share
            moves it on by ``seconds``.
        seconds: How long each share lasts.
        ends_at: The meeting's scheduled end (on ``clock``), as ``Session(ends_at=...)``:
            budgets shrink when the meeting runs late, and ``time_to_close`` and
            ``meeting_overran`` fall due as the shares move the clock on.
        close_notice: Seconds before ``ends_at`` when ``time_to_close`` is due.

    Returns:
        The session, in that situation.

    Raises:
        ReachError: If the engine refuses a step (the message names the step,
            the action and the engine's reason), the phase cannot be reached
            from the first phase, or nobody is left to take a turn.
        KeyError: If ``fmt`` names no installed format.
        ValueError: If the group has fewer facilitators than the format needs, or
            ``ends_at`` is not after the opening.
    """
    fmt = formats.get(fmt) if isinstance(fmt, str) else fmt
    clock = ManualClock() if clock is None else clock
    session = Session(group, fmt, clock=clock, ends_at=ends_at, close_notice=close_notice)
    driver = _Driver(session, clock, seconds)
    for member in [m.id for m in group.members] if present is None else present:
        driver.act(f"arrive({member!r})", partial(session.arrive, member))
        driver.act(f"consent({member!r})", partial(session.consent, member))
    target = session.phase.id if phase is None else phase
    if target not in fmt.phases:
        raise ReachError(
            f"cannot reach the situation: format {fmt.name!r} has no phase {target!r} "
            f"(it has {', '.join(fmt.phases)})"
        )
    route = path(fmt, session.phase.id, target)
    if target != session.phase.id and not route:
        raise ReachError(
            f"cannot reach the situation: format {fmt.name!r} has no route from phase "
            f"{session.phase.id!r} to phase {target!r}"
        )
    for step in route:
        driver.advance(step)
    rounds = session.phase.rounds
    if round < 1 or (round > 1 and not rounds):
        raise ReachError(
            f"cannot reach the situation: phase {target!r} has "
            f"{'rounds numbered from 1' if rounds else 'no rounds'}; round {round} was asked for"
        )
    unknown = set(passes) - set([] if isinstance(turns, int) else turns)
    if unknown:
        raise ReachError(
            f"cannot reach the situation: {', '.join(sorted(unknown))} would pass but "
            "take no turn (each member in passes must be in turns)"
        )
    while rounds and session.state.floor.round < round:
        floor = session.state.floor
        if not floor.complete:
            driver.turn(driver.next_member(roll_over=False), passes=False)
        elif not session.phase.auto_rollover:
            chair = driver.chair()
            driver.act(f"new_round(by={chair!r})", partial(session.new_round, by=chair))
        elif floor.round < round - 1:
            driver.turn(driver.next_member(roll_over=True), passes=False)  # rolls over
        else:
            break  # the next turn rolls round ``round`` in
    if isinstance(turns, int):
        for _ in range(turns):
            roll_over = session.state.floor.round < round  # the first turn rolls round in
            driver.turn(driver.next_member(roll_over=roll_over), passes=False)
    else:
        for member in turns:
            driver.turn(member, passes=member in passes)
    if holder is not None:
        driver.start(holder)
    return session
