"""The independent model's state, and what it derives from it (rounds, limits, deadlines).

:class:`ModelState` holds what the model knows of a session, read from the
group and from what the format *declares* (each phase's policy declaration,
limits, budgets, rule ids and transitions). The fold that changes it is in
:mod:`peersupport.testing.model`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from peersupport.engine.format import Format, PhaseSpec
from peersupport.engine.state import SessionStatus
from peersupport.events import Event
from peersupport.testing.declared import Declared, Round, declared_key, place
from peersupport.testing.declared import offered as offered_by
from peersupport.testing.tables import DEFAULT_CLOSE_NOTICE, share_limits
from peersupport.testing.verdict import ConformanceError
from peersupport.values import Group, Role

__all__ = ["ModelState"]

_OPEN = SessionStatus.OPEN
_PAUSED = SessionStatus.PAUSED


class ModelState:
    """What the model knows of a session; the fold (a subclass) changes it.

    Args:
        group: The group the session runs with.
        fmt: The session's format (only its declared phase data is read).
        ends_at: The meeting's scheduled end the session was opened with, if any.
        close_notice: Its time-to-close notice in seconds (``None``: the default).
    """

    def __init__(
        self,
        group: Group,
        fmt: Format,
        *,
        ends_at: float | None = None,
        close_notice: float | None = None,
    ) -> None:
        self.group = group
        self.fmt = fmt
        #: The meeting's schedule; the current phase's budget in force; whether the
        #: time-to-close notice was given and the meeting overran.
        self.ends_at = ends_at
        self.close_notice = DEFAULT_CLOSE_NOTICE if close_notice is None else close_notice
        self.budget = fmt.phases[fmt.initial].budget
        self.closing = self.overran = False
        #: Each phase's policy declaration, by phase id.
        self.declared = {pid: Declared.of(spec) for pid, spec in fmt.phases.items()}
        self.count = 0
        self.last_time = -math.inf
        self.phase = fmt.initial
        self.entry = 0  # seq of the event that entered the current phase
        self.status = SessionStatus.OPEN
        self.present: list[str] = []
        self.roles: dict[str, Role] = {}
        self.consents: dict[str, int] = {}
        self.agreement = group.agreement
        self.phase_start = 0.0
        self.time_up = False
        self.paused_at: float | None = None
        self.round = 0
        self.order: list[str] = []
        self.had: set[str] = set()
        self.passed: set[str] = set()
        self.skipped: set[str] = set()
        self.closed = False
        self.called: str | None = None
        self.last: str | None = None
        self.holder: str | None = None
        #: The queue of raised hands (the head first), and pending points of
        #: process: member -> acknowledged yet.
        self.hands: list[str] = []
        self.points: dict[str, bool] = {}
        self.start = 0.0
        self.warned = False
        self.over = False
        self.share_clean = True  # no amendment while the current share runs
        self.share_cap: tuple[float | None, bool] = (None, False)
        self.shares: dict[str, int] = {}
        self.passes: dict[str, int] = {}
        self.speaking: dict[str, float] = {}
        self.overtime: dict[str, float] = {}
        self.not_reached: dict[str, int] = {}
        self.phase_shares: dict[str, int] = {}
        self.phase_speaking: dict[str, float] = {}
        self.blocked = 0
        self.interjections = 0
        #: (phase entry, round) -> member -> "shared" | "passed" | "skipped"
        self.turns: dict[tuple[int, int], dict[str, str]] = {}
        #: Rule notices the last event calls for: (rule id, exact data or None if optional).
        self.pending: list[tuple[str, dict[str, Any] | None]] = []
        self.trigger: Event | None = None
        #: The automatic roll-over waiting for the turn it was recorded with.
        self.rolled: Event | None = None
        #: Members listening this session (in order); agenda items per member;
        #: proposals to amend the agreement: number -> (status, changes); the
        #: accepted proposal whose ``agreement_amended`` must come next.
        self.listening: list[str] = []
        self.agenda_items: dict[str, int] = {}
        self.proposals: dict[int, tuple[str, dict[str, Any]]] = {}
        self.owed: int | None = None

    # -------------------------------------------------------------- the phase

    @property
    def spec(self) -> PhaseSpec:
        """The current phase."""
        return self.fmt.phases[self.phase]

    @property
    def policy(self) -> Declared:
        """The current phase's turn policy, as declared."""
        return self.declared[self.phase]

    @property
    def policy_name(self) -> str:
        """Name of the current phase's turn policy (for messages)."""
        return self.policy.policy

    @property
    def key(self) -> tuple[int, int]:
        """Identifies the current round: (event that entered the phase, round number)."""
        return (self.entry, self.round)

    def round_turns(self) -> Mapping[str, str]:
        """Who had which turn in the current round."""
        return self.turns.get(self.key, {})

    def role_of(self, member: str) -> Role | None:
        """The role of ``member`` in the session (visitor role) or the group."""
        role = self.roles.get(member)
        return self.group.role_of(member) if role is None else role

    def limits(self) -> tuple[float | None, float | None, bool]:
        """Share limits in force now."""
        return share_limits(self.spec, self.agreement)

    # -------------------------------------------------------------- rounds

    def complete(self) -> bool:
        """Whether the round is complete (or closed)."""
        return self.floor_now().complete()

    def next_up(self) -> str | None:
        """The first member in turn order who has not had their turn."""
        return self.floor_now().next_up()

    def rollover_due(self) -> bool:
        """Whether the next turn (or call) starts a new round by itself."""
        return self.policy.auto_rollover and self.complete()

    def floor_now(self) -> Round:
        """The current round, as turn decisions read it."""
        return Round(
            self.round,
            tuple(self.order),
            frozenset(self.had),
            self.closed,
            self.called,
            self.last,
            tuple(self.hands),
            bool(self.points),
        )

    def floor_for_turn(self) -> Round:
        """The round a turn or call now is checked in: the next one if a roll-over is due."""
        if not self.rollover_due():
            return self.floor_now()
        order = tuple(self.round_order())
        return Round(
            self.round + 1,
            order,
            frozenset(),
            False,
            None,
            self.last,
            tuple(self.hands),
            bool(self.points),
        )

    def offered(self) -> str | None:
        """Whom the policy offers the floor to now (``None`` while someone holds it).

        Only meaningful when the policy's ``offered`` is not overridden.
        """
        if self.holder is not None:
            return None
        return offered_by(self.policy, self.floor_now())

    def hand_position(self, member: str) -> int:
        """Where ``member``'s raised hand joins the queue now, by the declared order rule."""
        counts = (self.phase_shares, self.shares, self.speaking)
        return place(self.hands, member, lambda m: declared_key(self.policy, counts, m))

    def drop_hand(self, member: str) -> None:
        """Take ``member`` off the queue (they took the floor, passed or left)."""
        if member in self.hands:
            self.hands.remove(member)

    def round_order(self) -> list[str]:
        """Eligible members present and not listening, starting after the first facilitator."""
        eligible, listening = self.policy.eligible, self.listening
        members = [m for m in self.present if self.roles[m] in eligible and m not in listening]
        for index, member in enumerate(members):
            if self.roles[member].facilitates:
                return members[index + 1 :] + members[: index + 1]
        return members

    def new_round(self, number: int, order: list[str]) -> None:
        """Start round ``number`` with turn order ``order``."""
        self.round, self.order = number, order
        self.had, self.passed, self.skipped = set(), set(), set()
        self.closed = False
        self.called = None

    # -------------------------------------------------------------- time

    def share_end(self, now: float) -> dict[str, float]:
        """``duration`` and, past the limit in force, ``overtime`` of a share ending ``now``."""
        end = self.paused_at if self.paused_at is not None else now
        duration = end - self.start
        data = {"duration": duration}
        _warn, limit, _hard = self.limits()
        # moments compared as moments: a share ending exactly at its limit is not overtime
        if limit is not None and self.start + duration > self.start + limit:
            data["overtime"] = duration - limit
        return data

    def reserved_from(self) -> float | None:
        """When the reserved time of the current phase begins, if it has any."""
        if "reserved-time" not in {r.id for r in self.spec.rules}:
            return None
        reserved, budget = self.agreement.reserved_time, self.budget  # the budget in force
        if reserved is None or budget is None:
            return None
        return self.phase_start + max(0.0, budget - reserved)

    def meeting_due(self) -> float | None:
        """When the meeting's schedule next falls due (``time_to_close``, then its end), if ever."""
        if self.ends_at is None or self.overran or self.status not in (_OPEN, _PAUSED):
            return None
        return self.ends_at if self.closing else self.ends_at - self.close_notice

    def next_deadline(self) -> float | None:
        """The model's own next deadline (while paused: only the meeting's schedule)."""
        meeting = self.meeting_due()
        found: list[float] = [] if meeting is None else [meeting]
        if self.status is _OPEN:
            if self.holder is not None:
                warn, limit, _hard = self.limits()
                if warn is not None and not self.warned and not self.over:
                    found.append(self.start + warn)
                if limit is not None and not self.over:
                    found.append(self.start + limit)
            if self.budget is not None and not self.time_up:
                found.append(self.phase_start + self.budget)
        return max(min(found), self.last_time) if found else None

    def check_nothing_overdue(self, now: float) -> None:
        """After ``apply_due`` no deadline may lie at or before ``now``.

        Raises:
            ConformanceError: ``deadlines``, naming what is overdue.
        """
        due = self.next_deadline()
        if due is not None and due <= now:
            raise ConformanceError(
                "deadlines",
                f"a deadline at {due:g} s is overdue at {now:g} s after apply_due() "
                f"(share of {self.holder} from {self.start:g} s, limits {self.limits()}, "
                f"phase {self.phase} from {self.phase_start:g} s, budget {self.budget}, "
                f"the meeting's next time at {self.meeting_due()})",
            )

    # -------------------------------------------------------------- failures

    def fail(self, invariant: str, e: Event, problem: str) -> ConformanceError:
        """The error for ``e`` breaking ``invariant``."""
        return ConformanceError(
            invariant, f"{problem} (event {e.seq} {e.kind.value} at {e.time:g} s: {e})"
        )
