"""Events, their one table of kinds, and the JSON Lines codec (hostile input included)."""

from __future__ import annotations

import io
import json
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

import peersupport as ps
from peersupport.events import KINDS, Actor, Field, Need

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


@pytest.fixture
def good(session):
    """The first three lines a real session writes: opened, arrived, arrived (as dicts)."""
    return [ps.events.to_dict(e) for e in session.events[:3]]


def text_of(objs):
    return "".join(json.dumps(obj) + "\n" for obj in objs)


def log_with(good, line_no, replacement):
    """The three-line log with line ``line_no`` (1-based) replaced by ``replacement``."""
    lines = [json.dumps(obj) for obj in good]
    lines[line_no - 1] = replacement if isinstance(replacement, str) else json.dumps(replacement)
    return "\n".join(lines) + "\n"


class TestEvents:
    def test_data_cannot_be_changed(self, events):
        """An event's data refuses every change: history cannot be rewritten through it."""
        data = next(e for e in events if e.kind is K.SHARE_ENDED).data
        for change in (
            lambda: data.__setitem__("duration", 1.0),
            lambda: data.__delitem__("duration"),
            lambda: data.update(said="anything"),
            lambda: data.pop("duration"),
            lambda: data.setdefault("x", 1),
            lambda: data.clear(),
            lambda: data.popitem(),
        ):
            with pytest.raises(TypeError, match="cannot be changed"):
                change()
        assert data == {"duration": 95.5}

    def test_events_hash_and_compare(self, events):
        """Events are hashable values: equal events hash alike, a set of the log has every event."""
        copy = ps.events.loads(ps.events.dumps(events))
        assert {hash(e) for e in events} == {hash(e) for e in copy}
        assert len(set(events)) == len(events)

    def test_lists_in_data_become_tuples(self):
        """A list of ids in data is stored as a tuple, so nothing can append to it."""
        event = ps.Event(1, 0.0, K.ROUND_CLOSED, "dee", None, {"not_reached": ["al", "bo"]})
        assert event.data["not_reached"] == ("al", "bo")
        assert isinstance(event.data, ps.EventData)

    def test_data_pickles(self, events):
        """Event data survives pickling (process pools ship events between processes)."""
        assert pickle.loads(pickle.dumps(list(events))) == list(events)

    def test_events_carry_no_content(self):
        """Confidentiality by design: an event has no field for what was said."""
        event = ps.Event(3, 1.0, K.PASSED, "al", "al")
        assert len(event) == 6
        assert [event.seq, event.time, event.kind, event.actor, event.member] == list(event[:5])
        assert event.data == {}

    def test_events_are_frozen(self, events):
        """An event cannot be changed in place."""
        with pytest.raises(AttributeError):
            events[0].time = 9.0  # type: ignore[misc]

    def test_every_kind_is_described_once(self):
        """KINDS describes every event kind, each with a summary."""
        assert set(KINDS) == set(K)
        assert all(spec.kind is kind and spec.summary for kind, spec in KINDS.items())

    def test_the_log_is_a_view_not_a_copy(self, session):
        """session.events is a read-only view that keeps its length as the session goes on."""
        view = session.events
        length = len(view)
        session.advance(by="dee")
        assert len(view) == length
        assert len(session.events) == length + 1
        assert view == session.events[:length]
        assert view[-1] == session.events[length - 1]
        assert not hasattr(view, "append")


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
        assert closed.data == {"not_reached": ("cy", "nu", "dee")}
        amended = loaded[-1]
        assert amended.data == {"version": 2, "may_pass": False, "share_limit": None}
        ended = next(e for e in loaded if e.kind is K.SHARE_ENDED)
        assert ended.data == {"duration": 95.5}
        assert all(isinstance(e.kind, ps.EventKind) for e in loaded)

    def test_opened_says_what_the_session_is(self, session, group, circle):
        """The opened event records the log version, format, fingerprints and agreement."""
        data = session.events[0].data
        assert data["log"] == ps.events.LOG_VERSION == 2
        assert data["format"] == "sharing-circle"
        assert data["chart"] == circle.fingerprint
        assert data["group"] == group.fingerprint
        assert data["agreement"] == 1
        assert {k: data[k] for k in group.agreement.settings()} == group.agreement.settings()

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
        """dump and load also work with open text and binary files."""
        buffer = io.StringIO()
        ps.events.dump(events, buffer)
        buffer.seek(0)
        assert ps.events.load(buffer) == list(events)
        assert ps.events.load(io.BytesIO(buffer.getvalue().encode())) == list(events)

    def test_blank_lines_and_crlf_are_fine(self, good):
        """Blank lines do not count as events, and CRLF line ends read like LF."""
        text = "\n" + text_of(good).replace("\n", "\r\n\n") + "   \n"
        assert [e.seq for e in ps.events.loads(text)] == [0, 1, 2]

    def test_empty_text_is_an_empty_log(self):
        """An empty text loads as no events."""
        assert ps.events.loads("") == []


def _value(field: Field):
    ids = st.text(alphabet="abcdefghij", min_size=1, max_size=5)
    seconds = st.floats(0, 1e6, allow_nan=False)
    return {
        Field.ID: ids,
        Field.IDS: st.lists(ids, max_size=3).map(tuple),
        Field.NAMES: st.lists(ids, max_size=3).map(tuple),
        Field.NAME: ids,
        Field.FINGERPRINT: st.text(alphabet="0123456789abcdef", min_size=16, max_size=16),
        Field.SECONDS: seconds,
        Field.TIME: seconds,
        Field.COUNT: st.integers(0, 10**6),
        Field.FLAG: st.booleans(),
        Field.FRACTION: st.floats(0.01, 1.0),
        Field.ANY: st.one_of(st.none(), st.booleans(), st.integers(-99, 99), ids),
    }[field]


@st.composite
def events_of_any_kind(draw, seq, time):
    """A well-formed event of any kind: actor and data as its KINDS entry says."""
    spec = KINDS[draw(st.sampled_from(list(K)))]
    ids = st.text(alphabet="abcdefghij", min_size=1, max_size=5)
    engine = spec.actors == {Actor.ENGINE}
    actor = None if engine else draw(ids if Actor.ENGINE not in spec.actors else st.none() | ids)
    data = {key: draw(_value(field)) for key, field in spec.data.items()}
    for key, field in spec.optional.items():
        if draw(st.booleans()):
            data[key] = draw(_value(field))
    member = {Need.MEMBER: ids, Need.NOBODY: st.none(), Need.MAYBE: st.none() | ids}[spec.member]
    return ps.Event(seq, time, spec.kind, actor, draw(member), data)


@st.composite
def logs(draw):
    count = draw(st.integers(0, 6))
    times = sorted(draw(st.lists(st.floats(0, 1e7), min_size=count, max_size=count)))
    log = [draw(events_of_any_kind(seq, time)) for seq, time in enumerate(times)]
    if log:
        opened = {key: draw(_value(f)) for key, f in KINDS[K.OPENED].data.items()}
        log[0] = ps.Event(0, times[0], K.OPENED, None, None, {**opened, "log": 2})
        log[1:] = [e for e in log[1:] if e.kind is not K.OPENED]
        log = [e.evolve(seq=n) for n, e in enumerate(log)]
    return log


class TestRoundTripProperty:
    @given(logs())
    def test_any_well_formed_log_round_trips(self, log):
        """Any log whose events fit their kinds survives dumps and loads unchanged."""
        assert ps.events.loads(ps.events.dumps(log)) == log


class TestMalformed:
    @pytest.mark.parametrize(
        ("line_no", "edit", "problem"),
        [
            (2, '{"seq": 1, "time": 1.0,', "not valid JSON"),
            (3, "not json at all", "not valid JSON"),
            (1, "[1, 2]", "JSON object"),
            (2, "null", "JSON object"),
            (2, '"arrived"', "JSON object"),
            (2, {"drop": "seq"}, "missing seq"),
            (3, {"drop": "time"}, "missing time"),
            (2, {"drop": "actor"}, "missing actor"),
            (2, {"seq": "1"}, "seq"),
            (2, {"seq": True}, "seq"),
            (2, {"seq": 1.0}, "seq"),
            (3, {"time": "2.0"}, "time"),
            (3, {"time": False}, "time"),
            (2, {"actor": 7}, "actor"),
            (2, {"actor": ""}, "actor"),
            (2, {"actor": "al ice"}, "whitespace"),
            (2, {"actor": "al@example.org"}, "e-mail"),
            (2, {"actor": "a" * 65}, "at most 64"),
            (3, {"member": ["al"]}, "member"),
            (2, {"data": [1]}, "data"),
            (2, {"data": {"x": {"nested": 1}}}, "data"),
            (2, {"data": {"role": "newcomer", "said": "hello"}}, "data['said']"),
            (2, {"data": {"role": "a visiting newcomer who said a lot"}}, "whitespace"),
            (2, {"kind": "teleported"}, "unknown event kind"),
            (2, {"kind": None}, "kind"),
            (2, {"kind": "time_warning"}, "recorded by the engine"),
            (3, {"said": "what was said"}, "unknown 'said'"),
            (2, {"seq": 2}, "expected event number 1"),
            (3, {"seq": 3}, "expected event number 2"),
            (1, {"seq": 1}, "expected event number 0"),
            (3, {"time": -1e300}, "within"),
            (2, {"kind": "opened", "actor": None, "member": None}, "needs data"),
        ],
    )
    def test_names_the_line(self, good, line_no, edit, problem):
        """A malformed line raises LogError naming its 1-based line number and the problem."""
        if isinstance(edit, dict):
            obj = {k: v for k, v in good[line_no - 1].items() if k != edit.get("drop")}
            obj.update({k: v for k, v in edit.items() if k != "drop"})
            edit = obj
        with pytest.raises(ps.LogError) as info:
            ps.events.loads(log_with(good, line_no, edit))
        assert info.value.line == line_no
        assert problem in str(info.value)
        assert str(info.value).startswith(f"event log line {line_no}: ")

    def test_going_back_in_time(self, good):
        """An event earlier than the one before is refused."""
        good[2]["time"] = good[1]["time"] - 1
        with pytest.raises(ps.LogError, match="earlier") as info:
            ps.events.loads(text_of(good))
        assert info.value.line == 3

    @pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity", "1e400"])
    def test_time_must_be_finite(self, good, bad):
        """A time that is not a finite number is refused."""
        good[2]["time"] = "TIME"
        text = text_of(good).replace('"TIME"', bad)
        with pytest.raises(ps.LogError, match="time") as info:
            ps.events.loads(text)
        assert info.value.line == 3

    def test_line_numbers_count_blank_lines(self, good):
        """Line numbers are those of the text, blank lines included."""
        good[2]["kind"] = "teleported"
        text = text_of(good).replace("\n", "\n\n", 1)
        with pytest.raises(ps.LogError) as info:
            ps.events.loads(text)
        assert info.value.line == 4

    def test_load_reports_the_line_too(self, good, tmp_path):
        """Reading a malformed file raises the same LogError."""
        path = tmp_path / "bad.jsonl"
        path.write_text(log_with(good, 2, "{"), encoding="utf-8")
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

    def test_a_log_of_a_newer_version_is_refused(self, good):
        """A log written by a newer release says so instead of half-reading it."""
        good[0]["data"]["log"] = 3
        with pytest.raises(ps.LogError, match="version 3, written by a newer"):
            ps.events.loads(text_of(good))


class TestHostileInput:
    """Whatever the bytes, loading raises a short LogError naming the line, or succeeds."""

    def check(self, source, line, problem):
        with pytest.raises(ps.LogError) as info:
            ps.events.loads(source) if isinstance(source, str | bytes) else ps.events.load(source)
        assert info.value.line == line
        assert problem in info.value.problem
        assert len(str(info.value)) < 300
        return info.value

    def test_deep_nesting(self, good):
        """A line nested far too deep for the parser is refused."""
        self.check(log_with(good, 2, "[" * 100_000 + "]" * 100_000), 2, "nested too deeply")

    def test_huge_integers(self, good):
        """A 5,000-digit integer is refused without converting it, with a short message."""
        self.check(log_with(good, 3, '{"seq": ' + "9" * 5000 + "}"), 3, "not valid JSON")
        self.check(log_with(good, 3, {**good[2], "seq": 10**400}), 3, "seq")

    def test_a_100_mb_line_is_not_read_whole(self, good, tmp_path):
        """A 100 MB line is refused as too long, from a file, without reading it into memory."""
        path = tmp_path / "big.jsonl"
        with path.open("w", encoding="utf-8") as file:
            file.write(json.dumps(good[0]) + "\n")
            chunk = "x" * (1 << 20)
            file.write('{"seq": 1, "pad": "')
            for _ in range(100):
                file.write(chunk)
            file.write('"}\n')
        self.check(path, 2, "longer than")
        self.check(path.read_text(encoding="utf-8"), 2, "longer than")

    def test_duplicate_keys(self, good):
        """Two values for one key are refused: JSON would silently keep the last."""
        text = json.dumps(good[1])[:-1] + ', "actor": "bo"}'
        self.check(log_with(good, 2, text), 2, "duplicate key 'actor'")

    def test_a_carriage_return_inside_a_line(self, good):
        """A lone \\r inside a line does not split it; the line is refused as one."""
        broken = json.dumps(good[1]).replace(", ", ",\r", 1)
        loaded = ps.events.loads(log_with(good, 2, broken))  # \r is JSON whitespace
        assert len(loaded) == 3
        self.check(log_with(good, 2, json.dumps(good[1]) + "\r" + json.dumps(good[2])), 2, "Extra")

    def test_a_unicode_line_separator_stays_in_its_line(self, good):
        """U+2028 inside a string is part of the line (only \\n ends a line)."""
        good[1]["actor"] = "al\u2028x"
        self.check(text_of(good), 2, "actor")

    def test_invalid_utf8_from_open_files(self, good, tmp_path):
        """Invalid UTF-8 from a path, a binary file or a text file names its line."""
        path = tmp_path / "log.jsonl"
        path.write_bytes(text_of(good[:2]).encode() + b'{"seq": 2, "kind": "\xff"}\n')
        self.check(path, 3, "not UTF-8")
        with path.open("rb") as binary:
            self.check(binary, 3, "not UTF-8")
        with path.open(encoding="utf-8", newline="") as text:
            self.check(text, 3, "not UTF-8")
        self.check(path.read_bytes(), 3, "not UTF-8")

    @given(st.binary(max_size=300))
    def test_random_bytes(self, junk):
        """Random bytes after a good first line never raise anything but LogError."""
        message = ""
        try:
            ps.events.loads(b'{"seq": 0}\n' + junk)
        except ps.LogError as exc:
            message = str(exc)
        assert len(message) < 300

    def test_a_version_1_log_says_how_to_upgrade(self):
        """A log written by peersupport 0.1 is refused with the way to upgrade it."""
        with pytest.raises(ps.LogError, match="peersupport upgrade") as info:
            ps.events.load("tests/data/log-v1/demo.jsonl")
        assert info.value.line == 1
        assert "log version 1" in info.value.problem
