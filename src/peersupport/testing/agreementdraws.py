"""Hypothesis strategies for agreements and amendments of them.

:func:`agreements` draws valid agreements: share limits, flags, fairness
settings, and the settings of particular groups' practice (a firm budget,
``phase_cap``; a small ``size_guidance`` so that the notice comes up; the
``decision`` rule for amendments). :func:`amendments` draws changes for
``Session.amend_agreement`` and ``Session.propose_amendment``, valid or not.
Both are re-exported by :mod:`peersupport.testing.strategies`.
"""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st

from peersupport.values import Agreement

__all__ = ["DECISION_RULES", "SIZE_GUIDANCES", "agreements", "amendments", "new_limits"]

#: The guidelines of generated agreements.
_GUIDELINES = ("One voice at a time.",)
#: Size guidance of generated agreements: small, so that arrivals pass it.
SIZE_GUIDANCES = (None, None, 2, 3, 4)
#: How generated groups decide on amendments.
DECISION_RULES = ("consensus", "majority", "two-thirds")


@st.composite
def agreements(draw: st.DrawFn) -> Agreement:
    """Valid agreements: a share limit, a warning before it, the flags and fairness settings.

    A third of them make phase budgets firm (``phase_cap``); a small size guidance
    more than half the time; any decision rule.
    """
    limit = draw(st.sampled_from([None, 10.0, 30.0, 60.0, 120.0, 300.0]))
    warns = [None] + [w for w in (5.0, 20.0, 45.0, 90.0, 240.0) if limit is None or w < limit]
    settings: dict[str, Any] = {
        "share_limit": limit,
        "warn_at": draw(st.sampled_from(warns)),
        "hard_cap": draw(st.booleans()),
        "cross_talk": draw(st.booleans()),
        "may_pass": draw(st.booleans()),
        "reserved_time": draw(st.sampled_from([None, 60.0, 600.0])),
        "share_the_air": draw(st.sampled_from([None, 0.25, 0.4, 1.0])),
        "phase_cap": draw(st.sampled_from([False, False, True])),
        "size_guidance": draw(st.sampled_from(SIZE_GUIDANCES)),
        "decision": draw(st.sampled_from(DECISION_RULES)),
        # Guidelines are read aloud, never enforced: keep them short in failure reports.
        "guidelines": _GUIDELINES,
    }
    return Agreement(**settings)


@st.composite
def new_limits(draw: st.DrawFn) -> dict[str, Any]:
    """A consistent new share limit and warning point."""
    limit = draw(st.sampled_from([None, 5.0, 10.0, 30.0, 60.0, 300.0]))
    warns = [None] + [w for w in (2.0, 20.0, 45.0, 240.0) if limit is None or w < limit]
    return {"share_limit": limit, "warn_at": draw(st.sampled_from(warns))}


def amendments() -> st.SearchStrategy[dict[str, Any]]:
    """Changes for ``Session.amend_agreement`` (or a proposal): new limits, flags, or invalid."""
    return AMENDMENTS


#: The strategy :func:`amendments` returns.
AMENDMENTS: st.SearchStrategy[dict[str, Any]] = st.one_of(
    new_limits(),
    new_limits(),
    st.fixed_dictionaries(
        {},
        optional={
            "hard_cap": st.booleans(),
            "cross_talk": st.booleans(),
            "may_pass": st.booleans(),
            "reserved_time": st.sampled_from([None, 30.0, 600.0]),
            "share_the_air": st.sampled_from([None, 0.1, 0.5]),
            "phase_cap": st.booleans(),
            "size_guidance": st.sampled_from([None, 2, 3]),
            "decision": st.sampled_from(DECISION_RULES),
        },
    ).filter(bool),
    st.sampled_from(
        [
            {},
            {"guidelines": ("Be kind.",)},
            {"version": 7},
            {"bogus": 1},
            {"share_limit": 100.0, "warn_at": 500.0},
            {"share_limit": -1.0},
            {"warn_at": 1e9},
            {"share_the_air": 1.5},
            {"hard_cap": "yes"},
            {"size_guidance": 1},
            {"decision": "vote"},
        ]
    ),
)
