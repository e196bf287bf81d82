"""Run one simulated session on the real engine, opening to closing.

:func:`simulate` builds a group of simulated members, opens a real
:class:`~peersupport.Session` with a :class:`~peersupport.ManualClock` and
``hooks=False``, and lets a :class:`~peersupport.sim.Facilitator` and the
members' behaviour act until the session ends (the
:class:`~peersupport.sim.driver.Driver` performs their actions). Every action
goes through the engine's checks, so what is measured is the real protocol; a
rejected action would raise. :func:`run_session` is the same without the
metrics, for sweeps and benchmarks.

The simulated group (:func:`make_group`), the facilitator's settings
(:class:`Facilitator`) and :data:`DEFAULT_AGREEMENT` live in
:mod:`peersupport.sim.group`, and :data:`MAX_ROUNDS` in
:mod:`peersupport.sim.driver`; they are importable from here too.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import attrs

from peersupport import formats as _formats
from peersupport.clock import ManualClock
from peersupport.engine.events import Event
from peersupport.engine.format import Format
from peersupport.engine.session import Session
from peersupport.sim.behaviour import Behaviour, MemberProfile, Population, ProfileBehaviour
from peersupport.sim.driver import MAX_ROUNDS, Driver
from peersupport.sim.group import CO_FAC, DEFAULT_AGREEMENT, FAC, Facilitator, make_group
from peersupport.sim.metrics import collect
from peersupport.values import Agreement

__all__ = [
    "CO_FAC",
    "DEFAULT_AGREEMENT",
    "FAC",
    "MAX_ROUNDS",
    "Facilitator",
    "SimResult",
    "make_group",
    "run_session",
    "simulate",
]

_DEFAULT_BEHAVIOUR = ProfileBehaviour()
_DEFAULT_FACILITATOR = Facilitator()


@attrs.frozen
class SimResult:
    """One simulated session.

    Attributes:
        session: The engine session (ended); restoring its events gives its state.
        profiles: The simulated members' profiles, in seat order.
        events: The event log.
        metrics: Session metrics (see :func:`peersupport.sim.metrics.session_metrics`).
        members: Per-member metrics, one mapping per member present, in seat order.
    """

    session: Session
    profiles: tuple[MemberProfile, ...]
    events: Sequence[Event]
    metrics: dict[str, Any]
    members: list[dict[str, Any]]


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
    fac = facilitator or _DEFAULT_FACILITATOR
    s = Session(group, fmt, clock=clock, hooks=False, ends_at=fac.meeting_length)
    Driver(s, clock, profiles, behaviour or _DEFAULT_BEHAVIOUR, fac, rng).run()
    return s


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
