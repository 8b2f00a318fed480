/* Supervisor wallboard (Alpine.js component). Pushed, not polled: every fact on the WebSocket
 * stream schedules one re-read of the live snapshot (at most every 250 ms); KPI figures and the
 * intraday chart are re-read when contacts arrive, are answered or end (at most every 5 s),
 * and once a minute so the "last 30 minutes" window slides. Work orders at SLA risk are re-read
 * with the KPI figures (same cadence: no polling of their own). Alerts are the server's: its
 * rules (center configuration, edited on /alerts) are evaluated every few seconds after the
 * aggregates catch up, so the board re-reads the open alerts at that pace; it keeps no
 * thresholds of its own. */
document.addEventListener("alpine:init", () => {
  Alpine.store("live", { on: false });
});

const KPI_KINDS = new Set(["contact.created", "contact.answered", "contact.ended"]);
const ALERTS_EVERY_MS = 5000; // the server evaluates its alert rules about this often

function wallboard() {
  let chart = null; // kept outside Alpine's reactive proxy on purpose (Chart.js owns it)
  return {
    live: { queues: [], agents: [], waiting: [] },
    stats: { queues: {}, total: null, handled_today: null, intraday: [] },
    loaded: false,
    atRisk: [],
    atRiskLoaded: false,
    skew: 0,
    tick: 0,
    updatedAt: 0,
    serverAlerts: [],
    alertRules: [],
    step: Number(localStorage.getItem("hotline.wb.step") || 1800),

    async init() {
      this.liveSoon = Hotline.debounce(() => this.loadLive(), 250);
      this.statsSoon = Hotline.debounce(() => this.loadStats(), 5000);
      setInterval(() => { this.tick++; }, 1000);
      setInterval(() => this.loadStats(), 60000);
      setInterval(() => this.loadAlerts(), ALERTS_EVERY_MS);
      await Promise.all([this.loadLive(), this.loadStats(), this.loadAlerts(true)]);
      Hotline.stream({
        onEvent: (ev) => {
          this.liveSoon();
          if (KPI_KINDS.has(ev.kind) || ev.kind === "agent.state") this.statsSoon();
        },
        onResync: () => { this.loadLive(); this.loadStats(); this.loadAlerts(true); },
        onStatus: (on) => { Alpine.store("live").on = on; },
      });
    },

    serverNow() { this.tick; return Date.now() / 1000 + this.skew; },

    async loadLive() {
      try {
        const d = await Hotline.api("GET", "/api/ui/wallboard/live");
        this.skew = d.now - Date.now() / 1000;
        this.live = d;
        this.updatedAt = d.now;
        this.loaded = true;
      } catch (e) { /* the stream's reconnect will retry */ }
    },

    async loadStats() {
      this.loadAtRisk();
      try {
        this.stats = await Hotline.api("GET", `/api/ui/wallboard/stats?step_s=${this.step}`);
        this.drawChart();
      } catch (e) { /* keep the last figures */ }
    },

    /** Open alerts (and, with `rules`, the rules that give their thresholds). */
    async loadAlerts(rules) {
      try {
        if (rules || !this.alertRules.length) this.alertRules = (await Hotline.api("GET", "/api/alert-rules")).rules;
        this.serverAlerts = (await Hotline.api("GET", "/api/alerts?limit=1")).open;
      } catch (e) { /* keep the last list */ }
    },

    async loadAtRisk() {
      try {
        this.atRisk = await Hotline.api("GET", "/api/tickets/at-risk");
        this.atRiskLoaded = true;
      } catch (e) { /* keep the last list */ }
    },
    /** The worst SLA clock of an order: its share used and when it runs out. */
    riskClock(o) {
      const s = o.sla || {};
      return s[s.worst] || s.resolution || {};
    },

    /** The day's buckets from the first one with traffic (at least the last 4 hours), not
     * from midnight: an empty night squeezes the day into a sliver. */
    chartRows() {
      const rows = this.stats.intraday || [];
      const step = this.stats.step_s || 1800;
      const first = rows.findIndex((r) => r.offered > 0);
      const minStart = rows.length - Math.ceil((4 * 3600) / step);
      const from = Math.max(0, Math.min(first < 0 ? rows.length : first - 1, minStart));
      return rows.slice(from);
    },

    drawChart() {
      const el = document.getElementById("intraday");
      if (!el || !window.Chart) return;
      const rows = this.chartRows();
      const labels = rows.map((r) => Hotline.clock(r.t));
      const target = this.stats.sl_target;
      const counts = [
        ["wb.arrivals", "offered", "#2563eb"],
        ["wb.answered", "answered", "#0f766e"],
        ["wb.abandoned", "abandoned", "#dc2626"],
      ];
      const data = () => [
        ...counts.map(([, key]) => rows.map((r) => r[key])),
        rows.map((r) => (r.service_level === null || r.service_level === undefined ? null : 100 * r.service_level)),
        rows.map(() => (target ? 100 * target : null)),
      ];
      if (!chart) {
        const sets = counts.map(([label, key, color], i) => ({
          label: T(label),
          backgroundColor: i === 0 ? "rgba(37,99,235,.18)" : color,
          borderColor: color,
          borderWidth: i === 0 ? 1.5 : 0,
          borderRadius: 3,
          type: i === 0 ? "line" : "bar",
          tension: 0.3,
          fill: i === 0,
          pointRadius: 2,
          order: i === 0 ? 1 : 2,
          yAxisID: "y",
        }));
        sets.push({ label: T("wb.sl"), type: "line", borderColor: "#7c3aed", backgroundColor: "#7c3aed",
          borderWidth: 2, pointRadius: 2, spanGaps: true, yAxisID: "y2", order: 0 });
        sets.push({ label: T("wb.sl_target_line"), type: "line", borderColor: "#7c3aed", borderDash: [5, 4],
          borderWidth: 1.5, pointRadius: 0, yAxisID: "y2", order: 0 });
        const d = data();
        sets.forEach((set, i) => { set.data = d[i]; });
        const title = (text) => ({ display: true, text, font: { size: 11 }, padding: 2 });
        chart = new Chart(el, {
          type: "bar",
          data: { labels, datasets: sets },
          options: {
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            interaction: { mode: "index", intersect: false },
            plugins: {
              legend: { position: "top", align: "end", labels: { boxWidth: 10, boxHeight: 10, font: { size: 11 }, padding: 6 } },
            },
            scales: {
              x: { grid: { display: false }, title: title(T("wb.axis_time")),
                ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8, font: { size: 11 } } },
              y: { beginAtZero: true, title: title(T("wb.axis_contacts")), ticks: { precision: 0, font: { size: 11 } }, grid: { color: "#eef2f6" } },
              y2: { position: "right", min: 0, max: 100, title: title(T("wb.axis_sl")), grid: { display: false },
                ticks: { stepSize: 25, font: { size: 11 }, callback: (v) => `${v}%` } },
            },
          },
        });
      } else {
        chart.data.labels = labels;
        data().forEach((values, i) => { chart.data.datasets[i].data = values; });
        chart.update();
      }
    },

    qstat(id, period) {
      const q = this.stats.queues && this.stats.queues[id];
      return (q && q[period]) || { service_level: null, abandon_rate: null, asa_s: null };
    },
    under(q) {
      const sl = this.qstat(q.id, "today").service_level;
      return sl !== null && sl < q.sl_target;
    },
    longest(q) {
      const now = this.serverNow();
      const waits = this.live.waiting.filter((c) => c.queue === q.id && c.status === "queued").map((c) => now - c.enqueued_at);
      return waits.length ? Math.max(...waits) : 0;
    },
    totalWaiting() { return this.live.queues.reduce((n, q) => n + q.waiting, 0); },
    waitOf(c) { return this.serverNow() - c.enqueued_at; },
    longestWait() { return this.live.queues.reduce((m, q) => Math.max(m, this.longest(q)), 0); },
    countState(s) { return this.live.agents.filter((a) => a.state === s).length; },
    agentsOn() { return this.live.agents.filter((a) => a.state !== "offline").length; },
    handledTotal() { return Object.values(this.stats.handled_today || {}).reduce((a, b) => a + b, 0); },
    slClass(value, target) {
      if (value === null || value === undefined) return "";
      return value < target ? "bad" : "ok";
    },
    setStep(step) {
      this.step = step;
      localStorage.setItem("hotline.wb.step", String(step));
      this.loadStats();
    },

    /** The server's open alerts as chips, in the page's language, with the queue's name. */
    alerts() {
      const names = {};
      for (const q of this.live.queues) names[q.id] = q.name;
      for (const a of this.live.agents) names[a.id] = a.name;
      return this.serverAlerts.map((a) => ({
        key: a.id, kind: a.kind, queue: a.subject, rule: a.rule_id, acked: !!a.acked_by,
        text: Hotline.alertText(a, this.alertRules, names), title: a.text,
      }));
    },
    hasAlert(kind) { return this.serverAlerts.some((a) => a.kind === kind); },
    queueAlerting(id, kind) {
      return this.serverAlerts.some((a) => a.subject === id && (!kind || a.kind === kind));
    },

    async run(fn) {
      try { await fn(); } catch (e) { Hotline.toast(`${T("error.generic")}: ${e.message}`, "error"); }
      this.loadLive();
    },
    force(a, state) {
      if (!state) return;
      const path = `/api/agents/${encodeURIComponent(a.id)}/state`;
      return this.run(async () => {
        if (a.state === state) return;
        if (a.state === "offline") {
          await Hotline.api("POST", path, { state: "login" }); // signs in as not ready
          if (state === "not_ready") return;
        }
        await Hotline.api("POST", path, state === "not_ready" ? { state, reason: "supervisor" } : { state });
      });
    },
    move(c, queue) {
      if (!queue) return;
      return this.run(() => Hotline.api("POST", `/api/contacts/${encodeURIComponent(c.id)}/move`, { queue }));
    },
    green(c) {
      return this.run(() => Hotline.api("POST", `/api/contacts/${encodeURIComponent(c.id)}/green`, { on: !c.green }));
    },
  };
}
