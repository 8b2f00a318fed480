"""QA benchmark: audio hours analysed per wall hour, and phrase recall/precision under ASR errors.

`.venv/bin/python bench/qa.py [--quick]`

Audio: one 2-channel English call is made with espeak-ng + sox (8 kHz, like the gateway's
recordings; ~45 s, agent and customer taking turns, 12 s of dead air), then analysed
repeatedly with VAD only, and once with VAD + ASR (Whisper tiny.en via faster-whisper, int8,
one worker per core running a call each). "Audio hours" count call time, not channel time.
The machine is shared with other jobs while this runs, so the figures are pessimistic.

Phrases: seeded Chinese transcripts (hotline filler sentences), a third with one forbidden
phrase planted, each planted phrase damaged the way ASR damages it - a homophone character
(不知到 for 不知道), an insertion (不归我们管 for 不归我管), or a dropped character - or left
clean; negatives include near-misses (知道了, 办法很多). Our matcher (exact + pinyin + gap
patterns) is compared with exact substring matching of the same phrase list. A transcript
counts as flagged when any forbidden rule hits.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from pypinyin import lazy_pinyin

from hotline.qa.analyse import Analyser
from hotline.qa.asr import Segment, default_backend
from hotline.qa.audio import Audio, resample
from hotline.qa.rules import load_rules

LINES = [
    ("a", "Good morning, thank you for calling. How can I help you today?"),
    ("c", "Hello, I have a problem with my electricity bill this month."),
    ("a", "Please tell me your account number so I can verify it."),
    ("c", "It is one two three four five six."),
    ("a", "Thank you. I can see the bill. There was a late payment fee."),
    ("c", "Why was I charged a late fee? I paid on time."),
    ("a", "Let me check the payment records for you, one moment please."),
    ("gap", ""),
    ("a", "I found it. The payment arrived two days late, the fee stays."),
    ("c", "That is not fair, I want to make a complaint."),
    ("a", "Is there anything else? Thank you for calling, goodbye."),
]

FILLER = [
    "我家从昨天晚上开始就停电了",
    "请问什么时候能来电",
    "我的户号是一二三四五六",
    "您稍等我帮您查询一下",
    "这个月的电费比上个月高了很多",
    "我已经交过费了为什么还欠费",
    "抢修人员大概两个小时后到",
    "好的我知道了谢谢",  # near-miss: 知道
    "办法很多您可以在网上办理",  # near-miss: 办法
    "这个问题归供电所负责",  # near-miss: 归 ... 负责
    "您可以拨打我们的服务热线",
    "麻烦您核实一下身份证号",
    "我们会尽快给您回复",
    "您还有什么其他问题吗",
]
PLANTS = ["不知道", "没办法", "不归我管", "你烦不烦", "听不懂吗", "自己去查", "不是我的问题"]
COMMON = (
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学"
    "对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面"
    "公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部"
    "正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关"
    "并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安"
    "表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共"
    "风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管"
    "夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品"
    "士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研"
    "像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济"
)


def _homophones() -> dict[str, list[str]]:
    by: dict[str, list[str]] = {}
    for ch in dict.fromkeys(COMMON):
        by.setdefault(lazy_pinyin(ch)[0], []).append(ch)
    return by


def damage(phrase: str, kind: str, rng: random.Random, homo: dict[str, list[str]]) -> str:
    chars = list(phrase)
    if kind == "homophone":
        spots = [i for i, c in enumerate(chars) if len(homo.get(lazy_pinyin(c)[0], [])) > 1]
        if spots:
            i = rng.choice(spots)
            others = [c for c in homo[lazy_pinyin(chars[i])[0]] if c != chars[i]]
            chars[i] = rng.choice(others)
    elif kind == "insertion" and len(chars) > 2:
        i = rng.randrange(1, len(chars) - 1)
        chars.insert(i + 1, rng.choice("们这那个"))
    elif kind == "deletion" and len(chars) > 3:
        del chars[rng.randrange(1, len(chars) - 1)]
    return "".join(chars)


def phrase_bench(n: int, seed: int = 7) -> dict[str, float]:
    rng, homo = random.Random(seed), _homophones()
    rules = load_rules()
    analyser = Analyser(rules)
    literal = [p for r in rules.forbidden for p in r.phrases]
    kinds = ["homophone"] * 4 + ["insertion"] * 3 + ["deletion"] * 1 + ["clean"] * 2
    tp = fp = fn = etp = efp = efn = 0
    for _ in range(n):
        words = rng.sample(FILLER, 3)
        planted = rng.random() < 1 / 3
        if planted:
            words.insert(rng.randrange(4), damage(rng.choice(PLANTS), rng.choice(kinds), rng, homo))
        text = "，".join(words) + "。"
        ours = any(
            f.kind == "forbidden" for f in analyser.chat([Segment(0, 0, "agent", text)]).findings
        )
        exact = any(p in text for p in literal)
        tp, fp, fn = (
            tp + (ours and planted),
            fp + (ours and not planted),
            fn + (planted and not ours),
        )
        etp, efp = etp + (exact and planted), efp + (exact and not planted)
        efn += planted and not exact
    return {
        "phrase_recall": tp / max(1, tp + fn),
        "phrase_precision": tp / max(1, tp + fp),
        "exact_match_recall": etp / max(1, etp + efn),
        "exact_match_precision": etp / max(1, etp + efp),
    }


def _say(text: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "r.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(raw), text], check=True)
        with wave.open(str(raw)) as w:
            data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
            rate = w.getframerate()
    return resample(resample(data, rate, 8000), 8000)  # through 8 kHz, like a phone call


def make_call() -> dict[str, Audio]:
    chans: dict[str, list[tuple[float, np.ndarray]]] = {"agent": [], "customer": []}
    t = 0.5
    for who, line in LINES:
        if who == "gap":
            t += 12.0
            continue
        clip = _say(line)
        chans["agent" if who == "a" else "customer"].append((t, clip))
        t += len(clip) / 16000 + 0.7
    out = {}
    for spk, clips in chans.items():
        buf = np.zeros(int((t + 1) * 16000), dtype=np.int16)
        for at, clip in clips:
            i = int(at * 16000)
            buf[i : i + len(clip)] = clip[: len(buf) - i]
        out[spk] = Audio(buf)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    call = make_call()
    call_s = max(a.duration_s for a in call.values())
    analyser = Analyser(load_rules())
    channels = {spk: (a, 0.0) for spk, a in call.items()}
    reps = 20 if args.quick else 200
    t0 = time.perf_counter()
    for _ in range(reps):
        analyser.call(channels, None, "en")
    vad_rate = reps * call_s / (time.perf_counter() - t0)
    backend = default_backend("en", cpu_threads=1)
    analyser.call(channels, lambda _l: backend, "en")  # load the model outside the timing
    calls = cores if args.quick else 4 * cores
    t0 = time.perf_counter()
    with ThreadPoolExecutor(cores) as pool:
        results = list(
            pool.map(lambda _i: analyser.call(channels, lambda _l: backend, "en"), range(calls))
        )
    asr_rate = calls * call_s / (time.perf_counter() - t0)
    findings = sorted({f.kind for f in results[0].findings})
    ph = phrase_bench(600 if args.quick else 5000)
    day_h = 670 * 180 / 3600
    print(f"call {call_s:.1f} s, {cores} cores; findings in one call: {findings}")
    print(f"VAD only: {vad_rate / 3600 * 3600:.0f} audio s per wall s")
    print(
        f"VAD+ASR (tiny.en, {cores} workers): {asr_rate:.1f} audio s per wall s "
        f"-> airport day ({day_h:.1f} h of calls) in {day_h / asr_rate * 60:.0f} min"
    )
    print(
        f"phrases: ours recall {ph['phrase_recall']:.3f} precision {ph['phrase_precision']:.3f}; "
        f"exact recall {ph['exact_match_recall']:.3f} precision {ph['exact_match_precision']:.3f}"
    )
    print("(shared machine: other jobs ran at the same time, so the rates are pessimistic)")
    print(
        f"RESULT audio_hours_per_hour={asr_rate:.1f} vad_hours_per_hour={vad_rate:.0f} "
        f"phrase_recall={ph['phrase_recall']:.3f} phrase_precision={ph['phrase_precision']:.3f} "
        f"exact_match_recall={ph['exact_match_recall']:.3f}"
    )


if __name__ == "__main__":
    main()
