"""Example peersupport plugin: the ``lightning-round`` format and the ``no-back-to-back`` rule.

Everything here uses peersupport's public API only: ``ps.hookimpl``,
``ps.FormatChart``, ``ps.Phase``, ``ps.Rule`` and ``ps.RuleViolation``.
"""

from __future__ import annotations

from typing import Any

import peersupport as ps

__all__ = ["LightningRound", "NoBackToBack", "register_formats", "register_rules"]


class NoBackToBack(ps.Rule):
    """Nobody takes the floor twice in a row in a phase."""

    id = "no-back-to-back"
    actions = frozenset({"start_share"})
    description = "Nobody takes the floor twice in a row in a phase that names this rule."

    def check(self, session: ps.Session, action: str, member: str, now: float) -> None:
        """Refuse ``member`` if they were the last to hold the floor in this phase."""
        if session.floor.last == member:
            raise ps.RuleViolation(
                member, action, self.id, f"{member} spoke last; someone else speaks first"
            )


class LightningRound(ps.FormatChart):
    """Chart of the lightning round."""

    opening = ps.Phase("Opening", policy="facilitator-only", initial=True, budget=2 * 60)
    lightning = ps.Phase(
        "Lightning check-in",
        policy="seat-order",
        share_limit=60.0,
        warn_at=45.0,
        hard_cap=True,
        budget=12 * 60,
    )
    open_floor = ps.Phase(
        "Open floor", policy="open-floor", budget=20 * 60, rules=("no-back-to-back",)
    )
    closing = ps.Phase("Closing", policy="facilitator-only", final=True, budget=3 * 60)

    advance = (
        opening.to(lightning)
        | lightning.to(open_floor, cond="round_complete")
        | open_floor.to(closing)
    )


@ps.hookimpl
def register_rules(register: Any) -> None:
    """Register ``no-back-to-back``."""
    register(NoBackToBack())


@ps.hookimpl
def register_formats(register: Any) -> None:
    """Register ``lightning-round``."""
    register(
        "lightning-round",
        LightningRound,
        title="Lightning round",
        description=(
            "A one-minute check-in each (hard cap), then an open floor where nobody "
            "speaks twice in a row."
        ),
    )
