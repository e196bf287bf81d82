"""The ``talking-piece-circle`` format: a restorative talking-piece circle.

opening (the keeper, with a reading) -> guidelines round (each affirms the
agreement holding the piece) -> check-in round -> one or more discussion rounds
(the keeper poses a question; the piece passes in seat order; pass allowed) ->
closing round (final thoughts).

The keeper is a participant too: every round starts to the keeper's left and
comes back to the keeper last. The closing round is the last phase; the keeper
ends the session after it.
"""

from __future__ import annotations

from typing import Any

from peersupport.engine.chart import FormatChart, Phase
from peersupport.hookspecs import hookimpl

__all__ = ["TalkingPieceCircle", "register_formats"]


class TalkingPieceCircle(FormatChart):
    """Chart of the talking-piece circle."""

    opening = Phase("Opening", policy="facilitator-only", initial=True, budget=5 * 60)
    guidelines_round = Phase(
        "Guidelines round",
        policy="seat-order",
        counts_as_sharing=False,
        share_limit=60.0,
        warn_at=45.0,
        budget=10 * 60,
    )
    check_in = Phase("Check-in round", policy="seat-order", budget=15 * 60)
    discussion = Phase("Discussion round", policy="seat-order", budget=45 * 60)
    closing_round = Phase(
        "Closing round", policy="seat-order", final=True, share_limit=120.0, warn_at=90.0
    )

    advance = (
        opening.to(guidelines_round)
        | guidelines_round.to(check_in, cond="round_complete")
        | check_in.to(discussion, cond="round_complete")
        | discussion.to(closing_round, cond="round_complete")
    )
    new_round = discussion.to(discussion, cond="round_complete")


@hookimpl
def register_formats(register: Any) -> None:
    """Register ``talking-piece-circle``."""
    register(
        "talking-piece-circle",
        TalkingPieceCircle,
        title="Talking-piece circle",
        description=(
            "A restorative circle: opening, guidelines round, check-in round, one or "
            "more discussion rounds in seat order (pass allowed), and a closing round; "
            "the keeper takes part and speaks last."
        ),
    )
