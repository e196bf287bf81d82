"""The event store: one suite, run against SQLite and against a real PostgreSQL server."""

from __future__ import annotations

import contextlib
import io
import threading
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import peersupport as ps
from peersupport.testing import action_sequences, groups
from people import T0, make_group

CIRCLE = ps.formats.get("sharing-circle")


def started(group: ps.Group, clock: ps.ManualClock | None = None) -> ps.Session:
    """A sharing circle with everyone arrived and consented, in its check-in."""
    session = ps.Session(group, CIRCLE, clock=clock or ps.ManualClock(T0))
    for member in group.members:
        session.arrive(member.id)
        session.consent(member.id)
    session.advance(by=group.facilitators[0].id)
    return session


def stored(store: ps.store.Store, session: ps.Session, sid: str = "s1") -> int:
    """Store the session so far under ``sid``; return the stored length."""
    store.start_session(sid, "g", session.events)
    return len(session.events)


@pytest.fixture
def group(store: ps.store.Store) -> ps.Group:
    """The test group, saved in the store as group 'g'."""
    made = make_group()
    store.save_group("g", made)
    return made


def snapshot(store: ps.store.Store) -> tuple[object, ...]:
    """Everything the store holds, to show a refused request changed nothing."""
    sessions = store.sessions()
    return (
        tuple(sessions),
        tuple(tuple(store.events(s.session_id)) for s in sessions),
        tuple(store.group_versions("g")),
    )


class TestGroups:
    def test_a_version_per_change_and_none_for_no_change(self, store):
        group = make_group()
        first = store.save_group("g", group)
        assert (first.version, first.group) == (1, group)
        assert store.save_group("g", group) == first  # unchanged: no new version
        renamed = ps.Group("Renamed circle", group.roles, agreement=group.agreement)
        second = store.save_group("g", renamed)
        assert second.version == 2
        assert store.group("g").group == renamed
        assert store.group("g", 1).group == group
        assert [r.version for r in store.group_versions("g")] == [1, 2]
        assert store.group_versions("nobody") == []

    def test_unknown_group(self, store):
        with pytest.raises(ps.StoreError, match="group 'nope' is not in the store"):
            store.group("nope")
        store.save_group("g", make_group())
        with pytest.raises(ps.StoreError, match="version 9 of group 'g'"):
            store.group("g", 9)


class TestSessions:
    def test_restore_by_id_equals_the_live_session(self, store, group):
        clock = ps.ManualClock(T0)
        session = started(group, clock)
        length = stored(store, session)
        session.start_share("al")
        clock.advance(30)
        length = store.append("s1", session.events[length:], expected=length)
        assert length == len(session.events)
        restored = store.restore("s1", clock=clock)
        assert restored.state == session.state
        assert restored.events == session.events
        record = store.session("s1")
        assert (record.group_id, record.group_version, record.format) == ("g", 1, CIRCLE.name)
        assert (record.chart, record.length, record.ended) == (CIRCLE.fingerprint, length, False)
        assert record.opened_at == T0

    def test_restore_carries_on_with_a_real_clock_by_default(self, store, group):
        session = started(group, ps.ManualClock(T0))
        stored(store, session)
        restored = store.restore("s1")
        assert isinstance(restored.clock, ps.SystemClock)

    def test_a_session_restores_with_the_group_version_it_ran_under(self, store, group):
        session = started(group)
        stored(store, session)
        changed = group.with_agreement(group.agreement.amend(share_limit=600.0))
        assert store.save_group("g", changed).version == 2
        assert store.restore("s1", clock=ps.ManualClock(T0)).state == session.state
        assert store.session("s1").group_version == 1

    def test_sessions_of_a_group_in_the_order_they_opened(self, store, group):
        other = ps.Group("Other", group.roles, agreement=group.agreement.amend(share_limit=900.0))
        store.save_group("h", other)
        store.start_session("late", "g", started(group, ps.ManualClock(T0 + 50)).events)
        store.start_session("early", "g", started(group, ps.ManualClock(T0)).events)
        store.start_session("elsewhere", "h", started(other).events)
        assert [s.session_id for s in store.sessions("g")] == ["early", "late"]
        assert {s.session_id for s in store.sessions()} == {"early", "late", "elsewhere"}

    def test_an_ended_session_is_closed(self, store, group):
        session = started(group)
        length = stored(store, session)
        session.end(by="dee")
        length = store.append("s1", session.events[length:], expected=length)
        assert store.session("s1").ended
        assert store.restore("s1", clock=ps.ManualClock(T0)).status is ps.SessionStatus.ENDED
        late = ps.Event(length, T0, ps.EventKind.ARRIVED, "al", "al")
        with pytest.raises(ps.StoreError, match="has ended"):
            store.append("s1", [late], expected=length)

    def test_an_empty_append_writes_nothing(self, store, group):
        length = stored(store, started(group))
        assert store.append("s1", [], expected=length) == length


class TestConcurrency:
    def test_a_stale_writer_gets_a_conflict_and_writes_nothing(self, store, store_url, group):
        session = started(group)
        length = stored(store, session)
        with ps.store.open_store(store_url) as second:  # another process, say
            rival = second.restore("s1", clock=ps.ManualClock(T0))
            rival.start_share("al")
            second.append("s1", rival.events[length:], expected=length)
        session.pass_turn("al")
        before = snapshot(store)
        with pytest.raises(ps.StoreConflict, match="another writer appended first") as caught:
            store.append("s1", session.events[length:], expected=length)
        assert (caught.value.expected, caught.value.actual) == (length, length + 1)
        assert snapshot(store) == before
        # The loser reloads and finds the winner's share.
        assert store.restore("s1", clock=ps.ManualClock(T0)).floor.holder == "al"

    def test_racing_writers_exactly_one_wins(self, store_url, group):
        with ps.store.open_store(store_url) as store:
            session = started(group)
            length = stored(store, session)
        barrier = threading.Barrier(4)
        outcomes: list[str] = []

        def write(member: str) -> None:
            with ps.store.open_store(store_url) as mine:
                copy = mine.restore("s1", clock=ps.ManualClock(T0))
                copy.pass_turn(member) if member != "al" else copy.start_share("al")
                barrier.wait()
                try:
                    mine.append("s1", copy.events[length:], expected=length)
                    outcomes.append("won")
                except ps.StoreConflict:
                    outcomes.append("lost")

        threads = [threading.Thread(target=write, args=(m,)) for m in ("al", "al", "al", "al")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["lost", "lost", "lost", "won"]
        with ps.store.open_store(store_url) as store:
            assert store.session("s1").length == length + 1

    def test_creating_one_session_twice(self, store, group):
        stored(store, started(group))
        with pytest.raises(ps.StoreError, match="already in the store"):
            stored(store, started(group))


class TestRefusals:
    """Each refused request names the problem and leaves the store exactly as it was."""

    @pytest.mark.parametrize(
        ("events", "message"),
        [
            (lambda s, n: [s.events[n - 1]], r"expected event number \d+, found"),
            (
                lambda s, n: [ps.Event(n, T0 - 1, ps.EventKind.ARRIVED, "al", "al")],
                "earlier than the one before",
            ),
            (lambda s, n: [s.events[0]], "expected event number"),
            (
                lambda s, n: [
                    ps.Event(n, T0 + 9, ps.EventKind.OPENED, None, None, s.events[0].data)
                ],
                "only one",
            ),
            (
                lambda s, n: [
                    ps.Event(n, T0 + 9, ps.EventKind.ENDED, "dee", None, {"phase": "check-in"}),
                    ps.Event(n + 1, T0 + 9, ps.EventKind.ARRIVED, "al", "al"),
                ],
                "no event may follow 'ended'",
            ),
            (lambda s, n: ["not an event"], "is not an Event"),
        ],
    )
    def test_events_that_do_not_continue_the_log(self, store, group, events, message):
        session = started(group)
        length = stored(store, session)
        before = snapshot(store)
        with pytest.raises(ps.StoreError, match=message):
            store.append("s1", events(session, length), expected=length)
        assert snapshot(store) == before

    def test_unknown_session(self, store, group):
        with pytest.raises(ps.StoreError, match="session 'nope' is not in the store"):
            store.append("nope", started(group).events, expected=0)
        for read in (store.session, store.events, store.restore):
            with pytest.raises(ps.StoreError, match="'nope' is not in the store"):
                read("nope")

    def test_a_session_of_another_group_version(self, store, group):
        other = group.with_agreement(group.agreement.amend(share_limit=450.0))
        store.save_group("g", other)  # version 2 is now the newest
        before = snapshot(store)
        with pytest.raises(ps.StoreError, match="version 2 of group 'g' has fingerprint"):
            store.start_session("s1", "g", started(group).events)
        assert snapshot(store) == before
        store.start_session("s1", "g", started(group).events, group_version=1)
        assert store.session("s1").group_version == 1

    @pytest.mark.parametrize("bad", ["", "has space", "x" * 200])
    def test_bad_ids(self, store, group, bad):
        with pytest.raises(ValueError, match="session_id"):
            store.start_session(bad, "g", started(group).events)
        with pytest.raises(ValueError, match="group_id"):
            store.save_group(bad, group)

    def test_a_log_that_does_not_start_with_opened(self, store, group):
        with pytest.raises(ps.StoreError, match="starts with its 'opened' event"):
            store.start_session("s1", "g", started(group).events[1:])


class TestJsonLines:
    def test_export_then_import_is_the_same_session(self, store, group, tmp_path):
        session = started(group)
        session.start_share("al")
        stored(store, session)
        path = tmp_path / "s1.jsonl"
        assert store.export_jsonl("s1", path) == len(session.events)
        assert path.read_text(encoding="utf-8") == ps.events.dumps(session.events)
        record = store.import_jsonl(str(path), session_id="copy", group_id="g")
        assert record.length == len(session.events)
        assert store.events("copy") == list(session.events)
        text = io.StringIO()
        store.export_jsonl("copy", text)
        assert text.getvalue() == path.read_text(encoding="utf-8")
        with path.open(encoding="utf-8") as file:  # an open file, and a list of events
            assert store.import_jsonl(file, session_id="again", group_id="g").length == len(
                session.events
            )
        assert store.import_jsonl(session.events, session_id="list", group_id="g").ended is False

    def test_a_log_of_another_group_is_not_imported(self, store, group, tmp_path):
        other = group.with_agreement(group.agreement.amend(share_limit=450.0))
        path = tmp_path / "other.jsonl"
        ps.events.dump(started(other).events, path)
        before = snapshot(store)
        with pytest.raises(ps.LogError, match="line 1: the log was written for another group"):
            store.import_jsonl(path, session_id="s1", group_id="g")
        assert snapshot(store) == before

    def test_an_empty_log_is_not_imported(self, store, group):
        with pytest.raises(ps.LogError, match="the log is empty"):
            store.import_jsonl([], session_id="s1", group_id="g")


class TestStoredDataIsChecked:
    def test_a_corrupted_row_names_its_line(self, store, group):
        stored(store, started(group))
        with store.transaction() as run:
            run("UPDATE ps_events SET kind = 'shouted' WHERE seq = 2")
        with pytest.raises(ps.LogError, match="line 3: unknown event kind 'shouted'"):
            store.events("s1")

    def test_a_store_of_a_newer_release_is_refused(self, store_url, store):
        with store.transaction() as run:
            run("UPDATE ps_meta SET value = '99' WHERE key = 'schema'")
        with pytest.raises(ps.StoreError, match="schema version 99, written by a newer"):
            ps.store.open_store(store_url)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_every_action_stored_as_it_happens_restores_the_live_session(store, data):
    """Store each step's events as they happen; the store always restores the live state."""
    fmt = ps.formats.get(data.draw(st.sampled_from(ps.formats.names())))
    group = data.draw(groups(min_facilitators=fmt.facilitators))
    gid = uuid.uuid4().hex
    store.save_group(gid, group)
    clock = ps.ManualClock(T0)
    session = ps.Session(group, fmt, clock=clock)
    sid = uuid.uuid4().hex
    store.start_session(sid, gid, session.events)
    length = len(session.events)
    for step in data.draw(action_sequences(group, fmt, max_size=25)):
        with contextlib.suppress(ps.ActionRejected, ValueError):
            step.perform(session)
        length = store.append(sid, session.events[length:], expected=length)
        assert store.session(sid).length == len(session.events)
    assert store.restore(sid, clock=ps.ManualClock(clock.now())).state == session.state
    assert store.events(sid) == list(session.events)
