"""pjsua objects must die on the pjsua thread, even when Python's GC would collect elsewhere.

Before the fix a worker aborted under load with "Calling pjlib from unknown/external thread":
a player in a garbage cycle was collected by the cyclic GC on an HTTP thread. The test runs in a
child process (an abort would kill pytest) and fails if that child aborts.
"""

import importlib.util
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pjsua2") is None or shutil.which("sox") is None,
    reason="pjsua2 or sox missing: run scripts/voice-deps.sh",
)

CHILD = """
import os, socket, subprocess, sys, threading
from pathlib import Path
from hotline.channels.sip.media import Engine
from hotline.channels.sip.peers import free_port, free_port_block

wav = Path(sys.argv[1])
subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(wav),
                "synth", "1", "sine", "440"], check=True)
e = Engine("127.0.0.1", free_port(), free_port_block(20), 20, log_level=0)

class Call:  # a call and its media in a reference cycle, like PhoneCall <-> Leg
    pass

for _ in range(20):
    c = Call()
    c.me, c.player = c, e.player([wav], loop=True)
del c

def http_lane():  # allocates a lot, as a busy HTTP client thread does
    junk = [[i] for i in range(300000)]
    return len(junk)

t = threading.Thread(target=http_lane)
t.start()
t.join()
e.poll(10)
print("survived", flush=True)
os._exit(0)
"""


def test_garbage_holding_pjsua_objects_is_collected_on_the_pjsua_thread(tmp_path):
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "tone.wav")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "unknown/external thread" not in run.stderr + run.stdout
    assert run.returncode == 0 and "survived" in run.stdout, run.stderr[-2000:]
