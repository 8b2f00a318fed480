"""Voice gateway benchmark: concurrent calls through IVR -> queue -> agent phone, recorded.

`.venv/bin/python bench/voice.py --quick` (4 workers, 8 calls) or `bench/voice.py --calls 200
[--steps 100,200] [--rate 25]` (100 workers: the wheel allows 2 conversations per process).

A real center (`hotline init` with a one-queue bench center, agents a01…, served with the voice
routes), the gateway (the pool's controller with N pjsua2 media workers behind Kamailio's
dispatcher), one sipp UAS with `-rtp_echo` answering for every agent's phone, and sipp
`uac_pcap`-style callers that press 0 in the demo IVR, talk (g711a pcap) while bridged, and
hang up. Recording is on (both legs). Server, Kamailio, gateway and load generator share the node.

Each step S sends S callers at `--rate` calls/s, all of them on the line at once (each talks
until the last one is bridged, plus a few seconds). A step is held when every call succeeded at
sipp AND was bridged to an agent (a `voice.bridged` fact) AND no agent is left busy/reserved
afterwards. Reported (RESULT): the peak number of simultaneously bridged conversations in the
highest step held, the set-up rate of that step (answered calls/s), failed calls at the first
step that failed (or 0), the gateway's CPU per bridged call (controller + workers: IVR prompt,
queue, ring, bridge, two recordings, talk) and resident memory per concurrent conversation;
then per-worker and controller RSS, the gateway's share of a core per conversation, the whole
machine's busy share and load average during the top step (the machine may be shared: read the
load average before the figures), and agents left stuck.
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
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
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


def cpu_s(pids: Iterable[int]) -> float:
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


def gateway_pids(root: int, module: str, package: str = "hotline.channels.sip.") -> list[int]:
    """The processes running `python -m <package><module>` under `root`."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if f"{package}{module}" in cmd and "timeout" not in cmd.split()[0]:
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


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all cores so far, from /proc/stat."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = f[3] + f[4]
    return sum(f) - idle, sum(f)


def peak_overlap(spans: list[tuple[float, float]]) -> int:
    """The most intervals open at one instant."""
    marks = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
    now = peak = 0
    for _, d in marks:
        now += d
        peak = max(peak, now)
    return peak


def run_step(work: Path, sip_port: int, calls: int, rate: float, facts: Facts) -> dict:
    """`calls` callers at `rate`/s, all on the line together; counts what reached an agent."""
    xml = work / f"caller-{calls}.xml"
    # The first caller still talks when the last one is bridged (queue + ring take a few s).
    talk_ms = int(1000 * (calls / rate + 15))
    hold = [("pause", 1500), ("dtmf", "0"), ("pause", 1200), ("audio", None)]
    xml.write_text(sipp_scenario([*hold, ("pause", talk_ms)]))
    csv = work / f"caller-{calls}.csv"
    argv = ["sipp", "-sf", str(xml), "-i", "127.0.0.1", "-mi", "127.0.0.1"]
    argv += ["-p", str(free_port()), "-mp", str(free_port_block(4 * calls + 8))]
    argv += ["-m", str(calls), "-l", str(calls), "-r", f"{rate:g}", "-s", "966666", "-nostdin"]
    argv += ["-trace_stat", "-stf", str(csv), "-fd", "1", f"127.0.0.1:{sip_port}"]
    start = time.time()
    proc = subprocess.run(["timeout", "300", *argv], cwd=work, capture_output=True)
    time.sleep(2.0)
    rows = csv.read_text().strip().splitlines()
    stats = dict(zip(rows[0].split(";"), rows[-1].split(";"), strict=False))
    ok, failed = int(stats["SuccessfulCall(C)"]), int(stats["FailedCall(C)"])
    bridged = {f["contact_id"]: f["at"] for f in facts.kind("voice.bridged", start)}
    ends = {f["contact_id"]: f["at"] for f in facts.kind("voice.hangup", start)}
    spans = [(at, ends.get(cid, time.time())) for cid, at in bridged.items()]
    answered = sorted(
        f["data"].get("answered_at") or f["at"] for f in facts.kind("voice.answered", start)
    )
    span = (answered[-1] - answered[0]) if len(answered) > 1 else 0.0
    return {
        "calls": calls,
        "ok": ok,
        "failed": failed + max(0, ok - len(bridged)),
        "bridged": len(bridged),
        "peak": peak_overlap(spans),
        "sipp_rc": proc.returncode,
        "cps": (len(answered) - 1) / span if span > 0 else 0.0,
        "seconds": time.time() - start,
    }


def stuck_agents(sup: httpx.Client, wait_s: float = 60.0) -> list[str]:
    """Agents still busy or reserved `wait_s` after the step (wrap-up is 0 in the bench; a
    loaded server may still be ending the last calls when sipp has exited)."""
    end = time.time() + wait_s
    while True:
        agents = sup.get("/api/agents").json()
        stuck = [a["id"] for a in agents if a["state"] in ("busy", "reserved", "wrap_up")]
        if not stuck or time.time() > end:
            return stuck
        time.sleep(1.0)


def start_gateway(work: Path, base: str, workers: int, agents: int, env: dict) -> list[Proc]:
    """The agents' echo UAS and the pool (controller + workers + Kamailio); returns both."""
    uas_port = free_port()
    uas = ["sipp", "-sn", "uas", "-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", str(uas_port)]
    uas += ["-mp", str(free_port_block(4 * agents + 8)), "-rtp_echo", "-nostdin"]
    procs = [Proc(uas, work / "uas.log", cwd=work, limit_s=3000)]
    gateway = {
        "core": {"url": base, "username": "channel", "password": DEMO_PASSWORD},
        "sip": {"address": "127.0.0.1", "port": free_port(), "rtp_port": 0},
        "workers": workers,
        "front": {"worker_port": free_port_block(workers + 1), "run_dir": str(work / "kam")},
        "ivr": str(DEMO_IVR),
        "prompts_dir": str(work / "prompts"),
        "recordings_dir": str(work / "recordings"),
        "state_dir": str(work / "state"),
        "agents": {f"a{i:02d}": f"sip:a{i:02d}@127.0.0.1:{uas_port}" for i in range(1, agents + 1)},
    }
    # Free ports are only probed, not held: pick until the RTP block covers no SIP port.
    while True:
        rtp = free_port_block(40 * workers)
        base_port = gateway["front"]["worker_port"]
        sip = [gateway["sip"]["port"], *range(base_port, base_port + workers + 2)]
        if not any(rtp <= p < rtp + 40 * workers for p in sip):
            break
        gateway["sip"]["port"] = free_port()
        gateway["front"]["worker_port"] = free_port_block(workers + 1)
    gateway["sip"]["rtp_port"] = rtp
    (work / "gateway.yaml").write_text(json.dumps(gateway))
    argv = [
        sys.executable,
        "-m",
        "hotline.channels.sip.front",
        "--config",
        str(work / "gateway.yaml"),
    ]
    gw = Proc(argv, work / "gw.log", env=env, limit_s=3000)
    procs.append(gw)
    gw.wait_for("POOL READY", 60 + workers)
    time.sleep(4)  # Kamailio's OPTIONS pings (every 2 s) mark the workers up
    return procs


def agents_ready(base: str, agents: int) -> None:
    """Log every agent in, phone only (the core must not offer them chats or callback tasks).
    Done before the pool starts and 8 at a time: 200 logins on a loaded machine took minutes."""

    def ready(i: int) -> None:
        token = _login(base, f"a{i:02d}")
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
            for body in ({"state": "login", "channels": ["voice"]}, {"state": "available"}):
                c.post("/api/agents/me/state", json=body).raise_for_status()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(ready, range(1, agents + 1)))


def run_steps(args: argparse.Namespace, steps: list[int], base: str, gw: Proc, srv: Proc) -> dict:
    sup_token = _login(base, "supervisor")
    sup = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {sup_token}"})
    facts = Facts(base, sup_token)
    sip_port = json.loads((Path(gw.log).parent / "gateway.yaml").read_text())["sip"]["port"]
    wpids = gateway_pids(gw.pid, "worker")
    cpids = gateway_pids(gw.pid, "front")
    spids = gateway_pids(srv.pid, "cli serve", package="hotline.")
    gpids = [*wpids, *cpids]
    out: dict = {"held": None, "first_fail": 0, "stuck": [], "top": None}
    for calls in steps:
        cpu0, busy0, load0 = cpu_s(gpids), machine_busy(), os.getloadavg()[0]
        ccpu0, scpu0 = cpu_s(cpids), cpu_s(spids)
        r = run_step(Path(gw.log).parent, sip_port, calls, args.rate, facts)
        busy1 = machine_busy()
        r["cpu"], r["rss"] = cpu_s(gpids) - cpu0, rss_mb(gpids)
        r["controller_cpu"], r["server_cpu"] = cpu_s(cpids) - ccpu0, cpu_s(spids) - scpu0
        r["busy"] = 100 * (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1])
        r["load"] = max(load0, os.getloadavg()[0])
        out["stuck"] = stuck_agents(sup)
        out["top"] = r
        print(
            f"step {calls:>3}: {r['ok']}/{calls} ok at sipp, {r['bridged']} bridged, "
            f"peak {r['peak']} at once, failed {r['failed']}, set-up {r['cps']:.1f}/s, "
            f"{r['seconds']:.0f} s; gateway CPU {r['cpu']:.1f} s (controller "
            f"{r['controller_cpu']:.1f} s), server CPU {r['server_cpu']:.1f} s, machine busy "
            f"{r['busy']:.0f} %, load {r['load']:.1f}; stuck agents {out['stuck']}",
            flush=True,
        )
        if r["failed"] or out["stuck"]:
            out["first_fail"] = r["failed"]
            break
        out["held"] = r
        time.sleep(5)  # dispatcher load counters and pjsua slots settle
    out["w_rss"] = rss_mb(wpids) / max(1, len(wpids))
    out["c_rss"] = rss_mb(gateway_pids(gw.pid, "front"))
    print(f"workers {len(wpids)}: RSS {out['w_rss']:.1f} MB each; controller {out['c_rss']:.0f} MB")
    facts.stop.set()
    sup.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="4 workers, 8 calls (< 90 s)")
    ap.add_argument("--calls", type=int, default=200, help="the top step: callers at once")
    ap.add_argument("--steps", default=None, help="comma-separated steps (default: --calls)")
    ap.add_argument("--rate", type=float, default=25.0, help="new calls per second")
    ap.add_argument("--workers", type=int, default=None, help="default: calls / 2 + 5 %")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    args = ap.parse_args()
    if args.quick:
        args.calls, args.rate, args.steps = 8, 4.0, None
    steps = [int(x) for x in args.steps.split(",")] if args.steps else [args.calls]
    # 2 conversations per worker, plus ~5 % spare: a pjsua slot freed late (SIP notes, trap 1)
    # must not turn the last caller away.
    need = (max(steps) + 1) // 2
    workers = args.workers or max(2, need + max(1, need // 20))
    agents = max(steps) + 2
    env = {**os.environ, "HOTLINE_PASSWORD_HASH": "cheap"}
    work = Path(tempfile.mkdtemp(prefix="voice-bench-"))
    try:
        env["HOTLINE_DATABASE_URL"] = f"sqlite:///{work / 'hotline.db'}"
        (work / "center.yaml").write_text(center_yaml(agents))
        init = [sys.executable, "-m", "hotline.cli", "init", "--config", str(work / "center.yaml")]
        subprocess.run([*init, "--demo-logins"], env=env, check=True, capture_output=True)
        procs: list[Proc] = []
        try:
            port = free_port()
            srv = [sys.executable, "-m", "hotline.cli", "serve", "--port", str(port)]
            procs.append(
                Proc([*srv, "--no-access-log"], work / "server.log", env=env, limit_s=3000)
            )
            base = f"http://127.0.0.1:{port}"
            _wait(base)
            agents_ready(base, agents)
            procs += start_gateway(work, base, workers, agents, env)
            out = run_steps(args, steps, base, procs[-1], procs[0])
        finally:
            for p in reversed(procs):
                p.stop()
    finally:
        if args.keep:
            print(f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    held, top = out["held"], out["top"]
    peak = held["peak"] if held else 0
    per_conv = 100 * top["cpu"] / max(1.0, top["seconds"]) / max(1, top["peak"])
    print(
        f"RESULT max_concurrent_calls={peak} cps={held['cps'] if held else 0.0:.1f} "
        f"failed_calls={out['first_fail']} "
        f"cpu_ms_per_call={1000 * top['cpu'] / max(1, top['bridged']):.0f} "
        f"rss_mb_per_call={top['rss'] / max(1, top['peak']):.1f} "
        f"worker_rss_mb={out['w_rss']:.1f} controller_rss_mb={out['c_rss']:.0f} "
        f"core_pct_per_conversation={per_conv:.2f} machine_busy_pct={top['busy']:.0f} "
        f"load_avg={top['load']:.1f} stuck_agents={len(out['stuck'])}"
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
