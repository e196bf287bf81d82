"""Members, roles, agreements and groups."""

from __future__ import annotations

import pytest

import peersupport as ps
from people import AL, BO, DEE, NU, OB, make_group


class TestMember:
    def test_keeps_id_and_name(self):
        """A member is known by a stable id and a display name."""
        member = ps.Member("al", "Al")
        assert (member.id, member.name) == ("al", "Al")

    def test_equal_by_value(self):
        """Two members with the same id and name are equal and hash alike."""
        assert ps.Member("al", "Al") == ps.Member("al", "Al")
        assert hash(ps.Member("al", "Al")) == hash(ps.Member("al", "Al"))

    def test_is_frozen(self):
        """A member cannot be changed in place."""
        member = ps.Member("al", "Al")
        with pytest.raises(AttributeError):
            member.name = "Alan"  # type: ignore[misc]
        assert member.name == "Al"

    def test_id_of_64_characters_is_accepted(self):
        """An id may be up to 64 characters long."""
        assert ps.Member("x" * 64, "X").id == "x" * 64

    @pytest.mark.parametrize("bad_id", ["", " al", "al ", "x" * 65, 7, None])
    def test_rejects_bad_id(self, bad_id):
        """An id must be a non-empty string of at most 64 characters without outer spaces."""
        with pytest.raises(ValueError, match="id"):
            ps.Member(bad_id, "Al")

    @pytest.mark.parametrize(
        "bad_name", ["", "   ", "A" * 41, "Al\nSmith", "al@example.org", 3, None]
    )
    def test_rejects_names_that_are_more_than_a_first_name(self, bad_name):
        """A display name is one short line, never an e-mail address."""
        with pytest.raises(ValueError, match="name"):
            ps.Member("al", bad_name)

    def test_has_no_field_for_personal_details(self):
        """Anonymity by design: a member has only an id and a name."""
        with pytest.raises(TypeError):
            ps.Member("al", "Al", "Smith")  # type: ignore[call-arg]


class TestRole:
    @pytest.mark.parametrize(
        ("role", "facilitates"),
        [
            (ps.Role.FACILITATOR, True),
            (ps.Role.CO_FACILITATOR, True),
            (ps.Role.MEMBER, False),
            (ps.Role.NEWCOMER, False),
            (ps.Role.OBSERVER, False),
        ],
    )
    def test_only_facilitators_facilitate(self, role, facilitates):
        """Facilitators and co-facilitators run the session; nobody else does."""
        assert role.facilitates is facilitates

    @pytest.mark.parametrize("role", list(ps.Role))
    def test_everyone_but_observers_takes_turns(self, role):
        """Observers listen; every other role is offered the floor in rounds."""
        assert role.takes_turns is (role is not ps.Role.OBSERVER)

    def test_roles_parse_from_their_values(self):
        """A role can be given by its string value."""
        assert ps.Role("co-facilitator") is ps.Role.CO_FACILITATOR
        assert ps.Role.NEWCOMER == "newcomer"


class TestAgreement:
    def test_defaults(self):
        """The default agreement: 300 s shares, warning at 240 s, soft cap, no cross-talk, pass."""
        agreement = ps.Agreement()
        assert agreement.settings() == {
            "share_limit": 300.0,
            "warn_at": 240.0,
            "hard_cap": False,
            "cross_talk": False,
            "may_pass": True,
            "reserved_time": None,
            "share_the_air": 0.4,
        }
        assert agreement.version == 1
        assert agreement.guidelines == ps.DEFAULT_GUIDELINES

    def test_guidelines_become_a_tuple(self):
        """Guidelines given as a list are stored as an immutable tuple."""
        agreement = ps.Agreement(guidelines=["Be kind.", "Stay on time."])
        assert agreement.guidelines == ("Be kind.", "Stay on time.")

    def test_amend_returns_next_version(self):
        """Amending returns a new agreement, one version higher, with the changes applied."""
        first = ps.Agreement()
        second = first.amend(may_pass=False, share_limit=200.0, warn_at=150.0)
        assert second.version == 2
        assert (second.may_pass, second.share_limit, second.warn_at) == (False, 200.0, 150.0)
        assert second.guidelines == first.guidelines
        assert (first.version, first.may_pass, first.share_limit) == (1, True, 300.0)

    def test_amendments_chain_versions(self):
        """Each amendment adds one to the version."""
        agreement = ps.Agreement().amend(cross_talk=True).amend(hard_cap=True)
        assert agreement.version == 3
        assert (agreement.cross_talk, agreement.hard_cap) == (True, True)

    def test_amend_may_change_guidelines(self):
        """Guidelines can be amended too (between sessions)."""
        agreement = ps.Agreement().amend(guidelines=("Only this.",))
        assert agreement.guidelines == ("Only this.",)

    def test_amend_refuses_setting_the_version(self):
        """The version of an amendment is set automatically."""
        with pytest.raises(ValueError, match="version"):
            ps.Agreement().amend(version=7)

    def test_amend_refuses_unknown_settings(self):
        """Amending an unknown setting raises ValueError naming it."""
        with pytest.raises(ValueError, match="recording"):
            ps.Agreement().amend(recording=True)

    def test_amend_refuses_warning_after_limit(self):
        """An amendment that puts the warning at or after the limit is refused."""
        with pytest.raises(ValueError, match="warning"):
            ps.Agreement().amend(share_limit=200.0)

    def test_amend_refuses_wrong_type_with_value_error(self):
        """An amendment with a wrong type raises ValueError, as Agreement.amend documents."""
        with pytest.raises(ValueError, match="hard_cap"):
            ps.Agreement().amend(hard_cap="yes")

    @pytest.mark.parametrize(("share_limit", "warn_at"), [(300.0, 300.0), (300.0, 301.0), (60, 90)])
    def test_warning_must_come_before_limit(self, share_limit, warn_at):
        """warn_at >= share_limit raises ValueError."""
        with pytest.raises(ValueError, match="before the share limit"):
            ps.Agreement(share_limit=share_limit, warn_at=warn_at)

    def test_limits_may_be_switched_off(self):
        """share_limit and warn_at may be None (no limit, no warning)."""
        assert ps.Agreement(share_limit=None, warn_at=None).share_limit is None
        assert ps.Agreement(share_limit=None, warn_at=60.0).warn_at == 60.0

    @pytest.mark.parametrize("field", ["share_limit", "warn_at"])
    @pytest.mark.parametrize("value", [0, -5.0, "300", [300]])
    def test_limits_must_be_positive_numbers(self, field, value):
        """A share limit or warning point that is not a positive number is refused."""
        with pytest.raises(ValueError, match=field):
            ps.Agreement(**{"share_limit": None, "warn_at": None, field: value})

    def test_boolean_is_not_a_share_limit(self):
        """True is a flag, not a number of seconds, so it is refused as a share limit."""
        with pytest.raises(ValueError, match="share_limit"):
            ps.Agreement(share_limit=True, warn_at=None)

    @pytest.mark.parametrize("field", ["hard_cap", "cross_talk", "may_pass"])
    def test_flags_must_be_booleans(self, field):
        """The flags refuse values that are not booleans."""
        with pytest.raises(ValueError, match=field):
            ps.Agreement(**{field: 1})

    def test_version_starts_at_one(self):
        """A version below 1 is refused."""
        with pytest.raises(ValueError, match="version"):
            ps.Agreement(version=0)

    def test_is_frozen(self):
        """An agreement cannot be changed in place."""
        agreement = ps.Agreement()
        with pytest.raises(AttributeError):
            agreement.may_pass = False  # type: ignore[misc]
        assert agreement.may_pass is True


class TestGroup:
    def test_needs_a_facilitator(self):
        """A group without a facilitator or co-facilitator raises ValueError."""
        with pytest.raises(ValueError, match="no facilitator"):
            ps.Group(name="g", roles={AL: ps.Role.MEMBER, OB: ps.Role.OBSERVER})

    def test_a_co_facilitator_is_enough(self):
        """A co-facilitator alone can run the group."""
        group = ps.Group(name="g", roles={AL: ps.Role.CO_FACILITATOR, BO: ps.Role.MEMBER})
        assert group.facilitators == (AL,)

    def test_refuses_duplicate_ids(self):
        """Two members with the same id raise ValueError naming the id."""
        with pytest.raises(ValueError, match="duplicate member id 'al'"):
            ps.Group(
                name="g",
                roles={
                    DEE: ps.Role.FACILITATOR,
                    AL: ps.Role.MEMBER,
                    ps.Member("al", "Alan"): "member",
                },
            )

    @pytest.mark.parametrize("name", ["", "   "])
    def test_needs_a_name(self, name):
        """A group without a name raises ValueError."""
        with pytest.raises(ValueError, match="name"):
            ps.Group(name=name, roles={DEE: ps.Role.FACILITATOR})

    def test_refuses_non_members(self):
        """Only Member objects can be in a group."""
        with pytest.raises(ValueError, match="not a Member"):
            ps.Group(name="g", roles={DEE: ps.Role.FACILITATOR, "al": ps.Role.MEMBER})

    def test_roles_from_strings_and_pairs(self):
        """Roles may be given as strings, and the mapping as (member, role) pairs."""
        group = ps.Group(name="g", roles=[(DEE, "facilitator"), (AL, "member")])
        assert group.roles == {DEE: ps.Role.FACILITATOR, AL: ps.Role.MEMBER}

    def test_unknown_role_is_refused(self):
        """A role string that is not a Role raises ValueError."""
        with pytest.raises(ValueError, match="chair"):
            ps.Group(name="g", roles={DEE: "chair"})

    def test_members_in_seat_order(self, group):
        """members lists everyone in the order given; facilitators only the facilitators."""
        assert [m.id for m in group.members] == ["dee", "al", "bo", "cy", "nu", "ob"]
        assert group.facilitators == (DEE,)

    def test_role_of(self, group):
        """role_of returns a member's role, or None for someone outside the group."""
        assert group.role_of("dee") is ps.Role.FACILITATOR
        assert group.role_of("nu") is ps.Role.NEWCOMER
        assert group.role_of("ob") is ps.Role.OBSERVER
        assert group.role_of("zed") is None

    def test_member_lookup_and_membership(self, group):
        """member() finds by id (KeyError otherwise) and `in` tests membership by id."""
        assert group.member("bo") == BO
        assert "bo" in group
        assert "zed" not in group
        with pytest.raises(KeyError):
            group.member("zed")

    def test_closed_by_default(self, group):
        """Groups are closed unless told otherwise; an open group says so."""
        assert group.closed is True
        assert make_group(closed=False).closed is False

    def test_default_agreement(self):
        """A group without an agreement gets the default one."""
        group = ps.Group(name="g", roles={DEE: ps.Role.FACILITATOR})
        assert group.agreement == ps.Agreement()

    def test_with_member_adds_a_member(self, group):
        """with_member returns a new group with the member added; the original is unchanged."""
        zed = ps.Member("zed", "Zed")
        bigger = group.with_member(zed)
        assert bigger.role_of("zed") is ps.Role.MEMBER
        assert bigger.members[-1] == zed
        assert "zed" not in group

    def test_with_member_changes_a_role_without_duplicating(self, group):
        """with_member for an existing id changes their role and keeps one entry."""
        changed = group.with_member(NU, ps.Role.MEMBER)
        assert changed.role_of("nu") is ps.Role.MEMBER
        assert [m.id for m in changed.members].count("nu") == 1
        assert group.role_of("nu") is ps.Role.NEWCOMER

    def test_with_member_cannot_remove_the_last_facilitator(self, group):
        """Demoting the only facilitator raises ValueError."""
        with pytest.raises(ValueError, match="no facilitator"):
            group.with_member(DEE, ps.Role.MEMBER)

    def test_with_agreement(self, group):
        """with_agreement returns a new group using the given agreement."""
        amended = group.agreement.amend(may_pass=False)
        changed = group.with_agreement(amended)
        assert changed.agreement == amended
        assert changed.agreement.version == 2
        assert group.agreement.version == 1
        assert changed.members == group.members

    def test_equal_by_value(self):
        """Two groups built alike are equal and hash alike."""
        assert make_group() == make_group()
        assert hash(make_group()) == hash(make_group())
        assert make_group() != make_group(closed=False)
