/* Supervisor reports page (Alpine.js component): a day, week or month around a date, at a
 * grain, filtered by queue / channel / agent / team / province / skill, read from GET /api/reports (the stored
 * aggregates) and shown as a Chart.js chart and a table. The downloads are links to
 * /api/reports/export with the same query, so the file holds exactly what the page shows.
 * Dates are the center's calendar days: the API reads `2026-12-03` in the center's zone. */

const DEFAULT_GRAIN = { day: "hour", week: "day", month: "day" };

/** "2026-12-03" of a Date in the center's zone. */
function isoDay(d) {
  const opts = Hotline.cfg.tz ? { timeZone: Hotline.cfg.tz } : {};
  return new Intl.DateTimeFormat("en-CA", { ...opts, year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
}

/** Calendar arithmetic on "YYYY-MM-DD" strings (UTC dates: no daylight-saving surprises). */
function shiftDays(day, n) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** [from, to) of the period around `day`: the day, its Monday-to-Sunday week, its month. */
function periodRange(period, day) {
  if (period === "week") {
    const weekday = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday = 0
    const monday = shiftDays(day, -weekday);
    return [monday, shiftDays(monday, 7)];
  }
  if (period === "month") {
    const first = `${day.slice(0, 7)}-01`;
    const d = new Date(`${first}T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() + 1);
    return [first, d.toISOString().slice(0, 10)];
  }
  return [day, shiftDays(day, 1)];
}

function reportsPage() {
  let chart = null; // outside Alpine's reactive proxy (Chart.js owns it)
  const zone = Hotline.cfg.tz ? { timeZone: Hotline.cfg.tz } : {};
  const fmt = {
    time: new Intl.DateTimeFormat("en-GB", { ...zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }),
    day: new Intl.DateTimeFormat("en-CA", { ...zone, year: "numeric", month: "2-digit", day: "2-digit" }),
  };
  return {
    period: "day",
    date: isoDay(new Date()),
    grain: "hour",
    queue: "",
    channel: "",
    agent: "",
    team: "",
    province: "",
    skill: "",
    byQueue: false,
    dir: { queues: [], agents: [], regions: [] },
    data: null,
    error: "",
    shown: "", // the query of `data` (the downloads use it)
    docs: [], // the scheduled reports kept (GET /api/reports/documents), newest first

    async init() {
      try { this.dir = await Hotline.api("GET", "/api/ui/directory"); } catch (e) { /* names stay ids */ }
      await this.load();
      try { this.docs = await Hotline.api("GET", "/api/reports/documents?limit=30"); } catch (e) { this.docs = []; }
    },
    setPeriod(p) {
      this.period = p;
      this.grain = DEFAULT_GRAIN[p];
    },
    query() {
      const [from, to] = periodRange(this.period, this.date || isoDay(new Date()));
      const q = new URLSearchParams({ from, to, grain: this.grain });
      if (this.queue) q.set("queue", this.queue);
      if (this.channel) q.set("channel", this.channel);
      if (this.agent) q.set("agent", this.agent);
      for (const k of ["team", "province", "skill"]) if (this[k]) q.set(k, this[k]);
      return q;
    },
    exportUrl(format) {
      const q = this.query();
      q.set("format", format);
      if (this.byQueue) q.set("by_queue", "true");
      return `/api/reports/export?${q}`;
    },
    async load() {
      this.error = "";
      try {
        this.data = await Hotline.api("GET", `/api/reports?${this.query()}`);
        this.$nextTick(() => this.draw());
      } catch (e) {
        this.data = null;
        this.error = Hotline.reason ? Hotline.reason(e) : e.message;
      }
    },
    /** [value, label] of the teams, regions (province filter) and skills the config defines. */
    choices(kind) {
      if (kind === "province") return (this.dir.regions || []).map((r) => [r.id, r.name]);
      const values = kind === "team" ? this.dir.agents.map((a) => [a.team])
        : this.dir.queues.map((q) => q.skills || []);
      return [...new Set(values.flat().filter(Boolean))].sort().map((v) => [v, v]);
    },
    queueName(id) {
      const q = this.dir.queues.find((x) => x.id === id);
      return q ? q.name : id;
    },
    /** A period's label: time of day within one day, the date otherwise, YYYY-MM for months. */
    label(ts) {
      const d = new Date(ts * 1000);
      if (this.data.grain === "15min" || this.data.grain === "hour") {
        return this.period === "day" ? fmt.time.format(d) : `${fmt.day.format(d).slice(5)} ${fmt.time.format(d)}`;
      }
      return this.data.grain === "month" ? fmt.day.format(d).slice(0, 7) : fmt.day.format(d);
    },
    rangeText() {
      if (!this.data) return "";
      const last = new Date((this.data.to - 1) * 1000);
      return T("rp.range", { a: fmt.day.format(new Date(this.data.from * 1000)), b: fmt.day.format(last), tz: this.data.timezone });
    },
    /** A kept report's download: pdf, html, xlsx, or one of its tables as csv. */
    docUrl(d, format, table) {
      const url = `/api/reports/documents/${d.id}.${format}`;
      return table ? `${url}?table=${encodeURIComponent(table)}` : url;
    },
    docRange(d) {
      const last = new Date((d.period_end - 1) * 1000);
      return `${fmt.day.format(new Date(d.period_start * 1000))} — ${fmt.day.format(last)}`;
    },
    def(key) { return (this.data && this.data.definitions[key]) || ""; },
    hasTraffic() { return !!this.data && this.data.periods.some((p) => p.total.offered || p.total.handled); },
    rows() {
      if (!this.data) return [];
      const out = [];
      for (const p of this.data.periods) {
        const label = this.label(p.start);
        const scope = this.queue ? this.queueName(this.queue) : T("rp.all");
        out.push({ key: `${p.start}`, label, queue: this.queue || "", queueName: scope, k: p.total, sub: false });
        if (!this.byQueue) continue;
        for (const [q, k] of Object.entries(p.queues).sort()) {
          out.push({ key: `${p.start}:${q}`, label, queue: q, queueName: this.queueName(q), k, sub: true });
        }
      }
      return out;
    },
    draw() {
      const el = document.getElementById("report-chart");
      if (!el || !window.Chart || !this.data) return;
      const periods = this.data.periods;
      const labels = periods.map((p) => this.label(p.start));
      const series = [
        ["rp.col.offered", (p) => p.total.offered],
        ["rp.col.answered", (p) => p.total.answered],
        ["rp.col.abandoned", (p) => p.total.abandoned],
        ["rp.col.service_level", (p) => (p.total.service_level === null ? null : 100 * p.total.service_level)],
      ].map(([key, f]) => periods.map(f));
      if (chart) {
        chart.data.labels = labels;
        series.forEach((values, i) => { chart.data.datasets[i].data = values; });
        chart.update();
        return;
      }
      const colors = ["#2563eb", "#0f766e", "#dc2626"];
      const sets = ["rp.col.offered", "rp.col.answered", "rp.col.abandoned"].map((key, i) => ({
        label: T(key), type: "bar", data: series[i], backgroundColor: colors[i], borderRadius: 3, yAxisID: "y", order: 2,
      }));
      sets.push({ label: T("rp.col.service_level"), type: "line", data: series[3], borderColor: "#7c3aed",
        backgroundColor: "#7c3aed", borderWidth: 2, pointRadius: 2, spanGaps: true, yAxisID: "y2", order: 0 });
      const title = (text) => ({ display: true, text, font: { size: 11 }, padding: 2 });
      chart = new Chart(el, {
        type: "bar",
        data: { labels, datasets: sets },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          interaction: { mode: "index", intersect: false },
          plugins: { legend: { position: "top", align: "end", labels: { boxWidth: 10, boxHeight: 10, font: { size: 11 } } } },
          scales: {
            x: { grid: { display: false }, title: title(T("rp.axis_period")), ticks: { maxRotation: 0, autoSkip: true, font: { size: 11 } } },
            y: { beginAtZero: true, title: title(T("rp.axis_contacts")), ticks: { precision: 0, font: { size: 11 } } },
            y2: { position: "right", min: 0, max: 100, title: title(T("rp.axis_sl")), grid: { display: false },
              ticks: { stepSize: 25, font: { size: 11 }, callback: (v) => `${v}%` } },
          },
        },
      });
    },
  };
}
