"""The event log and its JSON Lines codec."""

from __future__ import annotations

import io
import json

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import peersupport as ps

K = ps.EventKind


@pytest.fixture
def events(session, clock):
    """A short log with ids, numbers, flags, a list of ids and null actors."""
    session.advance(by="dee")
    session.start_share("al")
    clock.advance(95.5)
    session.end_share("al")
    session.pass_turn("bo")
    session.close_round(by="dee")
    session.amend_agreement(by="dee", may_pass=False, share_limit=None)
    return session.events


def line(obj):
    return json.dumps(obj)


GOOD = [
    {"seq": 0, "time": 0.0, "kind": "opened", "actor": None, "member": None, "data": {}},
    {"seq": 1, "time": 1.0, "kind": "arrived", "actor": "al", "member": "al", "data": {}},
    {"seq": 2, "time": 2.0, "kind": "consented", "actor": "al", "member": "al", "data": {}},
]


def log_with(line_no, replacement):
    """The three-event GOOD log with line ``line_no`` (1-based) replaced by ``replacement``."""
    lines = [line(obj) for obj in GOOD]
    lines[line_no - 1] = replacement if isinstance(replacement, str) else line(replacement)
    return "\n".join(lines) + "\n"


def changed(line_no, **fields):
    return {**GOOD[line_no - 1], **fields}


def without(line_no, field):
    return {k: v for k, v in GOOD[line_no - 1].items() if k != field}


class TestRoundTrip:
    def test_dumps_loads(self, events):
        """dumps then loads gives back the same events."""
        assert ps.events.loads(ps.events.dumps(events)) == list(events)

    def test_one_json_object_per_line(self, events):
        """Each event is one JSON object on its own line with exactly the event's fields."""
        lines = ps.events.dumps(events).splitlines()
        assert len(lines) == len(events)
        for number, text in enumerate(lines):
            obj = json.loads(text)
            assert set(obj) == {"seq", "time", "kind", "actor", "member", "data"}
            assert obj["seq"] == number

    def test_kinds_and_values_survive(self, events):
        """Kinds come back as EventKind and data values keep their types."""
        loaded = ps.events.loads(ps.events.dumps(events))
        closed = next(e for e in loaded if e.kind is K.ROUND_CLOSED)
        assert closed.data == {"not_reached": ["cy", "nu", "dee"]}
        amended = loaded[-1]
        assert amended.data == {"version": 2, "may_pass": False, "share_limit": None}
        ended = next(e for e in loaded if e.kind is K.SHARE_ENDED)
        assert ended.data == {"duration": 95.5}
        assert all(isinstance(e.kind, ps.EventKind) for e in loaded)

    def test_dump_and_load_a_path(self, events, tmp_path):
        """dump writes a file that load reads back, by str or Path."""
        target = tmp_path / "session.jsonl"
        ps.events.dump(events, target)
        assert ps.events.load(target) == list(events)
        assert ps.events.load(str(target)) == list(events)
        ps.events.dump(events, str(tmp_path / "again.jsonl"))
        assert (tmp_path / "again.jsonl").read_text(encoding="utf-8") == target.read_text(
            encoding="utf-8"
        )

    def test_dump_and_load_a_file_object(self, events):
        """dump and load also work with open text files."""
        buffer = io.StringIO()
        ps.events.dump(events, buffer)
        buffer.seek(0)
        assert ps.events.load(buffer) == list(events)

    def test_blank_lines_are_ignored(self):
        """Blank lines do not count as events."""
        text = "\n" + log_with(2, GOOD[1]).replace("\n", "\n\n") + "   \n"
        assert [e.seq for e in ps.events.loads(text)] == [0, 1, 2]

    def test_empty_text_is_an_empty_log(self):
        """An empty text loads as no events."""
        assert ps.events.loads("") == []

    def test_optional_fields_default(self):
        """actor, member and data may be left out of a line."""
        (event,) = ps.events.loads(line({"seq": 0, "time": 5, "kind": "opened"}))
        assert event == ps.Event(0, 5.0, K.OPENED)
        assert (event.actor, event.member, event.data) == (None, None, {})

    def test_events_carry_no_content(self):
        """Confidentiality by design: an event has no field for what was said."""
        assert {f.name for f in attrs.fields(ps.Event)} == {
            "seq",
            "time",
            "kind",
            "actor",
            "member",
            "data",
        }

    def test_events_are_frozen(self, events):
        """An event cannot be changed in place."""
        with pytest.raises(AttributeError):
            events[0].time = 9.0  # type: ignore[misc]


ids = st.text(alphabet="abcdefghij", min_size=1, max_size=5)
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    ids,
    st.lists(ids, max_size=3),
)


@st.composite
def logs(draw):
    count = draw(st.integers(0, 6))
    times = sorted(
        draw(st.lists(st.floats(0, 1e7, allow_nan=False), min_size=count, max_size=count))
    )
    return [
        ps.Event(
            seq,
            time,
            draw(st.sampled_from(list(K))),
            draw(st.none() | ids),
            draw(st.none() | ids),
            draw(st.dictionaries(ids, values, max_size=3)),
        )
        for seq, time in enumerate(times)
    ]


class TestRoundTripProperty:
    @given(logs())
    def test_any_well_formed_log_round_trips(self, log):
        """Any well-formed log survives dumps and loads unchanged."""
        assert ps.events.loads(ps.events.dumps(log)) == log


class TestMalformed:
    @pytest.mark.parametrize(
        ("line_no", "replacement", "problem"),
        [
            (2, '{"seq": 1, "time": 1.0,', "not valid JSON"),
            (3, "not json at all", "not valid JSON"),
            (1, "[1, 2]", "JSON object"),
            (2, "null", "JSON object"),
            (2, '"arrived"', "JSON object"),
            (2, without(2, "seq"), "seq"),
            (3, without(3, "time"), "time"),
            (2, without(2, "kind"), "kind"),
            (2, changed(2, seq="1"), "seq"),
            (2, changed(2, seq=True), "seq"),
            (2, changed(2, seq=1.0), "seq"),
            (3, changed(3, time="2.0"), "time"),
            (3, changed(3, time=False), "time"),
            (2, changed(2, actor=7), "actor"),
            (2, changed(2, actor=""), "actor"),
            (3, changed(3, member=["al"]), "member"),
            (2, changed(2, data=[1]), "data"),
            (2, changed(2, data={"x": {"nested": 1}}), "data"),
            (2, changed(2, data={"x": [1, 2]}), "data"),
            (2, changed(2, kind="teleported"), "kind"),
            (2, changed(2, kind=None), "kind"),
            (3, changed(3, said="what was said"), "said"),
            (2, changed(2, seq=2), "expected event number 1"),
            (3, changed(3, seq=3), "expected event number 2"),
            (1, changed(1, seq=1), "expected event number 0"),
            (3, changed(3, time=0.5), "earlier"),
        ],
    )
    def test_names_the_line(self, line_no, replacement, problem):
        """A malformed line raises LogError naming its 1-based line number and the problem."""
        with pytest.raises(ps.LogError) as info:
            ps.events.loads(log_with(line_no, replacement))
        assert info.value.line == line_no
        assert problem in str(info.value)
        assert str(info.value).startswith(f"event log line {line_no}: ")

    @pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity"])
    def test_time_must_be_finite(self, bad):
        """A time that is not a finite number is refused."""
        text = log_with(3, GOOD[2]).replace('"time": 2.0', f'"time": {bad}')
        with pytest.raises(ps.LogError) as info:
            ps.events.loads(text)
        assert info.value.line == 3

    def test_line_numbers_count_blank_lines(self):
        """Line numbers are those of the text, blank lines included."""
        text = log_with(3, changed(3, kind="teleported")).replace("\n", "\n\n", 1)
        with pytest.raises(ps.LogError) as info:
            ps.events.loads(text)
        assert info.value.line == 4

    def test_equal_times_are_in_order(self):
        """Events at the same time are fine; only going back is refused."""
        text = log_with(3, changed(3, time=1.0))
        assert [e.time for e in ps.events.loads(text)] == [0.0, 1.0, 1.0]

    def test_load_reports_the_line_too(self, tmp_path):
        """Reading a malformed file raises the same LogError."""
        path = tmp_path / "bad.jsonl"
        path.write_text(log_with(2, "{"), encoding="utf-8")
        with pytest.raises(ps.LogError) as info:
            ps.events.load(path)
        assert info.value.line == 2

    def test_log_error_is_a_value_error(self):
        """LogError is both a PeersupportError and a ValueError, and keeps line and problem."""
        error = ps.LogError(4, "broken")
        assert isinstance(error, ValueError)
        assert isinstance(error, ps.PeersupportError)
        assert (error.line, error.problem) == (4, "broken")
        assert str(error) == "event log line 4: broken"


class TestLoadBytes:
    def test_a_file_that_is_not_utf8_names_its_line(self, tmp_path):
        """Bytes that are not UTF-8 raise LogError naming the line, not UnicodeDecodeError."""
        path = tmp_path / "log.jsonl"
        good = ps.events.dumps([ps.Event(0, 0.0, ps.EventKind.OPENED, None, None, {})])
        path.write_bytes(good.encode() + b'{"seq": 1, "kind": "\xff"}\n')
        with pytest.raises(ps.LogError, match="not UTF-8") as exc:
            ps.events.load(path)
        assert exc.value.line == 2
