"""Safety: why a session paused, resumed or ended, and referrals, as facts without content.

Peer support is not a substitute for professional care. A facilitator may pause
a session (to take someone aside, for a break, for a technical problem), resume
it and end it, each with a reason code (:data:`~peersupport.engine.kinds.REASONS`:
``safety``, ``break``, ``technical``, ``other``), and record that they referred a
member to a kind of support (:data:`~peersupport.engine.kinds.REFERRALS`:
``crisis-line``, ``professional``, ``emergency-services``, ``peer-worker``). The
log says *that* it happened, when, by whom and for whom, never what was said or
why in words. While a facilitator steps out with someone, a co-facilitator runs
the session (the facilitator leaves and arrives again).

:class:`SafetyActions` gives :class:`~peersupport.Session` these actions; the
pause, resume and end themselves are in :mod:`peersupport.engine.facilitation`.
"""

from __future__ import annotations

from typing import Final

from peersupport.engine import checks, facilitation
from peersupport.engine.events import Event, EventData, EventKind
from peersupport.engine.kinds import REFERRALS
from peersupport.engine.ledger import Ledger
from peersupport.errors import ActionRejected

__all__ = ["SafetyActions", "refer"]

_REFERRED: Final = EventKind.REFERRED


def refer(ledger: Ledger, member_arg: object, to: object, by_arg: object) -> Event:
    """A facilitator records a referral (see :meth:`SafetyActions.refer`)."""
    by = checks.facilitator_id("refer", by_arg)
    member, _by = checks.ids("refer", member_arg, by)
    now = ledger.begin(by, "refer")
    try:
        live = ledger.live
        checks.facilitator(live, by, "refer", floor_action=False)
        if live.role_of(member) is None:
            checks.outsider(live, by, "refer", member)
        if member not in live.roles:
            raise ActionRejected(
                by, "refer", checks.REFERRAL, f"{member} has not been in this session"
            )
        if to not in REFERRALS:
            raise ActionRejected(
                by, "refer", checks.REFERRAL, f"a referral is to one of {', '.join(REFERRALS)}"
            )
        return ledger.commit(_REFERRED, now, by, member, EventData({"to": to}))
    except Exception as exc:
        raise ledger.refused(exc, by) from None
    finally:
        ledger.leave()


class SafetyActions:
    """Pause, resume, end and refer: methods of a :class:`~peersupport.Session` (mixed in)."""

    __slots__ = ()
    _ledger: Ledger

    def pause(self, *, by: str, reason: str | None = None) -> Event:
        """Pause the session (e.g. a safety break); share and phase timers stop.

        Args:
            by: The facilitator.
            reason: ``"safety"``, ``"break"``, ``"technical"`` or ``"other"`` (a code,
                recorded; never text), or ``None``.

        Raises:
            ActionRejected: A reason that is not a code (rule ``reason-code``).
        """
        return facilitation.pause(self._ledger, by, reason)

    def resume(self, *, by: str, reason: str | None = None) -> Event:
        """Resume a paused session; timers go on where they stopped (``reason``: as for pause)."""
        return facilitation.resume(self._ledger, by, reason)

    def end(self, *, by: str, reason: str | None = None) -> Event:
        """End the session (from any phase); a share in progress ends with it.

        ``reason``: as for :meth:`pause` (e.g. ``"safety"`` for a session ended early).
        """
        return facilitation.end(self._ledger, by, reason)

    def refer(self, member: str, *, by: str, to: str) -> Event:
        """A facilitator records that they referred ``member`` to a kind of support.

        Allowed at any time, paused or not, for anyone who has been in the session
        (also after they left). Nothing else is recorded.

        Args:
            member: Who was referred.
            by: The facilitator.
            to: ``"crisis-line"``, ``"professional"``, ``"emergency-services"`` or
                ``"peer-worker"``.

        Raises:
            ActionRejected: ``to`` is not one of those, or ``member`` has not been in
                the session (rule ``referral``).
        """
        return refer(self._ledger, member, to, by)
