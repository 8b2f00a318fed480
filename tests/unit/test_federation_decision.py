"""Federation: the load-sharing decision on a fake clock (no servers, no network)."""

from __future__ import annotations

import pytest

from hotline.domain.federation import FederationConfig, PeerConfig
from hotline.federation import CenterLoad, PeerBoard, QueueLoad, SlWindow, acceptance, choose_peer

T0 = 5_000.0


def peer(name: str, **kw) -> PeerConfig:
    kw.setdefault("queues", {"chat": "chat"})
    return PeerConfig(name=name, url=f"http://{name}", username="channel", password="x", **kw)


def fed(*peers: PeerConfig, **kw) -> FederationConfig:
    return FederationConfig(peers=peers, **kw)


def report(center: str, **q) -> CenterLoad:
    q.setdefault("staffed", 4)
    return CenterLoad(center, {"chat": QueueLoad(**q)})


def test_a_contact_moves_to_the_idle_peer_when_my_wait_is_too_long():
    board = PeerBoard(stale_after_s=10)
    board.heard(report("b", ready=2, ewt_s=0.0), T0)
    cfg = fed(peer("b", ewt_over_s=60))
    assert choose_peer("chat", 300.0, 5.0, cfg, board, T0 + 1).peer == "b"
    assert choose_peer("chat", 30.0, 5.0, cfg, board, T0 + 1) is None  # my wait is fine


def test_a_busy_peer_is_not_chosen_and_the_idle_one_is():
    board = PeerBoard(stale_after_s=10)
    board.heard(report("busy", ready=0, ewt_s=400.0, waiting=12), T0)
    board.heard(report("idle", ready=3, ewt_s=0.0), T0)
    cfg = fed(peer("busy"), peer("idle"))
    assert choose_peer("chat", 300.0, 0.0, cfg, board, T0).peer == "idle"
    board.heard(report("idle", ready=0, ewt_s=500.0, waiting=9), T0 + 2)
    assert choose_peer("chat", 300.0, 0.0, cfg, board, T0 + 2) is None


def test_a_peer_not_heard_from_within_the_staleness_limit_is_down():
    board = PeerBoard(stale_after_s=10)
    board.heard(report("b", ready=2, ewt_s=0.0), T0)
    cfg = fed(peer("b"))
    assert choose_peer("chat", 300.0, 0.0, cfg, board, T0 + 10) is not None
    assert choose_peer("chat", 300.0, 0.0, cfg, board, T0 + 10.5) is None
    assert board.age("b", T0 + 10.5) == pytest.approx(10.5)


def test_after_n_seconds_a_contact_moves_even_when_the_estimate_is_short():
    board = PeerBoard(stale_after_s=10)
    board.heard(report("b", ready=1, ewt_s=0.0), T0)
    cfg = fed(peer("b", ewt_over_s=None, after_s=90))
    assert choose_peer("chat", 120.0, 89.0, cfg, board, T0) is None
    assert choose_peer("chat", 120.0, 90.0, cfg, board, T0).peer == "b"


def test_the_peer_max_share_caps_contacts_in_flight_and_already_there():
    board = PeerBoard(stale_after_s=10)
    board.heard(report("b", ready=4, ewt_s=0.0, staffed=4, federated_in=1), T0)
    cfg = fed(peer("b", max_share=0.5))  # 2 live contacts from us for 4 agents
    assert choose_peer("chat", 300.0, 0.0, cfg, board, T0, in_flight={"b": 0}) is not None
    assert choose_peer("chat", 300.0, 0.0, cfg, board, T0, in_flight={"b": 1}) is None


def test_an_unmapped_queue_never_moves():
    board = PeerBoard(stale_after_s=10)
    board.heard(report("b", ready=4, ewt_s=0.0), T0)
    assert choose_peer("general", 999.0, 999.0, fed(peer("b")), board, T0) is None


def test_a_peer_whose_wait_is_no_shorter_than_mine_is_not_worth_it():
    board = PeerBoard(stale_after_s=10)
    board.heard(report("b", ready=0, ewt_s=25.0), T0)
    cfg = fed(peer("b", ewt_over_s=10, peer_ewt_under_s=30))
    assert choose_peer("chat", 20.0, 0.0, cfg, board, T0) is None
    assert choose_peer("chat", 40.0, 0.0, cfg, board, T0).peer_ewt_s == 25.0


def test_the_receiver_refuses_over_its_share_or_without_capacity():
    cfg = fed(accept_max_share=0.5, accept_max_ewt_s=60)
    assert acceptance(cfg, QueueLoad(staffed=4, ready=1, federated_in=1)) is None
    assert "share" in acceptance(cfg, QueueLoad(staffed=4, ready=1, federated_in=2))
    assert "logged in" in acceptance(cfg, QueueLoad(staffed=0))
    assert "wait" in acceptance(cfg, QueueLoad(staffed=4, ready=0, ewt_s=90.0))
    assert acceptance(cfg, None) == "no such queue here"


def test_a_malformed_load_report_names_the_field():
    with pytest.raises(ValueError, match=r"queues\.chat\.ready"):
        CenterLoad.from_json({"center": "b", "queues": {"chat": {"ready": -1}}})
    with pytest.raises(ValueError, match="center"):
        CenterLoad.from_json({"queues": {}})
    load = report("b", ready=2, ewt_s=1.5)
    assert CenterLoad.from_json(load.to_json()) == load


def test_service_level_counts_only_the_last_fifteen_minutes():
    sl = SlWindow()
    sl.answered("chat", T0, wait_s=5, threshold_s=20)
    sl.abandoned("chat", T0 + 10)
    assert sl.level("chat", T0 + 20) == 0.5
    sl.answered("chat", T0 + 905, wait_s=50, threshold_s=20)
    assert sl.level("chat", T0 + 905) == 0.0  # the first two fell out of the window
    assert sl.level("voice", T0) is None
