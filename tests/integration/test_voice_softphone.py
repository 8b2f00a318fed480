"""The browser softphone on the agent desk, end to end with real pieces.

Headless Chromium (fake microphone playing a 600 Hz tone) logs in as a01 and opens the desk;
its SIP.js softphone registers over secure WebSocket with the registrar's Kamailio (the rig's
self-signed certificate, trusted by its SPKI hash as a real one would be by its CA). A sipp
caller dials the IVR, presses 0 and queues; the gateway's worker rings a01 through the
registrar, rtpengine turns the browser side into DTLS-SRTP/ICE and the worker side into plain
RTP. Asserted: the page rings with the offer, answering is a click, the browser receives the
caller's audio (WebRTC getStats), the caller's recording holds the browser's tone, and
hanging up in the page ends the contact. Then mute (silence at the caller), the keypad (digits
reach the gateway) and the desk's hold drive the real call; auto-answer (the agent's choice in
the phone settings) picks up without a click; a dropped WebSocket (the
registrar's Kamailio restarted) registers again; over WSS a wrong HA1 and a disabled login are
refused (403); a blocked microphone is said in words.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from websockets.sync.client import connect

from hotline.bootstrap import DEMO_PASSWORD
from hotline.channels.sip.peers import tone_wav
from hotline.channels.sip.registrar import registered
from hotline.web.ui.i18n_phone import PHONE
from tests.chromium import CHROMIUM, CHROMIUM_ARGS

from .voice_rig import needs_peers, per_second, recordings, start_center, wait_until

pytestmark = needs_peers
BROWSER_TONE_HZ = 600


@pytest.fixture(scope="module")
def softphone_tools(require_system) -> None:
    missing = [t for t in ("rtpengine", "openssl") if shutil.which(t) is None]
    missing += [] if Path(CHROMIUM).exists() else ["chromium"]
    mods = Path("/usr/lib/x86_64-linux-gnu/kamailio/modules")
    missing += [f"kamailio {m}.so" for m in ("tls", "websocket") if not (mods / f"{m}.so").exists()]
    require_system("browser softphone", missing)


@pytest.fixture(scope="module")
def center(tmp_path_factory, softphone_tools):
    work = tmp_path_factory.mktemp("softphone")
    with start_center(work, agents=("a01",), softphone=True) as c:
        c.fifo = work / "registrar" / "rpc.fifo"
        c.softphone_port = json.loads((work / "gateway.yaml").read_text())["softphone"]["wss_port"]
        yield c


def spki(cert: Path) -> str:
    """base64 SHA-256 of the certificate's public key: what Chromium's SPKI trust list takes."""
    der = subprocess.run(
        f"openssl x509 -in {cert} -pubkey -noout | openssl pkey -pubin -outform der",
        shell=True,
        check=True,
        capture_output=True,
    ).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


@pytest.fixture(scope="module")
def chromium(center):
    from playwright.sync_api import sync_playwright

    tone = tone_wav(center.work / "browser-tone.wav", BROWSER_TONE_HZ)
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={tone}",
        f"--ignore-certificate-errors-spki-list={spki(center.work / 'tls' / 'softphone.crt')}",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def desk(center, chromium):
    """a01's desk page, logged in through the form, softphone registered."""
    ctx = chromium.new_context(base_url=center.base, viewport={"width": 1366, "height": 768})
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto("/login")
    page.fill("input[name=username]", "a01")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto("/agent")
    page.wait_for_selector("[data-testid=softphone][data-status=registered]", timeout=30_000)
    yield page
    ctx.close()


def stats(page) -> dict:
    return page.evaluate("window.hotlineSoftphone.stats()") or {}


def ring_and_answer(center, page, steps, name: str):
    """A caller through the IVR to the queue; the page rings; the agent clicks accept."""
    a01 = center.ready("a01")
    wait_until(lambda: a01.get("/api/agents/me").json()["phone_registered"], 15, "phone seen")
    sipp, cid = center.call(steps, name)
    page.wait_for_selector(f"[data-testid=offer][data-id='{cid}']")
    page.wait_for_selector("[data-testid=softphone][data-call=ringing]")  # the INVITE is here
    assert center.stream.fact("contact.offered", cid)["agent_id"] == "a01"
    page.click("[data-testid=offer-accept]")
    page.wait_for_selector("[data-testid=softphone][data-call=up]")
    bridged = center.stream.fact("voice.bridged", cid)
    assert bridged["agent_id"] == "a01"
    return sipp, cid, bridged, a01


def test_the_softphone_registers_over_secure_websocket(center, desk):
    contacts = registered(center.fifo)["a01"]
    assert len(contacts) == 1 and "transport=ws" in contacts[0], contacts
    html = desk.content()
    creds = desk.evaluate("window.hotlineSoftphone.creds")
    assert creds["ha1"] not in html and creds["url"].startswith("wss://127.0.0.1:")


def test_a_call_from_the_queue_rings_the_page_and_is_answered_by_a_click(center, desk):
    steps = [("pause", 2000), ("dtmf", "0"), ("pause", 1500), ("audio", None), ("wait_bye", 90000)]
    sipp, cid, bridged, a01 = ring_and_answer(center, desk, steps, "answer")
    card = desk.get_attribute("[data-testid=contact-card]", "data-id")
    assert card == cid
    wait_until(lambda: (stats(desk).get("packetsReceived") or 0) > 100, 15, "caller audio in")
    got = stats(desk)
    assert got["bytesReceived"] > 0 and got["packetsSent"] > 100, got
    desk.wait_for_selector("[data-testid=phone-timer]")
    time.sleep(max(0.0, bridged["at"] + 5.0 - time.time()))
    desk.click("[data-testid=phone-hangup]")  # hang up in the page: the contact ends
    ended = center.stream.fact("contact.ended", cid, 15)
    assert ended["agent_id"] == "a01"
    hangup = center.stream.fact("voice.hangup", cid, 15)
    assert hangup["data"]["by"] == "agent", hangup
    desk.wait_for_selector("[data-testid=state-pill][data-state=wrap_up]")
    desk.wait_for_selector("[data-testid=softphone]:not([data-call=up])")
    assert sipp.wait(90) == 0, center.sipp_log("answer")  # survey, then the gateway's BYE
    files = wait_until(
        lambda: "caller" in (got := recordings(center.stream.of(cid))) and got, 20, "recording"
    )
    heard = per_second(Path(files["caller"]["path"]))
    tone = [i for i, (rms, hz) in enumerate(heard) if rms > 500 and abs(hz - BROWSER_TONE_HZ) < 20]
    assert len(tone) >= 3, heard  # the caller heard the browser's microphone
    a01.post("/api/agents/me/wrap-up-done")
    assert desk.errors == []


def runs(flags: list[bool]) -> list[tuple[bool, int]]:
    """[(value, length)] of consecutive equal flags."""
    out: list[tuple[bool, int]] = []
    for f in flags:
        if out and out[-1][0] == f:
            out[-1] = (f, out[-1][1] + 1)
        else:
            out.append((f, 1))
    return out


def test_mute_keypad_and_hold_drive_the_real_call(center, desk):
    steps = [("pause", 2000), ("dtmf", "0"), ("pause", 1500), ("audio", None), ("wait_bye", 90000)]
    sipp, cid, bridged, a01 = ring_and_answer(center, desk, steps, "controls")
    time.sleep(max(0.0, bridged["at"] + 3.0 - time.time()))
    desk.click("[data-testid=phone-mute]")  # the caller hears silence, not the microphone
    assert desk.get_attribute("[data-testid=phone-mute]", "aria-pressed") == "true"
    time.sleep(4.0)
    desk.click("[data-testid=phone-mute]")
    time.sleep(3.0)
    desk.click("[data-testid=phone-dtmf]")
    for digit in "57":
        desk.click(f"[data-testid=dtmf-{digit}]")
        time.sleep(0.4)
    log = center.work / "gateway.log"
    wait_until(lambda: f"call {cid}: agent keyed 7" in log.read_text(), 10, "digits at the gateway")
    assert f"call {cid}: agent keyed 5" in log.read_text()
    desk.click("[data-testid=phone-dtmf]")
    desk.click("[data-testid=btn-hold]")  # the desk's hold: the gateway cuts the bridge
    center.stream.fact("contact.held", cid, 10)
    time.sleep(4.0)
    desk.click("[data-testid=btn-hold]")
    center.stream.fact("contact.resumed", cid, 10)
    time.sleep(3.0)
    desk.click("[data-testid=phone-hangup]")
    center.stream.fact("contact.ended", cid, 15)
    assert sipp.wait(90) == 0, center.sipp_log("controls")
    files = wait_until(
        lambda: "caller" in (got := recordings(center.stream.of(cid))) and got, 20, "recording"
    )
    heard = per_second(Path(files["caller"]["path"]))
    tone = [rms > 500 and abs(hz - BROWSER_TONE_HZ) < 20 for rms, hz in heard]
    first, last = tone.index(True), len(tone) - 1 - tone[::-1].index(True)
    gaps = [n for value, n in runs(tone[first : last + 1]) if not value]
    assert len([n for n in gaps if n >= 2]) >= 2, heard  # muted, then held: tone, gap, tone x2
    quiet = [i for i in range(first, last) if not tone[i] and heard[i][0] < 300]
    assert len(quiet) >= 2, heard  # muted seconds are silent at the caller
    a01.post("/api/agents/me/wrap-up-done")
    assert desk.errors == []


def test_auto_answer_is_the_agents_choice_and_picks_up_by_itself(center, desk):
    desk.click("[data-testid=softphone] .sp-prefs summary")
    desk.check("[data-testid=phone-auto]")
    saved = desk.evaluate("localStorage.getItem('hotline.phone.a01')")
    assert '"auto":true' in saved
    desk.click("[data-testid=softphone] .sp-prefs summary")
    try:
        a01 = center.ready("a01")
        wait_until(lambda: a01.get("/api/agents/me").json()["phone_registered"], 15, "phone")
        steps = [("pause", 2000), ("dtmf", "0"), ("pause", 1500), ("wait_bye", 90000)]
        sipp, cid = center.call(steps, "auto")
        assert center.stream.fact("voice.bridged", cid, 30)["agent_id"] == "a01"  # no click
        desk.wait_for_selector("[data-testid=softphone][data-call=up]")
        desk.click("[data-testid=phone-hangup]")
        center.stream.fact("contact.ended", cid, 15)
        assert sipp.wait(90) == 0, center.sipp_log("auto")
        a01.post("/api/agents/me/wrap-up-done")
    finally:
        desk.click("[data-testid=softphone] .sp-prefs summary")
        desk.uncheck("[data-testid=phone-auto]")
        desk.click("[data-testid=softphone] .sp-prefs summary")


def test_a_dropped_websocket_registers_again(center, desk):
    kamailio = int((center.work / "registrar" / "kamailio.pid").read_text().split()[0])
    os.kill(kamailio, signal.SIGTERM)  # the registrar restarts it; every WebSocket dropped
    desk.wait_for_selector("[data-testid=softphone][data-status=reconnecting]", timeout=15_000)
    desk.wait_for_selector("[data-testid=softphone][data-status=registered]", timeout=60_000)
    contacts = wait_until(lambda: registered(center.fifo).get("a01"), 20, "a01 bound again")
    assert "transport=ws" in contacts[0]
    assert desk.errors == []


def ws_register(center, user: str, ha1: str, expires: int = 60) -> int:
    """One REGISTER over WSS with digest auth from `ha1`; the final status code."""
    url = f"wss://127.0.0.1:{center.softphone_port}"
    tls = ssl.create_default_context(cafile=str(center.work / "tls" / "softphone.crt"))
    host, call_id = "127.0.0.1", uuid.uuid4().hex
    with connect(url, ssl=tls, subprotocols=["sip"], open_timeout=10) as ws:

        def send(cseq: int, auth: str = "") -> str:
            ws.send(
                f"REGISTER sip:{host} SIP/2.0\r\n"
                f"Via: SIP/2.0/WSS t.invalid;branch=z9hG4bK{uuid.uuid4().hex}\r\n"
                f"Max-Forwards: 70\r\nTo: <sip:{user}@{host}>\r\n"
                f"From: <sip:{user}@{host}>;tag={call_id[:8]}\r\nCall-ID: {call_id}\r\n"
                f"CSeq: {cseq} REGISTER\r\nContact: <sip:{user}@t.invalid;transport=ws>\r\n"
                f"Expires: {expires}\r\n{auth}Content-Length: 0\r\n\r\n"
            )
            return str(ws.recv(timeout=10))

        reply = send(1)
        if reply.split()[1] != "401":
            return int(reply.split()[1])
        realm = re.search(r'realm="([^"]+)"', reply).group(1)
        nonce = re.search(r'nonce="([^"]+)"', reply).group(1)
        ha2 = hashlib.md5(f"REGISTER:sip:{host}".encode()).hexdigest()
        response = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()
        auth = (
            f'Authorization: Digest username="{user}", realm="{realm}", nonce="{nonce}", '
            f'uri="sip:{host}", response="{response}", algorithm=MD5\r\n'
        )
        return int(send(2, auth).split()[1])


def test_a_wrong_or_disabled_login_cannot_register_over_websocket(center, desk):
    ha1 = desk.evaluate("window.hotlineSoftphone.creds.ha1")
    assert ws_register(center, "a01", ha1, expires=0) == 200  # the right HA1 (no new binding)
    assert ws_register(center, "a01", "0" * 32) == 403
    admin = center.client("admin")
    user = next(u for u in admin.get("/api/admin/users").json() if u["username"] == "a01")
    admin.patch(f"/api/admin/users/{user['id']}", json={"active": False}).raise_for_status()
    try:
        wait_until(lambda: "a01" not in registered(center.fifo), 10, "a01's softphone removed")
        assert ws_register(center, "a01", ha1) == 403
        assert "a01" not in registered(center.fifo)
    finally:
        admin.patch(f"/api/admin/users/{user['id']}", json={"active": True}).raise_for_status()


def test_a_blocked_microphone_is_said_in_words(center, chromium):
    """No permission (no fake-UI auto-accept): the bar says how to allow the microphone."""
    cert = center.work / "tls" / "softphone.crt"
    args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream"]
    args.append(f"--ignore-certificate-errors-spki-list={spki(cert)}")
    browser = chromium.browser_type.launch(executable_path=CHROMIUM, args=args)
    try:
        page = browser.new_page(base_url=center.base)
        page.goto("/login")
        page.fill("input[name=username]", "a02")
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("[data-testid=login-submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto("/agent")
        problem = page.wait_for_selector("[data-testid=phone-problem]", timeout=30_000)
        assert problem.inner_text() == PHONE["phone.mic_denied"][0]  # zh-CN: the default
    finally:
        browser.close()
