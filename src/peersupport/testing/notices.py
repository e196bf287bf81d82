"""Rule notices: which ``rule_notice`` events must (or may) follow an event, and checking them.

The model knows ``share-the-air`` in detail (its notice and its exact data), and the
agreement's ``size-guidance`` notice (:mod:`~peersupport.testing.practice`; a
notice of it missing, unexpected or with other data breaks ``[size-guidance]``).
For a rule it does not know, a notice may follow only an event of a kind the
rule ``watches``.
"""

from __future__ import annotations

from typing import Any

from peersupport.engine.rules import Rule
from peersupport.events import Event
from peersupport.testing.modelstate import ModelState
from peersupport.testing.tables import KNOWN_RULES
from peersupport.testing.verdict import ConformanceError

__all__ = ["NoticeChecks"]

#: The engine's size-guidance notice, checked by :mod:`~peersupport.testing.practice`.
_SIZE = "size-guidance"


class NoticeChecks(ModelState):
    """The model's expectations of rule notices."""

    def expect_notices(self, e: Event) -> None:
        """Work out which rule notices must (or may) follow ``e`` (already folded in)."""
        self.trigger = e
        for rule in self.spec.rules:
            if rule.id == "share-the-air":
                data = self.share_the_air(rule, e)
                if data is not None:
                    self.pending.append((rule.id, data))
            elif rule.id not in KNOWN_RULES and e.kind in rule.watches:
                self.pending.append((rule.id, None))

    def share_the_air(self, rule: Rule, e: Event) -> dict[str, Any] | None:
        """The ``share-the-air`` notice due after ``e``, if any (the model's own reading)."""
        threshold = self.agreement.share_the_air
        member = e.member
        if threshold is None or member is None or "duration" not in e.data:
            return None
        total = sum(self.phase_speaking.values())
        min_total = getattr(rule, "min_total", 300.0)
        if total < min_total or total <= 0:
            return None
        part = self.phase_speaking.get(member, 0.0) / total
        if part <= threshold:
            return None
        quiet = tuple(
            m
            for m in self.present
            if m != member and not self.phase_shares.get(m) and self.roles[m].takes_turns
        )
        return {"rule": rule.id, "part": round(part, 4), "not_spoken": quiet}

    def check_notice(self, e: Event) -> None:
        """Check a ``rule_notice`` event against the notices the last event calls for."""
        trigger = self.trigger
        if e.actor is not None or trigger is None:
            raise self.fail("rule-notices", e, "a rule notice must follow an event, no actor")
        if e.time != trigger.time or e.member != trigger.member:
            raise self.fail("rule-notices", e, f"a notice does not match {trigger}")
        rule = e.data.get("rule")
        while self.pending:
            rule_id, data = self.pending.pop(0)
            if rule_id == rule:
                if data is not None and dict(e.data) != data:
                    raise self.fail("rule-notices", e, f"expected the notice {data}")
                return
            if data is not None:
                raise self.fail(
                    "size-guidance" if rule_id == _SIZE else "rule-notices",
                    e,
                    f"missing the {rule_id} notice {data}",
                )
        raise self.fail(
            "size-guidance" if rule == _SIZE else "rule-notices",
            e,
            f"no {rule} notice is due after {trigger}",
        )

    def check_settled(self) -> None:
        """Every notice the last event called for was recorded; every roll-over had its turn.

        Raises:
            ConformanceError: ``rule-notices`` or ``auto-rollover``.
        """
        missing = [rule for rule, data in self.pending if data is not None]
        if missing:
            raise ConformanceError(
                "size-guidance" if _SIZE in missing else "rule-notices",
                f"no {', '.join(missing)} notice after {self.trigger}",
            )
        if self.rolled is not None:
            raise ConformanceError(
                "auto-rollover",
                f"{self.rolled} was recorded without the turn that starts the new round",
            )
