"""The ``speaker-meeting`` format: a 12-step speaker meeting, then sharing by raised hands.

opening (moment of silence, preamble) -> readings by volunteers -> newcomer
welcome (newcomers may introduce themselves by first name or pass) -> the
speaker (one invited member, called on by the chair, with a long limit: 30
minutes, a warning at 25) -> sharing by raised hands (members raise their hands
and share in the order they raised them; the chair may call on someone out of
order; a point of process goes first) -> 7th Tradition -> announcements ->
closing.

Shares in the sharing phase use the agreement's limit (set it to 180 or 300
seconds for the usual 3 or 5 minutes) and the ``reserved-time`` rule: if the
agreement reserves time, only members who have not shared yet may take the floor
near the end. No cross-talk.
"""

from __future__ import annotations

from typing import Any

from peersupport.engine.chart import FormatChart, Phase
from peersupport.hookspecs import hookimpl

__all__ = ["SpeakerMeeting", "register_formats"]


class SpeakerMeeting(FormatChart):
    """Chart of the 12-step speaker meeting."""

    opening = Phase("Opening", policy="facilitator-only", initial=True, budget=3 * 60)
    readings = Phase("Readings", policy="called-on", counts_as_sharing=False, budget=7 * 60)
    newcomer_welcome = Phase(
        "Newcomer welcome",
        policy="newcomer-introductions",
        share_limit=60.0,
        warn_at=45.0,
        budget=3 * 60,
    )
    speaker = Phase(
        "Speaker",
        policy="called-on",
        share_limit=30 * 60.0,
        warn_at=25 * 60.0,
        budget=32 * 60,
    )
    sharing = Phase(
        "Sharing by raised hands", policy="raised-hands", budget=25 * 60, rules=("reserved-time",)
    )
    seventh_tradition = Phase("7th Tradition", policy="facilitator-only", budget=3 * 60)
    announcements = Phase("Announcements", policy="called-on", budget=3 * 60)
    closing = Phase("Closing", policy="facilitator-only", final=True, budget=3 * 60)

    advance = (
        opening.to(readings)
        | readings.to(newcomer_welcome)
        | newcomer_welcome.to(speaker, cond="round_complete")
        | speaker.to(sharing)
        | sharing.to(seventh_tradition)
        | seventh_tradition.to(announcements)
        | announcements.to(closing)
    )


@hookimpl
def register_formats(register: Any) -> None:
    """Register ``speaker-meeting``."""
    register(
        "speaker-meeting",
        SpeakerMeeting,
        title="12-step speaker meeting",
        description=(
            "Opening, readings, newcomer welcome, one invited speaker (30 minutes, "
            "called on by the chair), then sharing by raised hands in the order they "
            "were raised (the chair may call on someone out of order; a point of "
            "process goes first), 7th Tradition, announcements and closing. No cross-talk."
        ),
    )
