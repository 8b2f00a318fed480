"""`hotline voice …`: serve the voice gateway, build its prompts, check its files.

`register(app)` is called by `hotline.cli`; pjsua2 is imported only by `serve`, so the other
commands (and `hotline --help`) work on a machine without the SIP stack.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="gateway YAML; default: the demo gateway (demo_gateway.yaml)"),
]


def _load(config: Path | None):
    from hotline.channels.sip.config import (
        GatewayConfigError,
        load_flow_file,
        load_gateway_config,
    )
    from hotline.ivr import FlowError

    try:
        gateway = load_gateway_config(config)
        flow = load_flow_file(gateway.ivr_path())
    except (GatewayConfigError, FlowError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    return gateway, flow


def register(app: typer.Typer) -> None:
    voice = typer.Typer(help="Voice gateway: SIP calls, IVR, agents' phones.", no_args_is_help=True)

    @voice.command("check")
    def check(config: ConfigOpt = None) -> None:
        """Validate the gateway file and its IVR flow (errors name the node)."""
        gateway, flow = _load(config)
        typer.echo(
            f"ok: flow {flow.name!r}: {len(flow.nodes)} nodes, {len(flow.prompts)} prompts; "
            f"{gateway.workers} worker(s) x {gateway.callers_per_worker()} callers; "
            f"{len(gateway.agents)} agent phones"
        )

    @voice.command("prompts")
    def prompts(config: ConfigOpt = None) -> None:
        """Synthesize the flow's prompts (espeak-ng) as 8 kHz mono WAVs (sox)."""
        from hotline.channels.sip.prompts import PromptBuildError, build_prompts

        gateway, flow = _load(config)
        try:
            built = build_prompts(flow, Path(gateway.prompts_dir), gateway.ivr_path())
        except PromptBuildError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        for p in built.values():
            typer.echo(f"{p.id:<20} {p.duration_s:6.2f} s  {p.path}")

    @voice.command("cert")
    def cert(config: ConfigOpt = None) -> None:
        """Make the softphone's self-signed TLS certificate (softphone.cert/key) if missing."""
        from hotline.channels.sip.softphone import certificate_paths, ensure_certificate

        gateway, _flow = _load(config)
        crt, key = certificate_paths(gateway)
        made = ensure_certificate(crt, key, [gateway.sip.address])
        typer.echo(f"{'made' if made else 'kept'}: {crt} {key}")

    @voice.command("serve")
    def serve(config: ConfigOpt = None) -> None:
        """Answer calls: one media worker, or N behind Kamailio when `workers` > 1."""
        gateway, _flow = _load(config)
        from hotline.channels.sip.worker import setup_logging, standalone

        setup_logging("voice")
        registrar = None
        if gateway.registrar.enabled:  # desk phones register: run the registrar alongside
            import atexit
            import subprocess

            argv = [sys.executable, "-m", "hotline.channels.sip.registrar"]
            registrar = subprocess.Popen([*argv, *(["--config", str(config)] if config else [])])
            atexit.register(registrar.terminate)
        if gateway.workers > 1:
            from hotline.channels.sip.front import serve_pool

            raise typer.Exit(serve_pool(gateway))
        worker = standalone(str(config) if config else None)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: worker.stop.set())
        worker.run(ready=lambda: typer.echo(f"voice gateway ready on {worker.port}"))
        if registrar is not None:
            registrar.terminate()  # os._exit below skips atexit
        sys.stdout.flush()
        os._exit(0)  # after libDestroy, skip pjsua's exit handlers

    app.add_typer(voice, name="voice")
