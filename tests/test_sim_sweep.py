"""Simulation sweeps: seeds, executors (serial, process pool, Dask), files, plots, CLI, example."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest

REASON = "needs the sim extra: python3 dev.py test-sim"
sim = pytest.importorskip("peersupport.sim", reason=REASON)
np = pytest.importorskip("numpy", reason=REASON)
pd = pytest.importorskip("pandas", reason=REASON)
pq = pytest.importorskip("pyarrow.parquet", reason=REASON)

from peersupport.cli import main  # noqa: E402
from peersupport.sim import plots  # noqa: E402
from peersupport.sim.sweep import _default_chunk_size, _executor_workers  # noqa: E402

sweep_module = importlib.import_module("peersupport.sim.sweep")  # the function shadows it

pytestmark = pytest.mark.sim

ROOT = Path(__file__).resolve().parents[1]
GRID = sim.grid(
    ["sharing-circle", "free-discussion"],
    [sim.dominant_talkers(2, cross_talk=0.02), sim.heterogeneous(late=0.2)],
    [5, 8],
)
N = 40


@pytest.fixture(scope="module")
def serial():
    return sim.sweep(GRID, N, seed=7, workers=1)


def same(a, b):
    """Two sweeps gave the same tables and bit for bit the same summary."""
    pd.testing.assert_frame_equal(a.sessions, b.sessions)
    pd.testing.assert_frame_equal(a.members, b.members)
    pd.testing.assert_frame_equal(a.summary, b.summary, check_exact=True)


class TestSeeds:
    def test_spawned_from_one_root(self):
        """A session's seed is SeedSequence(root).spawn(...)[condition].spawn(...)[replicate]."""
        child = np.random.SeedSequence(7).spawn(3)[2].spawn(5)[4]
        assert sim.replicate_seed(7, 2, 4) == int(child.generate_state(1, np.uint64)[0])

    def test_different_seeds_differ(self, serial):
        """Another root seed gives other sessions."""
        other = sim.sweep(GRID[:1], N, seed=8, workers=1)
        assert not other.sessions["duration"].equals(serial.sessions["duration"][:N])


class TestTables:
    def test_tidy_shape(self, serial):
        """One row per session and one per member present, keyed by condition and replicate."""
        s, m = serial.sessions, serial.members
        assert len(s) == len(GRID) * N
        assert list(s[["condition", "replicate"]].drop_duplicates().index) == list(range(len(s)))
        per = m.groupby(["condition", "replicate"]).size().reset_index(drop=True)
        assert per.tolist() == s["members_present"].tolist()
        assert set(sim.SESSION_COLUMNS) <= set(s.columns)
        assert set(sim.MEMBER_COLUMNS) <= set(m.columns)

    def test_summary_is_the_mean_per_condition(self, serial):
        """The streamed summary equals pandas' groupby mean of the session table."""
        expected = sim.summarize(serial.sessions)
        pd.testing.assert_frame_equal(serial.summary, expected, check_dtype=False, check_exact=True)

    def test_the_summary_does_not_depend_on_the_order_of_sessions(self, serial):
        """summarize() of the session table shuffled gives bit for bit the same means."""
        shuffled = serial.sessions.sample(frac=1, random_state=3)
        again = sim.summarize(shuffled).sort_values("condition").reset_index(drop=True)
        pd.testing.assert_frame_equal(serial.summary, again, check_dtype=False, check_exact=True)

    def test_conditions_with_the_same_labels_stay_apart(self):
        """Conditions differing only in their agreement get a summary row each."""
        strict = sim.DEFAULT_AGREEMENT
        loose = strict.amend(share_limit=600.0, warn_at=540.0)
        conditions = [
            *sim.grid("sharing-circle", sim.dominant_talkers(2), members=5, agreement=strict),
            *sim.grid("sharing-circle", sim.dominant_talkers(2), members=5, agreement=loose),
        ]
        result = sim.sweep(conditions, 12, seed=3, workers=1, progress=False)
        assert result.summary["condition"].tolist() == [0, 1]
        assert result.summary["sessions"].tolist() == [12, 12]
        again = sim.summarize(result.sessions)
        pd.testing.assert_frame_equal(result.summary, again, check_dtype=False)
        overtime = result.summary["overtime"].tolist()
        assert overtime[0] != overtime[1]  # the limits differ, so the rows do

    def test_structured_is_fairer_than_free(self, serial):
        """With dominant talkers the talking-piece round is more equal than free discussion."""
        means = serial.summary.groupby("format")["gini_speaking"].mean()
        assert means["sharing-circle"] < means["free-discussion"]

    def test_bad_arguments(self):
        """A sweep refuses zero sessions, an empty grid and an unknown output type."""
        with pytest.raises(ValueError, match="sessions"):
            sim.sweep(GRID, 0, workers=1)
        with pytest.raises(ValueError, match="condition"):
            sim.sweep([], 3, workers=1)
        with pytest.raises(ValueError, match="parquet"):
            sim.sweep(GRID, 3, workers=1, out="x.txt")
        with pytest.raises(ValueError, match="chunk_size"):
            sim.sweep(GRID, 3, workers=1, chunk_size=0)
        with pytest.raises(KeyError, match="no format"):
            sim.grid("no-such-format")


class TestExecutors:
    def test_chunk_size_does_not_matter(self, serial):
        """Results do not depend on how sessions are cut into chunks."""
        same(serial, sim.sweep(GRID, N, seed=7, workers=1, chunk_size=7))

    def test_process_pool(self, serial):
        """A ProcessPoolExecutor(2) gives exactly the serial results."""
        with ProcessPoolExecutor(2) as pool:
            same(serial, sim.sweep(GRID, N, seed=7, executor=pool, chunk_size=9))

    def test_default_pool_any_worker_count(self, serial):
        """The default process pool gives the same results with 2 or 3 workers."""
        same(serial, sim.sweep(GRID, N, seed=7, workers=2))
        same(serial, sim.sweep(GRID, N, seed=7, workers=3, chunk_size=13))

    def test_a_small_sweep_runs_in_this_process_unless_asked(self, serial, monkeypatch):
        """Under 5,000 sessions no pool is started by default; workers=2 still starts one."""
        started = []

        class Pool(ProcessPoolExecutor):
            def __init__(self, *args, **kwargs):
                started.append(args)
                super().__init__(*args, **kwargs)

        monkeypatch.setattr(sweep_module, "ProcessPoolExecutor", Pool)
        monkeypatch.setattr(os, "cpu_count", lambda: 2)
        same(serial, sim.sweep(GRID, N, seed=7))
        assert started == []
        same(serial, sim.sweep(GRID, N, seed=7, workers=2))
        assert len(started) == 1

    def test_dask_local_cluster(self, serial):
        """A real 2-process Dask LocalCluster gives exactly the serial results."""
        distributed = pytest.importorskip("distributed")
        with (
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            assert len(client.scheduler_info()["workers"]) == 2
            executor = client.get_executor()
            assert _executor_workers(executor) == 2
            same(serial, sim.sweep(GRID, N, seed=7, executor=executor, chunk_size=11))
            same(serial, sim.sweep(GRID, N, seed=7, executor=executor))

    def test_default_chunks_follow_the_executor(self, serial, tmp_path):
        """Default chunks: ~8 per worker the executor reports, 25 to 2,000 sessions each.

        The chunking changes with the executor's size (one Parquet row group per
        chunk shows it); the results do not.
        """
        assert _default_chunk_size(20_000, 1) == 2000
        assert _default_chunk_size(20_000, 2) == 1250
        assert _default_chunk_size(10**7, 64) == 2000
        assert _default_chunk_size(320, 4) == 25
        assert _default_chunk_size(1, 1) == 25

        class Opaque(Executor):
            """An executor that does not say how many tasks it runs at once."""

        assert _executor_workers(Opaque()) is None
        for threads, per_condition in ((1, 1), (4, 2)):  # chunk 320 / 8 = 40, or 25
            with ThreadPoolExecutor(threads) as pool:
                assert _executor_workers(pool) == threads
                out = tmp_path / f"t{threads}.parquet"
                result = sim.sweep(GRID, N, seed=7, executor=pool, out=out)
            assert pq.ParquetFile(out).num_row_groups == len(GRID) * per_condition
            sessions, members = result.load()
            pd.testing.assert_frame_equal(sessions, serial.sessions)
            pd.testing.assert_frame_equal(members, serial.members)


class TestFiles:
    def test_parquet_written_incrementally(self, serial, tmp_path):
        """With out= both tables go to Parquet, a row group per chunk, as in memory."""
        out = tmp_path / "r.parquet"
        result = sim.sweep(GRID, N, seed=7, workers=1, out=out, chunk_size=10)
        assert result.sessions is None
        assert result.paths == (out, tmp_path / "r.members.parquet")
        assert pq.ParquetFile(out).num_row_groups == len(GRID) * N // 10
        sessions, members = result.load()
        pd.testing.assert_frame_equal(sessions, serial.sessions)
        pd.testing.assert_frame_equal(members, serial.members)

    def test_csv(self, serial, tmp_path):
        """With a .csv out= the tables are written as CSV with the same numbers."""
        out = tmp_path / "r.csv"
        sessions, _members = sim.sweep(GRID[:2], N, seed=7, workers=1, out=out).load()
        expected = serial.sessions[serial.sessions["condition"] < 2]
        assert np.allclose(sessions["gini_speaking"], expected["gini_speaking"], equal_nan=True)

    def test_plots_are_png(self, serial, tmp_path):
        """Each plot function writes a PNG file."""
        for draw in (plots.lorenz, plots.distribution, plots.study_figure):
            path = draw(serial.members, tmp_path / f"{draw.__name__}.png")
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    def test_lorenz_points(self):
        """The Lorenz curve runs from (0, 0) to (1, 1) through the cumulative sorted shares."""
        x, y = plots.lorenz_points(np.array([3.0, 0.0, 1.0]))
        assert x.tolist() == [0.0, 1 / 3, 2 / 3, 1.0]
        assert y.tolist() == [0.0, 0.0, 0.25, 1.0]


class TestCli:
    def test_simulate(self, tmp_path, capsys):
        """peersupport simulate writes Parquet and a PNG and prints a summary per condition."""
        out, png = tmp_path / "r.parquet", tmp_path / "r.png"
        argv = ["simulate", "--format", "talking-piece-circle", "--format", "free-discussion"]
        argv += ["--members", "6", "--sessions", "30", "--seed", "7", "--workers", "1"]
        code = main([*argv, "--out", str(out), "--plot", str(png), "--population", "dominant-2"])
        assert code == 0
        printed = capsys.readouterr()
        assert "talking-piece-circle" in printed.out
        assert "free-discussion" in printed.out
        assert "30/30" not in printed.out  # the progress bar goes to stderr
        assert "60/60" in printed.err
        assert len(pd.read_parquet(out)) == 60
        assert png.read_bytes()[:4] == b"\x89PNG"

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--format", "nope"], "unknown format 'nope'"),
            (["--format", "dbsa", "--population", "loud"], "unknown population"),
            (["--format", "dbsa", "--sessions", "0"], "sessions must be at least 1"),
            (["--format", "dbsa", "--out", "r.txt"], "must end in .parquet or .csv"),
            (["--format", "dbsa", "--members", "0"], "members must be at least 1"),
        ],
    )
    def test_bad_input(self, args, message, capsys):
        """Bad input gives a one-line error on stderr and a non-zero exit code."""
        assert main(["simulate", *args, "--workers", "1", "--no-progress"]) != 0
        err = capsys.readouterr().err.strip()
        assert message in err
        assert len(err.splitlines()) == 1

    def test_demo_still_works(self, capsys):
        """peersupport demo still runs."""
        assert main(["demo"]) == 0
        assert capsys.readouterr().out


class TestExample:
    def test_study_script(self, tmp_path):
        """examples/study.py prints a table for the three formats and saves a figure."""
        png = tmp_path / "study.png"
        env = {**os.environ, "STUDY_SESSIONS": "15"}
        out = subprocess.run(
            [
                sys.executable,
                str(ROOT / "examples" / "study.py"),
                "--workers",
                "1",
                "--out",
                str(png),
            ],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        for name in ("open-sharing", "free-discussion", "talking-piece-circle"):
            assert name in out.stdout
        assert png.read_bytes()[:4] == b"\x89PNG"
