"""Compiled formats: the tables a session runs on.

A format is declared as a chart (:mod:`peersupport.engine.chart`) and compiled
once by :meth:`Format.from_chart` into a :class:`Format` of :class:`PhaseSpec`
tables, so that a session never instantiates a state machine. This keeps
creating a session and changing phase in microseconds (see
``docs/performance.md``), while the chart still validates itself (unreachable
phases, dead ends) and draws its own mermaid diagram.

Compiling looks up each phase's turn policy and rules by name, copies what the
policy declares (rounds, roll-over, eligible roles) into the phase's table, and
computes the format's fingerprint, which each session's log records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
from statemachine import StateMachine

from peersupport.engine.chart import (
    FormatChart,
    Phase,
    Transition,
    check_limits,
    compile_transitions,
)
from peersupport.engine.events import EventKind
from peersupport.engine.policies import Offer, TurnPolicy, declarative
from peersupport.engine.rules import AlwaysOn, Rule
from peersupport.errors import FormatError
from peersupport.values import Role, fingerprint

__all__ = ["Format", "PhaseSpec", "use_installed"]

#: Where :meth:`Format.from_chart` finds the installed turn policies and rules when
#: none are given: :mod:`peersupport.plugins`, which sits above this module and
#: loads the plugins, sets it with :func:`use_installed` when it is imported.
_installed: Callable[[], tuple[Mapping[str, TurnPolicy], Mapping[str, Rule]]] | None = None


def use_installed(
    source: Callable[[], tuple[Mapping[str, TurnPolicy], Mapping[str, Rule]]],
) -> None:
    """Tell :meth:`Format.from_chart` how to find the installed turn policies and rules."""
    global _installed
    _installed = source


#: Guard names a chart may use in ``cond=`` / ``unless=``, with what they mean.
@attrs.frozen
class PhaseSpec:
    """A compiled phase: what the engine needs at run time.

    Attributes:
        id: Phase id (the chart attribute name, e.g. ``"check_in"``).
        name: Human-readable name.
        policy: The turn policy object.
        rounds: Whether the phase runs rounds (from the policy).
        auto_rollover: Whether rounds roll over by themselves (from the policy).
        eligible: Roles that take part in the phase's rounds (from the policy).
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
        plain: Whether a turn here is decided by the built-in rules and the policy's
            declaration alone (no rule of the phase checks shares or passes, and the
            format needs one facilitator), so the engine accepts the common turn in one pass.
        agenda: Whether members propose agenda items in this phase
            (:meth:`~peersupport.Session.propose_item`).
    """

    id: str
    name: str
    policy: TurnPolicy
    rounds: bool
    auto_rollover: bool
    eligible: frozenset[Role]
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
    plain: bool = attrs.field(default=False, repr=False, eq=False, kw_only=True)
    agenda: bool = attrs.field(default=False, kw_only=True)


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
        facilitators: How many facilitators (or co-facilitators) the group needs; with
            more than one, that many must be present for the session to move on and
            give the floor (check ``facilitators-present``).
        always_on: The always-on rules it was compiled with (looked up by id).
        fingerprint: A short hash of what a session's log depends on: the phases,
            their policies' declarations, limits, budgets, rule ids and the
            transitions. A policy's or rule's code is not part of it, so a log
            restores after a plugin changed how it checks; a log whose format's
            fingerprint differs is refused.
    """

    name: str
    title: str
    description: str
    chart: type[FormatChart] = attrs.field(repr=False)
    phases: Mapping[str, PhaseSpec] = attrs.field(repr=False)
    initial: str
    facilitators: int = 1
    always_on: AlwaysOn = attrs.field(repr=False, eq=False, kw_only=True)
    fingerprint: str = attrs.field(kw_only=True)

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
            if _installed is None:  # pragma: no cover - peersupport.plugins sets it on import
                raise FormatError(name, "no installed plugins to look policies and rules up in")
            installed_policies, installed_rules = _installed()
            policies = installed_policies if policies is None else policies
            rules = installed_rules if rules is None else rules
        try:
            always_on = AlwaysOn.from_rules(rules)
        except (KeyError, TypeError) as exc:
            raise FormatError(name, str(exc).strip("'\"")) from None
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
            check_limits(name, state)
            transitions = tuple(compile_transitions(name, state))
            if not policy.rounds and any(t.target == state.id for t in transitions):
                raise FormatError(
                    name,
                    f"phase {state.id!r} has a transition to itself, which starts a new round, "
                    f"but its turn policy {policy.name!r} has no rounds",
                )
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
                rounds=bool(policy.rounds),
                auto_rollover=bool(policy.rounds and policy.auto_rollover),
                eligible=frozenset(role for role in Role if policy.eligible(role)),
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
                plain=(
                    always_on.builtin
                    and declarative(policy)
                    and "start_share" not in rules_for
                    and "pass_turn" not in rules_for
                    and facilitators <= 1
                ),
                agenda=state.agenda,
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
            always_on=always_on,
            fingerprint=fingerprint(_canonical(name, specs, initial, facilitators)),
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


def _canonical(
    name: str, specs: Mapping[str, PhaseSpec], initial: str, facilitators: int
) -> dict[str, Any]:
    """What a session's log depends on, as plain JSON values (see ``Format.fingerprint``)."""
    phases = []
    for spec in specs.values():
        policy = spec.policy
        # A queue's order rule (left out without a queue: older fingerprints stay as they were).
        queue = (
            {
                "hand_order": str(policy.hand_order),
                "hand_rounds": bool(policy.hand_rounds),
                "max_shares": policy.max_shares,
            }
            if policy.offers is Offer.QUEUE
            else {}
        )
        phases.append(
            {
                **queue,
                **({"agenda": True} if spec.agenda else {}),  # left out: older fingerprints hold
                "id": spec.id,
                "policy": policy.name,
                "rounds": spec.rounds,
                "auto_rollover": spec.auto_rollover,
                "eligible": sorted(role.value for role in spec.eligible),
                "offers": str(policy.offers),
                "speakers": str(policy.speakers),
                "callers": str(policy.callers),
                "passing": bool(policy.passing),
                "budget": spec.budget,
                "cross_talk": spec.cross_talk,
                "share_limit": spec.share_limit,
                "warn_at": spec.warn_at,
                "timed": spec.timed,
                "hard_cap": spec.hard_cap,
                "sharing": spec.sharing,
                "rules": [rule.id for rule in spec.rules],
                "final": spec.final,
                "transitions": [
                    [t.event, t.target, [list(g) for g in t.guards]] for t in spec.transitions
                ],
            }
        )
    return {"name": name, "initial": initial, "facilitators": facilitators, "phases": phases}
