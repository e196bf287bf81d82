"""A durable, append-only event store: SQLite built in, PostgreSQL in an extra.

One API (:class:`Store`), two back ends: :class:`SqliteStore` (the standard
library's sqlite3; a file path, no server) and
:class:`~peersupport.store.postgres.PostgresStore` (SQLAlchemy 2 Core with
psycopg 3; ``pip install 'peersupport[postgres]'``). :func:`open_store` picks
one from a URL.

A store holds groups, a version per change (:meth:`Store.save_group`), sessions
(the group version they ran under, their format and its fingerprint) and their
events. :meth:`Store.append` adds one action's events in one transaction at an
expected length, else raises :class:`~peersupport.errors.StoreConflict`
(optimistic concurrency: several processes may share a store).
:meth:`Store.restore` rebuilds a session by id. Logs go in and out as JSON
Lines, and :func:`recover_jsonl` reads one whose last line a crash cut short.

Nothing a member said is stored: events carry ids, kinds, codes and times only.
"""

from __future__ import annotations

from pathlib import Path

from peersupport.store.agreements import AgreementVersion
from peersupport.store.base import Store
from peersupport.store.jsonl import Cut, Recovery, recover_jsonl
from peersupport.store.rows import SCHEMA_VERSION, GroupRecord, SessionRecord
from peersupport.store.sqlite import SqliteStore

__all__ = [
    "SCHEMA_VERSION",
    "AgreementVersion",
    "Cut",
    "GroupRecord",
    "Recovery",
    "SessionRecord",
    "SqliteStore",
    "Store",
    "open_store",
    "recover_jsonl",
]


def open_store(url: str | Path) -> Store:
    """Open the store a URL or path names.

    Args:
        url: ``postgresql://…`` (or ``postgresql+psycopg://…``) for PostgreSQL;
            ``sqlite:///path/to/file.db``, or a plain path, for SQLite.

    Raises:
        ModuleNotFoundError: For PostgreSQL without the ``postgres`` extra.
    """
    text = str(url)
    if text.startswith(("postgresql", "postgres://")):
        from peersupport.store.postgres import PostgresStore

        return PostgresStore(text)
    return SqliteStore(text.removeprefix("sqlite:///"))
