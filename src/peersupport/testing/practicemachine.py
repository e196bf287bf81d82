"""Rules of the conformance state machine for practice and the group's decisions.

:class:`PracticeRules` adds to :class:`~peersupport.testing.machine.SessionMachine`
what particular groups do now and then: a member listens for the rest of the
session, members propose agenda items (mostly where the phase sets the agenda),
the chair skips an element of the meeting, pauses for safety (with a reason) and
refers someone to support, and members propose amendments that
the group decides on by its rule (or the chair withdraws them). They are drawn
rarely, next to the ordinary flow of a meeting, so that the coverage of turns
stays; the random actions of ``someone_acts`` try them too, valid or not.
"""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st
from hypothesis import note
from hypothesis.stateful import precondition, rule

from peersupport.testing.agreementdraws import amendments
from peersupport.testing.machine import SessionMachine, running
from peersupport.testing.practice import way
from peersupport.testing.strategies import STEPS
from peersupport.testing.tables import REASON_CODES, REFERRAL_CODES

__all__ = ["REASONS", "REFERRALS", "PracticeRules"]

#: Reasons given for a pause or resumption: mostly codes, sometimes none or free text.
REASONS = (None, None, *sorted(REASON_CODES), "Bo was upset")
#: Where someone is referred: mostly a kind of resource, sometimes something else.
REFERRALS = (*sorted(REFERRAL_CODES), "a friend")


class PracticeRules(SessionMachine):
    """Listening, agenda items, skipping, safety pauses and referrals, and group decisions."""

    @precondition(running)
    @rule(
        data=st.data(),
        what=st.sampled_from(["listen", "listen", "item", "item", "skip", "safety", "safety"]),
    )
    def practice(self, data: st.DataObject, what: str) -> None:
        """Someone listens, proposes an agenda item, the chair skips ahead or pauses for safety."""
        present = self.present_ids()
        pool = present * 3 + self.people
        by = data.draw(st.sampled_from([None, None, None, *self.leads]), label="by")
        if what == "skip":
            self.skip_ahead(data)
        elif what == "safety":
            self.safety_pause(data)
        elif what == "listen":
            who = data.draw(st.sampled_from(pool), label="who")
            self.act("listen", who, by)
            if who in self.h.model.listening and data.draw(st.booleans(), label="then"):
                self.listener_tries_the_floor(data, "start_share")
        else:
            self.act("propose_item", data.draw(st.sampled_from(pool), label="who"), by)

    def safety_pause(self, data: st.DataObject) -> None:
        """The chair (or someone else) pauses with a reason, maybe refers someone, resumes.

        Reasons are mostly codes, sometimes none, sometimes free text (refused);
        referrals mostly to a kind of resource, sometimes to something else (refused).
        """
        by = self.draw_by(data, usually=self.chair())
        self.act("pause", by=by, reason=data.draw(st.sampled_from(REASONS), label="reason"))
        if data.draw(st.booleans(), label="refer"):
            who = data.draw(st.sampled_from(self.present_ids() * 3 + self.people), label="who")
            to = data.draw(st.sampled_from(REFERRALS), label="to")
            self.act("refer", who, self.draw_by(data, usually=self.chair()), to=to)
        self.h.wait(data.draw(st.sampled_from(STEPS), label="for"))
        self.act("resume", by=by, reason=data.draw(st.sampled_from(REASONS), label="reason"))

    @precondition(lambda self: running(self) and bool(self.h.model.listening))
    @rule(
        data=st.data(),
        name=st.sampled_from(["start_share", "start_share", "call_on", "raise_hand", "interject"]),
    )
    def listener_tries_the_floor(self, data: st.DataObject, name: str) -> None:
        """Someone listening tries to share, raise a hand or interject, or is called on."""
        who = data.draw(st.sampled_from(self.h.model.listening), label="who")
        self.meeting.consented(who)
        chair = self.chair()
        if name == "call_on" and chair is not None:
            self.act(name, who, chair)
        else:
            self.act("start_share" if name == "call_on" else name, who)

    @precondition(lambda self: running(self) and self.h.model.spec.agenda)
    @rule(data=st.data())
    def agenda_is_set(self, data: st.DataObject) -> None:
        """Where the phase sets the agenda, someone (mostly present) proposes an item."""
        pool = self.present_ids() * 4 + self.people
        by = data.draw(st.sampled_from([None, None, None, *self.leads]), label="by")
        self.act("propose_item", data.draw(st.sampled_from(pool), label="who"), by)

    @precondition(
        lambda self: (
            running(self)
            and self.chair() is not None
            and any(len(way(self.fmt, self.h.model.phase, p) or ()) > 1 for p in self.fmt.phases)
        )
    )
    @rule(data=st.data())
    def skip_ahead(self, data: st.DataObject) -> None:
        """The chair (mostly after closing the round) skips to a phase two or more ahead."""
        model, chair = self.h.model, self.chair()
        phases = list(self.fmt.phases)
        ahead = [p for p in phases if len(way(self.fmt, model.phase, p) or ()) > 1]
        to = data.draw(st.sampled_from(ahead * 3 + phases + ["nowhere"]), label="skip to")
        by = (
            chair
            if data.draw(st.integers(0, 3), label="how")
            else self.draw_by(data, usually=chair)
        )
        if chair is not None and by == chair and data.draw(st.integers(0, 3), label="close"):
            self.meeting.close_round(chair)
        self.act("skip_to", by=by, to=to)

    @precondition(running)
    @rule(data=st.data(), changes=amendments())
    def someone_proposes_an_amendment(self, data: st.DataObject, changes: dict[str, Any]) -> None:
        """Someone (mostly present) proposes amending the agreement, validly or not."""
        pool = self.present_ids() * 3 + self.people
        who = data.draw(st.sampled_from(pool), label="who")
        by = data.draw(st.sampled_from([None, None, None, *self.leads]), label="by")
        self.act("propose_amendment", who, by, **changes)
        if data.draw(st.booleans(), label="decided at once"):
            self.the_group_decides(data, data.draw(st.integers(1, 7), label="how"))

    @precondition(
        lambda self: running(self) and "open" in {s for s, _c in self.h.model.proposals.values()}
    )
    @rule(data=st.data(), how=st.integers(0, 9))
    def the_group_decides(self, data: st.DataObject, how: int) -> None:
        """The chair records the group's count on an open proposal (or withdraws it).

        Mostly the count covers everyone present who takes part (all agree, most
        agree, or any split); sometimes one too many or too few.
        """
        model = self.h.model
        proposals = sorted(n for n, (status, _c) in model.proposals.items() if status == "open")
        if not proposals or not running(self):
            return
        number = data.draw(st.sampled_from([*proposals * 3, len(model.proposals) + 1]), label="n")
        by = self.chair() if how > 1 else self.draw_by(data, usually=self.chair())
        if how in (0, 8, 9):
            self.act("withdraw_amendment", by=by, proposal=number)
            return
        everyone = max(
            model.taking_part() + (0 if how > 1 else data.draw(st.sampled_from([-1, 1]))), 0
        )
        if how >= 6:  # everyone agrees
            agree, disagree = everyone, 0
        elif how >= 3:  # most agree, some disagree
            disagree = data.draw(
                st.integers(min(everyone // 2, 1), everyone // 2), label="disagree"
            )
            agree = everyone - disagree
        else:  # anything that adds up
            agree = data.draw(st.integers(0, everyone), label="agree")
            disagree = data.draw(st.integers(0, everyone - agree), label="disagree")
        aside = everyone - agree - disagree
        note(f"{model.taking_part()} take part; the decision rule is {model.agreement.decision}")
        counts: dict[str, Any] = {"agree": agree, "disagree": disagree, "stand_aside": aside}
        self.act("decide_amendment", by=by, proposal=number, **counts)

    # Once proposed, a proposal is mostly decided soon; skipping is tried in every format.
    the_group_decides_2 = the_group_decides
    skip_ahead_2 = skip_ahead
