"""The Meeting Guide spec's rules for a JSON feed of meetings: :func:`check_feed`.

Written from the code4recovery spec's README (field definitions and meeting
types); :mod:`peersupport.directory` re-exports :func:`check_feed`.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Collection, Iterator
from typing import Any

from peersupport.meetings import MEETING_TYPES, is_timezone
from peersupport.validate import brief

__all__ = ["check_feed"]

_MAX_NAME = 255
#: Type codes a feed may still carry: retired by the spec (ONL online, NS
#: non-smoking), or proposed and not yet in use (code4recovery/spec's README).
_RETIRED_OR_PROPOSED = frozenset({"ONL", "NS", "BV-I", "D-HOH", "LO-I", "QSL", "RSL"})
_MAX_SLUG = 64
_SLUG = re.compile(r"[A-Za-z0-9_-]+")
_HHMM = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")
_PHONE = re.compile(r"\+?[0-9,*#]*[0-9][0-9,*#]*")
_UPDATED = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_HTML = re.compile(r"<[A-Za-z/!]")
#: Fields the spec says are plain text (no HTML), and other fields that are strings.
_PLAIN = ("notes", "location", "location_notes", "group_notes")
_STRINGS = (
    *("group", "address", "city", "state", "postal_code", "country", "formatted_address"),
    *("region", "sub_region", "conference_url_notes", "conference_phone_notes", "url"),
    *("edit_url", "feedback_url", "venmo", "square", "paypal", "homegroup_online"),
    *("entity", "entity_email", "entity_location", "entity_logo", "entity_phone"),
    *("entity_url", "entity_website_url"),
)


def _is_day(value: Any) -> bool:
    return type(value) is int and 0 <= value <= 6


def _is_link(value: Any) -> bool:
    if not isinstance(value, str) or " " in value:
        return False
    parts = urllib.parse.urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _time_problems(meeting: dict[str, Any]) -> Iterator[str]:
    day = meeting.get("day")
    if "day" in meeting and not (
        _is_day(day) or (isinstance(day, list) and day and all(map(_is_day, day)))
    ):
        yield f"day must be 0 (Sunday) to 6 (Saturday) or a list of them, got {brief(day)}"
    for key in ("time", "end_time"):
        if key in meeting and not (isinstance(meeting[key], str) and _HHMM.fullmatch(meeting[key])):
            yield f'{key} must be "HH:MM" on the 24-hour clock, got {brief(meeting[key])}'
    if ("day" in meeting) != ("time" in meeting):
        yield "a weekly meeting needs both day and time (a meeting by appointment neither)"
    if "end_time" in meeting and "time" not in meeting:
        yield "end_time without time"
    timezone = meeting.get("timezone")
    if "timezone" in meeting and not (isinstance(timezone, str) and is_timezone(timezone)):
        yield f"timezone must be a tz database name, got {brief(meeting['timezone'])}"


def _type_problems(types: Any, known: Collection[str]) -> Iterator[str]:
    if not isinstance(types, list) or not all(isinstance(code, str) for code in types):
        yield f"types must be a list of codes, got {brief(types)}"
        return
    for code in types:
        if code not in known:
            yield f"types: {brief(code)} is not a Meeting Guide type code"
    if len(set(types)) != len(types):
        yield f"types lists a code twice: {brief(types)}"
    if {"O", "C"} <= set(types):
        yield "types says both O (open) and C (closed)"


def _place_problems(meeting: dict[str, Any]) -> Iterator[str]:
    online = "conference_url" in meeting or "conference_phone" in meeting
    if "conference_url" in meeting and not _is_link(meeting["conference_url"]):
        yield f"conference_url must be an http(s) link, got {brief(meeting['conference_url'])}"
    phone = meeting.get("conference_phone")
    if "conference_phone" in meeting and not (isinstance(phone, str) and _PHONE.fullmatch(phone)):
        yield f"conference_phone must be digits, + , * and #, got {brief(phone)}"
    if meeting.get("approximate", "no") not in ("yes", "no"):
        yield f'approximate must be "yes" or "no", got {brief(meeting["approximate"])}'
    specific = meeting.get("address") or meeting.get("formatted_address")
    if not online and (not specific or meeting.get("approximate") == "yes"):
        yield "a meeting without conference_url or conference_phone needs a specific address"
    for key, bound in (("latitude", 90), ("longitude", 180)):
        value: Any = meeting.get(key)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if key in meeting and not (number and -bound <= value <= bound):
            yield f"{key} must be a number from -{bound} to {bound}, got {brief(value)}"


def _other_problems(meeting: dict[str, Any]) -> Iterator[str]:
    for key in (*_PLAIN, *_STRINGS):
        if key in meeting and not isinstance(meeting[key], str):
            yield f"{key} must be a string, got {brief(meeting[key])}"
        elif key in _PLAIN and key in meeting and _HTML.search(meeting[key]):
            yield f"{key} must be plain text, without HTML"
    if "updated" in meeting and not (
        isinstance(meeting["updated"], str) and _UPDATED.fullmatch(meeting["updated"])
    ):
        yield f'updated must be "YYYY-MM-DD HH:MM:SS" (UTC), got {brief(meeting["updated"])}'
    if "sub_region" in meeting and "region" not in meeting:
        yield "sub_region needs region"
    for key in ("regions", "feedback_emails"):
        value = meeting.get(key)
        if key in meeting and not (
            isinstance(value, list) and all(isinstance(item, str) for item in value)
        ):
            yield f"{key} must be a list of strings, got {brief(value)}"
    if "entity" not in meeting and any(key.startswith("entity_") for key in meeting):
        yield "entity fields need entity (the service entity's name)"


def _meeting_problems(meeting: dict[str, Any], known: Collection[str]) -> Iterator[str]:
    name, slug = meeting.get("name"), meeting.get("slug")
    if not isinstance(name, str) or not name.strip() or len(name) > _MAX_NAME:
        yield f"name is required: a non-empty string of at most {_MAX_NAME} characters"
    if type(slug) is int:
        if slug < 0:
            yield f"slug must be a string or a whole number from 0, got {brief(slug)}"
    elif not isinstance(slug, str) or len(slug) > _MAX_SLUG or not _SLUG.fullmatch(slug):
        yield f"slug is required: URL-safe (letters, digits, - and _), at most {_MAX_SLUG} long"
    yield from _time_problems(meeting)
    if "types" in meeting:
        yield from _type_problems(meeting["types"], known)
    yield from _place_problems(meeting)
    yield from _other_problems(meeting)


def check_feed(feed: Any, *, custom_types: Collection[str] = ()) -> list[str]:
    """Problems of a Meeting Guide JSON feed, by the spec's rules (none: an empty list).

    The rules, from the code4recovery spec: the feed is a list of objects; each
    has a ``name`` (at most 255 characters) and a ``slug`` unique in the feed
    (URL-safe, at most 64 characters, or a whole number); ``day`` (0-6, or a
    list of them) and ``time`` come together; ``time`` and ``end_time`` are
    ``"HH:MM"``; ``timezone`` is a tz database name; ``types`` is a list of the
    spec's codes (also the retired ``ONL`` and ``NS`` and the proposed ones),
    without repeats or both ``O`` and ``C``; ``conference_url`` is a link and
    ``conference_phone`` digits with ``+ , * #``; a meeting without either
    needs a specific address; ``approximate`` is ``"yes"`` or ``"no"``;
    ``latitude`` and ``longitude`` are in range; ``updated`` is
    ``"YYYY-MM-DD HH:MM:SS"``; text fields are strings and ``notes`` and the
    location's are plain text; ``sub_region`` needs ``region``; entity fields
    need ``entity``.

    Args:
        feed: The parsed JSON feed.
        custom_types: Codes of your own to accept in ``types`` (the spec allows
            them; importers ignore them).

    Returns:
        One message per problem, e.g. ``"meeting 3 ('circle-thu-1900'): time must
        be "HH:MM" on the 24-hour clock, got '7pm'"``.
    """
    if not isinstance(feed, list):
        return [f"the feed must be a list of meetings, got {type(feed).__name__}"]
    known = frozenset(MEETING_TYPES) | _RETIRED_OR_PROPOSED | frozenset(custom_types)
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, meeting in enumerate(feed):
        if not isinstance(meeting, dict):
            problems.append(f"meeting {index}: must be an object, got {type(meeting).__name__}")
            continue
        slug = meeting.get("slug")
        where = f"meeting {index}" + (f" ({brief(slug)})" if isinstance(slug, str | int) else "")
        problems += [f"{where}: {problem}" for problem in _meeting_problems(meeting, known)]
        if isinstance(slug, str | int) and not isinstance(slug, bool):
            if str(slug) in seen:
                problems.append(f"{where}: slug is not unique (meeting {seen[str(slug)]} has it)")
            seen.setdefault(str(slug), index)
    return problems
