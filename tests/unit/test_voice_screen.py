"""Screening a new INVITE: bad framing, oversized messages and unserved numbers are refused."""

from hotline.channels.sip.screen import dialled_user, screen_invite

SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"


def invite(user: str = "966666", length: int | None = None, extra: str = "", body: str = SDP):
    n = len(body) if length is None else length
    return (
        f"INVITE sip:{user}@127.0.0.1:5060 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n"
        f"To: <sip:{user}@127.0.0.1>\r\nFrom: <sip:138@127.0.0.1>;tag=1\r\nCall-ID: x\r\n"
        f"CSeq: 1 INVITE\r\n{extra}Content-Type: application/sdp\r\nContent-Length: {n}\r\n\r\n"
        + body
    )


def test_a_well_formed_invite_for_a_served_number_is_answered():
    assert screen_invite(invite(), ["966666"]) is None
    assert screen_invite(invite("12345"), []) is None  # no list: any number


def test_content_length_beyond_the_datagram_is_a_bad_request():
    assert screen_invite(invite(length=99999), ["966666"]) == (400, "Bad Content-Length")
    assert screen_invite(invite(length=len(SDP) - 5), ["966666"]) is None  # RFC: truncate


def test_a_huge_header_or_body_is_too_large():
    big = "X-Junk: " + "a" * 60000 + "\r\n"
    assert screen_invite(invite(extra=big), ["966666"])[0] == 413
    assert screen_invite(invite(body="a=x\r\n" * 5000), ["966666"])[0] == 413
    cut = invite(extra=big)[:4000]  # what pjsip hands over of a 60 kB datagram
    assert screen_invite(cut, ["966666"]) == (413, "Message Too Large")
    assert screen_invite(invite().split("\r\n\r\n")[0], ["966666"])[0] == 400


def test_an_unknown_dialled_number_is_not_found():
    assert screen_invite(invite("10086"), ["966666"]) == (404, "No Such Number")
    assert dialled_user(invite("966666;phone-context=x")) == "966666"
