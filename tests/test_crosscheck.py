"""The simulator's inequality metrics against the field's references: PySAL and scipy.

These need the ``crosscheck`` extra (PySAL's ``inequality`` and ``scipy``, several
hundred MB), so they run by their own command, ``python3 dev.py crosscheck``,
which ``.ci/run`` runs too; elsewhere they skip saying so.
"""

from __future__ import annotations

import math

import pytest

REASON = "needs the crosscheck extra: python3 dev.py crosscheck"
sim = pytest.importorskip("peersupport.sim", reason=REASON)
np = pytest.importorskip("numpy", reason=REASON)
inequality = pytest.importorskip("inequality", reason=REASON)
scipy_stats = pytest.importorskip("scipy.stats", reason=REASON)

pytestmark = pytest.mark.crosscheck


def reference_gini(values):
    return float(inequality.gini.Gini(np.asarray(values, dtype=float)).g)


class TestMetrics:
    @pytest.mark.parametrize(
        "values",
        [
            [1, 2, 3, 4],
            [0, 0, 0, 10],
            [5, 5, 5, 5],
            [0, 3.5, 120.25, 7, 0, 9, 1e-3],
            list(range(40)),
        ],
    )
    def test_gini_matches_pysal(self, values):
        """Our Gini equals PySAL inequality's Gini, zeros included."""
        assert sim.gini(values) == pytest.approx(reference_gini(values), abs=1e-12)

    def test_gini_of_simulated_sessions_matches_pysal(self):
        """Session Gini (speaking time and shares) equals PySAL's over all members present."""
        for seed in range(10):
            r = sim.simulate("free-discussion", sim.dominant_talkers(2), members=8, seed=seed)
            t = [m["speaking_time"] for m in r.members]
            n = [m["shares"] for m in r.members]
            assert len(t) == 8
            assert r.metrics["gini_speaking"] == pytest.approx(reference_gini(t), abs=1e-12)
            assert r.metrics["gini_shares"] == pytest.approx(reference_gini(n), abs=1e-12)

    def test_entropy_matches_scipy(self):
        """Normalised entropy equals scipy.stats.entropy / ln n, zeros counted in n."""
        values = [0.0, 10.0, 30.0, 60.0, 0.0]
        expected = scipy_stats.entropy(values) / math.log(len(values))
        assert sim.entropy(values) == pytest.approx(expected, abs=1e-12)
        assert sim.entropy([3.0, 3.0, 3.0]) == pytest.approx(1.0)
