"""Simulated members: profiles, populations, and the behaviour that chooses their actions.

A :class:`MemberProfile` holds one simulated member's traits (talkativeness,
propensity to pass, share length, cross-talk, arriving late or leaving early).
A *population* draws the profiles of one session's members (:func:`homogeneous`,
:func:`heterogeneous`, :func:`dominant_talkers`, :func:`with_newcomers`).

A *behaviour* turns traits into actions. It is pluggable: anything with the
methods of :class:`Behaviour` will do; :class:`ProfileBehaviour` is the default.
Its :meth:`~ProfileBehaviour.volunteer` is the speaking-turns choice model of
small-group research used in open phases (and the ``free-discussion`` baseline):
the next speaker is drawn with a probability that rises with their talkativeness
and with the time since they last spoke. Its :meth:`~ProfileBehaviour.hand_delay`
is the same model in continuous time, for phases with a queue of raised hands:
the urge to raise a hand rises with talkativeness and with the time since the
member last spoke, and newcomers are slower to raise theirs.

Every random draw comes from the ``random.Random`` the runner passes in (seeded
from a :class:`numpy.random.SeedSequence`), so a session is reproducible.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import attrs

if TYPE_CHECKING:
    from peersupport.engine.session import Session

__all__ = [
    "Behaviour",
    "MemberProfile",
    "Population",
    "PopulationSpec",
    "ProfileBehaviour",
    "dominant_talkers",
    "heterogeneous",
    "homogeneous",
    "with_newcomers",
]


@attrs.frozen
class MemberProfile:
    """The traits of one simulated member.

    Attributes:
        id: Member id in the simulated group.
        talkativeness: 0..1; raises the chance to share, the share length and
            the chance to be the next speaker in open phases.
        pass_propensity: 0..1; chance to pass on a turn when talkativeness is 0
            (the chance to pass is ``pass_propensity * (1 - talkativeness)``).
        mean_share: Seconds; a share lasts lognormal around
            ``mean_share * (0.5 + talkativeness)``.
        share_sigma: Spread (sigma of the log) of share lengths.
        max_share: Seconds; a share never lasts longer than this (``None``: no cap).
        cross_talk: 0..1; chance, while someone else shares, to try to interject.
        newcomer: Whether the member is a newcomer (joins as ``Role.NEWCOMER``).
        arrives_at: Seconds after the opening at which the member arrives
            (0: on time).
        leaves_at: Seconds after the opening at which the member leaves
            (``None``: stays to the end).
    """

    id: str
    talkativeness: float = 0.5
    pass_propensity: float = 0.5
    mean_share: float = 90.0
    share_sigma: float = 0.5
    max_share: float | None = 180.0
    cross_talk: float = 0.0
    newcomer: bool = False
    arrives_at: float = 0.0
    leaves_at: float | None = None


@runtime_checkable
class Population(Protocol):
    """Draws the members of one simulated session."""

    def draw(self, rng: random.Random, n: int) -> list[MemberProfile]:
        """Return ``n`` member profiles with ids ``m1`` .. ``mN``, drawn with ``rng``."""
        ...


def _beta(rng: random.Random, a: float, b: float) -> float:
    return rng.betavariate(a, b)


@attrs.frozen
class PopulationSpec:
    """A population by name and parameters (picklable, so sweeps can ship it to workers).

    Build one with :func:`homogeneous`, :func:`heterogeneous`,
    :func:`dominant_talkers` or :func:`with_newcomers`.

    Attributes:
        name: Short label used in result tables (e.g. ``"dominant-2"``).
        talk_a: Beta ``a`` of talkativeness (``talk_b`` 0 means fixed at ``talk_a``).
        talk_b: Beta ``b`` of talkativeness.
        dominant: How many members are dominant talkers.
        dominant_talkativeness: Talkativeness of a dominant talker.
        newcomers: How many members are newcomers who mostly pass.
        newcomer_pass: Pass propensity of a newcomer.
        pass_propensity: Pass propensity of everyone else.
        mean_share: Personal mean share length in seconds (before talkativeness).
        share_sigma: Spread of share lengths.
        max_share: Longest share in seconds.
        cross_talk: Propensity to attempt cross-talk (dominant talkers: doubled).
        late: Chance that a member arrives late (within the first 20 minutes).
        early: Chance that a member leaves early (in the last 40 minutes of 90).
    """

    name: str
    talk_a: float = 0.5
    talk_b: float = 0.0
    dominant: int = 0
    dominant_talkativeness: float = 0.95
    newcomers: int = 0
    newcomer_pass: float = 0.9
    pass_propensity: float = 0.5
    mean_share: float = 90.0
    share_sigma: float = 0.5
    max_share: float | None = 180.0
    cross_talk: float = 0.0
    late: float = 0.0
    early: float = 0.0

    def draw(self, rng: random.Random, n: int) -> list[MemberProfile]:
        """Return ``n`` member profiles (``m1`` .. ``mN``; dominant talkers first)."""
        out: list[MemberProfile] = []
        for i in range(n):
            if i < self.dominant:
                talk = self.dominant_talkativeness
            elif self.talk_b > 0:
                talk = _beta(rng, self.talk_a, self.talk_b)
            else:
                talk = self.talk_a
            newcomer = n - i <= self.newcomers and i >= self.dominant
            arrives = rng.uniform(60.0, 20 * 60.0) if self.late and rng.random() < self.late else 0
            leaves = (
                rng.uniform(50 * 60.0, 90 * 60.0)
                if self.early and rng.random() < self.early
                else None
            )
            cross = self.cross_talk * (2.0 if i < self.dominant else 1.0)
            out.append(
                MemberProfile(
                    id=f"m{i + 1}",
                    talkativeness=talk,
                    pass_propensity=self.newcomer_pass if newcomer else self.pass_propensity,
                    mean_share=self.mean_share,
                    share_sigma=self.share_sigma,
                    max_share=self.max_share,
                    cross_talk=min(1.0, cross),
                    newcomer=newcomer,
                    arrives_at=float(arrives),
                    leaves_at=leaves,
                )
            )
        return out


def homogeneous(talkativeness: float = 0.5, **traits: float) -> PopulationSpec:
    """Everyone equally talkative.

    Args:
        talkativeness: Everyone's talkativeness.
        **traits: Other :class:`PopulationSpec` fields (e.g. ``cross_talk=0.05``).
    """
    return PopulationSpec(name="homogeneous", talk_a=talkativeness, **traits)  # type: ignore[arg-type]


def heterogeneous(a: float = 2.0, b: float = 2.0, **traits: float) -> PopulationSpec:
    """Talkativeness drawn per member from Beta(a, b).

    Args:
        a: Beta ``a``.
        b: Beta ``b``.
        **traits: Other :class:`PopulationSpec` fields.
    """
    return PopulationSpec(name="heterogeneous", talk_a=a, talk_b=b, **traits)  # type: ignore[arg-type]


def dominant_talkers(
    n: int = 2, talkativeness: float = 0.95, a: float = 2.0, b: float = 5.0, **traits: float
) -> PopulationSpec:
    """One or two (``n``) very talkative members; the others' talkativeness ~ Beta(a, b).

    Args:
        n: Number of dominant talkers.
        talkativeness: Their talkativeness.
        a: Beta ``a`` of the others.
        b: Beta ``b`` of the others.
        **traits: Other :class:`PopulationSpec` fields.
    """
    return PopulationSpec(
        name=f"dominant-{n}",
        talk_a=a,
        talk_b=b,
        dominant=n,
        dominant_talkativeness=talkativeness,
        **traits,  # type: ignore[arg-type]
    )


def with_newcomers(n: int = 2, pass_propensity: float = 0.9, **traits: float) -> PopulationSpec:
    """Talkativeness ~ Beta(2, 2), with ``n`` newcomers (the last seats) who mostly pass.

    Args:
        n: Number of newcomers.
        pass_propensity: Their pass propensity.
        **traits: Other :class:`PopulationSpec` fields.
    """
    return PopulationSpec(
        name=f"newcomers-{n}",
        talk_a=2.0,
        talk_b=2.0,
        newcomers=n,
        newcomer_pass=pass_propensity,
        **traits,  # type: ignore[arg-type]
    )


class Behaviour(Protocol):
    """How simulated members act; supply your own to change the model.

    The runner asks the behaviour at each decision point and then performs the
    action on the real session, whose rules have the last word.
    """

    def turn(self, session: Session, member: MemberProfile, rng: random.Random) -> float | None:
        """On ``member``'s turn: seconds to share, or ``None`` to pass."""
        ...

    def volunteer(
        self,
        session: Session,
        candidates: Sequence[MemberProfile],
        last_spoke: Mapping[str, float],
        rng: random.Random,
    ) -> MemberProfile:
        """In an open phase, who of ``candidates`` (never empty) takes the floor next.

        ``last_spoke`` maps member ids to the clock time their last share ended
        (or they arrived, if they have not spoken).
        """
        ...

    def interjects(self, session: Session, member: MemberProfile, rng: random.Random) -> bool:
        """Whether ``member`` tries to cross-talk while someone else shares."""
        ...

    def hand_delay(
        self, session: Session, member: MemberProfile, silent_since: float, rng: random.Random
    ) -> float | None:
        """In a phase with a queue of raised hands: seconds from now until ``member`` raises theirs.

        Asked when the member can raise a hand: when the phase starts or they
        arrive, and after each of their turns. ``silent_since`` is the clock time
        their last share ended (or they passed, or arrived). ``None``: they do
        not raise their hand again in this phase.
        """
        ...


def _positive(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{attribute.name} must be a number above 0, got {value!r}")


@attrs.frozen
class ProfileBehaviour:
    """The default behaviour, driven by each member's :class:`MemberProfile`.

    Attributes:
        tau: Seconds; in the speaking-turns model a member's weight is
            ``talkativeness ** alpha * (1 + seconds since they last spoke / tau)``.
        alpha: Exponent on talkativeness in that weight.
        min_weight: Floor of the talkativeness term, so quiet members are not
            silenced forever.
        hand_tau: Seconds; in a phase with a queue, a member raises their hand
            at the rate ``eagerness / hand_tau * (1 + seconds since they last
            spoke / tau)``, the weight above spread over time (see
            :meth:`hand_delay`): the mean wait of the most eager member right
            after speaking is about ``hand_tau``.
        newcomer_hesitancy: A newcomer's eagerness to raise a hand is divided by
            this (1: newcomers are as quick as anyone with their talkativeness).

    Raises:
        ValueError: If ``tau``, ``hand_tau`` or ``newcomer_hesitancy`` is not above 0.
    """

    tau: float = attrs.field(default=120.0, validator=_positive)
    alpha: float = 2.0
    min_weight: float = 0.01
    hand_tau: float = attrs.field(default=30.0, validator=_positive)
    newcomer_hesitancy: float = attrs.field(default=4.0, validator=_positive)

    def turn(self, session: Session, member: MemberProfile, rng: random.Random) -> float | None:
        """Pass with probability ``pass_propensity * (1 - t)``; else a lognormal share."""
        t = member.talkativeness
        if rng.random() < member.pass_propensity * (1.0 - t):
            return None
        return self.share_length(member, rng)

    def share_length(self, member: MemberProfile, rng: random.Random) -> float:
        """Lognormal around ``mean_share * (0.5 + t)``, capped at ``max_share``."""
        seconds = rng.lognormvariate(
            math.log(member.mean_share * (0.5 + member.talkativeness)), member.share_sigma
        )
        cap = member.max_share
        return seconds if cap is None or seconds < cap else cap

    def volunteer(
        self,
        session: Session,
        candidates: Sequence[MemberProfile],
        last_spoke: Mapping[str, float],
        rng: random.Random,
    ) -> MemberProfile:
        """Draw the next speaker: weight rises with talkativeness and time since they spoke."""
        now = session.clock.now()
        tau, alpha, low = self.tau, self.alpha, self.min_weight
        weights = [
            max(low, c.talkativeness**alpha) * (1.0 + (now - last_spoke.get(c.id, 0.0)) / tau)
            for c in candidates
        ]
        pick = rng.random() * sum(weights)
        for candidate, weight in zip(candidates, weights, strict=True):
            pick -= weight
            if pick < 0:
                return candidate
        return candidates[-1]

    def interjects(self, session: Session, member: MemberProfile, rng: random.Random) -> bool:
        """Try to cross-talk with probability ``member.cross_talk``."""
        return rng.random() < member.cross_talk

    def eagerness(self, member: MemberProfile) -> float:
        """How readily ``member`` raises a hand: the talkativeness term of :meth:`volunteer`.

        ``max(min_weight, talkativeness ** alpha)``, divided by
        ``newcomer_hesitancy`` for a newcomer.
        """
        weight: float = max(self.min_weight, member.talkativeness**self.alpha)
        return weight / self.newcomer_hesitancy if member.newcomer else weight

    def hand_delay(
        self, session: Session, member: MemberProfile, silent_since: float, rng: random.Random
    ) -> float | None:
        """Seconds until ``member`` raises their hand: one draw of a rising hazard.

        At ``s`` seconds of silence the member raises their hand at the rate
        ``e / hand_tau * (1 + s / tau)`` (``e``: :meth:`eagerness`), so the draw
        solves ``e / hand_tau * (d * b + d ** 2 / (2 * tau)) = E`` for the delay
        ``d``, with ``E ~ Exp(1)`` and ``b = 1 + s0 / tau`` at the silence ``s0``
        now: ``d = 2K / (b + sqrt(b ** 2 + 2K / tau))`` with ``K = E * hand_tau / e``.
        """
        eagerness = self.eagerness(member)
        if eagerness <= 0.0:  # min_weight 0 and a silent member: never raises a hand
            return None
        k = rng.expovariate(1.0) * self.hand_tau / eagerness
        tau = self.tau
        b: float = 1.0 + max(0.0, session.clock.now() - silent_since) / tau
        return 2.0 * k / (b + math.sqrt(b * b + 2.0 * k / tau))
