"""The meeting's time and its safety steps in the room: what the pages show of them.

- **Time.** A session started on a weekly meeting's schedule
  (:func:`scheduled_end`) knows when the meeting ends. :func:`time_view` is what
  every page shows of it: the time left in the meeting and in the current phase,
  and whether the time-to-close notice was given or the meeting ran over;
  :func:`behind` is what facilitators also see: by how much the phases still to
  come would overrun the end (as :meth:`peersupport.Session.time_plan` says,
  computed from the state alone, so that drawing a page never records anything).
- **Reasons and referrals.** The reason codes a facilitator may give when they
  pause, resume or end (:data:`REASON_LABELS`), and the kinds of support they
  record referring a member to (:data:`REFERRAL_LABELS`), as the room's menus
  name them. Referrals are shown to facilitators only (docs/safety.md):
  :func:`referrals` reads them from the log, :func:`referral_view` is a
  facilitator's part of the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from peersupport.engine.events import Event, EventKind
from peersupport.engine.format import Format
from peersupport.engine.kinds import REASONS, REFERRALS
from peersupport.engine.schedule import plan
from peersupport.engine.state import SessionState
from peersupport.meetings import Meeting
from peersupport.values import Group

__all__ = [
    "REASON_LABELS",
    "REFERRAL_LABELS",
    "behind",
    "referral_view",
    "referrals",
    "scheduled_end",
    "time_view",
]

#: The reason codes (:data:`peersupport.engine.kinds.REASONS`) as the room's menu names them.
REASON_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "safety": "Safety or wellbeing",
        "break": "A break",
        "technical": "A technical problem",
        "other": "Something else",
    }
)
#: The kinds of support (:data:`peersupport.engine.kinds.REFERRALS`) as the room's menu names them.
REFERRAL_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "crisis-line": "A crisis line",
        "professional": "A professional",
        "emergency-services": "Emergency services",
        "peer-worker": "A peer support worker",
    }
)
assert tuple(REASON_LABELS) == REASONS
assert tuple(REFERRAL_LABELS) == REFERRALS


def scheduled_end(meetings: Iterable[Meeting], format_name: str, now: float) -> float | None:
    """When a session of ``format_name`` opened at ``now`` is scheduled to end.

    Of the weekly meetings that run ``format_name``, each gives the end of its
    occurrence nearest to ``now`` (:meth:`~peersupport.Meeting.scheduled_end`);
    the soonest of those ends still to come is the session's. ``None``: no such
    meeting, or none whose end is still to come (the session has no schedule).
    """
    ends = [m.scheduled_end(now) for m in meetings if m.format == format_name]
    to_come = [end for end in ends if end > now]
    return min(to_come) if to_come else None


def time_view(state: SessionState, fmt: Format, now: float) -> dict[str, Any] | None:
    """The meeting's time as every page shows it; ``None`` without a schedule.

    ``left``: seconds to the scheduled end (negative once it passed; it runs on
    while paused, a pause stops only share and phase timers); ``phase_left``:
    seconds left of the current phase's budget in force (``None`` without one);
    ``closing``: the time-to-close notice was given; ``overran``: the meeting
    ran past its end. From :func:`peersupport.engine.schedule.plan`, which records
    nothing.
    """
    if state.ends_at is None:
        return None
    timing = plan(state, fmt, now)
    return {
        "ends_at": state.ends_at,
        "left": timing.left,
        "phase_left": timing.phase_left,
        "closing": state.time_to_close,
        "overran": state.overran,
    }


def behind(state: SessionState, fmt: Format, now: float) -> float | None:
    """Seconds by which the phases after this one would overrun the scheduled end.

    :attr:`peersupport.TimePlan.behind`: 0 on time, ``None`` without a schedule.
    """
    return None if state.ends_at is None else plan(state, fmt, now).behind


def referrals(events: Iterable[Event]) -> list[tuple[str, str]]:
    """The referrals recorded in ``events``: ``(member id, kind of support)``, in order."""
    return [
        (e.member, str(e.data["to"]))
        for e in events
        if e.kind is EventKind.REFERRED and e.member is not None
    ]


def referral_view(
    state: SessionState,
    group: Group,
    recorded: Sequence[tuple[str, str]],
    member_id: str,
) -> dict[str, Any]:
    """A facilitator's part of the page for referrals (never sent to anyone else).

    ``referable``: who may be referred: everyone who has been in the session
    (also after they left), but the facilitator looking; ``referrals``: those
    recorded, each with the member and the kind of support.
    """

    def name(member: str) -> str:
        return group.member(member).name if member in group else member

    return {
        "referable": [{"id": m, "name": name(m)} for m in state.roles if m != member_id],
        "referrals": [
            {"id": m, "name": name(m), "to": to, "label": REFERRAL_LABELS.get(to, to)}
            for m, to in recorded
        ],
    }
