"""The browser softphone's gateway settings and the Kamailio/rtpengine files made from them."""

import shutil
import subprocess

import pytest

from hotline.channels.sip.config import GatewayConfigError, load_gateway_config
from hotline.channels.sip.registrar import write_registrar
from hotline.channels.sip.softphone import Rtpengine, ensure_certificate


def softphone_config(tmp_path, **softphone):
    return load_gateway_config(
        registrar={"enabled": True, "run_dir": str(tmp_path / "reg")},
        softphone={
            "enabled": True,
            "cert": str(tmp_path / "tls/c.crt"),
            "key": str(tmp_path / "tls/c.key"),
            **softphone,
        },
    )


def test_the_softphone_needs_the_registrar():
    with pytest.raises(GatewayConfigError, match=r"softphone\.enabled: needs registrar\.enabled"):
        load_gateway_config(softphone={"enabled": True})


def test_rtpengine_ports_may_not_overlap_the_workers_rtp_ports():
    with pytest.raises(GatewayConfigError, match="overlap the workers' RTP ports 42000-42039"):
        load_gateway_config(
            registrar={"enabled": True},
            softphone={"enabled": True, "rtp_port_min": 42030, "rtp_port_max": 42100},
        )


def test_the_browser_url_defaults_to_the_sip_address_and_wss_port(tmp_path):
    cfg = softphone_config(tmp_path, wss_port=7443)
    assert cfg.softphone.browser_url(cfg.sip.address) == "wss://127.0.0.1:7443"
    named = softphone_config(tmp_path, url="wss://phone.example.cn/ws")
    assert named.softphone.browser_url("127.0.0.1") == "wss://phone.example.cn/ws"
    with pytest.raises(GatewayConfigError, match=r"softphone\.url"):
        softphone_config(tmp_path, url="ws://plain.example.cn")


def test_off_the_registrar_configuration_has_no_websocket_at_all(tmp_path):
    cfg = load_gateway_config(registrar={"enabled": True, "run_dir": str(tmp_path / "reg")})
    text = write_registrar(cfg).read_text()
    assert "websocket" not in text and "rtpengine" not in text and "tls" not in text


def test_rtpengine_runs_from_its_own_file_in_userspace(tmp_path):
    cfg = softphone_config(tmp_path, ng_port=23000, rtp_port_min=45000, rtp_port_max=45099)
    (tmp_path / "reg").mkdir()
    conf = Rtpengine(cfg, tmp_path / "reg").conf.read_text()
    for line in ("table = -1", "interface = 127.0.0.1", "listen-ng = 127.0.0.1:23000",
                 "port-min = 45000", "port-max = 45099"):  # fmt: skip
        assert line in conf


@pytest.mark.skipif(not shutil.which("openssl"), reason="no openssl")
def test_a_missing_certificate_is_made_once(tmp_path):
    crt, key = tmp_path / "t/c.crt", tmp_path / "t/c.key"
    assert ensure_certificate(crt, key, ["127.0.0.1", "phone.example.cn"]) is True
    assert ensure_certificate(crt, key, ["127.0.0.1"]) is False  # an installed one is kept
    text = subprocess.run(
        ["openssl", "x509", "-in", str(crt), "-noout", "-text"], capture_output=True, text=True
    ).stdout
    assert "IP Address:127.0.0.1" in text and "DNS:phone.example.cn" in text
    assert key.stat().st_mode & 0o077 == 0


@pytest.mark.skipif(
    not (shutil.which("kamailio") and shutil.which("openssl")), reason="no kamailio/openssl"
)
def test_kamailio_accepts_the_registrar_configuration_with_websocket(tmp_path):
    cfg = softphone_config(tmp_path)
    ensure_certificate(tmp_path / "tls/c.crt", tmp_path / "tls/c.key", ["127.0.0.1"])
    path = write_registrar(cfg)
    text = path.read_text()
    assert "listen=tls:127.0.0.1:5071" in text and "ws_handle_handshake()" in text
    assert "ICE=force DTLS=passive UDP/TLS/RTP/SAVPF" in text and "ICE=remove RTP/AVP" in text
    done = subprocess.run(["kamailio", "-c", "-f", str(path)], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
