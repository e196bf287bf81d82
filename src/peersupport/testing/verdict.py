"""What the kit reports: a broken invariant, and the model's prediction for an action."""

from __future__ import annotations

import enum

import attrs

__all__ = ["ConformanceError", "Outcome", "Verdict"]


class ConformanceError(AssertionError):
    """A session broke one of the conformance invariants.

    Attributes:
        invariant: Short name of the invariant, e.g. ``"one-turn-per-round"``.
    """

    def __init__(self, invariant: str, message: str) -> None:
        self.invariant = invariant
        super().__init__(f"[{invariant}] {message}")


class Outcome(enum.Enum):
    """What the model expects of an action."""

    ACCEPT = "accepted"
    REFUSE = "refused"
    BLOCK = "blocked"


@attrs.frozen
class Verdict:
    """The model's prediction for an action.

    Attributes:
        outcome: The expected outcome, or ``None`` when the model cannot tell
            (a plugin's own check decides: an overridden turn-policy check or a
            phase rule the model does not know).
        reason: Why (for refusals) or what is expected (for acceptances).
        target: For an accepted ``advance``, the phase it leads to.
    """

    outcome: Outcome | None
    reason: str = ""
    target: str | None = None
