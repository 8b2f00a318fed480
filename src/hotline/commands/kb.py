"""`hotline kb import FOLDER|CSV` (and `hotline kb search`); `hotline.cli` calls `register(app)`.

Heavy imports (the store, OpenCC) happen inside the commands, so `hotline --help` stays fast.
A running server picks imported articles up within seconds (it reloads changed articles).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hotline.commands.options import DbOption
from hotline.commands.options import database_url as resolve_url

console = Console()
kb_app = typer.Typer(help="Knowledge base: import and search articles.", no_args_is_help=True)


def _service(database_url: str | None):
    from hotline.kb.service import KbService
    from hotline.store import open_store
    from hotline.store.kb import KbStore

    store = open_store(resolve_url(database_url))
    return KbService(KbStore(store.engine))


@kb_app.command("import")
def import_command(
    source: Annotated[Path, typer.Argument(help="a folder of .md/.txt files, or a Q&A .csv")],
    author: Annotated[str, typer.Option(help="recorded as the author of version 1")] = "import",
    dry_run: Annotated[bool, typer.Option(help="parse and report, store nothing")] = False,
    database_url: DbOption = None,
) -> None:
    """Import articles (each becomes version 1, authored by --author)."""
    from hotline.kb.importer import ImportError_, read_source

    if not source.exists():
        console.print(f"[red]error:[/red] {source}: no such file or folder")
        raise typer.Exit(2)
    try:
        drafts = read_source(source)
    except ImportError_ as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if dry_run:
        console.print(f"{len(drafts)} articles parsed from {source} (dry run, nothing stored)")
        return
    kb = _service(database_url)
    created = kb.import_drafts(drafts, author)
    by_lang: dict[str, int] = {}
    for a in created:
        by_lang[a.language] = by_lang.get(a.language, 0) + 1
    langs = ", ".join(f"{k} {v}" for k, v in sorted(by_lang.items()))
    console.print(f"imported {len(created)} articles from {source} ({langs or 'none'})")


@kb_app.command("search")
def search_command(
    query: str,
    k: int = 5,
    database_url: DbOption = None,
) -> None:
    """Search the knowledge base as agents do (for checking an import)."""
    import re

    kb = _service(database_url)
    kb.load(seed_synonyms=False)
    table = Table("id", "title", "coverage", "snippet")
    for h in kb.search(query, k).hits:
        snippet = re.sub(r"</?mark>", "", h.snippet_html)
        table.add_row(str(h.article.id), h.article.title, f"{h.coverage:.2f}", snippet)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(kb_app, name="kb")
