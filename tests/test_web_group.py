"""The group's pages over a real server: home (schedule and join), feedback form, attendance."""

from __future__ import annotations

import logging
import re
import sqlite3
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

import peersupport as ps
from peersupport.web import Links
from people import T0
from stored import meet
from web_server import SECRET, room_server

pytestmark = pytest.mark.web

LINKS = Links(SECRET)
#: Distinctive names, so that finding one in a URL, a log or a stored row is no accident.
NAMES = {
    "dee": "Delphine",
    "al": "Alberic",
    "bo": "Bogumila",
    "cy": "Cyprian",
    "nu": "Nuala",
    "ob": "Obadiah",
}
ROLES = {
    "dee": ps.Role.FACILITATOR,
    "al": ps.Role.MEMBER,
    "bo": ps.Role.MEMBER,
    "cy": ps.Role.MEMBER,
    "nu": ps.Role.NEWCOMER,
    "ob": ps.Role.OBSERVER,
}
#: Two questions, results shown from 3 answers on.
FORM = ps.FeedbackForm(
    ("felt-safe", ps.FeedbackQuestion("pace", "The pace was right.")), min_answers=3
)
MEETING = ps.Meeting(
    day=4,
    time="19:00",
    end_time="20:30",
    timezone="Europe/Berlin",
    format="sharing-circle",
    location=ps.Location(name="Neighbourhood centre", address="Main Street 1", city="Leipzig"),
    conference=ps.Conference(url="https://meet.example.org/thursday"),
    open=True,
    types=("D",),
)


def make_group() -> ps.Group:
    """The test group's roles, with distinctive names, a weekly meeting and FORM."""
    roles = {ps.Member(m, NAMES[m]): role for m, role in ROLES.items()}
    return ps.Group("Thursday circle", roles, meetings=(MEETING,), feedback=FORM)


def fetch(url: str, data: bytes | None = None) -> tuple[int, str]:
    """Status and body of a GET (or a form POST with ``data``)."""
    try:
        with urllib.request.urlopen(url, data=data, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def home(base: str, member: str, group: str = "g") -> str:
    """``member``'s home page of ``group``."""
    return f"{base}/g/{group}/{LINKS.token(f'group:{group}', member)}"


def room(base: str, sid: str, member: str) -> str:
    """``member``'s room link of session ``sid``."""
    return f"{base}/s/{sid}/{LINKS.token(f'session:{sid}', member)}"


def feedback(base: str, sid: str, member: str) -> str:
    """``member``'s feedback form of session ``sid``."""
    return room(base, sid, member) + "/feedback"


def hrefs(page: str) -> list[str]:
    """Every link target of a page."""
    return re.findall(r'href="([^"]*)"', page)


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[str, ps.store.SqliteStore]]:
    """A server over a store with the group 'g' and its sessions.

    s1 (ended): dee, al, bo, cy and nu attended; s2 (ended): dee, al, bo, nu; s3
    (running): dee, al and nu have arrived. Cy missed s2 and s3.
    """
    store = ps.store.SqliteStore(tmp_path / "room.db")
    group = make_group()
    store.save_group("g", group)
    clock = ps.ManualClock(T0)
    meet(store, "s1", group, clock, ("dee", "al", "bo", "cy", "nu"))
    meet(store, "s2", group, clock, ("dee", "al", "bo", "nu"))
    meet(store, "s3", group, clock, ("dee", "al", "nu"), end=False)
    with room_server(store) as base:
        yield base, store
    store.close()


def answer(base: str, sid: str, member: str, body: str) -> tuple[int, str]:
    """Post a feedback form."""
    return fetch(feedback(base, sid, member), body.encode())


class TestHome:
    """Every member's home page: the schedule, joining, feedback to give."""

    def test_a_member_sees_the_schedule(self, served):
        """The weekly meeting: day name, times with timezone, setting, where, link, format."""
        base, _store = served
        status, page = fetch(home(base, "al"))
        assert status == 200
        assert "Thursday circle" in page
        assert 'Welcome, <span id="me">Alberic</span>' in page
        for shown in (
            "Thursdays, 19:00\N{EN DASH}20:30",
            "(Europe/Berlin)",
            "Hybrid: in person and online",
            "Neighbourhood centre, Main Street 1, Leipzig",
            'href="https://meet.example.org/thursday"',
            "Sharing circle",
            "open: anyone interested may come",
            "Discussion",
        ):
            assert shown in page, shown

    def test_a_member_joins_the_running_session_with_their_own_link(self, served):
        """The running session's Join link is the member's own room link, and it opens."""
        base, _store = served
        _status, page = fetch(home(base, "al"))
        joins = re.findall(r'<a class="join button" href="([^"]+)"', page)
        assert joins == [room(base, "s3", "al")]
        assert fetch(joins[0])[0] == 200

    def test_feedback_is_offered_for_ended_sessions_attended_and_not_answered(self, served):
        """Al attended s1 and s2; after answering s2's form only s1's is offered."""
        base, store = served
        offered = re.findall(r'class="give-feedback" href="([^"]+)"', fetch(home(base, "al"))[1])
        assert offered == [feedback(base, "s2", "al"), feedback(base, "s1", "al")]
        store.give_feedback("s2", "al", {"felt-safe": 7})
        offered = re.findall(r'class="give-feedback" href="([^"]+)"', fetch(home(base, "al"))[1])
        assert offered == [feedback(base, "s1", "al")]
        cy_page = fetch(home(base, "cy"))[1]  # cy came to s1 only
        assert re.findall(r'class="give-feedback" href="([^"]+)"', cy_page) == [
            feedback(base, "s1", "cy")
        ]
        assert "give-feedback" not in fetch(home(base, "ob"))[1]  # ob never came

    def test_a_member_sees_nothing_of_the_facilitators(self, served):
        """No start form, no attendance link, nobody else's link."""
        base, _store = served
        _status, page = fetch(home(base, "al"))
        assert "Start a session" not in page
        assert "/attendance" not in page
        assert LINKS.token("group:g", "bo") not in page
        assert "Bogumila" not in page

    def test_a_facilitator_also_runs_the_group_from_it(self, served):
        """Start a session, past sessions' join links, attendance, everyone's home link."""
        base, _store = served
        status, page = fetch(home(base, "dee"))
        assert status == 200
        assert 'id="start-session"' in page
        assert home(base, "dee") + "/attendance" in page
        for member in ROLES:
            assert f'href="{home(base, member)}"' in page
        for sid in ("s1", "s2", "s3"):
            assert f'href="{room(base, sid, "dee")}/links"' in page

    def test_a_member_may_not_start_a_session(self, served):
        """Only a facilitator's POST starts one, of an installed format."""
        base, store = served
        assert fetch(home(base, "al"), b"format=sharing-circle")[0] == 403
        status, page = fetch(home(base, "dee"), b"format=%3Cb%3Enope")
        assert (status, page) == (400, "unknown format '<b>nope'")  # as plain text, not HTML
        assert len(store.sessions("g")) == 3

    def test_altered_and_foreign_links_get_403(self, served):
        """A changed tag or id, another scope's token, a non-member, an unknown group."""
        base, _store = served
        good = home(base, "al")
        for bad in (
            good + "x",
            good.replace("/al.", "/bo."),
            f"{base}/g/g/{LINKS.token('session:s3', 'al')}",
            home(base, "zed"),  # well signed, not in the group
            home(base, "al", group="nope"),
            f"{base}/g/g/al",
        ):
            status, page = fetch(bad)
            assert status == 403, bad
            assert "This link is not valid" in page

    def test_names_are_in_pages_but_never_in_urls(self, served):
        """Every link of the facilitator's pages is free of names."""
        base, _store = served
        pages = (home(base, "dee"), home(base, "dee") + "/attendance", feedback(base, "s1", "al"))
        urls = [url for page in pages for url in hrefs(fetch(page)[1])]
        assert urls
        for url in urls:
            assert not [n for n in NAMES.values() if n.lower() in url.lower()], url


class TestFeedback:
    """The feedback form after a session: who may answer, once, with nothing written on refusal."""

    def test_the_form_has_a_0_to_10_choice_and_skip_per_question_and_no_free_text(self, served):
        """Only radio buttons: 11 scores and skip (checked) per question."""
        base, _store = served
        status, page = fetch(feedback(base, "s1", "al"))
        assert status == 200
        assert "The pace was right." in page
        inputs = re.findall(r"<input\b[^>]*>", page)
        assert inputs
        assert all('type="radio"' in tag for tag in inputs)
        for question in FORM.ids:
            values = re.findall(rf'name="{question}" value="([^"]+)"', page)
            assert values == [*map(str, range(11)), "skip"]
        assert "<textarea" not in page.lower()
        assert "contenteditable" not in page.lower()
        assert not re.search(r'<input\b(?![^>]*type="radio")', page)

    def test_an_answer_is_stored_exactly_once(self, served):
        """The first POST is thanked and counted; a second is refused and changes nothing."""
        base, store = served
        status, page = answer(base, "s1", "al", "felt-safe=8&pace=skip")
        assert status == 200
        assert "Thank you" in page
        assert store.answered("s1", "al")
        before = store.feedback("s1")
        assert before.respondents == 1
        assert [q.answers for q in before.questions] == [1, 0]
        status, page = answer(base, "s1", "al", "felt-safe=2&pace=3")
        assert status == 409
        assert "already answered" in page
        assert "Nothing was recorded." in page
        assert store.feedback("s1") == before
        assert fetch(feedback(base, "s1", "al"))[0] == 409  # the form is not offered again

    @pytest.mark.parametrize(
        ("sid", "member", "words"),
        [
            ("s3", "al", "has not ended yet"),
            ("s2", "cy", "you did not join it"),
        ],
    )
    def test_a_refused_answer_says_why_and_writes_nothing(self, served, sid, member, words):
        """A running session, or one the member did not attend: 409 on GET and POST."""
        base, store = served
        status, page = fetch(feedback(base, sid, member))
        assert (status, words in page) == (409, True)
        status, page = answer(base, sid, member, "felt-safe=5")
        assert (status, words in page) == (409, True)
        assert not store.answered(sid, member)
        if sid == "s2":
            assert store.feedback(sid).respondents == 0

    @pytest.mark.parametrize(
        "body",
        [
            "felt-safe=11",
            "felt-safe=-1",
            "felt-safe=abc",
            "felt-safe=%EF%BC%95",  # a full-width digit five
            "felt-safe=5&felt-safe=6",
            "unknown=5",
            "felt-safe=skip&pace=skip",
            "",
            "felt-safe=5&" + "x" * 20_000,
        ],
    )
    def test_a_malformed_form_gets_400_and_writes_nothing(self, served, body):
        """Scores outside 0-10, repeated or unknown fields, nothing answered, too long."""
        base, store = served
        status, page = answer(base, "s1", "al", body)
        assert status == 400
        assert "Nothing was recorded." in page or "too long" in page
        assert not store.answered("s1", "al")
        assert store.feedback("s1").respondents == 0

    def test_links_to_the_form_are_checked(self, served):
        """Altered tokens, non-members and unknown sessions get 403, and nothing is stored."""
        base, store = served
        good = feedback(base, "s1", "al")
        for bad in (
            good.replace("/feedback", "x/feedback"),
            good.replace("/al.", "/bo."),
            feedback(base, "s1", "zed"),
            feedback(base, "nope", "al"),
            f"{base}/s/s1/{LINKS.token('group:g', 'al')}/feedback",
        ):
            assert fetch(bad)[0] == 403, bad
            assert fetch(bad, b"felt-safe=5")[0] == 403, bad
        assert store.feedback("s1").respondents == 0

    def test_the_room_links_to_the_form_once_the_session_has_ended(self, served):
        """Server-side: shown after the end, hidden while the session runs."""
        base, _store = served
        ended = fetch(room(base, "s1", "al"))[1]
        assert re.search(r'<p class="card" id="feedback-link">', ended)
        assert f'href="{feedback(base, "s1", "al")}"' in ended
        running = fetch(room(base, "s3", "al"))[1]
        assert re.search(r'<p class="card" id="feedback-link" hidden>', running)

    def test_names_stay_out_of_stored_rows_and_logs(self, served, caplog):
        """After pages are served and answers given, no stored row but the group's has a name."""
        base, store = served
        caplog.set_level(logging.DEBUG)
        for member in ("dee", "al", "bo"):
            assert answer(base, "s1", member, "felt-safe=6&pace=7")[0] == 200
        fetch(home(base, "dee"))
        fetch(home(base, "dee") + "/attendance")
        with sqlite3.connect(store.path) as db:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            assert "ps_feedback_counts" in tables
            for table in tables:
                if table == "ps_groups":  # the group file itself, names and all
                    continue
                text = repr(db.execute(f"SELECT * FROM {table}").fetchall())
                assert not [n for n in NAMES.values() if n in text], table
        assert not [n for n in NAMES.values() if n in caplog.text]


class TestAttendance:
    """The facilitator's attendance view."""

    def test_only_facilitators_see_it(self, served):
        """A member's link, an altered one and a foreign one get 403."""
        base, _store = served
        assert fetch(home(base, "dee") + "/attendance")[0] == 200
        for bad in (
            home(base, "al") + "/attendance",
            home(base, "dee") + "x/attendance",
            home(base, "zed") + "/attendance",
            home(base, "dee", group="nope") + "/attendance",
        ):
            assert fetch(bad)[0] == 403, bad

    def test_sessions_newest_first_with_k_anonymous_feedback(self, served):
        """A question with fewer than k answers shows no mean; one with k shows it."""
        base, store = served
        store.give_feedback("s1", "dee", {"felt-safe": 8, "pace": 4})
        store.give_feedback("s1", "al", {"felt-safe": 6})
        store.give_feedback("s1", "bo", {"felt-safe": 10, "pace": 9})
        status, page = fetch(home(base, "dee") + "/attendance")
        assert status == 200
        rows = re.findall(r'<tr class="session">(.*?)</tr>', page, re.S)
        assert len(rows) == 3
        assert "running now" in rows[0]  # s3
        assert "3 of 6" in rows[0]
        assert "no answers yet" in rows[1]  # s2
        assert "4 of 6" in rows[1]
        s1 = rows[2]
        assert "5 of 6" in s1
        assert '<span class="respondents">3 answered</span>' in s1
        assert '<strong class="mean">8.0</strong>' in s1  # felt-safe: 3 answers
        pace = re.search(r'data-question="pace">(.*?)</li>', s1, re.S)
        assert pace is not None
        assert "fewer than 3 answers" in pace.group(1)
        assert "6.5" not in pace.group(1)  # (4 + 9) / 2 is not shown
        assert 'class="mean"' not in pace.group(1)

    def test_check_in_list_size_and_buddies(self, served):
        """Who missed 2 in a row (by name), the size over time, pairings and who waits."""
        base, store = served
        buddies = ps.Buddies(store, "g")
        buddies.offer("al")
        buddies.request("nu")
        buddies.pair(by="dee")
        buddies.request("bo", needs=("lang-es",))
        _status, page = fetch(home(base, "dee") + "/attendance")
        check_in = re.search(r'<section class="card" id="check-in".*?</section>', page, re.S)
        assert check_in is not None
        assert "Cyprian: missed the last 2 meetings" in check_in.group(0)
        assert "Obadiah: missed the last 3 meetings" in check_in.group(0)
        assert "Alberic:" not in check_in.group(0)
        size = re.search(r'<section class="card" id="size".*?</section>', page, re.S)
        assert size is not None
        cells = re.findall(r"<tr><td>[^<]*</td><td>(\d+)</td><td>(\d+)</td></tr>", size.group(0))
        assert cells == [("6", "5"), ("6", "4"), ("6", "3")]
        assert "Alberic is Nuala's buddy" in page
        assert re.search(r'<li class="waiting">Bogumila \(asked', page)
