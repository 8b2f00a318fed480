"""pjsua2 behind a small, poll-driven interface: legs, players, recorders, bridge.

Facts learnt the hard way with the pjsua2-python 2.15.1 wheel (see the team's SIP notes):
- polling model: no pjsua worker threads, `libHandleEvents(ms)` from the one loop thread, so
  every callback runs on that thread; callbacks here only queue `MediaEvent`s;
- `ci = call.getInfo()` must be kept in a variable before reading `ci.media`;
- the audio port of a call can change on a re-INVITE: the caller of this module reconnects
  its audio on every `media` event;
- every Call/player/recorder must stay referenced while pjsua may use it, and all must be
  dropped before `libDestroy()`; a Call whose `makeCall` failed must never be touched again
  (kept in `graveyard` for good) and the process ends with `os._exit` after `libDestroy()`;
- no sound card: `setNullDev()`; SIP and RTP bind to the configured address only;
- pjsua aborts the process ("Calling pjlib from unknown/external thread") when a pjsua object
  is destroyed on a thread it does not know. Python's cyclic GC runs on whichever thread
  allocates when a threshold trips - an HTTP lane or the event-stream thread - and calls and
  legs form cycles (leg.owner <-> call.caller), so under load a Leg or player died there and took
  every call of the worker with it. The Engine turns automatic collection off and `poll`
  collects on the pjsua thread instead (young objects each second, everything every 30 s).
"""

from __future__ import annotations

import collections
import contextlib
import gc
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pjsua2 as pj

log = logging.getLogger(__name__)

ACTIVE = pj.PJSUA_CALL_MEDIA_ACTIVE
CONFIRMED = pj.PJSIP_INV_STATE_CONFIRMED
DISCONNECTED = pj.PJSIP_INV_STATE_DISCONNECTED
SESSION_TIMER = {
    "off": pj.PJSUA_SIP_TIMER_INACTIVE,
    "optional": pj.PJSUA_SIP_TIMER_OPTIONAL,  # used when the peer supports it
    "required": pj.PJSUA_SIP_TIMER_REQUIRED,
    "always": pj.PJSUA_SIP_TIMER_ALWAYS,  # also with peers that do not say they support it
}


@dataclass(frozen=True, slots=True)
class MediaEvent:
    """kind: incoming (data: (remote URI, INVITE text)) · state (data: (state, status code)) ·
    media · dtmf."""

    kind: str
    leg: Leg
    data: Any = None


class Leg(pj.Call):
    """One SIP dialog. `role` is caller or agent; `owner` is the call it belongs to."""

    def __init__(
        self,
        engine: Engine,
        call_id: int = pj.PJSUA_INVALID_ID,
        role: str = "caller",
        account: Any = None,
    ):
        super().__init__(account or engine.account, call_id)
        self.engine = engine
        self.role = role
        self.owner: Any = None
        self.state = 0
        self.status = 0
        self.gone = False

    def onCallState(self, prm: Any) -> None:
        ci = self.getInfo()
        self.state, self.status = ci.state, ci.lastStatusCode
        self.gone = ci.state == DISCONNECTED
        if self.gone:
            # pjsua2's ~Call() hangs up the call *id* it was created for, and pjsua reuses ids:
            # destroying this object later (GC of its PhoneCall) would hang up whichever new
            # call holds the slot then - measured: a waiting caller cut off mid-prompt. So a
            # finished leg is never destroyed while the library runs (a few hundred bytes each).
            self.engine.morgue.append(self)
        self.engine.events.append(MediaEvent("state", self, (ci.state, ci.lastStatusCode)))

    def onCallMediaState(self, prm: Any) -> None:
        self.engine.events.append(MediaEvent("media", self))

    def onDtmfDigit(self, prm: Any) -> None:
        self.engine.events.append(MediaEvent("dtmf", self, str(prm.digit)))

    def audio(self) -> pj.AudioMedia | None:
        """The call's active audio port, or None (held, not negotiated yet, ended)."""
        i = self._audio_index()
        if i is None:
            return None
        try:
            return self.getAudioMedia(i)
        except pj.Error:
            return None

    def rx_packets(self) -> int | None:
        """RTP packets received on the active audio stream so far (None: no active stream).

        The worker polls this to find a dead leg: a phone that vanished without a BYE (power
        cut, network gone, killed softphone) stops sending RTP long before anything else says so.
        """
        i = self._audio_index()
        if i is None:
            return None
        try:
            st = self.getStreamStat(i)
            rtcp = st.rtcp
            return int(rtcp.rxStat.pkt)
        except pj.Error:
            return None

    def _audio_index(self) -> int | None:
        if self.gone:
            return None
        try:
            ci = self.getInfo()
            media = ci.media
            for i in range(len(media)):
                if media[i].type == pj.PJMEDIA_TYPE_AUDIO and media[i].status == ACTIVE:
                    return i
        except pj.Error:
            return None
        return None


class _Account(pj.Account):
    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine

    def onIncomingCall(self, prm: Any) -> None:
        leg = Leg(self.engine, prm.callId, "caller", account=self)
        ci = leg.getInfo()
        try:
            whole = prm.rdata.wholeMsg
        except Exception:  # the text is only for screening; never lose the call over it
            whole = ""
        self.engine.events.append(MediaEvent("incoming", leg, (ci.remoteUri, whole)))


class Engine:
    """One pjsua endpoint: a UDP transport, one account, the conference bridge at 8 kHz."""

    def __init__(
        self,
        address: str,
        port: int,
        rtp_port: int,
        rtp_range: int,
        log_level: int = 1,
        session_timer: str = "optional",
        session_expires_s: int = 600,
    ):
        self.address, self.port = address, port
        self.events: collections.deque[MediaEvent] = collections.deque()
        self.graveyard: list[Leg] = []
        self.morgue: list[Leg] = []  # finished legs, kept until shutdown (see Leg.onCallState)
        gc.disable()  # see the module docstring: garbage is collected in `poll` only
        # Everything imported so far lives for the whole process: moved out of the collector's
        # sight, the full collection every 30 s only walks the calls' own objects (perf showed
        # gc_collect_main among a busy pool's top symbols).
        gc.freeze()
        self._gc_at = (0.0, 0.0)  # next young / full collection (monotonic)
        self.ep = pj.Endpoint()
        self.ep.libCreate()
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        cfg.uaConfig.userAgent = "hotline-voice"
        cfg.medConfig.threadCnt = 0
        cfg.medConfig.clockRate = 8000  # prompts, G.711 and recordings are 8 kHz: no resampling
        cfg.medConfig.sndClockRate = 8000
        cfg.medConfig.noVad = True
        cfg.medConfig.ecTailLen = 0
        cfg.logConfig.level = log_level
        cfg.logConfig.consoleLevel = log_level
        self.ep.libInit(cfg)
        tc = pj.TransportConfig()
        tc.port, tc.boundAddress, tc.publicAddress = port, address, address
        self.ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tc)
        self.ep.libStart()
        self.ep.audDevManager().setNullDev()
        ac = pj.AccountConfig()
        ac.idUri = f"sip:hotline@{address}:{port}"
        mt = ac.mediaConfig.transportConfig
        mt.boundAddress, mt.publicAddress, mt.port, mt.portRange = (
            address,
            address,
            rtp_port,
            rtp_range,
        )
        ac.mediaConfig.lockCodecEnabled = False  # avoids an extra re-INVITE after answer
        # RFC 4028 session timers: a dialog nobody refreshes is ended by pjsip with a BYE.
        ac.callConfig.timerUse = SESSION_TIMER[session_timer]
        ac.callConfig.timerSessExpiresSec = session_expires_s
        ac.callConfig.timerMinSESec = min(90, session_expires_s)
        self.account = _Account(self)
        self.account.create(ac)
        self._template = ac
        self.caller_ids: dict[str, pj.Account] = {}  # outbound caller id -> its account

    def poll(self, ms: int) -> None:
        self.ep.libHandleEvents(ms)
        now = time.monotonic()
        young, full = self._gc_at
        if now >= full:
            gc.collect()
            self._gc_at = (now + 1.0, now + 30.0)
        elif now >= young:
            gc.collect(0)
            self._gc_at = (now + 1.0, full)

    # ------------------------------------------------------------------ legs
    def answer(self, leg: Leg, code: int = 200, reason: str = "") -> None:
        prm = pj.CallOpParam()
        prm.statusCode = code
        if reason:
            prm.reason = reason
        try:
            leg.answer(prm)
        except pj.Error as exc:
            log.warning("answer %s failed: %s", code, exc.info())

    def send_dtmf(self, leg: Leg | None, digits: str) -> None:
        """RFC 4733 digits to `leg` (the agent keying through to the caller's side)."""
        if leg is None or leg.gone or leg.state == DISCONNECTED:
            return
        try:
            leg.dialDtmf(digits)
        except pj.Error as exc:
            log.info("dtmf %s not sent: %s", digits, exc.info())

    def hangup(self, leg: Leg | None, code: int = 0) -> None:
        if leg is None or leg.gone or leg.state == DISCONNECTED:
            return
        prm = pj.CallOpParam()
        if code:
            prm.statusCode = code
        try:
            leg.hangup(prm)
        except pj.Error as exc:
            log.debug("hangup failed: %s", exc.info())

    def caller_account(self, caller_id: str) -> pj.Account:
        """An account whose From is `caller_id` (the number the customer sees): pjsua takes
        the From of a new call from its account, so each outbound caller id gets one (no
        registration, same transport and media settings)."""
        acc = self.caller_ids.get(caller_id)
        if acc is None:
            ac = self._template
            ac.idUri = f"sip:{caller_id}@{self.address}:{self.port}"
            acc = _Account(self)  # an INVITE pjsua matches to it is still an inbound caller
            acc.create(ac)
            self.caller_ids[caller_id] = acc
        return acc

    def dial(self, uri: str, role: str = "agent", caller_id: str | None = None) -> Leg | None:
        """Call `uri`; None when pjsua has no free slot (`PJ_ETOOMANY`) or refuses the URI."""
        account = self.caller_account(caller_id) if caller_id else None
        leg = Leg(self, role=role, account=account)
        try:
            leg.makeCall(uri, pj.CallOpParam(True))
        except pj.Error as exc:
            log.info("dial %s refused: %s", uri, exc.info())
            self.graveyard.append(leg)  # never touch or destroy it again
            return None
        return leg

    # ------------------------------------------------------------------ media
    def player(self, files: list[Path], loop: bool) -> pj.AudioMediaPlayer:
        p = pj.AudioMediaPlayer()
        options = 0 if loop else pj.PJMEDIA_FILE_NO_LOOP
        if len(files) == 1:
            p.createPlayer(str(files[0]), options)
        else:
            p.createPlaylist(pj.StringVector([str(f) for f in files]), "", options)
        return p

    def recorder(self, path: Path) -> pj.AudioMediaRecorder:
        path.parent.mkdir(parents=True, exist_ok=True)
        r = pj.AudioMediaRecorder()
        r.createRecorder(str(path))
        return r

    @staticmethod
    def connect(src: pj.AudioMedia | None, dst: pj.AudioMedia | None) -> None:
        if src is not None and dst is not None:
            try:
                src.startTransmit(dst)
            except pj.Error as exc:
                log.debug("connect failed: %s", exc.info())

    @staticmethod
    def disconnect(src: pj.AudioMedia | None, dst: pj.AudioMedia | None) -> None:
        if src is not None and dst is not None:
            with contextlib.suppress(pj.Error):
                src.stopTransmit(dst)

    def shutdown(self) -> None:
        """Hang up everything still up, let the BYEs go out, then destroy the library."""
        self.ep.hangupAllCalls()
        for _ in range(50):
            self.ep.libHandleEvents(20)
        self.events.clear()
        self.morgue.clear()  # every call is over now: their ids can hang up nothing
        self.account.shutdown()
        for acc in self.caller_ids.values():
            acc.shutdown()
        self.caller_ids.clear()
        self.ep.libDestroy()
