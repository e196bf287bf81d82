"""Meetings of a group: the values, the group file's "meetings", and versions in the store."""

from __future__ import annotations

import json
import re

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import peersupport as ps
from peersupport.config import group_from_dict, group_to_dict
from peersupport.directory import MEETING_TYPES
from peersupport.testing import groups
from people import BUILTIN_FORMATS, T0, make_group

#: Zones with and without daylight saving, half-hour offsets and a half-hour DST.
ZONES = (
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Pacific/Chatham",
    "UTC",
)
#: Codes a meeting may list itself (O and C come from open; TC needs an address).
OWN_CODES = sorted(set(MEETING_TYPES) - {"O", "C", "TC"})
#: Marks every member's name and id in the generated groups, and nothing else: a
#: listing that holds it shows something about a member.
MARK = "§"


def texts(max_size: int = 30) -> st.SearchStrategy[str]:
    """One line of plain text, such as a place's name or a city (never the MARK)."""
    alphabet = "abcdefghijXYZ0123 .,'-äöüßéøñ"
    return st.text(alphabet, min_size=1, max_size=max_size).filter(str.strip)


def hhmm() -> st.SearchStrategy[str]:
    return st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))


@st.composite
def locations(draw: st.DrawFn, *, address: bool = True) -> ps.Location:
    optional = {
        key: draw(st.none() | texts()) for key in ("name", "region", "postal_code", "country")
    }
    return ps.Location(address=draw(texts()) if address else None, city=draw(texts()), **optional)


@st.composite
def conferences(draw: st.DrawFn) -> ps.Conference:
    url = st.from_regex(
        r"https://[a-z]{1,12}\.example\.org/[a-z0-9]{0,12}(\?pwd=[a-z0-9]{4})?", fullmatch=True
    )
    phone = st.from_regex(r"\+?[0-9]{3,12}(,,[0-9]{4,8}#)?", fullmatch=True)
    which = draw(st.sampled_from(["url", "phone", "both"]))
    return ps.Conference(
        url=draw(url) if which != "phone" else None,
        phone=draw(phone) if which != "url" else None,
    )


@st.composite
def meetings(draw: st.DrawFn) -> ps.Meeting:
    """Valid meetings: any setting, day, times, zone, format and codes."""
    setting = draw(st.sampled_from(list(ps.MeetingSetting)))
    in_person = setting is not ps.MeetingSetting.ONLINE
    online = setting is not ps.MeetingSetting.IN_PERSON
    location = draw(locations()) if in_person else draw(st.none() | locations(address=False))
    time, end_time = draw(st.lists(hhmm(), min_size=2, max_size=2, unique=True))
    codes = draw(st.lists(st.sampled_from(OWN_CODES), unique=True, max_size=4))
    if in_person and draw(st.booleans()):
        codes.append("TC")
    return ps.Meeting(
        day=draw(st.integers(0, 6)),
        time=time,
        end_time=end_time,
        timezone=draw(st.sampled_from(ZONES)),
        format=draw(st.sampled_from(BUILTIN_FORMATS)),
        location=location,
        conference=draw(conferences()) if online else None,
        open=draw(st.booleans()),
        types=codes,
    )


@st.composite
def groups_with_meetings(draw: st.DrawFn, *, min_meetings: int = 0) -> ps.Group:
    """Groups whose members' ids and names all carry the MARK, with some meetings."""
    group = draw(groups(names=[f"{MARK}{name}" for name in ("dee", "al", "bo", "cy", "nu")]))
    return attrs.evolve(
        group,
        name=draw(texts(60)),
        meetings=draw(st.lists(meetings(), min_size=min_meetings, max_size=4)),
    )


def meeting(**changes: object) -> ps.Meeting:
    """A hybrid Thursday meeting in Berlin, with ``changes``."""
    values: dict[str, object] = {
        "day": 4,
        "time": "19:00",
        "end_time": "20:30",
        "timezone": "Europe/Berlin",
        "format": "sharing-circle",
        "location": ps.Location(
            name="Nachbarschaftshaus", address="Hauptstraße 1", city="Berlin", country="DE"
        ),
        "conference": ps.Conference(url="https://meet.example.org/thursday"),
        "types": ("D", "EN"),
    }
    return ps.Meeting(**{**values, **changes})


class TestMeeting:
    def test_setting_follows_the_address_and_the_conference(self):
        """An address and no conference: in person; both: hybrid; a conference only: online."""
        online = ps.Conference(phone="+4930123456")
        assert meeting(conference=None).setting is ps.MeetingSetting.IN_PERSON
        assert meeting().setting is ps.MeetingSetting.HYBRID
        assert meeting(location=None, conference=online).setting is ps.MeetingSetting.ONLINE
        approximate = ps.Location(city="Berlin", country="DE")
        assert meeting(location=approximate).setting is ps.MeetingSetting.ONLINE

    def test_types_are_kept_in_order_as_a_tuple(self):
        """Codes given as a list are kept as a tuple, in the order given."""
        assert meeting(types=["EN", "D", "TC"]).types == ("EN", "D", "TC")

    def test_a_meeting_may_end_after_midnight(self):
        """An end time before the start time is the next day."""
        assert meeting(time="23:30", end_time="00:30").end_time == "00:30"

    @pytest.mark.parametrize(
        ("changes", "problem"),
        [
            ({"day": 7}, "day must be 0 (Sunday) to 6"),
            ({"day": True}, "day must be"),
            ({"time": "7pm"}, 'time must be "HH:MM"'),
            ({"time": "24:00"}, 'time must be "HH:MM"'),
            ({"end_time": "9:30"}, 'end time must be "HH:MM"'),
            ({"end_time": "19:00"}, "must end after it starts"),
            ({"timezone": "Mars/Olympus"}, "IANA timezone"),
            ({"timezone": "localtime"}, "IANA timezone"),
            ({"timezone": "../../etc/passwd"}, "IANA timezone"),
            ({"timezone": "America"}, "IANA timezone"),
            ({"format": "two words"}, "format must be the name of a format"),
            ({"open": "yes"}, "open must be true or false"),
            ({"types": ("O",)}, "the meeting's open says it"),
            ({"types": ("ONL",)}, "the meeting's conference says it"),
            ({"types": ("ZZ",)}, "not a Meeting Guide type code"),
            ({"types": ("D", "D")}, "listed twice"),
            ({"types": "D"}, "list of at most"),
            ({"location": None, "conference": None}, "needs a location"),
            ({"conference": None, "location": ps.Location(city="Berlin")}, "street address"),
            ({"location": None, "types": ("TC",)}, "'TC'"),
        ],
    )
    def test_bad_values_are_refused(self, changes, problem):
        """A bad value raises ValueError saying what is wrong with which field."""
        with pytest.raises(ValueError, match=re.escape(problem)):
            meeting(**changes)

    @pytest.mark.parametrize(
        ("make", "problem"),
        [
            (lambda: ps.Location(city=" "), "city must be one line of plain text"),
            (lambda: ps.Location(city="Berlin", address="a\nb"), "one line of plain text"),
            (lambda: ps.Location(city="<b>Berlin</b>"), "no HTML"),
            (lambda: ps.Location(city="x" * 256), "at most 255"),
            (lambda: ps.Conference(), "a url, a phone number or both"),
            (lambda: ps.Conference(url="http://meet.example.org/a"), "https://"),
            (lambda: ps.Conference(url="https://al:secret@meet.example.org/a"), "password"),
            (lambda: ps.Conference(url="https://meet.example.org/a b"), "no spaces"),
            (lambda: ps.Conference(phone="+1 646 558"), "digits with an optional leading +"),
        ],
    )
    def test_bad_places_are_refused(self, make, problem):
        """Locations are one line of plain text each; conferences are https links or digits."""
        with pytest.raises(ValueError, match=re.escape(problem)):
            make()


class TestGroupMeetings:
    def test_a_group_has_no_meetings_by_default(self):
        """Group.meetings is an empty tuple unless given; a list is kept as a tuple."""
        assert make_group().meetings == ()
        assert attrs.evolve(make_group(), meetings=[meeting()]).meetings == (meeting(),)

    def test_meetings_are_meetings(self):
        """Anything that is not a Meeting is refused."""
        with pytest.raises(TypeError):
            attrs.evolve(make_group(), meetings=[{"day": 4}])

    def test_meetings_leave_the_fingerprint_as_it_was(self):
        """The fingerprint of the test group is the one logs recorded before meetings existed."""
        group = make_group()
        with_meetings = attrs.evolve(group, meetings=[meeting(), meeting(day=1)])
        assert group.fingerprint == with_meetings.fingerprint == "6f9debb05bbe2610"
        assert "meetings" not in json.dumps(with_meetings.canonical())
        assert with_meetings != group

    def test_an_old_log_restores_with_the_group_that_has_meetings(self):
        """A session logged before the group had meetings restores and verifies after."""
        group = make_group()
        session = ps.Session(group, ps.formats.get("sharing-circle"), clock=ps.ManualClock(T0))
        for member in ("dee", "al"):
            session.arrive(member)
            session.consent(member)
        session.advance(by="dee")
        moved = attrs.evolve(group, meetings=[meeting()])
        for rebuild in (ps.Session.restore, ps.Session.verify):
            again = rebuild(moved, session.format, session.events)
            assert again.state == session.state


#: A valid group file with one meeting, to break in one place per test.
def valid_file() -> dict[str, object]:
    return group_to_dict(attrs.evolve(make_group(), meetings=[meeting()]))


class TestGroupFile:
    @given(group=groups_with_meetings())
    def test_round_trip(self, group):
        """group_from_dict(group_to_dict(g)) == g, also through JSON text, meetings included."""
        data = group_to_dict(group)
        for back in (group_from_dict(data), group_from_dict(json.loads(json.dumps(data)))):
            assert back == group
            assert back.meetings == group.meetings

    @given(group=groups_with_meetings(min_meetings=1))
    def test_file_round_trip(self, tmp_path_factory, group):
        """dump_group then load_group gives an equal group, meetings in order."""
        path = tmp_path_factory.mktemp("groups") / "group.json"
        ps.dump_group(group, path)
        assert ps.load_group(path).meetings == group.meetings

    def test_the_form_of_a_meeting(self):
        """A meeting is written with its fields in order; parts that are None are left out."""
        assert valid_file()["meetings"] == [
            {
                "day": 4,
                "time": "19:00",
                "end_time": "20:30",
                "timezone": "Europe/Berlin",
                "format": "sharing-circle",
                "location": {
                    "name": "Nachbarschaftshaus",
                    "address": "Hauptstraße 1",
                    "city": "Berlin",
                    "country": "DE",
                },
                "conference": {"url": "https://meet.example.org/thursday"},
                "open": False,
                "types": ["D", "EN"],
            }
        ]

    def test_no_meetings_no_key(self):
        """A group without meetings is written as before: stored versions stay unchanged."""
        assert "meetings" not in group_to_dict(make_group())

    def test_defaults(self):
        """location, conference, open and types may be left out."""
        data = valid_file()
        entry = data["meetings"][0]
        for key in ("location", "open", "types"):
            del entry[key]
        loaded = group_from_dict(data)
        assert loaded.meetings == (meeting(location=None, types=()),)

    @pytest.mark.parametrize(
        ("edit", "field", "problem"),
        [
            (lambda m: m.update(time="7pm"), "meetings[0].time", 'must be "HH:MM"'),
            (lambda m: m.update(day="4"), "meetings[0].day", "0 (Sunday) to 6"),
            (lambda m: m.update(day=None), "meetings[0].day", "0 (Sunday) to 6"),
            (lambda m: m.pop("end_time"), "meetings[0].end_time", "missing"),
            (lambda m: m.update(end_time="19:00"), "meetings[0].end_time", "end after"),
            (lambda m: m.update(timezone="CEST"), "meetings[0].timezone", "IANA timezone"),
            (lambda m: m.update(format="nope"), "meetings[0].format", "not an installed format"),
            (lambda m: m.update(format=3), "meetings[0].format", "name of a format"),
            (lambda m: m.update(open=1), "meetings[0].open", "true or false"),
            (lambda m: m.update(types="D"), "meetings[0].types", "expected a list"),
            (lambda m: m.update(types=["D", "C"]), "meetings[0].types[1]", "open says it"),
            (lambda m: m.update(types=[7]), "meetings[0].types[0]", "not a Meeting Guide"),
            (lambda m: m.update(weekly=True), "meetings[0]", "unknown key(s) 'weekly'"),
            (lambda m: m.update(location=[]), "meetings[0].location", "expected an object"),
            (lambda m: m["location"].pop("city"), "meetings[0].location.city", "missing"),
            (lambda m: m["location"].update(city=5), "meetings[0].location.city", "plain text"),
            (lambda m: m["location"].update(floor=2), "meetings[0].location", "'floor'"),
            (lambda m: m["conference"].update(url="zoom"), "meetings[0].conference.url", "https"),
            (lambda m: m["conference"].update(phone=12), "meetings[0].conference.phone", "digits"),
            (lambda m: m.update(conference={}), "meetings[0].conference", "a url, a phone"),
            (
                lambda m: m.update(conference=None, location={"city": "Berlin"}),
                "meetings[0].location.address",
                "street address",
            ),
            (lambda m: m.update(location=None, conference=None), "meetings[0]", "needs a location"),
        ],
    )
    def test_errors_name_the_field(self, edit, field, problem):
        """A bad meeting raises ConfigError naming the source, the field's path and the problem."""
        data = valid_file()
        edit(data["meetings"][0])
        with pytest.raises(ps.ConfigError) as caught:
            group_from_dict(data, source="group.json")
        assert caught.value.field == field
        assert problem in caught.value.problem
        assert str(caught.value) == f"group.json: {field}: {caught.value.problem}"

    @pytest.mark.parametrize("value", [{}, "Thursdays", 4])
    def test_meetings_is_a_list(self, value):
        """The "meetings" key holds a list."""
        data = valid_file()
        data["meetings"] = value
        with pytest.raises(ps.ConfigError, match="expected a list") as caught:
            group_from_dict(data)
        assert caught.value.field == "meetings"

    def test_the_second_meeting_is_named(self):
        """The index in the path is the meeting's place in the list."""
        data = valid_file()
        data["meetings"].append({**data["meetings"][0], "day": -1})
        with pytest.raises(ps.ConfigError) as caught:
            group_from_dict(data)
        assert caught.value.field == "meetings[1].day"


class TestStoredVersions:
    def test_a_changed_meeting_is_a_new_version_and_old_sessions_restore(self, tmp_path):
        """Moving a meeting stores version 2; the session of version 1 restores as it was."""
        store = ps.store.SqliteStore(tmp_path / "store.db")
        first = attrs.evolve(make_group(), meetings=[meeting()])
        assert store.save_group("g", first).version == 1
        session = ps.Session(first, ps.formats.get("sharing-circle"), clock=ps.ManualClock(T0))
        for member in ("dee", "al", "bo"):
            session.arrive(member)
            session.consent(member)
        session.advance(by="dee")
        store.start_session("s1", "g", session.events)

        moved = attrs.evolve(first, meetings=[meeting(day=2, time="18:30")])
        assert store.save_group("g", moved).version == 2
        assert store.save_group("g", moved).version == 2  # unchanged: no new version
        assert [r.group.meetings for r in store.group_versions("g")] == [
            first.meetings,
            moved.meetings,
        ]
        assert store.session("s1").group_version == 1
        restored = store.restore("s1", clock=ps.ManualClock(T0))
        assert restored.state == session.state
        assert restored.group.meetings == first.meetings

        later = ps.Session(moved, session.format, clock=ps.ManualClock(T0))
        later.arrive("dee")
        assert store.start_session("s2", "g", later.events).group_version == 2
        assert store.restore("s2", clock=ps.ManualClock(T0)).group.meetings == moved.meetings
        store.close()
