"""The conformance kit run against every installed format, and the kit's own API.

``check_format`` is exactly what a plugin author runs: random sessions of the
format with valid and invalid actions by random people, checked after every step
against an independent model. Here it runs against every built-in format and the
example plugin's ``lightning-round``, with the active hypothesis profile.
"""

from __future__ import annotations

import subprocess
import sys

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
    action_sequences,
    check_actions,
    check_format,
    conformance_settings,
    groups,
    machine_for,
)
from people import BUILTIN_FORMATS

#: Every installed format: the built-in ones and those of installed plugins.
FORMATS = ps.formats.names()


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
