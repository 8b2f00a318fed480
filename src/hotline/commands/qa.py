"""`hotline qa run|status`: analyse queued recordings and chats from the command line.

`run` scans for new work and drains the queue with up to one worker thread per core (the
server's background loop does the same, one job at a time); `status` shows the queue.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from hotline.commands.options import DbOption
from hotline.commands.options import database_url as resolve_url

console = Console()
qa_app = typer.Typer(
    help="Quality assurance: transcribe and check calls and chats.", no_args_is_help=True
)


def _service(database_url: str | None, asr: bool = True):
    from hotline.services.qa import QaService
    from hotline.store import open_store

    return QaService(open_store(resolve_url(database_url)), asr=asr)


@qa_app.command("run")
def run_command(
    workers: Annotated[int, typer.Option(help="worker threads (at most one per core)")] = 1,
    asr: Annotated[bool, typer.Option(help="transcribe calls (else VAD and chats only)")] = True,
    database_url: DbOption = None,
) -> None:
    """Queue new recordings and ended chats, then analyse everything that is due."""
    from hotline.services.qa import max_workers

    qa = _service(database_url, asr)
    n = qa.drain(workers)
    counts = qa.status()["counts"]
    console.print(
        f"analysed {n} contacts with {max_workers(workers)} worker(s); queue: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
    )


@qa_app.command("status")
def status_command(database_url: DbOption = None) -> None:
    """How many jobs are queued, running (with progress), done and failed."""
    st = _service(database_url, asr=False).status()
    console.print(", ".join(f"{k} {v}" for k, v in st["counts"].items()))
    for r in st["running"]:
        console.print(f"  running {r['contact_id']} on {r['worker']}: {r['progress']:.0%}")
    for r in st["failed"]:
        console.print(f"  failed {r['contact_id']}: {r['error']}")


def register(app: typer.Typer) -> None:
    app.add_typer(qa_app, name="qa")
