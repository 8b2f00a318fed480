/* The browser softphone on the desk, mixed into desk() (agent.js); the SIP side is softphone.js.
 *
 * The softphone is part of the desk, not a widget of its own: a voice offer rings in the offer
 * dialog with the contact card, and its Accept answers the SIP call (which makes the gateway
 * accept the contact, as a desk phone picking up does). The state bar shows the phone's
 * registration, the call time, mute, the DTMF pad and hang up; hold and transfer stay the desk's
 * own buttons (the core tells the gateway, which holds or moves the real call). Hanging up here
 * ends the call, and the gateway completes the contact. Auto-answer and the microphone choice
 * are this agent's preferences in this browser (localStorage).
 */
function deskPhoneMixin() {
  let sp = null; // the Softphone (kept out of Alpine's reactive proxies: SIP.js objects)
  const prefKey = (agent) => `hotline.phone.${agent || "-"}`;
  return {
    phone: { status: "off", problem: null, ringing: false, call: null, muted: false, since: null },
    phoneDevices: [],
    phoneDevice: "",
    phoneAuto: false,
    dtmfOpen: false,
    phonePending: null,

    /** Ask whether this center has a softphone (POST /api/agents/me/softphone); only then
     * load softphone.js (and SIP.js with it) and register. */
    async phoneStart() {
      if (sp) return;
      let creds;
      try {
        const res = await fetch("/api/agents/me/softphone", {
          method: "POST", credentials: "same-origin", headers: { Accept: "application/json" },
        });
        if (res.status === 404) return; // no softphone registrar: the bar shows nothing
        if (!res.ok) throw new Error(String(res.status));
        creds = await res.json();
      } catch (e) { this.phone = { ...this.phone, status: "error" }; return; }
      const el = document.querySelector("[data-testid=softphone]");
      const mod = await import(el.dataset.module);
      const agent = (Hotline.cfg.user || {}).agent_id;
      try {
        const pref = JSON.parse(localStorage.getItem(prefKey(agent)) || "{}");
        this.phoneAuto = !!pref.auto; this.phoneDevice = pref.device || "";
      } catch (e) { /* defaults */ }
      sp = new mod.Softphone((state) => this.phoneChanged(state));
      sp.deviceId = this.phoneDevice;
      window.hotlineSoftphone = sp; // the browser tests read its WebRTC stats
      await sp.start(creds);
      this.phoneListDevices();
    },

    phoneChanged(state) {
      const rang = this.phone.ringing;
      this.phone = state;
      if (state.ringing && !rang && (this.phoneAuto || this.phonePending)) this.phoneAnswer();
      if (!state.ringing && !state.call) this.dtmfOpen = false;
      if (rang !== state.ringing || !state.call) this.refreshSoon && this.refreshSoon();
    },

    async phoneListDevices() {
      try { this.phoneDevices = await sp.devices(); } catch (e) { this.phoneDevices = []; }
    },

    phoneSavePrefs() {
      const agent = (Hotline.cfg.user || {}).agent_id;
      localStorage.setItem(prefKey(agent), JSON.stringify({ auto: this.phoneAuto, device: this.phoneDevice }));
      if (sp) { sp.deviceId = this.phoneDevice; sp.checkMicrophone(); }
    },

    /** Does the softphone answer this offer (rather than the core's accept)? */
    phoneTakes(offer) {
      return !!offer && offer.channel !== "chat" && this.phone.status === "registered";
    },

    /** Accept = answer the ringing call; the gateway then accepts the contact. The INVITE can
     * come a moment after the offer shows: wait for it (up to 5 s). */
    phoneAccept(offer) {
      this.selectedId = offer.id;
      if (this.phone.ringing) return this.phoneAnswer();
      this.phonePending = offer.id;
      setTimeout(() => { if (this.phonePending === offer.id) this.phonePending = null; }, 5000);
      return undefined;
    },

    async phoneAnswer() {
      this.phonePending = null;
      Hotline.ringer.stop();
      if (sp && !(await sp.answer()) && this.phone.problem) Hotline.toast(T(this.phone.problem), "error");
    },
    phoneHangup() { if (sp) sp.hangup(); },
    phoneMute() { if (sp) sp.mute(!this.phone.muted); },
    phoneDtmf(d) { if (sp) sp.dtmf(d); },
    phoneTime() { this.tick; return this.phone.since ? Date.now() / 1000 - this.phone.since : 0; },
    phoneLabel() {
      const s = this.phone.status;
      if (s === "registered" && this.phone.call === "up") return T("phone.in_call");
      if (s === "registered" && this.phone.ringing) return T("phone.ringing");
      return T("phone.status." + s);
    },
  };
}
