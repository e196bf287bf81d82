"""The members' comings and goings: arrive, leave, consent.

Each function is one action of :class:`~peersupport.Session`, from its checks to
its commit (see the session's module docs for the order of the checks).
"""

from __future__ import annotations

from typing import Final

from peersupport.engine import checks
from peersupport.engine.events import EMPTY, Event, EventData, EventKind
from peersupport.engine.ledger import Ledger
from peersupport.engine.state import SessionStatus
from peersupport.errors import AlreadyDone, NotAMember, PermissionDenied
from peersupport.validate import check_id
from peersupport.values import Role

__all__ = ["SIZE_GUIDANCE", "arrive", "consent", "leave"]

SIZE_GUIDANCE: Final = "size-guidance"
"""The rule id of the notice recorded when one more person arrives than the agreement's
``size_guidance`` (a ``rule_notice`` with ``present`` and ``guidance``)."""

_ARRIVED: Final = EventKind.ARRIVED
_CONSENTED: Final = EventKind.CONSENTED
_LEFT: Final = EventKind.LEFT
_RULE_NOTICE: Final = EventKind.RULE_NOTICE
_OPEN: Final = SessionStatus.OPEN


def arrive(ledger: Ledger, member_arg: object, by_arg: object, role: object) -> Event:
    """``member`` arrives (see :meth:`peersupport.Session.arrive`)."""
    member, by = checks.ids("arrive", member_arg, by_arg)
    actor = member if by is None else by
    now = ledger.begin(actor, "arrive")
    try:
        live = ledger.live
        if live.status is not _OPEN:
            checks.running(live, actor, "arrive", floor_action=False)
        if by is not None and by != member:
            checks.stand_in(live, by, member, "arrive", "sign in")
            checks.present(live, by, "arrive", by)
        data = EMPTY
        if live.role_of(member) is None:
            if live.group.closed:
                checks.outsider(live, actor, "arrive", member)
            data = EventData({"role": _visitor(actor, member, role).value})
        if member in live.present:
            raise AlreadyDone(actor, "arrive", checks.PRESENT, f"{member} is already present")
        guidance = live.agreement.size_guidance
        if guidance is None or len(live.present) != guidance:
            return ledger.commit(_ARRIVED, now, actor, member, data)
        mark = len(ledger.events)  # one more than the group's size guidance: tell them
        arrived = ledger.commit(_ARRIVED, now, actor, member, data)
        notice = EventData({"rule": SIZE_GUIDANCE, "present": guidance + 1, "guidance": guidance})
        ledger.commit(_RULE_NOTICE, now, None, member, notice, since=mark)
        return arrived
    except Exception as exc:
        raise ledger.refused(exc, actor) from None
    finally:
        ledger.leave()


def _visitor(actor: str, member: str, role: object) -> Role:
    try:
        check_id(member, "a visitor's id")
    except ValueError as exc:
        raise NotAMember(actor, "arrive", checks.MEMBER_ID, str(exc)) from None
    try:
        if role is not None and not isinstance(role, str):
            raise ValueError(role)
        visitor = Role.NEWCOMER if role is None else Role(role)
    except ValueError:
        raise PermissionDenied(
            actor, "arrive", checks.VISITOR_ROLE, f"{role!r} is not a role"
        ) from None
    if visitor.facilitates:
        raise PermissionDenied(
            actor, "arrive", checks.VISITOR_ROLE, "a visitor cannot arrive as a facilitator"
        )
    return visitor


def leave(ledger: Ledger, member_arg: object, by_arg: object) -> Event:
    """``member`` leaves (see :meth:`peersupport.Session.leave`)."""
    member, by = checks.ids("leave", member_arg, by_arg)
    actor = member if by is None else by
    now = ledger.begin(actor, "leave")
    try:
        live = ledger.live
        if live.status is not _OPEN:
            checks.running(live, actor, "leave", floor_action=False)
        checks.who(live, "leave", member, by)
        checks.present(live, actor, "leave", member)
        data = ledger.share_end(now) if live.floor.holder == member else EMPTY
        return ledger.commit(_LEFT, now, actor, member, data)
    except Exception as exc:
        raise ledger.refused(exc, actor) from None
    finally:
        ledger.leave()


def consent(ledger: Ledger, member_arg: object, by_arg: object) -> Event:
    """``member`` consents (see :meth:`peersupport.Session.consent`)."""
    member, by = checks.ids("consent", member_arg, by_arg)
    actor = member if by is None else by
    now = ledger.begin(actor, "consent")
    try:
        live = ledger.live
        if live.status is not _OPEN:
            checks.running(live, actor, "consent", floor_action=False)
        if by is not None or member not in live.present:
            checks.who(live, "consent", member, by)
            checks.present(live, actor, "consent", member)
        version = live.agreement.version
        if live.consents.get(member) == version:
            raise AlreadyDone(
                actor,
                "consent",
                checks.ALREADY_CONSENTED,
                f"{member} already consented to agreement v{version}",
            )
        return ledger.commit(_CONSENTED, now, actor, member, EventData({"version": version}))
    except Exception as exc:
        raise ledger.refused(exc, actor) from None
    finally:
        ledger.leave()
