"""Format charts: the declaration side of a format.

A format author writes a chart class::

    class MyCircle(ps.FormatChart):
        opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
        sharing = ps.Phase("Sharing", policy="seat-order", budget=30 * 60)
        closing = ps.Phase("Closing", policy="facilitator-only", final=True)

        advance = opening.to(sharing) | sharing.to(closing, cond="round_complete")
        new_round = sharing.to.itself(cond="round_complete")

Each :class:`Phase` declares its turn policy, an optional time budget, whether
cross-talk is allowed, and optionally its own share limit. Transitions are the
chart's transitions, guarded by named conditions the engine evaluates
(:data:`GUARDS`). :meth:`peersupport.Format.from_chart` compiles the chart into
plain tables; this module holds the declaration classes and the per-phase part
of that compilation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from statemachine import State, StateMachine

from peersupport.errors import FormatError
from peersupport.validate import check_seconds

__all__ = ["GUARDS", "FormatChart", "Phase", "Transition", "check_limits", "compile_transitions"]

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
        agenda: Whether members propose agenda items in this phase (e.g. a
            SMART meeting's agenda setting).
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
        agenda: bool = False,
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
        self.agenda = bool(agenda)


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


def check_limits(name: str, state: Phase) -> None:
    """Refuse a phase whose budget or limits are out of bounds or out of order."""
    for label, value in (
        ("budget", state.budget),
        ("share_limit", state.share_limit),
        ("warn_at", state.warn_at),
    ):
        if value is not None:
            try:
                check_seconds(value, label)
            except ValueError as exc:
                raise FormatError(name, f"phase {state.id!r}: {exc}") from None
    if state.warn_at is not None and state.share_limit is None:
        raise FormatError(name, f"phase {state.id!r}: warn_at needs a share_limit")
    if (
        state.warn_at is not None
        and state.share_limit is not None
        and state.warn_at >= state.share_limit
    ):
        raise FormatError(name, f"phase {state.id!r}: the warning must come before the share limit")


def compile_transitions(name: str, state: Phase) -> list[Transition]:
    """The transitions out of ``state``, one per chart event, with their named guards."""
    out: list[Transition] = []
    for t in state.transitions:  # python-statemachine lists a state's own transitions
        if t.initial:  # its entry into its first inner state: the state is compound
            raise FormatError(
                name,
                f"phase {state.id!r} holds phases of its own (a compound state); "
                "a format's phases do not nest",
            )
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
