"""Voice gateway benchmark: concurrent calls through IVR -> queue -> agent phone, recorded.

`.venv/bin/python bench/voice.py [--quick] [--workers N]`

A real center (`hotline init` with a one-queue bench center, agents a01…, served with the voice
routes), the gateway (one pjsua2 media worker, or N behind Kamailio's dispatcher), one sipp UAS
with `-rtp_echo` answering for every agent's phone, and sipp `uac_pcap`-style callers that press
0 in the demo IVR, talk (g711a pcap) while bridged, and hang up. Recording is on (both legs).

The load ramps: at each level L, 2·L callers arrive at L calls/s with at most L at once. A level
is held when every call succeeded at sipp AND was bridged to an agent (a `voice.bridged` fact).
Reported: the highest level held (= concurrent bridged conversations), calls per second set up
at that level, failed calls at the first level that failed (or 0), the media workers' CPU per
bridged call (IVR prompt, queue, ring, bridge, two recordings, ~8 s of talk) and their resident
memory per concurrent conversation.

The wheel's limit is 4 call legs per process, i.e. 2 bridged conversations per worker: with one
worker the honest ceiling is 2, and the ramp shows the 3rd caller refused (486) at level 3.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from websockets.sync.client import connect

from hotline.bootstrap import DEMO_PASSWORD
from hotline.channels.sip.peers import Proc, free_port, free_port_block, sipp_scenario

ROOT = Path(__file__).resolve().parents[1]
DEMO_IVR = ROOT / "src/hotline/channels/sip/demo_ivr.yaml"
HOLD_S = 4


def center_yaml(agents: int) -> str:
    lines = [
        "center: {name: voice-bench, strategy: longest_idle}",
        "queues:",
        "  - {id: general, name: General, skills: {general: 1}, wrap_up_s: 0, offer_timeout_s: 10}",
        "agents:",
    ]
    lines += [
        f"  - {{id: a{i:02d}, name: A{i}, skills: {{general: 5}}}}" for i in range(1, agents + 1)
    ]
    return "\n".join(lines) + "\n"


class Facts:
    """Counts facts from the server's stream (as the supervisor)."""

    def __init__(self, base: str, token: str) -> None:
        self.items: list[dict] = []
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.url = f"ws{base[4:]}/api/stream?token={token}"
        threading.Thread(target=self._run, daemon=True).start()
        self.ready.wait(10)

    def _run(self) -> None:
        with connect(self.url, max_size=None) as ws:
            ws.recv(timeout=10)
            self.ready.set()
            while not self.stop.is_set():
                try:
                    item = json.loads(ws.recv(timeout=0.5))
                except TimeoutError:
                    continue
                if item.get("type") == "event":
                    self.items.append(item)

    def kind(self, kind: str, since: float) -> list[dict]:
        return [f for f in self.items if f["kind"] == kind and f["at"] >= since]


def cpu_s(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def rss_mb(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def worker_pids(root: int) -> list[int]:
    """The media worker processes (python …sip.worker) under `root`."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if "hotline.channels.sip.worker" in cmd and "timeout" not in cmd.split()[0]:
            ppid = int(stat[1])
            if ppid == root or _descends(ppid, root):
                out.append(int(entry.name))
    return out


def _descends(pid: int, root: int) -> bool:
    for _ in range(6):
        if pid in (root, 0, 1):
            return pid == root
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            return False
    return False


def run_level(work: Path, sip_port: int, level: int, facts: Facts) -> dict:
    calls = 2 * level
    xml = work / f"caller-{level}.xml"
    hold = [("pause", 1500), ("dtmf", "0"), ("pause", 1200), ("audio", None)]
    xml.write_text(sipp_scenario([*hold, ("pause", HOLD_S * 1000)]))
    csv = work / f"caller-{level}.csv"
    argv = ["sipp", "-sf", str(xml), "-i", "127.0.0.1", "-mi", "127.0.0.1"]
    argv += ["-p", str(free_port()), "-mp", str(free_port_block(4 * calls + 8))]
    argv += ["-m", str(calls), "-l", str(level), "-r", str(level), "-s", "966666", "-nostdin"]
    argv += ["-trace_stat", "-stf", str(csv), "-fd", "1", f"127.0.0.1:{sip_port}"]
    start = time.time()
    proc = subprocess.run(["timeout", "120", *argv], cwd=work, capture_output=True)
    time.sleep(1.0)
    rows = csv.read_text().strip().splitlines()
    stats = dict(zip(rows[0].split(";"), rows[-1].split(";"), strict=False))
    ok, failed = int(stats["SuccessfulCall(C)"]), int(stats["FailedCall(C)"])
    bridged = facts.kind("voice.bridged", start)
    # Setup rate of the first wave (the second wave waits for free slots by design).
    answered = sorted(f["at"] for f in facts.kind("voice.answered", start))[:level]
    span = (answered[-1] - answered[0]) if len(answered) > 1 else 0.0
    return {
        "level": level,
        "calls": calls,
        "ok": ok,
        "failed": failed + max(0, ok - len(bridged)),
        "bridged": len(bridged),
        "sipp_rc": proc.returncode,
        "cps": (len(answered) - 1) / span if span > 0 else 0.0,
        "seconds": time.time() - start,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one worker, levels 2 and 3 (< 60 s)")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--levels", default=None, help="comma-separated concurrency levels")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    args = ap.parse_args()
    workers = 1 if args.quick else args.workers
    cap = 2 * workers
    levels = [int(x) for x in args.levels.split(",")] if args.levels else [cap, cap + 1]
    env = {**os.environ, "HOTLINE_PASSWORD_HASH": "cheap"}
    work = Path(tempfile.mkdtemp(prefix="voice-bench-"))
    try:
        env["HOTLINE_DATABASE_URL"] = f"sqlite:///{work / 'hotline.db'}"
        (work / "center.yaml").write_text(center_yaml(cap + 2))
        init = [sys.executable, "-m", "hotline.cli", "init", "--config", str(work / "center.yaml")]
        subprocess.run([*init, "--demo-logins"], env=env, check=True, capture_output=True)
        procs: list[Proc] = []
        try:
            port = free_port()
            srv = [
                sys.executable,
                "-m",
                "hotline.cli",
                "serve",
                "--port",
                str(port),
                "--no-access-log",
            ]
            procs.append(Proc(srv, work / "server.log", env=env))
            base = f"http://127.0.0.1:{port}"
            _wait(base)
            uas_port = free_port()
            uas = ["sipp", "-sn", "uas", "-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", str(uas_port)]
            uas += ["-mp", str(free_port_block(4 * cap + 8)), "-rtp_echo", "-nostdin"]
            procs.append(Proc(uas, work / "uas.log", cwd=work))
            sip_port = free_port()
            gateway = {
                "core": {"url": base, "username": "channel", "password": DEMO_PASSWORD},
                "sip": {
                    "address": "127.0.0.1",
                    "port": sip_port,
                    "rtp_port": free_port_block(40 * workers),
                },
                "workers": workers,
                "front": {
                    "worker_port": free_port_block(workers + 1),
                    "run_dir": str(work / "kam"),
                },
                "ivr": str(DEMO_IVR),
                "prompts_dir": str(work / "prompts"),
                "recordings_dir": str(work / "recordings"),
                "agents": {
                    f"a{i:02d}": f"sip:a{i:02d}@127.0.0.1:{uas_port}" for i in range(1, cap + 3)
                },
            }
            (work / "gateway.yaml").write_text(json.dumps(gateway))
            module = "front" if workers > 1 else "worker"
            gw_argv = [sys.executable, "-m", f"hotline.channels.sip.{module}"]
            gw = Proc([*gw_argv, "--config", str(work / "gateway.yaml")], work / "gw.log", env=env)
            procs.append(gw)
            if workers == 1:
                gw.wait_for("READY", 60)
            else:
                end = time.time() + 90
                while gw.log.read_text().count("READY") < workers and time.time() < end:
                    time.sleep(0.2)
                time.sleep(4)  # Kamailio's OPTIONS pings (every 2 s) mark the workers up
            sup = _login(base, "supervisor")
            facts = Facts(base, sup)
            for i in range(1, cap + 3):
                c = httpx.Client(
                    base_url=base, headers={"Authorization": f"Bearer {_login(base, f'a{i:02d}')}"}
                )
                # phone-only agents: the core must not offer them chats or callback tasks
                login = {"state": "login", "channels": ["voice"]}
                for body in (login, {"state": "available"}):
                    c.post("/api/agents/me/state", json=body).raise_for_status()
            pids = worker_pids(gw.pid)
            held, first_fail, best = 0, 0, None
            cpu0, calls_done, bridged_total = cpu_s(pids), 0, 0
            for level in levels:
                r = run_level(work, sip_port, level, facts)
                calls_done += r["calls"]
                bridged_total += r["bridged"]
                print(
                    f"level {level:>3}: {r['ok']}/{r['calls']} ok at sipp, {r['bridged']} bridged, "
                    f"failed {r['failed']}, setup {r['cps']:.1f} calls/s, {r['seconds']:.1f} s",
                    flush=True,
                )
                if r["failed"] == 0:
                    held, best = level, r
                else:
                    first_fail = r["failed"]
                    break
            cpu = cpu_s(pids) - cpu0
            rss = rss_mb(pids)
            print(
                f"workers {len(pids)}: CPU {cpu:.2f} s for {bridged_total} bridged calls "
                f"({calls_done} offered), RSS {rss:.0f} MB"
            )
            facts.stop.set()
        finally:
            for p in reversed(procs):
                p.stop()
    finally:
        if args.keep:
            print(f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    cps = best["cps"] if best else 0.0
    print(
        f"RESULT max_concurrent_calls={held} cps={cps:.1f} failed_calls={first_fail} "
        f"cpu_ms_per_call={1000 * cpu / max(1, bridged_total):.0f} "
        f"rss_mb_per_call={rss / max(1, held):.1f}"
    )


def _login(base: str, user: str) -> str:
    r = httpx.post(f"{base}/api/auth/login", json={"username": user, "password": DEMO_PASSWORD})
    r.raise_for_status()
    return r.json()["token"]


def _wait(base: str) -> None:
    end = time.time() + 30
    while time.time() < end:
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


if __name__ == "__main__":
    main()
