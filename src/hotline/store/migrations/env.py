"""Alembic environment for `hotline.store`.

Run programmatically by `hotline.store.migrate` (no alembic.ini at run time): the caller puts
either an open `Connection` in `config.attributes["connection"]` or a URL in the
`sqlalchemy.url` option. `render_as_batch` lets SQLite, which cannot ALTER most things, get
table-rebuild migrations from the same scripts. To author a new revision from a checkout, use
`hotline.store.migrate.alembic_config(url)` with `alembic.command.revision(..., autogenerate=True)`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from hotline.store.db import make_engine
from hotline.store.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Emit SQL to stdout (`alembic upgrade --sql`) instead of touching a database."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate through the caller's connection, or a tuned engine built from the URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("hotline migrations need a connection or sqlalchemy.url")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _configure(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
