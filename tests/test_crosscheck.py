"""The simulator's inequality metrics against the field's references: PySAL and scipy.

These need the ``crosscheck`` extra (PySAL's ``inequality`` and ``scipy``, several
hundred MB), so they run by their own command, ``python3 dev.py crosscheck``,
which ``.ci/run`` runs too; elsewhere they skip saying so.
"""

from __future__ import annotations

import importlib
import math
from types import SimpleNamespace

import pytest

# Marked, not skipped at import: the root conftest skips marked tests whose extra is
# missing (naming the command), and a run of other markers deselects them silently.
pytestmark = pytest.mark.crosscheck


@pytest.fixture(scope="module")
def ref() -> SimpleNamespace:
    """The simulator and the references: numpy, PySAL's inequality, scipy.stats."""
    names = ("peersupport.sim", "numpy", "inequality", "scipy.stats")
    sim, np, inequality, scipy_stats = (importlib.import_module(n) for n in names)
    return SimpleNamespace(sim=sim, np=np, inequality=inequality, scipy_stats=scipy_stats)


def reference_gini(ref, values):
    return float(ref.inequality.gini.Gini(ref.np.asarray(values, dtype=float)).g)


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
    def test_gini_matches_pysal(self, ref, values):
        """Our Gini equals PySAL inequality's Gini, zeros included."""
        assert ref.sim.gini(values) == pytest.approx(reference_gini(ref, values), abs=1e-12)

    def test_gini_of_simulated_sessions_matches_pysal(self, ref):
        """Session Gini (speaking time and shares) equals PySAL's over all members present."""
        for seed in range(10):
            r = ref.sim.simulate(
                "free-discussion", ref.sim.dominant_talkers(2), members=8, seed=seed
            )
            t = [m["speaking_time"] for m in r.members]
            n = [m["shares"] for m in r.members]
            assert len(t) == 8
            assert r.metrics["gini_speaking"] == pytest.approx(reference_gini(ref, t), abs=1e-12)
            assert r.metrics["gini_shares"] == pytest.approx(reference_gini(ref, n), abs=1e-12)

    def test_entropy_matches_scipy(self, ref):
        """Normalised entropy equals scipy.stats.entropy / ln n, zeros counted in n."""
        values = [0.0, 10.0, 30.0, 60.0, 0.0]
        expected = ref.scipy_stats.entropy(values) / math.log(len(values))
        assert ref.sim.entropy(values) == pytest.approx(expected, abs=1e-12)
        assert ref.sim.entropy([3.0, 3.0, 3.0]) == pytest.approx(1.0)
