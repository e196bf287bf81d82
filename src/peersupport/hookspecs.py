"""Every plugin hook of peersupport, in one place.

A plugin is a module (or object) with functions marked ``@peersupport.hookimpl``
whose names match the specs below; it is found through the entry-point group
``peersupport`` of an installed package. An implementation may accept any
subset of a hook's arguments.

Two kinds of hooks:

* **Registration hooks** (``register_*``) are called once, when plugins are
  loaded. They receive a ``register`` callback; the host owns the names, so
  registering a name twice raises :class:`~peersupport.plugins.PluginError`
  naming both plugins, unless the second passes ``replace=True``. The library's
  own formats, rules and turn policies are registered through these same hooks.
* **Lifecycle hooks** are called once the whole action is committed, for each
  of its events in log order. They receive immutable values: the event and a
  :class:`~peersupport.SessionView` (``session``) of the session as it was right
  after that event; never the live session. An action called on the live
  session from inside a hook is refused with
  :class:`~peersupport.errors.SessionBusy` (act after the call returns). They
  return nothing. An exception inside a lifecycle hook never rolls anything
  back: it is logged on the ``peersupport.plugins`` logger and recorded in
  ``session.hook_failures``, and the other plugins are still called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from peersupport.engine.events import Event
    from peersupport.engine.state import SessionView

__all__ = ["LIFECYCLE_HOOKS", "REGISTRATION_HOOKS", "hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("peersupport")
hookimpl = pluggy.HookimplMarker("peersupport")


# ---------------------------------------------------------------- registration


@hookspec
def register_turn_policies(register: Any) -> None:
    """Register turn policies (who may take the floor in a phase).

    Called once when plugins load, before rules and formats are registered.

    Args:
        register: ``register(policy, *, replace=False)`` where ``policy`` is a
            :class:`~peersupport.TurnPolicy` instance whose ``name`` is the name
            formats use in ``Phase(policy=...)``.
    """


@hookspec
def register_rules(register: Any) -> None:
    """Register rules that phases can name in ``Phase(rules=(...))``.

    Called once when plugins load, after turn policies and before formats.

    Args:
        register: ``register(rule, *, replace=False)`` where ``rule`` is a
            :class:`~peersupport.Rule` instance with a stable ``id``.
    """


@hookspec
def register_formats(register: Any) -> None:
    """Register session formats.

    Called once when plugins load, after turn policies and rules, so a format
    may use policies and rules from any plugin. Each format is compiled and
    validated on registration; an invalid one raises
    :class:`~peersupport.FormatError` naming the format and the problem.

    Args:
        register: ``register(name, chart, *, title="", description="",
            facilitators=1, replace=False)`` where ``chart`` is a
            :class:`~peersupport.FormatChart` subclass and ``facilitators`` is how
            many facilitators a group needs to run the format.
    """


# ---------------------------------------------------------------- lifecycle


@hookspec
def session_opened(session: SessionView, event: Event) -> None:
    """A session was created (its ``opened`` event is committed).

    Args:
        session: A read-only view of the new session.
        event: The ``opened`` event.
    """


@hookspec
def phase_entered(session: SessionView, event: Event) -> None:
    """The facilitator moved to a phase, or started a new round in the same phase.

    Args:
        session: The session's view, already in the new phase (``session.phase``).
        event: The ``phase_entered`` or ``round_started`` event.
    """


@hookspec
def turn_offered(session: SessionView, member: str) -> None:
    """The floor is offered to ``member`` in a seat-order round (or a tag or call).

    Called after the event that made it ``member``'s turn.

    Args:
        session: A read-only view of the session right after the event.
        member: Id of the member whose turn it now is.
    """


@hookspec
def share_started(session: SessionView, event: Event) -> None:
    """A member took the floor.

    Args:
        session: The session's view (``session.floor.holder`` is the member).
        event: The ``share_started`` event.
    """


@hookspec
def share_ended(session: SessionView, event: Event) -> None:
    """A share ended.

    The member finished, a facilitator or the hard cap ended it, the member
    left, or the session ended.

    Args:
        session: A read-only view of the session right after the event.
        event: The ``share_ended``, ``left`` or ``ended`` event that ended the share;
            ``event.data["duration"]`` is the share's length in seconds.
    """


@hookspec
def passed(session: SessionView, event: Event) -> None:
    """A member passed their turn.

    Args:
        session: A read-only view of the session right after the event.
        event: The ``passed`` event.
    """


@hookspec
def time_warning(session: SessionView, event: Event) -> None:
    """A time deadline fell due: a share's warning, its overtime, a budget or the schedule.

    The schedule's are the meeting's time to close and the meeting running over.

    Args:
        session: A read-only view of the session right after the event.
        event: A ``time_warning``, ``overtime``, ``phase_time_up``, ``time_to_close``
            or ``meeting_overran`` event.
    """


@hookspec
def rule_breach_attempted(session: SessionView, event: Event) -> None:
    """A rule caught something facilitators should see.

    Called for blocked cross-talk (``cross_talk_blocked``) and for rule notices
    (``rule_notice``, e.g. ``share-the-air`` warning that a member takes more
    than their share of the time, naming who has not spoken).

    Args:
        session: A read-only view of the session right after the event.
        event: The ``cross_talk_blocked`` or ``rule_notice`` event;
            ``event.data["rule"]`` is the rule id.
    """


@hookspec
def session_paused(session: SessionView, event: Event) -> None:
    """The facilitator paused the session (e.g. for a safety break).

    Args:
        session: A read-only view of the session right after the event.
        event: The ``paused`` event.
    """


@hookspec
def session_resumed(session: SessionView, event: Event) -> None:
    """The facilitator resumed a paused session.

    Args:
        session: A read-only view of the session right after the event.
        event: The ``resumed`` event.
    """


@hookspec
def session_ended(session: SessionView, event: Event) -> None:
    """The session ended.

    Args:
        session: A read-only view of the session, now ended.
        event: The ``ended`` event.
    """


@hookspec
def event_recorded(session: SessionView, event: Event) -> None:
    """Any event was committed (called for every event, after the specific hook).

    Useful to persist a log as it grows.

    Args:
        session: A read-only view of the session right after the event.
        event: The event.
    """


#: Names of the registration hooks, in the order they are called.
REGISTRATION_HOOKS = ("register_turn_policies", "register_rules", "register_formats")
#: Names of the lifecycle hooks.
LIFECYCLE_HOOKS = (
    "session_opened",
    "phase_entered",
    "turn_offered",
    "share_started",
    "share_ended",
    "passed",
    "time_warning",
    "rule_breach_attempted",
    "session_paused",
    "session_resumed",
    "session_ended",
    "event_recorded",
)
