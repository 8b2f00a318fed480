"""One stereo recording per call (`recording: stereo`), with real SIP peers: the caller (a
2200 Hz tone from sipp) on the left channel, the agent side (a01's phone, 1000 Hz) on the
right, aligned in time, the two mono files gone, and QA reading each channel as its speaker.
"""

from __future__ import annotations

import time
import wave
from pathlib import Path

import numpy as np

from hotline.channels.sip.peers import tone_pcap
from hotline.qa.audio import read_wav as qa_read

from .voice_rig import needs_peers, start_center

pytestmark = needs_peers
CALLER, AGENT = 2200, 1000


def _share(x: np.ndarray, rate: int, hz: int) -> float:
    spec = np.abs(np.fft.rfft(x - x.mean())) ** 2
    f = np.fft.rfftfreq(len(x), 1 / rate)
    return float(spec[np.abs(f - hz) <= 25].sum() / max(spec.sum(), 1e-9))


def test_a_call_is_one_stereo_file_caller_left_agent_right(tmp_path):
    with start_center(tmp_path / "c", gateway={"recording": "stereo"}) as center:
        a01 = center.ready("a01")
        tone = tone_pcap(tmp_path / "caller.pcap", CALLER, seconds=20)
        steps = [("pause", 2000), ("dtmf", "0"), ("pause", 1500), ("pcap", tone)]
        sipp, cid = center.call([*steps, ("pause", 16000)], "stereo")
        bridged = center.stream.fact("voice.bridged", cid)["at"]
        time.sleep(max(0.0, bridged + 1 - time.time()))
        a01.post(f"/api/contacts/{cid}/hold").raise_for_status()  # a hold: one segment
        time.sleep(3)
        a01.post(f"/api/contacts/{cid}/resume").raise_for_status()
        assert sipp.wait(60) == 0, center.sipp_log("stereo")
        rec = center.stream.fact("voice.recording", cid)
        files = rec["data"]["files"]
        assert [(f["leg"], f["channels"]) for f in files] == [("stereo", ["caller", "agent"])]
        (hold,) = files[0]["segments"]
        assert hold["kind"] == "hold" and 2.5 < hold["end_s"] - hold["start_s"] < 4
        summary = center.stream.fact("voice.call", cid)["data"]
        assert [s["kind"] for s in summary["segments"]] == ["hold"]
        path = Path(files[0]["path"])
        with wave.open(str(path), "rb") as w:
            assert (w.getnchannels(), w.getframerate()) == (2, 8000)
            frames = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(float)
        assert abs(len(frames) / 2 / 8000 - files[0]["duration_s"]) < 0.01
        left, right = frames[0::2], frames[1::2]
        time.sleep(0.5)
        assert not list(path.parent.glob(f"{cid}-*.wav"))  # the mono files were merged
        start = path.stat().st_mtime - len(left) / 8000  # the file's first sample, wall clock
        lo = int((bridged + 6 - start) * 8000)
        seg = slice(lo, lo + 4 * 8000)  # four seconds bridged, after the hold
        assert _share(left[seg], 8000, CALLER) > 0.5 and _share(left[seg], 8000, AGENT) < 0.1
        assert _share(right[seg], 8000, AGENT) > 0.5 and _share(right[seg], 8000, CALLER) < 0.1
        held = slice(int((bridged + 1.5 - start) * 8000), int((bridged + 3.5 - start) * 8000))
        assert _share(right[held], 8000, AGENT) < 0.1  # on hold: music, not the agent
        customer, agent = qa_read(path, 0), qa_read(path, 1)  # QA: one speaker per channel
        assert customer.duration_s == agent.duration_s > 10
