"""Federation in the router and the center file: a handed-off contact, a kept original wait,
and `federation:` errors that name the field."""

from __future__ import annotations

import pytest

from hotline.config import ConfigError, config_from_dict, dump_config
from hotline.domain import ContactStatus
from hotline.routing import IllegalTransition
from hotline.routing import events as ev

from .center import Drive, agent, center, queue

T0 = 1_000_000.0


def drive() -> Drive:
    return Drive(center([queue("chat", ("chat", 1))], [agent("a1", chat=5)]), T0)


def test_a_contact_from_a_peer_keeps_its_original_wait_and_place_in_line():
    d = drive()
    d.chat("local", "chat", at=T0)
    d(ev.ContactArrived("remote", "chat", waited_s=120.0), at=T0 + 10)
    assert d.router.waiting("chat") == ["remote", "local"]  # waited longer: served first
    assert d.router.contact("remote").enqueued_at == T0 + 10 - 120
    d.login("a1")
    d.answer("a1")
    answered = next(r for r in d.log if r.kind == "contact.answered")
    assert answered.contact_id == "remote" and answered.data["wait_s"] == pytest.approx(120)


def test_a_negative_wait_is_refused():
    d = drive()
    with pytest.raises(Exception, match="waited_s"):
        d(ev.ContactArrived("x", "chat", waited_s=-1.0))


def test_a_handed_off_contact_ends_as_overflowed_out_to_that_center():
    d = drive()
    d.chat("c1", "chat", at=T0)
    d(ev.ContactHandedOff("c1", "taiyuan"), at=T0 + 30)
    over = next(r for r in d.log if r.kind == "contact.overflowed")
    assert over.data == {"from_queue": "chat", "to_center": "taiyuan", "rule": "federation"}
    ended = next(r for r in d.log if r.kind == "contact.ended")
    assert ended.data["outcome"] == "overflowed_out" and ended.data["wait_s"] == 30
    assert d.router.waiting("chat") == []


def test_a_contact_already_offered_here_cannot_be_handed_off():
    d = drive()
    d.login("a1")
    d.chat("c1", "chat")
    assert d.router.contact("c1").status is ContactStatus.OFFERED
    with pytest.raises(IllegalTransition, match="not waiting"):
        d(ev.ContactHandedOff("c1", "taiyuan"))


BASE = {
    "center": {"name": "A"},
    "queues": [{"id": "chat"}],
}
PEER = {
    "name": "B",
    "url": "http://127.0.0.1:9001/",
    "username": "channel",
    "password": "p",
    "queues": {"chat": "chat"},
}


def fails(federation: dict) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        config_from_dict({**BASE, "federation": federation})
    return info.value


def test_peers_round_trip_through_the_stored_form():
    cfg = config_from_dict({**BASE, "federation": {"peers": [PEER], "stale_after_s": 5.0}})
    assert cfg.federation.peers[0].url == "http://127.0.0.1:9001"
    assert config_from_dict(dump_config(cfg)) == cfg


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"url": "ftp://x"}, "federation.peers[0].url", "http(s) URL"),
        ({"queues": {"chatt": "chat"}}, "federation.peers[0].queues.chatt", "did you mean 'chat'"),
        ({"name": "A"}, "federation.peers[0].name", "own peer"),
        ({"password": "", "password_env": None}, "federation.peers[0]", "password"),
        ({"max_share": 0}, "federation.peers[0].max_share", ""),
        ({"ewt_over_s": None}, "federation.peers[0]", "ewt_over_s or after_s"),
    ],
)
def test_a_bad_peer_is_refused_naming_the_field(change, field, words):
    err = fails({"peers": [{**PEER, **change}]})
    assert err.field == field and words in err.message


def test_duplicate_peers_are_refused():
    err = fails({"peers": [PEER, PEER]})
    assert err.field == "federation.peers[1].name"


def test_a_center_overflow_rule_naming_a_peer_is_refused_so_no_contact_ends_unaccepted():
    doc = {
        **BASE,
        "queues": [{"id": "chat", "overflow": [{"after_s": 30.0, "target": "center:B"}]}],
        "federation": {"peers": [PEER]},
    }
    with pytest.raises(ConfigError) as info:
        config_from_dict(doc)
    assert info.value.field == "queues[0].overflow[0].target"
    assert "federation peer" in info.value.message
    doc["queues"][0]["overflow"][0]["target"] = "center:elsewhere"  # not a peer: as before
    assert config_from_dict(doc).queue("chat").overflow[0].target == "center:elsewhere"
