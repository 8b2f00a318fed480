"""The browser softphone with `softphone.codec: opus`: rtpengine offers the browser Opus only
and transcodes it to and from the worker's G.711. The same call as in test_voice_softphone.py,
asserting that the browser really sent and received Opus (WebRTC stats name the codec of both
RTP streams) and that the caller still heard its tone through the transcoder."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from .test_voice_softphone import (  # the rig's browser, desk page and helpers
    BROWSER_TONE_HZ,
    chromium,  # noqa: F401 (fixture)
    desk,  # noqa: F401 (fixture)
    ring_and_answer,
    softphone_tools,  # noqa: F401 (fixture)
    stats,
)
from .voice_rig import needs_peers, per_second, recordings, start_center, wait_until

pytestmark = needs_peers
# the codec of the inbound and outbound audio (getStats: the rtp entries name their codec)
CODEC_IN_USE = """async () => {
  const stats = await window.hotlineSoftphone.peer().getStats(), ids = [], names = {};
  stats.forEach((r) => {
    if (r.type === "codec") names[r.id] = r.mimeType;
    if (r.type === "inbound-rtp" || r.type === "outbound-rtp") ids.push(r.codecId);
  });
  return [...new Set(ids.map((id) => names[id]))].join(","); }"""


@pytest.fixture(scope="module")
def center(tmp_path_factory, softphone_tools):  # noqa: F811
    work = tmp_path_factory.mktemp("softphone-opus")
    with start_center(work, agents=("a01",), softphone={"codec": "opus"}) as c:
        yield c


def test_the_browser_speaks_opus_and_the_caller_hears_it_as_g711(center, desk):  # noqa: F811
    steps = [("pause", 2000), ("dtmf", "0"), ("pause", 1500), ("audio", None), ("wait_bye", 90000)]
    sipp, cid, bridged, a01 = ring_and_answer(center, desk, steps, "opus")
    wait_until(lambda: (stats(desk).get("packetsReceived") or 0) > 100, 15, "caller audio in")
    codec = desk.evaluate(CODEC_IN_USE)
    assert codec.lower() == "audio/opus", codec  # both directions
    time.sleep(max(0.0, bridged["at"] + 5.0 - time.time()))
    desk.click("[data-testid=phone-hangup]")
    center.stream.fact("contact.ended", cid, 15)
    assert sipp.wait(90) == 0, center.sipp_log("opus")
    files = wait_until(
        lambda: "caller" in (got := recordings(center.stream.of(cid))) and got, 20, "recording"
    )
    heard = per_second(Path(files["caller"]["path"]))
    tone = [i for i, (rms, hz) in enumerate(heard) if rms > 500 and abs(hz - BROWSER_TONE_HZ) < 20]
    assert len(tone) >= 3, heard
    a01.post("/api/agents/me/wrap-up-done")
