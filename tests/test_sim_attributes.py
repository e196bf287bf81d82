"""The simulator reads turn policies' attributes, never names.

Every built-in format is copied under another name, with its chart copied phase
by phase (other phase ids and names) onto renamed copies of the built-in turn
policies: subclasses that change nothing but ``name``. Simulating the copy with
the same seed must give the very same session (events, metrics, member rows) as
the original: were anything in ``peersupport.sim`` to decide from a policy's,
format's or phase's name, the copy would run differently.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import pytest

import peersupport as ps
from people import BUILTIN_FORMATS

sim = pytest.importorskip("peersupport.sim", reason="needs the sim extra: python3 dev.py test-sim")

pytestmark = pytest.mark.sim


# The renamed policies: names that share nothing with the built-in ones, so that
# neither an equality nor a substring test on a name can recognise them.
class SeatOrderCopy(ps.SeatOrder):
    name = "policy-a"


class PopcornCopy(ps.Popcorn):
    name = "policy-b"


class CalledOnCopy(ps.CalledOn):
    name = "policy-c"


class TagCopy(ps.Tag):
    name = "policy-d"


class FacilitatorOnlyCopy(ps.FacilitatorOnly):
    name = "policy-e"


class OpenFloorCopy(ps.OpenFloor):
    name = "policy-f"


class NewcomerIntroductionsCopy(ps.NewcomerIntroductions):
    name = "policy-g"


class RaisedHandsCopy(ps.RaisedHands):
    name = "policy-h"


class ProgressiveHandsCopy(ps.ProgressiveHands):
    name = "policy-i"


COPIES: tuple[type[ps.TurnPolicy], ...] = (
    SeatOrderCopy,
    PopcornCopy,
    CalledOnCopy,
    TagCopy,
    FacilitatorOnlyCopy,
    OpenFloorCopy,
    NewcomerIntroductionsCopy,
    RaisedHandsCopy,
    ProgressiveHandsCopy,
)
#: Built-in policy name -> the name of its copy.
RENAMED = {copy.__mro__[1].name: copy.name for copy in COPIES}

PHASE_KWARGS = (
    "budget",
    "cross_talk",
    "share_limit",
    "warn_at",
    "timed",
    "hard_cap",
    "counts_as_sharing",
    "rules",
    "agenda",
    "initial",
    "final",
)


def copy_chart(chart: type[ps.FormatChart]) -> tuple[type[ps.FormatChart], dict[str, str]]:
    """A copy of ``chart`` on the renamed policies, with other phase ids and names.

    Transitions are recreated in their order, with the same events and guards.

    Returns:
        The chart class and the map from the copy's phase ids to the original's.
    """
    phases: dict[str, ps.Phase] = {}
    ids: dict[str, str] = {}
    for i, state in enumerate(chart.states):
        new_id = f"step_{i:02d}"
        ids[state.id] = new_id
        phases[new_id] = ps.Phase(
            f"Step {i}",
            policy=RENAMED[state.policy],
            **{k: getattr(state, k) for k in PHASE_KWARGS},
        )
    events: dict[str, Any] = {}
    for state in chart.states:
        for t in state.transitions:
            if t.source is not state or t.initial:
                continue
            cond = [c.func for c in t.cond if c.expected_value]
            unless = [c.func for c in t.cond if not c.expected_value]
            for event in str(t.event).split():
                new = phases[ids[state.id]].to(phases[ids[t.target.id]], cond=cond, unless=unless)
                events[event] = new if event not in events else events[event] | new
    chart_copy = type(f"{chart.__name__}Copy", (ps.FormatChart,), {**phases, **events})
    return chart_copy, {new: old for old, new in ids.items()}


def copied(name: str) -> str:
    """The copy's format name: nothing in common with the original's."""
    return f"format-{BUILTIN_FORMATS.index(name)}"


@pytest.fixture
def copies(added: Callable[[object, str], None]) -> dict[str, dict[str, str]]:
    """Register the renamed policies and a copy of every built-in format (for one test).

    Returns each built-in format's name mapped to its copy's phase-id map.
    """
    originals = {name: ps.formats.get(name) for name in BUILTIN_FORMATS}
    charts = {name: copy_chart(fmt.chart) for name, fmt in originals.items()}

    class Copies:
        @ps.hookimpl
        def register_turn_policies(self, register: Callable[..., None]) -> None:
            for policy in COPIES:
                register(policy())

        @ps.hookimpl
        def register_formats(self, register: Callable[..., None]) -> None:
            for name, fmt in originals.items():
                register(
                    copied(name),
                    charts[name][0],
                    title=f"Copy {copied(name)}",
                    facilitators=fmt.facilitators,
                )

    added(Copies(), "renamed-copies")
    return {name: ids for name, (_chart, ids) in charts.items()}


def declaration(policy: ps.TurnPolicy) -> dict[str, Any]:
    """What a policy declares, its name and description aside."""
    fields = ("rounds", "auto_rollover", "offers", "speakers", "callers", "passing")
    queue = ("hand_order", "hand_rounds", "max_shares")
    return {k: getattr(policy, k) for k in (*fields, "roles", "sharing", "timed", *queue)}


def nan_safe(value: Any) -> Any:
    """``value`` with nan made comparable (nan != nan)."""
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, Mapping):
        return {k: nan_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [nan_safe(v) for v in value]
    return value


def events_of(result: Any, ids: Mapping[str, str] | None = None) -> list[tuple[Any, ...]]:
    """The log without the format's name and fingerprint, phase ids mapped by ``ids``."""
    out = []
    for e in result.events:
        data = dict(e.data)
        if e.kind is ps.EventKind.OPENED:
            data.pop("format")
            data.pop("chart")
        if ids is not None:
            for key in ("phase", "from"):
                if key in data:
                    data[key] = ids[data[key]]
        out.append((e.seq, e.time, e.kind, e.actor, e.member, data))
    return out


#: Settings that take the driver down each of its paths: cross-talk, late arrivals
#: and early departures, newcomers; the facilitator talking in facilitator-only
#: phases, sharing on their turn, capping rounds; a hard cap on shares.
SETTINGS = {
    "defaults": {"population": sim.heterogeneous(late=0.3, early=0.3)},
    "talkers": {
        "population": sim.dominant_talkers(2, cross_talk=0.2, late=0.3),
        "facilitator": sim.Facilitator(phase_talk=30.0, shares=True, max_rounds=2),
        "agreement": sim.DEFAULT_AGREEMENT.amend(hard_cap=True),
    },
    "newcomers": {
        "population": sim.with_newcomers(3, cross_talk=0.05, early=0.5),
        "facilitator": sim.Facilitator(close_at_budget=False, turn_gap=0.0),
        "agreement": sim.DEFAULT_AGREEMENT.amend(cross_talk=True),
    },
}


class TestRenamedCopies:
    def test_every_builtin_policy_and_format_is_copied(self):
        """The copies cover every built-in turn policy and every built-in format."""
        builtin = {
            name
            for name, found in ps.plugins.registry().policies.items()
            if found.plugin == "peersupport.builtin"
        }
        assert set(RENAMED) == builtin
        provided = {
            name
            for name, plugin in ps.formats.installed().items()
            if plugin.startswith("peersupport.formats.")
        }
        assert provided == set(BUILTIN_FORMATS)

    @pytest.mark.parametrize("name", BUILTIN_FORMATS)
    def test_the_copy_compiles_to_the_same_tables(self, name, copies):
        """Only names differ: phases, declarations, limits and transitions are the same."""
        original, copy = ps.formats.get(name), ps.formats.get(copied(name))
        ids = copies[name]
        assert copy.facilitators == original.facilitators
        assert ids[copy.initial] == original.initial
        assert [ids[i] for i in copy.phases] == list(original.phases)
        compared = [f.name for f in attrs.fields(type(original.phases[original.initial])) if f.eq]
        for new_id, spec in copy.phases.items():
            was = original.phases[ids[new_id]]
            assert spec.policy.name != was.policy.name
            assert spec.name != was.name
            assert declaration(spec.policy) == declaration(was.policy)
            for field in compared:
                mine, theirs = getattr(spec, field), getattr(was, field)
                if field == "transitions":
                    mine = [(t.event, ids[t.source], ids[t.target], t.guards) for t in mine]
                    theirs = [(t.event, t.source, t.target, t.guards) for t in theirs]
                elif field in ("id", "name", "policy"):
                    continue
                assert mine == theirs, (new_id, field)

    @pytest.mark.parametrize("settings", list(SETTINGS))
    @pytest.mark.parametrize("name", BUILTIN_FORMATS)
    def test_same_seed_same_session(self, name, settings, copies):
        """The renamed copy runs exactly like the built-in format, seed for seed."""
        kwargs = SETTINGS[settings]
        population = kwargs["population"]
        rest = {k: v for k, v in kwargs.items() if k != "population"}
        for seed in range(3):
            original = sim.simulate(name, population, members=7, seed=seed, **rest)
            copy = sim.simulate(copied(name), population, members=7, seed=seed, **rest)
            assert copy.session.format.name == copied(name)
            assert events_of(copy, copies[name]) == events_of(original), seed
            assert nan_safe(copy.metrics) == nan_safe(original.metrics), seed
            assert nan_safe(copy.members) == nan_safe(original.members), seed
            assert copy.profiles == original.profiles
