"""The store's line of agreement versions: amended between sessions, adopted from sessions."""

from __future__ import annotations

import pytest

import peersupport as ps
from people import EVERYONE, make_group

CIRCLE = ps.formats.get("sharing-circle")
K = ps.EventKind
G = ps.grouplog.GroupEventKind


def stored_session(
    store: ps.store.Store, session_id: str, clock: ps.ManualClock
) -> tuple[ps.Session, list[int]]:
    """A session of the stored group's newest version, everyone in; ``[stored length]``."""
    record = store.group("g")
    session = ps.Session(record.group, CIRCLE, clock=clock)
    for person in EVERYONE:
        session.arrive(person)
        session.consent(person)
    store.start_session(session_id, "g", session.events)
    return session, [len(session.events)]


def save(store: ps.store.Store, session_id: str, session: ps.Session, length: list[int]) -> None:
    """Append what the session recorded since the last save."""
    length[0] = store.append(session_id, session.events[length[0] :], expected=length[0])


def test_between_sessions_settings_and_guidelines_make_the_next_version(store):
    store.save_group("g", make_group())
    record = store.amend_agreement(
        "g", proposed_by="cy", how="consensus", guidelines=("Be kind.", "Speak for yourself.")
    )
    assert (record.version, record.group.agreement.version) == (2, 2)
    assert record.group.agreement.guidelines == ("Be kind.", "Speak for yourself.")
    store.amend_agreement(
        "g", proposed_by="dee", how="facilitator", share_limit=200.0, warn_at=170.0
    )
    line = store.agreement_history("g")
    assert [(v.version, v.proposed_by, v.how, v.session) for v in line] == [
        (1, None, "initial", None),
        (2, "cy", "consensus", None),
        (3, "dee", "facilitator", None),
    ]
    assert line[1].agreement.guidelines == ("Be kind.", "Speak for yourself.")
    assert line[2].agreement.guidelines == line[1].agreement.guidelines  # carried on
    assert store.group("g").group.agreement.share_limit == 200.0


@pytest.mark.parametrize(
    ("changes", "how", "error"),
    [
        ({}, "consensus", ps.StoreError),
        ({"colour": "blue"}, "consensus", ValueError),
        ({"share_limit": -1}, "consensus", ValueError),
        ({"hard_cap": True}, "whoever shouts", ValueError),
    ],
)
def test_a_bad_amendment_stores_nothing(store, changes, how, error):
    store.save_group("g", make_group())
    with pytest.raises(error):
        store.amend_agreement("g", proposed_by="cy", how=how, **changes)
    assert len(store.group_versions("g")) == 1
    assert store.group_events("g") == []


def test_a_sessions_decision_is_adopted_on_the_groups_line(store):
    store.save_group("g", make_group())
    clock = ps.ManualClock(1000.0)
    session, length = stored_session(store, "s1", clock)
    session.propose_amendment("al", cross_talk=True)
    save(store, "s1", session, length)
    assert store.group("g").version == 1  # a proposal is not a decision
    session.decide_amendment(1, by="dee", agree=4, stand_aside=1)
    save(store, "s1", session, length)
    newest = store.group("g")
    assert (newest.version, newest.group.agreement) == (2, session.agreement)
    (adopted,) = store.group_events("g")
    assert (adopted.kind, adopted.actor, adopted.member, dict(adopted.data)) == (
        G.AGREEMENT_ADOPTED,
        "dee",
        "al",
        {"version": 2, "how": "consensus", "session": "s1"},
    )
    history = store.agreement_history("g")
    assert [(v.version, v.proposed_by, v.how, v.session) for v in history][-1] == (
        2,
        "al",
        "consensus",
        "s1",
    )
    assert store.restore("s1").state == session.state  # the session ran under version 1
    # The next session starts from the adopted version; amending between sessions goes on.
    store.amend_agreement("g", proposed_by="bo", how="consensus", may_pass=False)
    assert [v.version for v in store.agreement_history("g")] == [1, 2, 3]


def test_a_facilitators_amendment_is_adopted_too(store):
    store.save_group("g", make_group())
    session, length = stored_session(store, "s1", ps.ManualClock(1000.0))
    session.amend_agreement(by="dee", hard_cap=True)
    save(store, "s1", session, length)
    (adopted,) = store.group_events("g")
    assert (adopted.member, adopted.data["how"]) == ("dee", "facilitator")


def test_an_amendment_that_collides_is_not_adopted_and_nothing_is_lost(store):
    store.save_group("g", make_group())
    clock = ps.ManualClock(1000.0)
    session, length = stored_session(store, "s1", clock)
    store.amend_agreement("g", proposed_by="cy", how="consensus", hard_cap=True)  # meanwhile
    session.propose_amendment("al", cross_talk=True)
    session.decide_amendment(1, by="dee", agree=5)
    save(store, "s1", session, length)
    assert len(store.events("s1")) == len(session.events)  # the log is stored as it is
    assert store.group("g").group.agreement.cross_talk is False
    refused = store.group_events("g")[-1]
    assert (refused.kind, dict(refused.data)) == (
        G.AMENDMENT_NOT_ADOPTED,
        {"version": 2, "session": "s1", "newest": 2},
    )
    assert [v.how for v in store.agreement_history("g")] == ["initial", "consensus"]
