"""The browser softphone's server side: SIP over secure WebSocket and rtpengine for its media.

Agents' browsers register with the registrar's Kamailio (`registrar.py`) like desk phones, but
over WSS (`tls` + `xhttp` + `websocket` modules) with the same per-agent digest credentials. A
browser speaks WebRTC media only: ICE, DTLS-SRTP, RTCP multiplexed on one port. The pjsua2 media
workers speak plain RTP/AVP. So when the registrar relays a worker's INVITE to a WebSocket
contact it asks rtpengine (`rtpengine_offer`) to rewrite the SDP towards the browser (ICE forced,
DTLS, `UDP/TLS/RTP/SAVPF`, rtcp-mux), and the browser's answer back to plain RTP towards the
worker (`rtpengine_answer`, ICE removed, `RTP/AVP`). rtpengine then relays the media itself,
in userspace (`table = -1`: no kernel module needed).

Why rtpengine and not the workers doing WebRTC: pjsua2-python has no DTLS-SRTP/ICE build here,
and headless Chromium did not complete DTLS with aiortc (sip-test-peers notes); rtpengine is
the standard open-source piece for exactly this conversion.

Everything here is generated from gateway.yaml (`softphone:`), started by the registrar
process, bound to `sip.address`: no hand setup.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from hotline.channels.sip.config import GatewayConfig

log = logging.getLogger(__name__)

GLOBALS = """listen=tls:{address}:{wss_port}
enable_tls=yes
tcp_accept_no_cl=yes
tcp_connection_lifetime=3605
"""

MODULES = """loadmodule "tls.so"
loadmodule "xhttp.so"
loadmodule "websocket.so"
loadmodule "nathelper.so"
loadmodule "rtpengine.so"
modparam("tls", "certificate", "{cert}")
modparam("tls", "private_key", "{key}")
modparam("tls", "tls_method", "TLSv1.2+")
modparam("tls", "verify_certificate", 0)
modparam("tls", "require_certificate", 0)
modparam("websocket", "keepalive_mechanism", 1)
modparam("websocket", "keepalive_timeout", 20)
modparam("websocket", "keepalive_interval", 1)
modparam("nathelper|registrar", "received_avp", "$avp(RECEIVED)")
modparam("rtpengine", "rtpengine_sock", "udp:{address}:{ng_port}")
"""

# Runs first in request_route: requests that came over a WebSocket. A browser's Contact is a
# made-up `*.invalid` host: REGISTER stores the connection it came from (`received`), other
# requests get an `alias` so later requests find the connection again.
REQUEST = """    if (nat_uac_test("64")) {{
        force_rport();
        if (is_method("REGISTER")) {{ fix_nated_register(); }}
        else if (is_method("INVITE") && !has_totag()) {{
            sl_send_reply("403", "Softphones only answer");
            exit;
        }}
        else {{ add_contact_alias(); }}
    }}
"""

# In-dialog requests after loose_route(): to a browser over its connection, media re-offered.
DIALOG = """        if ($ru =~ "alias=") {{ handle_ruri_alias(); }}
        if (is_method("BYE")) {{ rtpengine_delete(); }}
        if (is_method("INVITE") && has_body("application/sdp")) {{
            if ($du =~ "transport=ws" || $ru =~ "transport=ws") {{
                setbflag(5);
                rtpengine_offer("{to_browser}");
            }} else if (nat_uac_test("64")) {{
                setbflag(6);
                rtpengine_offer("{to_worker}");
            }}
            t_on_reply("SOFTPHONE");
        }}
"""

# After lookup("location") of a worker's INVITE: each branch to a browser gets WebRTC SDP.
INVITE = """    t_on_branch("SOFTPHONE");
    t_on_reply("SOFTPHONE");
    t_on_failure("SOFTPHONE");
"""

ROUTES = """
branch_route[SOFTPHONE] {{
    if ($du =~ "transport=ws" || $ru =~ "transport=ws") {{
        setbflag(5);
        rtpengine_offer("{to_browser}");
    }}
}}

onreply_route[SOFTPHONE] {{
    if (nat_uac_test("64")) {{
        add_contact_alias();
        if (has_body("application/sdp")) {{ rtpengine_answer("{to_worker}"); }}
    }} else if (isbflagset(6) && has_body("application/sdp")) {{
        rtpengine_answer("{to_browser}");
    }}
}}

failure_route[SOFTPHONE] {{
    if (isbflagset(5)) {{ rtpengine_delete(); }}
}}

event_route[xhttp:request] {{
    set_reply_close();
    set_reply_no_connect();
    if ($Rp != {wss_port}) {{ xhttp_reply("403", "Forbidden", "", ""); exit; }}
    if ($hdr(Upgrade) =~ "websocket" && $hdr(Connection) =~ "Upgrade" && $rm =~ "GET") {{
        if (ws_handle_handshake()) {{ exit; }}
    }}
    # A browser that does not trust the certificate yet is sent here once to accept it.
    xhttp_reply("200", "OK", "text/html", "{accepted}");
}}
"""

# rtpengine flags (its ng protocol, as the Kamailio module spells them).
SAME = "SDES-off replace-origin replace-session-connection"
TO_BROWSER = f"ICE=force DTLS=passive UDP/TLS/RTP/SAVPF rtcp-mux-offer rtcp-mux-require {SAME}"
TO_WORKER = f"ICE=remove RTP/AVP rtcp-mux-demux DTLS=off {SAME}"
ACCEPTED = (
    "<!doctype html><title>hotline softphone</title><p>The softphone's certificate is "
    "accepted. Close this tab and reload the agent desk."
)
OPUS = " codec-mask=all codec-transcode=opus codec-transcode=telephone-event"


def cfg_parts(config: GatewayConfig, run_dir: Path) -> dict[str, str]:
    """The pieces `registrar.REGISTRAR_CFG` takes (all empty with the softphone off)."""
    sp = config.softphone
    if not sp.enabled:
        return {
            "sp_globals": "",
            "sp_modules": "",
            "sp_request": "",
            "sp_invite": "",
            "sp_dialog": "",
            "sp_routes": "",
        }
    cert, key = certificate_paths(config)
    to_browser = TO_BROWSER + (OPUS if sp.codec == "opus" else "")
    fmt = {
        "address": config.sip.address,
        "wss_port": sp.wss_port,
        "cert": cert,
        "key": key,
        "ng_port": sp.ng_port,
        "to_browser": to_browser,
        "to_worker": TO_WORKER,
        "accepted": ACCEPTED,
    }
    return {
        "sp_globals": GLOBALS.format(**fmt),
        "sp_modules": MODULES.format(**fmt),
        "sp_request": REQUEST.format(**fmt),
        "sp_dialog": DIALOG.format(**fmt),
        "sp_invite": INVITE,
        "sp_routes": ROUTES.format(**fmt),
    }


def prepare(config: GatewayConfig, run_dir: Path) -> Rtpengine | None:
    """With the softphone on: the TLS certificate (self-signed if none yet) and rtpengine's
    config file; returns the (not yet started) rtpengine, or None with the softphone off."""
    if not config.softphone.enabled:
        return None
    ensure_certificate(*certificate_paths(config), [config.sip.address])
    run_dir.mkdir(parents=True, exist_ok=True)
    return Rtpengine(config, run_dir)


def browser_url(config: GatewayConfig) -> str | None:
    """The WSS URL browsers register at (reported to the core), or None."""
    sp = config.softphone
    return sp.browser_url(config.sip.address) if sp.enabled else None


def certificate_paths(config: GatewayConfig) -> tuple[Path, Path]:
    sp = config.softphone
    return Path(sp.cert).resolve(), Path(sp.key).resolve()


def ensure_certificate(cert: Path, key: Path, hosts: list[str]) -> bool:
    """Make a self-signed certificate (10 years, RSA 2048) unless both files exist.

    Returns whether one was made. Browsers do not trust it: an agent opens the WSS URL once
    and accepts it, or the admin installs a real certificate at the same paths."""
    if cert.exists() and key.exists():
        return False
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("softphone: openssl is needed to make the TLS certificate")
    cert.parent.mkdir(parents=True, exist_ok=True)
    key.parent.mkdir(parents=True, exist_ok=True)
    alt = ",".join(f"IP:{h}" if h.replace(".", "").isdigit() else f"DNS:{h}" for h in hosts)
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "3650",
            "-subj",
            "/CN=hotline softphone",
            "-addext",
            f"subjectAltName={alt}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    key.chmod(0o600)
    log.info("softphone: self-signed certificate made at %s", cert)
    return True


RTPENGINE_CONF = """# generated by hotline: media relay for the browser softphone (userspace only)
[rtpengine]
table = -1
interface = {address}
listen-ng = {address}:{ng_port}
port-min = {port_min}
port-max = {port_max}
foreground = true
log-stderr = true
log-level = 5
timeout = 60
silent-timeout = 3600
delete-delay = 0
num-threads = 2
pidfile = {run_dir}/rtpengine.pid
"""


class Rtpengine:
    """rtpengine, run with a config file of our own (never /etc/rtpengine/rtpengine.conf)."""

    def __init__(self, config: GatewayConfig, run_dir: Path) -> None:
        sp = config.softphone
        self.binary = sp.rtpengine
        self.conf = run_dir / "rtpengine.conf"
        self.conf.write_text(
            RTPENGINE_CONF.format(
                address=config.sip.address,
                ng_port=sp.ng_port,
                port_min=sp.rtp_port_min,
                port_max=sp.rtp_port_max,
                run_dir=run_dir,
            )
        )
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        argv = [self.binary, f"--config-file={self.conf}", "--config-section=rtpengine"]
        self.proc = subprocess.Popen(argv)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
