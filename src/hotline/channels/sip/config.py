"""The voice gateway's own configuration file (gateway.yaml) and the IVR flow it names.

Agents' phone addresses live here, not in the center configuration: which desk phone or
softphone an agent uses is a fact about the telephony installation, and the core never needs it.

Paths: `ivr` and prompt `file:` entries are relative to the file that names them;
`prompts_dir` and `recordings_dir` are relative to the working directory (like `var/hotline.db`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hotline.channels.sip.link import busy_ports, phone_uri
from hotline.ivr import Flow, FlowError, PromptSpec, parse_flow

__all__ = ["busy_ports"]  # moved to link.py (workers import no pydantic); kept importable

HERE = Path(__file__).parent
DEMO_GATEWAY = HERE / "demo_gateway.yaml"
# The PyPI pjsua2-python wheel is compiled with PJSUA_MAX_CALLS=4: a 5th leg gets 486 Busy.
WHEEL_MAX_LEGS = 4


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CoreConfig(Strict):
    url: str = "http://127.0.0.1:8000"
    username: str = "channel"
    password: str | None = None
    password_env: str = "HOTLINE_CHANNEL_PASSWORD"

    def secret(self) -> str:
        value = os.environ.get(self.password_env) or self.password
        if not value:
            raise GatewayConfigError(f"core.password: set it or the {self.password_env} variable")
        return value


class SipConfig(Strict):
    address: str = "127.0.0.1"  # SIP and RTP bind here and advertise it in SDP
    port: int = Field(default=5060, ge=1, le=65535)
    # Worker i takes RTP ports [rtp_port + i*rtp_port_range, … + rtp_port_range): the one place
    # the ranges are set. 42000 stays clear of the usual softphone / PBX ranges (10000-20000,
    # 16384-32768, 7078-…), which the old default 20000 sat in.
    rtp_port: int = Field(default=42000, ge=1024, le=65000)
    rtp_port_range: int = Field(default=40, ge=8, le=2000)  # per worker
    max_call_legs: int = Field(default=WHEEL_MAX_LEGS, ge=2)
    log_level: int = Field(default=1, ge=0, le=6)
    # A leg that sends no RTP for this long is dead (caller vanished without BYE): hang it up.
    # 0 turns the check off (for peers that suppress silence without comfort noise).
    rtp_timeout_s: float = Field(default=30.0, ge=0)
    # RFC 4028 session timers; pjsip refuses intervals under 90 s (422) as the RFC says.
    session_timer: Literal["off", "optional", "required", "always"] = "optional"
    session_expires_s: int = Field(default=600, ge=90, le=86400)


class FrontConfig(Strict):
    """Kamailio dispatcher in front of several workers (used when `workers` > 1)."""

    kamailio: str = "kamailio"
    worker_port: int = Field(default=5100, ge=1, le=65000)  # workers use worker_port+1…+N
    run_dir: str = "var/voice/kamailio"


class RegistrarConfig(Strict):
    """Kamailio as registrar for agents' desk phones (`hotline.channels.sip.registrar`).

    Off by default: then only the static `agents:` URIs ring. On, an agent without a static
    URI is rung at whatever phone registered as them (digest auth against the HA1 the core
    keeps)."""

    enabled: bool = False
    port: int = Field(default=5070, ge=1, le=65535)
    realm: str = Field(default="hotline", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9.\-]+$")
    max_expires_s: int = Field(default=300, ge=30, le=86400)
    sync_s: float = Field(default=2.0, gt=0, le=300)  # how soon a password/disable takes effect
    run_dir: str = "var/voice/registrar"


class SoftphoneConfig(Strict):
    """The browser softphone (`hotline.channels.sip.softphone`): the registrar's Kamailio also
    takes SIP over secure WebSocket, and rtpengine turns the browser's DTLS-SRTP/ICE media into
    plain RTP for the media workers. Needs `registrar.enabled` (browsers register there).

    `url` is what browsers connect to (default `wss://<sip.address>:<wss_port>`); it differs
    from the bind address behind a proxy or with a real host name on the certificate.
    `cert`/`key`: PEM files; missing ones are made self-signed at start (`hotline voice cert`
    makes them ahead of time; README says how to install a real one)."""

    enabled: bool = False
    wss_port: int = Field(default=5071, ge=1, le=65535)
    url: str | None = Field(default=None, pattern=r"^wss://[^\s/]+(/\S*)?$")
    cert: str = "var/voice/tls/softphone.crt"
    key: str = "var/voice/tls/softphone.key"
    rtpengine: str = "rtpengine"
    ng_port: int = Field(default=22222, ge=1, le=65535)  # rtpengine's control port (loopback)
    rtp_port_min: int = Field(default=44000, ge=1024, le=65000)
    rtp_port_max: int = Field(default=44999, ge=1024, le=65535)
    # pcma: the browser speaks PCMA, rtpengine only (de)crypts; opus: the browser side is
    # Opus and rtpengine transcodes it to the worker's PCMA (costs CPU, see bench/softphone.py)
    codec: Literal["pcma", "opus"] = "pcma"

    def browser_url(self, address: str) -> str:
        return self.url or f"wss://{address}:{self.wss_port}"

    @model_validator(mode="after")
    def _range(self) -> SoftphoneConfig:
        if self.rtp_port_max - self.rtp_port_min < 10:
            raise ValueError("softphone.rtp_port_max: give rtpengine at least 10 ports")
        return self


class CallbacksConfig(Strict):
    """Dialling out the core's callback tasks (off by default: agents call back by hand).

    `trunks` maps a number prefix to the SIP URI template the number is dialled at ("" is the
    default; the longest matching prefix wins: mobile and local numbers may leave by different
    carriers). `caller_id` is the number this center shows to the customer (the hotline's own
    number, so a customer who misses the call can call back). A customer leg that answers and
    hangs up within `short_answer_s` was an answering machine or a reflex: not reached."""

    enabled: bool = False
    trunks: dict[str, str] = Field(default_factory=dict)
    caller_id: str = Field(default="966666", pattern=r"^\+?[0-9]{3,20}$")
    no_answer_s: float = Field(default=30.0, gt=0, le=300)
    short_answer_s: float = Field(default=4.0, ge=0, le=60)

    @model_validator(mode="after")
    def _templates(self) -> CallbacksConfig:
        if self.enabled and not self.trunks:
            raise ValueError("callbacks.trunks: give at least one, e.g. {'': 'sip:{number}@gw'}")
        for prefix, uri in self.trunks.items():
            if not uri.startswith("sip:") or "{number}" not in uri:
                raise ValueError(f"callbacks.trunks[{prefix!r}]: expected sip:...{{number}}...")
        return self


class ControlConfig(Strict):
    """Call control: consult/conference legs, blind transfer out, supervisor monitoring.

    A consult, a conference, an outside transfer or a supervisor listening in is one more leg
    in the worker that holds the call (the bridge is pjsua's in-process conference bridge),
    and the PyPI wheel allows 4 legs a process. `reserve_legs` keeps legs free for that: the
    worker then admits (max_call_legs - reserve_legs) // 2 callers. The default 0 keeps 2
    callers a worker (the node's capacity): a third leg is then taken only when the worker
    has one free (its other caller is not bridged), else the consult fails with no_slot and
    the specialist is freed; a worker using a third leg refuses new callers (486) until it
    is free again. Set 1 (one caller a worker, room for consult + supervisor) where every
    call must be consultable, or build pjsua2 with more calls and raise max_call_legs.

    `transfer_trunks` maps number prefixes to SIP URI templates, as callback trunks do: an
    outside number no prefix matches is refused by the gateway (empty: no transfer out).
    `supervisors` maps a supervisor's login to the phone dialled when they monitor a call.
    """

    reserve_legs: int = Field(default=0, ge=0, le=2)
    transfer_trunks: dict[str, str] = Field(default_factory=dict)
    caller_id: str = Field(default="966666", pattern=r"^\+?[0-9]{3,20}$")
    no_answer_s: float = Field(default=30.0, gt=0, le=300)
    supervisors: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _templates(self) -> ControlConfig:
        for prefix, uri in self.transfer_trunks.items():
            if not uri.startswith("sip:") or "{number}" not in uri:
                raise ValueError(f"control.transfer_trunks[{prefix!r}]: expected sip:...{{number}}")
        for who, uri in self.supervisors.items():
            if not uri.startswith("sip:"):
                raise ValueError(f"control.supervisors[{who!r}]: expected a sip: URI")
        return self


class GatewayConfig(Strict):
    core: CoreConfig = CoreConfig()
    sip: SipConfig = SipConfig()
    workers: int = Field(default=1, ge=1, le=500)
    front: FrontConfig = FrontConfig()
    registrar: RegistrarConfig = RegistrarConfig()
    softphone: SoftphoneConfig = SoftphoneConfig()
    callbacks: CallbacksConfig = CallbacksConfig()
    control: ControlConfig = ControlConfig()
    ivr: str = "demo_ivr.yaml"
    prompts_dir: str = "var/voice/prompts"
    recordings_dir: str = "var/voice/recordings"
    # "stereo": one <id>.wav per call, caller left, agent side right; "legs": two mono WAVs
    recording: Literal["legs", "stereo"] = "legs"
    state_dir: str = "var/voice/state"  # each worker's ledger of live calls (for a restart)
    agents: dict[str, str] = Field(default_factory=dict)  # agent id -> SIP URI of the phone
    # Dialled numbers (Request-URI user parts) this IVR answers; others get 404. Empty = any.
    numbers: list[str] = Field(default_factory=lambda: ["966666"])
    ring_grace_s: float = Field(default=3.0, ge=0)  # hang up a phone this long after expiry
    source: str = Field(default="gateway.yaml", exclude=True)
    base_dir: str = Field(default=".", exclude=True)

    def ivr_path(self) -> Path:
        return (Path(self.base_dir) / self.ivr).resolve()

    def phone_uri(self, agent_id: str) -> str | None:
        """Where to ring `agent_id`: the static URI if one is set, else through the registrar
        (which looks up the registered contact), else nowhere."""
        port = self.registrar.port if self.registrar.enabled else None
        return phone_uri(self.agents, agent_id, self.sip.address, port)

    def callers_per_worker(self) -> int:
        """Each caller keeps a slot free for its agent leg, so a worker admits legs // 2
        (less the legs kept for call control, `control.reserve_legs`)."""
        return max(1, (self.sip.max_call_legs - self.control.reserve_legs) // 2)

    def sip_ports(self) -> list[int]:
        """The front's port and, in a pool, each worker's own SIP port."""
        if self.workers == 1:
            return [self.sip.port, *self._registrar_port()]
        base = self.front.worker_port
        ports = [self.sip.port, *range(base + 1, base + 1 + self.workers)]
        return [*ports, *self._registrar_port()]

    def _registrar_port(self) -> list[int]:
        return [self.registrar.port] if self.registrar.enabled else []

    @model_validator(mode="after")
    def _softphone(self) -> GatewayConfig:
        """Browsers register at the registrar, and rtpengine's ports stay off the workers'."""
        sp = self.softphone
        if not sp.enabled:
            return self
        if not self.registrar.enabled:
            raise ValueError("softphone.enabled: needs registrar.enabled (browsers register there)")
        rtpe = range(sp.rtp_port_min, sp.rtp_port_max + 1)
        for r in self.rtp_ranges():
            if r.start < rtpe.stop and rtpe.start < r.stop:
                raise ValueError(
                    f"softphone.rtp_port_min: rtpengine's ports {sp.rtp_port_min}-"
                    f"{sp.rtp_port_max} overlap the workers' RTP ports {r.start}-{r.stop - 1}"
                )
        return self

    def rtp_ranges(self) -> list[range]:
        """Each worker's RTP ports, in worker order."""
        s = self.sip
        return [
            range(s.rtp_port + i * s.rtp_port_range, s.rtp_port + (i + 1) * s.rtp_port_range)
            for i in range(self.workers)
        ]

    @model_validator(mode="after")
    def _ports_apart(self) -> GatewayConfig:
        """RTP ranges must fit below 65536 and never cover a SIP port (checked at start)."""
        last = self.sip.rtp_port + self.workers * self.sip.rtp_port_range - 1
        if last > 65535:
            raise ValueError(
                f"sip.rtp_port: {self.workers} workers x {self.sip.rtp_port_range} RTP ports "
                f"from {self.sip.rtp_port} end at {last}, above 65535"
            )
        for port in self.sip_ports():
            if self.sip.rtp_port <= port <= last:
                raise ValueError(
                    f"sip.rtp_port: the RTP ports {self.sip.rtp_port}-{last} cover SIP port {port}"
                )
        return self


class GatewayConfigError(ValueError):
    """The gateway file is wrong; the message names the file and the field."""


def load_gateway_config(path: str | Path | None = None, **overrides: Any) -> GatewayConfig:
    """Read gateway.yaml (the demo one by default); `overrides` replace top-level keys."""
    path = Path(path) if path else DEMO_GATEWAY
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise GatewayConfigError(f"{path}: {exc}") from exc
    data.update(overrides)
    data["source"], data["base_dir"] = str(path), str(path.parent.resolve())
    try:
        return GatewayConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        msg = first["msg"].removeprefix("Value error, ")
        raise GatewayConfigError(f"{path}: {where + ': ' if where else ''}{msg}") from exc


def prompt_file(flow_path: Path, spec: PromptSpec) -> Path | None:
    """Absolute path of a `file:` prompt (relative to the flow file), else None."""
    return (flow_path.parent / spec.file).resolve() if spec.file else None


def load_flow_file(path: Path) -> Flow:
    """Parse and validate an IVR flow file; prompt files must exist next to it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FlowError(str(path), [str(exc)]) from exc

    def exists(spec: PromptSpec) -> bool:
        file = prompt_file(path, spec)
        return file is None or file.is_file()

    return parse_flow(data, source=str(path), prompt_exists=exists)
