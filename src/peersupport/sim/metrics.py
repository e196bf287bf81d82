"""Fairness metrics of a simulated (or real) session, per session and per member.

All inequality measures are taken over **all** members present at some point
of the session (the simulated members, not the facilitators): a member who
never spoke counts as a zero. Values that are undefined (e.g. the Gini of
nobody speaking) are ``nan``.

The functions here use only the standard library, so they cost microseconds per
session; the tests check them against PySAL's ``inequality`` package and the
textbook entropy formula.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from peersupport.events import EventKind

if TYPE_CHECKING:
    from peersupport.engine.events import Event
    from peersupport.engine.session import Session

__all__ = [
    "MEMBER_COLUMNS",
    "Participant",
    "SESSION_COLUMNS",
    "collect",
    "entropy",
    "gini",
    "member_metrics",
    "session_metrics",
    "top_share",
]

_NAN = math.nan
_ARRIVED = EventKind.ARRIVED
_LEFT = EventKind.LEFT
_STARTED = EventKind.SHARE_STARTED
_BLOCKED = EventKind.CROSS_TALK_BLOCKED
_PHASE = EventKind.PHASE_ENTERED
_ENDED = EventKind.ENDED
_PAUSED = EventKind.PAUSED
_RESUMED = EventKind.RESUMED
_PASSED = EventKind.PASSED
_RAISED = EventKind.HAND_RAISED
_LOWERED = EventKind.HAND_LOWERED
_CLEARED = EventKind.HANDS_CLEARED

SESSION_COLUMNS = (
    "members_present",
    "duration",
    "events",
    "shares",
    "passes",
    "speaking_time",
    "gini_speaking",
    "gini_shares",
    "top_share",
    "entropy",
    "frac_shared",
    "never_reached",
    "not_reached",
    "wait_first_share",
    "cross_talk_blocked",
    "interjections",
    "overtime",
    "phase_overruns",
    "overrun_seconds",
    "meeting_overran",
    "meeting_overrun",
    "hands_raised",
    "hand_wait_mean",
    "hand_wait_median",
    "queue_jumps",
    "never_heard",
)
"""Columns of the per-session metrics, in order."""
MEMBER_COLUMNS = (
    "member",
    "seat",
    "talkativeness",
    "newcomer",
    "shares",
    "passes",
    "speaking_time",
    "overtime",
    "not_reached",
    "first_share_wait",
    "cross_talk_blocked",
    "arrived_at",
    "left_early",
    "hands_raised",
    "hands_answered",
    "hand_wait",
    "queue_jumps",
)
"""Columns of the per-member metrics, in order."""


class Participant(Protocol):
    """A member whose metrics are taken: a simulated member's profile, or a real member.

    :class:`~peersupport.sim.MemberProfile` is one; so is
    :class:`~peersupport.sim.logs.RealMember` (talkativeness unknown: ``nan``).
    """

    @property
    def id(self) -> str:
        """The member's id."""

    @property
    def talkativeness(self) -> float:
        """How talkative the member is, 0..1 (``nan`` if unknown)."""

    @property
    def newcomer(self) -> bool:
        """Whether the member is a newcomer."""


def gini(values: Sequence[float]) -> float:
    """Gini coefficient of ``values`` (zeros included); ``nan`` if empty or all zero.

    ``G = sum_i (2i - n - 1) x_(i) / (n * sum x)`` over the sorted values,
    i.e. the mean absolute difference over twice the mean.
    """
    n = len(values)
    total = math.fsum(values)
    if n == 0 or total <= 0:
        return _NAN
    ordered = sorted(values)
    acc = math.fsum((2 * i - n + 1) * x for i, x in enumerate(ordered))
    return acc / (n * total)


def entropy(values: Sequence[float]) -> float:
    """Normalised Shannon entropy of the shares of ``values``: 1 when all are equal.

    ``H = -sum p ln p / ln n`` with ``p = x / sum x`` over all ``n`` values
    (zeros contribute nothing but count in ``n``); ``nan`` if ``n < 2`` or all zero.
    """
    n = len(values)
    total = math.fsum(values)
    if n < 2 or total <= 0:
        return _NAN
    h = -math.fsum((x / total) * math.log(x / total) for x in values if x > 0)
    return h / math.log(n)


def top_share(values: Sequence[float]) -> float:
    """Fraction of the total taken by the largest value; ``nan`` if all zero."""
    total = math.fsum(values)
    if not values or total <= 0:
        return _NAN
    return max(values) / total


def _answered(
    event: Event,
    queue: dict[str, tuple[int, float]],
    waits: dict[str, list[float]],
    jumps: dict[str, int],
) -> None:
    """``event``'s member took the floor or passed while hands were up: tally it.

    Their own hand, if up, is answered (its wait is recorded); it is a queue jump
    if someone still in the queue raised their hand before theirs (before this
    turn, for a member called on without a raised hand).
    """
    m: str = event.member  # type: ignore[assignment]
    mine = queue.pop(m, None)
    seq = event.seq
    if mine is not None:
        waits.setdefault(m, []).append(event.time - mine[1])
        seq = mine[0]
    if any(other < seq for other, _at in queue.values()):
        jumps[m] = jumps.get(m, 0) + 1


def collect(
    session: Session, profiles: Sequence[Participant]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Session and per-member metrics in one pass over the session's events.

    Args:
        session: An (ended) engine session.
        profiles: The members to count, in seat order (simulated members'
            profiles, or real members); facilitators are not counted.

    Returns:
        ``(session metrics, member rows)``; members who never arrived are left out.
    """
    arrived: dict[str, float] = {}
    first: dict[str, float] = {}
    blocked: dict[str, int] = {}
    left: set[str] = set()
    # The queue of raised hands: who is in it, with when (seq, time) they raised their hand.
    queue: dict[str, tuple[int, float]] = {}
    raised: dict[str, int] = {}
    hand_waits: dict[str, list[float]] = {}
    jumps: dict[str, int] = {}
    phases: list[tuple[float, str, float | None]] = []  # when, which, budget in force if shorter
    paused = [0.0]  # seconds paused in each phase, the first phase first
    paused_at: float | None = None
    end = 0.0
    events = session.events
    state = session.state
    specs = session.format.phases
    counts = specs[session.format.initial].sharing  # shares count only where the phase says
    for e in events:
        kind = e.kind
        if kind is _STARTED:
            m = e.member
            if counts and m not in first:
                first[m] = e.time  # type: ignore[index]
            if queue:
                _answered(e, queue, hand_waits, jumps)
        elif kind is _ARRIVED:
            arrived.setdefault(e.member, e.time)  # type: ignore[arg-type]  # the first arrival
        elif kind is _PHASE:
            phase = e.data["phase"]
            phases.append((e.time, phase, e.data.get("budget")))  # type: ignore[arg-type]
            paused.append(0.0)
            counts = specs[phase].sharing  # type: ignore[index]
            queue.clear()
        elif kind is _PAUSED:
            paused_at = e.time
        elif kind is _RESUMED and paused_at is not None:
            paused[-1] += e.time - paused_at
            paused_at = None
        elif kind is _BLOCKED:
            blocked[e.member] = blocked.get(e.member, 0) + 1  # type: ignore[index, arg-type]
        elif kind is _LEFT:
            left.add(e.member)  # type: ignore[arg-type]
            queue.pop(e.member, None)  # type: ignore[arg-type]
        elif kind is _PASSED:
            if queue:
                _answered(e, queue, hand_waits, jumps)
        elif kind is _RAISED:
            m = e.member
            queue[m] = (e.seq, e.time)  # type: ignore[index]
            raised[m] = raised.get(m, 0) + 1  # type: ignore[index, arg-type]
        elif kind is _LOWERED:
            queue.pop(e.member, None)  # type: ignore[arg-type]
        elif kind is _CLEARED:
            queue.clear()
        elif kind is _ENDED:
            end = e.time
            if paused_at is not None:  # ended during a pause
                paused[-1] += end - paused_at
    if events and events[-1].kind is not _ENDED:
        end = events[-1].time  # an unfinished log: measured up to its last event
    shares_of = state.shares
    passes_of = state.passes
    speaking_of = state.speaking_time
    overtime_of = state.overtime
    missed_of = state.not_reached
    rows: list[dict[str, Any]] = []
    speaking: list[float] = []
    shares: list[float] = []
    waits: list[float] = []
    never = missed_total = unheard = 0
    all_waits: list[float] = []
    for seat, p in enumerate(profiles):
        m = p.id
        at = arrived.get(m)
        if at is None:
            continue
        n_shares = shares_of.get(m, 0)
        n_passes = passes_of.get(m, 0)
        missed = missed_of.get(m, 0)
        t = speaking_of.get(m, 0.0)
        start = first.get(m)
        wait = _NAN if start is None else start - at
        if start is not None:
            waits.append(wait)
        if missed and not n_shares and not n_passes:
            never += 1
        missed_total += missed
        speaking.append(t)
        shares.append(n_shares)
        n_raised = raised.get(m, 0)
        mine = hand_waits.get(m, ())
        all_waits.extend(mine)
        if n_raised and not mine:
            unheard += 1
        rows.append(
            {
                "member": m,
                "seat": seat,
                "talkativeness": p.talkativeness,
                "newcomer": p.newcomer,
                "shares": n_shares,
                "passes": n_passes,
                "speaking_time": t,
                "overtime": overtime_of.get(m, 0.0),
                "not_reached": missed,
                "first_share_wait": wait,
                "cross_talk_blocked": blocked.get(m, 0),
                "arrived_at": at,
                "left_early": m in left,
                "hands_raised": n_raised,
                "hands_answered": len(mine),
                "hand_wait": math.fsum(mine) / len(mine) if mine else _NAN,
                "queue_jumps": jumps.get(m, 0),
            }
        )
    budgets = session.format.phases
    overruns = 0
    over_seconds = 0.0
    phases.append((end, "", None))
    opened = events[0].time
    shortened: float | None = events[0].data.get("budget")  # type: ignore[assignment]
    opening = (opened, session.format.initial, shortened)
    for (start_at, phase_id, in_force), (next_at, _n, _b), pause in zip(
        [opening, *phases[:-1]], phases, paused, strict=True
    ):
        budget = budgets[phase_id].budget if in_force is None else in_force
        used = next_at - start_at - pause  # a pause moves the phase's budget on
        if budget is not None and used > budget:
            overruns += 1
            over_seconds += used - budget
    ends_at = state.ends_at  # the meeting's scheduled end, if the session had one
    n = len(rows)
    n_shared = sum(1 for x in shares if x)
    metrics: dict[str, Any] = {
        "members_present": n,
        "duration": end - opened,
        "events": len(events),
        "shares": int(sum(shares)),
        "passes": sum(r["passes"] for r in rows),
        "speaking_time": math.fsum(speaking),
        "gini_speaking": gini(speaking),
        "gini_shares": gini(shares),
        "top_share": top_share(speaking),
        "entropy": entropy(speaking),
        "frac_shared": n_shared / n if n else _NAN,
        "never_reached": never,
        "not_reached": missed_total,
        "wait_first_share": math.fsum(waits) / len(waits) if waits else _NAN,
        "cross_talk_blocked": sum(blocked.values()),
        "interjections": state.interjections,
        "overtime": math.fsum(r["overtime"] for r in rows),
        "phase_overruns": overruns,
        "overrun_seconds": over_seconds,
        "meeting_overran": _NAN if ends_at is None else float(end > ends_at),
        "meeting_overrun": _NAN if ends_at is None else max(0.0, end - ends_at),
        "hands_raised": sum(r["hands_raised"] for r in rows),
        "hand_wait_mean": math.fsum(all_waits) / len(all_waits) if all_waits else _NAN,
        "hand_wait_median": statistics.median(all_waits) if all_waits else _NAN,
        "queue_jumps": sum(r["queue_jumps"] for r in rows),
        "never_heard": unheard,
    }
    return metrics, rows


def session_metrics(session: Session, profiles: Sequence[Participant]) -> dict[str, Any]:
    """Metrics of one session (see :data:`SESSION_COLUMNS`).

    ``gini_*``, ``top_share``, ``entropy`` and ``frac_shared`` are over all members
    present; ``never_reached`` counts members who never had a turn because rounds
    were closed before it; ``not_reached`` counts member-rounds closed before their
    turn; ``wait_first_share`` is the mean wait from first arrival to first share
    (in a phase whose shares count, like ``shares``) of those who shared;
    ``phase_overruns`` counts phases that outlasted their budget, and
    ``overrun_seconds`` by how much, time paused not counted (a pause moves the
    phase's budget on, as the engine does); ``duration`` includes pauses. A log
    that stops before ``ended`` is measured up to its last event.

    The queue metrics (phases with raised hands): a raised hand is *answered* when
    its member takes the floor or passes; ``hand_wait_mean`` and
    ``hand_wait_median`` are over every answered hand of the members, from raising
    it to the answer; ``queue_jumps`` counts turns taken (or passed) while someone
    who raised their hand earlier was still waiting; ``never_heard`` counts
    members who raised a hand and had none answered.
    """
    return collect(session, profiles)[0]


def member_metrics(session: Session, profiles: Sequence[Participant]) -> list[dict[str, Any]]:
    """Per-member metrics of one session (see :data:`MEMBER_COLUMNS`), in seat order.

    ``arrived_at`` is the member's first arrival and ``first_share_wait`` the time
    from it to their first share (in a phase whose shares count), so a member who
    leaves and comes back keeps their first wait; ``nan`` if they never shared.
    ``hand_wait`` is the mean wait of their answered hands (``nan``: none), and
    ``queue_jumps`` their turns ahead of someone who raised a hand earlier.
    """
    return collect(session, profiles)[1]
