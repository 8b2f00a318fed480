/* The desk's browser softphone: a SIP.js user agent registered over secure WebSocket with the
 * gateway's registrar (Kamailio), media through rtpengine (DTLS-SRTP/ICE on this side).
 *
 * An ES module (SIP.js ships as plain ES modules, vendored by scripts/ui-assets.sh). It owns
 * only the SIP side and says what happens through `onChange(state)`; the desk's Alpine mixin
 * (desk_phone.js) draws it and decides when to answer. Credentials come from
 * POST /api/agents/me/softphone after the page loaded (never in the page source): the WSS URL
 * and the digest HA1, which SIP.js signs with directly. A dropped WebSocket is reconnected with
 * a growing delay (1 s … 30 s) for as long as the page is open, then registered again; a refused
 * registration fetches the credentials once more (an admin may have changed the password).
 * desk_phone.js imports this module only once the center has a softphone registrar, so a desk
 * without one never loads SIP.js. */
import { Registerer, RegistererState, SessionState, UserAgent } from "./vendor/sipjs/index.js";

const MIC_ERRORS = {
  NotAllowedError: "phone.mic_denied",
  SecurityError: "phone.mic_denied",
  NotFoundError: "phone.mic_missing",
  OverconstrainedError: "phone.mic_missing",
  NotReadableError: "phone.mic_busy",
  AbortError: "phone.mic_busy",
};

/** Where and how to register, or null when no registrar serves browsers (404). */
export async function softphoneCredentials() {
  const res = await fetch("/api/agents/me/softphone", {
    method: "POST", credentials: "same-origin", headers: { Accept: "application/json" },
  });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`softphone credentials: HTTP ${res.status}`);
  return res.json();
}

export function micProblem(err) {
  return MIC_ERRORS[(err && err.name) || ""] || "phone.mic_error";
}

export class Softphone {
  constructor(onChange) {
    this.onChange = onChange;
    this.state = { status: "off", problem: null, ringing: false, call: null, muted: false, since: null };
    this.ua = null;
    this.registerer = null;
    this.session = null;
    this.deviceId = "";
    this.retry = 1;
    this.refetched = false;
    this.stopped = false;
    this.audio = new Audio();
    this.audio.autoplay = true;
  }

  set(patch) {
    Object.assign(this.state, patch);
    this.onChange({ ...this.state });
  }

  credentials() { return softphoneCredentials(); }

  /** Ask for the microphone now, so a problem shows before the first call rings. */
  async checkMicrophone() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.set({ problem: "phone.mic_insecure" });
      return false;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia(this.constraints());
      stream.getTracks().forEach((t) => t.stop());
      this.set({ problem: null });
      return true;
    } catch (err) {
      this.set({ problem: micProblem(err) });
      return false;
    }
  }

  async devices() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return [];
    const all = await navigator.mediaDevices.enumerateDevices();
    return all.filter((d) => d.kind === "audioinput").map((d, i) => ({ id: d.deviceId, label: d.label || `#${i + 1}` }));
  }

  constraints() {
    return { audio: this.deviceId ? { deviceId: { exact: this.deviceId } } : true, video: false };
  }

  /** `creds`: the first answer of POST /api/agents/me/softphone (the desk asked already). */
  async start(creds) {
    await this.checkMicrophone();
    this.connect(creds);
  }

  connect(creds) {
    this.creds = creds;
    this.ua = new UserAgent({
      uri: UserAgent.makeURI(creds.uri),
      transportOptions: { server: creds.url, keepAliveInterval: 15 },
      authorizationUsername: creds.user,
      authorizationHa1: creds.ha1,
      displayName: creds.user,
      logLevel: "warn",
      sessionDescriptionHandlerFactoryOptions: {
        iceGatheringTimeout: 1000,
        peerConnectionConfiguration: { iceServers: [] },
      },
      delegate: {
        onInvite: (invitation) => this.onInvite(invitation),
        onConnect: () => { this.retry = 1; this.register(); },
        onDisconnect: (err) => { if (err && !this.stopped) this.reconnectSoon(); },
      },
    });
    this.registerer = new Registerer(this.ua, { expires: 120 });
    this.registerer.stateChange.addListener((s) => {
      if (s === RegistererState.Registered) this.set({ status: "registered" });
      else if (s === RegistererState.Unregistered && this.state.status === "registered") this.set({ status: "connecting" });
    });
    this.set({ status: "connecting" });
    this.ua.start().catch(() => this.reconnectSoon());
  }

  register() {
    this.registerer.register({
      requestDelegate: {
        // the Registerer keeps "Registered" through a dropped connection: say it again here
        onAccept: () => { this.refetched = false; this.set({ status: "registered" }); },
        onReject: (response) => this.refused(response.message.statusCode),
      },
    }).catch(() => this.set({ status: "connecting" }));
  }

  async refused(code) {
    this.set({ status: "refused", code });
    if (this.refetched) return;
    this.refetched = true; // once: a new password from the admin, or a realm change
    const creds = await this.credentials().catch(() => null);
    if (creds && creds.ha1 !== this.creds.ha1) {
      await this.ua.stop().catch(() => {});
      this.connect(creds);
    }
  }

  reconnectSoon() {
    if (this.stopped) return;
    this.set({ status: "reconnecting" });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.ua.reconnect().catch(() => this.reconnectSoon());
    }, this.retry * 1000);
    this.retry = Math.min(30, this.retry * 2);
  }

  onInvite(invitation) {
    if (this.session) { invitation.reject({ statusCode: 486 }).catch(() => {}); return; }
    this.session = invitation;
    const from = invitation.remoteIdentity.uri.user || "";
    invitation.stateChange.addListener((s) => {
      if (s === SessionState.Established) {
        this.attachAudio(invitation);
        this.set({ ringing: false, call: "up", since: Date.now() / 1000 });
      } else if (s === SessionState.Terminated) {
        if (this.session === invitation) this.session = null;
        this.audio.srcObject = null;
        this.set({ ringing: false, call: null, muted: false, since: null });
      }
    });
    this.set({ ringing: true, call: "ringing", from });
  }

  attachAudio(session) {
    const pc = session.sessionDescriptionHandler.peerConnection;
    const stream = new MediaStream();
    pc.getReceivers().forEach((r) => { if (r.track) stream.addTrack(r.track); });
    this.audio.srcObject = stream;
    this.audio.play().catch(() => {}); // autoplay may need a gesture; answering is one
  }

  async answer() {
    const s = this.session;
    if (!s || s.state !== SessionState.Initial) return false;
    try {
      await s.accept({ sessionDescriptionHandlerOptions: { constraints: this.constraints() } });
      return true;
    } catch (err) {
      this.set({ problem: micProblem(err) });
      s.reject({ statusCode: 480 }).catch(() => {});
      return false;
    }
  }

  hangup() {
    const s = this.session;
    if (!s) return;
    if (s.state === SessionState.Established) s.bye().catch(() => {});
    else if (s.state === SessionState.Initial) s.reject({ statusCode: 486 }).catch(() => {});
  }

  mute(on) {
    const pc = this.peer();
    if (!pc) return;
    pc.getSenders().forEach((snd) => { if (snd.track) snd.track.enabled = !on; });
    this.set({ muted: on });
  }

  /** RFC 4733 telephone-events in the media (the worker reads them like a caller's). */
  dtmf(digit) {
    const s = this.session;
    if (!s || s.state !== SessionState.Established) return false;
    return s.sessionDescriptionHandler.sendDtmf(digit, { duration: 160, interToneGap: 80 });
  }

  peer() {
    const s = this.session;
    return s && s.sessionDescriptionHandler ? s.sessionDescriptionHandler.peerConnection : null;
  }

  /** inbound/outbound RTP counters of the call (WebRTC getStats; the tests read these). */
  async stats() {
    const pc = this.peer();
    if (!pc) return null;
    const out = {};
    (await pc.getStats()).forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === "audio") {
        out.packetsReceived = r.packetsReceived; out.bytesReceived = r.bytesReceived;
        out.audioLevel = r.audioLevel;
      }
      if (r.type === "outbound-rtp" && r.kind === "audio") { out.packetsSent = r.packetsSent; out.bytesSent = r.bytesSent; }
    });
    return out;
  }
}
