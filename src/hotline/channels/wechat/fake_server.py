"""A fake WeChat platform for tests and demos, speaking the real protocol on loopback.

    python -m hotline.channels.wechat.fake_server --port 0 --token T --app-id A \
        --app-secret S --webhook http://127.0.0.1:8000/api/wechat/webhook

prints `READY <port>` once listening. It plays both sides of WeChat:

* the API our client calls: `GET /cgi-bin/token`, `POST /cgi-bin/message/custom/send` (checks
  the access token - 40001 when unknown - and the reply budget - 45015), `GET /cgi-bin/media/get`;
* the users: `POST /_fake/user_message` {"openid", "content" | "image" (base64), "msg_id",
  "deliveries"} signs the XML with the token and POSTs it to the webhook like WeChat does,
  `deliveries` times with the same MsgId (WeChat's retries), answering with what each delivery
  got back; `"bad_signature": true` signs with a wrong token.
* inspection: `GET /_fake/sent` (messages users received), `POST /_fake/expire_tokens`.
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx

from hotline.channels.wechat.protocol import message_xml, signature


class FakeWeChat:
    def __init__(self, token: str, app_id: str, app_secret: str, webhook: str) -> None:
        self.token, self.app_id, self.app_secret, self.webhook = token, app_id, app_secret, webhook
        self.tokens: set[str] = set()
        self.sent: list[dict[str, Any]] = []
        self.media: dict[str, tuple[str, bytes]] = {}
        self.windows: dict[str, list[float]] = {}  # openid -> [opened_at, used]
        self.lock = threading.Lock()
        self.account = "gh_fake_account"
        self.next_msg_id = 6_000_000_000_000_000_000

    # -- API side ---------------------------------------------------------------------------
    def issue_token(self, q: dict[str, str]) -> dict[str, Any]:
        if q.get("appid") != self.app_id or q.get("secret") != self.app_secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        tok = secrets.token_hex(16)
        with self.lock:
            self.tokens.add(tok)
        return {"access_token": tok, "expires_in": 7200}

    def custom_send(self, q: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        if q.get("access_token") not in self.tokens:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
        openid = body.get("touser", "")
        with self.lock:
            w = self.windows.get(openid)
            if w is None or time.time() - w[0] > 48 * 3600 or w[1] >= 5:
                return {
                    "errcode": 45015,
                    "errmsg": "response out of time limit or subscription is canceled",
                }
            w[1] += 1
            self.sent.append(
                {
                    "touser": openid,
                    "msgtype": body.get("msgtype"),
                    "content": (body.get("text") or {}).get("content"),
                    "at": time.time(),
                }
            )
        return {"errcode": 0, "errmsg": "ok"}

    # -- user side --------------------------------------------------------------------------
    def user_message(self, spec: dict[str, Any]) -> dict[str, Any]:
        openid = spec["openid"]
        with self.lock:
            self.next_msg_id += 1
            msg_id = int(spec.get("msg_id") or self.next_msg_id)
            self.windows[openid] = [time.time(), 0]
        if spec.get("event"):
            xml = message_xml(self.account, openid, "event", event=spec["event"])
        elif spec.get("image"):
            media_id = f"media{msg_id}"
            self.media[media_id] = (
                spec.get("content_type", "image/png"),
                base64.b64decode(spec["image"]),
            )
            xml = message_xml(self.account, openid, "image", media_id=media_id, msg_id=msg_id)
        else:
            xml = message_xml(
                self.account, openid, "text", content=spec.get("content", ""), msg_id=msg_id
            )
        answers = []
        for _ in range(int(spec.get("deliveries", 1))):
            ts, nonce = str(int(time.time())), secrets.token_hex(4)
            sig = signature("wrong-token" if spec.get("bad_signature") else self.token, ts, nonce)
            url = f"{self.webhook}?{urlencode({'signature': sig, 'timestamp': ts, 'nonce': nonce})}"
            try:
                r = httpx.post(url, content=xml, headers={"Content-Type": "text/xml"}, timeout=5)
                answers.append({"status": r.status_code, "body": r.text})
            except httpx.HTTPError as exc:
                answers.append({"status": 0, "body": str(exc)})
        return {"msg_id": msg_id, "deliveries": answers}


def _handler(fake: FakeWeChat) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, obj: Any, status: int = 200) -> None:
            self._send(status, json.dumps(obj, ensure_ascii=False).encode())

        def _query(self) -> dict[str, str]:
            return {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}

        def _body(self) -> Any:
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n) if n else b""
            return json.loads(raw.decode() or "{}")

        def do_GET(self) -> None:
            path, q = urlparse(self.path).path, self._query()
            if path == "/cgi-bin/token":
                self._json(fake.issue_token(q))
            elif path == "/cgi-bin/media/get":
                if q.get("access_token") not in fake.tokens:
                    self._json({"errcode": 40001, "errmsg": "invalid credential"})
                elif q.get("media_id") in fake.media:
                    ctype, data = fake.media[q["media_id"]]
                    self._send(200, data, ctype)
                else:
                    self._json({"errcode": 40007, "errmsg": "invalid media_id"})
            elif path == "/_fake/sent":
                with fake.lock:
                    self._json(list(fake.sent))
            else:
                self._json({"errcode": 404, "errmsg": "not found"}, 404)

        def do_POST(self) -> None:
            path, q = urlparse(self.path).path, self._query()
            if path == "/cgi-bin/message/custom/send":
                self._json(fake.custom_send(q, self._body()))
            elif path == "/_fake/user_message":
                self._json(fake.user_message(self._body()))
            elif path == "/_fake/expire_tokens":
                with fake.lock:
                    fake.tokens.clear()
                self._json({"ok": True})
            else:
                self._json({"errcode": 404, "errmsg": "not found"}, 404)

    return Handler


def serve(port: int, fake: FakeWeChat) -> ThreadingHTTPServer:
    return ThreadingHTTPServer(("127.0.0.1", port), _handler(fake))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="fake WeChat platform on loopback")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--token", required=True)
    p.add_argument("--app-id", required=True)
    p.add_argument("--app-secret", required=True)
    p.add_argument("--webhook", required=True)
    a = p.parse_args(argv)
    server = serve(a.port, FakeWeChat(a.token, a.app_id, a.app_secret, a.webhook))
    print(f"READY {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
