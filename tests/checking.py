"""Checks several test modules share: a refusal that changes nothing, a log that re-enacts,
the exact log a script writes (golden logs), and runs of the kit's machine until it did
what a test asks (on fixed seeds).

(Not in conftest.py: test modules import these by name; see tests/people.py.)
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

import pytest
from hypothesis import Phase, seed, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

import peersupport as ps
from peersupport.testing import ConformanceError, conformance_settings, machine_for


def refused(session: ps.Session, action: Callable[[], object], rule: str) -> ps.ActionRejected:
    """``action`` is refused by ``rule`` and changes nothing."""
    before, length = session.state, len(session.events)
    with pytest.raises(ps.ActionRejected) as caught:
        action()
    assert caught.value.rule == rule
    assert (session.state, len(session.events)) == (before, length)
    return caught.value


def same_again(session: ps.Session) -> None:
    """The session's log restores and re-enacts (verify) to its live state."""
    assert ps.Session.restore(session.group, session.format, session.events).state == session.state
    assert ps.Session.verify(session.group, session.format, session.events).state == session.state


#: The logs the test scripts write, as JSON Lines (``golden``).
GOLDEN = Path(__file__).parent / "data" / "golden"


def golden(name: str, events: Sequence[ps.Event]) -> None:
    """``events`` are, line for line, the golden log ``tests/data/golden/<name>.jsonl``.

    A change to what the engine records shows up here as a diff of the log. When the
    change is meant (a new field, a new kind), write the golden logs again with
    ``PEERSUPPORT_WRITE_GOLDEN=1`` set, look at the diff in git, and say why in the
    commit and the changelog.
    """
    path = GOLDEN / f"{name}.jsonl"
    text = ps.events.dumps(events)
    if os.environ.get("PEERSUPPORT_WRITE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text.splitlines() == path.read_text(encoding="utf-8").splitlines()


def seeded(machine: type[RuleBasedStateMachine], k: int) -> type[RuleBasedStateMachine]:
    """A subclass of ``machine`` whose runs use the fixed seed ``k`` (the class is untouched)."""
    return seed(k)(type(machine.__name__, (machine,), {}))


def until_seen(
    machine: type[RuleBasedStateMachine],
    seen: Counter[str],
    wanted: Collection[str],
    *,
    examples: int,
    tries: int = 4,
) -> None:
    """Run ``machine`` on seeds 0, 1, … until its runs counted everything ``wanted`` in ``seen``.

    Each run must pass. One fixed sequence of draws can miss something by bad luck
    after an unrelated change to the kit's draws; each further run is another,
    independent chance, and every run is the same each time the test runs.
    """
    quick = conformance_settings(settings(max_examples=examples, database=None))
    for k in range(tries):
        run_state_machine_as_test(seeded(machine, k), settings=quick)
        if all(seen[kind] for kind in wanted):
            return
    assert [kind for kind in wanted if not seen[kind]] == [], seen


def first_failure(examples: int) -> settings:
    """The kit's settings for ``examples`` sessions, stopping at the first failure."""
    return conformance_settings(
        settings(
            max_examples=examples,
            phases=[Phase.explicit, Phase.generate],
            database=None,
            print_blob=False,
        )
    )


def first_violation(format_name: str, *, examples: int = 200, tries: int = 3) -> str:
    """Run the kit on ``format_name`` (seeds 0, 1, …, no shrinking) until it fails; its invariant.

    Fails the test if no run fails.
    """
    first = first_failure(examples)
    for k in range(tries):
        try:
            run_state_machine_as_test(seeded(machine_for(format_name), k), settings=first)
        except ConformanceError as error:
            return error.invariant
    pytest.fail(f"the kit passed {format_name} in {tries} runs of {examples} sessions")
