"""The conformance kit run against every installed format, and the kit's own API.

``check_format`` is exactly what a plugin author runs: random sessions of the
format with valid and invalid actions by random people, checked after every step
against an independent model. Here it runs against every built-in format and the
example plugin's ``lightning-round``, with the active hypothesis profile.

The model reads what turn policies declare, never their names; the last class
keeps minimal, deterministic repros of engine bugs the kit found, as regressions.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, Phase, given, settings

import peersupport as ps
from peersupport.testing import (
    Action,
    ConformanceError,
    Outcome,
    SessionConformance,
    SessionHarness,
    SessionModel,
    Verdict,
    action_sequences,
    check_actions,
    check_format,
    conformance_settings,
    groups,
    machine_for,
)
from peersupport.testing.declared import Declared
from peersupport.testing.expect import expect
from peersupport.testing.strategies import FACILITATOR_ACTIONS, MEMBER_ACTIONS
from peersupport.testing.tables import ACTION_KINDS
from people import BUILTIN_FORMATS

#: Every installed format: the built-in ones and those of installed plugins.
FORMATS = ps.formats.names()


@pytest.mark.kit  # random sessions of the kit: tracing only slows them
class TestEveryFormatConforms:
    """Every installed format keeps the fairness promises under random sessions."""

    def test_the_built_in_formats_and_the_example_plugin_are_installed(self) -> None:
        """The run below covers the built-in formats and the example plugin's format."""
        assert set(BUILTIN_FORMATS) <= set(FORMATS)
        assert ps.formats.installed()["lightning-round"] == "lightning"

    @pytest.mark.parametrize("name", FORMATS)
    def test_format_passes_the_conformance_kit(self, name: str) -> None:
        """A plugin author's whole test: check_format(name) passes for this format."""
        check_format(name)


class TestKitApi:
    """The kit's public API: settings, machines, the harness and the one-line helper."""

    def test_importing_peersupport_does_not_import_the_kit(self) -> None:
        """``import peersupport`` needs neither the kit nor hypothesis."""
        code = (
            "import sys, peersupport; "
            "assert 'peersupport.testing' not in sys.modules; "
            "assert 'hypothesis' not in sys.modules"
        )
        subprocess.run([sys.executable, "-c", code], check=True)

    def test_settings_follow_the_active_profile(self) -> None:
        """The profile's example count is kept; no deadline; 70 steps unless the profile says."""
        chosen = conformance_settings(settings(max_examples=7))
        assert chosen.max_examples == 7
        assert chosen.deadline is None
        assert chosen.stateful_step_count == 70
        assert HealthCheck.too_slow in chosen.suppress_health_check
        assert Phase.explain not in chosen.phases
        assert Phase.shrink in chosen.phases
        assert conformance_settings(settings(stateful_step_count=9)).stateful_step_count == 9
        assert conformance_settings().max_examples == settings().max_examples

    def test_machine_for_names_its_format(self) -> None:
        """machine_for returns one machine class per format, named after it."""
        machine = machine_for("lightning-round")
        assert issubclass(machine, SessionConformance)
        assert machine.format_name == "lightning-round"
        assert machine.__name__ == "LightningRoundConformance"
        assert machine_for("lightning-round") is machine

    def test_unknown_formats_are_refused(self) -> None:
        """Asking for a format that is not installed raises KeyError naming the known ones."""
        with pytest.raises(KeyError, match="sharing-circle"):
            check_format("no-such-format")

    def test_a_machine_needs_a_format(self) -> None:
        """The base machine without a format name explains what to do."""
        with pytest.raises(TypeError, match="format_name"):
            SessionConformance()

    def test_the_harness_reports_what_happened(self) -> None:
        """act returns accepted, refused and blocked results; refusals change nothing."""
        group = ps.Group(
            "g",
            {ps.Member("dee", "Dee"): ps.Role.FACILITATOR, ps.Member("al", "Al"): ps.Role.MEMBER},
        )
        harness = SessionHarness(group, ps.formats.get("sharing-circle"))
        for member in ("dee", "al"):
            arrived = harness.act(Action("arrive", member))
            assert arrived is not None
            assert arrived.outcome is Outcome.ACCEPT
            harness.act(Action("consent", member))
        harness.act(Action("advance", by="dee"))
        refused = harness.act(Action("start_share", "dee"))
        assert refused is not None
        assert refused.outcome is Outcome.REFUSE
        assert isinstance(refused.error, ps.NotYourTurn)
        harness.act(Action("start_share", "al"))
        blocked = harness.act(Action("interject", "dee"))
        assert blocked is not None
        assert blocked.outcome is Outcome.BLOCK
        assert harness.act(Action.wait(30.0)) is None
        harness.check()

    def test_conformance_errors_name_their_invariant(self) -> None:
        """A violation says which invariant broke, in its message and attribute."""
        error = ConformanceError("one-turn-per-round", "al shared twice")
        assert error.invariant == "one-turn-per-round"
        assert str(error) == "[one-turn-per-round] al shared twice"
        assert isinstance(error, AssertionError)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data(), name=st.sampled_from(BUILTIN_FORMATS))
    def test_check_actions_runs_any_sequence(self, data: st.DataObject, name: str) -> None:
        """Any sequence of actions and waits from the strategies keeps every invariant."""
        fmt = ps.formats.get(name)
        group = data.draw(groups(min_facilitators=fmt.facilitators), label="group")
        actions = data.draw(action_sequences(group, fmt, max_size=25), label="actions")
        harness = check_actions(group, fmt, actions, start=1000.0)
        assert harness.session.events[0].time == 1000.0


def small_group(*extra: tuple[str, ps.Role]) -> ps.Group:
    """Facilitator dee, members al and bo, and ``extra`` people; no limits."""
    roles = {"dee": ps.Role.FACILITATOR, "al": ps.Role.MEMBER, "bo": ps.Role.MEMBER}
    roles.update(dict(extra))
    return ps.Group(
        "g",
        {ps.Member(i, i.title()): r for i, r in roles.items()},
        agreement=ps.Agreement(share_limit=None, warn_at=None, share_the_air=None),
    )


def one_phase(policy: str, *, new_round: bool = True) -> type[ps.FormatChart]:
    """Opening, one phase under ``policy`` (with new rounds if asked), closing."""

    class Chart(ps.FormatChart):
        opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
        sharing = ps.Phase("Sharing", policy=policy)
        closing = ps.Phase("Closing", policy="facilitator-only", final=True)

        advance = opening.to(sharing) | sharing.to(closing, cond="round_complete")
        if new_round:
            again = sharing.to(sharing, cond="round_complete")

    return Chart


def started(fmt: ps.Format, group: ps.Group) -> SessionHarness:
    """A harness whose session is in its second phase, everyone arrived and consented."""
    harness = SessionHarness(group, fmt)
    for member in group.members:
        harness.act(Action("arrive", member.id))
        harness.act(Action("consent", member.id))
    harness.act(Action("advance", by="dee"))
    harness.check()
    return harness


class Renamed(ps.Tag):
    """The built-in tag policy under another name: its declaration is all that counts."""

    name = "name-says-nothing"


class RenamedPopcorn(ps.Popcorn):
    """The built-in popcorn policy under another name."""

    name = "name-says-nothing-either"


class Picky(ps.Popcorn):
    """Popcorn that adds a refusal of its own: nobody called 'bo' shares."""

    name = "picky-popcorn"

    def check_take_floor(self, session: ps.Session, member: str, role: ps.Role) -> None:
        super().check_take_floor(session, member, role)
        if member == "bo":
            raise ps.NotYourTurn(member, "start_share", self.name, "not bo")


class Policies:
    """A test plugin registering turn policies."""

    def __init__(self, *policies: ps.TurnPolicy) -> None:
        self.policies = policies

    @ps.hookimpl
    def register_turn_policies(self, register: Any) -> None:
        for policy in self.policies:
            register(policy)


class TestTheModelReadsDeclarations:
    """The model decides from what a policy declares, never from its name."""

    def test_built_in_policies_are_purely_declarative(self) -> None:
        """Every built-in policy overrides none of the checks: the model knows all it decides."""
        for name in BUILTIN_FORMATS:
            for phase in ps.formats.get(name).phases.values():
                assert Declared.of(phase).declarative, (name, phase.id)

    def test_the_kit_knows_what_every_action_records(self) -> None:
        """Every action the strategies draw records a kind of event listed in KINDS."""
        for action in (*MEMBER_ACTIONS, *FACILITATOR_ACTIONS):
            assert ACTION_KINDS[action], action
        assert ACTION_KINDS["advance"] == {ps.EventKind.PHASE_ENTERED, ps.EventKind.ROUND_STARTED}

    def test_a_renamed_policy_is_predicted_like_the_original(self, added: Any) -> None:
        """Tag under another name: the model predicts every outcome, calls and tags included."""
        added(Policies(Renamed()), "renamed")
        fmt = ps.Format.from_chart("renamed", one_phase("name-says-nothing"))
        harness = started(fmt, small_group(("cy", ps.Role.MEMBER)))
        outcomes = []
        for action in (
            Action("call_on", "al", by="dee"),
            Action("start_share", "bo"),
            Action("start_share", "al"),
            Action("end_share", "al"),
            Action("call_on", "al", by="al"),
            Action("call_on", "bo", by="al"),
            Action("pass_turn", "cy"),
            Action("pass_turn", "bo"),
        ):
            verdict = expect(harness.model, action, harness.clock.now())
            assert verdict.outcome is not None, action
            result = harness.act(action)
            assert result is not None
            outcomes.append(result.outcome)
        accept, refuse = Outcome.ACCEPT, Outcome.REFUSE
        assert outcomes == [accept, refuse, accept, accept, refuse, accept, refuse, accept]
        harness.check()

    @pytest.mark.kit
    def test_a_renamed_policy_passes_the_kit(self, added: Any) -> None:
        """Popcorn under another name passes the whole kit (automatic roll-overs included)."""
        added(Policies(RenamedPopcorn()), "renamed")
        added(_Formats({"renamed-popcorn": one_phase("name-says-nothing-either")}), "formats")
        quick = conformance_settings(settings(max_examples=30, derandomize=True, database=None))
        check_format("renamed-popcorn", settings=quick)

    def test_an_overridden_check_leaves_only_its_own_refusals_unknown(self, added: Any) -> None:
        """Overriding check_take_floor: refusals implied by the declaration are still predicted."""
        added(Policies(Picky()), "picky")
        fmt = ps.Format.from_chart("picky", one_phase("picky-popcorn"))
        harness = started(fmt, small_group())
        model = harness.model
        assert model.policy.overrides == {"check_take_floor"}
        now = harness.clock.now()
        assert expect(model, Action("start_share", "al"), now) == Verdict(None)
        assert expect(model, Action("pass_turn", "al"), now).outcome is Outcome.ACCEPT
        harness.act(Action("start_share", "al"))
        harness.act(Action("end_share", "al"))
        again = expect(model, Action("start_share", "al"), harness.clock.now())
        assert again.outcome is Outcome.REFUSE  # one turn per round, whatever the policy
        refused = harness.act(Action("start_share", "bo"))
        assert refused is not None
        assert refused.outcome is Outcome.REFUSE
        harness.check()

    def test_an_automatic_roll_over_without_its_event_is_a_violation(self) -> None:
        """The model refuses a turn in a complete popcorn round that no round_started precedes."""
        fmt = ps.formats.get("open-sharing")
        harness = started(fmt, small_group())
        for member in ("al", "bo", "dee"):
            harness.act(Action("pass_turn", member))
        harness.act(Action("pass_turn", "al"))
        events = list(harness.session.events)
        rolled, turn = events[-2], events[-1]
        assert rolled.kind is ps.EventKind.ROUND_STARTED
        assert rolled.actor is None
        assert dict(rolled.data) == {"phase": "sharing", "round": 2, "automatic": True}
        model = SessionModel(harness.group, fmt)
        for event in events[:-2]:
            model.apply(event)
        with pytest.raises(ConformanceError, match=r"\[auto-rollover\]"):
            model.apply(turn.evolve(seq=rolled.seq))
        early = SessionModel(harness.group, fmt)
        for event in events[:-5]:
            early.apply(event)
        with pytest.raises(ConformanceError, match=r"\[auto-rollover\]"):
            early.apply(rolled.evolve(seq=events[-5].seq))


class _Formats:
    """A test plugin registering formats."""

    def __init__(self, charts: dict[str, type[ps.FormatChart]]) -> None:
        self.charts = charts

    @ps.hookimpl
    def register_formats(self, register: Any) -> None:
        for name, chart in self.charts.items():
            register(name, chart)


class TestEngineBugsTheKitFound:
    """Engine bugs the kit found while it was ported to engine 2.0, kept as regressions."""

    def test_verify_re_enacts_a_facilitator_calling_on_themself(self) -> None:
        """A facilitator may call on themself; verify accepts the log that records it."""
        harness = started(ps.Format.from_chart("called", one_phase("called-on")), small_group())
        harness.act(Action("call_on", "dee", by="dee"))
        harness.check_verify()

    def test_a_closed_round_offers_the_floor_to_nobody(self) -> None:
        """Called on, then the round is closed: the call lapses, nobody is offered the floor."""
        harness = started(ps.Format.from_chart("called", one_phase("called-on")), small_group())
        harness.act(Action("call_on", "al", by="dee"))
        harness.act(Action("close_round", by="dee"))
        assert harness.session.offered_to() is None
        harness.check_offers()
        result = harness.act(Action("start_share", "al"))
        assert result is not None
        assert result.outcome is Outcome.REFUSE

    def test_only_eligible_roles_take_turns(self, added: Any) -> None:
        """A rounds policy for newcomers only: a member may not take the floor in it."""

        class NewcomersPopcorn(ps.TurnPolicy):
            name = "newcomers-popcorn"
            rounds = True
            auto_rollover = True
            roles = frozenset({ps.Role.NEWCOMER})

        added(Policies(NewcomersPopcorn()), "newcomers")
        fmt = ps.Format.from_chart("newcomers", one_phase("newcomers-popcorn"))
        harness = started(fmt, small_group(("nu", ps.Role.NEWCOMER)))
        result = harness.act(Action("start_share", "al"))
        assert result is not None
        assert result.outcome is Outcome.REFUSE
        assert harness.act(Action("start_share", "nu")) is not None
        harness.check()

    def test_a_new_round_where_there_are_no_rounds_is_refused_when_compiled(self) -> None:
        """A chart whose phase without rounds goes to itself is refused, naming the phase."""
        with pytest.raises(ps.FormatError, match="'sharing' has a transition to itself"):
            ps.Format.from_chart("open", one_phase("open-floor"))

    def test_no_turns_are_recorded_where_there_are_no_rounds(self, added: Any) -> None:
        """In a phase without rounds a pass, like a share, leaves no turn in the floor."""

        class OpenWithPass(ps.TurnPolicy):
            name = "open-with-pass"

        added(Policies(OpenWithPass()), "open-with-pass")
        fmt = ps.Format.from_chart("pass", one_phase("open-with-pass", new_round=False))
        harness = started(fmt, small_group())
        harness.act(Action("pass_turn", "al"))
        harness.check_model()
        assert harness.session.state.floor.had_turn == frozenset()
