"""Attendance and membership across a group's stored sessions (``ps.attendance``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import peersupport as ps
from people import EVERYONE, T0, make_group
from stored import CIRCLE, meet, weeks

NEW, REG, RET, OCC, ABS = (
    ps.attendance.Status.NEWCOMER,
    ps.attendance.Status.REGULAR,
    ps.attendance.Status.RETURNING,
    ps.attendance.Status.OCCASIONAL,
    ps.attendance.Status.ABSENT,
)


class TestWhoAttended:
    def test_rows_per_session_with_roles_visitors_and_comebacks(self, store):
        """Each session lists its version's members in seat order, then visitors who came."""
        group = make_group(closed=False)
        store.save_group("g", group)
        clock = ps.ManualClock(T0)
        meet(
            store,
            "s1",
            group,
            clock,
            ("dee", "al", "ob"),
            again=("al", "vi", "al"),
            visitors=(("vi", "member"),),
        )
        meet(store, "s2", group, clock, ("dee", "bo"), visitors=(("vo", "newcomer"),))
        meet(store, "s3", group, clock, (), end=False)  # nobody came (still open)
        meet(store, "s4", group, clock, ("cy", "al"), end=False)  # still running
        table = ps.attendance.attendance(store, "g")
        assert [s.session_id for s in table.sessions] == ["s1", "s2", "s3", "s4"]
        assert [s.ended for s in table.sessions] == [True, True, False, False]
        s1 = T0
        assert table.to_rows()[:7] == [
            ("s1", s1, "dee", True, "facilitator", False),
            ("s1", s1, "al", True, "member", False),
            ("s1", s1, "bo", False, "member", False),
            ("s1", s1, "cy", False, "member", False),
            ("s1", s1, "nu", False, "newcomer", False),
            ("s1", s1, "ob", True, "observer", False),
            ("s1", s1, "vi", True, "member", True),
        ]
        assert [s.attended for s in table.sessions] == [
            ("dee", "al", "ob", "vi"),
            ("dee", "bo", "vo"),
            (),
            ("al", "cy"),
        ]
        assert [len(s.rows) for s in table.sessions] == [7, 7, 6, 6]
        assert table.sessions[0].members == EVERYONE
        assert table.sessions[1].visitors == ("vo",)
        sizes = [(g.members, g.attended, g.visitors) for g in table.group_size()]
        assert sizes == [(6, 4, 1), (6, 3, 1), (6, 0, 0), (6, 2, 0)]
        assert table.as_dicts()[6] == dict(
            zip(ps.attendance.COLUMNS, table.to_rows()[6], strict=True)
        )
        assert table.sessions[1].opened_at == store.session("s2").opened_at > s1

    def test_group_size_over_time_follows_the_group_versions(self, store):
        """Each session counts its own version's members, and everyone who came."""
        group = make_group()
        store.save_group("g", group)
        clock = ps.ManualClock(T0)
        meet(store, "s1", group, clock, ("dee", "al", "bo"))
        bigger = group.with_member(ps.Member("ed", "Ed"))
        store.save_group("g", bigger)
        meet(store, "s2", bigger, clock, ("dee", "ed"))
        smaller = bigger.without_member("bo").without_member("cy")
        store.save_group("g", smaller)
        meet(store, "s3", smaller, clock, ("dee", "al", "ed", "nu"))
        table = ps.attendance.attendance(store, "g")
        sizes = table.group_size()
        assert [(s.group_version, s.members, s.attended, s.visitors) for s in sizes] == [
            (1, 6, 3, 0),
            (2, 7, 2, 0),
            (3, 5, 4, 0),
        ]
        assert table.group_version == 3
        assert table.current == ("dee", "al", "nu", "ob", "ed")
        ed = {m.member_id: m for m in table.members()}["ed"]
        assert ed.statuses == (None, NEW, OCC)
        assert (ed.attended, ed.expected, ed.first, ed.last) == (2, 2, "s2", "s3")

    def test_an_unknown_group(self, store):
        """A group that is not stored is refused by name."""
        with pytest.raises(ps.StoreError, match="group 'nope' is not in the store"):
            ps.attendance.attendance(store, "nope")

    def test_a_group_without_sessions(self, store):
        """A stored group that has not met yet has members but no sessions."""
        store.save_group("g", make_group())
        table = ps.attendance.attendance(store, "g")
        assert (table.sessions, table.group_size(), table.missed_in_a_row(1)) == ((), (), ())
        assert [m.statuses for m in table.members()] == [()] * len(EVERYONE)


class TestStatuses:
    ARRIVALS = (
        ("dee", "al", "bo"),
        ("dee", "al", "cy"),
        ("dee", "al", "cy"),
        ("dee", "al"),
        ("dee", "al", "bo"),
        ("dee", "bo", "cy"),
    )

    def test_newcomer_regular_returning_occasional_absent(self, store):
        """First time, k of the last n, back after m missed, otherwise; absent when missed."""
        store.save_group("g", make_group())
        weeks(store, make_group(), *self.ARRIVALS)
        members = {m.member_id: m for m in ps.attendance.attendance(store, "g").members()}
        assert members["al"].statuses == (NEW, OCC, REG, REG, REG, ABS)
        assert members["bo"].statuses == (NEW, ABS, ABS, ABS, RET, OCC)
        assert members["cy"].statuses == (ABS, NEW, OCC, ABS, ABS, OCC)
        assert members["nu"].statuses == (ABS,) * 6
        al, nu = members["al"], members["nu"]
        assert (al.attended, al.expected, al.first, al.last, al.missed_in_a_row) == (
            5,
            6,
            "s1",
            "s5",
            1,
        )
        assert (nu.attended, nu.first, nu.last, nu.missed_in_a_row) == (0, None, None, 6)

    def test_the_thresholds_are_the_groups_to_choose(self, store):
        """With 2 of the last 3 a regular and 2 missed a return, the same weeks read otherwise."""
        store.save_group("g", make_group())
        weeks(store, make_group(), *self.ARRIVALS)
        table = ps.attendance.attendance(store, "g")
        members = {m.member_id: m for m in table.members(regular=(2, 3), returning=2)}
        assert members["al"].statuses == (NEW, REG, REG, REG, REG, ABS)
        assert members["bo"].statuses == (NEW, ABS, ABS, ABS, RET, REG)
        assert members["cy"].statuses == (ABS, NEW, REG, ABS, ABS, RET)

    @pytest.mark.parametrize(
        ("regular", "returning"), [((4, 3), 3), ((0, 4), 3), ((3, 4), 0), ((3, True), 3)]
    )
    def test_thresholds_are_checked(self, store, regular, returning):
        """A threshold below 1, or k above n, is refused."""
        store.save_group("g", make_group())
        table = ps.attendance.attendance(store, "g")
        with pytest.raises(ValueError, match=r"^(regular|returning)"):
            table.members(regular=regular, returning=returning)


class TestCheckIn:
    def test_missed_in_a_row_most_first_then_by_id(self, store):
        """Members of the newest version who missed threshold or more, with their last session."""
        store.save_group("g", make_group())
        weeks(store, make_group(), *TestStatuses.ARRIVALS)
        table = ps.attendance.attendance(store, "g")
        assert ps.attendance.to_rows(table.missed_in_a_row()) == [("nu", 6, None), ("ob", 6, None)]
        assert ps.attendance.as_dicts(table.missed_in_a_row(1))[2] == {
            "member_id": "al",
            "missed": 1,
            "last_attended": "s5",
        }
        assert [m.member_id for m in table.missed_in_a_row(7)] == []
        with pytest.raises(ValueError, match="threshold"):
            table.missed_in_a_row(0)

    def test_visitors_are_listed_but_never_missed(self, store):
        """A visitor who came once is in the table, never on the check-in list."""
        group = make_group(closed=False)
        store.save_group("g", group)
        clock = ps.ManualClock(T0)
        meet(store, "s1", group, clock, ("dee",), visitors=(("vi", "newcomer"),))
        for sid in ("s2", "s3", "s4"):
            meet(store, sid, group, clock, ("dee", "al", "bo", "cy", "nu", "ob"))
        table = ps.attendance.attendance(store, "g")
        vi = {m.member_id: m for m in table.members()}["vi"]
        assert (vi.visitor, vi.current, vi.attended, vi.expected) == (True, False, 1, 1)
        assert vi.statuses == (NEW, None, None, None)
        assert table.missed_in_a_row(1) == ()

    def test_computed_values_carry_ids_never_names(self, store):
        """Nothing computed holds a member's display name."""
        names = {m.id: f"Secret{m.id.capitalize()}" for m in make_group().members}
        group = ps.Group(
            "Thursday circle",
            {ps.Member(m.id, names[m.id]): r for m, r in make_group(closed=False).roles.items()},
            closed=False,
        )
        store.save_group("g", group)
        meet(store, "s1", group, ps.ManualClock(T0), ("dee", "al"), visitors=(("vi", "member"),))
        table = ps.attendance.attendance(store, "g")
        computed = repr(
            (table, table.members(), table.missed_in_a_row(1), table.group_size(), table.to_rows())
        )
        assert "al" in computed
        assert not [name for name in names.values() if name in computed]


class TestRemovingAMember:
    def test_past_sessions_stay_restorable_and_the_member_leaves_the_check_in(self, store):
        """Without cy, a new version; cy's sessions restore and verify with the old one."""
        group = make_group()
        store.save_group("g", group)
        clock = ps.ManualClock(T0)
        session = meet(store, "s1", group, clock, ("dee", "al", "cy"), end=False)
        for member in ("dee", "al", "cy"):
            session.consent(member)
        session.advance(by="dee")
        session.pass_turn("al")
        session.start_share("cy")
        clock.advance(60)
        session.end_share("cy")
        session.end(by="dee")
        length = store.session("s1").length
        store.append("s1", session.events[length:], expected=length)
        meet(store, "s2", group, clock, ("dee", "al"))
        meet(store, "s3", group, clock, ("dee", "al"))
        before = ps.attendance.attendance(store, "g")
        assert [m.member_id for m in before.missed_in_a_row(2)] == ["bo", "nu", "ob", "cy"]
        assert store.save_group("g", group.without_member("cy")).version == 2
        restored = store.restore("s1", clock=ps.ManualClock(T0))
        assert restored.state == session.state
        old = store.group("g", store.session("s1").group_version).group
        assert "cy" in old
        assert "cy" not in store.group("g").group
        verified = ps.Session.verify(old, CIRCLE, store.events("s1"))
        assert verified.events == session.events
        with pytest.raises(ps.LogError):
            ps.Session.verify(store.group("g").group, CIRCLE, store.events("s1"))
        after = ps.attendance.attendance(store, "g")
        assert [m.member_id for m in after.missed_in_a_row(2)] == ["bo", "nu", "ob"]
        cy = {m.member_id: m for m in after.members()}["cy"]
        assert (cy.current, cy.visitor, cy.attended, cy.missed_in_a_row) == (False, False, 1, 2)
        assert after.sessions[0].attended == ("dee", "al", "cy")

    def test_without_member(self):
        """Removing returns a new group; an unknown id or the last facilitator is refused."""
        group = make_group()
        smaller = group.without_member("al")
        assert "al" not in smaller
        assert "al" in group
        assert [m.id for m in smaller.members] == ["dee", "bo", "cy", "nu", "ob"]
        assert smaller.fingerprint != group.fingerprint
        assert smaller.with_member(group.member("al")).without_member("al") == smaller
        with pytest.raises(KeyError, match="no member 'zed'"):
            group.without_member("zed")
        with pytest.raises(ValueError, match="'dee' is the last facilitator"):
            group.without_member("dee")
        co = group.with_member(ps.Member("co", "Co"), ps.Role.CO_FACILITATOR)
        assert co.without_member("dee").facilitators == (co.member("co"),)


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[str | None, list[str], list[str], bool]]:
    """Weeks of (member removed before it, who arrives in order, who leaves and returns, ends)."""
    ids = list(EVERYONE)
    plan = []
    for _ in range(draw(st.integers(1, 7))):
        removed = None
        if len(ids) > 2 and draw(st.booleans()) and draw(st.booleans()):
            removed = draw(st.sampled_from(ids[1:]))
            ids.remove(removed)
        arrive = draw(st.lists(st.sampled_from(ids), unique=True))
        again = draw(st.lists(st.sampled_from(arrive), unique=True)) if arrive else []
        plan.append((removed, arrive, again, "dee" in arrive and draw(st.booleans())))
    return plan


@given(histories(), st.tuples(st.integers(1, 4), st.integers(0, 3)))
def test_attended_sets_and_missed_runs_match_what_happened(history, thresholds):
    """Computed from the store, who attended and who missed how many equal a plain count."""
    k, extra = thresholds
    group = make_group()
    clock = ps.ManualClock(T0)
    actual: list[set[str]] = []
    expected: list[set[str]] = []
    with ps.store.SqliteStore(":memory:") as store:
        store.save_group("g", group)
        for number, (removed, arrive, again, end) in enumerate(history, 1):
            if removed is not None:
                group = group.without_member(removed)
                store.save_group("g", group)
            meet(store, f"s{number}", group, clock, tuple(arrive), again=tuple(again), end=end)
            actual.append(set(arrive))
            expected.append({m.id for m in group.members})
        table = ps.attendance.attendance(store, "g")
        members = table.members(regular=(k, k + extra))
    assert [set(s.attended) for s in table.sessions] == actual
    assert [set(s.members) for s in table.sessions] == expected
    runs = {}
    for member in expected[-1]:
        runs[member] = 0
        for came, listed in zip(reversed(actual), reversed(expected), strict=True):
            if member in came:
                break
            runs[member] += member in listed
    assert {m.member_id: m.missed_in_a_row for m in members if m.current} == runs
    listed = [(m.member_id, m.missed) for m in table.missed_in_a_row(1)]
    assert listed == sorted(((m, n) for m, n in runs.items() if n), key=lambda p: (-p[1], p[0]))
    for m in members:
        came = [
            s.session_id for s, c in zip(table.sessions, actual, strict=True) if m.member_id in c
        ]
        ends = (came[0], came[-1]) if came else (None, None)
        assert (m.attended, m.first, m.last) == (len(came), *ends)
        statuses = [s for s in m.statuses if s not in (None, ABS)]
        assert len(statuses) == m.attended
        assert statuses[:1] in ([], [NEW])
        assert NEW not in statuses[1:]


@pytest.mark.sim
def test_plot_attendance_draws_attended_and_group_size(tmp_path):
    """The plot has a bar per session (who came) and a line of the group's size."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    group = make_group()
    with ps.store.SqliteStore(tmp_path / "store.db") as store:
        store.save_group("g", group)
        weeks(store, group, ("dee", "al"), ("dee", "al", "bo", "cy"), ())
        table = ps.attendance.attendance(store, "g")
    ax = ps.attendance.plot_attendance(table)
    assert [bar.get_height() for bar in ax.patches] == [2, 4, 0]
    assert list(ax.lines[0].get_ydata()) == [6, 6, 6]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["s1", "s2", "s3"]
    ax.figure.savefig(tmp_path / "attendance.png")
    assert (tmp_path / "attendance.png").stat().st_size > 1000
    mine = Figure().add_subplot()
    assert ps.attendance.plot_attendance(table, ax=mine) is mine
