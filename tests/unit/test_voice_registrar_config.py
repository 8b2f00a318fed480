"""Where the gateway rings an agent: a static URI, else the registrar; and the registrar's
generated Kamailio configuration and credential table."""

import subprocess

import pytest

from hotline.channels.sip.config import GatewayConfigError, load_gateway_config
from hotline.channels.sip.registrar import run_paths, write_registrar, write_subscribers


def test_a_static_uri_wins_and_the_registrar_is_asked_only_when_enabled():
    off = load_gateway_config(agents={"a01": "sip:a01@10.0.0.5"})
    assert (off.phone_uri("a01"), off.phone_uri("a02")) == ("sip:a01@10.0.0.5", None)
    on = load_gateway_config(agents={"a01": "sip:a01@10.0.0.5"}, registrar={"enabled": True})
    assert on.phone_uri("a01") == "sip:a01@10.0.0.5"
    assert on.phone_uri("a02") == "sip:a02@127.0.0.1:5070"


def test_a_pool_worker_rings_through_the_registrar_as_the_single_gateway_does():
    """Pool workers get `WorkerSettings`, not the gateway file: the same answer from it."""
    from hotline.channels.sip.link import SipSettings, WorkerSettings
    from hotline.ivr import parse_flow

    on = load_gateway_config(agents={"a01": "sip:a01@10.0.0.5"}, registrar={"enabled": True})
    sip = SipSettings("127.0.0.1", 5100, 20000, 40, 1, 30.0, "inactive", 1800)
    flow = parse_flow({"start": "bye", "nodes": {"bye": {"type": "hangup"}}})
    worker = WorkerSettings(
        sip, 2, ("966666",), "rec", "state", dict(on.agents), 3.0, flow, registrar_port=5070
    )
    for agent in ("a01", "a02"):
        assert worker.phone_uri(agent) == on.phone_uri(agent)
    static_only = WorkerSettings(sip, 2, ("966666",), "rec", "state", dict(on.agents), 3.0, flow)
    assert static_only.phone_uri("a02") is None


def test_rtp_ports_may_not_cover_the_registrar_port():
    with pytest.raises(GatewayConfigError, match="SIP port 42010"):
        load_gateway_config(registrar={"enabled": True, "port": 42010})


def test_the_credential_table_is_rewritten_only_when_it_changes(tmp_path):
    row = {"user": "a01", "ha1": "0" * 32}
    assert write_subscribers(tmp_path, [row]) is True
    first = (tmp_path / "subscriber").stat().st_mtime
    assert write_subscribers(tmp_path, [row]) is False
    assert write_subscribers(tmp_path, [{**row, "ha1": "1" * 32}]) is True
    # db_text reloads on a changed mtime (whole seconds): two writes in one second still differ
    assert (tmp_path / "subscriber").stat().st_mtime > first
    lines = (tmp_path / "subscriber").read_text().splitlines()
    assert lines[1:] == ["1:a01:NULL:" + "1" * 32]


def test_a_user_name_that_would_break_the_table_format_is_left_out(tmp_path):
    write_subscribers(tmp_path, [{"user": "a:01", "ha1": "0" * 32}, {"user": "ok", "ha1": "1"}])
    assert (tmp_path / "subscriber").read_text().splitlines()[1:] == ["1:ok:NULL:1"]


@pytest.mark.skipif(subprocess.run(["which", "kamailio"]).returncode, reason="no kamailio")
def test_kamailio_accepts_the_generated_registrar_configuration(tmp_path):
    cfg = load_gateway_config(registrar={"enabled": True, "run_dir": str(tmp_path / "reg")})
    path = write_registrar(cfg)
    assert run_paths(cfg)[0] == tmp_path / "reg"
    done = subprocess.run(["kamailio", "-c", "-f", str(path)], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
