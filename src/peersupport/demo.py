"""The ``peersupport demo``: a seeded sharing circle on a fast-forwarded clock.

A facilitator (Dee) and six simulated members meet in a ``sharing-circle``. The
members' choices (share or pass, how long) come from a seeded random generator,
so every run prints the same timeline. The story includes a late arrival, a
member leaving mid-round, a blocked cross-talk attempt, a time warning and an
overtime, then a fairness summary.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator

from peersupport import formats
from peersupport.clock import ManualClock
from peersupport.engine.session import Session
from peersupport.errors import CrossTalkBlocked
from peersupport.report import fairness_table, timeline
from peersupport.values import Agreement, Group, Member, Role

__all__ = ["demo_group", "demo_session", "run_demo"]

#: (id, name, talkativeness 0..1) of the simulated members.
_MEMBERS = (
    ("al", "Al", 0.8),
    ("bo", "Bo", 0.3),
    ("cy", "Cy", 0.6),
    ("di", "Di", 0.5),
    ("ed", "Ed", 0.9),
    ("flo", "Flo", 0.4),
)


def demo_group() -> Group:
    """The demo's group: facilitator Dee, five members and a newcomer (Flo)."""
    roles: dict[Member, Role] = {Member("dee", "Dee"): Role.FACILITATOR}
    for member_id, name, _talk in _MEMBERS:
        roles[Member(member_id, name)] = Role.NEWCOMER if member_id == "flo" else Role.MEMBER
    return Group(
        name="Thursday circle",
        roles=roles,
        agreement=Agreement(share_limit=180, warn_at=150, hard_cap=False),
    )


class _Circle:
    """Drives the session: simulated members decide on their turn."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.group = demo_group()
        self.clock = ManualClock()
        self.session = Session(self.group, formats.get("sharing-circle"), clock=self.clock)
        self.talk = {"dee": 0.5, **{member_id: t for member_id, _name, t in _MEMBERS}}

    def wait(self, low: float, high: float) -> None:
        self.clock.advance(round(self.rng.uniform(low, high)))

    def share(self, member: str, seconds: float) -> None:
        self.session.start_share(member)
        self.clock.advance(round(seconds))
        self.session.end_share(member)

    def share_length(self, member: str, limit: float) -> float:
        mean = 40 + 100 * self.talk[member]
        return min(limit * 0.95, self.rng.lognormvariate(0, 0.35) * mean)

    def turn(self, member: str, limit: float) -> None:
        """A simulated member on their turn: pass or share for a while."""
        if self.rng.random() < 0.6 * (1 - self.talk[member]):
            self.wait(2, 6)
            self.session.pass_turn(member)
        else:
            self.share(member, self.share_length(member, limit))
        self.wait(3, 10)

    def round(self, limit: float, special: dict[str, str] | None = None) -> None:
        """Go round until everyone present had their turn."""
        special = special or {}
        while (member := self.session.offered_to()) is not None:
            action = special.pop(member, "")
            if action == "overtime":
                self.session.start_share(member)
                self.clock.advance(limit + 25)
                self.session.end_share(member)
                self.wait(3, 8)
            elif action == "cross-talk":
                self.session.start_share(member)
                self.clock.advance(round(self.share_length(member, limit) / 2))
                with contextlib.suppress(CrossTalkBlocked):
                    self.session.interject("al")  # blocked and recorded; the share goes on
                self.clock.advance(round(self.share_length(member, limit) / 2))
                self.session.end_share(member)
                self.wait(3, 8)
            elif action == "late-arrival":
                self.turn(member, limit)
                self.session.arrive("flo")
                self.session.consent("flo")
            elif action == "leave":
                self.turn(member, limit)
                self.session.leave("ed")
            else:
                self.turn(member, limit)

    def run(self) -> Session:
        s = self.session
        s.arrive("dee")
        s.consent("dee")
        for member_id, _name, _talk in _MEMBERS[:-1]:
            self.wait(10, 60)
            s.arrive(member_id)
            s.consent(member_id)
        self.wait(20, 40)
        # Opening: the facilitator reads the guidelines.
        self.share("dee", 150)
        self.wait(5, 10)
        s.advance(by="dee")  # -> check-in (2-minute shares)
        self.round(120, {"bo": "late-arrival", "ed": "overtime"})
        s.advance(by="dee")  # -> sharing
        self.round(180, {"bo": "leave", "cy": "cross-talk"})
        s.advance(by="dee")  # -> check-out
        self.round(120)
        s.advance(by="dee")  # -> closing
        self.share("dee", 60)
        self.wait(5, 10)
        s.end(by="dee")
        return s


def demo_session(seed: int = 7) -> Session:
    """Run the demo's sharing circle and return the ended session.

    Its ``events`` are the log :func:`run_demo` renders, and its group is
    :func:`demo_group`; save them to try ``peersupport replay``.

    Args:
        seed: Seed of the simulated members' choices (as for :func:`run_demo`).
    """
    return _Circle(seed).run()


def run_demo(seed: int = 7) -> Iterator[str]:
    """Run the demo and yield its output lines (timeline, then fairness summary).

    Args:
        seed: Seed of the simulated members' choices; the same seed gives the
            same output.
    """
    circle = _Circle(seed)
    session = circle.run()
    group = circle.group
    yield f"peersupport demo: {group.name}, sharing circle, seed {seed}"
    yield ""
    yield from timeline(group, session.format, session.events)
    yield ""
    yield "Fairness summary (sharing phases only; the facilitator's readings excluded):"
    yield from fairness_table(group, session.state).splitlines()
