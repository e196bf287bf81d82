"""Meetings of a group: when, where and how a group meets, week after week.

A :class:`Meeting` is a weekly schedule, a setting (in person at a
:class:`Location`, online through a :class:`Conference`, or both: hybrid), the
session format it runs, open or closed, and Meeting Guide type codes
(:data:`MEETING_TYPES`). Meetings are public listings: nothing in them names a
person. A bad value raises ``ValueError`` naming the field; in a group file, a
:class:`~peersupport.errors.ConfigError` naming its path, e.g. ``meetings[0].time``.
"""

from __future__ import annotations

import datetime
import enum
import functools
import re
import urllib.parse
import zoneinfo
from collections.abc import Callable, Iterable
from types import MappingProxyType
from typing import Any

import attrs

from peersupport.validate import brief, check_name

__all__ = [
    "DAYS",
    "MEETING_TYPES",
    "Conference",
    "Location",
    "Meeting",
    "MeetingSetting",
    "is_timezone",
    "type_problem",
    "whole_problem",
]

#: Weekday names by Meeting Guide day number: 0 is Sunday, 6 is Saturday.
DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")

# The Meeting Guide spec's meeting types (code4recovery/spec, data/types.json), in English.
_TYPE_TABLE = """
11=11th Step Meditation|12x12=12 Steps & 12 Traditions|A=Secular|ABSI=As Bill Sees It|
AF=Afrikaans|AL=Concurrent with Alateen|AL-AN=Concurrent with Al-Anon|AM=Amharic|AR=Arabic|
ASL=American Sign Language|B=Big Book|BA=Babysitting Available|BE=Newcomer|BG=Bulgarian|
BI=Bisexual|BRK=Breakfast|C=Closed|CAN=Candlelight|CF=Child-Friendly|D=Discussion|
DA=Danish|DB=Digital Basket|DD=Dual Diagnosis|DE=German|DR=Daily Reflections|EL=Greek|
EN=English|FA=Persian|FI=Finnish|FF=Fragrance Free|FR=French|G=Gay|GR=Grapevine|H=Birthday|
HE=Hebrew|HI=Hindi|HR=Croatian|HU=Hungarian|IS=Icelandic|ITA=Italian|JA=Japanese|
KA=Georgian|KOR=Korean|L=Lesbian|LGBTQ=LGBTQ|LIT=Literature|LS=Living Sober|LT=Lithuanian|
M=Men|MED=Meditation|ML=Malayalam|MT=Maltese|N=Native American|NB=Non-Binary|
NDG=Indigenous|NE=Nepali|NL=Dutch|NO=Norwegian|O=Open|OUT=Outdoor|P=Professionals|
POA=Proof of Attendance|POC=People of Color|POL=Polish|POR=Portuguese|PUN=Punjabi|
RUS=Russian|S=Spanish|SEN=Seniors|SK=Slovak|SL=Slovenian|SM=Smoking Permitted|SP=Speaker|
ST=Step Study|SV=Swedish|T=Transgender|TC=Location Temporarily Closed|TH=Thai|TL=Tagalog|
TR=Tradition Study|TUR=Turkish|UK=Ukrainian|W=Women|X=Wheelchair Access|
XB=Wheelchair-Accessible Bathroom|XT=Cross Talk Permitted|Y=Young People
"""
MEETING_TYPES = MappingProxyType(
    dict(entry.split("=") for entry in _TYPE_TABLE.replace("\n", "").split("|"))
)
"""The Meeting Guide spec's type codes and their English names, e.g. ``"D": "Discussion"``.

A meeting's ``types`` are codes from this table, except ``O`` and ``C`` (from
``Meeting.open``). :func:`peersupport.directory.meeting_guide_feed` also adds the
retired code ``ONL`` (online) for meetings with a conference: directories read it.
"""
#: Codes a meeting's own ``types`` may not list, and the field that says it instead.
_DERIVED = {"O": "open", "C": "open", "ONL": "conference"}
_MAX_TEXT = 255
_MAX_URL = 2_000
_MAX_TYPES = 30
_HHMM = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")
_CLOCK = '"HH:MM" on the 24-hour clock (e.g. "19:30")'
_PHONE = re.compile(r"\+?[0-9][0-9,*#]{0,63}")
_ZONE_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*")
#: Zone files that are not places: the machine's own zone, placeholders, other formats.
_NOT_PLACES = ("localtime", "Factory", "posixrules", "posix/", "right/")


def _rule(owner: str, ok: Callable[[Any], bool], wants: str, *, optional: bool = False) -> Any:
    """A validator refusing a value unless ``ok(value)`` (or it is ``None``, if optional)."""

    def check(_inst: object, attr: attrs.Attribute[Any], value: Any) -> None:
        if not (optional and value is None) and not ok(value):
            what = attr.name.replace("_", " ")
            raise ValueError(f"{owner} {what} must be {wants}, got {brief(value)}")

    return check


def _is_text(value: Any) -> bool:
    return (
        isinstance(value, str)
        and bool(value.strip())
        and len(value) <= _MAX_TEXT
        and value.isprintable()
        and not {"<", ">"} & set(value)
    )


_PLAIN = f"one line of plain text (at most {_MAX_TEXT} characters, no HTML)"
_text = _rule("a location's", _is_text, _PLAIN, optional=True)


@attrs.frozen(kw_only=True)
class Location:
    """Where a meeting meets in person, as a directory lists it.

    Each part is one line of plain text (at most 255 characters). An online
    meeting may have a location without an ``address``: an approximate place
    (a city) that directories use to find meetings near someone.

    Attributes:
        city: The city or town.
        address: The street address, without directions ("upstairs" belongs
            elsewhere); ``None`` for an online meeting's approximate place.
        name: The building or landmark, e.g. ``"Neighbourhood centre"``.
        region: The state, province or region (the feed's ``state``).
        postal_code: The postal code.
        country: The country, e.g. ``"DE"`` or ``"Germany"``.
    """

    name: str | None = attrs.field(default=None, validator=_text)
    address: str | None = attrs.field(default=None, validator=_text)
    city: str = attrs.field(validator=_rule("a location's", _is_text, _PLAIN))
    region: str | None = attrs.field(default=None, validator=_text)
    postal_code: str | None = attrs.field(default=None, validator=_text)
    country: str | None = attrs.field(default=None, validator=_text)


def _is_link(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > _MAX_URL or not value.isprintable():
        return False
    parts = urllib.parse.urlsplit(value)
    return parts.scheme == "https" and bool(parts.hostname) and not {" ", "@"} & set(value)


_url = _rule(
    "a conference",
    _is_link,
    f"an https:// link into the meeting (at most {_MAX_URL} characters, no spaces, no user "
    "name or password)",
    optional=True,
)
_phone = _rule(
    "a conference",
    lambda v: isinstance(v, str) and bool(_PHONE.fullmatch(v)),
    'digits with an optional leading + and the dialling marks , * # (e.g. "+16465588656,,1#")',
    optional=True,
)


@attrs.frozen(kw_only=True)
class Conference:
    """How to join a meeting online: a video link, a dial-in number, or both.

    Attributes:
        url: An ``https://`` link that opens the meeting itself (no user name or
            password in it).
        phone: A number to dial in, digits only with an optional leading ``+``;
            ``,`` ``*`` and ``#`` make one-tap dialling links.

    Raises:
        ValueError: If both are ``None`` or one is malformed.
    """

    url: str | None = attrs.field(default=None, validator=_url)
    phone: str | None = attrs.field(default=None, validator=_phone)

    def __attrs_post_init__(self) -> None:
        if self.url is None and self.phone is None:
            raise ValueError("a conference needs a url, a phone number or both")


class MeetingSetting(enum.StrEnum):
    """Where people attend a meeting: :attr:`Meeting.setting`."""

    IN_PERSON = "in_person"
    """At a location (with a street address), not online."""
    ONLINE = "online"
    """Through a conference only (the location, if any, is approximate)."""
    HYBRID = "hybrid"
    """At a location with a street address and through a conference."""


@functools.lru_cache(maxsize=512)
def is_timezone(key: str) -> bool:
    """Whether ``key`` names a place's zone in the tz database (not ``localtime``)."""
    if len(key) > 64 or not _ZONE_KEY.fullmatch(key) or key.startswith(_NOT_PLACES):
        return False
    try:
        zoneinfo.ZoneInfo(key)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _clock(hhmm: str) -> datetime.time:
    hours, minutes = hhmm.split(":")
    return datetime.time(int(hours), int(minutes))


def _is_name(value: Any) -> bool:
    try:
        check_name(value)
    except ValueError:
        return False
    return True


def _optional(kind: type) -> Any:
    return attrs.validators.optional(attrs.validators.instance_of(kind))


_A = "a meeting's"
_CLOCK_RULE = _rule(_A, lambda v: isinstance(v, str) and bool(_HHMM.fullmatch(v)), _CLOCK)


def _codes(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list | tuple) else value  # type: ignore[return-value]


def type_problem(value: Any) -> tuple[str, str] | None:
    """The first problem of a meeting's types, as (field, message), if any (for group files)."""
    if not isinstance(value, tuple) or len(value) > _MAX_TYPES:
        return "types", f"expected a list of at most {_MAX_TYPES} codes, got {brief(value)}"
    for index, code in enumerate(value):
        field = f"types[{index}]"
        if isinstance(code, str) and code in _DERIVED:
            return field, f"{code!r} is not listed by hand: the meeting's {_DERIVED[code]} says it"
        if not isinstance(code, str) or code not in MEETING_TYPES:
            return field, f"{brief(code)} is not a Meeting Guide type code (see MEETING_TYPES)"
        if code in value[:index]:
            return field, f"{code!r} is listed twice"
    return None


def _types(_inst: object, _attr: attrs.Attribute[Any], value: Any) -> None:
    if (problem := type_problem(value)) is not None:
        raise ValueError(problem[1])


def whole_problem(values: dict[str, Any]) -> tuple[str, str] | None:
    """The first problem of a meeting's fields together, as (field, message), if any."""
    location, conference = values.get("location"), values.get("conference")
    specific = location is not None and location.address is not None
    if values["end_time"] == values["time"]:
        return "end_time", f"a meeting must end after it starts ({values['time']})"
    if location is None and conference is None:
        return "", "a meeting needs a location (in person), a conference (online) or both"
    if conference is None and not specific:
        return "location.address", (
            "an in-person meeting needs a street address (only an online meeting's "
            "location may be approximate)"
        )
    if "TC" in values.get("types", ()) and not specific:
        index = values["types"].index("TC")
        return f"types[{index}]", "'TC' (location temporarily closed) needs a street address"
    return None


@attrs.frozen(kw_only=True)
class Meeting:
    """One weekly meeting of a group, as a directory or a calendar lists it.

    Attributes:
        day: The weekday, 0 (Sunday) to 6 (Saturday), as in the Meeting Guide spec.
        time: When it starts, ``"HH:MM"`` on the 24-hour clock, local time.
        end_time: When it ends, ``"HH:MM"``; earlier than ``time`` means the
            next day (a meeting from 23:30 to 00:30).
        timezone: The IANA timezone of ``time`` and ``end_time``, e.g.
            ``"America/New_York"``; weekly times stay the same local time
            across daylight-saving changes.
        format: Name of the session format it runs (a group file must name an
            installed one).
        location: Where it meets in person, or an online meeting's
            approximate place (a location without an address).
        conference: How to join it online.
        open: Whether anyone interested may come (Meeting Guide ``O``), or only
            people who share the group's concern (``C``, the default).
        types: Other Meeting Guide codes (:data:`MEETING_TYPES`), e.g.
            ``("D", "EN")``; ``TC`` (location temporarily closed) needs a
            street address.

    Raises:
        ValueError: Naming the field: a bad value, an end time equal to the
            start, neither a location nor a conference, an in-person meeting
            without a street address, or a code that is unknown, repeated or
            said by another field (``O``, ``C``, ``ONL``).
        TypeError: If ``location`` or ``conference`` is not a Location or a Conference.
    """

    day: int = attrs.field(
        validator=_rule(_A, lambda v: type(v) is int and 0 <= v <= 6, "0 (Sunday) to 6 (Saturday)")
    )
    time: str = attrs.field(validator=_CLOCK_RULE)
    end_time: str = attrs.field(validator=_CLOCK_RULE)
    timezone: str = attrs.field(
        validator=_rule(
            _A,
            lambda v: isinstance(v, str) and is_timezone(v),
            'an IANA timezone name such as "America/New_York"',
        )
    )
    format: str = attrs.field(validator=_rule(_A, _is_name, "the name of a format"))
    location: Location | None = attrs.field(default=None, validator=_optional(Location))
    conference: Conference | None = attrs.field(default=None, validator=_optional(Conference))
    open: bool = attrs.field(
        default=False, validator=_rule(_A, lambda v: isinstance(v, bool), "true or false")
    )
    types: tuple[str, ...] = attrs.field(default=(), converter=_codes, validator=_types)

    def __attrs_post_init__(self) -> None:
        if (problem := whole_problem(attrs.asdict(self, recurse=False))) is not None:
            raise ValueError(problem[1])

    def scheduled_end(self, opened: float) -> float:
        """When the meeting a session opened at ``opened`` is scheduled to end.

        The occurrence is the week's meeting whose start is nearest to ``opened``
        (so a session opened a little early or late belongs to it); its end is
        ``end_time`` in the meeting's timezone on that day, or the next day if
        the meeting crosses midnight. Pass it to :class:`~peersupport.Session`
        as ``ends_at``.

        Args:
            opened: Seconds since the epoch (as :class:`~peersupport.SystemClock` reads).

        Returns:
            Seconds since the epoch.
        """
        zone = zoneinfo.ZoneInfo(self.timezone)
        here = datetime.datetime.fromtimestamp(opened, zone)
        best: tuple[float, float] | None = None
        for offset in range(-7, 8):
            day = here.date() + datetime.timedelta(days=offset)
            if (day.weekday() + 1) % 7 != self.day:
                continue
            start = datetime.datetime.combine(day, _clock(self.time), zone)
            end = datetime.datetime.combine(day, _clock(self.end_time), zone)
            if end <= start:
                end += datetime.timedelta(days=1)
            distance = abs(start.timestamp() - opened)
            if best is None or distance < best[0]:
                best = (distance, end.timestamp())
        assert best is not None  # every weekday comes round within a week either side
        return best[1]

    @property
    def setting(self) -> MeetingSetting:
        """In person, online or hybrid, from the location's address and the conference."""
        in_person = self.location is not None and self.location.address is not None
        if self.conference is None:
            return MeetingSetting.IN_PERSON
        return MeetingSetting.HYBRID if in_person else MeetingSetting.ONLINE
