"""The ``sharing-circle`` format: a talking-piece circle with rounds in seat order.

opening (facilitator) -> check-in round -> one or more sharing rounds (the
facilitator decides when to move on) -> check-out round -> closing.

Every round runs in seat order, starting to the left of the facilitator (who
speaks last, as a keeper does); members share or pass. A round phase may not
end while its round is incomplete, unless the facilitator closes the round, and
then whoever was not reached is recorded. Cross-talk is not allowed anywhere.
"""

from __future__ import annotations

from typing import Any

from peersupport.engine.chart import FormatChart, Phase
from peersupport.hookspecs import hookimpl

__all__ = ["SharingCircle", "register_formats"]


class SharingCircle(FormatChart):
    """Chart of the sharing circle."""

    opening = Phase("Opening", policy="facilitator-only", initial=True, budget=5 * 60)
    check_in = Phase(
        "Check-in", policy="seat-order", share_limit=120.0, warn_at=90.0, budget=15 * 60
    )
    sharing = Phase("Sharing", policy="seat-order", budget=45 * 60)
    check_out = Phase(
        "Check-out", policy="seat-order", share_limit=120.0, warn_at=90.0, budget=15 * 60
    )
    closing = Phase("Closing", policy="facilitator-only", final=True)

    advance = (
        opening.to(check_in)
        | check_in.to(sharing, cond="round_complete")
        | sharing.to(check_out, cond="round_complete")
        | check_out.to(closing, cond="round_complete")
    )
    new_round = sharing.to(sharing, cond="round_complete")


@hookimpl
def register_formats(register: Any) -> None:
    """Register ``sharing-circle``."""
    register(
        "sharing-circle",
        SharingCircle,
        title="Sharing circle",
        description=(
            "A talking-piece circle: an opening by the facilitator, a check-in round, "
            "one or more sharing rounds in seat order (share or pass), a check-out "
            "round and a closing. No cross-talk."
        ),
    )
