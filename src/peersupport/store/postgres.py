"""The PostgreSQL back end: SQLAlchemy 2 Core over psycopg 3 (the ``postgres`` extra).

Several app processes may serve the same database: an append is one
transaction whose conditional update of the session's length decides which of
two writers wins (the other gets :class:`~peersupport.errors.StoreConflict`).
Commits are durable as the server is configured (``fsync`` and
``synchronous_commit`` on, PostgreSQL's default).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

try:
    import sqlalchemy
    from sqlalchemy import exc as sa_exc
except ModuleNotFoundError as missing:  # pragma: no cover - depends on the install
    raise ModuleNotFoundError(
        "the PostgreSQL store needs the postgres extra: pip install 'peersupport[postgres]'"
    ) from missing

from peersupport.errors import StoreError
from peersupport.store.base import Store
from peersupport.store.rows import Duplicate, Rows, Run

__all__ = ["PostgresStore"]


def engine_url(url: str) -> str:
    """``url`` with the psycopg 3 driver named (``postgresql://`` is taken as psycopg)."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


class PostgresStore(Store):
    """An event store in a PostgreSQL database.

    Args:
        url: A database URL, e.g. ``postgresql://user@localhost:5432/groups``
            (the psycopg 3 driver is used), or an SQLAlchemy ``Engine`` URL.
        **engine_options: Passed to ``sqlalchemy.create_engine`` (e.g. ``pool_size``).

    A store object may be shared by the threads of a process (SQLAlchemy's
    connection pool gives each transaction its own connection).
    """

    schema_lock = "SELECT pg_advisory_xact_lock(7310525)"

    def __init__(self, url: str, **engine_options: Any) -> None:
        self.url = engine_url(url)
        self._engine = sqlalchemy.create_engine(self.url, **engine_options)
        try:
            self._create_tables()
        except sa_exc.OperationalError as exc:
            self._engine.dispose()
            raise StoreError(f"cannot open the PostgreSQL store {self!r}: {exc.orig}") from None
        except BaseException:
            self._engine.dispose()
            raise

    def __repr__(self) -> str:
        return f"PostgresStore({self._engine.url.render_as_string(hide_password=True)!r})"

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Run]:
        """Open a transaction on a pooled connection; commit at the end of the block."""
        del write  # row locks and the conditional update do the work on PostgreSQL
        with self._engine.begin() as connection:

            def run(sql: str, params: dict[str, Any] | None = None, /) -> Rows:
                try:
                    return connection.execute(sqlalchemy.text(sql), params or {})
                except sa_exc.IntegrityError as exc:
                    if getattr(exc.orig, "sqlstate", None) == "23505":  # unique_violation
                        raise Duplicate(str(exc.orig)) from exc
                    raise

            yield run

    def close(self) -> None:
        """Close the pool's connections."""
        self._engine.dispose()
