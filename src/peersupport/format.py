"""Session formats: python-statemachine charts whose states are phases.

A format author writes a chart class::

    class MyCircle(ps.FormatChart):
        opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
        sharing = ps.Phase("Sharing", policy="seat-order", budget=30 * 60)
        closing = ps.Phase("Closing", policy="facilitator-only", final=True)

        advance = opening.to(sharing) | sharing.to(closing, cond="round_complete")
        new_round = sharing.to.itself(cond="round_complete")

and compiles it with :meth:`Format.from_chart`. Each :class:`Phase` declares its
turn policy, an optional time budget, whether cross-talk is allowed, and
optionally its own share limit. Transitions are the chart's transitions, guarded
by named conditions the engine evaluates (``round_complete``).

The chart is the declaration; the engine compiles it once into a plain table
(:class:`Format`) so that a session never instantiates a state machine. This
keeps creating a session and changing phase in microseconds (see
``docs/performance.md``), while the chart still validates itself (unreachable
phases, dead ends) and draws its own mermaid diagram.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from statemachine import State, StateMachine

from peersupport.errors import FormatError
from peersupport.events import EventKind
from peersupport.floor import TurnPolicy
from peersupport.rules import Rule

__all__ = ["GUARDS", "Format", "FormatChart", "Phase", "PhaseSpec", "Transition"]

#: Guard names a chart may use in ``cond=`` / ``unless=``, with what they mean.
GUARDS: Mapping[str, str] = {
    "round_complete": (
        "every member in the round has shared, passed or been skipped, or the "
        "facilitator closed the round (always true in phases without rounds)"
    ),
}


class Phase(State):
    """A phase of a meeting: a chart state with a turn policy and limits.

    Args:
        name: Human-readable name, e.g. ``"Check-in"``.
        policy: Name of the turn policy (``"facilitator-only"``, ``"seat-order"``,
            ``"popcorn"``, or one registered by a plugin).
        budget: Time budget of the phase in seconds; when it runs out a
            ``phase_time_up`` event tells the facilitator. ``None``: no budget.
        cross_talk: Whether cross-talk is allowed in this phase (it also needs the
            agreement to allow it).
        share_limit: Share limit for this phase in seconds, overriding the
            agreement's (e.g. short check-in shares). ``None``: the agreement's.
        warn_at: Warning point for ``share_limit``.
        timed: Whether shares are timed at all; defaults to the policy's choice
            (facilitator-only phases are untimed).
        hard_cap: Whether the share limit is a hard cap in this phase, overriding
            the agreement (``None``: the agreement decides).
        counts_as_sharing: Whether floor time here counts as members' shares in
            the fairness statistics; defaults to the policy's choice (e.g. a
            read-around of principles does not count).
        rules: Ids of extra rules that apply in this phase.
        initial: Whether the session opens in this phase.
        final: Whether this is the last phase.
    """

    def __init__(
        self,
        name: str = "",
        *,
        policy: str | None = None,
        budget: float | None = None,
        cross_talk: bool = False,
        share_limit: float | None = None,
        warn_at: float | None = None,
        timed: bool | None = None,
        hard_cap: bool | None = None,
        counts_as_sharing: bool | None = None,
        rules: tuple[str, ...] = (),
        initial: bool = False,
        final: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, initial=initial, final=final, **kwargs)
        self.policy = policy
        self.budget = budget
        self.cross_talk = cross_talk
        self.share_limit = share_limit
        self.warn_at = warn_at
        self.timed = timed
        self.hard_cap = hard_cap
        self.counts_as_sharing = counts_as_sharing
        self.rules = tuple(rules)


class FormatChart(StateMachine):
    """Base class for format charts.

    Subclass it, declare :class:`Phase` states and transitions, and compile it
    with :meth:`Format.from_chart`. The guard methods here exist so the chart is
    also a valid python-statemachine class (and can draw itself); the engine
    evaluates the guards against the live session.
    """

    def round_complete(self) -> bool:
        """Guard placeholder; the engine evaluates ``round_complete`` itself."""
        return True


@attrs.frozen
class Transition:
    """A compiled chart transition.

    Attributes:
        event: The chart event that triggers it (e.g. ``"advance"``).
        source: Phase id it leaves.
        target: Phase id it enters (the same id for a new round).
        guards: ``(guard name, expected value)`` pairs that must all hold.
    """

    event: str
    source: str
    target: str
    guards: tuple[tuple[str, bool], ...]


@attrs.frozen
class PhaseSpec:
    """A compiled phase: what the engine needs at run time.

    Attributes:
        id: Phase id (the chart attribute name, e.g. ``"check_in"``).
        name: Human-readable name.
        policy: The turn policy object.
        budget: Time budget in seconds, or ``None``.
        cross_talk: Whether the phase allows cross-talk.
        share_limit: Phase share limit overriding the agreement's, or ``None``.
        warn_at: Phase warning point, or ``None``.
        timed: Whether shares are timed.
        hard_cap: Phase hard-cap setting overriding the agreement's, or ``None``.
        sharing: Whether floor time counts as members' shares.
        rules: Extra rule objects that apply in this phase.
        final: Whether this is the last phase.
        transitions: Transitions out of this phase, in declaration order.
        rules_for: Extra rules by the action they check.
        watchers: Extra rules by the event kind they give notices on.
    """

    id: str
    name: str
    policy: TurnPolicy
    budget: float | None
    cross_talk: bool
    share_limit: float | None
    warn_at: float | None
    timed: bool
    hard_cap: bool | None
    sharing: bool
    rules: tuple[Rule, ...]
    final: bool
    transitions: tuple[Transition, ...]
    rules_for: Mapping[str, tuple[Rule, ...]] = attrs.field(repr=False, eq=False)
    watchers: Mapping[EventKind, tuple[Rule, ...]] = attrs.field(repr=False, eq=False)


@attrs.frozen
class Format:
    """A compiled session format.

    Build one with :meth:`from_chart`; get installed ones with
    ``peersupport.formats.get(name)``.

    Attributes:
        name: Registered name, e.g. ``"sharing-circle"``.
        title: Human-readable title.
        description: A paragraph on how the format runs.
        chart: The python-statemachine chart class it was compiled from.
        phases: Phase specs by id, in declaration order.
        initial: Id of the phase a session opens in.
        facilitators: How many facilitators (or co-facilitators) the group needs.
    """

    name: str
    title: str
    description: str
    chart: type[FormatChart] = attrs.field(repr=False)
    phases: Mapping[str, PhaseSpec] = attrs.field(repr=False)
    initial: str
    facilitators: int = 1

    @classmethod
    def from_chart(
        cls,
        name: str,
        chart: type[FormatChart],
        *,
        title: str = "",
        description: str = "",
        facilitators: int = 1,
        policies: Mapping[str, TurnPolicy] | None = None,
        rules: Mapping[str, Rule] | None = None,
    ) -> Format:
        """Compile and validate a chart class into a format.

        Args:
            name: Name to register the format under.
            chart: A :class:`FormatChart` subclass whose states are :class:`Phase`.
            title: Human-readable title (defaults to ``name``).
            description: How the format runs.
            facilitators: How many facilitators the group needs to run it.
            policies: Turn policies by name (default: those registered by the
                installed plugins, built-ins included).
            rules: Rules by id (default: those registered by the installed plugins).

        Raises:
            FormatError: Naming the format and the problem: a state that is not
                a Phase, a phase without turn policy or with an unknown one, an
                unknown rule id or guard, no final phase, a phase that cannot be
                reached, or one from which no final phase can be reached. (By
                default python-statemachine already refuses the last two, and a
                chart without a final phase, when the chart *class* is defined,
                raising its ``InvalidDefinition``; this check covers charts that
                switch its validations off.)
        """
        if policies is None or rules is None:
            from peersupport.plugins import registry

            loaded = registry()
            if policies is None:
                policies = {k: v.item for k, v in loaded.policies.items()}
            if rules is None:
                rules = {k: v.item for k, v in loaded.rules.items()}
        if not isinstance(facilitators, int) or facilitators < 1:
            raise FormatError(name, f"needs at least one facilitator, not {facilitators!r}")
        if not (isinstance(chart, type) and issubclass(chart, StateMachine)):
            raise FormatError(name, f"{chart!r} is not a python-statemachine chart class")
        states = list(chart.states)
        if not states:
            raise FormatError(name, "the chart has no phases")
        finals = [s.id for s in states if s.final]
        if not finals:
            raise FormatError(name, "the chart has no final phase")
        specs: dict[str, PhaseSpec] = {}
        initial = None
        for state in states:
            if not isinstance(state, Phase):
                raise FormatError(name, f"state {state.id!r} is not a peersupport Phase")
            if state.policy is None:
                raise FormatError(name, f"phase {state.id!r} has no turn policy")
            policy = policies.get(state.policy)
            if policy is None:
                raise FormatError(
                    name,
                    f"phase {state.id!r} uses unknown turn policy {state.policy!r} "
                    f"(known: {', '.join(sorted(policies))})",
                )
            extra: list[Rule] = []
            for rule_id in state.rules:
                rule = rules.get(rule_id)
                if rule is None:
                    raise FormatError(
                        name,
                        f"phase {state.id!r} names unknown rule {rule_id!r} "
                        f"(known: {', '.join(sorted(rules))})",
                    )
                extra.append(rule)
            _check_limits(name, state)
            transitions = tuple(_compile_transitions(name, state))
            rules_for: dict[str, tuple[Rule, ...]] = {}
            watchers: dict[EventKind, tuple[Rule, ...]] = {}
            for rule in extra:
                for action in rule.actions:
                    rules_for[action] = (*rules_for.get(action, ()), rule)
                for kind in rule.watches:
                    watchers[kind] = (*watchers.get(kind, ()), rule)
            specs[state.id] = PhaseSpec(
                id=state.id,
                name=state.name,
                policy=policy,
                budget=state.budget,
                cross_talk=state.cross_talk,
                share_limit=state.share_limit,
                warn_at=state.warn_at,
                timed=policy.timed if state.timed is None else state.timed,
                hard_cap=state.hard_cap,
                sharing=(
                    policy.sharing if state.counts_as_sharing is None else state.counts_as_sharing
                ),
                rules=tuple(extra),
                final=state.final,
                transitions=transitions,
                rules_for=rules_for,
                watchers=watchers,
            )
            if state.initial:
                initial = state.id
        if initial is None:  # pragma: no cover - python-statemachine always picks one
            raise FormatError(name, "the chart has no initial phase")
        _check_graph(name, specs, initial)
        return cls(
            name=name,
            title=title or name,
            description=description,
            chart=chart,
            phases=specs,
            initial=initial,
            facilitators=facilitators,
        )

    def phase(self, phase_id: str) -> PhaseSpec:
        """Return the phase with this id.

        Raises:
            KeyError: If the format has no such phase.
        """
        return self.phases[phase_id]

    def mermaid(self) -> str:
        """Return the chart as a mermaid ``stateDiagram-v2``, drawn by python-statemachine."""
        return format(self.chart, "mermaid")


def _check_graph(name: str, specs: Mapping[str, PhaseSpec], initial: str) -> None:
    """Every phase reachable from the start, and a final phase reachable from every phase."""
    seen = {initial}
    todo = [initial]
    while todo:
        for t in specs[todo.pop()].transitions:
            if t.target not in seen:
                seen.add(t.target)
                todo.append(t.target)
    lost = [p for p in specs if p not in seen]
    if lost:
        raise FormatError(name, f"phase(s) {', '.join(map(repr, lost))} cannot be reached")
    leads_to_end = {p for p, spec in specs.items() if spec.final}
    changed = True
    while changed:
        changed = False
        for p, spec in specs.items():
            if p not in leads_to_end and any(t.target in leads_to_end for t in spec.transitions):
                leads_to_end.add(p)
                changed = True
    stuck = [p for p in specs if p not in leads_to_end]
    if stuck:
        raise FormatError(
            name, f"no final phase can be reached from phase(s) {', '.join(map(repr, stuck))}"
        )


def _check_limits(name: str, state: Phase) -> None:
    for label, value in (
        ("budget", state.budget),
        ("share_limit", state.share_limit),
        ("warn_at", state.warn_at),
    ):
        if value is not None and not value > 0:
            raise FormatError(name, f"phase {state.id!r}: {label} must be positive, got {value}")
    if state.warn_at is not None and state.share_limit is None:
        raise FormatError(name, f"phase {state.id!r}: warn_at needs a share_limit")
    if (
        state.warn_at is not None
        and state.share_limit is not None
        and state.warn_at >= state.share_limit
    ):
        raise FormatError(name, f"phase {state.id!r}: the warning must come before the share limit")


def _compile_transitions(name: str, state: Phase) -> list[Transition]:
    out: list[Transition] = []
    for t in state.transitions:
        if t.source is not state or t.initial:
            continue
        guards: list[tuple[str, bool]] = []
        for spec in t.cond:
            if not isinstance(spec.func, str) or spec.func not in GUARDS:
                raise FormatError(
                    name,
                    f"transition {t.event!r} from {state.id!r} uses guard {spec.func!r}; "
                    f"guards are named conditions: {', '.join(sorted(GUARDS))}",
                )
            guards.append((spec.func, bool(spec.expected_value)))
        for event in str(t.event).split():
            out.append(
                Transition(
                    event=event,
                    source=state.id,
                    target=t.target.id,
                    guards=tuple(guards),
                )
            )
    return out
