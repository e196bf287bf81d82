"""The ``peersupport`` command line: formats, show, diagram, demo --save-*, replay, errors."""

import json
import subprocess
import sys
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import peersupport as ps
from peersupport.cli import main
from peersupport.config import group_from_dict, group_to_dict
from peersupport.demo import demo_group, demo_session, run_demo
from peersupport.testing.strategies import groups

BUILT_IN = {
    "dbsa": "peersupport.formats.dbsa",
    "free-discussion": "peersupport.formats.free_discussion",
    "open-sharing": "peersupport.formats.open_sharing",
    "orientation": "peersupport.formats.orientation",
    "peer-support-group": "peersupport.formats.peer_support_group",
    "sharing-circle": "peersupport.formats.sharing_circle",
    "smart-recovery": "peersupport.formats.smart_recovery",
    "speaker-meeting": "peersupport.formats.speaker_meeting",
    "talking-piece-circle": "peersupport.formats.talking_piece_circle",
    "twelve-step": "peersupport.formats.twelve_step",
}


def run(capsys, *argv):
    """Run the command line; return (exit code, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, out, err, *fragments):
    """Exit 2, nothing on stdout, one `peersupport: error:` line naming the fragments."""
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert err.startswith("peersupport: error: ")
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def phase_blocks(out):
    """The `show` output's phase blocks: [(header, {label: value})] in printed order."""
    blocks = []
    section = out.split("Phases, in order", 1)[1].split("\nTransitions:", 1)[0]
    for line in section.splitlines()[1:]:
        if not line.strip():
            continue
        if not line.startswith(" "):
            blocks.append((line, {}))
        else:
            label, value = line.strip().split("  ", 1)
            blocks[-1][1][label] = value.strip()
    return blocks


def transition_rows(out):
    """The `show` output's transitions as tuples of cells (without the heading)."""
    rows = out.split("\nTransitions:\n", 1)[1].splitlines()
    return [tuple(row.split()) for row in rows[1:]]


@pytest.fixture
def saved(tmp_path, capsys):
    """The demo (seed 3) saved with --save-log and --save-group: (log path, group path)."""
    log, group = tmp_path / "demo.jsonl", tmp_path / "group.json"
    code, _out, _err = run(capsys, "demo", "--seed", "3", "--save-log", log, "--save-group", group)
    assert code == 0
    return log, group


class TestFormats:
    def test_lists_every_format_with_its_plugin(self, capsys):
        """The built-in formats and the example plugin's lightning-round show their plugin."""
        code, out, _err = run(capsys, "formats")
        assert code == 0
        rows = [line.split() for line in out.splitlines()[1:]]
        plugins = {row[0]: row[-1] for row in rows}
        assert plugins == {**BUILT_IN, "lightning-round": "lightning"}

    def test_shows_titles_in_aligned_columns(self, capsys):
        """Each row shows the format's title, and the columns start where the headings do."""
        _code, out, _err = run(capsys, "formats")
        header, *rows = out.splitlines()
        title_at, plugin_at = header.index("title"), header.index("plugin")
        for row in rows:
            name = row.split()[0]
            fmt = ps.formats.get(name)
            assert row[title_at:].startswith(fmt.title)
            assert row[plugin_at:] == ps.formats.installed()[name]


class TestShow:
    def test_sharing_circle_phases_in_chart_order(self, capsys):
        """The phases are listed in the order the chart declares them, initial and final marked."""
        code, out, _err = run(capsys, "show", "sharing-circle")
        assert code == 0
        headers = [header for header, _details in phase_blocks(out)]
        assert headers == [
            "1. opening: Opening (initial)",
            "2. check_in: Check-in",
            "3. sharing: Sharing",
            "4. check_out: Check-out",
            "5. closing: Closing (final)",
        ]

    def test_sharing_circle_policies_and_limits(self, capsys):
        """Each phase shows its turn policy, budget, share limit, warning, hard cap and flags."""
        _code, out, _err = run(capsys, "show", "sharing-circle")
        details = dict(phase_blocks(out))
        assert details["2. check_in: Check-in"] == {
            "turn policy": "seat-order",
            "budget": "15:00",
            "share limit": "2:00",
            "warning": "1:30",
            "hard cap": "agreement",
            "cross-talk": "no",
            "counts as sharing": "yes",
            "rules": "-",
        }
        opening = details["1. opening: Opening (initial)"]
        assert opening["turn policy"] == "facilitator-only"
        assert opening["share limit"] == "untimed"
        assert opening["counts as sharing"] == "no"
        assert details["3. sharing: Sharing"]["share limit"] == "agreement"
        assert details["5. closing: Closing (final)"]["budget"] == "none"

    def test_transitions_with_events_and_guards(self, capsys):
        """The transitions are listed with their event, source, target and guards."""
        _code, out, _err = run(capsys, "show", "sharing-circle")
        assert transition_rows(out) == [
            ("advance", "opening", "check_in", "-"),
            ("advance", "check_in", "sharing", "round_complete"),
            ("advance", "sharing", "check_out", "round_complete"),
            ("new_round", "sharing", "sharing", "round_complete"),
            ("advance", "check_out", "closing", "round_complete"),
        ]

    def test_facilitators_rules_and_plugin(self, capsys):
        """The facilitators count, a phase's extra rules and the providing plugin appear."""
        _code, out, _err = run(capsys, "show", "peer-support-group")
        assert out.splitlines()[0].endswith("(from peersupport.formats.peer_support_group)")
        assert "Facilitators: 2" in out.splitlines()
        assert any(d["rules"] == "share-the-air" for _h, d in phase_blocks(out))

    def test_plugin_format(self, capsys):
        """A plugin's format shows too, with its own hard cap."""
        _code, out, _err = run(capsys, "show", "lightning-round")
        details = dict(phase_blocks(out))
        assert details["2. lightning: Lightning check-in"]["hard cap"] == "yes"
        assert details["2. lightning: Lightning check-in"]["share limit"] == "1:00"

    @pytest.mark.parametrize("name", sorted([*BUILT_IN, "lightning-round"]))
    def test_every_phase_of_every_format(self, capsys, name):
        """Every installed format shows all of its phases and all of its transitions."""
        fmt = ps.formats.get(name)
        code, out, _err = run(capsys, "show", name)
        assert code == 0
        ids = [header.split(":")[0].split(". ")[1] for header, _d in phase_blocks(out)]
        assert ids == list(fmt.phases)
        expected = [
            (t.event, t.source, t.target) for p in fmt.phases.values() for t in p.transitions
        ]
        assert [row[:3] for row in transition_rows(out)] == expected

    def test_unknown_format(self, capsys):
        """An unknown format: exit 2 and one line naming it and listing the installed ones."""
        code, out, err = run(capsys, "show", "knitting-circle")
        installed = ", ".join(ps.formats.names())
        assert_one_line_error(code, out, err)
        assert err == (
            f"peersupport: error: unknown format 'knitting-circle' (installed: {installed})\n"
        )


class TestDiagram:
    @pytest.mark.parametrize("name", ["sharing-circle", "twelve-step", "lightning-round"])
    def test_prints_the_mermaid_chart(self, capsys, name):
        """Without -o the output is exactly Format.mermaid()."""
        code, out, _err = run(capsys, "diagram", name)
        assert code == 0
        assert out == ps.formats.get(name).mermaid()

    def test_mmd_file_is_raw_mermaid(self, capsys, tmp_path):
        """-o FILE.mmd writes the raw diagram."""
        target = tmp_path / "circle.mmd"
        code, out, _err = run(capsys, "diagram", "sharing-circle", "-o", target)
        assert code == 0
        assert target.read_text(encoding="utf-8") == ps.formats.get("sharing-circle").mermaid()
        assert str(target) in out

    def test_md_file_is_fenced(self, capsys, tmp_path):
        """-o FILE.md wraps the diagram in a ```mermaid fence."""
        target = tmp_path / "circle.md"
        assert run(capsys, "diagram", "dbsa", "--output", target)[0] == 0
        text = target.read_text(encoding="utf-8")
        chart = ps.formats.get("dbsa").mermaid()
        assert text == f"```mermaid\n{chart.rstrip()}\n```\n"

    def test_other_suffix_is_refused(self, capsys, tmp_path):
        """Any other suffix: exit 2, one line, and no file written."""
        target = tmp_path / "circle.txt"
        assert_one_line_error(*run(capsys, "diagram", "dbsa", "-o", target), "circle.txt", ".md")
        assert not target.exists()

    def test_unwritable_file(self, capsys, tmp_path):
        """A file that cannot be written: exit 2 and one line naming it."""
        target = tmp_path / "missing-dir" / "circle.md"
        assert_one_line_error(*run(capsys, "diagram", "dbsa", "-o", target), str(target))

    def test_unknown_format(self, capsys):
        """An unknown format: exit 2 and one line naming it."""
        assert_one_line_error(*run(capsys, "diagram", "nope"), "unknown format 'nope'")


class TestDemoSave:
    def test_stdout_is_still_the_demo(self, capsys, tmp_path):
        """Saving does not change what the demo prints; a notice goes to stderr."""
        log, group = tmp_path / "d.jsonl", tmp_path / "g.json"
        code, out, err = run(capsys, "demo", "--seed", 3, "--save-log", log, "--save-group", group)
        assert code == 0
        assert out.splitlines() == list(run_demo(3))
        assert f"peersupport replay {log} --group {group}" in err

    def test_saves_the_demo_log_and_group(self, saved):
        """The saved log is the demo session's events; the saved group is the demo's group."""
        log, group = saved
        assert ps.events.load(log) == list(demo_session(3).events)
        loaded = ps.load_group(group)
        assert loaded == demo_group()
        assert loaded.members == demo_group().members  # seat order too

    def test_save_only_the_log(self, capsys, tmp_path):
        """--save-log alone writes only the log."""
        log = tmp_path / "only.jsonl"
        code, _out, err = run(capsys, "demo", "--save-log", log)
        assert code == 0
        assert ps.events.load(log) == list(demo_session(7).events)
        assert list(tmp_path.iterdir()) == [log]
        assert "wrote" in err

    def test_unwritable_file(self, capsys, tmp_path):
        """A file that cannot be written: exit 2, one line, and no demo printed."""
        target = tmp_path / "missing-dir" / "g.json"
        assert_one_line_error(*run(capsys, "demo", "--save-group", target), "cannot write")


class TestReplay:
    def test_prints_the_demo_timeline_and_fairness(self, capsys, saved):
        """Replaying the saved demo prints the same timeline and fairness table as the demo."""
        log, group = saved
        code, out, _err = run(capsys, "replay", log, "--group", group)
        assert code == 0
        demo = list(run_demo(3))
        lines = out.splitlines()
        assert lines[0] == f"peersupport replay: Thursday circle, Sharing circle, {log}"
        demo_end, end = demo.index(""), lines.index("")
        timeline_of = lines[end + 1 : lines.index("", end + 1)]
        assert timeline_of == demo[demo_end + 1 : demo.index("", demo_end + 1)]
        demo_table = demo.index(next(line for line in demo if line.startswith("Fairness")))
        table = lines.index("Fairness summary (sharing phases only):")
        assert lines[table + 1 :] == demo[demo_table + 1 :]

    def test_garbled_line(self, capsys, saved):
        """A line cut in the middle: exit 2, one line naming the file and the line."""
        log, group = saved
        text = log.read_text(encoding="utf-8")
        cut = text[: text.index("\n", len(text) // 2) - 10]
        log.write_text(cut, encoding="utf-8")
        line = cut.count("\n") + 1
        code, out, err = run(capsys, "replay", log, "--group", group)
        assert_one_line_error(code, out, err, f"{log}: line {line}: not valid JSON")

    def test_tampered_line(self, capsys, saved):
        """An edited event: exit 2, one line naming the line and why it does not replay."""
        log, group = saved
        lines = log.read_text(encoding="utf-8").splitlines()
        event = json.loads(lines[4])
        assert event["kind"] == "consented"
        event["actor"] = "bo" if event["member"] != "bo" else "al"
        lines[4] = json.dumps(event)
        log.write_text("\n".join(lines) + "\n", encoding="utf-8")
        code, out, err = run(capsys, "replay", log, "--group", group)
        assert_one_line_error(code, out, err, f"{log}: line 5: ", "refused on re-enactment")

    def test_reordered_lines(self, capsys, saved):
        """Two events swapped: exit 2, naming the first line out of order."""
        log, group = saved
        lines = log.read_text(encoding="utf-8").splitlines()
        lines[10], lines[11] = lines[11], lines[10]
        log.write_text("\n".join(lines) + "\n", encoding="utf-8")
        code, out, err = run(capsys, "replay", log, "--group", group)
        assert_one_line_error(code, out, err, f"{log}: line 11: ")

    def test_wrong_group(self, capsys, saved, tmp_path):
        """Another group (a member fewer): refused at line 1, naming the group's fingerprint."""
        log, group = saved
        data = json.loads(group.read_text(encoding="utf-8"))
        data["members"] = [m for m in data["members"] if m["id"] != "cy"]
        other = tmp_path / "other.json"
        other.write_text(json.dumps(data), encoding="utf-8")
        code, out, err = run(capsys, "replay", log, "--group", other)
        fingerprint = ps.load_group(other).fingerprint
        assert_one_line_error(code, out, err, "line 1: ", "another group", fingerprint)

    def test_unknown_format_in_log(self, capsys, saved):
        """A log of a format that is not installed: exit 2, naming line 1 and the format."""
        log, group = saved
        lines = log.read_text(encoding="utf-8").splitlines()
        first = json.loads(lines[0])
        first["data"]["format"] = "knitting-circle"
        log.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n", encoding="utf-8")
        code, out, err = run(capsys, "replay", log, "--group", group)
        assert_one_line_error(code, out, err, "line 1: ", "'knitting-circle'", "not installed")

    def test_log_without_format(self, capsys, saved):
        """A first event that names no format: exit 2, naming line 1."""
        log, group = saved
        lines = log.read_text(encoding="utf-8").splitlines()
        first = json.loads(lines[0])
        del first["data"]["format"]
        log.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n", encoding="utf-8")
        code, out, err = run(capsys, "replay", log, "--group", group)
        assert_one_line_error(code, out, err, "line 1: an 'opened' event needs data['format']")

    def test_unfinished_session(self, capsys, saved):
        """A log that stops before the session ended replays, and says so."""
        log, group = saved
        lines = log.read_text(encoding="utf-8").splitlines()
        log.write_text("\n".join(lines[:30]) + "\n", encoding="utf-8")
        code, out, _err = run(capsys, "replay", log, "--group", group)
        assert code == 0
        assert "(the log ends here; the session had not ended)" in out
        assert "ends the session" not in out

    def test_empty_log(self, capsys, saved):
        """An empty log: exit 2 and one line."""
        log, group = saved
        log.write_text("", encoding="utf-8")
        assert_one_line_error(*run(capsys, "replay", log, "--group", group), "the log is empty")

    def test_log_not_text(self, capsys, saved):
        """A log that is not UTF-8 text: exit 2 and one line."""
        log, group = saved
        log.write_bytes(b"\xff\xfe\x00")
        assert_one_line_error(*run(capsys, "replay", log, "--group", group), "not UTF-8")

    def test_missing_files(self, capsys, saved, tmp_path):
        """A missing log or group file: exit 2 and one line naming it."""
        log, group = saved
        missing = tmp_path / "nowhere.jsonl"
        assert_one_line_error(*run(capsys, "replay", missing, "--group", group), str(missing))
        assert_one_line_error(*run(capsys, "replay", log, "--group", missing), str(missing))

    def test_bad_group_file(self, capsys, saved):
        """A group file with a bad value: exit 2, naming the file and the field."""
        log, group = saved
        data = json.loads(group.read_text(encoding="utf-8"))
        data["members"][2]["role"] = "boss"
        group.write_text(json.dumps(data), encoding="utf-8")
        code, out, err = run(capsys, "replay", log, "--group", group)
        assert_one_line_error(code, out, err, f"{group}: members[2].role: 'boss' is not one of")

    def test_group_is_required(self, capsys, saved):
        """Without --group argparse refuses with a usage error."""
        with pytest.raises(SystemExit) as exc:
            main(["replay", str(saved[0])])
        assert exc.value.code == 2
        assert "--group" in capsys.readouterr().err


def valid_group():
    return group_to_dict(demo_group())


class TestGroupFile:
    @given(
        group=groups(),
        fmt=st.sampled_from(sorted(BUILT_IN)),
        name=st.text(min_size=1, max_size=30).filter(str.strip),
        guidelines=st.lists(st.text(min_size=1, max_size=20).filter(str.strip), max_size=3),
    )
    def test_round_trip(self, group, fmt, name, guidelines):
        """group_from_dict(group_to_dict(g)) == g, seat order included, also through JSON text."""
        group = attrs.evolve(
            group,
            name=name,
            default_format=fmt,
            agreement=attrs.evolve(group.agreement, guidelines=guidelines),
        )
        data = group_to_dict(group)
        for back in (group_from_dict(data), group_from_dict(json.loads(json.dumps(data)))):
            assert back == group
            assert back.members == group.members
            assert back.default_format == group.default_format
            assert back.agreement.guidelines == tuple(guidelines)

    @given(group=groups())
    def test_file_round_trip(self, tmp_path_factory, group):
        """dump_group then load_group gives an equal group."""
        path = tmp_path_factory.mktemp("groups") / "group.json"
        ps.dump_group(group, path)
        loaded = ps.load_group(path)
        assert loaded == group
        assert loaded.members == group.members

    def test_numbers_keep_their_type(self):
        """A limit written as a whole number is read back as that number, not a float."""
        back = group_from_dict(valid_group())
        assert back.agreement.share_limit == 180
        assert type(back.agreement.share_limit) is int

    def test_file_is_readable(self, tmp_path):
        """The file is JSON with one line per member, in seat order."""
        path = tmp_path / "g.json"
        ps.dump_group(demo_group(), path)
        text = path.read_text(encoding="utf-8")
        assert json.loads(text) == valid_group()
        assert '    {"id": "dee", "name": "Dee", "role": "facilitator"},' in text.splitlines()

    def test_defaults(self):
        """Left-out keys take the same defaults as Group and Agreement."""
        members = [{"id": "dee", "name": "Dee", "role": "facilitator"}]
        loaded = group_from_dict({"name": "Tuesday", "members": members})
        assert loaded == ps.Group("Tuesday", roles={ps.Member("dee", "Dee"): ps.Role.FACILITATOR})
        assert loaded.default_format == ps.Group("T", roles=loaded.roles).default_format
        partial = group_from_dict(
            {"name": "Tuesday", "members": members, "agreement": {"share_limit": 600}}
        )
        assert partial.agreement == ps.Agreement(share_limit=600)

    @pytest.mark.parametrize(
        ("edit", "field", "problem"),
        [
            (lambda d: d["members"][2].update(role="boss"), "members[2].role", "'boss' is not one"),
            (lambda d: d["members"][1].update(name="al@example.org"), "members[1].name", "e-mail"),
            (lambda d: d["members"][3].update(id="al"), "members[3].id", "earlier member"),
            (lambda d: d["members"][0].pop("id"), "members[0].id", "missing"),
            (lambda d: d["members"][0].update(age=40), "members[0]", "unknown key(s) 'age'"),
            (lambda d: d["members"].__setitem__(1, "Al"), "members[1]", "expected an object"),
            (lambda d: d.update(members={}), "members", "expected a list"),
            (lambda d: d.update(members=d["members"][1:]), "members", "no facilitator"),
            (lambda d: d.pop("name"), "name", "missing"),
            (lambda d: d.update(name="  "), "name", "needs a name"),
            (lambda d: d.update(closed="yes"), "closed", "expected true or false"),
            (lambda d: d.update(default_format=7), "default_format", "expected a string"),
            (lambda d: d.update(colour="blue"), None, "unknown key(s) 'colour'"),
            (lambda d: d.update(agreement=[]), "agreement", "expected an object"),
            (lambda d: d["agreement"].update(share_limt=9), "agreement", "'share_limt'"),
            (lambda d: d["agreement"].update(share_limit="3m"), "agreement.share_limit", "number"),
            (lambda d: d["agreement"].update(share_limit=True), "agreement.share_limit", "number"),
            (
                lambda d: d["agreement"].update(share_limit=-1),
                "agreement.share_limit",
                "more than 0",
            ),
            (
                lambda d: d["agreement"].update(share_limit=1e400),
                "agreement.share_limit",
                "finite",
            ),
            (
                lambda d: d["agreement"].update(warn_at=10**400),
                "agreement.warn_at",
                "out of range",
            ),
            (lambda d: d["agreement"].update(warn_at=float("nan")), "agreement.warn_at", "finite"),
            (lambda d: d["agreement"].update(warn_at=600), "agreement", "must come before"),
            (lambda d: d["agreement"].update(may_pass=1), "agreement.may_pass", "true or false"),
            (lambda d: d["agreement"].update(share_the_air=2), "agreement.share_the_air", "(0, 1]"),
            (lambda d: d["agreement"].update(version=1.5), "agreement.version", "whole number"),
            (lambda d: d["agreement"].update(version=0), "agreement.version", "from 1"),
            (lambda d: d["agreement"].update(guidelines="Hi"), "agreement.guidelines", "list"),
            (lambda d: d["agreement"]["guidelines"].append(3), "agreement.guidelines[6]", "string"),
        ],
    )
    def test_errors_name_the_field(self, edit, field, problem):
        """A bad value raises ConfigError naming the source, the field and the problem."""
        data = valid_group()
        edit(data)
        with pytest.raises(ps.ConfigError) as caught:
            group_from_dict(data, source="group.json")
        error = caught.value
        assert error.field == field
        assert problem in error.problem
        where = "group.json" if field is None else f"group.json: {field}"
        assert str(error) == f"{where}: {error.problem}"

    def test_not_an_object(self):
        """A JSON value that is not an object is refused as a whole."""
        with pytest.raises(ps.ConfigError, match=r"^group: expected an object, got a list"):
            group_from_dict([1, 2])

    def test_not_json(self, tmp_path):
        """A file that is not JSON names the file and where the JSON breaks."""
        path = tmp_path / "g.json"
        path.write_text('{"name": "x",\n  "members": [}', encoding="utf-8")
        with pytest.raises(ps.ConfigError, match=r"g\.json: not valid JSON: .* \(line 2, column"):
            ps.load_group(path)

    def test_not_text(self, tmp_path):
        """A file that is not UTF-8 text is a ConfigError, not a UnicodeDecodeError."""
        path = tmp_path / "g.json"
        path.write_bytes(b"\xff\xfe{}")
        with pytest.raises(ps.ConfigError, match="not UTF-8 text"):
            ps.load_group(path)

    def test_missing_file_is_an_os_error(self, tmp_path):
        """A missing file raises FileNotFoundError (it is not malformed, it is absent)."""
        with pytest.raises(FileNotFoundError):
            ps.load_group(tmp_path / "nowhere.json")

    def test_config_error_is_a_value_error(self):
        """ConfigError is a PeersupportError and a ValueError, exported from peersupport."""
        assert issubclass(ps.ConfigError, ps.PeersupportError)
        assert issubclass(ps.ConfigError, ValueError)
        assert {"ConfigError", "dump_group", "load_group"} <= set(ps.__all__)


class TestCommandLine:
    @pytest.mark.parametrize(
        ("command", "phrase"),
        [
            ("demo", "--save-log"),
            ("formats", "List the installed session formats"),
            ("show", "Show a session format"),
            ("diagram", "mermaid"),
            ("replay", "Rebuild a session from its JSON Lines event log"),
            ("simulate", "Simulate sessions"),
        ],
    )
    def test_every_command_has_help(self, capsys, command, phrase):
        """`COMMAND --help` prints its usage and a description, and exits 0."""
        with pytest.raises(SystemExit) as exc:
            main([command, "--help"])
        assert exc.value.code == 0
        out = " ".join(capsys.readouterr().out.split())
        assert out.startswith(f"usage: peersupport {command} ")
        assert phrase in out

    @pytest.mark.sim
    def test_simulate_bad_value(self, capsys):
        """A simulate ValueError is one error line on stderr with exit 2."""
        result = run(capsys, "simulate", "--format", "sharing-circle", "--sessions", "0")
        assert_one_line_error(*result, "sessions must be at least 1")

    @pytest.mark.sim
    def test_simulate_unknown_format(self, capsys):
        """simulate names an unknown format the way show does."""
        result = run(capsys, "simulate", "--format", "nope", "--sessions", "1")
        assert_one_line_error(*result, "unknown format 'nope' (installed: dbsa, ")

    def test_bad_option_value(self, capsys):
        """argparse refuses a non-number seed with a usage error (exit 2)."""
        with pytest.raises(SystemExit) as exc:
            main(["demo", "--seed", "seven"])
        assert exc.value.code == 2
        assert "invalid int value" in capsys.readouterr().err

    def test_installed_console_script(self):
        """The installed `peersupport formats` lists the plugin's format."""
        script = Path(sys.executable).with_name("peersupport")
        if not script.exists():
            pytest.skip("peersupport is not installed as a console script next to python")
        out = subprocess.run(
            [str(script), "formats"], capture_output=True, text=True, check=True
        ).stdout
        rows = [line.split() for line in out.splitlines()]
        assert any(row[0] == "lightning-round" and row[-1] == "lightning" for row in rows)
