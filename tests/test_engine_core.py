"""Engine core: atomic actions, safe hooks, validated input, rules in the registry, threads."""

from __future__ import annotations

import math
import threading
from typing import Any

import pytest

import peersupport as ps
from people import EVERYONE, T0, around, make_group

K = ps.EventKind


def snapshot(session):
    return session.state, list(session.events)


class BrokenNotice(ps.Rule):
    """A rule whose notice raises (or returns what it is given)."""

    id = "broken-notice"
    watches = frozenset({K.SHARE_ENDED})

    def __init__(self, error: BaseException | None = None, data: Any = None) -> None:
        self.error = error
        self.data = data

    def notice(self, session, event):
        if self.error is not None:
            raise self.error
        return self.data


class Chart(ps.FormatChart):
    """Opening, then a seat-order round that names the rule under test."""

    opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
    sharing = ps.Phase("Sharing", policy="seat-order", rules=("broken-notice",))
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)
    advance = opening.to(sharing) | sharing.to(closing, cond="round_complete")


def session_with(rule: ps.Rule, clock: ps.ManualClock) -> ps.Session:
    rules = {**ps.plugins.registry().rules}
    fmt = ps.Format.from_chart(
        "broken",
        Chart,
        rules={**{k: v.item for k, v in rules.items()}, rule.id: rule},
    )
    s = ps.Session(make_group(), fmt, clock=clock, hooks=False)
    for m in ("dee", "al", "bo"):
        s.arrive(m)
        s.consent(m)
    s.advance(by="dee")
    s.start_share("al")
    clock.advance(30)
    return s


class TestAtomicActions:
    """An action appends all of its events and changes, or none."""

    def test_a_notice_that_raises_changes_nothing(self, clock):
        """A plugin rule whose notice() raises: PluginError naming it, and nothing recorded."""
        s = session_with(BrokenNotice(RuntimeError("oops")), clock)
        before = snapshot(s)
        with pytest.raises(ps.PluginError, match=r"rule 'broken-notice'.*RuntimeError: oops") as e:
            s.end_share("al")
        assert snapshot(s) == before
        assert isinstance(e.value.__cause__, RuntimeError)  # the original error
        clock.advance(1)
        with pytest.raises(ps.PluginError):
            s.end_share("al")  # the rule still raises; the session is still consistent
        assert s.state.floor.holder == "al"
        assert ps.Session.restore(s.group, s.format, s.events).state == s.state

    def test_keyboard_interrupt_changes_nothing(self, clock):
        """A KeyboardInterrupt in the middle of recording leaves the session as it was."""
        rule = BrokenNotice(KeyboardInterrupt())
        s = session_with(rule, clock)
        before = snapshot(s)
        with pytest.raises(KeyboardInterrupt):
            s.end_share("al")
        assert snapshot(s) == before
        rule.error = None
        event = s.end_share("al")  # the session goes on
        assert event.kind is K.SHARE_ENDED
        assert ps.Session.restore(s.group, s.format, s.events).state == s.state

    @pytest.mark.parametrize(
        "data",
        [
            {"said": "I felt awful when my sister called"},
            {"part": float("nan")},
            {"note": ["not an id list"]},
            {"deep": {"nested": 1}},
        ],
    )
    def test_a_notice_cannot_put_free_text_into_the_log(self, clock, data):
        """Notice data must be ids, names, numbers or flags; anything else is refused."""
        s = session_with(BrokenNotice(data=data), clock)
        before = snapshot(s)
        with pytest.raises(ps.PluginError, match="broken-notice"):
            s.end_share("al")
        assert snapshot(s) == before

    def test_a_policy_that_raises_is_named(self, clock, added):
        """A turn policy whose check raises something else than a refusal: PluginError."""

        class Crashes(ps.TurnPolicy):
            name = "crashes"

            def check_take_floor(self, session, member, role):
                raise ZeroDivisionError("bug")

        class Plugin:
            @ps.hookimpl
            def register_turn_policies(self, register):
                register(Crashes())

        added(Plugin(), "crashing-policy")

        class CrashChart(ps.FormatChart):
            a = ps.Phase("A", policy="crashes", initial=True)
            b = ps.Phase("B", policy="facilitator-only", final=True)
            go = a.to(b)

        s = ps.Session(make_group(), ps.Format.from_chart("crash", CrashChart), clock=clock)
        s.arrive("al")
        s.consent("al")
        before = snapshot(s)
        with pytest.raises(
            ps.PluginError, match="turn policy 'crashes' of plugin 'crashing-policy'"
        ) as caught:
            s.start_share("al")
        assert snapshot(s) == before
        # docs/plugins/index.md: the original error is its __cause__ (found by mutation testing)
        assert isinstance(caught.value.__cause__, ZeroDivisionError)

    def test_a_policy_failing_while_an_event_is_recorded_is_named(self, clock, added):
        """A turn policy's offered() raising for the hooks, after the checks: nothing recorded.

        The hooks are told whom the floor is offered to after each event, so the
        policy runs while the event is being recorded; the action is undone and the
        error names the plugin, the event and the original error (its ``__cause__``).
        If the policy fails again while the state is rebuilt from the log, the next
        action says so, and the session goes on once the policy works.
        """
        broken = {"on": False}

        class OfferBreaks(ps.TurnPolicy):
            name = "offer-breaks"
            rounds = True
            offers = ps.Offer.NEXT_IN_ORDER
            speakers = ps.Speakers.OFFERED

            def offered(self, floor):
                if broken["on"]:
                    raise ZeroDivisionError("bug")
                return super().offered(floor)

        class Plugin:
            @ps.hookimpl
            def register_turn_policies(self, register):
                register(OfferBreaks())

            @ps.hookimpl
            def turn_offered(self, session, member):
                heard.append(member)

        heard: list[str] = []
        added(Plugin(), "offer-breaks-plugin")

        def failure(action) -> str:
            """The PluginError's message, once its cause is checked to be the policy's error."""
            with pytest.raises(ps.PluginError) as caught:
                action()
            assert isinstance(caught.value.__cause__, ZeroDivisionError)
            return str(caught.value)

        fmt = ps.Format.from_chart("offer", around("offer-breaks"))
        s = ps.Session(make_group(), fmt, clock=clock)
        for m in ("dee", "al", "bo"):
            s.arrive(m)
            s.consent(m)
        s.advance(by="dee")
        s.start_share("al")
        clock.advance(10)
        before = snapshot(s)
        broken["on"] = True
        assert failure(lambda: s.end_share("al")) == (
            "recording 'share_ended' failed in turn policy 'offer-breaks' of plugin "
            "'offer-breaks-plugin' (ZeroDivisionError: bug); the session is as it was "
            "before the action"
        )
        assert snapshot(s) == before
        broken["on"] = False
        ended = s.end_share("al")
        assert (ended.kind, ended.seq, ended.data["duration"]) == (
            K.SHARE_ENDED,
            len(before[1]),
            10.0,
        )
        before = snapshot(s)
        # An arrival asks no policy in its checks; recording it does (for the hooks),
        # and so does rebuilding the state after it is undone: the session stays
        # to be rebuilt, and the next action tries again and says what failed.
        broken["on"] = True
        assert failure(lambda: s.arrive("cy")).startswith(
            "recording 'arrived' failed in turn policy"
        )
        assert failure(lambda: s.arrive("cy")) == (
            "arrive (rebuilding the state from the log) failed in turn policy "
            "'offer-breaks' of plugin 'offer-breaks-plugin' (ZeroDivisionError: bug); "
            "the session is as it was before the action"
        )
        broken["on"] = False  # mended: the session goes on from its log
        assert snapshot(s) == before
        assert s.arrive("cy").seq == ended.seq + 1
        assert ps.Session.restore(s.group, s.format, s.events).state == s.state
        assert heard == ["al", "bo"]  # the hooks heard of recorded events only

    def test_share_limits_that_raise_are_named(self, make_session, clock, added):
        """A replaced share-time-limit whose limits() raises: PluginError naming it, no change."""

        class SharingLimitsFail(ps.ShareTimeLimit):
            def limits(self, phase, agreement):
                if phase.id == "sharing":
                    raise ZeroDivisionError("no limit")
                return super().limits(phase, agreement)

        class Plugin:
            @ps.hookimpl
            def register_rules(self, register):
                register(SharingLimitsFail(), replace=True)

        added(Plugin(), "failing-limits")
        s = make_session("sharing-circle")
        s.advance(by="dee", to="check_in")
        s.close_round(by="dee")
        before = snapshot(s)
        message = (
            r"rule 'share-time-limit' of plugin 'failing-limits' failed in limits\(\) "
            r"for phase 'sharing' \(ZeroDivisionError: no limit\)"
        )
        for _ in range(2):  # the session stays consistent: the same error again
            with pytest.raises(ps.PluginError, match=message):
                s.advance(by="dee", to="sharing")
            assert snapshot(s) == before
        assert ps.Session.restore(s.group, s.format, s.events).state == s.state

    def test_an_engine_failure_while_recording_changes_nothing(self, make_session, monkeypatch):
        """A failure of the engine's own code while recording blames no plugin, undoes all.

        No public action reaches this without an engine bug, so the bug is injected:
        the fold's step for ``share_started`` raises (its table is a plain dict,
        also when the engine is compiled).
        """
        from peersupport.engine import fold  # white-box: the fault is the engine's own

        s = make_session()
        s.advance(by="dee", to="check_in")
        before = snapshot(s)
        bug = RuntimeError("x" * 300)

        def broken(*args: object) -> None:
            raise bug

        monkeypatch.setitem(fold._APPLY, K.SHARE_STARTED, broken)
        with pytest.raises(ps.PeersupportError) as caught:
            s.start_share("al")
        assert type(caught.value) is ps.PeersupportError  # not a PluginError
        assert caught.value.__cause__ is bug
        assert str(caught.value) == (
            "recording 'share_started' failed (RuntimeError: " + "x" * 195 + " …); "
            "the session is as it was before the action"
        )
        assert snapshot(s) == before
        monkeypatch.undo()
        assert s.start_share("al").seq == len(before[1])
        assert ps.Session.restore(s.group, s.format, s.events).state == s.state

    def test_an_automatic_rollover_and_its_turn_are_one(self, make_session, popcorn, clock):
        """A refused turn does not leave the automatic roll-over it would have started."""
        s = make_session(popcorn, arrive=["dee", "al", "bo", "ob"])
        s.advance(by="dee")
        for m in ("al", "bo", "dee"):
            s.pass_turn(m)
        before = snapshot(s)
        with pytest.raises(ps.PermissionDenied, match="observers-listen"):
            s.start_share("ob")  # refused after the roll-over was checked
        assert snapshot(s) == before
        s.start_share("bo")
        kinds = [e.kind for e in s.events[-2:]]
        assert kinds == [K.ROUND_STARTED, K.SHARE_STARTED]


class TestHooks:
    """Hooks are told after the action, in log order, with immutable values."""

    def test_hooks_get_a_read_only_view_in_log_order(self, added, clock, group, popcorn):
        """event_recorded sees every event in order, each with the state right after it."""
        seen: list[tuple[int, Any, ps.SessionState]] = []

        class Listener:
            @ps.hookimpl
            def event_recorded(self, session, event):
                seen.append((event.seq, type(session), session.state))

        added(Listener(), "listener")
        s = ps.Session(group, popcorn, clock=clock)
        for m in ("dee", "al", "bo"):
            s.arrive(m)
            s.consent(m)
        s.advance(by="dee")
        for m in ("al", "bo", "dee", "al"):  # the fourth turn starts round 2 by itself
            s.pass_turn(m)
        assert [seq for seq, _t, _s in seen] == list(range(len(s.events)))
        assert {kind for _seq, kind, _s in seen} == {ps.SessionView}
        rollover = next(e for e in s.events if e.kind is K.ROUND_STARTED)
        assert seen[rollover.seq][2].round == 2
        assert seen[rollover.seq][2].floor.had_turn == frozenset()
        assert seen[-1][2] == s.state

    def test_a_hook_cannot_act_on_the_session(self, added, clock, group, circle):
        """An action from inside a hook is refused (SessionBusy), recorded as a hook failure."""
        live: list[ps.Session] = []

        class Meddler:
            @ps.hookimpl
            def share_started(self, session, event):
                live[0].end_share(event.member)

        added(Meddler(), "meddler")
        s = ps.Session(group, circle, clock=clock)
        live.append(s)
        for m in ("dee", "al", "bo"):
            s.arrive(m)
            s.consent(m)
        s.advance(by="dee")
        s.start_share("al")
        assert s.state.floor.holder == "al"
        (failure,) = s.hook_failures
        assert isinstance(failure.error, ps.SessionBusy)
        assert failure.error.rule == "one-action-at-a-time"

    def test_a_hook_cannot_rewrite_history(self, added, clock, group, circle):
        """The event a hook gets is immutable: changing its data raises, the log is intact."""

        class Rewriter:
            @ps.hookimpl
            def share_ended(self, session, event):
                event.data["duration"] = 0.0

        added(Rewriter(), "rewriter")
        s = ps.Session(group, circle, clock=clock)
        for m in ("dee", "al"):
            s.arrive(m)
            s.consent(m)
        s.advance(by="dee")
        s.start_share("al")
        clock.advance(42)
        s.end_share("al")
        assert isinstance(s.hook_failures[0].error, TypeError)
        assert s.events[-1].data["duration"] == 42.0

    def test_a_log_persisted_from_a_hook_reloads(self, added, clock, group, popcorn, tmp_path):
        """Writing each event from event_recorded gives a log that loads and restores."""
        path = tmp_path / "live.jsonl"

        class Persist:
            @ps.hookimpl
            def event_recorded(self, event):
                with path.open("a", encoding="utf-8") as file:
                    file.write(ps.events.dumps([event]))

        added(Persist(), "persist")
        s = ps.Session(group, popcorn, clock=clock)
        for m in ("dee", "al", "bo"):
            s.arrive(m)
            s.consent(m)
        s.advance(by="dee")
        for m in ("al", "bo", "dee", "al"):
            s.start_share(m)
            clock.advance(400)  # warning, overtime and the phase budget fall due
            s.end_share(m)
        restored = ps.Session.restore(group, popcorn, ps.events.load(path))
        assert restored.state == s.state


class TestValidatedInput:
    def test_a_session_needs_a_group_and_a_format_not_their_names(self):
        """A format's name (or a group's) where the object goes: TypeError saying so."""
        group, circle = make_group(), ps.formats.get("sharing-circle")
        calls = [
            lambda f: ps.Session(group, f),
            lambda f: ps.Session.restore(group, f, []),
            lambda f: list(ps.Session.restore_steps(group, f, [])),
            lambda f: ps.Session.verify(group, f, []),
        ]
        for call in calls:
            with pytest.raises(TypeError) as caught:
                call("sharing-circle")
            assert str(caught.value) == (
                "a session needs a peersupport.Format, got 'sharing-circle'; "
                "ps.formats.get('sharing-circle') gives the installed format of that name"
            )
        with pytest.raises(TypeError) as caught:
            ps.Session("Thursday circle", circle)
        assert str(caught.value) == "a session needs a peersupport.Group, got 'Thursday circle'"
        with pytest.raises(TypeError, match=r"^a session needs a peersupport.Format, got 7$"):
            ps.Session(group, 7)

    @pytest.mark.parametrize(
        ("setting", "value", "problem"),
        [
            ("share_limit", 10**400, "out of range"),
            ("share_limit", math.inf, "finite"),
            ("warn_at", math.nan, "finite"),
            ("reserved_time", -5, "more than 0"),
            ("share_limit", 86_401, "at most 86400"),
            ("share_the_air", 1.5, "fraction"),
            ("hard_cap", 1, "True or False"),
        ],
    )
    def test_agreement_numbers_are_bounded(self, setting, value, problem):
        """Agreement settings must be finite and within bounds, or ValueError names them."""
        with pytest.raises(ValueError, match=problem):
            ps.Agreement(**{setting: value})

    def test_an_amendment_out_of_bounds_changes_nothing(self, session):
        """A share limit of 10**400 agreed in a session is refused before anything changes."""
        before = snapshot(session)
        with pytest.raises(ValueError, match="share_limit"):
            session.amend_agreement(by="dee", share_limit=10**400)
        assert snapshot(session) == before

    @pytest.mark.parametrize("reading", [math.nan, math.inf, -math.inf, 1e300, "soon", None])
    def test_a_clock_that_is_not_a_time(self, session, reading):
        """A clock reading NaN, inf, or no number at all is refused; nothing changes."""

        class Broken:
            def now(self):
                return reading

        before = snapshot(session)
        session.clock = Broken()
        with pytest.raises(ps.ClockError, match="the clock returned"):
            session.advance(by="dee")
        assert snapshot(session) == before

    def test_a_clock_that_goes_back(self, session, clock):
        """A clock going back is refused, naming both times."""
        session.clock = ps.ManualClock(T0 - 5)
        with pytest.raises(ps.ClockError, match="went back"):
            session.advance(by="dee")

    @pytest.mark.parametrize(
        ("member_id", "problem"),
        [
            ("", "empty"),
            ("a" * 65, "at most 64"),
            ("al ice", "whitespace"),
            ("al\tice", "whitespace"),
            ("al\u200bice", "invisible"),
            ("al@example.org", "e-mail"),
            (7, "string"),
        ],
    )
    def test_ids_are_checked(self, member_id, problem, open_group_session):
        """One function checks every id: members, visitors and those who act for them."""
        with pytest.raises(ValueError, match=problem):
            ps.Member(member_id, "Al")
        with pytest.raises(ps.NotAMember, match=problem) as info:
            open_group_session.arrive(member_id)
        assert info.value.rule == "member-id"

    @pytest.mark.parametrize(
        ("action", "args", "options"),
        [
            ("arrive", (), {}),
            ("leave", (), {}),
            ("consent", (), {}),
            ("start_share", (), {}),
            ("end_share", (), {}),
            ("pass_turn", (), {}),
            ("interject", (), {}),
            ("call_on", (), {}),
            ("skip", (), {}),
            ("raise_hand", (), {}),
            ("lower_hand", (), {}),
            ("move_hand", (0,), {}),
            ("raise_point", (), {}),
            ("acknowledge_point", (), {}),
            ("resolve_point", (), {}),
            ("refer", (), {"to": "crisis-line"}),
            ("listen", (), {}),
            ("propose_item", (), {}),
            ("propose_amendment", (), {"share_limit": 200}),
        ],
    )
    def test_every_action_checks_the_member_s_id(self, session, action, args, options):
        """A member id that is not an id is refused by name, whoever acts, and changes nothing."""
        before = snapshot(session)
        with pytest.raises(ps.NotAMember) as info:
            getattr(session, action)(7, *args, by="dee", **options)
        error = info.value
        assert (error.actor, error.action, error.rule) == ("dee", action, "member-id")
        assert str(error).startswith(f"dee may not {action}: ")
        assert snapshot(session) == before

    @pytest.mark.parametrize(
        ("action", "args", "options"),
        [
            ("advance", (), {}),
            ("new_round", (), {}),
            ("close_round", (), {}),
            ("skip", ("al",), {}),
            ("amend_agreement", (), {"share_limit": 200}),
            ("pause", (), {}),
            ("resume", (), {}),
            ("end", (), {}),
            ("call_on", ("al",), {}),
            ("clear_hands", (), {}),
            ("move_hand", ("al", 0), {}),
            ("acknowledge_point", ("al",), {}),
            ("resolve_point", ("al",), {}),
            ("refer", ("al",), {"to": "crisis-line"}),
            ("skip_to", ("closing",), {}),
            ("decide_amendment", (1,), {"agree": 1, "disagree": 0, "stand_aside": 0}),
            ("withdraw_amendment", (1,), {}),
        ],
    )
    def test_every_facilitator_action_checks_the_facilitator_s_id(
        self, session, action, args, options
    ):
        """A facilitator's id that is not an id is refused by name, and changes nothing."""
        before = snapshot(session)
        with pytest.raises(ps.NotAMember) as info:
            getattr(session, action)(*args, by=7, **options)
        assert (
            str(info.value)
            == f"someone may not {action}: ids are strings, not 7 (rule 'member-id')"
        )
        assert snapshot(session) == before

    def test_a_group_file_names_an_installed_format(self, tmp_path, group):
        """default_format must be an installed format."""
        path = tmp_path / "g.json"
        ps.dump_group(group, path)
        path.write_text(path.read_text().replace("sharing-circle", "knitting"), encoding="utf-8")
        with pytest.raises(ps.ConfigError, match="default_format: 'knitting' is not an installed"):
            ps.load_group(path)

    @pytest.mark.parametrize(
        ("text", "problem"),
        [
            ('{"name": "x", "name": "y", "members": []}', "duplicate key 'name'"),
            ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
            (
                '{"name": "x", "members": [], "agreement": {"share_limit": 1' + "0" * 5000 + "}}",
                "JSON",
            ),
        ],
    )
    def test_malformed_group_files(self, tmp_path, text, problem):
        """Hostile group files give a short ConfigError naming the file."""
        path = tmp_path / "g.json"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ps.ConfigError, match=problem) as info:
            ps.load_group(path)
        assert len(str(info.value)) < 300 + len(str(path))


@pytest.fixture
def open_group_session(clock):
    s = ps.Session(make_group(closed=False), ps.formats.get("sharing-circle"), clock=clock)
    s.arrive("dee")
    return s


def opened(group: ps.Group | None = None, fmt: str = "sharing-circle", people=EVERYONE):
    """A session of ``fmt`` where ``people`` arrived and consented, and its clock."""
    clock = ps.ManualClock(T0)
    s = ps.Session(group or make_group(), ps.formats.get(fmt), clock=clock)
    for person in people:
        s.arrive(person)
        s.consent(person)
    return s, clock


def cofacilitated() -> ps.Group:
    return make_group().with_member(ps.Member("al", "Al"), ps.Role.CO_FACILITATOR)


def _ended(s, _clock):
    s.end(by="dee")
    return lambda: s.arrive("ob")


def _paused(s, _clock):
    s.advance(by="dee")
    s.pause(by="dee")
    return lambda: s.start_share("al")


def _holding(s, _clock):
    s.advance(by="dee")
    s.start_share("al")
    return lambda: s.pass_turn("bo")


def _in_check_in(s, _clock):
    s.advance(by="dee")
    return lambda: s.pass_turn("al", by="bo")


def _gone(s, _clock):
    s.leave("dee")
    return lambda: s.advance(by="dee")


def _firm(s, clock):
    s.advance(by="dee")
    clock.advance(20 * 60)
    s.apply_due()
    return lambda: s.start_share("al")


def _alone(s, _clock):
    s.leave("al")
    return lambda: s.advance(by="dee")


def _none_left(s, _clock):
    s.advance(by="dee")
    s.leave("dee")
    s.leave("al")
    return lambda: s.start_share("bo")


CHECKS = [
    ({}, _ended, "ob may not arrive: the session has ended (rule 'session-ended')"),
    ({}, _paused, "al may not start_share: the session is paused; the facilitator resumes it "
     "(rule 'paused')"),
    ({}, lambda s, c: lambda: s.start_share(7, by="dee"),
     "dee may not start_share: ids are strings, not 7 (rule 'member-id')"),
    ({}, lambda s, c: lambda: s.start_share("al", by=7),
     "al may not start_share: ids are strings, not 7 (rule 'member-id')"),
    ({"group": make_group(closed=False)}, lambda s, c: lambda: s.consent("zz"),
     "zz may not consent: zz has not arrived (rule 'present')"),
    ({}, _in_check_in, "bo may not pass_turn: a member acts only for themself; only a "
     "facilitator may act for al (rule 'acts-for-themself')"),
    ({}, lambda s, c: lambda: s.arrive("ob", by="bo"), "bo may not arrive: a member acts "
     "only for themself; only a facilitator may sign in ob (rule 'acts-for-themself')"),
    ({"people": ("dee", "al")}, lambda s, c: lambda: s.start_share("cy"),
     "cy may not start_share: cy is not present (arrive first) (rule 'present')"),
    ({}, _holding, "bo may not pass_turn: al holds the floor (rule 'one-voice-at-a-time')"),
    ({}, lambda s, c: lambda: s.arrive("al"), "al may not arrive: al is already present "
     "(rule 'present')"),
    ({}, lambda s, c: lambda: s.consent("al"), "al may not consent: al already consented to "
     "agreement v1 (rule 'consent')"),
    ({"people": ("dee", "al")}, lambda s, c: lambda: s.leave("cy"), "cy may not leave: cy is "
     "not present (arrive first) (rule 'present')"),
    ({}, _gone, "dee may not advance: dee is not present (rule 'present')"),
    ({"group": make_group(ps.Agreement(phase_cap=True))}, _firm, "al may not start_share: "
     "the budget of Check-in is used up and the agreement makes it firm; move on "
     "(rule 'phase-cap')"),
    ({"group": cofacilitated(), "fmt": "peer-support-group", "people": ("dee", "al", "bo")},
     _alone, "dee may not advance: format 'peer-support-group' is run by 2 facilitators "
     "and 1 is present (dee); wait for the other, or pause (rule 'facilitators-present')"),
    ({"group": cofacilitated(), "fmt": "peer-support-group", "people": ("dee", "al", "bo")},
     _none_left, "bo may not start_share: format 'peer-support-group' is run by 2 "
     "facilitators and 0 are present (none); wait for the other, or pause "
     "(rule 'facilitators-present')"),
]  # fmt: skip


class TestChecksSayWhy:
    """Each of the engine's checks refuses in one sentence: who, what, why, which rule."""

    @pytest.mark.parametrize(("setup", "arrange", "sentence"), CHECKS)
    def test_word_for_word(self, setup, arrange, sentence):
        s, clock = opened(**setup)
        action = arrange(s, clock)
        before = (s.state, len(s.events))
        with pytest.raises(ps.ActionRejected) as error:
            action()
        assert str(error.value) == sentence
        assert (s.state, len(s.events)) == before


class TestRulesLiveInTheRegistry:
    def test_replacing_an_always_on_rule_replaces_it(self, added, clock):
        """A plugin that replaces right-to-pass with replace=True really changes the engine."""

        class NobodyPasses(ps.RightToPass):
            def check(self, session, action, member, now):
                raise ps.RuleViolation(member, action, self.id, "nobody passes here")

        class Plugin:
            @ps.hookimpl
            def register_rules(self, register):
                register(NobodyPasses(), replace=True)

        added(Plugin(), "strict-passing")
        fmt = ps.formats.get("sharing-circle")
        assert isinstance(fmt.always_on.right_to_pass, NobodyPasses)
        s = ps.Session(make_group(), fmt, clock=clock)
        for m in ("dee", "al"):
            s.arrive(m)
            s.consent(m)
        s.advance(by="dee")
        with pytest.raises(ps.RuleViolation, match="nobody passes here"):
            s.pass_turn("al")

    def test_a_plugin_policy_with_rounds_gets_fairness(self, added, clock):
        """A policy that declares rounds and checks nothing still gets one turn per round."""

        class Anyone(ps.TurnPolicy):
            name = "anyone-with-rounds"
            rounds = True

        class Plugin:
            @ps.hookimpl
            def register_turn_policies(self, register):
                register(Anyone())

        added(Plugin(), "rounds-policy")

        class RoundChart(ps.FormatChart):
            a = ps.Phase("A", policy="anyone-with-rounds", initial=True)
            b = ps.Phase("B", policy="facilitator-only", final=True)
            go = a.to(b, cond="round_complete")

        s = ps.Session(make_group(), ps.Format.from_chart("rounds", RoundChart), clock=clock)
        for m in ("dee", "al", "bo"):
            s.arrive(m)
            s.consent(m)
        s.start_share("al")
        s.end_share("al")
        with pytest.raises(ps.RuleViolation) as info:
            s.start_share("al")
        assert info.value.rule == "one-share-per-round"

    def test_refusals_name_whoever_acted(self, session):
        """A facilitator acting for a member is named in the refusal, not the member."""
        session.advance(by="dee")
        with pytest.raises(ps.NotYourTurn) as info:
            session.start_share("bo", by="dee")  # it is al's turn
        assert (info.value.actor, info.value.rule) == ("dee", "seat-order")
        assert str(info.value).startswith("dee may not start_share")

    def test_every_check_id_is_a_documented_constant(self):
        """The engine's own check ids are constants, each described once."""
        from peersupport.engine import checks

        constants = {
            v
            for k, v in vars(checks).items()
            if k.isupper() and not k.startswith("_") and isinstance(v, str)
        }
        assert constants == set(checks.CHECKS)
        assert all(checks.CHECKS[c] for c in constants)


class TestThreads:
    def test_plugins_load_from_many_threads(self):
        """Eight threads that all need the plugins at once all get them, without errors."""
        ps.plugins.reload()
        barrier = threading.Barrier(8)
        results: list[object] = []
        errors: list[BaseException] = []

        def work() -> None:
            barrier.wait()
            try:
                results.append(ps.formats.get("sharing-circle"))
            except BaseException as exc:  # pragma: no cover - the failure being tested
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(results) == 8
        assert all(r is results[0] for r in results)

    def test_two_threads_at_once_are_refused(self, clock, added):
        """A second thread acting while an action is in progress gets SessionBusy."""
        inside, release = threading.Event(), threading.Event()

        class Slow(ps.Rule):
            id = "slow"
            actions = frozenset({"start_share"})

            def check(self, session, action, member, now):
                inside.set()
                release.wait(5)

        class SlowChart(ps.FormatChart):
            a = ps.Phase("A", policy="open-floor", rules=("slow",), initial=True)
            b = ps.Phase("B", policy="facilitator-only", final=True)
            go = a.to(b)

        rules = {k: v.item for k, v in ps.plugins.registry().rules.items()}
        fmt = ps.Format.from_chart("slow", SlowChart, rules={**rules, "slow": Slow()})
        s = ps.Session(make_group(), fmt, clock=clock)
        for m in ("dee", "al", "bo"):
            s.arrive(m)
            s.consent(m)
        worker = threading.Thread(target=s.start_share, args=("al",))
        worker.start()
        assert inside.wait(5)
        with pytest.raises(ps.SessionBusy) as info:
            s.start_share("bo")
        release.set()
        worker.join()
        assert info.value.rule == "one-action-at-a-time"
        assert s.state.floor.holder == "al"
