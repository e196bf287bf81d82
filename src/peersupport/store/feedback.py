"""The store's feedback: answers kept unlinkable to whoever gave them.

Two tables, written in one transaction per answer: ``ps_feedback_given`` says
*that* a member answered a session's form (so nobody answers twice), and
``ps_feedback_counts`` holds *what* was answered only as a count per question
and score, with no member id, no time and no order. Every answer rewrites all
of the session's counts (0 to 10 for every question, created together at the
first answer), so no row shows which counts an answer changed: not its row
order, nor (in PostgreSQL) which transaction last wrote it.

What is left to know is who answered, which the log's attendance mostly tells
anyway. Someone who can watch the database while people answer, or read the
old row versions PostgreSQL keeps until ``VACUUM`` (or the pages a SQLite
file has freed), could still compare counts before and after one answer; see
docs/running-a-group.md.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from contextlib import AbstractContextManager

from peersupport.errors import FeedbackRefused
from peersupport.feedback import SCALE, FeedbackResult, check_answers, summarize
from peersupport.store.rows import Duplicate, GroupRecord, Run, SessionRecord

__all__ = ["Feedback"]


class Feedback(abc.ABC):
    """The feedback half of :class:`~peersupport.store.Store` (mixed into it)."""

    @abc.abstractmethod
    def transaction(self, *, write: bool = True) -> AbstractContextManager[Run]:
        """Open a transaction (see :meth:`Store.transaction`)."""

    @abc.abstractmethod
    def group(self, group_id: str, version: int | None = None) -> GroupRecord:
        """The group's newest version, or the given one (see :meth:`Store.group`)."""

    @abc.abstractmethod
    def session(self, session_id: str) -> SessionRecord:
        """The record of a stored session (see :meth:`Store.session`)."""

    def give_feedback(self, session_id: str, member_id: str, answers: Mapping[str, int]) -> None:
        """Store one attendee's answers to the group's feedback form, once.

        Args:
            session_id: A stored session that has ended.
            member_id: Who answers: someone who arrived in the session.
            answers: Question id mapped to a whole number from 0 to 10 (the
                form of the group version the session ran under; questions may
                be skipped).

        Raises:
            StoreError: If the session is not stored.
            FeedbackRefused: If the session has not ended (rule ``after-the-session``),
                the member did not attend (``attended``), already answered
                (``one-answer-each``) or the answers do not fit the form
                (``feedback-form``). Nothing is written.
        """
        record = self.session(session_id)
        form = self.group(record.group_id, record.group_version).group.feedback

        def refuse(rule: str, reason: str) -> FeedbackRefused:
            return FeedbackRefused(member_id, "give feedback", rule, reason)

        if not record.ended:
            raise refuse("after-the-session", f"session {session_id!r} has not ended yet")
        try:
            checked = check_answers(form, answers)
        except ValueError as exc:
            raise refuse("feedback-form", str(exc)) from None
        try:
            with self.transaction() as run:
                why = _refusal(run, record, member_id)
                if why is not None:
                    raise refuse(*why)
                run(
                    "INSERT INTO ps_feedback_given (session_id, member_id) VALUES (:sid, :m)",
                    {"sid": session_id, "m": member_id},
                )
                for question in form.ids:
                    for score in SCALE:
                        run(
                            "INSERT INTO ps_feedback_counts (session_id, question, score, "
                            "answers) VALUES (:sid, :q, :s, 0) ON CONFLICT DO NOTHING",
                            {"sid": session_id, "q": question, "s": score},
                        )
                cases = " ".join(
                    f"WHEN question = :q{i} AND score = :s{i} THEN 1" for i in range(len(checked))
                )
                params: dict[str, object] = {"sid": session_id}
                for i, (question, score) in enumerate(checked.items()):
                    params[f"q{i}"], params[f"s{i}"] = question, score
                run(
                    f"UPDATE ps_feedback_counts SET answers = answers + CASE {cases} ELSE 0 END "
                    "WHERE session_id = :sid",
                    params,
                )
        except Duplicate:
            raise refuse(
                "one-answer-each", f"they already answered for session {session_id!r}"
            ) from None

    def feedback(self, session_id: str) -> FeedbackResult:
        """The session's feedback, k-anonymous: a question below ``min_answers`` shows nothing.

        Raises:
            StoreError: If the session is not stored.
        """
        record = self.session(session_id)
        form = self.group(record.group_id, record.group_version).group.feedback
        with self.transaction(write=False) as run:
            given = run(
                "SELECT COUNT(*) FROM ps_feedback_given WHERE session_id = :sid",
                {"sid": session_id},
            ).fetchall()
            rows = run(
                "SELECT question, score, answers FROM ps_feedback_counts WHERE session_id = :sid",
                {"sid": session_id},
            ).fetchall()
        counts = {(str(q), int(s)): int(n) for q, s, n in rows}
        return summarize(session_id, form, int(given[0][0]), counts)

    def feedback_refusal(self, session_id: str, member_id: str) -> str | None:
        """The rule that would refuse this member's feedback now, or ``None`` if they may answer.

        The same checks as :meth:`give_feedback` makes of who answers when
        (``after-the-session``, ``attended``, ``one-answer-each``), without the
        answers, writing nothing: an app asks it before showing the form.

        Raises:
            StoreError: If the session is not stored.
        """
        record = self.session(session_id)
        with self.transaction(write=False) as run:
            why = _refusal(run, record, member_id)
        return None if why is None else why[0]

    def answered(self, session_id: str, member_id: str) -> bool:
        """Whether this member has answered the session's feedback form (not what)."""
        with self.transaction(write=False) as run:
            rows = run(
                "SELECT 1 FROM ps_feedback_given WHERE session_id = :sid AND member_id = :m",
                {"sid": session_id, "m": member_id},
            ).fetchall()
        return bool(rows)


def _refusal(run: Run, record: SessionRecord, member_id: str) -> tuple[str, str] | None:
    """Who may answer when, in one place: ``(rule, reason)`` of a refusal, else ``None``."""
    sid = {"sid": record.session_id, "m": member_id}
    if not record.ended:
        return "after-the-session", f"session {record.session_id!r} has not ended yet"
    came = run(
        "SELECT 1 FROM ps_events WHERE session_id = :sid AND kind = 'arrived' "
        "AND member = :m LIMIT 1",
        sid,
    ).fetchall()
    if not came:
        return "attended", f"they did not attend session {record.session_id!r}"
    given = run(
        "SELECT 1 FROM ps_feedback_given WHERE session_id = :sid AND member_id = :m", sid
    ).fetchall()
    if given:  # a second writer at the same moment is stopped by the primary key
        return "one-answer-each", f"they already answered for session {record.session_id!r}"
    return None
