"""Anonymous feedback after a session: the form, the store's answers, k-anonymity, unlinkability."""

from __future__ import annotations

import json

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import peersupport as ps
from people import T0, make_group
from stored import meet

FORM = ps.FeedbackForm(
    ("felt-safe", ps.FeedbackQuestion("pace", "The pace was right.")), min_answers=3
)
ATTENDEES = ("dee", "al", "bo", "cy", "nu")


def stored_session(
    store: ps.store.Store, group: ps.Group | None = None, *, end: bool = True, sid: str = "s1"
) -> str:
    """Group 'g' (the test group with FORM) and one session ``sid`` that ATTENDEES attended."""
    group = group or attrs.evolve(make_group(), feedback=FORM)
    store.save_group("g", group)
    meet(store, sid, group, ps.ManualClock(T0), ATTENDEES, end=end)
    return sid


class TestTheForm:
    def test_default_form_has_three_builtin_questions_and_k_5(self):
        form = make_group().feedback
        assert form == ps.DEFAULT_FEEDBACK_FORM
        assert form.ids == ("felt-safe", "felt-heard", "time-fair")
        assert form.questions[0].text == ps.feedback.QUESTIONS["felt-safe"]
        assert form.min_answers == 5

    @pytest.mark.parametrize(
        ("questions", "k", "message"),
        [
            ((), 5, "1 to 10 questions"),
            (("felt-safe", "felt-safe"), 5, "share an id"),
            (("felt-safe",), 1, "at least 2"),
            (("no-such",), 5, "no built-in question 'no-such'"),
            ((("Pace!", "x"),), 5, "must be a code"),
            ((("pace", " "),), 5, "text must be"),
            (tuple((f"q{i}", "x") for i in range(11)), 5, "1 to 10 questions"),
        ],
    )
    def test_bad_forms_are_refused(self, questions, k, message):
        def make() -> ps.FeedbackForm:
            made = [q if isinstance(q, str) else ps.FeedbackQuestion(*q) for q in questions]
            return ps.FeedbackForm(made, min_answers=k)

        with pytest.raises(ValueError, match=message):
            make()

    def test_group_file_writes_a_custom_form_and_reads_it_back(self, tmp_path):
        group = attrs.evolve(make_group(), feedback=FORM)
        ps.dump_group(group, tmp_path / "g.json")
        data = json.loads((tmp_path / "g.json").read_text())
        assert data["feedback"] == {
            "questions": ["felt-safe", {"id": "pace", "text": "The pace was right."}],
            "min_answers": 3,
        }
        assert ps.load_group(tmp_path / "g.json") == group
        ps.dump_group(make_group(), tmp_path / "plain.json")
        assert "feedback" not in json.loads((tmp_path / "plain.json").read_text())

    def test_the_form_is_not_part_of_the_fingerprint(self):
        assert attrs.evolve(make_group(), feedback=FORM).fingerprint == make_group().fingerprint

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ([], "expected an object"),
            ({"questions": "felt-safe"}, "questions must be a list"),
            ({"questions": [3]}, r"questions\[0\] must be"),
            ({"questions": ["felt-safe"], "min_answers": 1}, "at least 2"),
            ({"questions": ["felt-safe"], "k": 5}, "expected an object"),
        ],
    )
    def test_a_bad_form_in_a_group_file_names_the_field(self, tmp_path, value, message):
        ps.dump_group(make_group(), tmp_path / "g.json")
        data = json.loads((tmp_path / "g.json").read_text())
        data["feedback"] = value
        path = tmp_path / "g.json"
        path.write_text(json.dumps(data))
        with pytest.raises(ps.ConfigError, match=message) as caught:
            ps.load_group(path)
        assert caught.value.field == "feedback"


class TestGivingFeedback:
    def test_an_attendee_answers_once(self, store):
        sid = stored_session(store)
        assert not store.answered(sid, "al")
        store.give_feedback(sid, "al", {"felt-safe": 7, "pace": 4})
        assert store.answered(sid, "al")
        assert not store.answered(sid, "bo")
        with pytest.raises(ps.FeedbackRefused, match="already answered") as caught:
            store.give_feedback(sid, "al", {"felt-safe": 1})
        assert (caught.value.actor, caught.value.rule) == ("al", "one-answer-each")
        assert store.feedback(sid).respondents == 1

    @pytest.mark.parametrize(
        ("member", "answers", "rule"),
        [
            ("ob", {"felt-safe": 5}, "attended"),  # a member who did not come
            ("zz", {"felt-safe": 5}, "attended"),  # nobody
            ("al", {}, "feedback-form"),
            ("al", {"felt-heard": 5}, "feedback-form"),  # not on this group's form
            ("al", {"felt-safe": 11}, "feedback-form"),
            ("al", {"felt-safe": -1}, "feedback-form"),
            ("al", {"felt-safe": 5.0}, "feedback-form"),
            ("al", {"felt-safe": True}, "feedback-form"),
            ("al", {"felt-safe": "great, thanks"}, "feedback-form"),  # no free text
        ],
    )
    def test_refused_answers_write_nothing(self, store, member, answers, rule):
        sid = stored_session(store)
        with pytest.raises(ps.FeedbackRefused) as caught:
            store.give_feedback(sid, member, answers)
        assert caught.value.rule == rule
        assert not store.answered(sid, member)
        result = store.feedback(sid)
        assert result.respondents == 0
        assert [q.answers for q in result.questions] == [0, 0]

    def test_feedback_refusal_says_which_rule_would_refuse_and_writes_nothing(self, store):
        sid = stored_session(store)
        assert store.feedback_refusal(sid, "al") is None
        assert store.feedback_refusal(sid, "ob") == "attended"
        store.give_feedback(sid, "al", {"felt-safe": 5})
        assert store.feedback_refusal(sid, "al") == "one-answer-each"
        assert store.feedback(sid).respondents == 1
        running = stored_session(store, end=False, sid="s2")
        assert store.feedback_refusal(running, "al") == "after-the-session"

    def test_not_before_the_session_ends(self, store):
        sid = stored_session(store, end=False)
        with pytest.raises(ps.FeedbackRefused, match="has not ended") as caught:
            store.give_feedback(sid, "al", {"felt-safe": 5})
        assert caught.value.rule == "after-the-session"

    def test_unknown_session_is_a_store_error(self, store):
        with pytest.raises(ps.StoreError, match="'nope' is not in the store"):
            store.give_feedback("nope", "al", {"felt-safe": 5})

    def test_a_session_keeps_the_form_of_its_group_version(self, store):
        sid = stored_session(store)
        store.save_group("g", make_group())  # the group changes its form afterwards
        store.give_feedback(sid, "al", {"pace": 9})
        assert [q.question.id for q in store.feedback(sid).questions] == ["felt-safe", "pace"]


class TestKAnonymity:
    def test_results_show_from_k_answers_on(self, store):
        sid = stored_session(store)
        store.give_feedback(sid, "al", {"felt-safe": 2, "pace": 10})
        store.give_feedback(sid, "bo", {"felt-safe": 6})
        hidden = store.feedback(sid)
        assert hidden.respondents == 2
        assert [(q.shown, q.mean, q.distribution) for q in hidden.questions] == [
            (False, None, None),
            (False, None, None),
        ]
        store.give_feedback(sid, "cy", {"felt-safe": 7, "pace": 0})
        shown = store.feedback(sid)
        assert shown.mean("felt-safe") == pytest.approx(5.0)
        assert shown.questions[0].distribution == (0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0)
        assert shown.mean("pace") is None  # two answered it: below k
        assert shown.questions[1].answers == 2
        with pytest.raises(KeyError):
            shown.mean("felt-heard")

    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        first=st.lists(st.integers(0, 10), min_size=2, max_size=2),
        second=st.lists(st.integers(0, 10), min_size=2, max_size=2),
    )
    def test_k_minus_1_answers_reveal_nothing(self, tmp_path_factory, first, second):
        """Two sessions with different k-1 answers give equal results: nothing to tell them by."""
        results = []
        for scores in (first, second):
            with ps.store.SqliteStore(tmp_path_factory.mktemp("k") / "s.db") as store:
                sid = stored_session(store)
                for member, score in zip(("al", "bo"), scores, strict=True):
                    store.give_feedback(sid, member, {"felt-safe": score, "pace": score})
                results.append(store.feedback(sid))
        assert results[0] == results[1]
        assert all(not q.shown and q.mean is None for q in results[0].questions)

    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        answers=st.lists(
            st.fixed_dictionaries({}, optional={"felt-safe": st.integers(0, 10)}),
            min_size=1,
            max_size=5,
        ).filter(lambda xs: all(xs))
    )
    def test_means_and_counts_are_those_of_the_answers(self, tmp_path_factory, answers):
        with ps.store.SqliteStore(tmp_path_factory.mktemp("m") / "s.db") as store:
            sid = stored_session(store)
            for member, given_answers in zip(ATTENDEES, answers, strict=False):
                store.give_feedback(sid, member, given_answers)
            result = store.feedback(sid).questions[0]
        scores = [a["felt-safe"] for a in answers]
        assert result.answers == len(scores)
        assert result.shown is (len(scores) >= FORM.min_answers)
        if result.shown:
            assert result.mean == pytest.approx(sum(scores) / len(scores))
            assert result.distribution == tuple(scores.count(s) for s in range(11))


class TestUnlinkability:
    def rows(self, store: ps.store.Store, sql: str) -> list[tuple[object, ...]]:
        with store.transaction(write=False) as run:
            return [tuple(row) for row in run(sql).fetchall()]

    def test_stored_answers_carry_no_id_time_or_order(self, tmp_path):
        """Who answered is kept apart from what; the counts are the same whatever the order."""
        tables = []
        for order in (("al", "bo", "cy"), ("cy", "bo", "al")):
            with ps.store.SqliteStore(tmp_path / f"{order[0]}.db") as store:
                sid = stored_session(store)
                scores = {"al": 1, "bo": 5, "cy": 9}
                for member in order:
                    store.give_feedback(sid, member, {"felt-safe": scores[member]})
                columns = self.rows(
                    store, "SELECT name FROM pragma_table_info('ps_feedback_counts')"
                )
                counts = self.rows(store, "SELECT rowid, * FROM ps_feedback_counts ORDER BY rowid")
                given_columns = self.rows(
                    store, "SELECT name FROM pragma_table_info('ps_feedback_given')"
                )
                tables.append(counts)
        assert [c[0] for c in columns] == ["session_id", "question", "score", "answers"]
        assert [c[0] for c in given_columns] == ["session_id", "member_id"]
        assert tables[0] == tables[1]  # physical row order included
        flat = json.dumps(tables[0])
        assert not any(f'"{m}"' in flat for m in ATTENDEES)

    def test_rows_do_not_show_which_counts_an_answer_changed(self, store):
        """Every answer rewrites all the session's counts, created together in one order."""
        sid = stored_session(store)
        store.give_feedback(sid, "al", {"felt-safe": 3})
        store.give_feedback(sid, "bo", {"pace": 8})
        if type(store).__name__ == "PostgresStore":
            writers = self.rows(store, "SELECT DISTINCT xmin::text FROM ps_feedback_counts")
            assert len(writers) == 1  # the last answer's transaction wrote every row
        else:
            order = self.rows(
                store, "SELECT question, score FROM ps_feedback_counts ORDER BY rowid"
            )
            assert order == [(q, s) for q in FORM.ids for s in range(11)]
