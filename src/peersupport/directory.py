"""Public listings of a group's meetings: a Meeting Guide feed and iCalendar files.

:func:`meeting_guide_feed` lists the meetings of some groups in the Meeting Guide
JSON feed format (the code4recovery spec that meeting finders read), and
:func:`check_feed` checks a feed against the spec's rules. :func:`to_icalendar`
writes a group's meetings as an iCalendar file, one weekly event per meeting
(needs the ``icalendar`` package: ``pip install 'peersupport[directory]'``).

Listings are public, so they hold what a meeting finder needs and nothing about
people: the group's name is the meeting's name, and no member's name or id
appears anywhere.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from peersupport.feedcheck import check_feed
from peersupport.meetings import DAYS, MEETING_TYPES, Meeting, MeetingSetting
from peersupport.values import Group

__all__ = ["MEETING_TYPES", "check_feed", "meeting_guide_feed", "to_icalendar"]

_MAX_NAME = 255
#: RRULE weekday of each Meeting Guide day number (0: Sunday).
_BYDAY = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")
#: Years of daylight-saving rules each calendar's VTIMEZONE spells out.
_ZONE_YEARS = 20


# The feed ----------------------------------------------------------------------------


def _slug_base(group: Group, meeting: Meeting) -> str:
    """``thursday-circle-thu-1900``: the group's name in ASCII, the day and the time."""
    ascii_name = unicodedata.normalize("NFKD", group.name).encode("ascii", "ignore").decode()
    name = "-".join(re.findall(r"[a-z0-9]+", ascii_name.lower()))[:40].strip("-")
    return f"{name or 'meeting'}-{DAYS[meeting.day][:3].lower()}-{meeting.time.replace(':', '')}"


def _slugged(groups: Iterable[Group]) -> Iterator[tuple[Group, Meeting, str]]:
    """Each meeting of ``groups`` in order, with a slug unique among them."""
    taken: set[str] = set()
    for group in groups:
        for meeting in group.meetings:
            base = slug = _slug_base(group, meeting)
            number = 1
            while slug in taken:
                number += 1
                slug = f"{base}-{number}"
            taken.add(slug)
            yield group, meeting, slug


def _types(meeting: Meeting) -> list[str]:
    """The feed's codes: ``O`` or ``C``, ``ONL`` with a conference, then the meeting's own."""
    online = ["ONL"] if meeting.conference is not None else []
    return ["O" if meeting.open else "C", *online, *meeting.types]


def _entry(group: Group, meeting: Meeting, slug: str) -> dict[str, Any]:
    if len(group.name) > _MAX_NAME:
        raise ValueError(
            f"group {group.name[:40]!r}…: a listed name has at most {_MAX_NAME} characters"
        )
    entry: dict[str, Any] = {
        "name": group.name,
        "slug": slug,
        "day": meeting.day,
        "time": meeting.time,
        "end_time": meeting.end_time,
        "timezone": meeting.timezone,
        "types": _types(meeting),
        "group": group.name,
    }
    place = meeting.location
    if place is not None:
        parts = {
            "location": place.name,
            "address": place.address,
            "city": place.city,
            "state": place.region,
            "postal_code": place.postal_code,
            "country": place.country,
        }
        entry.update({key: value for key, value in parts.items() if value is not None})
        entry["approximate"] = "no" if place.address is not None else "yes"
    if meeting.conference is not None:
        if meeting.conference.url is not None:
            entry["conference_url"] = meeting.conference.url
        if meeting.conference.phone is not None:
            entry["conference_phone"] = meeting.conference.phone
    return entry


def meeting_guide_feed(groups: Iterable[Group]) -> list[dict[str, Any]]:
    """The meetings of ``groups`` as a Meeting Guide JSON feed (a list of meetings).

    Each meeting is listed under its group's name, with a slug made from that
    name, the weekday and the start time (``thursday-circle-thu-1900``); a slug
    already taken gets ``-2``, ``-3``… in the order given, so the same groups
    in the same order always get the same slugs. ``types`` starts with ``O``
    (open) or ``C`` (closed) and ``ONL`` for a meeting with a conference (a
    code the spec has retired, still read by many directories; importers go
    by ``conference_url`` and ``conference_phone``), then the meeting's own
    codes. A location gives ``location``, ``address``, ``city``, ``state``
    (its region), ``postal_code``, ``country`` and ``approximate`` (``"yes"``
    for an online meeting's place without an address). Nothing about members
    is listed.

    Args:
        groups: The groups, in the order to list them (``json.dumps`` the result).

    Returns:
        One dict per meeting, which :func:`check_feed` finds no problem with.

    Raises:
        ValueError: If a group's name is longer than the 255 characters a
            listed name may have.
    """
    return [_entry(group, meeting, slug) for group, meeting, slug in _slugged(groups)]


# Calendars ---------------------------------------------------------------------------


def _description(meeting: Meeting) -> str:
    setting = meeting.setting.value.replace("_", " ")
    lines = [f"{'Open' if meeting.open else 'Closed'} meeting, {setting}."]
    if meeting.types:
        lines.append("Types: " + ", ".join(MEETING_TYPES[code] for code in meeting.types) + ".")
    if meeting.conference is not None and meeting.conference.url is not None:
        lines.append(f"Join online: {meeting.conference.url}")
    if meeting.conference is not None and meeting.conference.phone is not None:
        lines.append(f"Dial in: {meeting.conference.phone}")
    return "\n".join(lines)


def _where(meeting: Meeting) -> str | None:
    place = meeting.location
    if meeting.setting is MeetingSetting.ONLINE or place is None:
        return meeting.conference.url if meeting.conference is not None else None
    parts = (place.name, place.address, place.city, place.region, place.postal_code)
    return ", ".join(p for p in (*parts, place.country) if p is not None)


def _local(day: date, hhmm: str, zone: zoneinfo.ZoneInfo) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=zone)


def to_icalendar(group: Group, *, now: datetime | None = None) -> bytes:
    """The group's meetings as an iCalendar file: one weekly event per meeting.

    Each event (a ``VEVENT``) starts on the meeting's first day on or after
    ``now``'s date, in the meeting's timezone, and repeats every week on that
    weekday (``RRULE:FREQ=WEEKLY;BYDAY=…``). Its start and end carry the
    timezone's IANA name (``DTSTART;TZID=Europe/Berlin:…``), and the file has
    a ``VTIMEZONE`` for each name, with its daylight-saving changes for 20
    years, so every occurrence starts at the same local time across them. The
    summary is the group's name; the location, the link to join and a short
    description (open or closed, the setting, the types) come from the
    meeting. Its ``UID`` is its slug (as in :func:`meeting_guide_feed` for
    this group alone) ``@peersupport``, so a calendar that imports the file
    again updates the events instead of adding copies.

    Args:
        group: The group; a group without meetings gives a calendar without events.
        now: When the calendar is made (timezone-aware; default: now). It is
            the events' ``DTSTAMP`` and decides their first day.

    Returns:
        The calendar as iCalendar (RFC 5545) bytes.

    Raises:
        ModuleNotFoundError: Without the ``icalendar`` package
            (``pip install 'peersupport[directory]'``).
        ValueError: If ``now`` has no timezone.
    """
    import icalendar

    if now is not None and now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got {now!r}")
    stamp = (datetime.now(UTC) if now is None else now).astimezone(UTC)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//peersupport//meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", group.name)
    events = []
    first_years: dict[str, int] = {}
    for _group, meeting, slug in _slugged([group]):
        zone = zoneinfo.ZoneInfo(meeting.timezone)
        today = stamp.astimezone(zone).date()
        first = today + timedelta(days=(meeting.day - (today.weekday() + 1)) % 7)
        later = first + timedelta(days=1 if meeting.end_time < meeting.time else 0)
        event = icalendar.Event()
        event.add("uid", f"{slug}@peersupport")
        event.add("dtstamp", stamp)
        event.add("dtstart", _local(first, meeting.time, zone))
        event.add("dtend", _local(later, meeting.end_time, zone))
        event.add("rrule", {"freq": "weekly", "byday": _BYDAY[meeting.day]})
        event.add("summary", group.name)
        event.add("description", _description(meeting))
        if (where := _where(meeting)) is not None:
            event.add("location", where)
        if meeting.conference is not None and meeting.conference.url is not None:
            event.add("url", meeting.conference.url)
        events.append(event)
        if "TZID" in event["DTSTART"].params:  # not for UTC, written as UTC times
            first_years[meeting.timezone] = min(first_years.get(meeting.timezone, 9999), first.year)
    for key, year in sorted(first_years.items()):
        calendar.add_component(
            icalendar.Timezone.from_tzinfo(
                zoneinfo.ZoneInfo(key),
                tzid=key,
                first_date=date(year, 1, 1),
                last_date=date(year + _ZONE_YEARS, 1, 1),
            )
        )
    for event in events:
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical
