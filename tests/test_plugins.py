"""The plugin system: hooks, registration, discovery, failure isolation, the example plugin."""

from __future__ import annotations

import inspect
import logging
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

import peersupport as ps
from peersupport import hookspecs
from peersupport.formats.open_sharing import OpenSharing

K = ps.EventKind
ROOT = Path(__file__).resolve().parents[1]

DEE = ps.Member("dee", "Dee")
AL = ps.Member("al", "Al")
BO = ps.Member("bo", "Bo")


def small_group(**agreement: Any) -> ps.Group:
    return ps.Group(
        "g",
        {DEE: ps.Role.FACILITATOR, AL: ps.Role.MEMBER, BO: ps.Role.MEMBER},
        agreement=ps.Agreement(**agreement),
    )


class Recorder:
    """Implements every lifecycle hook and records the calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    @ps.hookimpl
    def session_opened(self, session, event):
        self.calls.append(("session_opened", event.kind))

    @ps.hookimpl
    def phase_entered(self, session, event):
        self.calls.append(("phase_entered", session.phase.id))

    @ps.hookimpl
    def turn_offered(self, session, member):
        self.calls.append(("turn_offered", member))

    @ps.hookimpl
    def share_started(self, session, event):
        self.calls.append(("share_started", event.member))

    @ps.hookimpl
    def share_ended(self, session, event):
        self.calls.append(("share_ended", (event.member, event.data["duration"])))

    @ps.hookimpl
    def passed(self, session, event):
        self.calls.append(("passed", event.member))

    @ps.hookimpl
    def time_warning(self, session, event):
        self.calls.append(("time_warning", event.kind))

    @ps.hookimpl
    def rule_breach_attempted(self, session, event):
        self.calls.append(("rule_breach_attempted", event.data["rule"]))

    @ps.hookimpl
    def session_paused(self, session, event):
        self.calls.append(("session_paused", event.actor))

    @ps.hookimpl
    def session_resumed(self, session, event):
        self.calls.append(("session_resumed", event.actor))

    @ps.hookimpl
    def session_ended(self, session, event):
        self.calls.append(("session_ended", session.status))

    @ps.hookimpl
    def event_recorded(self, event):  # a subset of the arguments is fine
        self.calls.append(("event_recorded", event.seq))

    def named(self, hook: str) -> list[Any]:
        return [arg for name, arg in self.calls if name == hook]


def run_circle(clock: ps.ManualClock, **agreement: Any) -> ps.Session:
    s = ps.Session(small_group(**agreement), ps.formats.get("sharing-circle"), clock=clock)
    for m in ("dee", "al", "bo"):
        s.arrive(m)
        s.consent(m)
    s.advance(by="dee")
    s.start_share("al")
    clock.advance(100)
    with pytest.raises(ps.CrossTalkBlocked):
        s.interject("bo")
    clock.advance(30)
    s.end_share("al")
    s.pass_turn("bo")
    s.pause(by="dee")
    s.resume(by="dee")
    s.start_share("dee")
    clock.advance(10)
    s.leave("dee")
    return s


class TestHookSpecs:
    def test_every_hook_is_documented(self):
        """Every hook spec has a docstring with its arguments."""
        for name in (*hookspecs.REGISTRATION_HOOKS, *hookspecs.LIFECYCLE_HOOKS):
            doc = inspect.getdoc(getattr(hookspecs, name))
            assert doc, name
            params = inspect.signature(getattr(hookspecs, name)).parameters
            for param in params:
                assert f"{param}:" in doc, (name, param)

    def test_every_hook_is_listed(self):
        """REGISTRATION_HOOKS and LIFECYCLE_HOOKS name exactly the specs in the module."""
        specs = {
            name
            for name, obj in vars(hookspecs).items()
            if callable(obj) and hasattr(obj, "peersupport_spec")
        }
        assert specs == {*hookspecs.REGISTRATION_HOOKS, *hookspecs.LIFECYCLE_HOOKS}

    def test_every_hook_has_a_test(self):
        """Each hook is implemented by a plugin in this test module (as datasette checks)."""
        source = Path(__file__).read_text()
        for name in (*hookspecs.REGISTRATION_HOOKS, *hookspecs.LIFECYCLE_HOOKS):
            assert f"def {name}(" in source, f"hook {name} has no test"

    def test_hookimpl_is_public(self):
        """Plugin authors import hookimpl from peersupport."""
        assert ps.hookimpl is hookspecs.hookimpl


class TestLifecycleHooks:
    def test_hooks_are_told_in_order(self, added):
        """Every lifecycle hook is called after its event, with the session in the new state."""
        recorder = Recorder()
        added(recorder, "recorder")
        clock = ps.ManualClock()
        s = run_circle(clock)
        assert recorder.named("session_opened") == [K.OPENED]
        assert recorder.named("phase_entered") == ["check_in"]
        assert recorder.named("turn_offered") == ["al", "bo", "dee"]
        assert recorder.named("share_started") == ["al", "dee"]
        assert recorder.named("share_ended") == [("al", 130.0), ("dee", 10.0)]
        assert recorder.named("passed") == ["bo"]
        assert recorder.named("rule_breach_attempted") == ["no-cross-talk"]
        assert recorder.named("session_paused") == ["dee"]
        assert recorder.named("session_resumed") == ["dee"]
        assert recorder.named("event_recorded") == [e.seq for e in s.events]
        assert s.hook_failures == []

    def test_time_warning_and_end(self, added):
        """time_warning is told about warnings, overtime and phase budgets; session_ended last."""
        recorder = Recorder()
        added(recorder, "recorder")
        clock = ps.ManualClock()
        s = ps.Session(small_group(), ps.formats.get("sharing-circle"), clock=clock)
        s.arrive("dee")
        s.consent("dee")
        s.advance(by="dee")
        s.start_share("dee")
        clock.advance(200)
        s.end_share("dee")
        s.end(by="dee")
        assert recorder.named("time_warning") == [K.TIME_WARNING, K.OVERTIME]
        assert recorder.named("session_ended") == [ps.SessionStatus.ENDED]

    def test_replay_does_not_call_hooks(self, added):
        """Replaying a log never tells the plugins again about events already told."""
        clock = ps.ManualClock()
        events = run_circle(clock).events
        recorder = Recorder()
        added(recorder, "recorder")
        restored = ps.Session.verify(small_group(), ps.formats.get("sharing-circle"), events)
        assert recorder.calls == []
        restored.arrive("dee")
        assert recorder.named("event_recorded") == [len(events)]

    def test_hooks_can_be_switched_off(self, added):
        """A session created with hooks=False tells no plugin."""
        recorder = Recorder()
        added(recorder, "recorder")
        s = ps.Session(small_group(), ps.formats.get("sharing-circle"), hooks=False)
        s.arrive("al")
        assert recorder.calls == []

    def test_a_verified_session_without_hooks_tells_no_plugin(self, added):
        """verify(hooks=False): the restored session's later events reach no plugin either."""
        events = run_circle(ps.ManualClock()).events
        recorder = Recorder()
        added(recorder, "recorder")
        fmt = ps.formats.get("sharing-circle")
        restored = ps.Session.verify(small_group(), fmt, events, hooks=False)
        restored.arrive("dee")
        assert recorder.calls == []
        assert restored.events[-1].kind is K.ARRIVED


class Exploding:
    """A plugin whose every lifecycle hook raises."""

    @ps.hookimpl
    def share_started(self, session, event):
        raise RuntimeError("boom in share_started")

    @ps.hookimpl
    def event_recorded(self, session, event):
        raise ValueError("boom in event_recorded")


class TestFailureIsolation:
    def test_a_failing_plugin_changes_nothing(self, added, caplog):
        """A plugin that raises never corrupts or rolls back the session; failures are recorded."""
        quiet = run_circle(ps.ManualClock())
        recorder = Recorder()
        added(Exploding(), "exploding")
        added(recorder, "recorder")
        with caplog.at_level(logging.ERROR, logger="peersupport.plugins"):
            loud = run_circle(ps.ManualClock())
        assert loud.events == quiet.events
        assert loud.state == quiet.state
        hooks = {(f.hook, f.plugin) for f in loud.hook_failures}
        assert hooks == {("share_started", "exploding"), ("event_recorded", "exploding")}
        assert len([f for f in loud.hook_failures if f.hook == "event_recorded"]) == len(
            loud.events
        )
        assert all(isinstance(f.error, RuntimeError | ValueError) for f in loud.hook_failures)
        # the other plugin was still told about everything
        assert recorder.named("event_recorded") == [e.seq for e in loud.events]
        assert "plugin 'exploding' raised in hook share_started" in caplog.text


class Claims:
    """A plugin that registers a turn policy, a rule and a format."""

    def __init__(self, *, replace: bool = False, name: str = "sharing-circle") -> None:
        self.replace = replace
        self.name = name

    @ps.hookimpl
    def register_turn_policies(self, register):
        register(ps.SeatOrder(), replace=self.replace)  # "seat-order" again

    @ps.hookimpl
    def register_rules(self, register):
        register(ps.ReservedTime(), replace=self.replace)  # "reserved-time" again

    @ps.hookimpl
    def register_formats(self, register):
        register(self.name, OpenSharing, replace=self.replace)


class TestRegistration:
    def test_collision_names_both_plugins(self):
        """Registering a name twice is refused, naming both plugins."""
        with pytest.raises(ps.PluginError) as exc:
            ps.plugins.add(Claims(), "claims")
        assert "'peersupport.builtin' and 'claims'" in str(exc.value)
        assert "seat-order" in str(exc.value)
        assert "sharing-circle" in ps.formats.names()  # the registry is whole again

    def test_replace_is_explicit(self, added):
        """With replace=True the second plugin replaces the first and is named as provider."""
        added(Claims(replace=True), "claims")
        assert ps.formats.installed()["sharing-circle"] == "claims"
        assert ps.plugins.registry().rules["reserved-time"].plugin == "claims"
        assert list(ps.formats.get("sharing-circle").phases) == ["opening", "sharing", "closing"]

    def test_misspelled_hooks_are_refused(self):
        """A hook implementation whose name is no hook would never run: refused, named."""

        class Typo:
            @ps.hookimpl
            def share_stated(self, session, event):  # share_started, misspelled
                raise AssertionError("never called")

        with pytest.raises(ps.PluginError, match=r"'typo'.*share_stated"):
            ps.plugins.add(Typo(), "typo")
        assert not ps.plugins.manager().has_plugin("typo")  # rolled back
        assert "sharing-circle" in ps.formats.names()

    def test_wrong_hook_arguments_are_refused(self):
        """A hook implementation asking for arguments the hook does not have is refused."""

        class Asks:
            @ps.hookimpl
            def share_started(self, session, event, mood):
                raise AssertionError("never called")

        with pytest.raises(ps.PluginError, match=r"'asks'.*mood"):
            ps.plugins.add(Asks(), "asks")
        assert "sharing-circle" in ps.formats.names()

    def test_lookups_while_loading_are_refused(self):
        """A registration hook that looks up formats gets a clear error, not a recursion."""

        class Looks:
            @ps.hookimpl
            def register_formats(self, register):
                ps.formats.get("sharing-circle")

        with pytest.raises(ps.PluginError, match="still being loaded"):
            ps.plugins.add(Looks(), "looks")
        assert "sharing-circle" in ps.formats.names()

    def test_invalid_format_is_refused_on_registration(self):
        """A format is validated when registered; the error names format, problem and plugin."""

        class Broken(ps.FormatChart):
            validate_disconnected_states = False
            a = ps.Phase("A", policy="seat-order", initial=True)
            lost = ps.Phase("Lost", policy="seat-order")
            b = ps.Phase("B", policy="facilitator-only", final=True)
            go = a.to(b) | lost.to(b)

        class Registers:
            @ps.hookimpl
            def register_formats(self, register):
                register("broken", Broken)

        with pytest.raises(ps.FormatError) as exc:
            ps.plugins.add(Registers(), "registers")
        message = str(exc.value)
        assert "'broken'" in message
        assert "'lost' cannot be reached" in message
        assert "'registers'" in message
        assert "broken" not in ps.formats.names()

    def test_trap_phase_is_refused(self):
        """A phase from which no final phase can be reached is refused."""

        class Trap(ps.FormatChart):
            validate_trap_states = False
            validate_final_reachability = False
            a = ps.Phase("A", policy="seat-order", initial=True)
            stuck = ps.Phase("Stuck", policy="seat-order")
            trapped = ps.Phase("Trapped", policy="seat-order")
            b = ps.Phase("B", policy="facilitator-only", final=True)
            go = a.to(b) | a.to(stuck) | a.to(trapped)

        with pytest.raises(ps.FormatError) as raised:
            ps.Format.from_chart("trap", Trap)
        assert raised.value.format_name == "trap"
        assert str(raised.value) == (
            "format 'trap': no final phase can be reached from phase(s) 'stuck', 'trapped'"
        )

    def test_unknown_rule_from_any_plugin(self):
        """A format may only name rules some plugin registered."""

        class Chart(ps.FormatChart):
            a = ps.Phase("A", policy="open-floor", initial=True, rules=("no-such-rule",))
            b = ps.Phase("B", policy="facilitator-only", final=True)
            go = a.to(b)

        with pytest.raises(ps.FormatError, match="unknown rule 'no-such-rule'"):
            ps.Format.from_chart("x", Chart)

    def test_third_party_policy_and_rule(self, added):
        """A plugin's own turn policy and rule can be used by its own format."""

        class FacilitatorFirst(ps.TurnPolicy):
            name = "facilitator-first"

            def check_take_floor(self, session, member, role):
                if not role.facilitates and not session.phase_shares:
                    raise ps.NotYourTurn(member, "start_share", self.name, "the chair opens")

        class NoLongNames(ps.Rule):
            id = "short-ids"
            actions = frozenset({"start_share"})

            def check(self, session, action, member, now):
                if len(member) > 2:
                    raise ps.RuleViolation(member, action, self.id, "ids of two letters only")

        class Chart(ps.FormatChart):
            talk = ps.Phase("Talk", policy="facilitator-first", initial=True, rules=("short-ids",))
            done = ps.Phase("Done", policy="facilitator-only", final=True)
            advance = talk.to(done)

        class Mine:
            @ps.hookimpl
            def register_turn_policies(self, register):
                register(FacilitatorFirst())

            @ps.hookimpl
            def register_rules(self, register):
                register(NoLongNames())

            @ps.hookimpl
            def register_formats(self, register):
                register("mine", Chart, title="Mine")

        added(Mine(), "mine")
        s = ps.Session(small_group(), ps.formats.get("mine"), clock=ps.ManualClock())
        for m in ("dee", "al"):
            s.arrive(m)
            s.consent(m)
        with pytest.raises(ps.NotYourTurn) as exc:
            s.start_share("al")
        assert exc.value.rule == "facilitator-first"
        with pytest.raises(ps.RuleViolation) as exc2:
            s.start_share("dee")
        assert exc2.value.rule == "short-ids"


def _example_installed() -> bool:
    try:
        metadata.distribution("peersupport-lightning")
    except metadata.PackageNotFoundError:
        return False
    return True


@pytest.fixture(scope="module")
def example_plugin():
    """The example plugin in examples/plugin, installed into this environment."""
    if not _example_installed():
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", str(ROOT / "examples/plugin")],
            check=True,
        )
        ps.plugins.reload()
    assert _example_installed()
    return "lightning"


class TestExamplePlugin:
    def test_discovered_through_its_entry_point(self, example_plugin):
        """The installed example plugin is found through the `peersupport` entry point."""
        entry_points = metadata.entry_points(group="peersupport")
        assert example_plugin in {ep.name for ep in entry_points}
        assert ps.formats.installed()["lightning-round"] == example_plugin
        assert ps.plugins.registry().rules["no-back-to-back"].plugin == example_plugin

    def test_all_formats_listed(self, example_plugin):
        """formats.names() lists the ten built-in formats and the plugin's."""
        assert ps.formats.names() == [
            "dbsa",
            "free-discussion",
            "lightning-round",
            "open-sharing",
            "orientation",
            "peer-support-group",
            "sharing-circle",
            "smart-recovery",
            "speaker-meeting",
            "talking-piece-circle",
            "twelve-step",
        ]

    def test_runs_end_to_end(self, example_plugin):
        """A lightning round runs from opening to closing with the plugin's rule enforced."""
        clock = ps.ManualClock()
        s = ps.Session(small_group(), ps.formats.get("lightning-round"), clock=clock)
        for m in ("dee", "al", "bo"):
            s.arrive(m)
            s.consent(m)
        s.advance(by="dee")
        while (member := s.offered_to()) is not None:
            s.start_share(member)
            clock.advance(90)
            s.apply_due()  # the hard cap ends it at 60 s
        assert [e.data["duration"] for e in s.events if e.kind is K.SHARE_ENDED] == [60.0] * 3
        s.advance(by="dee")
        s.start_share("al")
        clock.advance(30)
        s.end_share("al")
        with pytest.raises(ps.RuleViolation) as exc:
            s.start_share("al")
        assert exc.value.rule == "no-back-to-back"
        s.start_share("bo")
        s.end_share("bo")
        s.start_share("al")
        s.end_share("al")
        s.advance(by="dee")
        s.end(by="dee")
        assert ps.Session.verify(s.group, s.format, s.events).state == s.state

    @pytest.mark.parametrize(
        ("setting", "expected"),
        [("", False), ("lightning", True), ("someone-else,lightning", None)],
    )
    def test_environment_variable_limits_plugins(self, example_plugin, setting, expected):
        """PEERSUPPORT_PLUGINS limits which installed plugins load."""
        code = "import peersupport as ps; print('lightning-round' in ps.formats.names())"
        env = {**os.environ, "PEERSUPPORT_PLUGINS": setting}
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True
        )
        if expected is None:
            assert result.returncode != 0
            assert "PEERSUPPORT_PLUGINS names 'someone-else'" in result.stderr
        else:
            assert result.returncode == 0, result.stderr
            assert result.stdout.strip() == str(expected)
