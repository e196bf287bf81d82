"""The grid of a sweep: its conditions, and the seed of each session.

A :class:`Condition` is one cell of the grid (format, population, group size,
and optionally the agreement, facilitator and behaviour); :func:`grid` makes
every combination. Each session's random draws come from its own seed, spawned
from the sweep's root seed with :class:`numpy.random.SeedSequence`
(``spawn_key=(condition, replicate)``); :func:`replicate_seed` gives it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import attrs
import numpy as np

from peersupport import formats as _formats
from peersupport.sim.behaviour import Behaviour, Population, PopulationSpec
from peersupport.sim.group import Facilitator
from peersupport.values import Agreement

__all__ = ["Condition", "grid", "replicate_seed"]


@attrs.frozen
class Condition:
    """One cell of a sweep's grid.

    Attributes:
        format: Name of the format.
        population: Population the members are drawn from.
        members: Number of simulated members (the facilitator comes on top).
        agreement: The group's agreement (``None``: the simulation default).
        facilitator: How the facilitator runs sessions (``None``: the default).
        behaviour: How members act (``None``: :class:`ProfileBehaviour`). It must
            be picklable to run on a process pool or a cluster.
    """

    format: str
    population: Population = attrs.field(factory=lambda: PopulationSpec("homogeneous"))
    members: int = 8
    agreement: Agreement | None = None
    facilitator: Facilitator | None = None
    behaviour: Behaviour | None = None

    @property
    def population_name(self) -> str:
        """The population's ``name`` attribute, or its class name."""
        return str(getattr(self.population, "name", type(self.population).__name__))


def grid(
    format: str | Sequence[str],  # noqa: A002
    population: Population | Sequence[Population] | None = None,
    members: int | Sequence[int] = 8,
    *,
    agreement: Agreement | None = None,
    facilitator: Facilitator | None = None,
    behaviour: Behaviour | None = None,
) -> list[Condition]:
    """Every combination of formats, populations and group sizes, in that nesting order.

    Args:
        format: One format name or several.
        population: One population or several (default: homogeneous).
        members: One group size or several.
        agreement: Agreement of every condition.
        facilitator: Facilitator of every condition.
        behaviour: Behaviour of every condition.
    """
    fmts = [format] if isinstance(format, str) else list(format)
    if population is None:
        pops: list[Population] = [PopulationSpec("homogeneous")]
    elif isinstance(population, Population):
        pops = [population]
    else:
        pops = list(population)
    sizes = [members] if isinstance(members, int) else list(members)
    for name in fmts:
        _formats.get(name)  # fail early, naming the installed formats
    for size in sizes:
        if size < 1:
            raise ValueError(f"members must be at least 1, got {size}")
    return [
        Condition(f, p, n, agreement, facilitator, behaviour)
        for f, p, n in itertools.product(fmts, pops, sizes)
    ]


def replicate_seed(root: int, condition: int, replicate: int) -> int:
    """The seed of one session: ``SeedSequence(root)``'s child ``[condition][replicate]``."""
    ss = np.random.SeedSequence(root, spawn_key=(condition, replicate))
    return int(ss.generate_state(1, np.uint64)[0])
