"""The session engine: actions -> checks -> events -> state.

Every action is checked in a fixed order: is the session open; who is acting
and may they (membership, acting for themself, presence, role, consent); does
the phase's turn policy allow it; do the rules allow it. A refused action raises
an :class:`~peersupport.errors.ActionRejected` and leaves the session exactly as
it was. An accepted action becomes one immutable :class:`~peersupport.events.Event`
which is then *applied*: the state is a fold of the events, and
:meth:`Session.replay` runs the very same code, so replay is exact by
construction.

Time comes only from the injected clock. Before each action the session applies
whatever fell due (time warnings, overtime, hard caps, phase budgets), stamping
each with the moment it fell due; apps can also ask for :meth:`Session.next_deadline`
and call :meth:`Session.apply_due` when it arrives.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import SimpleNamespace
from typing import Any, NoReturn

from peersupport import plugins
from peersupport.clock import Clock, SystemClock
from peersupport.errors import (
    AlreadyDone,
    ConsentRequired,
    CrossTalkBlocked,
    NotAMember,
    NotPresent,
    NotYourTurn,
    PermissionDenied,
    SessionClosed,
    SessionPaused,
    WrongPhase,
)
from peersupport.events import DataValue, Event, EventKind
from peersupport.fold import SessionCore
from peersupport.format import Format, Transition
from peersupport.model import Agreement, Group, Role
from peersupport.rules import NO_CROSS_TALK, RIGHT_TO_PASS, SHARE_TIME_LIMIT
from peersupport.state import Deadline, SessionState, SessionStatus

_OPEN = SessionStatus.OPEN
_PAUSED = SessionStatus.PAUSED
_ENDED = SessionStatus.ENDED

__all__ = ["Deadline", "Session", "SessionState", "SessionStatus"]

_K = SimpleNamespace(**EventKind.__members__)  # plain attribute lookups: hot path
#: Settings a session may amend in its agreement (guidelines change between sessions).
AMENDABLE = tuple(Agreement().settings())


class Session(SessionCore):
    """One group session run by its format's protocol.

    Args:
        group: The group meeting.
        format: The compiled format (e.g. ``peersupport.formats.get("sharing-circle")``).
        clock: Source of time; a :class:`~peersupport.clock.SystemClock` by default.
        hooks: Whether to tell the installed plugins' lifecycle hooks about this
            session's events (a simulation may switch them off).

    The constructor appends the ``opened`` event; the session starts in the
    format's initial phase with nobody present.

    Attributes:
        hook_failures: Lifecycle hooks that raised (:class:`~peersupport.plugins.HookFailure`),
            oldest first; a failing plugin never changes the session.

    Raises:
        ValueError: If the group has fewer facilitators than the format needs.
    """

    __slots__ = ()

    def __init__(
        self,
        group: Group,
        format: Format,  # noqa: A002
        *,
        clock: Clock | None = None,
        hooks: bool = True,
    ) -> None:
        needed = format.facilitators
        if len(group.facilitators) < needed:
            raise ValueError(
                f"format {format.name!r} needs {needed} facilitators; group {group.name!r} "
                f"has {len(group.facilitators)}"
            )
        super().__init__(
            group,
            format,
            SystemClock() if clock is None else clock,
            plugins.dispatcher() if hooks else None,
        )
        self._commit(
            _K.OPENED,
            self.clock.now(),
            None,
            None,
            {"format": format.name, "phase": format.initial, "agreement": group.agreement.version},
        )

    # ------------------------------------------------------------------ time

    def apply_due(self) -> tuple[Event, ...]:
        """Apply every deadline that fell due by now; return the events appended.

        Each event is stamped with the moment its deadline fell due, so a late
        call records the same log as a punctual one. Call it when the clock
        reaches :meth:`next_deadline` (a deadline at ``T`` is due from ``T`` on).

        Every action first applies the deadlines that fell due *before* it; an
        action at exactly a deadline comes first, so a share ended exactly at
        its limit is not overtime.
        """
        start = len(self._events)
        now = self.clock.now()
        if now >= self._deadline:
            self._catch_up(now, inclusive=True)
        return tuple(self._events[start:])

    def _now(self) -> float:
        now = self.clock.now()
        last = self._events[-1].time
        if now < last:
            raise ValueError(
                f"the clock went back: it reads {now:g} s but the last event was at {last:g} s"
            )
        if now > self._deadline:
            self._catch_up(now, inclusive=False)
        return now

    def _catch_up(self, now: float, *, inclusive: bool) -> None:
        while True:
            found = self._find_deadline()
            if found is None or found[0] > now or (found[0] == now and not inclusive):
                return
            at, kind, member = found
            rule = SHARE_TIME_LIMIT.id
            if kind == "time-warning":
                self._commit(_K.TIME_WARNING, at, None, member, {"rule": rule})
            elif kind == "share-limit":
                _warn, limit, hard = self._limits
                if hard:
                    self._commit(
                        _K.SHARE_ENDED,
                        at,
                        None,
                        member,
                        {"duration": at - self.floor.started, "rule": rule},
                    )
                else:
                    self._commit(_K.OVERTIME, at, None, member, {"rule": rule, "limit": limit})
            else:
                self._commit(
                    _K.PHASE_TIME_UP,
                    at,
                    None,
                    None,
                    {"phase": self._phase.id, "budget": self._phase.budget},
                )

    # ------------------------------------------------------------------ checks

    def _check_running(self, actor: str | None, action: str, *, floor_action: bool) -> None:
        status = self._status
        if status is _OPEN:
            return
        if status is _ENDED:
            raise SessionClosed(actor, action, "session-ended", "the session has ended")
        if floor_action:
            raise SessionPaused(
                actor, action, "paused", "the session is paused; the facilitator resumes it"
            )

    def _who(self, action: str, member: str, by: str | None) -> tuple[str, Role]:
        """Check who acts for whom; return ``(actor, member's role)``."""
        actor = member if by is None else by
        role = self.role_of(member)
        if role is None:
            self._refuse_outsider(actor, action, member)
        if by is not None and by != member:
            self._check_stand_in(by, member, action, "act for")
            if by not in self._present:
                raise NotPresent(by, action, "present", f"{by} is not present")
        return actor, role

    def _check_stand_in(self, by: str, member: str, action: str, doing: str) -> None:
        """``by`` acts for ``member``: refuse unless ``by`` is a facilitator of the group."""
        by_role = self.role_of(by)
        if by_role is None:
            self._refuse_outsider(by, action, by)
        if not by_role.facilitates:
            raise PermissionDenied(
                by,
                action,
                "acts-for-themself",
                f"a member acts only for themself; only a facilitator may {doing} {member}",
            )

    def _refuse_outsider(self, actor: str, action: str, who: str) -> NoReturn:
        if self.group.closed:
            raise NotAMember(
                actor,
                action,
                "closed-group",
                f"{who} is not a member of the closed group {self.group.name!r}",
            )
        raise NotPresent(actor, action, "present", f"{who} has not arrived")

    def _need_present(self, actor: str, action: str, member: str) -> None:
        if member not in self._present:
            raise NotPresent(actor, action, "present", f"{member} is not present (arrive first)")

    def _facilitator(self, by: str, action: str) -> None:
        self._check_running(by, action, floor_action=action not in ("end", "resume"))
        role = self.role_of(by)
        if role is None:
            self._refuse_outsider(by, action, by)
        if not role.facilitates:
            raise PermissionDenied(
                by, action, "facilitator-only-action", f"only a facilitator may {action}"
            )
        if by not in self._present:
            raise NotPresent(by, action, "present", f"{by} is not present")

    def _may_speak(self, actor: str, action: str, member: str, role: Role) -> None:
        if not role.takes_turns:
            raise PermissionDenied(
                actor, action, "observers-listen", f"{member} is an observer; observers listen"
            )
        version = self._agreement.version
        if self._consents.get(member) != version:
            raise ConsentRequired(
                actor,
                action,
                "consent",
                f"{member} has not consented to agreement v{version}",
            )

    def _floor_free(self, actor: str, action: str) -> None:
        holder = self.floor.holder
        if holder is not None:
            raise NotYourTurn(actor, action, "one-voice-at-a-time", f"{holder} holds the floor")

    # ------------------------------------------------------------------ member actions

    def arrive(
        self, member: str, *, by: str | None = None, role: Role | str | None = None
    ) -> Event:
        """Record that ``member`` arrived.

        A late arrival joins the end of the current round. In an open group a
        visitor may arrive with ``role`` (a newcomer by default; never a
        facilitator). A facilitator may sign someone in with ``by``.

        Raises:
            NotAMember: The group is closed and ``member`` is not in it.
            AlreadyDone: ``member`` is already present.
        """
        action = "arrive"
        actor = member if by is None else by
        self._check_running(actor, action, floor_action=False)
        now = self._now()
        if by is not None and by != member:
            self._check_stand_in(by, member, action, "sign in")
            self._need_present(by, action, by)
        data: dict[str, DataValue] = {}
        if self.role_of(member) is None:
            if self.group.closed:
                self._refuse_outsider(actor, action, member)
            if not isinstance(member, str) or not member or member != member.strip():
                raise NotAMember(actor, action, "member-id", f"{member!r} is not a valid id")
            try:
                visitor = Role.NEWCOMER if role is None else Role(role)
            except ValueError:
                raise PermissionDenied(
                    actor, action, "visitor-role", f"{role!r} is not a role"
                ) from None
            if visitor.facilitates:
                raise PermissionDenied(
                    actor, action, "visitor-role", "a visitor cannot arrive as a facilitator"
                )
            data["role"] = visitor.value
        if member in self._present:
            raise AlreadyDone(actor, action, "present", f"{member} is already present")
        return self._commit(_K.ARRIVED, now, actor, member, data)

    def leave(self, member: str, *, by: str | None = None) -> Event:
        """Record that ``member`` left; they are removed from the remaining turns.

        If they held the floor, their share ends.
        """
        action = "leave"
        self._check_running(by or member, action, floor_action=False)
        now = self._now()
        actor, _role = self._who(action, member, by)
        self._need_present(actor, action, member)
        data: dict[str, DataValue] = {}
        if self.floor.holder == member:
            data["duration"] = self._share_duration(now)
        return self._commit(_K.LEFT, now, actor, member, data)

    def consent(self, member: str, *, by: str | None = None) -> Event:
        """Record ``member``'s consent to the current version of the agreement."""
        action = "consent"
        self._check_running(by or member, action, floor_action=False)
        now = self._now()
        actor, _role = self._who(action, member, by)
        self._need_present(actor, action, member)
        version = self._agreement.version
        if self._consents.get(member) == version:
            raise AlreadyDone(
                actor, action, "consent", f"{member} already consented to agreement v{version}"
            )
        return self._commit(_K.CONSENTED, now, actor, member, {"version": version})

    def start_share(self, member: str, *, by: str | None = None) -> Event:
        """``member`` takes the floor and starts sharing.

        Raises:
            NotYourTurn: Someone else holds the floor or the turn policy says no.
            RuleViolation: e.g. ``one-share-per-round``.
            ConsentRequired: ``member`` has not consented to the current agreement.
        """
        action = "start_share"
        self._check_running(by or member, action, floor_action=True)
        now = self._now()
        actor, role = self._who(action, member, by)
        self._need_present(actor, action, member)
        self._may_speak(actor, action, member, role)
        self._floor_free(actor, action)
        phase = self._phase
        phase.policy.check_take_floor(self, member, role)
        for rule in phase.rules_for.get(action, ()):
            rule.check(self, action, member, now)
        return self._commit(_K.SHARE_STARTED, now, actor, member, {})

    def end_share(self, member: str, *, by: str | None = None) -> Event:
        """``member`` ends their share (a facilitator may end it for them)."""
        action = "end_share"
        self._check_running(by or member, action, floor_action=True)
        now = self._now()
        actor, _role = self._who(action, member, by)
        if self.floor.holder != member:
            raise NotYourTurn(
                actor, action, "one-voice-at-a-time", f"{member} does not hold the floor"
            )
        return self._commit(
            _K.SHARE_ENDED, now, actor, member, {"duration": self._share_duration(now)}
        )

    def pass_turn(self, member: str, *, by: str | None = None) -> Event:
        """``member`` passes: it counts as their turn and they are not asked again this round."""
        action = "pass_turn"
        self._check_running(by or member, action, floor_action=True)
        now = self._now()
        actor, role = self._who(action, member, by)
        self._need_present(actor, action, member)
        if not role.takes_turns:
            raise PermissionDenied(
                actor, action, "observers-listen", f"{member} is an observer; observers listen"
            )
        self._floor_free(actor, action)
        phase = self._phase
        phase.policy.check_pass(self, member, role)
        RIGHT_TO_PASS.check(self, action, member, now)
        for rule in phase.rules_for.get(action, ()):
            rule.check(self, action, member, now)
        return self._commit(_K.PASSED, now, actor, member, {})

    def interject(self, member: str, *, by: str | None = None) -> Event:
        """``member`` speaks while someone else holds the floor (cross-talk).

        Allowed only where both the phase and the agreement allow cross-talk.
        Otherwise the ``no-cross-talk`` rule blocks it: the attempt is recorded
        as a ``cross_talk_blocked`` event and :class:`CrossTalkBlocked` is raised.

        Returns:
            The ``interjected`` event when cross-talk is allowed.
        """
        action = "interject"
        self._check_running(by or member, action, floor_action=True)
        now = self._now()
        actor, role = self._who(action, member, by)
        self._need_present(actor, action, member)
        if not role.takes_turns:
            raise PermissionDenied(
                actor, action, "observers-listen", f"{member} is an observer; observers listen"
            )
        holder = self.floor.holder
        if holder is None:
            raise NotYourTurn(
                actor, action, "one-voice-at-a-time", "nobody holds the floor; take the floor"
            )
        if holder == member:
            raise AlreadyDone(actor, action, "one-voice-at-a-time", f"{member} holds the floor")
        if not NO_CROSS_TALK.allows(self._phase, self._agreement):
            event = self._commit(
                _K.CROSS_TALK_BLOCKED,
                now,
                actor,
                member,
                {"rule": NO_CROSS_TALK.id, "holder": holder},
            )
            raise CrossTalkBlocked(
                actor,
                action,
                NO_CROSS_TALK.id,
                f"{holder} holds the floor and cross-talk is not allowed in "
                f"{self._phase.name}; the attempt was recorded",
                event,
            )
        self._may_speak(actor, action, member, role)
        for rule in self._phase.rules_for.get(action, ()):
            rule.check(self, action, member, now)
        return self._commit(_K.INTERJECTED, now, actor, member, {"holder": holder})

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
        action = "call_on"
        self._check_running(by, action, floor_action=True)
        now = self._now()
        _actor, by_role = self._who(action, by, None)
        self._need_present(by, action, by)
        role = self.role_of(member)
        if role is None:
            self._refuse_outsider(by, action, member)
        self._need_present(by, action, member)
        policy = self._phase.policy
        if not policy.eligible(role):
            raise PermissionDenied(
                by, action, "eligible", f"{member} does not take turns in {self._phase.name}"
            )
        self._floor_free(by, action)
        policy.check_call_on(self, by, by_role, member)
        return self._commit(_K.CALLED_ON, now, by, member, {})

    # ------------------------------------------------------------------ facilitator actions

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
        return self._advance(by, to, "advance")

    def _advance(self, by: str, to: str | None, action: str) -> Event:
        self._facilitator(by, action)
        now = self._now()
        if self.floor.holder is not None:
            raise WrongPhase(
                by,
                action,
                "one-voice-at-a-time",
                f"{self.floor.holder} holds the floor; the share ends before moving on",
            )
        transition = self._choose_transition(by, to, action)
        kind = _K.PHASE_ENTERED if transition.target != self._phase.id else _K.ROUND_STARTED
        data: dict[str, DataValue] = {
            "phase": transition.target,
            "from": self._phase.id,
            "event": transition.event,
        }
        if kind is _K.ROUND_STARTED:
            data["round"] = self.floor.round + 1
        return self._commit(kind, now, by, None, data)

    def new_round(self, *, by: str) -> Event:
        """Start another round in the current phase (``advance(to=current phase)``)."""
        return self._advance(by, self._phase.id, "new_round")

    def _choose_transition(self, by: str, to: str | None, action: str) -> Transition:
        phase = self._phase
        candidates = [t for t in phase.transitions if to is None or t.target == to]
        if not candidates:
            if phase.final and to is None:
                why = f"{phase.name} is the last phase; end the session"
            elif to is not None and to not in self.format.phases:
                why = f"format {self.format.name!r} has no phase {to!r}"
            else:
                why = f"the chart has no transition from {phase.id!r} to {to!r}"
            raise WrongPhase(by, action, "chart", why)
        failed: tuple[str, bool] | None = None
        for transition in candidates:
            for guard, expected in transition.guards:
                if self._guard(guard) is not expected:
                    failed = (guard, expected)
                    break
            else:
                return transition
        assert failed is not None
        guard, expected = failed
        if guard == "round_complete" and expected:
            waiting = self.floor.not_reached()
            why = (
                f"round {self.floor.round} of {phase.name} is not complete: "
                f"{', '.join(waiting)} have not shared or passed; close the round to move on"
            )
        else:
            why = f"guard {guard!r} is {not expected}"
        raise WrongPhase(by, action, guard.replace("_", "-"), why)

    def _guard(self, name: str) -> bool:
        if name == "round_complete":
            return not self._phase.policy.rounds or self.floor.complete()
        raise KeyError(name)  # pragma: no cover - formats are validated on compile

    def close_round(self, *, by: str) -> Event:
        """Close the current round early; whoever was not reached is recorded."""
        action = "close_round"
        self._facilitator(by, action)
        now = self._now()
        if not self._phase.policy.rounds:
            raise WrongPhase(by, action, "rounds", f"there are no rounds in {self._phase.name}")
        if self.floor.complete():
            raise AlreadyDone(by, action, "rounds", f"round {self.floor.round} is already complete")
        waiting = self.floor.not_reached()
        holder = self.floor.holder
        not_reached = [m for m in waiting if m != holder]
        return self._commit(_K.ROUND_CLOSED, now, by, None, {"not_reached": not_reached})

    def skip(self, member: str, *, by: str) -> Event:
        """Move the round past ``member`` (e.g. they stepped out); recorded as skipped."""
        action = "skip"
        self._facilitator(by, action)
        now = self._now()
        if not self._phase.policy.rounds:
            raise WrongPhase(by, action, "rounds", f"there are no rounds in {self._phase.name}")
        floor = self.floor
        if member not in floor.order or member in floor.had_turn or floor.closed:
            raise AlreadyDone(
                by, action, "rounds", f"{member} is not waiting for a turn in round {floor.round}"
            )
        if floor.holder == member:  # pragma: no cover - the holder has had their turn
            raise NotYourTurn(by, action, "one-voice-at-a-time", f"{member} holds the floor")
        return self._commit(_K.TURN_SKIPPED, now, by, member, {})

    def pause(self, *, by: str) -> Event:
        """Pause the session (e.g. a safety break); share and phase timers stop."""
        action = "pause"
        self._facilitator(by, action)
        now = self._now()
        return self._commit(_K.PAUSED, now, by, None, {})

    def resume(self, *, by: str) -> Event:
        """Resume a paused session; timers continue where they stopped."""
        action = "resume"
        self._facilitator(by, action)
        now = self._now()
        if self._status is not _PAUSED:
            raise AlreadyDone(by, action, "paused", "the session is not paused")
        return self._commit(_K.RESUMED, now, by, None, {})

    def end(self, *, by: str) -> Event:
        """End the session (from any phase); a share in progress ends with it."""
        action = "end"
        self._facilitator(by, action)
        now = self._now()
        data: dict[str, DataValue] = {"phase": self._phase.id}
        if self.floor.holder is not None:
            data["duration"] = self._share_duration(now)
        return self._commit(_K.ENDED, now, by, None, data)

    def amend_agreement(self, *, by: str, **changes: Any) -> Event:
        """Amend the agreement's settings mid-session (group conscience).

        Everyone must consent to the new version before taking the floor again.
        Guidelines are amended between sessions with :meth:`Group.with_agreement`.

        Raises:
            ValueError: If a change is not an amendable setting or is invalid.
        """
        action = "amend_agreement"
        self._facilitator(by, action)
        unknown = sorted(set(changes) - set(AMENDABLE))
        if unknown or not changes:
            raise ValueError(
                f"a session amends only {', '.join(AMENDABLE)}; got {', '.join(unknown) or 'none'}"
            )
        self._agreement.amend(**changes)  # validates before anything changes
        now = self._now()
        data: dict[str, DataValue] = {"version": self._agreement.version + 1}
        data.update(changes)
        return self._commit(_K.AGREEMENT_AMENDED, now, by, None, data)

    # ------------------------------------------------------------------ replay

    @classmethod
    def replay(
        cls,
        group: Group,
        format: Format,  # noqa: A002
        events: Iterable[Event],
        *,
        clock: Clock | None = None,
        hooks: bool = True,
    ) -> Session:
        """Rebuild a session from its events, checking every one of them.

        Each logged event is re-enacted through the same checks and the same
        fold as the live session, and the result must equal the logged event,
        so a log that was edited, truncated or reordered is refused.

        Args:
            group: The group the session ran with.
            format: The format it ran.
            events: The log (e.g. from :func:`peersupport.events.load`).
            clock: Clock the restored session continues with (default: a manual
                clock at the last event's time).
            hooks: Whether the restored session tells plugins about the events
                that follow. Replaying never calls lifecycle hooks for the
                logged events themselves.

        Returns:
            The restored session, ready to continue.

        Raises:
            LogError: Naming the event (1-based line) that does not replay.
        """
        from peersupport.replay import replay

        session = replay(cls, group, format, events)
        if clock is not None:
            session.clock = clock
        if hooks:
            session._hooks = plugins.dispatcher()
            session._offered = session.offered_to()
        return session

    @classmethod
    def replay_steps(
        cls,
        group: Group,
        format: Format,  # noqa: A002
        events: Iterable[Event],
    ) -> Iterator[tuple[Event, Session]]:
        """Replay events one by one, yielding ``(event, session)`` after each.

        The same session object is yielded each time, in its state right after
        that event (useful to render a timeline). See :meth:`replay`.

        Raises:
            LogError: Naming the event (1-based line) that does not replay.
        """
        from peersupport.replay import replay_steps

        return replay_steps(cls, group, format, events)
