"""The group-life commands: peersupport attendance, trends and buddies."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import peersupport as ps
from peersupport.cli import main
from people import T0, make_group
from stored import meet


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A SQLite store with group 'g' (the test group) and three weeks of sessions."""
    path = str(tmp_path / "groups.db")
    with ps.store.SqliteStore(path) as store:
        group = make_group()
        store.save_group("g", group)
        clock = ps.ManualClock(T0)
        meet(store, "s1", group, clock, ("dee", "al", "bo", "cy", "nu"))
        meet(store, "s2", group, clock, ("dee", "al", "cy"))
        meet(store, "s3", group, clock, ("dee", "al"))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_attendance_prints_ids_the_check_in_list_and_sizes(db, capsys, tmp_path):
    code, out, _ = run(
        capsys, "attendance", "--store", db, "--group-id", "g", "--csv", str(tmp_path / "a.csv")
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[:4] == [
        "session     attended  members",
        "s1                 5  dee al bo cy nu",
        "s2                 3  dee al cy",
        "s3                 2  dee al",
    ]
    assert lines[4] == "missed 2 or more in a row: ob (3), bo (2), nu (2)"  # most missed first
    assert "group size per session: 6 6 6" in out
    assert "Dee" not in out  # ids, never names
    with (tmp_path / "a.csv").open() as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(ps.attendance.COLUMNS)
    assert len(rows) == 1 + 3 * 6


def test_buddies_actions_are_recorded_and_listed(db, capsys):
    base = ("buddies", "--store", db, "--group-id", "g")
    assert run(capsys, *base, "offer", "al", "--capacity", "2", "--tag", "lang-es")[0] == 0
    code, out, _ = run(capsys, *base, "request", "nu", "--need", "lang-es")
    assert (code, out.splitlines()) == (
        0,
        ["offers: al (0/2 lang-es)", "waiting: nu (needs lang-es)"],
    )
    code, out, _ = run(capsys, *base, "pair", "--by", "dee")
    assert (code, out) == (0, "paired nu with al\n")
    code, out, _ = run(capsys, *base, "list")
    assert "pairing: nu with al (pairing-rule)" in out
    assert run(capsys, *base, "end", "nu", "al", "--reason", "completed")[0] == 0
    with ps.store.SqliteStore(db) as store:
        kinds = [e.kind.value for e in store.group_events("g")]
    assert kinds == ["buddy_offered", "buddy_requested", "paired", "pairing_ended"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("pair", "--by", "al"), "al may not pair members: only a facilitator may pair members"),
        (("pair",), "pair needs --by"),
        (("offer", "nu"), "rule 'experienced-buddy'"),
        (("offer", "al", "--tag", "Spanish please"), "must be a code"),
        (("withdraw", "bo"), "'bo' is not waiting"),
    ],
)
def test_buddies_refusals_exit_2_with_one_line(db, capsys, argv, message):
    code, out, err = run(capsys, "buddies", "--store", db, "--group-id", "g", *argv)
    assert code == 2
    assert out == ""
    assert err.startswith("peersupport: error: ")
    assert message in err
    with ps.store.SqliteStore(db) as store:
        assert store.group_events("g") == []


def test_a_missing_store_or_group_is_an_error_that_creates_nothing(tmp_path, capsys, db):
    missing = tmp_path / "nope.db"
    code, _, err = run(capsys, "attendance", "--store", str(missing), "--group-id", "g")
    assert (code, missing.exists()) == (2, False)
    assert "no store at" in err
    code, _, err = run(capsys, "attendance", "--store", db, "--group-id", "h")
    assert code == 2
    assert "'h' is not in the store" in err


@pytest.mark.sim
def test_trends_prints_hidden_means_as_dashes_and_writes_csv(db, capsys, tmp_path):
    with ps.store.SqliteStore(db) as store:
        for member in ("dee", "al", "bo", "cy", "nu"):
            store.give_feedback("s1", member, {"felt-safe": 8})
        store.give_feedback("s2", "al", {"felt-safe": 2})
    target = tmp_path / "t.csv"
    plot = tmp_path / "t.png"
    code, out, _ = run(
        capsys, "trends", "--store", db, "--group-id", "g", "--csv", str(target),
        "--plot", str(plot),
    )  # fmt: skip
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split()[:5] == ["s1", "5", "8.0", "-", "-"]
    assert lines[2].split()[:5] == ["s2", "1", "-", "-", "-"]
    assert f"peersupport: wrote {target} (3 rows)" in out
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_agreement_amend_and_history(db, capsys, tmp_path):
    base = ("agreement", "--store", db, "--group-id", "g")
    code, out, _ = run(
        capsys, *base, "amend", "share_limit=120", "warn_at=90", "--proposed-by", "cy",
        "--how", "consensus",
    )  # fmt: skip
    assert (code, out) == (0, "agreement v2 (group version 2)\n")
    guidelines = tmp_path / "guidelines.txt"
    guidelines.write_text("Be kind.\n\nSpeak for yourself.\n", encoding="utf-8")
    assert run(
        capsys, *base, "amend", "--guidelines", str(guidelines), "--proposed-by", "dee",
        "--how", "facilitator",
    )[0] == 0  # fmt: skip
    code, out, _ = run(capsys, *base, "history")
    assert out.splitlines() == [
        "version  group  proposed by  how          session",
        "v1           1  -            initial      -",
        "v2           2  cy           consensus    -",
        "v3           3  dee          facilitator  -",
    ]
    with ps.store.SqliteStore(db) as store:
        agreement = store.group("g").group.agreement
    assert (agreement.share_limit, agreement.guidelines) == (
        120,
        ("Be kind.", "Speak for yourself."),
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("share_limit=abc",), "share_limit must be a number"),
        (("share_limit",), "a change is SETTING=VALUE"),
        (("colour=blue",), "unknown agreement setting"),
        ((), "an amendment changes something"),
    ],
)
def test_agreement_refusals_exit_2_and_store_nothing(db, capsys, argv, message):
    base = ("agreement", "--store", db, "--group-id", "g", "amend", *argv)
    code, out, err = run(capsys, *base, "--proposed-by", "cy", "--how", "consensus")
    assert (code, out) == (2, "")
    assert message in err
    assert len(err.splitlines()) == 1
    with ps.store.SqliteStore(db) as store:
        assert len(store.group_versions("g")) == 1
