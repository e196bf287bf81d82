"""The catalogue of broken plugins: each bug, how to add it, and the invariant that catches it.

``tests/test_kit_catches_bugs.py`` runs the conformance kit on every entry and
checks that it fails naming the entry's invariant; the table in
``docs/plugins/testing.md`` lists the same bugs (a test keeps the two in step).
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

import broken_plugins as bp
import broken_rules as br
import peersupport as ps
from broken_plugins import POPCORN, Plugin, first_phase_chart, open_chart, round_chart

Chart = type[ps.FormatChart]


@attrs.frozen
class Entry:
    """One broken plugin of the catalogue.

    Attributes:
        id: Short name, used as the test id and the plugin's name.
        bug: The bug, in one line (as in the docs' table).
        invariant: The invariant the kit must name.
        plugin: Builds a fresh plugin (a rule or policy may keep state).
        format: The format the kit runs (``broken`` is the plugin's own).
    """

    id: str
    bug: str
    invariant: str
    plugin: Callable[[], Plugin]
    format: str = "broken"


def policy(
    cls: type[ps.TurnPolicy], chart: Callable[[str], Chart] = round_chart
) -> Callable[[], Plugin]:
    """A plugin adding the turn policy ``cls`` and the format ``broken``, whose phase runs it."""
    return lambda: Plugin(policies=(cls(),), formats={"broken": chart(cls.name)})


def replacing(cls: type[ps.Rule], chart: Chart | None = None) -> Callable[[], Plugin]:
    """A plugin replacing a built-in rule, and adding the format ``broken`` if given a chart."""
    formats = {} if chart is None else {"broken": chart}
    return lambda: Plugin(rules=(cls(),), replace=True, formats=formats)


def phase_rule(cls: type[ps.Rule]) -> Callable[[], Plugin]:
    """A plugin adding the rule ``cls`` and the format ``broken``, a popcorn phase naming it."""
    return lambda: Plugin(
        rules=(cls(),), formats={"broken": round_chart("popcorn", rules=(cls.id,))}
    )


def open_floor(name: str) -> Chart:
    """A chart whose phase under the policy ``name`` has no rounds."""
    return open_chart(name)


#: A phase where both the chart and (sometimes) the agreement allow cross-talk.
CROSS_TALK = open_chart(cross_talk=True)
#: The same in a popcorn phase, which has rounds.
CROSS_TALK_ROUNDS = open_chart("popcorn", cross_talk=True)
#: Popcorn rounds with reserved time for those who have not shared.
RESERVED = round_chart("popcorn", rules=("reserved-time",))
#: An open floor naming share-the-air.
SHARE_THE_AIR = open_chart(rules=("share-the-air",))

CATALOGUE: tuple[Entry, ...] = (
    # ------------------------------------------------ turn policies: the floor offered wrongly
    Entry(
        "offers-who-passed",
        "a seat-order policy offers the floor again to who passed",
        "passed-not-offered",
        policy(bp.OffersWhoPassed),
    ),
    Entry(
        "rolling-seat-order",
        "a roll-over policy offers the next round before it starts",
        "passed-not-offered",
        policy(bp.RollingSeatOrder),
    ),
    Entry(
        "not-the-facilitators",
        '`eligible()` written as "not a facilitator" gives observers turns',
        "passed-not-offered",
        policy(bp.NotTheFacilitators),
    ),
    Entry(
        "speaker-led",
        "a speaker-led policy offers the floor to its speaker after they left",
        "passed-not-offered",
        policy(bp.SpeakerLed, open_floor),
    ),
    Entry(
        "continue-from-last",
        "a seat-order policy offers nobody until someone spoke: the round stalls",
        "someone-offered",
        policy(bp.ContinueFromLastSpeaker),
    ),
    Entry(
        "next-by-count",
        "`offered()` counts turns to find the next member and crashes",
        "plugin-error",
        policy(bp.NextByCount),
    ),
    Entry(
        "keeper-last-seat-order",
        "a policy refuses the keeper it offers the floor to",
        "offered-may-take",
        policy(bp.KeeperLastSeatOrder),
    ),
    # ------------------------------------------------ turn policies: checks that refuse too little
    Entry(
        "last-jumps-the-queue",
        "a seat-order check skipped for whoever spoke last",
        "turn-policy",
        policy(bp.LastSpeakerJumpsTheQueue),
    ),
    Entry(
        "volunteer-readings",
        "a facilitator-only policy lets members who consented speak",
        "turn-policy",
        policy(bp.VolunteerReadings, first_phase_chart),
    ),
    Entry(
        "newcomers-pass-open-floor",
        "a policy declaring no passing lets newcomers pass",
        "turn-policy",
        policy(bp.NewcomersPassOpenFloor, open_floor),
    ),
    Entry(
        "pass-the-piece",
        "a called-on policy lets the last speaker call on the next",
        "turn-policy",
        policy(bp.PassThePiece),
    ),
    # ------------------------------------------------ queues of raised hands
    Entry(
        "raiser-first",
        "a first-come queue puts every hand raised at its head",
        "queue-order",
        policy(bp.RaiserFirst, open_floor),
    ),
    Entry(
        "fairness-forgotten",
        "a queue declaring round fairness puts every hand at its end",
        "queue-order",
        policy(bp.FairnessForgotten, open_floor),
    ),
    Entry(
        "places-from-one",
        "a queue's `hand_position` counts places from 1",
        "plugin-error",
        policy(bp.PlacesFromOne, open_floor),
    ),
    Entry(
        "second-in-line",
        "a queue offers the floor to the second in line",
        "queue-offered",
        policy(bp.SecondInLine, open_floor),
    ),
    Entry(
        "points-can-wait",
        "a queue offers the floor while a point of process is pending",
        "queue-offered",
        policy(bp.PointsCanWait, open_floor),
    ),
    Entry(
        "calls-after-the-queue",
        "a queue offers the floor to its head after a facilitator called on someone",
        "queue-offered",
        policy(bp.CallsAfterTheQueue, open_floor),
    ),
    Entry(
        "any-hand-may-share",
        "a queue lets anyone whose hand is up take the floor",
        "turn-policy",
        policy(bp.AnyHandMayShare, open_floor),
    ),
    # ------------------------------------------------ replaced always-on rules
    Entry(
        "last-speaker-again",
        "`one-share-per-round` lets the last speaker go again",
        "one-turn-per-round",
        replacing(br.LastSpeakerAgain, POPCORN),
    ),
    Entry(
        "forgets-who-came-back",
        "`one-share-per-round` forgets who left and came back",
        "one-turn-per-round",
        replacing(br.ForgetsWhoCameBack, POPCORN),
    ),
    Entry(
        "once-per-phase",
        "`one-share-per-round` counts shares in the phase, not the round",
        "expected-outcome",
        replacing(br.OncePerPhase, POPCORN),
    ),
    Entry(
        "keeper-never-speaks",
        "`consent` refuses the facilitator's share",
        "expected-outcome",
        replacing(br.ConsentExceptTheKeeper),
        "sharing-circle",
    ),
    Entry(
        "consent-to-any-version",
        "`consent` accepts consent to an agreement since amended",
        "consent",
        replacing(br.ConsentToAnyVersion, POPCORN),
    ),
    Entry(
        "no-passing-at-all",
        "`right-to-pass` forgets that newcomers may always pass",
        "expected-outcome",
        replacing(br.NoPassingAtAll, POPCORN),
    ),
    Entry(
        "always-may-pass",
        "`right-to-pass` ignores the agreement switching passing off",
        "right-to-pass",
        replacing(br.AlwaysMayPass, POPCORN),
    ),
    Entry(
        "observers-may-react",
        "`observers-listen` lets observers interject",
        "expected-outcome",
        replacing(br.ObserversMayReact, POPCORN),
    ),
    Entry(
        "cross-talk-by-the-phase",
        "`no-cross-talk` reads the phase only, not the agreement",
        "no-cross-talk",
        replacing(br.CrossTalkByThePhase, CROSS_TALK),
    ),
    Entry(
        "no-cross-talk-in-rounds",
        "`no-cross-talk` blocks it in a round phase that allows it",
        "no-cross-talk",
        replacing(br.NoCrossTalkInRounds, CROSS_TALK_ROUNDS),
    ),
    Entry(
        "late-hard-cap",
        "`share-time-limit`'s hard cap fires one second late",
        "deadlines",
        replacing(br.LateHardCap),
        "lightning-round",
    ),
    Entry(
        "agreement-limits-only",
        "`share-time-limit` ignores a phase's own limit",
        "deadlines",
        replacing(br.AgreementLimitsOnly),
        "lightning-round",
    ),
    Entry(
        "every-limit-is-hard",
        "`share-time-limit` caps shares the agreement leaves soft",
        "deadlines",
        replacing(br.EveryLimitIsHard, POPCORN),
    ),
    Entry(
        "warning-as-float",
        "`share-time-limit`'s `limits()` fails when there is no warning",
        "plugin-error",
        replacing(br.WarningAsFloat, POPCORN),
    ),
    Entry(
        "reserved-at-the-end",
        "`reserved-time` begins only when the phase's budget is over",
        "reserved-time",
        replacing(br.ReservedAtTheEnd, RESERVED),
    ),
    # ------------------------------------------------ notices
    Entry(
        "silent-share-the-air",
        "`share-the-air` never gives its notice",
        "rule-notices",
        replacing(br.SilentShareTheAir, SHARE_THE_AIR),
    ),
    Entry(
        "sloppy-share-the-air",
        "`share-the-air`'s notice names everyone present",
        "rule-notices",
        replacing(br.SloppyShareTheAir, SHARE_THE_AIR),
    ),
    Entry(
        "facilitator-ended-it",
        "a rule's notice fails on a share the hard cap ended (no actor)",
        "plugin-error",
        phase_rule(br.FacilitatorEndedIt),
    ),
    # ------------------------------------------------ phase rules
    Entry(
        "leaky-no-back-to-back",
        "a rule marks the floor before it refuses",
        "rejected-changes-nothing",
        phase_rule(br.LeakyNoBackToBack),
    ),
    Entry(
        "crashes-on-pass",
        "a rule raises `KeyError` instead of refusing",
        "plugin-error",
        phase_rule(br.CrashesOnPass),
    ),
    Entry(
        "no-turn-twice-in-a-row",
        "a rule refusing a pass says the action was `start_share`",
        "rejected-changes-nothing",
        phase_rule(br.NoTurnTwiceInARow),
    ),
    Entry(
        "passers-are-skipped",
        "a rule marks whoever passes as skipped when it accepts",
        "restore",
        phase_rule(br.PassersAreSkipped),
    ),
    Entry(
        "two-shares-per-meeting",
        "a rule counts shares on the rule object, across sessions",
        "verify",
        phase_rule(br.TwoSharesPerMeeting),
    ),
)
