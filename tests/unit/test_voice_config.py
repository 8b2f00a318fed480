"""The gateway's ports: one place sets each worker's RTP range; overlaps are refused at load."""

import socket

import pytest

from hotline.channels.sip.config import GatewayConfigError, busy_ports, load_gateway_config


def test_the_default_rtp_base_is_clear_of_the_usual_softphone_ranges():
    cfg = load_gateway_config()
    first = cfg.rtp_ranges()[0]
    assert first.start >= 40000  # 10000-20000 (Asterisk), 16384-32768 (FreeSWITCH) are common
    assert cfg.numbers == ["966666"]


def test_each_worker_gets_its_own_consecutive_range():
    cfg = load_gateway_config(workers=3)
    r = cfg.rtp_ranges()
    assert [x.start for x in r] == [42000, 42040, 42080] and r[0].stop == r[1].start


def test_a_range_covering_a_sip_port_is_refused_naming_the_field(tmp_path):
    with pytest.raises(GatewayConfigError, match=r"sip\.rtp_port.*SIP port 5101"):
        load_gateway_config(
            workers=4,
            sip={"port": 6000, "rtp_port": 5000, "rtp_port_range": 40},
            front={"worker_port": 5100},
        )
    with pytest.raises(GatewayConfigError, match="above 65535"):
        load_gateway_config(workers=100, sip={"rtp_port": 64000})


def test_ports_another_program_holds_are_found_at_start():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        assert busy_ports(range(port, port + 1), "127.0.0.1") == [port]


def test_legs_kept_for_call_control_lower_the_callers_a_worker_admits():
    """Consult, conference, transfer out and monitoring take a third leg in the same worker."""
    assert load_gateway_config().callers_per_worker() == 2  # the wheel's 4 legs, none kept
    assert load_gateway_config(control={"reserve_legs": 1}).callers_per_worker() == 1
    more = load_gateway_config(sip={"max_call_legs": 32}, control={"reserve_legs": 2})
    assert more.callers_per_worker() == 15
    with pytest.raises(GatewayConfigError, match=r"control\.transfer_trunks"):
        load_gateway_config(control={"transfer_trunks": {"": "tel:123"}})
