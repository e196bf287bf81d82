"""The one exception hierarchy of peersupport.

Every problem the library reports is a :class:`PeersupportError`. Actions that a
session refuses raise a subclass of :class:`ActionRejected`, whose message and
attributes say *who* tried *which action* and *which rule* stopped it. A
rejected action leaves the session exactly as it was (the one documented
exception is :class:`CrossTalkBlocked`, whose attempt is recorded in the event
log so facilitators can see it). Every action first applies the deadlines that
fell due before it (a time warning, a hard cap), as :meth:`Session.apply_due`
would; those events are recorded whether the action is then accepted or not.

Malformed input that is not an action (a bad event log, an invalid format, a
bad group file, a clock reading that is not a time) raises :class:`LogError`,
:class:`FormatError`, :class:`ConfigError` or :class:`ClockError`; all are also
``ValueError`` so generic input-validation code catches them. A plugin that
fails (it cannot load, two plugins claim one name, or its rule or turn policy
raises something other than a refusal) raises :class:`PluginError` naming the
plugin and what failed; the session is unchanged. An event store
(:mod:`peersupport.store`) raises :class:`StoreError`, and
:class:`StoreConflict` when another writer appended to a session first. Buddy
pairing (:class:`PairingRefused`) and feedback (:class:`FeedbackRefused`) refuse
an action as a session does: who, what and which rule, and nothing recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peersupport.engine.events import Event

__all__ = [
    "ActionRejected",
    "AlreadyDone",
    "ClockError",
    "ConfigError",
    "ConsentRequired",
    "CrossTalkBlocked",
    "FeedbackRefused",
    "FormatError",
    "LogError",
    "NotAMember",
    "NotPresent",
    "NotYourTurn",
    "PairingRefused",
    "PeersupportError",
    "PermissionDenied",
    "PluginError",
    "RuleViolation",
    "SessionBusy",
    "SessionClosed",
    "SessionPaused",
    "StoreConflict",
    "StoreError",
    "WrongPhase",
]


class PeersupportError(Exception):
    """Base class of every error raised by peersupport."""


class ActionRejected(PeersupportError):
    """A session refused an action; the session is unchanged by it.

    Attributes:
        actor: Id of the person who tried the action (``None`` if unknown).
        action: Name of the action, e.g. ``"start_share"``.
        rule: Stable id of the rule or check that refused it, e.g.
            ``"one-share-per-round"``.
        reason: Human-readable explanation (without the who/what prefix).
    """

    def __init__(self, actor: str | None, action: str, rule: str, reason: str) -> None:
        self.actor = actor
        self.action = action
        self.rule = rule
        self.reason = reason
        super().__init__(self._message())

    def _message(self) -> str:
        who = self.actor if self.actor is not None else "someone"
        return f"{who} may not {self.action}: {self.reason} (rule '{self.rule}')"

    def acted_by(self, actor: str) -> ActionRejected:
        """Name ``actor`` as who acted (a facilitator acting for a member); return ``self``.

        A rule or turn policy checks the member acted upon; the engine calls this
        so the error names whoever really acted.
        """
        if actor != self.actor:
            self.actor = actor
            self.args = (self._message(),)
        return self


class NotAMember(ActionRejected):
    """The actor is not part of the group (a closed group refuses outsiders)."""


class NotPresent(ActionRejected):
    """The actor (or the member acted upon) is not present in the session."""


class PermissionDenied(ActionRejected):
    """The actor's role does not allow the action, or they acted for someone else."""


class ConsentRequired(ActionRejected):
    """The member has not consented to the current version of the agreement."""


class NotYourTurn(ActionRejected):
    """The phase's turn policy does not give the member the floor now."""


class RuleViolation(ActionRejected):
    """A fairness or agreement rule refused the action."""


class CrossTalkBlocked(RuleViolation):
    """An interjection was blocked by the ``no-cross-talk`` rule.

    Unlike other rejections, the *attempt* is recorded as a
    ``cross_talk_blocked`` event so facilitators can see it; nothing else in
    the session changes.

    Attributes:
        event: The recorded ``cross_talk_blocked`` event.
    """

    def __init__(
        self, actor: str | None, action: str, rule: str, reason: str, event: Event
    ) -> None:
        super().__init__(actor, action, rule, reason)
        self.event = event


class WrongPhase(ActionRejected):
    """The action is not available in the current phase (or no transition allows it)."""


class SessionPaused(WrongPhase):
    """The session is paused (e.g. for a safety break); floor actions wait."""


class SessionClosed(ActionRejected):
    """The session has ended; no further actions are accepted."""


class AlreadyDone(ActionRejected):
    """The action would change nothing (e.g. consenting twice to one version)."""


class SessionBusy(ActionRejected):
    """The session is in the middle of another action.

    A session runs one action at a time. This is raised for an action called
    from inside a lifecycle hook, a rule or a turn policy (act after the current
    call returns instead), and for an action called from a second thread while
    one is in progress (a session has one owner at a time; see the docs).
    """


class FeedbackRefused(ActionRejected):
    """The store refused a member's feedback; nothing was written.

    For example: the session has not ended, they did not attend, they already
    answered, or the answers do not fit the group's form.
    """


class PairingRefused(ActionRejected):
    """A buddy offer, request, pairing or its end was refused; nothing was recorded.

    For example: someone acted for another member without being a facilitator,
    a buddy has no spare capacity, or a member is not in the group.
    """


class PluginError(PeersupportError):
    """A plugin could not be loaded, two plugins claim one name, or a plugin's code failed.

    When a plugin's rule or turn policy raises something other than a refusal
    while a session checks or records an action, the session is left exactly as
    it was before the action and this error names the plugin and the rule or
    policy (the original exception is its ``__cause__``).
    """


class ClockError(PeersupportError, ValueError):
    """A clock gave a reading that is not a time, or went back.

    Attributes:
        reading: What the clock returned.
    """

    def __init__(self, reading: object, problem: str) -> None:
        self.reading = reading
        super().__init__(f"the clock {problem}")


class LogError(PeersupportError, ValueError):
    """An event log is malformed, out of order, of another format or group, or does not re-enact.

    Attributes:
        line: 1-based line number (or event position) where the problem is.
    """

    def __init__(self, line: int, problem: str) -> None:
        self.line = line
        self.problem = problem
        super().__init__(f"event log line {line}: {problem}")


class FormatError(PeersupportError, ValueError):
    """A session format is invalid (e.g. a phase without turn policy).

    Attributes:
        format_name: Name of the offending format.
        problem: What is wrong with it.
    """

    def __init__(self, format_name: str, problem: str) -> None:
        self.format_name = format_name
        self.problem = problem
        super().__init__(f"format '{format_name}': {problem}")


class ConfigError(PeersupportError, ValueError):
    """A configuration file (e.g. a group file) is malformed or invalid.

    Attributes:
        source: Name of the file (or of the data) that has the problem.
        field: Path of the offending field, e.g. ``"members[2].role"``
            (``None`` when the problem is the file as a whole).
        problem: What is wrong with it.
    """

    def __init__(self, source: str, problem: str, field: str | None = None) -> None:
        self.source = source
        self.field = field
        self.problem = problem
        where = source if field is None else f"{source}: {field}"
        super().__init__(f"{where}: {problem}")


class StoreError(PeersupportError):
    """An event store refused a request; nothing was written.

    For example: an unknown group or session, a session that already exists,
    events that do not continue the stored log, or a store written by a newer
    peersupport.
    """


class StoreConflict(StoreError):
    """Another writer appended to the session first (optimistic concurrency).

    Reload the session from the store (:meth:`peersupport.store.Store.restore`)
    and try the action again, or report the conflict. Nothing was written.

    The same holds for a group's log of group events, and for saving a group
    version (``log`` says which).

    Attributes:
        session_id: The session (or group) written to.
        expected: How many events (or versions) the writer expected to be stored.
        actual: How many there are (``None`` if a second writer got there first
            with the same number).
        log: ``"session"``, ``"group log"`` or ``"group"``.
    """

    def __init__(
        self, session_id: str, expected: int, actual: int | None, *, log: str = "session"
    ) -> None:
        self.session_id = session_id
        self.expected = expected
        self.actual = actual
        self.log = log
        if actual is None:
            problem = f"{log} {session_id!r} was written by another writer first; reload and retry"
        else:
            problem = (
                f"{log} {session_id!r} has {actual} stored events, not the {expected} "
                "this writer expected: another writer appended first; reload and retry"
            )
        super().__init__(problem)
