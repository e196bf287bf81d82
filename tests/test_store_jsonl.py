"""Recovering a JSON Lines log whose last line a crash cut short."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import peersupport as ps
from people import T0, make_group

GROUP = make_group()


def log_text(shares: int) -> str:
    """A sharing circle's log with ``shares`` shares after the check-in starts."""
    clock = ps.ManualClock(T0)
    session = ps.Session(GROUP, ps.formats.get("sharing-circle"), clock=clock)
    for member in GROUP.members:
        session.arrive(member.id)
        session.consent(member.id)
    session.advance(by="dee")
    for member in ("al", "bo", "cy")[:shares]:
        session.start_share(member)
        clock.advance(30)
        session.end_share(member)
    return ps.events.dumps(session.events)


settings_ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@settings_
@given(shares=st.integers(0, 3), cut=st.floats(0.01, 0.99))
def test_a_cut_last_line_keeps_every_complete_event(tmp_path, shares, cut):
    text = log_text(shares).encode()
    whole = ps.events.loads(text)
    last = text.rstrip(b"\n").rfind(b"\n") + 1  # where the last line starts
    at = last + max(1, int((len(text) - 1 - last) * cut))  # inside it, before its "\n"
    path = tmp_path / "cut.jsonl"
    path.write_bytes(text[:at])
    recovery = ps.store.recover_jsonl(path)
    assert list(recovery.events) == whole[:-1]
    assert recovery.cut == ps.store.Cut(line=len(whole), offset=last, dropped=at - last)
    assert not recovery.repaired
    assert path.read_bytes() == text[:at]  # not repaired unless asked
    repaired = ps.store.recover_jsonl(path, repair=True)
    assert repaired.repaired
    assert repaired.events == recovery.events
    assert path.read_bytes() == text[:last]
    assert ps.store.recover_jsonl(path).cut is None  # whole again: appending can go on


def test_a_whole_log_has_no_cut(tmp_path):
    path = tmp_path / "whole.jsonl"
    path.write_text(log_text(2), encoding="utf-8")
    recovery = ps.store.recover_jsonl(path)
    assert recovery.cut is None
    assert list(recovery.events) == ps.events.load(path)


def test_a_complete_last_line_without_its_line_break_is_kept(tmp_path):
    text = log_text(1)
    path = tmp_path / "no-newline.jsonl"
    path.write_text(text.rstrip("\n"), encoding="utf-8")
    recovery = ps.store.recover_jsonl(path)
    assert recovery.cut is None
    assert list(recovery.events) == ps.events.loads(text)


def test_a_cut_inside_a_character_is_a_cut(tmp_path):
    text = log_text(1).encode() + '{"seq":99,"kind":"\u00e9'.encode()[:-1]
    path = tmp_path / "utf8.jsonl"
    path.write_bytes(text)
    assert ps.store.recover_jsonl(path).cut is not None


def test_damage_before_the_last_line_is_not_a_crash_cut(tmp_path):
    lines = log_text(2).splitlines(keepends=True)
    lines[3] = lines[3][:10] + "\n"  # a cut in the middle: not what a crash leaves
    path = tmp_path / "damaged.jsonl"
    path.write_text("".join(lines)[:-5], encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(ps.LogError, match=r"line 4: .*\(and line \d+ was cut short\)"):
        ps.store.recover_jsonl(path, repair=True)
    assert path.read_bytes() == before  # nothing repaired


def test_a_complete_but_wrong_last_line_is_not_a_cut(tmp_path):
    text = log_text(1) + '{"seq": 999}'
    path = tmp_path / "wrong.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ps.LogError, match="an event has exactly the keys"):
        ps.store.recover_jsonl(path)


def test_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "not.db"
    path.write_text("hello, this is not SQLite\n" * 100, encoding="utf-8")
    with pytest.raises(ps.StoreError, match="cannot open the SQLite store"):
        ps.store.SqliteStore(path)
