"""Why the 966666 twin loses ~3 % of its callers when the airport publishes 1.29 % (issue 17).

    python bench/abandon_966666.py [--quick] [--seeds N]

Three pieces of evidence, over N seeds of the scenario's day (`--quick`: 8 seeds):

1. Where and when the abandons are: per 30-min interval (voice, short abandons excluded, as
   the KPI does), and for every abandon what the seats were doing at that instant (idle, on a
   call, holding chats only, on break, in wrap-up). An abandon while a seat with the skill sat
   idle would be a routing fault; abandons while every seat is on a call, a chat or a break are
   the roster's.
2. An independent queue model of the same day: Erlang A (M/M/N+M, the formula `bench/sim.py`
   checks the twin and SimPy against) per interval, with the twin's own offered voice calls,
   its mean handle time and the seats actually free for the phone in that interval (logged in,
   not on break, not holding a chat: a chat blocks a phone agent). If it predicts the twin's
   figure, the twin queues as a queue does and the gap to 1.29 % is in the scenario's roster.
3. Counterfactuals, one change at a time, same seeds: no breaks; breaks of the late shift
   moved out of the evening peak; no WeChat chats on the phone team; both.

The last line: `RESULT abandon_twin=... abandon_erlang_a=... abandon_no_breaks=... ...`.
"""

from __future__ import annotations

import argparse
import copy
import math
import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from hotline.kpi import compute_kpis, intervals  # noqa: E402
from hotline.sim import Simulation, scenario_from_dict  # noqa: E402
from hotline.wfm.erlang import erlang_a  # noqa: E402

PATH = ROOT / "scenarios" / "966666.yaml"
STEP = 1800.0


def _doc() -> dict:
    return yaml.safe_load(PATH.read_text(encoding="utf-8"))


def variant(name: str) -> dict:
    """The scenario document with one assumption changed."""
    doc = _doc()
    if name in ("no_breaks", "no_breaks_no_chat"):
        for shift in doc["staffing"]:
            shift["breaks"] = []
    if name == "late_breaks_moved":  # the late shift eats after the evening peak (19:30-)
        late = next(s for s in doc["staffing"] if s["name"] == "late")
        late["breaks"] = [
            {"after_min": 270, "minutes": 30, "reason": "meal"},
            {"after_min": 360, "minutes": 15},
        ]
    if name in ("no_chat", "no_breaks_no_chat"):
        doc["flows"] = [f for f in doc["flows"] if f["name"] != "wechat"]
    return doc


def run(doc: dict, seed: int) -> Simulation:
    doc = copy.deepcopy(doc)
    doc["seed"] = seed
    sim = Simulation(scenario_from_dict(doc, str(PATH), PATH.parent))
    sim.run()
    return sim


def voice_abandon(sim: Simulation) -> tuple[int, int]:
    sc = sim.scenario
    k = compute_kpis(sim.records, sc.start, sc.end, channel="voice", options=sc.kpi_options)
    return k.abandoned, k.offered


def seats_at_abandons(sim: Simulation, short_s: float) -> Counter:
    """For every (non-short) voice abandon, what the seats were doing at that instant."""
    state: dict[str, str] = {}
    holding: dict[str, dict[str, str]] = defaultdict(dict)  # agent -> contact -> channel
    out: Counter = Counter()
    for r in sim.records:
        if r.kind == "agent.state" and r.agent_id:
            state[r.agent_id] = r.data["to"]
        elif r.kind == "contact.answered" and r.agent_id:
            holding[r.agent_id][r.contact_id] = r.channel
        elif r.kind == "contact.ended":
            for h in holding.values():
                h.pop(r.contact_id, None)
            data = r.data
            if (
                data.get("outcome") == "abandoned"
                and r.channel == "voice"
                and (data.get("wait_s") or 0) >= short_s
            ):
                out["abandons"] += 1
                idle = [aid for aid, s in state.items() if s == "available" and not holding[aid]]
                if idle:  # who could have taken it, and did not
                    out[f"with an idle seat: {r.queue}"] += 1
                for aid, s in state.items():
                    channels = set(holding[aid].values())
                    if s == "offline":
                        continue
                    if "voice" in channels or "callback" in channels:
                        out["seat on a call"] += 1
                    elif channels:
                        out["seat holding chats only"] += 1
                    else:
                        out[f"seat {s}"] += 1
    return out


def seated_for_phone(sim: Simulation, a: float, b: float) -> float:
    """Mean number of seats in [a, b) logged in, not on break and holding no chat."""
    state: dict[str, tuple[str, float]] = {}
    chats: dict[str, int] = defaultdict(int)
    total = 0.0
    last = a
    free = 0

    def n_free() -> int:
        return sum(1 for aid, (s, _) in state.items() if s not in ("offline", "not_ready")
                   and chats[aid] == 0)  # fmt: skip

    for r in sim.records:
        if r.at >= b:
            break
        if r.at > last and r.at > a:
            total += free * (r.at - max(last, a))
            last = r.at
        if r.kind == "agent.state" and r.agent_id:
            state[r.agent_id] = (r.data["to"], r.at)
        elif r.kind == "contact.answered" and r.channel == "chat" and r.agent_id:
            chats[r.agent_id] += 1
        elif r.kind == "contact.ended" and r.channel == "chat" and r.agent_id:
            chats[r.agent_id] = max(0, chats[r.agent_id] - 1)
        free = n_free()
    total += free * (b - max(last, a))
    return total / (b - a)


def erlang_a_day(sim: Simulation) -> tuple[float, float, list[tuple[str, float, float, float]]]:
    """Expected voice abandons of the day by Erlang A per interval, and the offered calls."""
    sc = sim.scenario
    opts = sc.kpi_options
    day = compute_kpis(sim.records, sc.start, sc.end, channel="voice", options=opts)
    aht = day.aht_s or 180.0
    patience = 180.0  # the enquiries' mean; complaints 240, assistance 300 (a few %)
    expected, offered = 0.0, 0
    rows = []
    for t, k in intervals(sim.records, sc.start, sc.end, STEP, channel="voice", options=opts):
        if not k.offered:
            continue
        n = seated_for_phone(sim, t, t + STEP)
        lo, hi = math.floor(n), math.ceil(n)
        rate = k.offered / STEP

        def ab(m: int, rate: float = rate) -> float:
            return erlang_a(m, rate, aht, patience, opts.sl_threshold_s).abandon_rate

        p = ab(lo) if lo == hi else ab(lo) * (hi - n) + ab(hi) * (n - lo)
        expected += p * k.offered
        offered += k.offered
        h = (t - sc.start) % 86_400 / 3600
        rows.append((f"{int(h):02d}:{int(h * 60 % 60):02d}", n, k.abandoned / k.offered, p))
    return expected, offered, rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--seeds", type=int, default=None)
    args = p.parse_args()
    seeds = range(966666, 966666 + (args.seeds or (8 if args.quick else 30)))
    base = variant("base")
    short_s = base["kpi"]["short_abandon_s"]

    ab = of = 0
    seats: Counter = Counter()
    by_interval: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0, 0.0])
    expected = offered_ea = 0.0
    for seed in seeds:
        sim = run(base, seed)
        a, o = voice_abandon(sim)
        ab, of = ab + a, of + o
        seats += seats_at_abandons(sim, short_s)
        e, o2, rows = erlang_a_day(sim)
        expected, offered_ea = expected + e, offered_ea + o2
        for label, n, _obs, pred in rows:
            cell = by_interval[label]
            cell[2] += n
            cell[3] += pred
        for t, k in intervals(sim.records, sim.scenario.start, sim.scenario.end, STEP,
                              channel="voice", options=sim.scenario.kpi_options):  # fmt: skip
            h = (t - sim.scenario.start) % 86_400 / 3600
            cell = by_interval[f"{int(h):02d}:{int(h * 60 % 60):02d}"]
            cell[0] += k.abandoned
            cell[1] += k.offered
    n = len(seeds)
    print(f"966666, {n} seeds: voice abandon {ab}/{of} = {ab / of:.2%} (short abandons excluded)")
    print(f"Erlang A per interval, same offered calls and free seats: {expected / offered_ea:.2%}")
    print(f"{'interval':<9}{'offered':>8}{'abandon':>8}{'twin %':>8}{'free seats':>11}"
          f"{'Erlang A %':>11}{'share of abandons':>18}")  # fmt: skip
    for label in sorted(by_interval):
        a_, o_, seats_sum, pred_sum = by_interval[label]
        if o_ == 0:
            continue
        print(f"{label:<9}{o_ / n:>8.1f}{a_ / n:>8.2f}{a_ / o_:>8.1%}{seats_sum / n:>11.1f}"
              f"{pred_sum / n:>11.1%}{a_ / ab:>18.1%}")  # fmt: skip
    total = seats["abandons"]
    print(f"seats at the instant of each of {total} abandons (mean per abandon):")
    for key, v in sorted(seats.items()):
        if key.startswith("seat"):
            print(f"  {key:<26}{v / total:.2f}")
    for key, v in sorted(seats.items()):
        if key.startswith("with"):
            print(f"  abandons {key:<30}{v} of {total}")
    results = {"abandon_twin": ab / of, "abandon_erlang_a": expected / offered_ea}
    for name in ("no_breaks", "late_breaks_moved", "no_chat", "no_breaks_no_chat"):
        doc = variant(name)
        pairs = [voice_abandon(run(doc, s)) for s in seeds]
        rate = sum(a for a, _ in pairs) / sum(o for _, o in pairs)
        spread = statistics.stdev(a / o for a, o in pairs) / math.sqrt(n)
        print(f"counterfactual {name:<20} voice abandon {rate:.2%} (± {spread:.2%} s.e.)")
        results[f"abandon_{name}"] = rate
    print("RESULT seeds=" + str(n) + " " + " ".join(f"{k}={v:.4f}" for k, v in results.items()))


if __name__ == "__main__":
    main()
