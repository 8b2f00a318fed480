"""Schema migrations, run from code so an installed package needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from hotline.store.db import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic `Config` pointing at the migrations shipped inside this package.

    `%` is doubled because Alembic options go through `ConfigParser` interpolation and
    percent-encoded passwords / query strings (`options=-csearch_path%3Dx`) contain it.
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        text = url.render_as_string(hide_password=False) if isinstance(url, URL) else url
        cfg.set_main_option("sqlalchemy.url", text.replace("%", "%%"))
    return cfg


def migrate(url: str | URL | Engine, revision: str = "head") -> None:
    """Upgrade the database to `revision` (default: the newest schema). Idempotent.

    Accepts a URL (a short-lived tuned engine is made and disposed) or an existing `Engine`
    (its pool is reused, e.g. so a test's schema-scoped connect args apply).
    """
    engine = url if isinstance(url, Engine) else make_engine(url)
    try:
        with engine.connect() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
    finally:
        if engine is not url:
            engine.dispose()
