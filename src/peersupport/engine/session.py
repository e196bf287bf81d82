"""The session: its actions, each checked, then committed as events.

Every action is checked in a fixed order: does the session run; who acts and
may they (membership, acting for themself, presence, role); the always-on rules
(observers listen, consent); one voice at a time; one turn per round (in every
phase with rounds); the phase's turn policy; the agreement's and the phase's
rules. A refusal raises an :class:`~peersupport.errors.ActionRejected` naming
who acted, the action and the rule, and leaves the session exactly as it was.
The checks live in :mod:`~peersupport.engine.turns` and
:mod:`~peersupport.engine.facilitation`; the ledger commits events, all or none.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from peersupport import plugins
from peersupport.clock import Clock, ManualClock, SystemClock
from peersupport.deprecation import Renamed
from peersupport.engine import facilitation, presence, turns, verify
from peersupport.engine.decisions import DecisionActions
from peersupport.engine.events import Event, LogView
from peersupport.engine.floor import Floor
from peersupport.engine.fold import LiveState
from peersupport.engine.format import Format, PhaseSpec
from peersupport.engine.handactions import HandActions
from peersupport.engine.ledger import Ledger
from peersupport.engine.practice import PracticeActions
from peersupport.engine.restore import check_opening, check_pair, restore, restore_steps
from peersupport.engine.safety import SafetyActions
from peersupport.engine.snapshot import snapshot
from peersupport.engine.state import SessionState, SessionStatus, SessionView
from peersupport.engine.timing import TimeActions
from peersupport.values import Agreement, Group, Role

__all__ = ["Session"]


class Session(DecisionActions, HandActions, PracticeActions, SafetyActions, TimeActions):
    """One group session run by its format's protocol.

    A session has one owner at a time: call its actions from one thread (or one
    asyncio task) at a time. An action called while another is in progress (from
    a lifecycle hook, a rule, or a second thread) is refused with
    :class:`~peersupport.errors.SessionBusy`.

    The constructor records the ``opened`` event: the log version, the format
    and its fingerprint, the group's fingerprint, and the agreement in force.

    Args:
        group: The group meeting (also an attribute).
        format: The compiled format, e.g. ``peersupport.formats.get("sharing-circle")``
            (also an attribute).
        clock: Source of time (also an attribute); a ``SystemClock`` by default.
        hooks: Whether the installed plugins' lifecycle hooks hear of the events.
        ends_at: When the meeting is scheduled to end, in the clock's seconds (e.g.
            :meth:`Meeting.scheduled_end`); ``None``: the session has no schedule.
            Recorded in ``opened``; see :meth:`time_plan`.
        close_notice: Seconds before ``ends_at`` when ``time_to_close`` is
            recorded (default 300).

    Raises:
        TypeError: If ``group`` is not a :class:`Group` or ``format`` not a
            :class:`Format` (a format's name, say).
        ValueError: If the group has fewer facilitators than the format needs, or
            ``ends_at`` is not after the opening (or ``close_notice`` not a duration).
    """

    __slots__ = ("_ledger", "_live", "clock", "format", "group")

    def __init__(
        self,
        group: Group,
        format: Format,  # noqa: A002
        *,
        clock: Clock | None = None,
        hooks: bool = True,
        ends_at: float | None = None,
        close_notice: float | None = None,
    ) -> None:
        check_pair(group, format)
        if len(group.facilitators) < format.facilitators:
            raise ValueError(
                f"format {format.name!r} needs {format.facilitators} facilitators; group "
                f"{group.name!r} has {len(group.facilitators)}"
            )
        self._start(group, format, LiveState(group, format), [], clock, hooks)
        self._ledger.open(ends_at, close_notice)

    def _start(
        self,
        group: Group,
        format: Format,  # noqa: A002
        live: LiveState,
        events: list[Event],
        clock: Clock | None,
        hooks: bool,
    ) -> None:
        self.group = group
        self.format = format
        self.clock: Clock = SystemClock() if clock is None else clock
        self._live = live
        self._ledger = Ledger(self, live, events, plugins.dispatcher() if hooks else None)

    @classmethod
    def restore(
        cls,
        group: Group,
        format: Format,  # noqa: A002
        events: Sequence[Event],
        *,
        clock: Clock | None = None,
        hooks: bool = True,
    ) -> Session:
        """Rebuild a session from its log by folding the events; no check runs.

        No turn policy or rule code runs, so a log restores after a plugin
        changed how it checks. The log must open with this format (name and
        chart fingerprint) and this group (fingerprint). A log that stops before
        ``ended`` restores as unfinished (``state.status`` is not ``ended``).
        :meth:`verify` checks that today's rules would write the log.

        Args:
            group: The group the session ran with.
            format: The format it ran.
            events: The log (e.g. from :func:`peersupport.events.load`).
            clock: Clock to continue with (default: a manual clock at the last event).
            hooks: Whether plugins hear of the events that follow (never of these).

        Raises:
            LogError: Naming the line: an empty or disordered log, another
                format, chart or group, or an event that cannot follow the others.
            TypeError: If ``group`` is not a :class:`Group` or ``format`` not a
                :class:`Format`.
        """
        from_log = list(events)
        live = restore(group, format, from_log)
        session = cls.__new__(cls)
        if clock is None:
            clock = ManualClock(from_log[-1].time)
        session._start(group, format, live, from_log, clock, hooks)
        return session

    @classmethod
    def restore_steps(
        cls,
        group: Group,
        format: Format,  # noqa: A002
        events: Sequence[Event],
    ) -> Iterator[tuple[Event, SessionView]]:
        """Fold the log event by event, yielding ``(event, view)`` right after each.

        Useful to render a timeline; raises ``LogError`` and ``TypeError`` as
        :meth:`restore` does.
        """
        log = list(events)
        for event, live in restore_steps(group, format, log):
            yield event, SessionView(group, format, snapshot(live), LogView(log, event.seq + 1))

    @classmethod
    def verify(
        cls,
        group: Group,
        format: Format,  # noqa: A002
        events: Iterable[Event],
        *,
        clock: Clock | None = None,
        hooks: bool = True,
    ) -> Session:
        """Re-enact a log through today's checks; return the restored session.

        Every logged action is performed again, through the same checks,
        policies and rules as a live session, and must record the logged events:
        edited, reordered or spliced logs, and logs today's rules would not
        write, are refused naming the first event that differs.

        Raises:
            LogError: Naming the first event (1-based line) that does not re-enact.
            TypeError: If ``group`` is not a :class:`Group` or ``format`` not a
                :class:`Format`.
        """
        check_pair(group, format)
        log = list(events)
        if log:
            check_opening(group, format, log[0])
        verify.reenact(lambda start: cls._again(group, format, start, log[0]), log)
        return cls.restore(group, format, log, clock=clock, hooks=hooks)

    @classmethod
    def _again(cls, group: Group, format: Format, clock: Clock, opened: Event) -> Session:  # noqa: A002
        """A new session to re-enact a log on, with the schedule ``opened`` records."""
        ends_at, notice = opened.data.get("ends_at"), opened.data.get("close_notice")
        return cls(group, format, clock=clock, hooks=False, ends_at=ends_at, close_notice=notice)  # type: ignore[arg-type]

    @property
    def events(self) -> Sequence[Event]:
        """The log so far, oldest first: a read-only view, made in O(1)."""
        events = self._ledger.events
        return LogView(events, len(events))

    @property
    def state(self) -> SessionState:
        """An immutable snapshot of the session's state."""
        return snapshot(self._live)

    @property
    def hook_failures(self) -> list[plugins.HookFailure]:
        """Lifecycle hooks that raised, oldest first (the session went on unchanged)."""
        return self._ledger.failures

    @property
    def floor(self) -> Floor:
        """The live floor, for turn policies and rules to read (apps read ``state.floor``)."""
        return self._live.floor

    @property
    def phase(self) -> PhaseSpec:
        """The current phase."""
        return self._live.phase

    @property
    def phase_name(self) -> str:
        """Human-readable name of the current phase."""
        return self._live.phase.name

    @property
    def agreement(self) -> Agreement:
        """The agreement in force."""
        return self._live.agreement

    @property
    def status(self) -> SessionStatus:
        """Whether the session is open, paused or ended."""
        return self._live.status

    @property
    def present(self) -> tuple[str, ...]:
        """Ids of the members present, in seat (arrival) order."""
        return tuple(self._live.present)

    @property
    def consents(self) -> Mapping[str, int]:
        """For each member, the agreement version they last consented to (read-only)."""
        return MappingProxyType(self._live.consents)

    def role_of(self, member_id: str) -> Role | None:
        """The role of ``member_id`` in this session (group role or visitor role)."""
        return self._live.role_of(member_id)

    def is_present(self, member_id: str) -> bool:
        """Whether ``member_id`` is present."""
        return member_id in self._live.present

    @property
    def phase_started_at(self) -> float:
        """When the current phase started (shifted by pauses)."""
        return self._live.phase_started

    @property
    def phase_budget(self) -> float | None:
        """The current phase's budget in force (shorter when the meeting runs late)."""
        return self._live.budget

    @property
    def phase_shares(self) -> Mapping[str, int]:
        """Shares per member in the current phase (read-only view)."""
        return MappingProxyType(self._live.phase_shares)

    @property
    def phase_speaking_time(self) -> Mapping[str, float]:
        """Seconds of shares per member in the current phase (read-only view)."""
        return MappingProxyType(self._live.phase_speaking)

    def offered_to(self) -> str | None:
        """Whose turn it is, when the phase's policy offers the floor to one member.

        ``None`` while someone holds the floor and in phases where nobody in
        particular is offered the floor.
        """
        return self._live.offered_to()

    def arrive(
        self, member: str, *, by: str | None = None, role: Role | str | None = None
    ) -> Event:
        """Record that ``member`` arrived; a late arrival joins the end of the current round.

        In an open group a visitor may arrive with ``role`` (a newcomer by
        default; never a facilitator). A facilitator may sign someone in with ``by``.

        Raises:
            NotAMember: The group is closed and ``member`` is not in it, or a
                visitor's id is not a valid id (see :mod:`peersupport.validate`).
            AlreadyDone: ``member`` is already present.
        """
        return presence.arrive(self._ledger, member, by, role)

    def leave(self, member: str, *, by: str | None = None) -> Event:
        """Record that ``member`` left; they are removed from the remaining turns.

        If they held the floor, their share ends.
        """
        return presence.leave(self._ledger, member, by)

    def consent(self, member: str, *, by: str | None = None) -> Event:
        """Record ``member``'s consent to the current version of the agreement."""
        return presence.consent(self._ledger, member, by)

    def start_share(self, member: str, *, by: str | None = None) -> Event:
        """``member`` takes the floor and starts sharing.

        Raises:
            NotYourTurn: Someone else holds the floor or the turn policy says no.
            RuleViolation: e.g. ``one-share-per-round``.
            ConsentRequired: ``member`` has not consented to the current agreement.
        """
        return turns.start_share(self._ledger, member, by)

    def end_share(self, member: str, *, by: str | None = None) -> Event:
        """``member`` ends their share (a facilitator may end it for them)."""
        return turns.end_share(self._ledger, member, by)

    def pass_turn(self, member: str, *, by: str | None = None) -> Event:
        """``member`` passes: it counts as their turn and they are not asked again this round."""
        return turns.pass_turn(self._ledger, member, by)

    def interject(self, member: str, *, by: str | None = None) -> Event:
        """``member`` speaks while someone else holds the floor (cross-talk).

        Allowed only where both the phase and the agreement allow cross-talk.
        Otherwise the ``no-cross-talk`` rule blocks it: the attempt is recorded
        as a ``cross_talk_blocked`` event and :class:`CrossTalkBlocked` is raised.

        Returns:
            The ``interjected`` event when cross-talk is allowed.
        """
        return turns.interject(self._ledger, member, by)

    def call_on(self, member: str, *, by: str) -> Event:
        """Call on ``member`` to take the floor next.

        Under ``called-on`` the facilitator calls on people; under ``tag`` the
        last speaker names the next one (a facilitator may too). The member
        called on then shares or passes.

        Raises:
            WrongPhase: Nobody is called on in this phase's turn policy.
            NotYourTurn: ``by`` may not call on anyone now.
            RuleViolation: ``member`` already had their turn in this round.
        """
        return turns.call_on(self._ledger, member, by)

    def advance(self, *, by: str, to: str | None = None) -> Event:
        """Move the session along the chart (facilitator only).

        Without ``to`` the first transition out of the current phase whose
        guards hold is taken. With ``to`` the transition to that phase is taken;
        ``to`` equal to the current phase starts a new round in it.

        Raises:
            PermissionDenied: ``by`` is not a facilitator.
            WrongPhase: No transition leads there, or a guard fails (e.g.
                ``round-complete``: the round is incomplete; close it first).
        """
        return facilitation.advance(self._ledger, by, to, "advance")

    def new_round(self, *, by: str) -> Event:
        """Start another round in the current phase (``advance(to=current phase)``)."""
        return facilitation.advance(self._ledger, by, self._live.phase.id, "new_round")

    def close_round(self, *, by: str) -> Event:
        """Close the current round early; whoever was not reached is recorded."""
        return facilitation.close_round(self._ledger, by)

    def skip(self, member: str, *, by: str) -> Event:
        """Move the round past ``member`` (e.g. they stepped out); recorded as skipped."""
        return facilitation.skip(self._ledger, member, by)

    def amend_agreement(self, *, by: str, **changes: Any) -> Event:
        """A facilitator amends the agreement's settings mid-session.

        Everyone must consent to the new version before taking the floor again.
        Where the group decides, a member proposes and the group decides by its
        rule (:meth:`propose_amendment`, :meth:`decide_amendment`). Guidelines are
        amended between sessions with :meth:`Group.with_agreement`.

        Raises:
            ValueError: If a change is not an amendable setting or is invalid.
        """
        return facilitation.amend_agreement(self._ledger, by, changes)

    #: Deprecated: :meth:`verify` re-enacts a log as ``replay`` did; :meth:`restore` folds it.
    replay = Renamed("verify", "Session.restore (a fold of the log) or Session.verify")
    replay_steps = Renamed("restore_steps")  #: Deprecated: use :meth:`restore_steps`.
