"""Anonymous feedback after a session: a group's form, checked answers, k-anonymous results.

After a session ends, each person who attended may answer the group's
:class:`FeedbackForm` once: a few fixed questions (by default *I felt safe*,
*I felt heard*, *Time was shared fairly*), each on a 0-10 scale, any of them
skipped, and no free text anywhere. The store
(:meth:`~peersupport.store.Store.give_feedback`) keeps the answers unlinkable to
whoever gave them: it records *that* a member answered (so nobody answers twice)
apart from *what* was answered, which is only a count per question and score,
with no id, no time and no order. Results (:class:`FeedbackResult`) show a
question's distribution and mean only when at least ``min_answers`` people
answered it (k-anonymity, k = 5 by default), so nobody can be singled out.

A group sets its form in the group file (``"feedback"``, see
:mod:`peersupport.config`); the form is not part of the group's fingerprint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from peersupport.validate import brief, check_code, check_count

__all__ = [
    "DEFAULT_FEEDBACK_FORM",
    "QUESTIONS",
    "SCALE",
    "FeedbackForm",
    "FeedbackResult",
    "FeedbackQuestion",
    "QuestionResult",
    "check_answers",
    "form_from_json",
    "form_to_json",
    "summarize",
]

#: The scale of every answer: whole numbers from 0 (not at all) to 10 (completely).
SCALE = range(11)
#: Built-in questions: their codes and wording. A group may word its own.
QUESTIONS: dict[str, str] = {
    "felt-safe": "I felt safe in this meeting.",
    "felt-heard": "I felt heard.",
    "time-fair": "Time was shared fairly.",
    "topics-mattered": "The topics mattered to me.",
    "format-worked": "The format worked for us.",
    "overall": "Overall, this meeting was good for me.",
}
_MAX_TEXT = 200
_MAX_QUESTIONS = 10


def _text(_instance: Any, _attribute: Any, value: Any) -> None:
    if type(value) is not str or not value.strip() or len(value) > _MAX_TEXT:
        raise ValueError(f"a question's text must be 1 to {_MAX_TEXT} characters")


@attrs.frozen
class FeedbackQuestion:
    """One question of a feedback form, answered on a 0-10 scale.

    Attributes:
        id: Its code, e.g. ``"felt-safe"`` (what the store keeps).
        text: Its wording as the group shows it (the group's words, not a member's).

    Raises:
        ValueError: If the id is not a code or the text is empty or too long.
    """

    id: str = attrs.field(validator=lambda _s, _a, v: check_code(v, "a question id"))
    text: str = attrs.field(validator=_text)


def _questions(value: Iterable[FeedbackQuestion | str]) -> tuple[FeedbackQuestion, ...]:
    found = []
    for item in value:
        if isinstance(item, str):
            if item not in QUESTIONS:
                raise ValueError(
                    f"no built-in question {brief(item)} (built in: {', '.join(QUESTIONS)}); "
                    "give a FeedbackQuestion with your own wording"
                )
            item = FeedbackQuestion(item, QUESTIONS[item])
        found.append(item)
    return tuple(found)


@attrs.frozen
class FeedbackForm:
    """A group's feedback form: its questions and the k of its k-anonymity.

    Attributes:
        questions: 1 to 10 questions with distinct ids (a built-in id such as
            ``"felt-safe"`` may stand for its question).
        min_answers: Results of a question are shown only when at least this
            many people answered it (k; at least 2, 5 by default).

    Raises:
        ValueError: If there are no questions, too many, two with one id, or
            ``min_answers`` is below 2.
    """

    questions: tuple[FeedbackQuestion, ...] = attrs.field(converter=_questions)
    min_answers: int = 5

    def __attrs_post_init__(self) -> None:
        if not 1 <= len(self.questions) <= _MAX_QUESTIONS:
            raise ValueError(f"a feedback form has 1 to {_MAX_QUESTIONS} questions")
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError(f"two questions of a feedback form share an id: {ids}")
        if check_count(self.min_answers, "min_answers") < 2:
            raise ValueError("min_answers must be at least 2: one answer would be shown as given")

    @property
    def ids(self) -> tuple[str, ...]:
        """The questions' ids, in order."""
        return tuple(q.id for q in self.questions)


#: The form a group has unless its group file says otherwise.
DEFAULT_FEEDBACK_FORM = FeedbackForm(("felt-safe", "felt-heard", "time-fair"))


def check_answers(form: FeedbackForm, answers: Mapping[str, Any]) -> dict[str, int]:
    """Check one person's answers against a form.

    Args:
        form: The form answered.
        answers: Question id mapped to a whole number from 0 to 10; questions
            may be skipped, but at least one must be answered.

    Returns:
        The answers as a plain dict.

    Raises:
        ValueError: Naming the question and the problem (unknown question, not
            a whole number from 0 to 10, nothing answered).
    """
    if not isinstance(answers, Mapping) or not answers:
        raise ValueError("answer at least one question (a mapping of question id to 0-10)")
    checked = {}
    for question, score in answers.items():
        if question not in form.ids:
            raise ValueError(f"{brief(question)} is not a question of the form {list(form.ids)}")
        if isinstance(score, bool) or not isinstance(score, int) or score not in SCALE:
            raise ValueError(f"the answer to {question!r} must be a whole number from 0 to 10")
        checked[question] = int(score)
    return checked


@attrs.frozen
class QuestionResult:
    """What may be shown of one question's answers in one session.

    Attributes:
        question: The question.
        answers: How many people answered it.
        shown: Whether at least ``min_answers`` did, so the results are shown.
        mean: The mean score, or ``None`` when not shown.
        distribution: How many answered 0, 1, ... 10, or ``None`` when not shown.
    """

    question: FeedbackQuestion
    answers: int
    shown: bool
    mean: float | None
    distribution: tuple[int, ...] | None


@attrs.frozen
class FeedbackResult:
    """The feedback of one session, k-anonymous.

    Attributes:
        session_id: The session.
        respondents: How many people answered (at least one question).
        min_answers: The k it was shown with.
        questions: One result per question of the form, in order.
    """

    session_id: str
    respondents: int
    min_answers: int
    questions: tuple[QuestionResult, ...]

    def mean(self, question_id: str) -> float | None:
        """The mean score of a question, or ``None`` if not shown.

        Raises:
            KeyError: If the form has no such question.
        """
        for result in self.questions:
            if result.question.id == question_id:
                return result.mean
        raise KeyError(question_id)


def summarize(
    session_id: str,
    form: FeedbackForm,
    respondents: int,
    counts: Mapping[tuple[str, int], int],
) -> FeedbackResult:
    """The k-anonymous result of stored counts: nothing of a question below ``min_answers``.

    Args:
        session_id: The session.
        form: The group's form for the session.
        respondents: How many people answered.
        counts: ``(question id, score)`` mapped to how many gave that score.
    """
    results = []
    for question in form.questions:
        dist = tuple(int(counts.get((question.id, score), 0)) for score in SCALE)
        answers = sum(dist)
        shown = answers >= form.min_answers
        mean = sum(s * n for s, n in zip(SCALE, dist, strict=True)) / answers if shown else None
        results.append(QuestionResult(question, answers, shown, mean, dist if shown else None))
    return FeedbackResult(session_id, respondents, form.min_answers, tuple(results))


def form_to_json(form: FeedbackForm) -> dict[str, Any]:
    """The form as the group file writes it (a built-in question by its id alone)."""
    questions: list[Any] = [
        q.id if QUESTIONS.get(q.id) == q.text else {"id": q.id, "text": q.text}
        for q in form.questions
    ]
    return {"questions": questions, "min_answers": form.min_answers}


def form_from_json(value: Any) -> FeedbackForm:
    """Read a form from the group file's ``"feedback"`` object.

    Raises:
        ValueError: Naming the problem (the caller adds the file and field).
    """
    if not isinstance(value, dict) or not set(value) <= {"questions", "min_answers"}:
        raise ValueError(
            f"expected an object with 'questions' and optionally 'min_answers', got {brief(value)}"
        )
    items = value.get("questions")
    if not isinstance(items, list):
        raise ValueError(f"questions must be a list, got {brief(items)}")
    questions: list[FeedbackQuestion | str] = []
    for index, item in enumerate(items):
        if isinstance(item, dict) and set(item) == {"id", "text"}:
            questions.append(FeedbackQuestion(item["id"], item["text"]))
        elif isinstance(item, str):
            questions.append(item)
        else:
            raise ValueError(
                f"questions[{index}] must be a built-in question id or "
                f'{{"id": ..., "text": ...}}, got {brief(item)}'
            )
    return FeedbackForm(questions, value.get("min_answers", 5))
