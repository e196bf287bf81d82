"""Participation by rank and its exponential fit; the free-discussion baseline holds its form."""

from __future__ import annotations

import pytest

sim = pytest.importorskip("peersupport.sim", reason="needs the sim extra: python3 dev.py test-sim")
pd = pytest.importorskip("pandas", reason="needs the sim extra: python3 dev.py test-sim")

pytestmark = pytest.mark.sim


def test_a_geometric_sequence_fits_exactly():
    """Shares halving from rank to rank: ratio 0.5, a the first share, R2 1, no deviation."""
    shares = [0.5, 0.25, 0.125, 0.0625]
    fit = sim.exponential_fit(shares)
    assert fit.ratio == pytest.approx(0.5)
    assert fit.a == pytest.approx(0.5)
    assert fit.r_squared == pytest.approx(1.0)
    assert fit.max_deviation == pytest.approx(0.0, abs=1e-12)


def test_zero_shares_are_left_out_of_the_fit_but_not_of_the_deviation():
    """A rank with no participation is not fitted on the log scale; its gap still counts."""
    fit = sim.exponential_fit([0.5, 0.25, 0.125, 0.0])
    assert fit.ratio == pytest.approx(0.5)
    assert fit.max_deviation == pytest.approx(0.0625)
    with pytest.raises(ValueError, match="at least two positive shares"):
        sim.exponential_fit([1.0, 0.0, 0.0])


def test_participation_by_rank_of_a_hand_made_table():
    """Two sessions of one condition: each ranked and normalised, then averaged by rank."""
    members = pd.DataFrame(
        {
            "condition": [0, 0, 0, 0, 0, 0, 1, 1],
            "replicate": [0, 0, 0, 1, 1, 1, 0, 0],
            "shares": [1, 3, 0, 2, 2, 0, 0, 0],
        }
    )
    table = sim.participation_by_rank(members)
    assert list(table.index) == [0]  # condition 1: nobody took part, so no row
    assert table.loc[0].tolist() == [pytest.approx(0.625), pytest.approx(0.375), 0.0]


def test_free_discussion_is_roughly_exponential_and_rounds_flatten_it():
    """The baseline's form (docs/simulation/baseline.md): R2 >= 0.93 up to 8 members, a
    ratio between 0.5 and 0.8; the round formats flatten the curve (ratio > 0.85)."""
    sizes = [4, 6, 8]
    free = sim.sweep(sim.grid("free-discussion", sim.heterogeneous(), sizes), 150, seed=7)
    for _condition, shares in sim.participation_by_rank(free.members).iterrows():
        fit = sim.exponential_fit(shares.dropna().to_numpy())
        assert fit.r_squared >= 0.93
        assert 0.5 < fit.ratio < 0.8
    rounds = ["open-sharing", "sharing-circle", "talking-piece-circle"]
    structured = sim.sweep(sim.grid(rounds, sim.heterogeneous(), 8), 150, seed=7)
    for _condition, shares in sim.participation_by_rank(structured.members).iterrows():
        assert sim.exponential_fit(shares.to_numpy()).ratio > 0.85
