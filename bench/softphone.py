"""What a browser softphone call costs: N parallel WebRTC calls through rtpengine.

`.venv/bin/python bench/softphone.py --quick` (2 calls) or `--calls N` (N <= 8, the demo
center's agents). The real rig of the voice tests (`tests/integration/voice_rig.py`): a served
demo center, the registrar's Kamailio with WSS, rtpengine (userspace), pjsua2 media workers
(2 conversations each, behind the dispatcher when N > 2), N sipp callers that press 0 in the IVR
and talk (g711a pcap, then silence), and one headless Chromium with N desk pages (a01…), each
softphone registered and set to auto-answer, fake microphone playing a tone.

Once all N calls are bridged (a `voice.bridged` fact each, every page receiving RTP), CPU is
sampled over `--window` seconds: rtpengine (DTLS-SRTP/ICE both ways, userspace forwarding),
the registrar's Kamailio, Chromium (all its processes: N pages' WebRTC stacks), the gateway's
workers, and the whole machine. RESULT: `cpu_per_call_pct` = rtpengine's share of one core per
WebRTC call; the other figures per call likewise. `--codec opus` makes rtpengine transcode
Opus <-> PCMA (the browser side speaks Opus). The machine is shared: the load average is
printed first.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.integration.voice_rig import start_center, wait_until  # noqa: E402

from bench.voice import cpu_s, machine_busy  # noqa: E402
from hotline.bootstrap import DEMO_PASSWORD  # noqa: E402
from hotline.channels.sip.peers import tone_wav  # noqa: E402

ARGS = [
    *CHROMIUM_ARGS,
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--ignore-certificate-errors",
]


def proc_table() -> dict[int, tuple[int, str]]:
    """pid -> (ppid, executable name) of every process."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name = stat.split("(", 1)[1].rsplit(")", 1)[0]
            out[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), name)
    return out


def descendants(root: int, table: dict[int, tuple[int, str]]) -> set[int]:
    kids: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        kids.setdefault(ppid, []).append(pid)
    out, todo = set(), [root]
    while todo:
        for k in kids.get(todo.pop(), []):
            if k not in out:
                out.add(k)
                todo.append(k)
    return out


def groups(work: Path) -> dict[str, set[int]]:
    """The processes measured, by role."""
    table = proc_table()
    mine = descendants(os.getpid(), table)
    rtpe = int((work / "registrar" / "rtpengine.pid").read_text().split()[0])
    kam = int((work / "registrar" / "kamailio.pid").read_text().split()[0])
    return {
        "rtpengine": {rtpe},
        "kamailio": {kam} | descendants(kam, table),
        "chromium": {p for p in mine if table[p][1].startswith("chrom")},
        # hotline serve, the registrar, the gateway's controller and media workers
        "python": {p for p in mine if table[p][1].startswith("python") and p != os.getpid()},
    }


def open_desk(browser, base: str, agent: str):
    ctx = browser.new_context(base_url=base)
    # this agent's softphone answers by itself (the desk preference, kept in localStorage)
    ctx.add_init_script(
        f"localStorage.setItem('hotline.phone.{agent}', JSON.stringify({{auto: true}}))"
    )
    page = ctx.new_page()
    page.goto("/login")
    page.fill("input[name=username]", agent)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto("/agent")
    page.wait_for_selector("[data-testid=softphone][data-status=registered]", timeout=60_000)
    return page


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--quick", action="store_true", help="2 calls, 8 s window")
    ap.add_argument("--calls", type=int, default=4)
    ap.add_argument("--window", type=float, default=15.0)
    ap.add_argument("--codec", choices=("pcma", "opus"), default="pcma")
    args = ap.parse_args()
    n, window = (2, 8.0) if args.quick else (min(8, args.calls), args.window)
    from playwright.sync_api import sync_playwright

    print(f"load average before: {os.getloadavg()}", flush=True)
    agents = tuple(f"a{i:02d}" for i in range(1, n + 1))
    workers = max(1, (n + 1) // 2)
    work = Path(tempfile.mkdtemp(prefix="softphone-bench-"))
    tone = tone_wav(work / "browser-tone.wav", 600)
    steps = [("pause", 2000), ("dtmf", "0"), ("pause", 1500), ("audio", None)]
    steps.append(("wait_bye", 85_000))  # the pages hang up; the survey; the gateway BYE
    softphone = {"codec": args.codec}
    # callers fall silent after their pcap: no RTP timeout while N calls are being set up
    rig = start_center(
        work, agents=agents, workers=workers, softphone=softphone, sip={"rtp_timeout_s": 0}
    )
    with rig as center, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=[*ARGS, f"--use-file-for-fake-audio-capture={tone}"]
        )
        pages = [open_desk(browser, center.base, a) for a in agents]
        for a in agents:
            center.ready(a)
        calls = [center.call(steps, f"c{i}") for i in range(n)]
        ids = [cid for _, cid in calls]
        for cid in ids:
            center.stream.fact("voice.bridged", cid, 60)
        for page in pages:
            wait_until(
                lambda pg=page: (
                    (pg.evaluate("window.hotlineSoftphone.stats()") or {}).get("packetsReceived", 0)
                    > 50
                ),
                20,
                "RTP at every page",
            )
        g = groups(work)
        before = {k: cpu_s(v) for k, v in g.items()}
        busy0, total0 = machine_busy()
        t0 = time.time()
        time.sleep(window)
        elapsed = time.time() - t0
        after = {k: cpu_s(v) for k, v in g.items()}
        busy1, total1 = machine_busy()
        got = [page.evaluate("window.hotlineSoftphone.stats()") for page in pages]
        bridged_all = all(
            "voice.hangup" not in [f["kind"] for f in center.stream.of(c)] for c in ids
        )
        for page in pages:
            page.click("[data-testid=phone-hangup]")
        for proc, _ in calls:
            proc.wait(90)
        browser.close()
    pct = {k: 100.0 * (after[k] - before[k]) / elapsed / n for k in g}
    machine = 100.0 * (busy1 - busy0) / max(1, total1 - total0)
    print(
        json.dumps(
            {
                "calls": n,
                "codec": args.codec,
                "window_s": round(elapsed, 1),
                "per_call_pct_of_one_core": {k: round(v, 2) for k, v in pct.items()},
                "machine_busy_pct_2_cores": round(machine, 1),
                "page_stats": got,
                "all_up_through_window": bridged_all,
            },
            indent=1,
        )
    )
    print(f"load average after: {os.getloadavg()}")
    print(
        f"RESULT webrtc_calls={n} cpu_per_call_pct={pct['rtpengine']:.2f} "
        f"chromium_per_call_pct={pct['chromium']:.2f} kamailio_per_call_pct={pct['kamailio']:.2f} "
        f"hotline_py_per_call_pct={pct['python']:.2f} machine_busy_pct={machine:.1f} "
        f"codec={args.codec}"
    )


if __name__ == "__main__":
    main()
