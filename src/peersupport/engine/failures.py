"""What an action raises when it cannot go on: a refusal, a busy session, a plugin's failure.

The ledger (:mod:`peersupport.engine.ledger`) and every action use these, so that
each error says who acted, what failed and whose code it was, and keeps the
original error as its ``__cause__`` (set by hand: ``raise ... from`` loses it
when the engine is compiled with mypyc).
"""

from __future__ import annotations

from peersupport import plugins
from peersupport.engine.checks import ONE_ACTION_AT_A_TIME
from peersupport.errors import ActionRejected, PeersupportError, PluginError, SessionBusy

__all__ = ["because", "busy", "failed", "refused", "short"]


def busy(actor: str | None, action: str) -> SessionBusy:
    """The refusal of an action started while another one is in progress."""
    return SessionBusy(
        actor,
        action,
        ONE_ACTION_AT_A_TIME,
        "another action of this session is in progress (an action cannot be called "
        "from a hook, a rule or a turn policy, nor from a second thread at the same time)",
    )


def short(exc: BaseException) -> str:
    """An exception's message, cut to a bounded length."""
    text = str(exc)
    return text if len(text) <= 200 else text[:195] + " …"


def because(error: PeersupportError, exc: BaseException) -> PeersupportError:
    """``error``, with ``exc`` as its cause."""
    error.__cause__ = exc
    return error


def failed(exc: Exception, doing: str) -> PeersupportError:
    """The library error for ``exc``, raised while ``doing``: naming the plugin's code if any."""
    culprit = plugins.plugin_code(exc)
    kind = PeersupportError if culprit is None else PluginError
    return because(
        kind(
            f"{doing} failed{'' if culprit is None else ' in ' + culprit} ({type(exc).__name__}: "
            f"{short(exc)}); the session is as it was before the action"
        ),
        exc,
    )


def refused(exc: Exception, actor: str | None) -> Exception:
    """The error to raise for ``exc`` from an action's checks.

    A refusal names ``actor`` (whoever acted, a facilitator for a member
    included); anything else a plugin's rule or turn policy raised becomes a
    :class:`~peersupport.errors.PluginError` naming it, raised here with the
    original error as its ``__cause__``; the rest is raised here as it is (the
    callers raise what this returns ``from None``, which would drop a cause).
    """
    if isinstance(exc, ActionRejected):
        return exc if actor is None else exc.acted_by(actor)
    culprit = plugins.plugin_code(exc)
    if culprit is None:
        raise exc
    raise because(
        PluginError(
            f"{culprit} failed while checking an action ({type(exc).__name__}: "
            f"{short(exc)}); the session is unchanged"
        ),
        exc,
    )
