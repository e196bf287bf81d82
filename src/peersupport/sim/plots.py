"""Figures of a sweep's member table (matplotlib, drawn off-screen, saved as PNG).

:func:`lorenz` draws the Lorenz curves of per-member speaking time, one curve
per group (e.g. per format); :func:`distribution` draws the distribution of
per-member speaking time per group; :func:`study_figure` puts both side by side.
The figures are built with :class:`matplotlib.figure.Figure` directly (the Agg
canvas), so no GUI backend or pyplot state is involved.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["distribution", "lorenz", "lorenz_points", "study_figure"]


def lorenz_points(values: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Lorenz curve of ``values``: (cumulative share of members, cumulative share of total)."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    total = x.sum()
    people = np.linspace(0.0, 1.0, n + 1)
    if n == 0 or total <= 0:
        return people, people
    return people, np.concatenate([[0.0], np.cumsum(x) / total])


def _groups(members: pd.DataFrame, by: str) -> list[tuple[str, pd.Series]]:
    return [(str(k), g["speaking_time"]) for k, g in members.groupby(by, sort=False)]


def _lorenz_axes(ax: Axes, members: pd.DataFrame, by: str) -> None:
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="equality")
    for name, values in _groups(members, by):
        x, y = lorenz_points(values.to_numpy())
        ax.plot(x, y, label=name)
    ax.set_xlabel("share of members (quietest first)")
    ax.set_ylabel("share of speaking time")
    ax.set_title("Lorenz curves of speaking time")
    ax.legend(fontsize="small")


def _distribution_axes(ax: Axes, members: pd.DataFrame, by: str) -> None:
    groups = _groups(members, by)
    top = max((float(v.max()) for _n, v in groups if len(v)), default=1.0) / 60.0
    bins = [float(b) for b in np.linspace(0.0, max(top, 1.0), 40)]
    for name, values in groups:
        ax.hist(values.to_numpy() / 60.0, bins=bins, histtype="step", density=True, label=name)
    ax.set_xlabel("speaking time per member and session (minutes)")
    ax.set_ylabel("density")
    ax.set_title("Distribution of speaking time")
    ax.legend(fontsize="small")


def _save(fig: Figure, path: str | os.PathLike[str]) -> Path:
    out = Path(path)
    fig.savefig(out, format="png", dpi=100)
    return out


def lorenz(members: pd.DataFrame, path: str | os.PathLike[str], *, by: str = "format") -> Path:
    """Save Lorenz curves of per-member speaking time, one per value of ``by``, as PNG."""
    fig = Figure(figsize=(6, 5), layout="constrained")
    _lorenz_axes(fig.add_subplot(), members, by)
    return _save(fig, path)


def distribution(
    members: pd.DataFrame, path: str | os.PathLike[str], *, by: str = "format"
) -> Path:
    """Save histograms of per-member speaking time, one per value of ``by``, as PNG."""
    fig = Figure(figsize=(6, 5), layout="constrained")
    _distribution_axes(fig.add_subplot(), members, by)
    return _save(fig, path)


def study_figure(
    members: pd.DataFrame, path: str | os.PathLike[str], *, by: str = "format"
) -> Path:
    """Save Lorenz curves and speaking-time distributions side by side as PNG."""
    fig = Figure(figsize=(12, 5), layout="constrained")
    left, right = fig.subplots(1, 2)
    _lorenz_axes(left, members, by)
    _distribution_axes(right, members, by)
    return _save(fig, path)
