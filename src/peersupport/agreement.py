"""The group's agreement: the settings the engine enforces and the guidelines read aloud.

An :class:`Agreement` is frozen and versioned: :meth:`Agreement.amend` returns the
next version. It is part of :class:`~peersupport.Group` (see
:mod:`peersupport.values`, which gives these names too).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from peersupport.validate import brief, check_fraction, check_seconds

__all__ = ["DECISIONS", "DEFAULT_GUIDELINES", "SETTINGS", "Agreement"]

DECISIONS = ("consensus", "majority", "two-thirds")
"""How a group decides on an amendment of its agreement (the agreement's ``decision``):

* ``consensus``: everyone present who takes part has a say, and nobody objects
  (standing aside is allowed);
* ``majority``: more agree than object, of those who voted;
* ``two-thirds``: at least two thirds of those who voted agree.
"""

#: Guidelines read aloud when a group does not write its own.
DEFAULT_GUIDELINES: tuple[str, ...] = (
    "What is said here stays here (except when someone's safety is at risk).",
    "One voice at a time; only the person sharing speaks.",
    "Share the air: nobody shares twice before everyone has shared or passed.",
    "It's OK to pass or just listen.",
    "Use I-statements; no advice unless asked.",
    "We start and end on time.",
)


def _seconds_or_none(_inst: object, attr: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None:
        check_seconds(value, f"agreement {attr.name}")


def _fraction_or_none(_inst: object, attr: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None:
        check_fraction(value, f"agreement {attr.name}")


def _flag(_inst: object, attr: attrs.Attribute[Any], value: bool) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"agreement {attr.name} must be True or False, got {brief(value)}")


#: At most this many guidelines, each at most ``_MAX_GUIDELINE`` characters.
_MAX_GUIDELINES = 100
_MAX_GUIDELINE = 1_000


def _guidelines(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        raise ValueError("agreement guidelines must be a list of strings, not one string")
    lines = tuple(value)
    if len(lines) > _MAX_GUIDELINES:
        raise ValueError(f"an agreement has at most {_MAX_GUIDELINES} guidelines")
    for line in lines:
        if not isinstance(line, str) or not line.strip() or len(line) > _MAX_GUIDELINE:
            raise ValueError(
                f"each guideline must be a non-empty string of at most {_MAX_GUIDELINE} "
                f"characters, got {brief(line)}"
            )
    return lines


#: The most people a group's size guidance may name.
_MAX_SIZE = 1_000


def _decision(_inst: object, _attr: attrs.Attribute[Any], value: str) -> None:
    if value not in DECISIONS:
        raise ValueError(
            f"agreement decision must be one of {', '.join(DECISIONS)}, got {brief(value)}"
        )


def _size(_inst: object, _attr: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int) or not 2 <= value <= _MAX_SIZE
    ):
        raise ValueError(
            f"agreement size_guidance must be a whole number from 2 to {_MAX_SIZE}, "
            f"got {brief(value)}"
        )


def _version(_inst: object, _attr: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1_000_000:
        raise ValueError(f"agreement version must be a whole number from 1, got {brief(value)}")


@attrs.frozen
class Agreement:
    """The group's agreement: machine-enforced settings plus guidelines read aloud.

    Agreements are versioned. :meth:`amend` returns a new version, and every
    member must consent to that version before taking the floor again.

    Settings in seconds must be finite, more than 0 and at most one day
    (:data:`peersupport.validate.MAX_SECONDS`); anything else raises
    ``ValueError`` naming the setting.

    Attributes:
        share_limit: Seconds a share may last (``None``: no limit).
        warn_at: Seconds into a share when the time warning is given
            (``None``: no warning). Must come before ``share_limit``.
        hard_cap: If true the engine ends a share at the limit; if false the
            share runs into recorded overtime and the facilitator moves on.
        cross_talk: Whether cross-talk is allowed in phases that permit it.
        may_pass: Whether members may pass their turn (newcomers always may).
        reserved_time: Seconds at the end of a phase's budget reserved for members
            who have not shared yet, where a phase applies ``reserved-time``.
        share_the_air: Part of a phase's speaking time (0 to 1) above which a
            member gets a ``share-the-air`` notice, where a phase applies it.
        phase_cap: If true, a phase's budget is firm: once it is used up nobody
            takes the floor in that phase (rule ``phase-cap``; a share in progress
            finishes, passes are allowed) and the facilitator moves on. If false
            the budget only tells the facilitator (``phase_time_up``).
        decision: How the group decides on an amendment proposed in a session
            (:data:`DECISIONS`: ``consensus``, ``majority`` or ``two-thirds``; see
            :meth:`~peersupport.Session.propose_amendment`).
        size_guidance: How many people the group aims to be at most (e.g. 12 for a
            DBSA-style group): when one more arrives, the engine records a
            ``size-guidance`` notice for the facilitator. ``None``: no guidance.
        guidelines: The guidelines read aloud at the opening (at most 100, each
            at most 1,000 characters).
        version: Version number, starting at 1.
    """

    share_limit: float | None = attrs.field(default=300.0, validator=_seconds_or_none)
    warn_at: float | None = attrs.field(default=240.0, validator=_seconds_or_none)
    hard_cap: bool = attrs.field(default=False, validator=_flag)
    cross_talk: bool = attrs.field(default=False, validator=_flag)
    may_pass: bool = attrs.field(default=True, validator=_flag)
    reserved_time: float | None = attrs.field(default=None, validator=_seconds_or_none)
    share_the_air: float | None = attrs.field(default=0.4, validator=_fraction_or_none)
    phase_cap: bool = attrs.field(default=False, validator=_flag)
    size_guidance: int | None = attrs.field(default=None, validator=_size)
    decision: str = attrs.field(default="consensus", validator=_decision)
    guidelines: tuple[str, ...] = attrs.field(default=DEFAULT_GUIDELINES, converter=_guidelines)
    version: int = attrs.field(default=1, validator=_version)

    def __attrs_post_init__(self) -> None:
        if (
            self.warn_at is not None
            and self.share_limit is not None
            and self.warn_at >= self.share_limit
        ):
            raise ValueError(
                f"agreement v{self.version}: the warning ({self.warn_at:g} s) must come "
                f"before the share limit ({self.share_limit:g} s)"
            )

    def amend(self, **changes: Any) -> Agreement:
        """Return the next version of this agreement with ``changes`` applied.

        Args:
            **changes: New values for any setting or the guidelines.

        Returns:
            A new agreement whose version is one higher.

        Raises:
            ValueError: If a change names an unknown field or is invalid.
        """
        if "version" in changes:
            raise ValueError("the version of an amended agreement is set automatically")
        known = {a.name for a in attrs.fields(Agreement)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown agreement setting(s): {', '.join(unknown)}")
        return attrs.evolve(self, version=self.version + 1, **changes)

    def settings(self) -> dict[str, float | bool | None]:
        """The machine-enforced settings (everything but guidelines and version).

        ``phase_cap``, ``size_guidance`` and ``decision`` are left out while they have their
        defaults, so agreements (and logs) from before they existed stay as they were.
        """
        return {
            name: getattr(self, name)
            for name in SETTINGS
            if name not in _LATER or getattr(self, name) != _LATER[name]
        }

    def canonical(self) -> dict[str, Any]:
        """Everything that identifies this version, as plain JSON values (for fingerprints)."""
        return {**self.settings(), "guidelines": list(self.guidelines), "version": self.version}


#: Names of the agreement's machine-enforced settings, in a fixed order.
SETTINGS = (
    "share_limit",
    "warn_at",
    "hard_cap",
    "cross_talk",
    "may_pass",
    "reserved_time",
    "share_the_air",
    "phase_cap",
    "size_guidance",
    "decision",
)
#: Settings added later: left out of :meth:`Agreement.settings` at their defaults.
_LATER = {"phase_cap": False, "size_guidance": None, "decision": "consensus"}
