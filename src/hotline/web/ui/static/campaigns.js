/* Outbound campaigns page (Alpine.js component): the center's campaigns with their results,
 * start / pause, and a form that creates an SMS campaign and starts it
 * (GET/POST /api/campaigns, POST /api/campaigns/{id}/start|pause). The server runs the rounds
 * (contact policy, pacing, retries); the page re-reads the list every few seconds. */
const CAMPAIGNS_EVERY_MS = 4000;

function campaignsPage() {
  return {
    items: [],
    loaded: false,
    form: null,
    errs: {},

    async init() {
      await this.load();
      setInterval(() => this.load(), CAMPAIGNS_EVERY_MS);
    },
    async load() {
      try {
        this.items = await Hotline.api("GET", "/api/campaigns");
        this.loaded = true;
      } catch (e) { /* keep the last list */ }
    },
    results(c) {
      return Object.entries(c.results || {}).map(([k, n]) => `${Hotline.label("cp.result", k)} ${n}`).join(" · ");
    },
    window(c) { return `${Hotline.stamp(c.start)} — ${Hotline.stamp(c.end)}`; },
    startAdd() {
      const soon = new Date(Date.now() + 60000);
      const local = new Date(soon.getTime() - soon.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
      this.errs = {};
      this.form = { name: "", message: "", customers: "", start: local, days: 7, per_minute: 10, max_attempts: 3 };
    },
    async save() {
      const f = this.form;
      this.errs = {};
      const start = f.start ? new Date(f.start).getTime() / 1000 : NaN;
      const body = {
        name: f.name, channel: "sms", message: f.message,
        customers: f.customers.split(/[\s,，;；]+/).filter(Boolean),
        start, end: start + Number(f.days) * 86400,
        per_minute: Number(f.per_minute), max_attempts: Number(f.max_attempts),
      };
      try {
        const made = await Hotline.api("POST", "/api/campaigns", body);
        await Hotline.api("POST", `/api/campaigns/${encodeURIComponent(made.id)}/start`);
        Hotline.toast(T("cp.created", { n: body.customers.length }), "ok");
        this.form = null;
        await this.load();
      } catch (e) {
        this.errs = Hotline.fieldErrors(e);
      }
    },
    async move(c, how) {
      try { await Hotline.api("POST", `/api/campaigns/${encodeURIComponent(c.id)}/${how}`); } catch (e) { Hotline.toast(Hotline.reason(e), "error"); }
      await this.load();
    },
  };
}
