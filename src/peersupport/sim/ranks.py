"""Participation by rank, and its fit to the exponential form of small-group research.

Stephan and Mishler (1952) found that in small discussion groups the share of
participation falls roughly exponentially with the speaker's rank: the most
active member takes the largest share, the next a roughly constant fraction of
that, and so on (``p_i = a * ratio ** (i - 1)``). :func:`participation_by_rank`
gives the mean share of each rank from a sweep's member table, and
:func:`exponential_fit` fits that form to it, so a simulated baseline can be
held against the regularity (see the "Baseline" page of the documentation).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs
import numpy as np
import pandas as pd

__all__ = ["ExponentialFit", "exponential_fit", "participation_by_rank"]


def participation_by_rank(members: pd.DataFrame, column: str = "shares") -> pd.DataFrame:
    """Mean share of the session total by rank, per condition.

    In each session the members are ranked by ``column`` (most first) and each
    one's fraction of the session's total taken; the fractions are averaged per
    condition and rank over the sessions where anyone took part at all.

    Args:
        members: A sweep's member table (``condition``, ``replicate`` and ``column``).
        column: What participation is: ``"shares"`` (acts) or ``"speaking_time"``.

    Returns:
        One row per condition (its index), one column per rank (1 is the most active).
    """
    rows: dict[int, list[np.ndarray]] = {}
    keys = members[["condition", "replicate"]].to_numpy()
    values = members[column].to_numpy(dtype=float)
    order = np.lexsort((keys[:, 1], keys[:, 0]))
    bounds = np.flatnonzero(np.any(np.diff(keys[order], axis=0) != 0, axis=1)) + 1
    for part in np.split(order, bounds):
        session = np.sort(values[part])[::-1]
        total = session.sum()
        if total > 0:
            rows.setdefault(int(keys[part[0], 0]), []).append(session / total)
    table = {c: np.mean(np.vstack(v), axis=0) for c, v in rows.items()}
    width = max(len(v) for v in table.values())
    frame = pd.DataFrame(
        [np.pad(v, (0, width - len(v)), constant_values=np.nan) for v in table.values()],
        index=pd.Index(list(table), name="condition"),
        columns=range(1, width + 1),
    )
    return frame


@attrs.frozen
class ExponentialFit:
    """The fit of ``p_i = a * ratio ** (i - 1)`` to participation by rank.

    Attributes:
        a: The fitted share of the most active member.
        ratio: Each rank's share over the one before it (1: everyone equal).
        r_squared: Of the fit on the log scale (1: exactly exponential).
        max_deviation: Largest difference between a rank's share and the fit.
    """

    a: float
    ratio: float
    r_squared: float
    max_deviation: float


def exponential_fit(shares: Sequence[float]) -> ExponentialFit:
    """Least-squares fit of ``log p_i = log a + (i - 1) log ratio`` over the positive shares.

    Args:
        shares: Mean share of each rank, the most active first.

    Raises:
        ValueError: With fewer than two positive shares.
    """
    p = np.asarray(shares, dtype=float)
    rank = np.arange(len(p), dtype=float)
    keep = p > 0
    if keep.sum() < 2:
        raise ValueError("an exponential fit needs at least two positive shares")
    y = np.log(p[keep])
    slope, intercept = np.polyfit(rank[keep], y, 1)
    residual = y - (intercept + slope * rank[keep])
    spread = y - y.mean()
    r_squared = 1.0 - float(residual @ residual) / float(spread @ spread) if spread.any() else 1.0
    fitted = np.exp(intercept + slope * rank)
    return ExponentialFit(
        a=math.exp(intercept),
        ratio=math.exp(slope),
        r_squared=r_squared,
        max_deviation=float(np.nanmax(np.abs(fitted - p))),
    )
