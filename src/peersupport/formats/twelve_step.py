"""The ``twelve-step`` format: a 12-step discussion meeting (AA, NA, Al-Anon style), ~60 min.

opening (moment of silence, preamble) -> readings by volunteers -> newcomer
welcome (newcomers may introduce themselves by first name or pass; never
pressed) -> optional ``introductions`` round -> core -> 7th Tradition ->
announcements -> closing.

After the newcomer welcome plain ``advance()`` goes straight to the core;
``advance(to="introductions")`` runs an introductions round for everyone first:
"Hi, I'm ..." in seat order, every member present but observers (the chair
last), 20 seconds each with a warning at 15 and a hard cap, pass allowed; it is
not counted as sharing and must be complete (or closed by the chair) before the
core.

The core has variants; the chair picks one with ``advance(to=...)`` (plain
``advance()`` takes the first):

* discussion: the chair opens a ``topic``, then sharing **by round**
  (``round_sharing``, seat order with pass), **by volunteers**
  (``volunteer_sharing``, popcorn with round fairness), **tag**
  (``tag_sharing``: each speaker names the next) or **called on by the chair**
  (``called_sharing``: only whoever the chair calls on shares or passes; nobody
  is called twice before everyone has had a turn);
* speaker meeting: one ``speaker`` with a long limit (the chair calls on them),
  then sharing;
* step study: a ``step_reading`` by volunteers, then sharing.

Shares default to the agreement's limit (set it to 180 or 300 seconds for the
usual 3 or 5 minutes). No cross-talk. The sharing phases apply the
``reserved-time`` rule (if the agreement reserves time, only members who have
not shared yet may take the floor near the end) and have a budget that ends five
minutes before the hour, when the chair takes the meeting back.
"""

from __future__ import annotations

from typing import Any

from peersupport.engine.chart import FormatChart, Phase
from peersupport.hookspecs import hookimpl

__all__ = ["TwelveStep", "register_formats"]

_SHARING_RULES = ("reserved-time",)


class TwelveStep(FormatChart):
    """Chart of the 12-step discussion meeting."""

    opening = Phase("Opening", policy="facilitator-only", initial=True, budget=3 * 60)
    readings = Phase("Readings", policy="called-on", counts_as_sharing=False, budget=7 * 60)
    introductions = Phase(
        "Introductions",
        policy="seat-order",
        counts_as_sharing=False,
        share_limit=20.0,
        warn_at=15.0,
        hard_cap=True,
        budget=4 * 60,
    )
    newcomer_welcome = Phase(
        "Newcomer welcome",
        policy="newcomer-introductions",
        share_limit=60.0,
        warn_at=45.0,
        budget=3 * 60,
    )
    topic = Phase("Topic", policy="facilitator-only", budget=4 * 60)
    speaker = Phase(
        "Speaker",
        policy="called-on",
        share_limit=30 * 60.0,
        warn_at=25 * 60.0,
        budget=30 * 60,
    )
    step_reading = Phase(
        "Step study reading", policy="called-on", counts_as_sharing=False, budget=10 * 60
    )
    round_sharing = Phase(
        "Sharing by round", policy="seat-order", budget=30 * 60, rules=_SHARING_RULES
    )
    volunteer_sharing = Phase(
        "Sharing by volunteers", policy="popcorn", budget=30 * 60, rules=_SHARING_RULES
    )
    tag_sharing = Phase("Tag sharing", policy="tag", budget=30 * 60, rules=_SHARING_RULES)
    called_sharing = Phase(
        "Sharing called on by the chair",
        policy="called-on",
        budget=30 * 60,
        rules=_SHARING_RULES,
    )
    seventh_tradition = Phase("7th Tradition", policy="facilitator-only", budget=3 * 60)
    announcements = Phase("Announcements", policy="called-on", budget=3 * 60)
    closing = Phase("Closing", policy="facilitator-only", final=True, budget=3 * 60)

    advance = (
        opening.to(readings)
        | readings.to(newcomer_welcome)
        | newcomer_welcome.to(topic, cond="round_complete")
        | newcomer_welcome.to(speaker, cond="round_complete")
        | newcomer_welcome.to(step_reading, cond="round_complete")
        | newcomer_welcome.to(introductions, cond="round_complete")
        | introductions.to(topic, cond="round_complete")
        | introductions.to(speaker, cond="round_complete")
        | introductions.to(step_reading, cond="round_complete")
        | topic.to(round_sharing)
        | topic.to(volunteer_sharing)
        | topic.to(tag_sharing)
        | topic.to(called_sharing)
        | speaker.to(round_sharing)
        | speaker.to(volunteer_sharing)
        | speaker.to(called_sharing)
        | step_reading.to(round_sharing)
        | step_reading.to(volunteer_sharing)
        | step_reading.to(called_sharing)
        | round_sharing.to(seventh_tradition, cond="round_complete")
        | volunteer_sharing.to(seventh_tradition, cond="round_complete")
        | tag_sharing.to(seventh_tradition, cond="round_complete")
        | called_sharing.to(seventh_tradition, cond="round_complete")
        | seventh_tradition.to(announcements)
        | announcements.to(closing)
    )
    new_round = round_sharing.to(round_sharing, cond="round_complete")


@hookimpl
def register_formats(register: Any) -> None:
    """Register ``twelve-step``."""
    register(
        "twelve-step",
        TwelveStep,
        title="12-step discussion meeting",
        description=(
            "Opening, readings by volunteers, newcomer welcome (introduce yourself or "
            "pass), an optional introductions round for everyone (20 seconds each, pass "
            "allowed), a core (discussion topic, speaker, or step study, then "
            "sharing by round, by volunteers, tag or called on by the chair), 7th "
            "Tradition, announcements and closing. Shares use the agreement's limit "
            "(3 or 5 minutes); no cross-talk."
        ),
    )
