"""The ``orientation`` format: a newcomer orientation session, 45 minutes.

welcome (5 min) -> the group's guidelines read and explained by the facilitator
(10 min) -> introductions round for everyone present (10 min; seat order, 60
seconds each with a warning at 45, share or pass) -> questions (15 min;
newcomers ask, the facilitator and experienced members answer) -> closing
(5 min; the facilitator mentions that buddy pairing is available: pairing is a
relationship recorded outside the session, not a phase).

Run by a facilitator for newcomers; experienced members may attend. The
guidelines are read by the facilitator alone, not read around the circle, so
nobody who has just arrived is handed a text to read aloud. The introductions
round starts to the facilitator's left and comes back to the facilitator, who
introduces themselves last; it may not end while it is incomplete unless the
facilitator closes the round. Newcomers may always pass (they are never
pressed to speak). Questions are an open floor: anyone may take the floor when
it is free, as often as needed, so a newcomer asks and the facilitator answers;
questions and answers do not count as shares in the fairness statistics.
Cross-talk is not allowed anywhere.
"""

from __future__ import annotations

from typing import Any

from peersupport.engine.chart import FormatChart, Phase
from peersupport.hookspecs import hookimpl

__all__ = ["Orientation", "register_formats"]


class Orientation(FormatChart):
    """Chart of the newcomer orientation."""

    welcome = Phase("Welcome", policy="facilitator-only", initial=True, budget=5 * 60)
    guidelines = Phase("Guidelines", policy="facilitator-only", budget=10 * 60)
    introductions = Phase(
        "Introductions", policy="seat-order", share_limit=60.0, warn_at=45.0, budget=10 * 60
    )
    questions = Phase("Questions", policy="open-floor", counts_as_sharing=False, budget=15 * 60)
    closing = Phase("Closing", policy="facilitator-only", final=True, budget=5 * 60)

    advance = (
        welcome.to(guidelines)
        | guidelines.to(introductions)
        | introductions.to(questions, cond="round_complete")
        | questions.to(closing)
    )


@hookimpl
def register_formats(register: Any) -> None:
    """Register ``orientation``."""
    register(
        "orientation",
        Orientation,
        title="Newcomer orientation",
        description=(
            "For newcomers: a welcome and the group's guidelines, read and explained "
            "by the facilitator; an introductions round for everyone present (60 "
            "seconds, share or pass); questions (newcomers ask, the facilitator "
            "answers); and a closing that mentions buddy pairing: 45 minutes. No "
            "cross-talk."
        ),
    )
