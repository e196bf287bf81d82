"""The ``dbsa`` format: a DBSA-style peer support group, 90 minutes, ≤ 12 people.

welcome (3 min) -> review of the format (2 min) -> guidelines read aloud
(5 min) -> check-in, one at a time (20 min) -> discussion built from the
check-in themes (50 min; one person speaks at a time, ``share-the-air``) ->
closing (10 min). The discussion's budget runs out when 10 minutes are left:
its ``phase_time_up`` event is the facilitator's 10-minute warning. When the
check-in overran, that warning comes late; a session opened with its scheduled
end and ``close_notice=600`` records ``time_to_close`` at 10 minutes before the
end whatever overran, and the discussion's budget shrinks to fit
(see docs/meeting-time.md).
"""

from __future__ import annotations

from typing import Any

from peersupport.engine.chart import FormatChart, Phase
from peersupport.hookspecs import hookimpl

__all__ = ["Dbsa", "register_formats"]


class Dbsa(FormatChart):
    """Chart of the DBSA-style support group."""

    welcome = Phase("Welcome", policy="facilitator-only", initial=True, budget=3 * 60)
    review_format = Phase("Review of format", policy="facilitator-only", budget=2 * 60)
    guidelines = Phase("Guidelines read aloud", policy="facilitator-only", budget=5 * 60)
    check_in = Phase(
        "Check-in", policy="seat-order", share_limit=180.0, warn_at=150.0, budget=20 * 60
    )
    discussion = Phase("Discussion", policy="open-floor", budget=50 * 60, rules=("share-the-air",))
    closing = Phase("Closing", policy="facilitator-only", final=True, budget=10 * 60)

    advance = (
        welcome.to(review_format)
        | review_format.to(guidelines)
        | guidelines.to(check_in)
        | check_in.to(discussion, cond="round_complete")
        | discussion.to(closing)
    )


@hookimpl
def register_formats(register: Any) -> None:
    """Register ``dbsa``."""
    register(
        "dbsa",
        Dbsa,
        title="DBSA-style support group",
        description=(
            "Welcome, review of format, guidelines read aloud, check-in one at a time, "
            "discussion built from the check-in themes, and closing, with a warning "
            "when 10 minutes are left. DBSA groups aim for about 10 to 12 people: set the "
            "agreement's size_guidance (e.g. 12) for a notice when one more arrives."
        ),
    )
