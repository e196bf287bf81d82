import pytest

import peersupport as ps
from people import BUILTIN_FORMATS, EVERYONE, make_group


def compile_chart(chart, name="test-format"):
    return ps.Format.from_chart(name, chart)


def refusal(chart, name="test-format", **options) -> str:
    """The message of the FormatError compiling ``chart`` raises."""
    with pytest.raises(ps.FormatError) as error:
        ps.Format.from_chart(name, chart, **options)
    return str(error.value)


class TestBuiltinFormats:
    def test_names(self):
        """Every built-in format is installed."""
        assert set(BUILTIN_FORMATS) <= set(ps.formats.names())

    def test_unknown_format(self):
        """Asking for an unknown format names the installed ones."""
        with pytest.raises(KeyError, match="sharing-circle"):
            ps.formats.get("no-such-format")

    def test_sharing_circle_phases(self):
        """The sharing circle runs opening, check-in, sharing, check-out, closing."""
        fmt = ps.formats.get("sharing-circle")
        assert list(fmt.phases) == ["opening", "check_in", "sharing", "check_out", "closing"]
        assert fmt.initial == "opening"
        assert fmt.phases["check_in"].policy.name == "seat-order"
        assert fmt.phases["opening"].policy.name == "facilitator-only"
        assert fmt.phases["closing"].final
        assert not any(p.cross_talk for p in fmt.phases.values())
        targets = {t.target for t in fmt.phases["sharing"].transitions}
        assert targets == {"sharing", "check_out"}

    def test_open_sharing_is_popcorn(self):
        """Open sharing's middle phase is popcorn sharing."""
        fmt = ps.formats.get("open-sharing")
        assert fmt.phases["sharing"].policy.name == "popcorn"

    def test_mermaid_is_drawn_from_the_chart(self):
        """The mermaid diagram comes from the chart and names every phase."""
        text = ps.formats.get("sharing-circle").mermaid()
        assert text.startswith("stateDiagram-v2")
        for phase in ("opening", "check_in", "sharing", "check_out", "closing"):
            assert phase in text
        assert "round_complete" in text


class TestValidation:
    def test_phase_without_policy(self):
        """A phase with no turn policy is refused, naming the format and phase."""

        class Chart(ps.FormatChart):
            a = ps.Phase("A", initial=True)
            b = ps.Phase("B", policy="facilitator-only", final=True)
            go = a.to(b)

        assert refusal(Chart) == "format 'test-format': phase 'a' has no turn policy"

    def test_unknown_policy(self):
        """An unknown turn policy is refused and the known ones are listed."""

        class Chart(ps.FormatChart):
            a = ps.Phase("A", policy="talking-stick", initial=True)
            b = ps.Phase("B", policy="facilitator-only", final=True)
            go = a.to(b)

        known = ", ".join(sorted(ps.plugins.registry().policies))
        assert refusal(Chart) == (
            f"format 'test-format': phase 'a' uses unknown turn policy 'talking-stick' "
            f"(known: {known})"
        )

    def test_unknown_rule(self):
        """A phase naming an unknown rule id is refused."""

        class Chart(ps.FormatChart):
            a = ps.Phase("A", policy="seat-order", rules=("no-such-rule",), initial=True)
            b = ps.Phase("B", policy="facilitator-only", final=True)
            go = a.to(b)

        known = ", ".join(sorted(ps.plugins.registry().rules))
        assert refusal(Chart) == (
            f"format 'test-format': phase 'a' names unknown rule 'no-such-rule' (known: {known})"
        )

    def test_unknown_guard(self):
        """A transition guarded by an unknown condition is refused."""

        class Chart(ps.FormatChart):
            a = ps.Phase("A", policy="seat-order", initial=True)
            b = ps.Phase("B", policy="facilitator-only", final=True)
            go = a.to(b, cond="moon_is_full")

            def moon_is_full(self):
                return True

        assert refusal(Chart) == (
            "format 'test-format': transition 'go' from 'a' uses guard 'moon_is_full'; "
            "guards are named conditions: round_complete"
        )

    def test_plain_state_refused(self):
        """A chart state that is not a Phase is refused."""
        from statemachine import State

        class Chart(ps.FormatChart):
            a = State("A", initial=True)
            b = ps.Phase("B", policy="facilitator-only", final=True)
            go = a.to(b)

        assert refusal(Chart) == "format 'test-format': state 'a' is not a peersupport Phase"

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"budget": 0}, "budget must be more than 0"),
            ({"budget": float("inf")}, "budget must be a finite number"),
            ({"share_limit": 10**400}, "share_limit is out of range"),
            ({"share_limit": 2 * 86_400}, "at most 86400 seconds"),
            ({"share_limit": 60, "warn_at": 60}, "warning must come before"),
            ({"warn_at": 30}, "warn_at needs a share_limit"),
        ],
    )
    def test_bad_limits(self, kwargs, message):
        """Phase limits are validated when the format is compiled."""

        class Chart(ps.FormatChart):
            a = ps.Phase("A", policy="seat-order", initial=True, **kwargs)
            b = ps.Phase("B", policy="facilitator-only", final=True)
            go = a.to(b)

        with pytest.raises(ps.FormatError, match=message):
            compile_chart(Chart)

    def test_a_new_round_needs_rounds(self):
        """A transition to itself (a new round) in a phase whose policy has no rounds."""

        class Chart(ps.FormatChart):
            a = ps.Phase("A", policy="facilitator-only", initial=True)
            b = ps.Phase("B", policy="facilitator-only", final=True)
            go = a.to(b) | a.to(a)

        assert refusal(Chart) == (
            "format 'test-format': phase 'a' has a transition to itself, which starts a new "
            "round, but its turn policy 'facilitator-only' has no rounds"
        )

    @pytest.mark.parametrize("count", [0, -1, 1.5, "2"])
    def test_at_least_one_facilitator(self, count):
        class Chart(ps.FormatChart):
            a = ps.Phase("A", policy="facilitator-only", initial=True)
            b = ps.Phase("B", policy="facilitator-only", final=True)
            go = a.to(b)

        assert refusal(Chart, "x", facilitators=count) == (
            f"format 'x': needs at least one facilitator, not {count!r}"
        )

    def test_not_a_chart(self):
        """Compiling something that is not a chart class is refused."""
        with pytest.raises(ps.FormatError) as error:
            ps.Format.from_chart("x", object)  # type: ignore[arg-type]
        assert str(error.value) == (
            "format 'x': <class 'object'> is not a python-statemachine chart class"
        )

    def test_unreachable_phase_refused_by_the_chart(self):
        """python-statemachine itself refuses a chart with an unreachable phase."""
        from statemachine.exceptions import InvalidDefinition

        with pytest.raises(InvalidDefinition, match="unreachable"):

            class Chart(ps.FormatChart):
                a = ps.Phase("A", policy="seat-order", initial=True)
                lost = ps.Phase("Lost", policy="seat-order")
                b = ps.Phase("B", policy="facilitator-only", final=True)
                go = a.to(b) | lost.to(b)

    def test_custom_format_runs(self):
        """A format compiled from a user chart runs a session end to end."""

        class Chart(ps.FormatChart):
            welcome = ps.Phase("Welcome", policy="facilitator-only", initial=True)
            talk = ps.Phase("Round", policy="seat-order", share_limit=60, warn_at=45)
            bye = ps.Phase("Bye", policy="facilitator-only", final=True)
            advance = welcome.to(talk) | talk.to(bye, cond="round_complete")

        fmt = compile_chart(Chart, "mini")
        dee, al = ps.Member("dee", "Dee"), ps.Member("al", "Al")
        group = ps.Group("g", {dee: ps.Role.FACILITATOR, al: ps.Role.MEMBER})
        clock = ps.ManualClock()
        s = ps.Session(group, fmt, clock=clock)
        for m in ("dee", "al"):
            s.arrive(m)
            s.consent(m)
        s.advance(by="dee")
        s.start_share("al")
        clock.advance(70)
        s.end_share("al")
        s.pass_turn("dee")
        s.advance(by="dee")
        s.end(by="dee")
        kinds = [e.kind for e in s.events]
        assert ps.EventKind.TIME_WARNING in kinds
        assert ps.EventKind.OVERTIME in kinds
        assert s.state.status is ps.SessionStatus.ENDED
        assert s.state.shares == {"al": 1}


class TestChartAgreement:
    @pytest.mark.parametrize("name", BUILTIN_FORMATS)
    def test_compiled_table_follows_the_chart(self, name):
        """The real python-statemachine chart and the compiled table walk the same phases."""
        import itertools

        from statemachine.exceptions import TransitionNotAllowed

        fmt = ps.formats.get(name)
        events = sorted({t.event for p in fmt.phases.values() for t in p.transitions})
        checked = 0
        for depth in range(1, 6):
            for sequence in itertools.product(events, repeat=depth):
                machine = fmt.chart()
                phase = fmt.initial
                for event in sequence:
                    table = [t for t in fmt.phases[phase].transitions if t.event == event]
                    try:
                        machine.send(event)
                    except TransitionNotAllowed:
                        assert table == []
                        break
                    assert table, (phase, event)
                    phase = table[0].target
                    assert machine.current_state_value == phase
                    checked += 1
        assert checked >= 2


class Unless(ps.FormatChart):
    """A chart whose way to an extra phase is open only while the round is not complete."""

    opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
    rounds = ps.Phase("Rounds", policy="seat-order")
    extra = ps.Phase("Extra", policy="open-floor")
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)
    advance = (
        opening.to(rounds)
        | rounds.to(extra, unless="round_complete")
        | rounds.to(closing)
        | extra.to(closing)
    )


def circle_session() -> ps.Session:
    s = ps.Session(make_group(), ps.formats.get("sharing-circle"), clock=ps.ManualClock(0.0))
    for person in EVERYONE:
        s.arrive(person)
        s.consent(person)
    return s


def in_the_last_phase() -> ps.Session:
    """A sharing circle moved on to its last phase (closing), each round closed."""
    s = circle_session()
    for _ in range(4):
        s.advance(by="dee")
        if s.offered_to() is not None:
            s.close_round(by="dee")
    return s


def refused_advance(s: ps.Session, **to: str) -> str:
    """The sentence of the WrongPhase that ``s.advance(by="dee", **to)`` raises."""
    with pytest.raises(ps.WrongPhase) as error:
        s.advance(by="dee", **to)
    return str(error.value)


class TestMovingAlongTheChartRefusalsSayWhy:
    """advance refuses naming the phase, the transition or the guard that stands in the way."""

    @pytest.mark.parametrize(
        ("to", "why"),
        [
            ("nowhere", "format 'sharing-circle' has no phase 'nowhere'"),
            ("closing", "the chart has no transition from 'opening' to 'closing'"),
        ],
    )
    def test_no_way_there(self, to, why):
        s = circle_session()
        assert refused_advance(s, to=to) == f"dee may not advance: {why} (rule 'chart')"

    def test_the_last_phase_ends_the_session(self):
        s = in_the_last_phase()
        assert refused_advance(s) == (
            "dee may not advance: Closing is the last phase; end the session (rule 'chart')"
        )

    def test_from_the_last_phase_there_is_no_way_back(self):
        """Asked for a phase by name in the last phase: no transition, not "end the session"."""
        s = in_the_last_phase()
        assert refused_advance(s, to="opening") == (
            "dee may not advance: the chart has no transition from 'closing' to 'opening' "
            "(rule 'chart')"
        )

    def test_the_floor_and_the_round_first(self):
        s = circle_session()
        s.advance(by="dee")
        s.start_share("al")
        assert refused_advance(s) == (
            "dee may not advance: al holds the floor; the share ends before moving on "
            "(rule 'one-voice-at-a-time')"
        )
        s.end_share("al")
        assert refused_advance(s) == (
            "dee may not advance: round 1 of Check-in is not complete: bo, cy, nu, dee have "
            "not shared or passed; close the round to move on (rule 'round-complete')"
        )

    def test_a_guard_that_must_not_hold(self):
        """A transition open only while the round is not complete says the guard is true."""
        s = ps.Session(make_group(), compile_chart(Unless, "unless"), clock=ps.ManualClock(0.0))
        for person in ("dee", "al"):
            s.arrive(person)
            s.consent(person)
        s.advance(by="dee")
        s.pass_turn("al")
        s.pass_turn("dee")
        assert refused_advance(s, to="extra") == (
            "dee may not advance: guard 'round_complete' is True (rule 'round-complete')"
        )
        assert s.advance(by="dee").data["phase"] == "closing"
