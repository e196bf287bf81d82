"""Buddy pairing (ps.Buddies) and the store's group logs it is recorded in."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import peersupport as ps
from people import T0

K = ps.GroupEventKind


def buddy_group(*, extra: int = 0) -> ps.Group:
    """Facilitator dee, members al, bo, cy, newcomers nu, ne, ni, observer ob (+ m0, m1 ...)."""
    roles = {
        ps.Member("dee", "Dee"): ps.Role.FACILITATOR,
        ps.Member("al", "Al"): ps.Role.MEMBER,
        ps.Member("bo", "Bo"): ps.Role.MEMBER,
        ps.Member("cy", "Cy"): ps.Role.CO_FACILITATOR,
        ps.Member("nu", "Nu"): ps.Role.NEWCOMER,
        ps.Member("ne", "Ne"): ps.Role.NEWCOMER,
        ps.Member("ni", "Ni"): ps.Role.NEWCOMER,
        ps.Member("ob", "Ob"): ps.Role.OBSERVER,
    }
    roles |= {ps.Member(f"m{i}", f"M{i}"): ps.Role.MEMBER for i in range(extra)}
    return ps.Group("Thursday circle", roles)


@pytest.fixture
def book(store: ps.store.Store) -> ps.Buddies:
    store.save_group("g", buddy_group())
    return ps.Buddies(store, "g", clock=ps.ManualClock(T0))


def later(book: ps.Buddies, seconds: float = 60.0) -> None:
    assert isinstance(book.clock, ps.ManualClock)
    book.clock.advance(seconds)


class TestThePairingRule:
    def test_longest_waiting_first_and_nobody_over_capacity(self, book):
        book.offer("al", capacity=1)
        book.request("nu")
        later(book)
        book.request("ne")
        made = book.pair(by="dee")
        assert [(p.newcomer, p.buddy, p.how) for p in made] == [("nu", "al", "pairing-rule")]
        assert list(book.state.waiting) == ["ne"]
        assert book.pair(by="dee") == []  # al is full: ne keeps waiting
        book.offer("al", capacity=2)
        assert [(p.newcomer, p.buddy) for p in book.pair(by="dee")] == [("ne", "al")]
        assert book.state.load("al") == 2

    def test_needs_are_met_and_rarer_tags_kept_for_who_needs_them(self, book):
        book.offer("al", tags=["lang-es", "lang-en"])
        book.offer("bo", tags=["lang-en"])
        book.request("nu")  # no needs: takes bo, the buddy without an extra tag
        later(book)
        book.request("ne", needs=["lang-es"])
        later(book)
        book.request("ni", needs=["lang-fr"])  # nobody speaks French
        made = book.pair(by="cy")  # a co-facilitator may pair
        assert {(p.newcomer, p.buddy) for p in made} == {("nu", "bo"), ("ne", "al")}
        assert list(book.state.waiting) == ["ni"]

    def test_fewest_current_pairings_then_earliest_offer(self, book):
        book.offer("al", capacity=3)
        book.offer("bo", capacity=3)
        for newcomer in ("nu", "ne", "ni"):
            later(book)
            book.request(newcomer)
        made = book.pair(by="dee")
        assert [(p.newcomer, p.buddy) for p in made] == [("nu", "al"), ("ne", "bo"), ("ni", "al")]

    def test_not_paired_again_with_a_former_buddy_nor_while_left_the_group(self, book, store):
        book.offer("al", capacity=2)
        book.request("nu")
        book.pair(by="dee")
        book.end("nu", "al", reason="asked")
        book.request("nu")
        assert book.pair(by="dee") == []  # al was nu's buddy before
        book.offer("bo")
        store.save_group("g", buddy_group().without_member("bo"))
        assert book.pair(by="dee") == []  # bo left the group
        pairing = book.state.pairings[0]
        assert (pairing.reason, pairing.ended_at is not None) == ("asked", True)


class TestWhoMayDoWhat:
    @pytest.mark.parametrize(
        ("action", "rule"),
        [
            (lambda b: b.offer("nu"), "experienced-buddy"),
            (lambda b: b.offer("ob"), "experienced-buddy"),
            (lambda b: b.offer("al", by="bo"), "own-choice"),
            (lambda b: b.offer("zz", by="dee"), "group-member"),
            (lambda b: b.offer("al", by="zz"), "group-member"),
            (lambda b: b.offer("al", capacity=1) and b.offer("al", capacity=1), "no-change"),
            (lambda b: b.request("ob"), "takes-part"),
            (lambda b: b.request("nu") and b.request("nu"), "no-change"),
            (lambda b: b.withdraw_offer("al"), "offer-standing"),
            (lambda b: b.withdraw_request("nu"), "waiting"),
            (lambda b: b.pair(by="al"), "facilitator"),
            (lambda b: b.pair_by_hand("nu", "al", by="dee"), "waiting"),
            (lambda b: b.request("nu") and b.pair_by_hand("nu", "al", by="dee"), "offer-standing"),
            (lambda b: b.end("nu", "al"), "paired"),
        ],
    )
    def test_refusals_name_the_rule_and_record_nothing(self, book, store, action, rule):
        with pytest.raises(ps.PairingRefused) as caught:
            action(book)
        assert caught.value.rule == rule
        assert ps.Buddies(store, "g").state == book.state  # nothing half-recorded

    def test_a_facilitator_acts_for_members_and_pairs_by_hand_within_capacity(self, book):
        book.offer("al", capacity=1, tags=["lang-en"], by="dee")
        book.request("nu", needs=["lang-es"], by="dee")
        pairing = book.pair_by_hand("nu", "al", by="dee")  # needs may be overridden by hand
        assert (pairing.how, book.state.buddy_of("nu")) == ("facilitator", "al")
        book.request("ne")
        with pytest.raises(ps.PairingRefused, match="capacity") as caught:
            book.pair_by_hand("ne", "al", by="dee")
        assert caught.value.rule == "capacity"
        with pytest.raises(ps.PairingRefused) as again:
            book.request("nu")
        assert again.value.rule == "one-buddy"
        with pytest.raises(ps.PairingRefused) as outsider:
            book.end("nu", "al", by="bo")
        assert outsider.value.rule == "own-choice"
        book.end("nu", "al", reason="completed", by="al")
        assert book.state.current == ()

    def test_bad_codes_never_reach_the_log(self, book, store):
        with pytest.raises(ValueError, match="code"):
            book.offer("al", tags=["Speaks Spanish, call me on Tuesdays"])
        with pytest.raises(ValueError, match="capacity"):
            book.offer("al", capacity=0)
        book.request("nu")
        book.offer("al")
        book.pair(by="dee")
        with pytest.raises(ValueError, match="reason"):
            book.end("nu", "al", reason="felt awkward")
        assert [e.kind for e in store.group_events("g")] == [
            K.BUDDY_REQUESTED,
            K.BUDDY_OFFERED,
            K.PAIRED,
        ]


class TestTheGroupLog:
    def test_events_are_stored_in_order_and_fold_back(self, book, store):
        book.offer("al", capacity=2, tags=["lang-es"])
        book.request("nu", needs=["lang-es"])
        book.pair(by="dee")
        events = store.group_events("g")
        assert [(e.seq, e.kind, e.actor, e.member) for e in events] == [
            (0, K.BUDDY_OFFERED, "al", "al"),
            (1, K.BUDDY_REQUESTED, "nu", "nu"),
            (2, K.PAIRED, "dee", "nu"),
        ]
        assert events[0].data == {"capacity": 2, "tags": ("lang-es",)}
        assert store.group_events("g", start=2) == events[2:]
        assert ps.buddies.fold(events) == book.state
        assert ps.grouplog.GroupEvent(**events[2].to_dict()) == events[2]

    def test_a_stale_writer_gets_a_conflict_and_nothing_is_written(self, book, store):
        other = ps.Buddies(store, "g", clock=ps.ManualClock(T0))
        book.offer("al")
        with pytest.raises(ps.StoreConflict, match="group log 'g' has 1 stored events") as caught:
            other.offer("bo")
        assert (caught.value.expected, caught.value.actual, caught.value.log) == (0, 1, "group log")
        assert len(store.group_events("g")) == 1
        other.reload()
        other.offer("bo")
        assert [e.member for e in store.group_events("g")] == ["al", "bo"]

    def test_appends_must_continue_the_log(self, store):
        store.save_group("g", buddy_group())
        offer = ps.GroupEvent(0, T0, K.BUDDY_OFFERED, "al", "al", {"capacity": 1, "tags": []})
        assert store.append_group_events("g", [offer], expected=0) == 1
        late = ps.GroupEvent(1, T0 - 1, K.BUDDY_WITHDRAWN, "al", "al")
        with pytest.raises(ps.StoreError, match="earlier than the one before"):
            store.append_group_events("g", [late], expected=1)
        skipped = ps.GroupEvent(2, T0, K.BUDDY_WITHDRAWN, "al", "al")
        with pytest.raises(ps.StoreError, match="event 1 is numbered 2"):
            store.append_group_events("g", [skipped], expected=1)
        with pytest.raises(ps.StoreError, match="'h' is not in the store"):
            store.append_group_events("h", [offer], expected=0)
        assert store.group_events("h") == []
        assert len(store.group_events("g")) == 1

    def test_a_corrupted_row_is_a_log_error_naming_its_line(self, store):
        store.save_group("g", buddy_group())
        offer = ps.GroupEvent(0, T0, K.BUDDY_OFFERED, "al", "al", {"capacity": 1, "tags": []})
        store.append_group_events("g", [offer], expected=0)
        with store.transaction() as run:
            run("UPDATE ps_group_events SET data = :d", {"d": '{"capacity": 99, "tags": []}'})
        with pytest.raises(ps.LogError, match=r"line 1: buddy_offered\.capacity must be from 1"):
            store.group_events("g")

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"data": {"capacity": 1}}, r"holds \['capacity', 'tags'\]"),
            ({"data": {"capacity": 1, "tags": ["b", "a"]}}, "sorted codes"),
            ({"kind": "gossip"}, "gossip"),
            ({"actor": "a@b.org"}, "e-mail"),
        ],
    )
    def test_group_events_hold_only_what_their_kind_allows(self, fields, message):
        base = {
            "seq": 0,
            "time": T0,
            "kind": "buddy_offered",
            "actor": "al",
            "member": "al",
            "data": {"capacity": 1, "tags": []},
        }
        with pytest.raises(ValueError, match=message):
            ps.GroupEvent(**(base | fields))


TAGS = st.sets(st.sampled_from(["lang-es", "lang-en"]), max_size=1)
ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("offer"), st.sampled_from(["al", "bo", "cy"]), st.integers(1, 2), TAGS),
        st.tuples(
            st.just("request"), st.sampled_from(["nu", "ne", "ni", "m0", "m1", "m2", "al"]), TAGS
        ),
        st.tuples(st.just("pair")),
        st.tuples(st.just("end"), st.integers(0, 10)),
        st.tuples(st.just("withdraw"), st.sampled_from(["al", "bo", "nu", "ne"])),
    ),
    max_size=30,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=ACTIONS)
def test_pairing_invariants_hold_after_any_history(actions):
    """Nobody over capacity, needs met, nobody left waiting who fits someone, the log restores."""
    with ps.store.SqliteStore(":memory:") as store:
        store.save_group("g", buddy_group(extra=3))
        book = ps.Buddies(store, "g", clock=ps.ManualClock(T0))
        for action in actions:
            later(book, 1.0)
            try:
                if action[0] == "offer":
                    book.offer(action[1], capacity=action[2], tags=action[3])
                elif action[0] == "request":
                    book.request(action[1], needs=action[2])
                elif action[0] == "end" and book.state.current:
                    pairing = book.state.current[action[1] % len(book.state.current)]
                    book.end(pairing.newcomer, pairing.buddy)
                elif action[0] == "withdraw":
                    if action[1] in book.state.offers:
                        book.withdraw_offer(action[1])
                    else:
                        book.withdraw_request(action[1])
                elif action[0] == "pair":
                    before = book.state
                    made = book.pair(by="dee")
                    _check_pairing(store, before, book.state, made)
            except ps.PairingRefused:
                pass
            assert len({p.newcomer for p in book.state.current}) == len(book.state.current)
        assert ps.Buddies(store, "g").state == book.state


def _check_pairing(
    store: ps.store.Store, before: ps.buddies.BuddyState, after: ps.buddies.BuddyState, made: list
) -> None:
    """One run of the rule: within capacity, needs met, and nobody left waiting fits anyone."""
    for buddy, offer in after.offers.items():
        new = sum(1 for p in made if p.buddy == buddy)
        assert new <= max(0, offer.capacity - before.load(buddy))
    for pairing in made:
        assert pairing.newcomer in before.waiting
        assert pairing.newcomer not in after.waiting
        assert set(_needs(store, pairing.newcomer)) <= set(after.offers[pairing.buddy].tags)
        assert pairing.buddy != pairing.newcomer
    for request in after.waiting.values():
        fitting = [
            o.buddy
            for o in after.offers.values()
            if o.buddy != request.newcomer
            and after.load(o.buddy) < o.capacity
            and set(request.needs) <= set(o.tags)
            and not any(
                p.buddy == o.buddy and p.newcomer == request.newcomer for p in after.pairings
            )
        ]
        assert fitting == [], f"{request.newcomer} still waits although {fitting} fit"


def _needs(store: ps.store.Store, newcomer: str) -> tuple[str, ...]:
    """The needs of a newcomer's latest request, from the stored group log."""
    requests = [e for e in store.group_events("g") if e.kind is K.BUDDY_REQUESTED]
    return next(e.data["needs"] for e in reversed(requests) if e.member == newcomer)  # type: ignore[return-value]


def test_a_store_of_schema_1_gains_the_group_log_and_feedback_tables(tmp_path):
    """A store written before group events and feedback opens, and is upgraded, as it was."""
    path = tmp_path / "old.db"
    with ps.store.SqliteStore(path) as store:
        store.save_group("g", buddy_group())
        with store.transaction() as run:
            for table in ("ps_group_events", "ps_feedback_given", "ps_feedback_counts"):
                run(f"DROP TABLE {table}")
            run("UPDATE ps_meta SET value = '1' WHERE key = 'schema'")
    with ps.store.SqliteStore(path) as store:
        with store.transaction(write=False) as run:
            assert run("SELECT value FROM ps_meta WHERE key = 'schema'").fetchall()[0][0] == "2"
        assert store.group("g").group == buddy_group()
        ps.Buddies(store, "g").offer("al")
        assert [e.kind for e in store.group_events("g")] == [K.BUDDY_OFFERED]
