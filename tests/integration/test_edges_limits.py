"""Request size limits over real HTTP: a `hotline serve` process, raw sockets for the bodies
a client library would not send. A body over its limit is answered 413 before it is parsed -
from Content-Length before a byte of it is read, or while a chunked body streams in - and an
error never echoes a large input back."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

MIB = 1024 * 1024
PNG_HEAD = b"\x89PNG\r\n\x1a\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("edges-limits")
    env = {**os.environ, "HOTLINE_DATABASE_URL": f"sqlite:///{tmp / 'hotline.db'}"}
    cli = [sys.executable, "-m", "hotline.cli"]
    subprocess.run([*cli, "init", "--demo-logins"], env=env, check=True, capture_output=True)
    port = _free_port()
    log = (tmp / "server.log").open("w")
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.time() < deadline, Path(log.name).read_text()
            time.sleep(0.05)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


def raw_request(base: str, head: str, body_chunks: Iterator[bytes] = iter(())) -> tuple[int, dict]:
    """Send `head` (request line + headers), then as much of the body as the server takes;
    return the status and JSON body of the answer."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
        for chunk in body_chunks:
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server answered and closed: stop sending
        answer = b""
        try:
            while b"\r\n\r\n" not in answer or len(answer) < _expected_length(answer):
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        except ConnectionResetError:
            pass
    head_bytes, _, payload = answer.partition(b"\r\n\r\n")
    status = int(head_bytes.split(b" ", 2)[1])
    return status, json.loads(payload[: _expected_length(answer) - len(head_bytes) - 4])


def _expected_length(answer: bytes) -> int:
    head, sep, _ = answer.partition(b"\r\n\r\n")
    if not sep:
        return 1 << 62
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(head) + 4 + int(value)
    return 1 << 62


def chunked(total: int, size: int = 64 * 1024, prefix: bytes = b"") -> Iterator[bytes]:
    sent = 0
    while sent < total:
        part = (prefix if sent == 0 else b"") + b"a" * size
        sent += len(part)
        yield f"{len(part):x}\r\n".encode() + part + b"\r\n"
    yield b"0\r\n\r\n"


def test_a_100_mb_login_is_refused_from_its_content_length_before_any_byte_is_sent(server):
    status, body = raw_request(
        server,
        "POST /api/auth/login HTTP/1.1\nHost: x\nContent-Type: application/json\n"
        f"Content-Length: {100 * MIB}\n",
    )  # no body at all: a server that read it first would wait here until the timeout
    assert status == 413
    assert "limit of 1048576 bytes" in body["detail"]


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(server):
    status, body = raw_request(
        server,
        "POST /api/auth/login HTTP/1.1\nHost: x\nContent-Type: application/json\n"
        "Transfer-Encoding: chunked\n",
        chunked(100 * MIB, prefix=b'{"username": "'),
    )
    assert status == 413, body
    assert "larger than 1048576 bytes" in body["detail"]
    assert httpx.get(f"{server}/api/health").status_code == 200


def test_chat_images_get_the_upload_limit_and_the_routes_own(server):
    start = httpx.post(f"{server}/api/chat/sessions", json={}).json()
    path = f"/api/chat/sessions/{start['session_id']}/images"
    token = start["token"]
    ok = httpx.post(
        f"{server}{path}",
        content=PNG_HEAD + b"\0" * (int(1.5 * MIB)),  # over the 1 MiB default, under 2 MB
        headers={"X-Chat-Token": token, "Content-Type": "image/png"},
    )
    assert ok.status_code == 200, ok.text
    head = f"POST {path} HTTP/1.1\nHost: x\nContent-Type: image/png\nX-Chat-Token: {token}\n"
    status, body = raw_request(server, head + f"Content-Length: {9 * MIB}\n")
    assert status == 413 and "limit of 8388608 bytes" in body["detail"]
    status, body = raw_request(
        server, head + "Transfer-Encoding: chunked\n", chunked(50 * MIB, prefix=PNG_HEAD)
    )
    assert status == 413, body


def test_a_422_never_echoes_a_large_input(server):
    big = "x" * 500_000
    r = httpx.post(f"{server}/api/auth/login", json={"username": big, "password": "p"})
    assert r.status_code == 422
    assert len(r.content) < 1000, len(r.content)
    (error,) = r.json()["detail"]
    assert error["loc"] == ["body", "username"] and "500000 characters" in error["input"]
    r = httpx.post(f"{server}/api/auth/login", json=[big] * 2)  # a body of the wrong type
    assert r.status_code == 422 and len(r.content) < 1000, r.text[:300]


def test_a_config_error_quoting_a_huge_value_stays_short(server):
    admin = httpx.Client(base_url=server)
    token = admin.post(
        "/api/auth/login", json={"username": "admin", "password": "hotline-demo"}
    ).json()["token"]
    admin.cookies.clear()
    headers = {"Authorization": f"Bearer {token}"}
    config = admin.get("/api/admin/config", headers=headers).json()["config"]
    config["center"]["priority_weight_s"] = ["x" * 400_000]
    r = admin.put("/api/admin/config", json=config, headers=headers)
    assert r.status_code == 422, r.text[:300]
    assert len(r.content) < 2000 and r.json()["field"], r.text[:300]
