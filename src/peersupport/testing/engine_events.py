"""Events the engine records by itself: the opening, automatic roll-overs, and deadlines.

Each is checked against the model's own idea of when it is due and what its
data say: the ``opened`` event describes the format, the group and the
agreement; an automatic ``round_started`` comes exactly when a complete round of
a roll-over phase meets a turn; time warnings, overtime, hard caps and phase
budgets fall due exactly once at exactly their moment, never while paused; and
every share's end records the duration and overtime the model computes. The
meeting's schedule (``ends_at`` and ``close_notice`` in ``opened``, budgets in
force, ``time_to_close`` and ``meeting_overran``, which fall due while paused
too) is :mod:`~peersupport.testing.meetingtime`.
"""

from __future__ import annotations

from peersupport.engine.state import SessionStatus
from peersupport.events import LOG_VERSION, Event, EventKind
from peersupport.testing.meetingtime import MEETING_KINDS, SCHEDULE_KEYS, MeetingTime
from peersupport.testing.tables import (
    AMENDABLE,
    DEADLINE_KINDS,
    LATER_DEFAULTS,
    SHARE_TIME_LIMIT,
)

__all__ = ["EngineEvents"]

K = EventKind
_OPEN = SessionStatus.OPEN


class EngineEvents(MeetingTime):
    """The model's fold and checks of the events without an actor."""

    def fold_engine_event(self, e: Event, previous: float) -> None:
        """Check and fold an event the engine recorded by itself.

        Args:
            e: The event (no actor).
            previous: Time of the event before it.
        """
        kind = e.kind
        if kind is K.OPENED:
            self.fold_opened(e)
        elif kind is K.ROUND_STARTED:
            self.fold_rollover(e)
        elif kind in DEADLINE_KINDS:
            self.fold_deadline(e, previous)
        else:
            raise self.fail("one-event-per-action", e, f"a {kind.value} event without an actor")

    def fold_opened(self, e: Event) -> None:
        """The ``opened`` event says what the session is: format, group, agreement, schedule."""
        if e.seq != 0:
            raise self.fail("event-order", e, "a session opens only once")
        fmt, agreement = self.fmt, self.group.agreement
        expected = {
            "log": LOG_VERSION,
            "format": fmt.name,
            "chart": fmt.fingerprint,
            "group": self.group.fingerprint,
            "phase": fmt.initial,
            "agreement": agreement.version,
            **{
                name: getattr(agreement, name)
                for name in AMENDABLE
                if getattr(agreement, name) != LATER_DEFAULTS.get(name, ...)
            },
        }
        found = {k: v for k, v in e.data.items() if k not in SCHEDULE_KEYS}
        if e.member is not None or found != expected:
            raise self.fail("opened", e, f"the session opened with {expected}")
        self.check_opened_schedule(e)
        self.phase_start = e.time
        if self.policy.rounds:
            self.new_round(1, [])

    def fold_rollover(self, e: Event) -> None:
        """An automatic roll-over: only when a complete round of a roll-over phase meets a turn."""
        if self.status is not _OPEN or not self.policy.auto_rollover:
            raise self.fail(
                "auto-rollover",
                e,
                f"a round rolled over by itself in {self.phase} ({self.policy_name}, "
                f"{self.status.value})",
            )
        if self.holder is not None or not self.complete():
            raise self.fail(
                "auto-rollover",
                e,
                f"round {self.round} rolled over while incomplete or {self.holder} holds the floor",
            )
        expected = {"phase": self.phase, "round": self.round + 1, "automatic": True}
        if e.member is not None or dict(e.data) != expected:
            raise self.fail("auto-rollover", e, f"an automatic roll-over records {expected}")
        self.new_round(self.round + 1, self.round_order())
        self.rolled = e

    def fold_deadline(self, e: Event, previous: float) -> None:
        """A deadline: a time warning, overtime, a hard cap or the phase's budget."""
        kind, member, data = e.kind, e.member, dict(e.data)
        if kind in MEETING_KINDS:
            self.fold_meeting_deadline(e, previous)
            return
        if self.status is not _OPEN:
            raise self.fail("deadlines", e, f"a deadline fell due while {self.status.value}")

        def due(at: float) -> float:
            # A deadline falls due at its moment, or, if a change made it due
            # retroactively (a shorter limit agreed mid-share), at that change.
            return max(at, previous)

        warn, limit, hard = self.limits()
        if kind is K.TIME_WARNING:
            if member is None or member != self.holder or warn is None:
                raise self.fail("deadlines", e, f"a time warning while {self.holder} shares")
            if self.warned or self.over:
                raise self.fail("deadlines", e, "a second time warning for one share")
            if e.time != due(self.start + warn) or data != {"rule": SHARE_TIME_LIMIT}:
                raise self.fail("deadlines", e, f"time warning due {due(self.start + warn):g}")
            self.warned = True
        elif kind is K.OVERTIME:
            if member is None or member != self.holder or limit is None or hard:
                raise self.fail("deadlines", e, "overtime without a soft share limit")
            if self.over:
                raise self.fail("deadlines", e, "overtime twice for one share")
            if e.time != due(self.start + limit):
                raise self.fail("deadlines", e, f"overtime due {due(self.start + limit):g}")
            if data != {"rule": SHARE_TIME_LIMIT, "limit": limit}:
                raise self.fail("deadlines", e, f"overtime records limit {limit}")
            self.over = True
        elif kind is K.SHARE_ENDED:  # the hard cap
            if member is None or member != self.holder or limit is None or not hard:
                raise self.fail("deadlines", e, "the engine ended a share without a hard cap")
            if self.over:
                raise self.fail("deadlines", e, "a hard cap after overtime")
            if e.time != due(self.start + limit):
                raise self.fail(
                    "deadlines",
                    e,
                    f"hard cap fired at {e.time:g} s, due {due(self.start + limit):g} "
                    f"(share from {self.start:g} s, limit {limit:g} s)",
                )
            self.end_share(e, member, capped=True)
        else:  # the phase's budget (in force)
            budget = self.budget
            if budget is None or self.time_up or member is not None:
                raise self.fail("deadlines", e, f"phase time up in {self.phase} ({budget})")
            if e.time != due(self.phase_start + budget):
                raise self.fail(
                    "deadlines",
                    e,
                    f"phase budget ran out at {e.time:g} s, due {due(self.phase_start + budget):g}",
                )
            if data != {"phase": self.phase, "budget": budget}:
                shorter = budget != self.spec.budget  # the schedule shortened it
                raise self.fail(
                    "schedule" if shorter else "deadlines",
                    e,
                    f"phase time up of {self.phase} records its budget in force ({budget})",
                )
            self.time_up = True

    def end_share(self, e: Event, member: str, *, capped: bool = False) -> None:
        """End ``member``'s share at ``e`` (ended, left, end of session or the hard cap).

        The event's duration and overtime must be the model's own; ``share_ended``,
        ``left`` and ``ended`` carry ``overtime`` exactly when the share ran past
        the limit in force, a hard cap carries ``duration`` and ``rule``.
        """
        if member != self.holder:
            raise self.fail("one-holder", e, f"{member} ends a share {self.holder} holds")
        expected: dict[str, object] = dict(self.share_end(e.time))
        if capped:
            expected.pop("overtime", None)
            expected["rule"] = SHARE_TIME_LIMIT
        found = {
            k: v for k, v in e.data.items() if e.kind is not K.ENDED or k not in ("phase", "reason")
        }
        if found != expected:
            raise self.fail(
                "overtime" if "overtime" in found or "overtime" in expected else "model",
                e,
                f"the share of {member} from {self.start:g} s (limits {self.limits()}) "
                f"records {expected}",
            )
        duration = self.share_end(e.time)["duration"]
        limit, hard = self.share_cap
        if self.share_clean and hard and limit is not None and duration > limit:
            raise self.fail(
                "deadlines", e, f"hard-capped share of {member} ran {duration:g} s > {limit:g}"
            )
        if self.spec.sharing:
            self.shares[member] = self.shares.get(member, 0) + 1
            self.speaking[member] = self.speaking.get(member, 0.0) + duration
            self.phase_shares[member] = self.phase_shares.get(member, 0) + 1
            self.phase_speaking[member] = self.phase_speaking.get(member, 0.0) + duration
            over = expected.get("overtime")
            if isinstance(over, int | float) and over:
                self.overtime[member] = self.overtime.get(member, 0.0) + over
        self.holder = None
        self.warned = self.over = False
