"""The ``smart-recovery`` format: a SMART Recovery style meeting, 90 minutes.

opening statement (5 min) -> check-in round (15 min; each in turn, pass allowed,
no cross-talk) -> agenda setting (3 min; members propose items to work on with
``Session.propose_item``, recorded without what they are) -> working time (45 min; open
discussion where cross-talk is allowed, with ``share-the-air``) -> pass the hat
(3 min) -> check-out round (15 min: what I take away, my plan for the week) ->
closing (4 min). The budgets add up to 90 minutes. Cross-talk in working time
also needs the group's agreement to allow cross-talk. The facilitator may drop an
element with ``Session.skip_to`` (e.g. from the check-in straight to working time
when time is short); the log records what was skipped.
"""

from __future__ import annotations

from typing import Any

from peersupport.engine.chart import FormatChart, Phase
from peersupport.hookspecs import hookimpl

__all__ = ["SmartRecovery", "register_formats"]


class SmartRecovery(FormatChart):
    """Chart of the SMART Recovery meeting."""

    opening_statement = Phase(
        "Opening statement", policy="facilitator-only", initial=True, budget=5 * 60
    )
    check_in = Phase(
        "Check-in", policy="seat-order", share_limit=120.0, warn_at=90.0, budget=15 * 60
    )
    agenda_setting = Phase("Agenda setting", policy="facilitator-only", budget=3 * 60, agenda=True)
    working_time = Phase(
        "Working time",
        policy="open-floor",
        cross_talk=True,
        budget=45 * 60,
        rules=("share-the-air",),
    )
    pass_the_hat = Phase("Pass the hat", policy="facilitator-only", budget=3 * 60)
    check_out = Phase(
        "Check-out", policy="seat-order", share_limit=120.0, warn_at=90.0, budget=15 * 60
    )
    closing = Phase("Closing", policy="facilitator-only", final=True, budget=4 * 60)

    advance = (
        opening_statement.to(check_in)
        | check_in.to(agenda_setting, cond="round_complete")
        | agenda_setting.to(working_time)
        | working_time.to(pass_the_hat)
        | pass_the_hat.to(check_out)
        | check_out.to(closing, cond="round_complete")
    )


@hookimpl
def register_formats(register: Any) -> None:
    """Register ``smart-recovery``."""
    register(
        "smart-recovery",
        SmartRecovery,
        title="SMART Recovery meeting",
        description=(
            "Opening statement, check-in round (no cross-talk, pass allowed), agenda "
            "setting (members propose items), working time (open discussion, cross-talk "
            "allowed), pass the hat, check-out round and closing: 90 minutes."
        ),
    )
