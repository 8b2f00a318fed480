"""Screening of a new INVITE before the worker answers it: framing, size, dialled number.

pjsip is lenient on UDP: an INVITE whose `Content-Length` promises far more body than the
datagram holds, or one with a 60 kB header, was answered 200 and took a call slot. RFC 3261
§18.3 says a stream-less (UDP) message whose Content-Length exceeds its body is malformed, so it
gets 400; an oversized message gets 413. An INVITE for a number this gateway does not serve gets
404, instead of every user part reaching the demo IVR. Pure text in, (code, reason) out, so the
rules are unit-tested without a SIP stack.
"""

from __future__ import annotations

from collections.abc import Collection

MAX_HEADER_BYTES = 8192  # a real INVITE's headers are well under 2 kB; Kamailio's default is 4 kB
MAX_BODY_BYTES = 16384  # an SDP offer with a few codecs is under 1 kB
# pjsip reads a UDP datagram into a 4000-byte buffer (PJSIP_MAX_PKT_LEN) and parses what fits:
# a message that fills it was cut, whatever it said (measured: a 60 kB INVITE arrives as 4000).
PJSIP_PACKET_BYTES = 4000


def dialled_user(whole_msg: str) -> str | None:
    """The user part of the Request-URI: `INVITE sip:966666@host SIP/2.0` -> 966666."""
    first = whole_msg.split("\n", 1)[0].split()
    if len(first) < 2:
        return None
    uri = first[1].split(":", 1)[-1]
    if "@" not in uri:
        return None
    return uri.split("@", 1)[0].split(";", 1)[0] or None


def screen_invite(whole_msg: str, numbers: Collection[str] = ()) -> tuple[int, str] | None:
    """None when the INVITE may be answered, else the final response (code, reason) to send.

    `numbers` are the dialled numbers served here; empty means any.
    """
    raw = whole_msg.encode("utf-8", "surrogateescape")
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = raw.partition(b"\n\n")
    if len(raw) >= PJSIP_PACKET_BYTES:
        return 413, "Message Too Large"
    if not sep:
        return 400, "Incomplete Message"
    if len(head) > MAX_HEADER_BYTES:
        return 413, "Header Too Large"
    if len(body) > MAX_BODY_BYTES:
        return 413, "Request Entity Too Large"
    declared = _content_length(head.decode("utf-8", "replace"))
    if declared is not None and declared > len(body):
        return 400, "Bad Content-Length"
    user = dialled_user(whole_msg)
    if numbers and user not in numbers:
        return 404, "No Such Number"
    return None


def _content_length(head: str) -> int | None:
    for line in head.splitlines()[1:]:
        name, colon, value = line.partition(":")
        if colon and name.strip().lower() in ("content-length", "l"):
            try:
                return int(value.strip())
            except ValueError:
                return 10**9  # unparsable: treat as a lie about the body
    return None
