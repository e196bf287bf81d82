"""What the kit reports: a broken invariant, and the model's prediction for an action."""

from __future__ import annotations

import enum

import attrs

from peersupport.engine.policies import TurnPolicy
from peersupport.engine.rules import Rule
from peersupport.errors import PluginError

__all__ = ["ConformanceError", "Outcome", "Verdict", "culprit", "failure"]


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


def culprit(exc: BaseException) -> str | None:
    """The plugin's rule or turn policy whose code raised ``exc`` (or its cause), if any.

    Looks through the tracebacks of ``exc`` and of the exceptions that caused it for
    the innermost method of a :class:`~peersupport.Rule` or
    :class:`~peersupport.TurnPolicy` whose class is not peersupport's own.
    """
    found: Rule | TurnPolicy | None = None
    seen: BaseException | None = exc
    chain: set[int] = set()
    while seen is not None and found is None and id(seen) not in chain:
        chain.add(id(seen))
        tb = seen.__traceback__
        while tb is not None:
            owner = tb.tb_frame.f_locals.get("self")
            module = type(owner).__module__
            if isinstance(owner, Rule | TurnPolicy) and not module.startswith("peersupport."):
                found = owner
            tb = tb.tb_next
        seen = seen.__cause__ or seen.__context__
    if isinstance(found, Rule):
        return f"rule {found.id!r} ({type(found).__name__})"
    if found is not None:
        return f"turn policy {found.name!r} ({type(found).__name__})"
    return None


def failure(what: str, exc: BaseException) -> ConformanceError:
    """The error for ``exc``, raised where only a refusal or success may come.

    ``plugin-error`` if a plugin's rule or turn policy raised it (the engine reports
    some of those as its own failure), else ``engine-error``.
    """
    who = culprit(exc)
    if who is not None:
        return ConformanceError("plugin-error", f"{what}: {who} failed: {exc!r}")
    if isinstance(exc, PluginError):
        return ConformanceError("plugin-error", f"{what}: {exc}")
    return ConformanceError("engine-error", f"{what}: {exc!r}")
