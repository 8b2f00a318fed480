/* Alerts console (Alpine.js component): the open alerts with their acknowledge action, the
 * center's alert rules with an editor (GET/POST/PUT/DELETE /api/alert-rules, stored in the
 * center configuration where the server's alert evaluation reads them), and the history.
 * Rates are typed as percentages (80) and stored as fractions (0.8), as in the admin console.
 * Alerts are evaluated by the server every few seconds; the page re-reads them as often. */
const ALERTS_EVERY_MS = 5000;

function alertsPage() {
  return {
    rules: [],
    open: [],
    history: [],
    queues: [],
    names: {},
    loaded: false,
    form: null,
    editing: false,
    errs: {},

    async init() {
      try {
        const dir = await Hotline.api("GET", "/api/ui/directory");
        this.queues = dir.queues;
        for (const x of [...dir.queues, ...dir.agents]) this.names[x.id] = x.name;
      } catch (e) { /* ids stay ids */ }
      await Promise.all([this.loadRules(), this.loadAlerts()]);
      setInterval(() => this.loadAlerts(), ALERTS_EVERY_MS);
    },
    async loadRules() {
      try { this.rules = (await Hotline.api("GET", "/api/alert-rules")).rules; } catch (e) { Hotline.toast(Hotline.reason(e), "error"); }
    },
    async loadAlerts() {
      try {
        const got = await Hotline.api("GET", "/api/alerts?limit=50");
        this.open = got.open;
        this.history = got.history;
        this.loaded = true;
      } catch (e) { /* keep the last list */ }
    },
    async ack(a) {
      try { await Hotline.api("POST", `/api/alerts/${a.id}/ack`); } catch (e) { Hotline.toast(Hotline.reason(e), "error"); }
      this.loadAlerts();
    },

    isRate() { return this.form && Hotline.RATE_KINDS.has(this.form.kind); },
    perQueue() { return this.form && (this.isRate() || this.form.kind === "waiting_above"); },
    thresholdLabel() {
      if (!this.form) return "";
      if (Hotline.SHARE_KINDS.has(this.form.kind)) return T("al.f.threshold_pct");
      return T(this.form.kind === "waiting_above" ? "al.f.threshold_n" : "al.f.threshold_s");
    },
    shownThreshold(kind, v) { return Hotline.RATE_KINDS.has(kind) ? Hotline.pct(v) : Hotline.alertValue(kind, v); },
    startAdd() {
      this.errs = {};
      this.editing = false;
      this.form = { id: "", kind: "waiting_above", queue: "", threshold: 5, for_s: 0, window_s: 1800, notify: "role:supervisor" };
    },
    startEdit(r) {
      this.errs = {};
      this.editing = true;
      const threshold = Hotline.SHARE_KINDS.has(r.kind) ? Math.round(r.threshold * 10000) / 100 : r.threshold;
      this.form = { ...r, queue: r.queue || "", threshold };
    },
    body() {
      const f = this.form;
      const rate = Hotline.RATE_KINDS.has(f.kind);
      const share = Hotline.SHARE_KINDS.has(f.kind);
      const threshold = share && typeof f.threshold === "number" ? Math.round(f.threshold * 100) / 10000 : f.threshold;
      const out = { id: f.id, kind: f.kind, threshold, for_s: f.for_s, notify: f.notify };
      if (rate) out.window_s = f.window_s;
      if (this.perQueue() && f.queue) out.queue = f.queue;
      for (const k of ["threshold", "for_s", "window_s"]) if (out[k] === "") out[k] = null;
      return out;
    },
    async save() {
      this.errs = {};
      try {
        const got = this.editing
          ? await Hotline.api("PUT", `/api/alert-rules/${encodeURIComponent(this.form.id)}`, this.body())
          : await Hotline.api("POST", "/api/alert-rules", this.body());
        Hotline.toast(T("al.saved", { v: got.version }), "ok");
        this.form = null;
        await this.loadRules();
      } catch (e) {
        const errs = Hotline.fieldErrors(e);
        // the API speaks of the stored fraction; the form shows a percentage
        if (errs.threshold && this.isRate() && e.status === 422 && /fraction/.test(JSON.stringify(e.body))) {
          errs.threshold = T("ad.sl_target_err");
        }
        const shown = new Set(["id", "kind", "queue", "threshold", "for_s", "window_s", "notify"]);
        const rest = Object.entries(errs).filter(([k]) => !shown.has(k)).map(([, v]) => v);
        if (rest.length) errs._ = rest.join("; ");
        this.errs = errs;
      }
    },
    async remove(r) {
      if (!window.confirm(T("al.confirm_delete", { id: r.id }))) return;
      try {
        const got = await Hotline.api("DELETE", `/api/alert-rules/${encodeURIComponent(r.id)}`);
        Hotline.toast(T("al.deleted", { v: got.version }), "ok");
      } catch (e) { Hotline.toast(Hotline.reason(e), "error"); }
      await Promise.all([this.loadRules(), this.loadAlerts()]);
    },
  };
}

/* Emergency plan switch (GET /api/emergency, POST /api/emergency/on|off, supervisors): one
 * switch puts the whole center under a plan from its configuration (queue rules, banner on
 * every desk and wallboard), so switching on takes a second, deliberate click. */
function emergencyPanel() {
  return {
    active: null,
    plans: [],
    plan: "",
    armed: false,
    busy: false,
    loaded: false,

    async init() {
      await this.load();
      setInterval(() => this.load(), ALERTS_EVERY_MS);
    },
    async load() {
      try {
        const got = await Hotline.api("GET", "/api/emergency");
        this.active = got.active;
        this.plans = got.plans;
        if (!this.plans.some((p) => p.name === this.plan)) this.plan = this.plans.length ? this.plans[0].name : "";
        this.loaded = true;
      } catch (e) { /* keep what is shown */ }
    },
    preview() {
      const p = this.plans.find((x) => x.name === this.plan);
      return p ? p.banner : "";
    },
    async switchOn() {
      this.busy = true;
      try {
        await Hotline.api("POST", "/api/emergency/on", { plan: this.plan });
        Hotline.toast(T("em.switched_on", { plan: this.plan }));
      } catch (e) { Hotline.toast(Hotline.reason(e), "error"); }
      this.armed = false;
      this.busy = false;
      await this.load();
    },
    async switchOff() {
      this.busy = true;
      try {
        await Hotline.api("POST", "/api/emergency/off");
        Hotline.toast(T("em.switched_off"));
      } catch (e) { Hotline.toast(Hotline.reason(e), "error"); }
      this.busy = false;
      await this.load();
    },
  };
}
