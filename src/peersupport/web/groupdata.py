"""What the group's pages show, read from the store: plain values for the templates.

Each function here is blocking (it reads the store) and is run in a worker
thread by :mod:`peersupport.web.grouppages`. They read ids from the store and
names from the group's versions: names go into the pages people see, never
into a URL, a log line or the store.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from peersupport import formats
from peersupport.attendance import attendance
from peersupport.buddies import Buddies
from peersupport.feedback import SCALE, FeedbackForm
from peersupport.meetings import DAYS, MEETING_TYPES, Meeting, MeetingSetting
from peersupport.store.base import Store
from peersupport.store.rows import SessionRecord
from peersupport.values import Group

__all__ = [
    "CHECK_IN_AFTER",
    "FEEDBACK_WINDOW",
    "REASONS",
    "HomeData",
    "attendance_view",
    "format_title",
    "home_data",
    "meeting_view",
    "parse_answers",
    "when",
    "zone_of",
]

#: How many of a group's latest ended sessions the home page offers feedback forms for.
FEEDBACK_WINDOW = 10
#: The attendance view's check-in list: members who missed this many sessions in a row.
CHECK_IN_AFTER = 2
#: Why a feedback form is not taken, by the store's rule id, in plain words.
REASONS = {
    "after-the-session": "This meeting has not ended yet. The form opens once it has ended.",
    "attended": "This form is for the people who were at this meeting, and you did not join it.",
    "one-answer-each": "You have already answered for this meeting. Thank you! "
    "Each person answers once.",
    "feedback-form": "Choose a number from 0 to 10 for at least one question "
    "(skip any you like), then send the form.",
}
_SETTINGS = {
    MeetingSetting.IN_PERSON: "In person",
    MeetingSetting.ONLINE: "Online",
    MeetingSetting.HYBRID: "Hybrid: in person and online",
}
#: Sessions a home page lists: (all, oldest first), (running, newest first), (to answer).
HomeData = tuple[list[SessionRecord], list[SessionRecord], list[SessionRecord]]


def zone_of(group: Group) -> datetime.tzinfo:
    """The timezone a group's pages show times in: its first meeting's, else UTC."""
    return zoneinfo.ZoneInfo(group.meetings[0].timezone if group.meetings else "UTC")


def when(seconds: float, zone: datetime.tzinfo) -> str:
    """A stored time (seconds since the epoch) as a local date and time, e.g. 2024-03-07 19:30."""
    try:
        return datetime.datetime.fromtimestamp(seconds, zone).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, OSError, ValueError):
        return f"{seconds:.0f}"


def format_title(name: str) -> str:
    """A format's title, e.g. "Sharing circle" (its name if it is not installed here)."""
    try:
        fmt = formats.get(name)
    except KeyError:
        return name
    return fmt.title or fmt.name


def meeting_view(meeting: Meeting) -> dict[str, Any]:
    """One weekly meeting as the home page lists it (day name, times, setting, where, how)."""
    place = meeting.location
    parts = () if place is None else (place.name, place.address, place.city, place.region)
    conference = meeting.conference
    return {
        "day": DAYS[meeting.day],
        "time": meeting.time,
        "end_time": meeting.end_time,
        "timezone": meeting.timezone,
        "setting": _SETTINGS[meeting.setting],
        "where": ", ".join(p for p in parts if p),
        "url": conference.url if conference else None,
        "phone": conference.phone if conference else None,
        "format": format_title(meeting.format),
        "open": meeting.open,
        "types": [MEETING_TYPES[code] for code in meeting.types],
    }


def home_data(store: Store, group_id: str, member: str) -> HomeData:
    """The sessions a member's home page lists.

    Returns:
        Every session of the group (oldest first); those running now that the
        member may join (their group version has the member), newest first; and
        those of the latest :data:`FEEDBACK_WINDOW` ended ones that the member
        attended and has not answered the feedback form of, newest first.
    """
    records = store.sessions(group_id)
    versions: dict[int, Group] = {}

    def member_at(record: SessionRecord) -> bool:
        version = record.group_version
        if version not in versions:
            versions[version] = store.group(group_id, version).group
        return member in versions[version]

    running = [r for r in reversed(records) if not r.ended and member_at(r)]
    recent = [r for r in records if r.ended][-FEEDBACK_WINDOW:]
    unanswered = [
        r for r in reversed(recent) if store.feedback_refusal(r.session_id, member) is None
    ]
    return records, running, unanswered


def parse_answers(body: bytes, form: FeedbackForm) -> dict[str, int]:
    """The answers of a posted feedback form: each question's field is 0 to 10, or ``skip``.

    Raises:
        ValueError: If the body is not the form's fields, each given once with
            a whole number from 0 to 10 or ``skip`` (a message for the person).
    """
    malformed = "The form was not filled in as this page sent it; please answer it again."
    try:
        fields = parse_qs(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=bool(body),
            max_num_fields=len(form.ids),
        )
    except (UnicodeDecodeError, ValueError):
        raise ValueError(malformed) from None
    answers: dict[str, int] = {}
    for question, values in fields.items():
        if question not in form.ids or len(values) != 1:
            raise ValueError(malformed)
        value = values[0]
        if value == "skip":
            continue
        if not (value.isascii() and value.isdigit()) or int(value) not in SCALE:
            raise ValueError(malformed)
        answers[question] = int(value)
    if not answers:
        raise ValueError(REASONS["feedback-form"])
    return answers


def _names(store: Store, group_id: str) -> dict[str, str]:
    """Every member's name by id, over the group's versions (the newest name wins)."""
    names: dict[str, str] = {}
    for record in store.group_versions(group_id):
        names.update((m.id, m.name) for m in record.group.members)
    return names


def attendance_view(store: Store, group_id: str) -> dict[str, Any]:
    """What a facilitator's attendance view shows of a group.

    Per session, newest first: when, the format, how many attended of how many
    members, and the k-anonymous feedback of ended ones; the check-in list
    (members who missed :data:`CHECK_IN_AFTER` or more sessions in a row); the
    group's size over time, oldest first; current buddy pairings and who waits.
    """
    table = attendance(store, group_id)
    group = store.group(group_id).group
    zone = zone_of(group)
    names = _names(store, group_id)

    def name(member_id: str) -> str:
        return names.get(member_id, member_id)

    fmt: Mapping[str, str] = {r.session_id: r.format for r in store.sessions(group_id)}
    sessions = [
        {
            "when": when(s.opened_at, zone),
            "format": format_title(fmt.get(s.session_id, "")),
            "attended": len(s.attended),
            "members": len(s.members),
            "ended": s.ended,
            "feedback": store.feedback(s.session_id) if s.ended else None,
        }
        for s in reversed(table.sessions)
    ]
    state = Buddies(store, group_id).state
    return {
        "group": group,
        "zone": str(zone),
        "sessions": sessions,
        "check_in": [(name(m.member_id), m.missed) for m in table.missed_in_a_row(CHECK_IN_AFTER)],
        "check_in_after": CHECK_IN_AFTER,
        "sizes": [(when(g.opened_at, zone), g.members, g.attended) for g in table.group_size()],
        "pairings": [(name(p.buddy), name(p.newcomer), when(p.since, zone)) for p in state.current],
        "waiting": [(name(r.newcomer), when(r.since, zone)) for r in state.waiting.values()],
    }
