"""The ``peer-support-group`` format: a NAMI Connection-style recovery support group, 90 min.

welcome (facilitators introduce themselves, greet new people, read the
guidelines) -> read-around of the principles of support (each reads one in
seat order; members agree by consenting) -> timed check-in round (2 minutes
each, warning at 1 minute, hard cap; no questions or interruptions) -> group
discussion (cross-talk allowed where the agreement allows it; ``share-the-air``)
-> problem solving (capped at 20 minutes) -> closing, on time.

Run by two trained peer facilitators: a group needs two facilitators or
co-facilitators, and both must be present for the session to move on and for
members to take the floor (check ``facilitators-present``; one alone may pause or
end it). The problem-solving limit only tells the facilitators unless the group's
agreement makes budgets firm (``phase_cap``).
"""

from __future__ import annotations

from typing import Any

from peersupport.engine.chart import FormatChart, Phase
from peersupport.hookspecs import hookimpl

__all__ = ["PeerSupportGroup", "register_formats"]


class PeerSupportGroup(FormatChart):
    """Chart of the NAMI Connection-style group."""

    welcome = Phase("Welcome", policy="facilitator-only", initial=True, budget=10 * 60)
    principles = Phase(
        "Principles read-around",
        policy="seat-order",
        counts_as_sharing=False,
        share_limit=60.0,
        warn_at=45.0,
        budget=5 * 60,
    )
    check_in = Phase(
        "Check-in",
        policy="seat-order",
        share_limit=120.0,
        warn_at=60.0,
        hard_cap=True,
        budget=20 * 60,
    )
    discussion = Phase(
        "Group discussion",
        policy="open-floor",
        cross_talk=True,
        budget=30 * 60,
        rules=("share-the-air",),
    )
    problem_solving = Phase("Problem solving", policy="open-floor", cross_talk=True, budget=20 * 60)
    closing = Phase("Closing", policy="facilitator-only", final=True, budget=5 * 60)

    advance = (
        welcome.to(principles)
        | principles.to(check_in, cond="round_complete")
        | check_in.to(discussion, cond="round_complete")
        | discussion.to(problem_solving)
        | discussion.to(closing)
        | problem_solving.to(closing)
    )


@hookimpl
def register_formats(register: Any) -> None:
    """Register ``peer-support-group``."""
    register(
        "peer-support-group",
        PeerSupportGroup,
        title="Peer support group (NAMI Connection style)",
        description=(
            "Two co-facilitators; welcome with guidelines, read-around of the "
            "principles of support, a timed check-in round (2 minutes, hard cap, no "
            "interruptions), group discussion, optional problem solving (20 minutes; a "
            "firm limit where the agreement sets phase_cap) and closing on time. Both "
            "facilitators must be present to move on and give the floor."
        ),
        facilitators=2,
    )
