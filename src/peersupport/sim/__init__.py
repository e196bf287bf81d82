"""Simulation toolkit: simulated members, many sessions, fairness metrics, sweeps.

Install with the ``sim`` extra (``pip install "peersupport[sim]"``). A simulated
session drives the very same :class:`~peersupport.Session` engine that apps use,
on a :class:`~peersupport.ManualClock` with plugin hooks off::

    from peersupport import sim

    result = sim.simulate("sharing-circle", sim.dominant_talkers(2), members=8, seed=1)
    result.metrics["gini_speaking"]

    grid = sim.grid(format=["open-sharing", "talking-piece-circle"],
                    population=[sim.dominant_talkers(2)], members=[8])
    out = sim.sweep(grid, sessions=1000, seed=7)
    out.sessions.groupby("format")["gini_speaking"].mean()

Importing :mod:`peersupport` alone never imports numpy or pandas; this package does.

The modules, from the bottom up:

* :mod:`~peersupport.sim.behaviour`: member profiles, populations, behaviours;
* :mod:`~peersupport.sim.group`: the simulated group and the facilitator's settings;
* :mod:`~peersupport.sim.driver`: the driver that acts in one session;
* :mod:`~peersupport.sim.metrics`: fairness metrics of a session;
* :mod:`~peersupport.sim.logs`: the same metrics of any log, real or simulated;
* :mod:`~peersupport.sim.ranks`: participation by rank and its exponential fit;
* :mod:`~peersupport.sim.runner`: :func:`simulate` (one session, with its metrics);
* :mod:`~peersupport.sim.conditions`: a sweep's grid and per-session seeds;
* :mod:`~peersupport.sim.tables`: the sweep's tables, chunks and summary;
* :mod:`~peersupport.sim.sweep`: :func:`sweep`, on any executor;
* :mod:`~peersupport.sim.plots` and :mod:`~peersupport.sim.cli`: figures and the
  ``peersupport simulate`` command.
"""

from __future__ import annotations

from peersupport.sim.behaviour import (
    Behaviour,
    MemberProfile,
    Population,
    PopulationSpec,
    ProfileBehaviour,
    dominant_talkers,
    heterogeneous,
    homogeneous,
    with_newcomers,
)
from peersupport.sim.conditions import Condition, grid, replicate_seed
from peersupport.sim.group import DEFAULT_AGREEMENT, Facilitator
from peersupport.sim.logs import RealMember, log_metrics, log_tables, store_tables
from peersupport.sim.metrics import (
    MEMBER_COLUMNS,
    SESSION_COLUMNS,
    Participant,
    entropy,
    gini,
    member_metrics,
    session_metrics,
    top_share,
)
from peersupport.sim.ranks import ExponentialFit, exponential_fit, participation_by_rank
from peersupport.sim.runner import SimResult, simulate
from peersupport.sim.sweep import SweepResult, sweep
from peersupport.sim.tables import summarize

__all__ = [
    "DEFAULT_AGREEMENT",
    "MEMBER_COLUMNS",
    "SESSION_COLUMNS",
    "Behaviour",
    "Condition",
    "ExponentialFit",
    "Facilitator",
    "MemberProfile",
    "Participant",
    "Population",
    "PopulationSpec",
    "ProfileBehaviour",
    "RealMember",
    "SimResult",
    "SweepResult",
    "dominant_talkers",
    "entropy",
    "exponential_fit",
    "gini",
    "grid",
    "heterogeneous",
    "homogeneous",
    "log_metrics",
    "log_tables",
    "member_metrics",
    "participation_by_rank",
    "replicate_seed",
    "session_metrics",
    "simulate",
    "store_tables",
    "summarize",
    "sweep",
    "top_share",
    "with_newcomers",
]
