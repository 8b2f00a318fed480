"""Options every command shares: where the database is, resolved like the server does."""

from __future__ import annotations

from typing import Annotated

import typer

DbOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="HOTLINE_DATABASE_URL",
        help="SQLAlchemy URL; default: the server's (sqlite:///var/hotline.db)",
    ),
]


def database_url(url: str | None) -> str:
    """`url`, else the server settings' database (one default for the CLI and the server)."""
    from hotline.web.settings import Settings

    return url or Settings().database_url
