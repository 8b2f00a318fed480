"""Which login may speak for which peer center (`FederationConfig.speaker_problem`)."""

from hotline.domain.federation import FederationConfig, PeerConfig


def peer(name: str, inbound: str | None = None) -> PeerConfig:
    return PeerConfig(name=name, url=f"http://{name}", username="channel", inbound_username=inbound)


FED = FederationConfig(peers=(peer("B", "peer-b"), peer("C", "peer-c"), peer("D")))


def test_a_bound_peer_is_spoken_for_by_its_own_login_only():
    assert FED.speaker_problem("B", "peer-b") is None
    assert FED.speaker_problem("B", "channel") == "login 'channel' may not speak for center 'B'"
    assert FED.speaker_problem("B", "peer-c") == "login 'peer-c' may not speak for center 'B'"


def test_a_login_bound_to_one_peer_cannot_pose_as_an_unbound_one():
    assert FED.speaker_problem("D", "channel") is None  # unbound: any service login, as before
    assert FED.speaker_problem("D", "peer-b") == "login 'peer-b' speaks for center 'B', not 'D'"


def test_an_unknown_center_is_refused_whoever_asks():
    assert FED.speaker_problem("Z", "peer-b") == "center 'Z' is not a configured peer"
