"""The WeChat official-account wire protocol: signatures and message XML (pure).

Inbound URL check and every POST carry `signature`, `timestamp`, `nonce`: SHA-1 of the three
values [token, timestamp, nonce] sorted and concatenated (plaintext mode). The signature does
NOT cover the body, so a captured URL could carry any message within `MAX_SKEW_S`: the
adapter remembers each (timestamp, nonce) with the hash of its body (`signed_key`) and
refuses the same URL with a different body.

Messages are small XML documents parsed with `defusedxml` and DTDs forbidden: a byte search
for `<!DOCTYPE` was bypassed by sending the XML as UTF-16, which expanded internal entities
into the stored message; the parser itself now refuses any DTD in any encoding.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_BODY = 64 * 1024
MAX_SKEW_S = 300  # a signed request older than this is a replay


class ProtocolError(ValueError):
    pass


def signature(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


def check_signature(
    token: str,
    sig: str | None,
    timestamp: str | None,
    nonce: str | None,
    now: float | None = None,
) -> bool:
    """True when the request was signed with our token (and is not stale)."""
    if not (token and sig and timestamp and nonce):
        return False
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - ts) > MAX_SKEW_S:
        return False
    return hmac.compare_digest(signature(token, timestamp, nonce), sig.lower())


def signed_key(timestamp: str, nonce: str) -> str:
    """What identifies one signed URL (the signature is a function of these and the token)."""
    return f"{timestamp}:{nonce}"[:128]


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True, slots=True)
class Inbound:
    to_user: str  # the official account
    from_user: str  # the customer's OpenID
    create_time: int
    msg_type: str  # text, image, voice, video, location, link, event…
    content: str = ""
    msg_id: str | None = None
    media_id: str | None = None
    pic_url: str | None = None
    event: str | None = None

    @property
    def key(self) -> str:
        """Duplicate-suppression key: MsgId, or FromUserName + CreateTime for events."""
        return f"id:{self.msg_id}" if self.msg_id else f"ev:{self.from_user}:{self.create_time}"


def parse(body: bytes) -> Inbound:
    if len(body) > MAX_BODY:
        raise ProtocolError("message too large")
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ProtocolError("DOCTYPE/ENTITY not allowed") from exc
    except ParseError as exc:
        raise ProtocolError(f"not XML: {exc}") from exc
    if root.tag != "xml":
        raise ProtocolError("root element must be <xml>")

    def text(tag: str) -> str | None:
        el = root.find(tag)
        return el.text if el is not None and el.text is not None else None

    from_user, msg_type = text("FromUserName"), text("MsgType")
    if not from_user or not msg_type:
        raise ProtocolError("FromUserName and MsgType are required")
    try:
        create_time = int(text("CreateTime") or "0")
    except ValueError as exc:
        raise ProtocolError("CreateTime must be an integer") from exc
    return Inbound(
        to_user=text("ToUserName") or "",
        from_user=from_user,
        create_time=create_time,
        msg_type=msg_type,
        content=text("Content") or "",
        msg_id=text("MsgId"),
        media_id=text("MediaId"),
        pic_url=text("PicUrl"),
        event=text("Event"),
    )


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def message_xml(
    to_user: str,
    from_user: str,
    msg_type: str,
    *,
    content: str | None = None,
    msg_id: int | None = None,
    media_id: str | None = None,
    event: str | None = None,
    create_time: int | None = None,
) -> bytes:
    """A message as WeChat posts it (used by the fake server and for passive replies)."""
    parts = [
        f"<ToUserName>{_cdata(to_user)}</ToUserName>",
        f"<FromUserName>{_cdata(from_user)}</FromUserName>",
        f"<CreateTime>{int(time.time()) if create_time is None else create_time}</CreateTime>",
        f"<MsgType>{_cdata(msg_type)}</MsgType>",
    ]
    if content is not None:
        parts.append(f"<Content>{_cdata(content)}</Content>")
    if media_id is not None:
        parts.append(f"<MediaId>{_cdata(media_id)}</MediaId>")
    if event is not None:
        parts.append(f"<Event>{_cdata(event)}</Event>")
    if msg_id is not None:
        parts.append(f"<MsgId>{int(msg_id)}</MsgId>")
    return ("<xml>" + "".join(parts) + "</xml>").encode()
