"""Directory listings: the Meeting Guide feed, its checks, iCalendar files and the command."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

import attrs
import icalendar
import pytest
from dateutil.rrule import rrulestr
from hypothesis import given
from hypothesis import strategies as st

import peersupport as ps
from peersupport.cli import main
from peersupport.directory import check_feed, meeting_guide_feed, to_icalendar
from people import make_group
from test_meetings import MARK, ZONES, groups_with_meetings, hhmm, meeting, meetings

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)


def circle(*meetings: ps.Meeting, name: str = "Thursday circle") -> ps.Group:
    """The test group (Dee, Al, Bo, Cy, Nu, Ob) under ``name``, with ``meetings``."""
    return attrs.evolve(make_group(name=name), meetings=meetings)


def parse(ics: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(ics)


def occurrences(event: icalendar.Event, count: int) -> list[datetime]:
    """The first ``count`` starts of a weekly event, expanded from its RRULE."""
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=event.decoded("DTSTART"))
    return list(islice(rule, count))


class TestFeed:
    def test_a_hybrid_meeting(self):
        """Every field comes from the group and its meeting; types: C, ONL, then its own."""
        place = ps.Location(
            name="Community hall",
            address="12 Main St",
            city="Springfield",
            region="MA",
            postal_code="01101",
            country="US",
        )
        online = ps.Conference(url="https://meet.example.org/t", phone="+16465588656,,123#")
        hybrid = meeting(timezone="America/New_York", location=place, conference=online)
        assert meeting_guide_feed([circle(hybrid)]) == [
            {
                "name": "Thursday circle",
                "slug": "thursday-circle-thu-1900",
                "day": 4,
                "time": "19:00",
                "end_time": "20:30",
                "timezone": "America/New_York",
                "types": ["C", "ONL", "D", "EN"],
                "group": "Thursday circle",
                "location": "Community hall",
                "address": "12 Main St",
                "city": "Springfield",
                "state": "MA",
                "postal_code": "01101",
                "country": "US",
                "approximate": "no",
                "conference_url": "https://meet.example.org/t",
                "conference_phone": "+16465588656,,123#",
            }
        ]

    def test_in_person_and_online_meetings(self):
        """In person: no conference fields and no ONL; online: an approximate place or none."""
        in_person = meeting(conference=None, open=True, types=())
        online = meeting(location=ps.Location(city="Berlin", country="DE"), types=())
        bare = meeting(location=None, conference=ps.Conference(phone="+4930123"), types=())
        first, second, third = meeting_guide_feed([circle(in_person, online, bare)])
        assert first["types"] == ["O"]
        assert "conference_url" not in first
        assert first["approximate"] == "no"
        assert second["types"] == ["C", "ONL"]
        assert (second["city"], second["approximate"]) == ("Berlin", "yes")
        assert "address" not in second
        assert third["conference_phone"] == "+4930123"
        assert not {"city", "address", "approximate", "conference_url"} & set(third)

    def test_slugs_are_stable_and_unique(self):
        """Slugs come from the name, day and time; a taken one gets -2, -3 in the order given."""
        twin = circle(meeting(), meeting(conference=None))
        feed = meeting_guide_feed([twin, circle(meeting(), name="Thursday  Circle!")])
        assert [m["slug"] for m in feed] == [
            "thursday-circle-thu-1900",
            "thursday-circle-thu-1900-2",
            "thursday-circle-thu-1900-3",
        ]
        assert meeting_guide_feed([twin]) == meeting_guide_feed([twin])[:2]
        odd = meeting_guide_feed([circle(meeting(day=0, time="07:05"), name="Ünïcode ☕ Kreis")])
        assert odd[0]["slug"] == "unicode-kreis-sun-0705"
        assert meeting_guide_feed([circle(meeting(), name="☕")])[0]["slug"] == "meeting-thu-1900"

    def test_a_name_too_long_to_list(self):
        """A group name longer than the spec's 255 characters is refused, not cut."""
        with pytest.raises(ValueError, match="at most 255 characters"):
            meeting_guide_feed([circle(meeting(), name="x" * 256)])

    def test_a_group_without_meetings_lists_nothing(self):
        """No meetings, no entries."""
        assert meeting_guide_feed([make_group()]) == []

    @given(group_list=st.lists(groups_with_meetings(), max_size=4))
    def test_any_valid_groups_give_a_valid_feed(self, group_list):
        """The feed of any groups passes check_feed, survives JSON and lists every meeting."""
        feed = meeting_guide_feed(group_list)
        assert check_feed(feed) == []
        assert json.loads(json.dumps(feed)) == feed
        assert len(feed) == sum(len(g.meetings) for g in group_list)

    @given(group=groups_with_meetings(min_meetings=1), copies=st.integers(2, 4))
    def test_slugs_are_unique_across_groups(self, group, copies):
        """The same group listed several times still gets a unique slug per meeting."""
        slugs = [m["slug"] for m in meeting_guide_feed([group] * copies)]
        assert len(set(slugs)) == len(slugs) == copies * len(group.meetings)
        assert all(len(slug) <= 64 for slug in slugs)

    @given(group=groups_with_meetings(min_meetings=1))
    def test_no_personal_data(self, group):
        """No member's name or id appears anywhere in the feed or the calendar."""
        text = json.dumps(meeting_guide_feed([group]), ensure_ascii=False)
        calendar = to_icalendar(group, now=NOW).decode()
        for listing in (text, calendar.replace("\r\n ", "")):
            assert MARK not in listing
            for member in group.members:
                assert member.id not in listing
                assert member.name not in listing

    def test_no_personal_data_of_the_test_group(self):
        """Dee, Al, Bo, Cy, Nu and Ob are in neither listing of the Thursday circle."""
        group = circle(meeting())
        text = json.dumps(meeting_guide_feed([group]))
        calendar = to_icalendar(group, now=NOW).decode()
        for name in ("Dee", "Bo", "Cy", "Nu", "Ob", '"al"', ":Al"):
            assert name not in text
            assert name not in calendar


def good_feed() -> list[dict[str, object]]:
    return meeting_guide_feed([circle(meeting(), meeting(day=1, conference=None))])


class TestCheckFeed:
    def test_a_good_feed_has_no_problems(self):
        """The feed the library makes, and the spec's own example, pass."""
        assert check_feed(good_feed()) == []
        spec_example = {
            "name": "Sunday Serenity",
            "slug": "sunday-serenity-14",
            "day": 0,
            "time": "18:00",
            "end_time": "19:30",
            "location": "Alano Club",
            "group": "The Serenity Group",
            "notes": "Ring buzzer. Meeting is on the 2nd floor.",
            "updated": "2014-05-31 14:32:23",
            "url": "https://district123.org/meetings/sunday-serenity",
            "types": ["O", "T", "LGBTQ"],
            "address": "123 Main Street",
            "city": "Anytown",
            "state": "CA",
            "postal_code": "98765",
            "country": "US",
            "approximate": "no",
            "entity": "District 123",
            "entity_email": "info@district123.org",
            "entity_url": "https://district123.org",
            "feedback_emails": ["meetingupdates@district123.org"],
        }
        assert check_feed([spec_example]) == []
        by_appointment = {"name": "By appointment", "slug": 7, "formatted_address": "Chicago"}
        assert check_feed([by_appointment]) == []

    @pytest.mark.parametrize(
        ("edit", "problem"),
        [
            (lambda m: m.pop("name"), "name is required"),
            (lambda m: m.update(name="x" * 256), "name is required"),
            (lambda m: m.pop("slug"), "slug is required"),
            (lambda m: m.update(slug="thursday circle"), "URL-safe"),
            (lambda m: m.update(slug="x" * 65), "at most 64"),
            (lambda m: m.update(slug=-1), "whole number from 0"),
            (lambda m: m.update(slug=True), "slug is required"),
            (lambda m: m.update(day=7), "day must be 0 (Sunday) to 6"),
            (lambda m: m.update(day=[]), "day must be"),
            (lambda m: m.update(day="Thursday"), "day must be"),
            (lambda m: m.pop("day"), "needs both day and time"),
            (lambda m: m.update(time="7:00"), 'time must be "HH:MM"'),
            (lambda m: m.update(end_time="20:60"), 'end_time must be "HH:MM"'),
            (lambda m: m.update(timezone="CEST"), "timezone must be a tz database name"),
            (lambda m: m.update(timezone="localtime"), "timezone must be"),
            (lambda m: m.update(types="O"), "types must be a list"),
            (lambda m: m.update(types=["C", "MEETUP"]), "'MEETUP' is not a Meeting Guide type"),
            (lambda m: m.update(types=["C", "D", "D"]), "twice"),
            (lambda m: m.update(types=["O", "C"]), "both O (open) and C (closed)"),
            (lambda m: m.update(conference_url="zoom"), "conference_url must be an http(s) link"),
            (lambda m: m.update(conference_phone="+1 555 0100"), "conference_phone must be"),
            (lambda m: m.update(approximate=False), 'approximate must be "yes" or "no"'),
            (lambda m: m.update(latitude=91), "latitude must be a number from -90"),
            (lambda m: m.update(longitude="7.1"), "longitude must be a number"),
            (lambda m: m.update(updated="yesterday"), "updated must be"),
            (lambda m: m.update(notes="<b>Ring</b>"), "notes must be plain text"),
            (lambda m: m.update(location=["hall"]), "location must be a string"),
            (lambda m: m.update(sub_region="Mitte"), "sub_region needs region"),
            (lambda m: m.update(regions="Berlin"), "regions must be a list of strings"),
            (lambda m: m.update(entity_email="a@b.org"), "entity fields need entity"),
        ],
    )
    def test_a_broken_rule_is_a_problem(self, edit, problem):
        """Each broken rule gives a problem naming the meeting and the rule."""
        feed = good_feed()
        edit(feed[0])
        problems = check_feed(feed)
        assert problems, "no problem found"
        assert any(problem in p for p in problems), problems
        assert all(p.startswith("meeting 0") for p in problems)
        assert check_feed(feed[1:]) == []

    def test_an_in_person_meeting_needs_an_address(self):
        """Without a conference, a meeting needs a specific, not an approximate, address."""
        feed = good_feed()
        del feed[1]["address"]
        assert check_feed(feed) == [
            "meeting 1 ('thursday-circle-mon-1900'): a meeting without conference_url or "
            "conference_phone needs a specific address"
        ]
        feed = good_feed()
        feed[1]["approximate"] = "yes"
        assert len(check_feed(feed)) == 1

    def test_slugs_must_be_unique(self):
        """Two meetings with one slug (a string and the same number count as one) are a problem."""
        feed = good_feed()
        feed[1]["slug"] = feed[0]["slug"]
        assert check_feed(feed) == [
            "meeting 1 ('thursday-circle-thu-1900'): slug is not unique (meeting 0 has it)"
        ]
        feed[0]["slug"], feed[1]["slug"] = 7, "7"
        assert len(check_feed(feed)) == 1

    def test_not_a_list_of_objects(self):
        """The feed is a list; each meeting an object."""
        assert check_feed({"meetings": []}) == ["the feed must be a list of meetings, got dict"]
        assert check_feed([good_feed()[0], "meeting"]) == ["meeting 1: must be an object, got str"]

    def test_custom_and_retired_types(self):
        """Retired and proposed codes pass; codes of your own pass when named."""
        feed = good_feed()
        feed[0]["types"] = ["C", "ONL", "NS", "D-HOH", "PEER"]
        assert len(check_feed(feed)) == 1
        assert check_feed(feed, custom_types={"PEER"}) == []


class TestCalendar:
    def test_one_weekly_event_per_meeting(self):
        """Each meeting is a VEVENT repeating weekly on its day, in its own timezone."""
        monday = meeting(day=1, time="18:00", end_time="19:00", timezone="America/New_York")
        group = circle(meeting(), monday)
        calendar = parse(to_icalendar(group, now=NOW))
        assert str(calendar["X-WR-CALNAME"]) == "Thursday circle"
        events = calendar.walk("VEVENT")
        assert [str(e["SUMMARY"]) for e in events] == ["Thursday circle"] * 2
        assert [str(e["UID"]) for e in events] == [
            "thursday-circle-thu-1900@peersupport",
            "thursday-circle-mon-1800@peersupport",
        ]
        assert [e["RRULE"]["FREQ"] for e in events] == [["WEEKLY"], ["WEEKLY"]]
        assert [e["RRULE"]["BYDAY"] for e in events] == [["TH"], ["MO"]]
        starts = [e.decoded("DTSTART") for e in events]
        assert starts == [
            datetime(2025, 3, 6, 19, 0, tzinfo=ZoneInfo("Europe/Berlin")),
            datetime(2025, 3, 3, 18, 0, tzinfo=ZoneInfo("America/New_York")),
        ]
        assert [e["DTSTART"].params["TZID"] for e in events] == [
            "Europe/Berlin",
            "America/New_York",
        ]
        assert [e.decoded("DTEND") - s for e, s in zip(events, starts, strict=True)] == [
            timedelta(minutes=90),
            timedelta(minutes=60),
        ]
        zones = sorted(str(z["TZID"]) for z in calendar.walk("VTIMEZONE"))
        assert zones == ["America/New_York", "Europe/Berlin"]
        assert all(e.decoded("DTSTAMP") == NOW for e in events)

    def test_description_location_and_link(self):
        """The event says open or closed, the setting and the types; where; how to join."""
        event = parse(to_icalendar(circle(meeting()), now=NOW)).walk("VEVENT")[0]
        assert str(event["DESCRIPTION"]).splitlines() == [
            "Closed meeting, hybrid.",
            "Types: Discussion, English.",
            "Join online: https://meet.example.org/thursday",
        ]
        assert str(event["LOCATION"]) == "Nachbarschaftshaus, Hauptstraße 1, Berlin, DE"
        assert str(event["URL"]) == "https://meet.example.org/thursday"

    def test_a_meeting_past_midnight_ends_the_next_day(self):
        """23:30 to 00:30 lasts an hour."""
        late = meeting(time="23:30", end_time="00:30")
        event = parse(to_icalendar(circle(late), now=NOW)).walk("VEVENT")[0]
        assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=1)

    def test_utc_needs_no_vtimezone(self):
        """A meeting in UTC is written in UTC times, without a VTIMEZONE."""
        calendar = parse(to_icalendar(circle(meeting(timezone="UTC")), now=NOW))
        assert calendar.walk("VTIMEZONE") == []
        assert calendar.walk("VEVENT")[0].decoded("DTSTART").utcoffset() == timedelta(0)

    def test_empty_group_and_naive_now(self):
        """A group without meetings gives a calendar without events; now needs a timezone."""
        assert parse(to_icalendar(make_group(), now=NOW)).walk("VEVENT") == []
        with pytest.raises(ValueError, match="timezone-aware"):
            to_icalendar(make_group(), now=datetime(2025, 3, 1))

    @pytest.mark.parametrize(
        ("zone", "change"),
        [
            ("America/New_York", date(2025, 3, 9)),  # spring forward
            ("America/New_York", date(2025, 11, 2)),  # fall back
            ("Europe/Berlin", date(2025, 3, 30)),
            ("Europe/Berlin", date(2025, 10, 26)),
        ],
    )
    def test_daylight_saving_round_trip(self, zone, change):
        """Parsed back, the weekly start stays 19:00 local while the UTC offset changes."""
        thursday = meeting(timezone=zone)
        now = datetime.combine(change - timedelta(days=21), datetime.min.time(), tzinfo=UTC)
        calendar = parse(to_icalendar(circle(thursday), now=now))
        event = calendar.walk("VEVENT")[0]
        starts = occurrences(event, 8)
        assert [(s.weekday(), s.hour, s.minute) for s in starts] == [(3, 19, 0)] * 8
        assert starts[0].date() < change < starts[-1].date()
        offsets = [s.utcoffset() for s in starts]
        assert len(set(offsets)) == 2
        # The file's own VTIMEZONE (what a calendar without the tz database uses) agrees.
        own = calendar.walk("VTIMEZONE")[0].to_tz(lookup_tzid=False)
        for start in starts:
            assert start.replace(tzinfo=own).utcoffset() == start.utcoffset()
            assert start.utcoffset() == start.astimezone(ZoneInfo(zone)).utcoffset()

    @given(
        thursday=meetings(),
        zone=st.sampled_from(ZONES),
        time=hhmm().filter(lambda t: t >= "06:00"),
        day=st.dates(date(2020, 1, 1), date(2035, 12, 31)),
    )
    def test_every_week_at_the_same_local_time(self, thursday, zone, time, day):
        """For a year of weeks the start is the meeting's local time, in any zone."""
        weekly = attrs.evolve(thursday, timezone=zone, time=time, end_time="05:00")
        now = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
        calendar = parse(to_icalendar(circle(weekly), now=now))
        own = [z.to_tz(lookup_tzid=False) for z in calendar.walk("VTIMEZONE")]
        starts = occurrences(calendar.walk("VEVENT")[0], 53)
        assert starts[0].date() - day <= timedelta(days=7)
        for start in starts:
            assert f"{start.hour:02d}:{start.minute:02d}" == time
            assert (start.weekday() + 1) % 7 == weekly.day
            for tz in own:
                assert start.replace(tzinfo=tz).utcoffset() == start.utcoffset()


class TestCommand:
    @pytest.fixture
    def files(self, tmp_path):
        thursday = tmp_path / "thursday.json"
        ps.dump_group(circle(meeting()), thursday)
        monday = tmp_path / "monday.json"
        online = meeting(day=1, location=None, conference=ps.Conference(phone="+4930123"))
        ps.dump_group(circle(online, name="Monday line"), monday)
        return thursday, monday

    def test_writes_the_feed_and_a_calendar_per_group(self, files, tmp_path, capsys):
        """--json gets the feed of every group, --ics one calendar per group file."""
        thursday, monday = files
        feed, out = tmp_path / "feed.json", tmp_path / "cal"
        code = main(
            ["directory", str(thursday), str(monday), "--json", str(feed), "--ics", str(out)]
        )
        assert code == 0
        groups = [ps.load_group(thursday), ps.load_group(monday)]
        assert json.loads(feed.read_text(encoding="utf-8")) == meeting_guide_feed(groups)
        assert sorted(p.name for p in out.iterdir()) == ["monday.ics", "thursday.ics"]
        calendar = parse((out / "monday.ics").read_bytes())
        assert str(calendar.walk("VEVENT")[0]["SUMMARY"]) == "Monday line"
        printed = capsys.readouterr().out.splitlines()
        assert printed == [
            f"peersupport: wrote {out / 'thursday.ics'} (1 meeting(s))",
            f"peersupport: wrote {out / 'monday.ics'} (1 meeting(s))",
            f"peersupport: wrote {feed} (2 meeting(s) of 2 group(s))",
        ]

    def test_prints_the_feed_without_targets(self, files, capsys):
        """Without --json and --ics the feed goes to standard output."""
        assert main(["directory", str(files[0])]) == 0
        assert json.loads(capsys.readouterr().out) == meeting_guide_feed([circle(meeting())])

    def test_a_bad_group_file(self, files, tmp_path, capsys):
        """A bad meeting is one error line naming the file and the field; nothing is written."""
        data = json.loads(files[0].read_text(encoding="utf-8"))
        data["meetings"][0]["time"] = "7pm"
        files[0].write_text(json.dumps(data), encoding="utf-8")
        feed = tmp_path / "feed.json"
        assert main(["directory", str(files[0]), "--json", str(feed)]) == 2
        error = capsys.readouterr().err
        assert error.startswith(f"peersupport: error: {files[0]}: meetings[0].time: ")
        assert not feed.exists()
        assert main(["directory", str(tmp_path / "nowhere.json")]) == 2
        assert "cannot read" in capsys.readouterr().err

    def test_two_files_of_one_name(self, files, tmp_path, capsys):
        """Calendars are named after group files, so two files of one name are refused."""
        other = tmp_path / "elsewhere"
        other.mkdir()
        twin = other / "thursday.json"
        twin.write_bytes(files[0].read_bytes())
        assert main(["directory", str(files[0]), str(twin), "--ics", str(tmp_path / "c")]) == 2
        assert "same name" in capsys.readouterr().err

    def test_importing_peersupport_does_not_import_icalendar(self):
        """icalendar is imported when a calendar is made, not with the package."""
        code = "import sys, peersupport; print('icalendar' in sys.modules)"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert done.stdout.strip() == "False"
