"""The conformance kit: hypothesis strategies and state machines for any session format.

peersupport promises that its fairness rules hold, for the built-in formats and
for any format a plugin adds. This package makes that promise checkable: it
runs random sessions of a registered format, with valid and invalid actions by
random people, and checks after every step, against a small independent model,
that nobody holds the floor twice in a round, at most one present participant
holds it, rounds roll over by themselves exactly when due (recorded as events),
raised hands queue once each in the declared order and the floor goes to the
head of the queue (or whoever a facilitator called on, nobody while a point of
process is pending), refused actions change nothing, accepted ones append
exactly the events they should, time warnings and hard caps fire exactly when
due, so do a meeting's time-to-close notice and its overrun (the sessions
sometimes have a scheduled end, which shortens phase budgets when the meeting
runs late), members who listen never take the floor, firm budgets, size
guidance, agenda items, skipped elements and amendments the group decides on go
as documented, the log restores to the live state, re-enacts through today's
checks and round-trips through JSON Lines, and more (see :class:`SessionModel`). The
model reads what each phase's turn policy *declares* (its attributes), never
the policy's name.

A plugin author's whole test::

    from peersupport.testing import check_format


    def test_my_format():
        check_format("my-format")

A failure names the broken invariant in brackets (``[one-turn-per-round]``,
``[one-holder]``, ``[auto-rollover]``, ``[rejected-changes-nothing]``,
``[one-event-per-action]``, ``[expected-outcome]``, ``[deadlines]``,
``[overtime]``, ``[rule-notices]``, ``[passed-not-offered]``,
``[offered-may-take]``, ``[someone-offered]``, ``[one-hand-each]``,
``[queue-order]``, ``[queue-offered]``, ``[schedule]``, ``[listening]``,
``[phase-cap]``, ``[size-guidance]``, ``[agenda]``, ``[skip]``, ``[amendments]``,
``[restore]``, ``[verify]``,
``[json-lines]``, ``[event-order]``, ``[model]``...) and shows the shortest
session hypothesis found, step by step.

The pieces, for your own tests:

* :mod:`~peersupport.testing.strategies`: members, groups, agreements, amendments,
  meeting schedules (:func:`schedules`), actions and action sequences
  (:func:`check_actions` runs a sequence with every check);
* :class:`SessionConformance` and :func:`machine_for`: the state machine;
* :class:`SessionHarness`: a session and its model side by side, checking each action;
* :func:`reach`: a session played forward with valid actions to a given phase, round
  and floor (who took their turn, who holds the floor), for targeted tests;
* :class:`SessionModel`: the independent model (a checking fold of the event log);
  :func:`~peersupport.testing.expect.expect` its predictions.

The kit needs hypothesis (``pip install peersupport[test]``); ``import
peersupport`` never imports it.
"""

from __future__ import annotations

try:
    import hypothesis
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "peersupport.testing needs hypothesis: pip install 'peersupport[test]'"
    ) from exc

from collections.abc import Iterable

from hypothesis import HealthCheck
from hypothesis.stateful import run_state_machine_as_test

from peersupport.engine.format import Format
from peersupport.testing.harness import Result, SessionHarness
from peersupport.testing.model import SessionModel
from peersupport.testing.situation import ReachError, reach
from peersupport.testing.stateful import SessionConformance, machine_for
from peersupport.testing.strategies import (
    Action,
    action_sequences,
    actions,
    agreements,
    amendments,
    groups,
    member_ids,
    members,
    roles,
    schedules,
    waits,
)
from peersupport.testing.verdict import ConformanceError, Outcome, Verdict
from peersupport.values import Group

__all__ = [
    "STEP_COUNT",
    "Action",
    "ConformanceError",
    "Outcome",
    "ReachError",
    "Result",
    "SessionConformance",
    "SessionHarness",
    "SessionModel",
    "Verdict",
    "action_sequences",
    "actions",
    "agreements",
    "amendments",
    "check_actions",
    "check_format",
    "conformance_settings",
    "groups",
    "machine_for",
    "member_ids",
    "members",
    "reach",
    "roles",
    "schedules",
    "waits",
]

STEP_COUNT = 70
"""Steps per random session unless the active hypothesis profile sets its own."""


def conformance_settings(parent: hypothesis.settings | None = None) -> hypothesis.settings:
    """Settings for a conformance run, derived from ``parent`` (default: the active profile).

    Keeps the profile's example count and everything else; sets no deadline
    (a step replays the whole log), :data:`STEP_COUNT` steps per session unless
    the profile sets ``stateful_step_count`` itself, drops the ``explain`` phase
    (which would take minutes on a failing session) and suppresses the
    ``too_slow`` and ``filter_too_much`` health checks.

    Args:
        parent: Settings to start from.

    Returns:
        The settings :func:`check_format` uses by default.
    """
    parent = hypothesis.settings() if parent is None else parent
    builtin = hypothesis.settings.get_profile("default").stateful_step_count
    steps = parent.stateful_step_count
    return hypothesis.settings(
        parent,
        # the explain phase re-runs a failing session hundreds of times to annotate
        # lines; for a whole session that turns seconds into minutes
        phases=[phase for phase in parent.phases if phase is not hypothesis.Phase.explain],
        deadline=None,
        stateful_step_count=STEP_COUNT if steps == builtin else steps,
        suppress_health_check=[
            *parent.suppress_health_check,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
        ],
    )


def check_format(name: str, *, settings: hypothesis.settings | None = None) -> None:
    """Run the whole conformance kit against the registered format ``name``.

    Args:
        name: Name of a registered format (built-in or from a plugin).
        settings: Hypothesis settings; default :func:`conformance_settings` of
            the active profile.

    Raises:
        KeyError: If no such format is registered.
        ConformanceError: (reported by hypothesis with the shortest session it
            found) if a session of the format breaks an invariant; the message
            starts with the invariant's name in brackets, e.g.
            ``[one-turn-per-round]``.
    """
    machine = machine_for(name)
    run_state_machine_as_test(
        machine, settings=conformance_settings() if settings is None else settings
    )


def check_actions(
    group: Group,
    fmt: Format,
    actions: Iterable[Action],
    *,
    start: float = 0.0,
    ends_at: float | None = None,
    close_notice: float | None = None,
) -> SessionHarness:
    """Run ``actions`` on a new session of ``group`` and ``fmt``, checking every step.

    Use it in your own ``@given`` tests with :func:`action_sequences`.

    Args:
        group: The group.
        fmt: The format.
        actions: Actions and waits to perform in order.
        start: Time the manual clock starts at.
        ends_at: The meeting's scheduled end, if it has one (after ``start``).
        close_notice: Seconds before ``ends_at`` when ``time_to_close`` is due.

    Returns:
        The harness, with the session and its model in their final state.

    Raises:
        ConformanceError: At the first step that breaks an invariant.
    """
    harness = SessionHarness(group, fmt, start=start, ends_at=ends_at, close_notice=close_notice)
    for action in actions:
        harness.act(action)
        harness.check_model()
        harness.check_floor()
        harness.check_hands()
        harness.check_offers()
    harness.apply_due()
    harness.check()
    return harness
