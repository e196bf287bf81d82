"""How much of each rule the conformance kit exercises in one CI-profile run.

Runs the conformance machine of every installed format with the given number of
examples (default 100, the ``ci`` profile) and counts, per rule, in how many
random sessions the rule refused an action at least once, how many refusals
and rule events there were in all, and in how many sessions rounds rolled over by
themselves (automatic ``round_started`` events). A format that breaks an invariant
is reported at the end (without shrinking); the others still run. Run by hand::

    .venv/bin/python benchmarks/kit_stats.py [EXAMPLES]
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import Any

from hypothesis import Phase, settings
from hypothesis.stateful import run_state_machine_as_test

import peersupport as ps
from peersupport.testing import SessionHarness, conformance_settings, machine_for
from peersupport.testing.harness import Result

#: Event kinds that show a rule acting without refusing anything.
RULE_EVENTS = ("cross_talk_blocked", "time_warning", "overtime", "phase_time_up", "rule_notice")


def main(examples: int) -> None:
    sessions: Counter[str] = Counter()  # sessions in which a rule refused at least once
    refusals: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    actions = runs = 0
    broken: dict[str, list[str]] = {}
    original = SessionHarness.act

    def act(self: SessionHarness, action: Any) -> Result | None:
        nonlocal actions
        result = original(self, action)
        if result is not None:
            actions += 1
            rule = getattr(result.error, "rule", None)
            if rule:
                refusals[rule] += 1
                self.__dict__.setdefault("_rules", set()).add(rule)
        return result

    SessionHarness.act = act  # type: ignore[method-assign]
    start = time.perf_counter()
    for name in ps.formats.names():
        base = machine_for(name)

        class Counted(base):  # type: ignore[valid-type, misc]
            def teardown(self) -> None:
                nonlocal runs
                runs += 1
                sessions.update(self.h.__dict__.get("_rules", ()))
                events = self.h.session.events
                kinds.update({e.kind.value for e in events})
                if any(e.kind is ps.EventKind.ROUND_STARTED and e.actor is None for e in events):
                    kinds["automatic round_started"] += 1
                super().teardown()

        try:
            run_state_machine_as_test(
                Counted,
                settings=conformance_settings(
                    settings(max_examples=examples, phases=[Phase.generate], print_blob=False)
                ),
            )
        except Exception as exc:  # a broken format: count what ran, and say what broke
            found = exc.exceptions if isinstance(exc, BaseExceptionGroup) else (exc,)
            broken[name] = sorted({getattr(e, "invariant", type(e).__name__) for e in found})
    elapsed = time.perf_counter() - start
    formats = len(ps.formats.names())
    print(f"{formats} formats x {examples} examples: {runs} sessions, {actions} actions")
    print(f"in {elapsed:.0f} s")
    print(f"{'rule':<22} {'sessions':>9} {'refusals':>9}")
    for rule, count in sessions.most_common():
        print(f"{rule:<22} {count:>9} {refusals[rule]:>9}")
    print(f"{'event kind':<22} {'sessions with it':>17}")
    for kind in (*RULE_EVENTS, "automatic round_started"):
        print(f"{kind:<22} {kinds[kind]:>17}")
    for name, invariants in broken.items():
        print(f"FAILED: {name} broke {', '.join(invariants)} (its run stopped there)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
