"""Research on a stored group: its export (ps.research.store_export) and its tables (sim)."""

from __future__ import annotations

import json

import pytest

import peersupport as ps
from people import T0, make_group
from stored import meet

KEY = b"k" * 32


@pytest.fixture
def history(store: ps.store.Store) -> ps.store.Store:
    """Open group 'g': s1 with visitor vi and cy; cy removed; s2 ended; s3 still running."""
    return stored_history(store)


def stored_history(store: ps.store.Store) -> ps.store.Store:
    """Fill ``store`` as :func:`history` describes."""
    group = make_group(closed=False)
    store.save_group("g", group)
    clock = ps.ManualClock(T0)
    meet(store, "s1", group, clock, ("dee", "al", "cy"), visitors=(("vi", "member"),))
    smaller = group.without_member("cy")
    store.save_group("g", smaller)
    meet(store, "s2", smaller, clock, ("dee", "al", "bo"))
    meet(store, "s3", smaller, clock, ("dee",), end=False)
    return store


def test_each_ended_session_is_exported_with_its_own_group_version(history):
    export = ps.research.store_export(history, "g", key=KEY)
    assert export.manifest.sessions == 2
    s1, s2 = export.sessions
    cy = ps.research.pseudonym(KEY, "cy")
    arrived_s1 = [e.member for e in s1 if e.kind is ps.EventKind.ARRIVED]
    assert cy in arrived_s1  # a member then, though no longer
    assert any(m.startswith("v-") for m in arrived_s1)  # the visitor, per session
    assert [e.member for e in s2 if e.kind is ps.EventKind.ARRIVED] == [
        ps.research.pseudonym(KEY, m) for m in ("dee", "al", "bo")
    ]
    assert export.manifest.members == 4  # dee, al, cy, bo
    same = ps.research.research_export([history.events("s1")], history.group("g", 1).group, key=KEY)
    assert same.sessions[0] == s1


def test_the_export_holds_no_id_or_name(history, tmp_path):
    export = ps.research.store_export(history, "g", key=KEY, visitors="drop", shift_times=True)
    written = export.write(tmp_path / "export")
    text = " ".join(p.read_text() for p in written)
    words = set(json.dumps(text).replace('"', " ").replace(",", " ").split())
    for secret in ("dee", "al", "bo", "cy", "vi", "Dee", "Thursday"):
        assert secret not in words
    assert export.sessions[0][0].time == 0.0
    assert all(e.member != "vi" for s in export.sessions for e in s)


def test_one_group_per_log_or_a_clear_error(history):
    with pytest.raises(ValueError, match="2 logs but 1 groups"):
        ps.research.research_export(
            [history.events("s1"), history.events("s2")], [make_group()], key=KEY
        )
    with pytest.raises(ps.StoreError, match="'h' is not in the store"):
        ps.research.store_export(history, "h", key=KEY)


@pytest.mark.sim
def test_store_tables_measure_each_session_as_log_metrics_does(tmp_path):
    from peersupport import sim

    history = stored_history(ps.store.SqliteStore(tmp_path / "s.db"))  # SQLite: a sim-only run

    sessions, members = sim.store_tables(history, "g")
    assert list(sessions["session_id"]) == ["s1", "s2"]
    assert list(sessions["group_version"]) == [1, 2]
    for number, sid in enumerate(("s1", "s2")):
        version = int(sessions.loc[number, "group_version"])
        metrics, rows = sim.log_metrics(
            history.group("g", version).group, ps.formats.get("sharing-circle"), history.events(sid)
        )
        for column, value in metrics.items():
            got = sessions.loc[number, column]
            assert got == value or (got != got and value != value), column  # nan == nan
        mine = members[members["session_id"] == sid]
        assert list(mine["member"]) == [row["member"] for row in rows]
    assert "cy" in set(members[members["session_id"] == "s1"]["member"])
    with pytest.raises(ps.StoreError):
        sim.store_tables(history, "h")


def test_the_export_command_writes_what_store_export_gives(history, store_url, tmp_path, capsys):
    from peersupport.cli import main

    url = store_url  # where `history` lives
    (tmp_path / "k").write_bytes(KEY)
    out = tmp_path / "cli"
    code = main(["export", "--store", url, "--group-id", "g", "--key-file", str(tmp_path / "k"),
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    assert "wrote 2 session(s)" in capsys.readouterr().out
    expected = ps.research.store_export(history, "g", key=KEY)
    assert [ps.events.load(out / f"session-000{n}.jsonl") for n in (1, 2)] == [
        list(s) for s in expected.sessions
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--key-file", "short"], "holds 5 bytes; at least 16"),
        (["--key-file", "nope"], "cannot read the key file"),
        (["--key-file", "k", "--group-id", "g"], "give log files and --group"),
        (["--key-file", "k", "--store", "missing.db", "--group-id", "g"], "no store at"),
        (["--key-file", "k", "--store", "missing.db"], "give --store with --group-id"),
    ],
)
def test_the_export_command_refuses_bad_input(tmp_path, capsys, monkeypatch, argv, message):
    from peersupport.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "short").write_bytes(b"12345")
    (tmp_path / "k").write_bytes(KEY)
    assert main(["export", *argv, "--out", "out"]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "missing.db").exists()
