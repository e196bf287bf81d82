"""The ``free-discussion`` format: unstructured talk, the baseline with no fairness rule.

opening (facilitator) -> free discussion -> closing.

In the discussion anyone may take the floor whenever it is free: there are no
rounds, no one-share-per-round fairness, no ``share-the-air`` notices and no
reserved time. Cross-talk is allowed where the group's agreement allows it.
The format exists so that structured formats can be compared with unstructured
talk (see :mod:`peersupport.sim`, whose speaking-turns model chooses who speaks
next in such a phase).
"""

from __future__ import annotations

from typing import Any

from peersupport.engine.chart import FormatChart, Phase
from peersupport.hookspecs import hookimpl

__all__ = ["FreeDiscussion", "register_formats"]


class FreeDiscussion(FormatChart):
    """Chart of the free discussion."""

    opening = Phase("Opening", policy="facilitator-only", initial=True, budget=5 * 60)
    discussion = Phase("Free discussion", policy="open-floor", cross_talk=True, budget=50 * 60)
    closing = Phase("Closing", policy="facilitator-only", final=True)

    advance = opening.to(discussion) | discussion.to(closing)


@hookimpl
def register_formats(register: Any) -> None:
    """Register ``free-discussion``."""
    register(
        "free-discussion",
        FreeDiscussion,
        title="Free discussion (baseline)",
        description=(
            "An opening, then unstructured discussion: anyone may take the floor "
            "whenever it is free, with no rounds and no fairness rule; then a "
            "closing. A baseline for comparing structured formats."
        ),
    )
