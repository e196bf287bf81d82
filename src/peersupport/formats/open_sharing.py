"""The ``open-sharing`` format: popcorn sharing with round fairness.

opening (facilitator) -> popcorn sharing -> closing.

In the sharing phase anyone who has not yet had their turn in the current round
may take the floor ("popcorn"); nobody speaks twice until everyone present has
shared once or passed, and then the next share starts a new round.
"""

from __future__ import annotations

from typing import Any

from peersupport.engine.chart import FormatChart, Phase
from peersupport.hookspecs import hookimpl

__all__ = ["OpenSharing", "register_formats"]


class OpenSharing(FormatChart):
    """Chart of open (popcorn) sharing."""

    opening = Phase("Opening", policy="facilitator-only", initial=True, budget=5 * 60)
    sharing = Phase("Popcorn sharing", policy="popcorn", budget=50 * 60)
    closing = Phase("Closing", policy="facilitator-only", final=True)

    advance = opening.to(sharing) | sharing.to(closing, cond="round_complete")


@hookimpl
def register_formats(register: Any) -> None:
    """Register ``open-sharing``."""
    register(
        "open-sharing",
        OpenSharing,
        title="Open sharing (popcorn)",
        description=(
            "An opening, then popcorn sharing: anyone who has not had their turn in "
            "this round may take the floor, nobody twice before everyone present has "
            "shared or passed; then a closing. No cross-talk."
        ),
    )
