"""Shared fixtures: a group, a manual clock and sessions with everyone arrived and consented."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import peersupport as ps
from people import EVERYONE, T0, make_group

#: Hypothesis profiles: ``ci`` is bounded (the default); ``deep`` runs far more
#: examples for a longer search. Choose with PEERSUPPORT_HYPOTHESIS_PROFILE.
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "deep",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("PEERSUPPORT_HYPOTHESIS_PROFILE", "ci"))


class CrossTalkChart(ps.FormatChart):
    """A format whose working phase allows cross-talk (none of the built-in ones does)."""

    opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
    working = ps.Phase("Working time", policy="popcorn", cross_talk=True)
    closing = ps.Phase("Closing", policy="facilitator-only", final=True)

    advance = opening.to(working) | working.to(closing)


@pytest.fixture
def group() -> ps.Group:
    """The closed test group with a 300 s share limit and a warning at 240 s."""
    return make_group()


@pytest.fixture
def clock() -> ps.ManualClock:
    """A manual clock at T0."""
    return ps.ManualClock(T0)


@pytest.fixture
def circle() -> ps.Format:
    """The built-in sharing circle."""
    return ps.formats.get("sharing-circle")


@pytest.fixture
def popcorn() -> ps.Format:
    """The built-in open (popcorn) sharing format."""
    return ps.formats.get("open-sharing")


@pytest.fixture
def crosstalk() -> ps.Format:
    """A format with a cross-talk phase (opening -> working time -> closing)."""
    return ps.Format.from_chart("working-time", CrossTalkChart)


@pytest.fixture
def make_session(group: ps.Group, clock: ps.ManualClock) -> Callable[..., ps.Session]:
    """Build a session where ``arrive`` arrive (in that order) and ``consent`` consent."""

    def make(
        fmt: str | ps.Format = "sharing-circle",
        *,
        group: ps.Group = group,
        arrive: Iterable[str] = EVERYONE,
        consent: Iterable[str] | None = None,
    ) -> ps.Session:
        fmt = ps.formats.get(fmt) if isinstance(fmt, str) else fmt
        session = ps.Session(group, fmt, clock=clock)
        arrive = tuple(arrive)
        for member in arrive:
            session.arrive(member)
        for member in arrive if consent is None else consent:
            session.consent(member)
        return session

    return make


@pytest.fixture
def session(make_session: Callable[..., ps.Session]) -> ps.Session:
    """A sharing circle in its opening, everyone arrived and consented."""
    return make_session()


@pytest.fixture
def added() -> Iterator[Callable[[object, str], None]]:
    """Add in-process plugins for one test; they are removed afterwards."""
    names: list[str] = []

    def add(plugin: object, name: str) -> None:
        ps.plugins.add(plugin, name)
        names.append(name)

    yield add
    for name in names:
        ps.plugins.remove(name)


def _fresh_postgres_database(name: str) -> str:
    """Create an empty database on the test server; return its URL (skip if no server)."""
    admin = os.environ.get("PEERSUPPORT_POSTGRES_URL")
    if not admin:
        reason = (
            "no PostgreSQL server: set PEERSUPPORT_POSTGRES_URL, e.g. "
            "export PEERSUPPORT_POSTGRES_URL=$(bash scripts/start_postgres.sh /tmp/ps-pg)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    import psycopg

    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin.rsplit("/", 1)[0] + "/" + name


def _drop_postgres_database(url: str) -> None:
    import psycopg

    admin, name = os.environ["PEERSUPPORT_POSTGRES_URL"], url.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where an empty event store lives: an SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "store.db")
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    url = _fresh_postgres_database(f"ps_test_{worker}_{uuid.uuid4().hex[:12]}")
    yield url
    _drop_postgres_database(url)


@pytest.fixture
def store(store_url: str) -> Iterator[ps.store.Store]:
    """An empty event store (each back end in turn)."""
    with ps.store.open_store(store_url) as opened:
        yield opened
