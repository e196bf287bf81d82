"""How a group's meetings feel and how fair they are, session after session.

:func:`trends` reads a group's ended sessions from the store, in the order they
opened, and puts each session's anonymous feedback (k-anonymous: a question's
mean only when at least ``min_answers`` answered, see :mod:`peersupport.feedback`)
next to its fairness metrics, measured from its log with the simulator's very
definitions (:func:`peersupport.sim.store_tables`): the share of members present
who shared, and the Gini coefficient of speaking time. A :class:`TrendTable`
becomes rows, a pandas DataFrame, or a figure (:func:`plot_trends`).

The fairness metrics need the ``sim`` extra (pandas, matplotlib):
``pip install 'peersupport[sim]'``. Nothing here holds a name: ids, counts,
means and times only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from peersupport.store.base import Store

__all__ = ["FAIRNESS", "TrendRow", "TrendTable", "plot_trends", "trends"]

#: The fairness metrics of each row, from :data:`peersupport.sim.SESSION_COLUMNS`.
FAIRNESS = ("members_present", "frac_shared", "gini_speaking")


@attrs.frozen
class TrendRow:
    """One ended session: its feedback and its fairness.

    Attributes:
        session_id: The session.
        opened_at: When it opened (seconds since the epoch).
        format: Its format's name.
        respondents: How many people answered the feedback form.
        means: Each question id of the session's form mapped to its mean score,
            or ``None`` when fewer than ``min_answers`` answered it.
        members_present: How many members took part (as the simulator counts them).
        frac_shared: The share of them who shared at least once.
        gini_speaking: The Gini coefficient of their speaking time (0: equal).
    """

    session_id: str
    opened_at: float
    format: str
    respondents: int
    means: dict[str, float | None]
    members_present: int
    frac_shared: float
    gini_speaking: float


@attrs.frozen
class TrendTable:
    """A group's sessions, oldest first, with their feedback and fairness.

    Attributes:
        group_id: The group.
        questions: Every question id that appears, in order of first use.
        rows: One row per ended session.
    """

    group_id: str
    questions: tuple[str, ...]
    rows: tuple[TrendRow, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns of :meth:`to_rows`."""
        return ("session_id", "opened_at", "format", "respondents", *self.questions, *FAIRNESS)

    def to_rows(self) -> list[tuple[Any, ...]]:
        """One tuple per session, in :attr:`columns` order (a hidden or absent mean is ``None``)."""
        return [
            (
                r.session_id,
                r.opened_at,
                r.format,
                r.respondents,
                *(r.means.get(q) for q in self.questions),
                r.members_present,
                r.frac_shared,
                r.gini_speaking,
            )
            for r in self.rows
        ]

    def to_frame(self) -> pd.DataFrame:
        """The table as a pandas DataFrame (hidden means are NaN)."""
        import pandas as pd

        return pd.DataFrame(self.to_rows(), columns=list(self.columns))


def trends(store: Store, group_id: str) -> TrendTable:
    """The feedback and fairness of a group's ended sessions, oldest first.

    Args:
        store: The store holding the group's sessions.
        group_id: The group.

    Raises:
        StoreError: If the group is not stored.
        ModuleNotFoundError: Without the ``sim`` extra.
        LogError: If a stored log does not restore with its group version.
    """
    from peersupport.sim import store_tables

    sessions, _members = store_tables(store, group_id)
    questions: dict[str, None] = {}
    rows = []
    for row in sessions.to_dict("records"):
        feedback = store.feedback(row["session_id"])
        means = {q.question.id: q.mean for q in feedback.questions}
        questions.update(dict.fromkeys(means))
        rows.append(
            TrendRow(
                row["session_id"],
                float(row["opened_at"]),
                row["format"],
                feedback.respondents,
                means,
                int(row["members_present"]),
                float(row["frac_shared"]),
                float(row["gini_speaking"]),
            )
        )
    return TrendTable(group_id, tuple(questions), tuple(rows))


def plot_trends(table: TrendTable, axes: Sequence[Axes] | None = None) -> tuple[Axes, Axes]:
    """Draw feedback means (top) and fairness (bottom) per session.

    Args:
        table: From :func:`trends`.
        axes: Two matplotlib axes to draw on (default: a new figure with two rows).

    Returns:
        The two axes. A hidden mean leaves a gap in its line.
    """
    import matplotlib.pyplot as plt

    if axes is None:
        _figure, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(7, 5))
    else:
        top, bottom = axes
    numbers = list(range(1, len(table.rows) + 1))
    for question in table.questions:
        means = [r.means.get(question) for r in table.rows]
        top.plot(numbers, [math.nan if m is None else m for m in means], marker="o", label=question)
    top.set_ylim(0, 10)
    top.set_ylabel("mean answer (0-10)")
    top.set_title(f"Group {table.group_id}: feedback and fairness")
    if table.questions:
        top.legend(loc="best", fontsize="small")
    bottom.plot(numbers, [r.frac_shared for r in table.rows], marker="o", label="share who shared")
    bottom.plot(
        numbers, [r.gini_speaking for r in table.rows], marker="s", label="Gini of speaking time"
    )
    bottom.set_ylim(0, 1)
    bottom.set_xlabel("session")
    bottom.set_ylabel("fairness")
    bottom.legend(loc="best", fontsize="small")
    if len(numbers) <= 20:  # few enough to name each session
        bottom.set_xticks(numbers, [r.session_id for r in table.rows], rotation=30, ha="right")
    return top, bottom
