import subprocess
import sys

import pytest

import peersupport as ps
from peersupport.cli import main
from peersupport.demo import run_demo


class TestDemo:
    def test_same_output_every_run(self):
        """The demo is seeded: two runs print the same lines."""
        assert list(run_demo(7)) == list(run_demo(7))

    def test_other_seed_other_story(self):
        """A different seed changes the members' choices."""
        assert list(run_demo(7)) != list(run_demo(8))

    @pytest.mark.parametrize("seed", [1, 7, 42])
    def test_timeline_shows_the_required_moments(self, seed):
        """The timeline shows phases, turns, shares, passes, attendance, cross-talk and time."""
        text = "\n".join(run_demo(seed))
        for needle in (
            "== Check-in, round 1",
            "== Sharing, round 1",
            "== Check-out, round 1",
            "== Closing",
            "'s turn",
            "finishes after",
            "arrives (late; joins the end of round 1)",
            "leaves (removed from the remaining turns)",
            "blocked by rule 'no-cross-talk'",
            "time warning for",
            "overtime (rule 'share-time-limit')",
            "ends the session",
            "Fairness summary",
        ):
            assert needle in text, needle

    def test_fairness_summary_lists_every_member(self):
        """The summary has a row per member who attended, including those who never shared."""
        lines = list(run_demo(7))
        start = lines.index(
            "Fairness summary (sharing phases only; the facilitator's readings excluded):"
        )
        table = lines[start + 2 : -1]
        names = {row.split()[0] for row in table}
        assert names == {"Dee", "Al", "Bo", "Cy", "Di", "Ed", "Flo"}


class TestCommandLine:
    def test_demo_command_prints_the_demo(self, capsys):
        """`peersupport demo` prints the demo's lines and exits 0."""
        assert main(["demo", "--seed", "3"]) == 0
        assert capsys.readouterr().out.splitlines() == list(run_demo(3))

    def test_console_script_runs(self):
        """The module runs as a program (python -m peersupport.cli demo)."""
        out = subprocess.run(
            [sys.executable, "-m", "peersupport.cli", "demo"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert out.splitlines() == list(run_demo(7))

    def test_closed_pipe_is_quiet(self):
        """A reader that stops early (`peersupport demo | head -1`) causes no traceback."""
        proc = subprocess.Popen(
            [sys.executable, "-m", "peersupport.cli", "demo"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None
        assert proc.stderr is not None
        proc.stdout.close()  # the reader is gone before the demo writes anything
        err = proc.stderr.read()
        proc.stderr.close()
        assert proc.wait() == 0
        assert b"BrokenPipeError" not in err

    def test_unknown_command_fails(self, capsys):
        """An unknown command exits non-zero with a usage message."""
        with pytest.raises(SystemExit) as exc:
            main(["dance"])
        assert exc.value.code != 0
        assert "invalid choice" in capsys.readouterr().err

    def test_version(self, capsys):
        """--version prints the package version."""
        with pytest.raises(SystemExit):
            main(["--version"])
        assert ps.__version__ in capsys.readouterr().out
