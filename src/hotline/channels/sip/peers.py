"""Real SIP peers on 127.0.0.1 for the gateway's tests and benchmark: sipp, baresip, processes.

Every process runs under `timeout` (so nothing outlives a crashed test) and is stopped by its
own PID, never by name: other people's servers share these machines.

- `sipp_scenario` writes a `uac_pcap`-style caller: INVITE, ACK, then steps that play the
  RTP / RFC 2833 pcaps Debian ships in /usr/share/sip-tester, then BYE (or wait for ours).
- `Baresip` is a headless auto-answering phone that plays a WAV and is driven over ctrl_tcp
  (netstring JSON). Its ctrl port must not be its SIP port + 1: baresip puts SIP-TLS there.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import socket
import struct
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from hotline.channels.sip.link import busy_ports

PCAPS = Path("/usr/share/sip-tester")
_PCAP_KEYS = {"*": "star", "#": "pound"}

_HEAD = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="hotline caller">
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "caller" <sip:{user}@[local_ip]:[local_port]>;tag=[pid]SIPpTag09[call_number]
      To: [service] <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:{user}@[local_ip]:[local_port]
      Max-Forwards: 70
{extra}      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[local_ip_type] [local_ip]
      t=0 0
      m=audio [auto_media_port] RTP/AVP 8 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-11,16

    ]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rtd="true" rrs="true">{check}
  <send><![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "caller" <sip:{user}@[local_ip]:[local_port]>;tag=[pid]SIPpTag09[call_number]
      To: [service] <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      [routes]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: sip:{user}@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>
"""
_BYE = """  <send retrans="500"><![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "caller" <sip:{user}@[local_ip]:[local_port]>;tag=[pid]SIPpTag09[call_number]
      To: [service] <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      [routes]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: sip:{user}@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>
  <recv response="200" crlf="true"/>
</scenario>
"""
_WAIT_BYE = """  <recv request="BYE" timeout="{ms}"/>
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]></send>
</scenario>
"""

# ("pause", ms) · ("dtmf", "0") · ("audio", None) · ("pcap", path) · ("wait_bye", ms)
Step = tuple[str, object]


def sipp_scenario(
    steps: Sequence[Step],
    user: str = "13800000001",
    headers: Sequence[str] = (),
    require_in_200: str | None = None,
) -> str:
    """A caller scenario; ends with our BYE unless the last step is ("wait_bye", ms).

    `headers` are extra INVITE header lines; `require_in_200` names a header the 200 must carry
    (the call fails otherwise).
    """
    extra = "".join(f"      {h}\n" for h in headers)
    check = "</recv>"
    if require_in_200:
        check = (
            f'<action><ereg regexp=".+" search_in="hdr" header="{require_in_200}:" '
            'check_it="true" assign_to="hdr"/></action></recv>\n'
            '  <Reference variables="hdr"/>'  # sipp refuses a variable that is never used
        )
    head = _HEAD.replace("{extra}", extra).replace("{check}", check)
    body = [head.replace("{user}", user)]
    end = _BYE.replace("{user}", user)
    for kind, arg in steps:
        if kind == "pause":
            body.append(f'  <pause milliseconds="{int(arg)}"/>\n')  # type: ignore[call-overload]
        elif kind in ("dtmf", "audio"):
            key = _PCAP_KEYS.get(str(arg), str(arg))
            name = f"dtmf_2833_{key}" if kind == "dtmf" else "g711a"
            pcap = PCAPS / f"{name}.pcap"
            body.append(f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>\n')
        elif kind == "pcap":  # any RTP pcap, e.g. `tone_pcap`'s
            body.append(f'  <nop><action><exec play_pcap_audio="{arg}"/></action></nop>\n')
        elif kind == "wait_bye":
            end = _WAIT_BYE.replace("{ms}", str(int(arg)))  # type: ignore[call-overload]
        else:
            raise ValueError(f"unknown step {kind!r}")
    return "".join(body) + end


def sip_options(address: str, port: int, timeout_s: float = 1.0) -> int | None:
    """Send one OPTIONS over UDP; the final status code, or None when nothing answered."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((address, 0))
        me = s.getsockname()[1]
        tag = f"{os.getpid()}{time.monotonic_ns()}"
        msg = (
            f"OPTIONS sip:{address}:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {address}:{me};branch=z9hG4bK{tag}\r\n"
            f"From: <sip:probe@{address}:{me}>;tag={tag}\r\nTo: <sip:{address}:{port}>\r\n"
            f"Call-ID: {tag}@{address}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
            "Content-Length: 0\r\n\r\n"
        )
        s.settimeout(timeout_s)
        try:
            s.sendto(msg.encode(), (address, port))
            while True:
                line = s.recv(65535).decode(errors="replace").split("\r\n", 1)[0]
                parts = line.split()
                if len(parts) >= 2 and parts[0] == "SIP/2.0" and not parts[1].startswith("1"):
                    return int(parts[1])
        except (TimeoutError, OSError, ValueError):
            return None


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (SIP uses one, ctrl_tcp the other)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        other = socket.SOCK_STREAM if kind == socket.SOCK_DGRAM else socket.SOCK_DGRAM
        with contextlib.suppress(OSError), socket.socket(socket.AF_INET, other) as s:
            s.bind(("127.0.0.1", port))
            return port
    raise RuntimeError("no free port")


def _port_with_free_next() -> int:
    for _ in range(50):
        port = free_port()
        with contextlib.suppress(OSError), socket.socket() as s:
            s.bind(("127.0.0.1", port + 1))
            return port
    raise RuntimeError("no free port pair")


def free_port_block(size: int, start: int = 30000, end: int = 60000) -> int:
    """The first port of `size` consecutive UDP ports all free now (for an RTP range).

    On a conflict the search restarts just past the busy port (not a fixed jump): a 4,200-port
    block for a 200-call pool must fit between whatever other peers hold in the range."""
    span = end - start - size
    base = start + (os.getpid() * 97) % span
    tried = 0
    while tried < end - start:
        taken = busy_ports(range(base, base + size), "127.0.0.1")
        busy = taken[0] if taken else None
        if busy is None:
            return base
        tried += busy + 1 - base
        base = busy + 1 if busy + 1 <= start + span else start
    raise RuntimeError(f"no block of {size} free UDP ports in {start}-{end}")


class Proc:
    """A child process under `timeout`, logging to a file, stopped by PID."""

    def __init__(self, argv: list[str], log: Path, limit_s: int = 600, **popen) -> None:
        self.log = log
        self.fh = log.open("ab")
        self.p = subprocess.Popen(
            ["timeout", "-k", "5", str(limit_s), *argv],
            stdout=self.fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            **popen,
        )

    @property
    def pid(self) -> int:
        return self.p.pid

    def wait_for(self, text: str, timeout_s: float = 30.0) -> None:
        end = time.time() + timeout_s
        while time.time() < end:
            if text in self.log.read_text(errors="replace"):
                return
            if self.p.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"{text!r} not seen; log {self.log}:\n{self.log.read_text()[-3000:]}")

    def stop(self, grace_s: float = 8.0) -> int | None:
        """SIGTERM the process group this child leads (timeout + the real program)."""
        if self.p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.p.pid, signal.SIGTERM)
            try:
                self.p.wait(grace_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait(5)
        self.fh.close()
        return self.p.returncode


def tone_wav(path: Path, freq: int, seconds: float = 120) -> Path:
    """A sine tone at 8 kHz mono: what an agent's phone "says" in the tests."""
    cmd = ["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(path)]
    subprocess.run([*cmd, "synth", str(seconds), "sine", str(freq), "vol", "0.5"], check=True)
    return path


def tone_pcap(path: Path, freq: int, seconds: float = 60.0) -> Path:
    """A pcap of A-law RTP carrying a sine tone, for sipp's `play_pcap_audio`: a caller that
    "says" one frequency, so who hears the caller is a spectrum check, like the phones' tones."""
    n = int(8000 * seconds)
    t = [i / 8000 for i in range(n)]
    pcm = [int(12000 * math.sin(2 * math.pi * freq * x)) for x in t]
    alaw = bytes(_alaw(v) for v in pcm)
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for k in range(n // 160):
        rtp = (
            struct.pack("!BBHII", 0x80, 8, k & 0xFFFF, k * 160, 0x1234)
            + alaw[k * 160 : k * 160 + 160]
        )
        udp = struct.pack("!HHHH", 6000, 6002, 8 + len(rtp), 0) + rtp
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), k & 0xFFFF, 0, 64, 17, 0,
                         bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])) + udp  # fmt: skip
        frame = b"\x00" * 12 + b"\x08\x00" + ip
        usec = k * 20_000
        out.append(
            struct.pack("<IIII", usec // 1_000_000, usec % 1_000_000, len(frame), len(frame))
        )
        out.append(frame)
    path.write_bytes(b"".join(out))
    return path


def _alaw(sample: int) -> int:
    """ITU-T G.711 A-law encoding of one 16-bit sample."""
    sign = 0x80 if sample >= 0 else 0x00
    v = min(abs(sample), 32635) >> 3  # 13-bit magnitude
    if v < 32:
        code = v >> 1
    else:
        exp = v.bit_length() - 5
        code = (exp << 4) | ((v >> exp) & 0x0F)
    return (code | sign) ^ 0x55


class Baresip:
    """A headless baresip phone: auto-answers as `user`, sends `tone`, dumps what it hears."""

    def __init__(
        self,
        workdir: Path,
        user: str,
        tone: Path,
        rtp_base: int,
        registrar: str | None = None,
        password: str | None = None,
        answermode: str = "auto",
    ) -> None:
        """`registrar` ("host:port") and `password`: register there with digest auth (a desk
        phone); without them the phone only listens at `uri` (a static agent phone).
        `answermode="manual"`: it rings and never picks up (a customer who does not answer)."""
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.user = user
        self.sip_port = _port_with_free_next()  # baresip binds SIP-TLS on port + 1
        self.ctrl_port = free_port(socket.SOCK_STREAM)
        self.uri = f"sip:{user}@127.0.0.1:{self.sip_port}"
        conf = {
            "poll_method": "epoll",
            "sip_listen": f"127.0.0.1:{self.sip_port}",
            "sip_transports": "udp",
            "net_interface": "127.0.0.1",
            "audio_player": "alsa,null",
            "audio_alert": "alsa,null",
            "audio_source": f"aufile,{tone}",
            "audio_srate": "8000",
            "audio_channels": "1",
            "rtp_ports": f"{rtp_base}-{rtp_base + 19}",
            "module_path": "/usr/lib/baresip/modules",
            "ctrl_tcp_listen": f"127.0.0.1:{self.ctrl_port}",
            "snd_path": str(self.dir),
        }
        lines = [f"{k}\t{v}" for k, v in conf.items()]
        lines += [f"module\t{m}.so" for m in ("g711", "alsa", "aufile", "sndfile")]
        lines += [f"module_app\t{m}.so" for m in ("account", "menu", "ctrl_tcp")]
        (self.dir / "config").write_text("\n".join(lines) + "\n")
        account = f"<{self.uri}>;regint=0;answermode={answermode};audio_codecs=PCMU,PCMA\n"
        if registrar:
            account = f"<sip:{user}@{registrar}>;auth_pass={password};regint=60;"
            account += "answermode=auto;audio_codecs=PCMU,PCMA\n"
        (self.dir / "accounts").write_text(account)
        self.proc: Proc | None = None

    def start(self) -> Baresip:
        self.proc = Proc(["baresip", "-f", str(self.dir)], self.dir / "baresip.log")
        end = time.time() + 15
        while time.time() < end:
            with contextlib.suppress(OSError):
                self.command("listcalls")
                return self
            time.sleep(0.2)
        raise RuntimeError(
            f"baresip did not start: {(self.dir / 'baresip.log').read_text()[-2000:]}"
        )

    def command(self, command: str, params: str = "") -> dict:
        """One ctrl_tcp command; returns its response (events that come first are skipped)."""
        msg = json.dumps({"command": command, "params": params, "token": "t"}).encode()
        with socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=5) as s:
            s.sendall(str(len(msg)).encode() + b":" + msg + b",")
            buf = b""
            end = time.time() + 5
            while time.time() < end:
                buf += s.recv(65536)
                while b":" in buf:
                    size, rest = buf.split(b":", 1)
                    n = int(size)
                    if len(rest) < n + 1:
                        break
                    item, buf = json.loads(rest[:n]), rest[n + 1 :]
                    if item.get("response"):
                        return item
        raise TimeoutError(f"baresip gave no answer to {command}")

    def registered(self) -> bool:
        """Whether the registrar accepted this phone's last REGISTER (baresip's `reginfo`)."""
        data = self.command("reginfo").get("data") or ""
        return "OK" in data and "ERR" not in data

    def dumps(self, kind: str = "dec") -> list[Path]:
        """What the phone heard (`dec`) or sent (`enc`), one WAV per call, oldest first."""
        return sorted(self.dir.glob(f"dump-*-{kind}.wav"))

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()
