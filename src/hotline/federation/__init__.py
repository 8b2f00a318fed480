"""Federation of centers (互联互通): live load exchanged between peers and the pure decision of
when a waiting contact moves to which peer. No I/O here: the service pushes and transfers."""

from hotline.federation.decision import Candidate, acceptance, choose_peer
from hotline.federation.load import CenterLoad, PeerBoard, QueueLoad, SlWindow

__all__ = [
    "Candidate",
    "CenterLoad",
    "PeerBoard",
    "QueueLoad",
    "SlWindow",
    "acceptance",
    "choose_peer",
]
