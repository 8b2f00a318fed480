/* KB editor for supervisors and KB owners (Alpine.js component), on the KB API:
 *
 * - articles: GET /api/kb/articles, create (POST) or edit (PUT with expected_version, so an edit
 *   made by someone else in between is refused with 409 and never overwritten), archive (DELETE);
 *   every save is a new version; the versions table shows each one's author, time and note,
 *   "changes" shows GET /api/kb/articles/{id}/diff from the version before, "restore" makes an
 *   old version current again (as a new version);
 * - validity dates are days in the center's time zone: from 00:00 of the first day to the end
 *   of the last;
 * - error reports (查误报错): the open fix tasks, resolved as fixed or rejected with a note;
 * - answer templates with their {{placeholders}}, synonym groups, and what agents quoted
 *   (GET /api/kb/usage: the query -> article log of agent assist).
 */
function kbEditor() {
  const tz = (Hotline.cfg && Hotline.cfg.tz) || undefined;
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });
  /** Epoch seconds -> "YYYY-MM-DD" in the center's zone. */
  function day(ts) {
    if (!ts) return "";
    const p = Object.fromEntries(parts.formatToParts(new Date(ts * 1000)).map((x) => [x.type, x.value]));
    return `${p.year}-${p.month}-${p.day}`;
  }
  /** "YYYY-MM-DD" -> epoch seconds of 00:00 that day in the center's zone. */
  function midnight(s) {
    const [y, m, d] = s.split("-").map(Number);
    const guess = Date.UTC(y, m - 1, d);
    const p = Object.fromEntries(parts.formatToParts(new Date(guess)).map((x) => [x.type, x.value]));
    const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
    return (guess - (wall - guess)) / 1000;
  }
  function nextDay(s) {
    const [y, m, d] = s.split("-").map(Number);
    return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  }

  return {
    tab: "articles",
    articles: [],
    loaded: false,
    filter: "",
    form: null,
    errs: {},
    busy: false,
    versions: [],
    diff: null,
    reports: [],
    resolutions: {},
    templates: [],
    tform: null,
    terr: "",
    synonyms: [],
    newSynonyms: "",
    serr: "",
    usage: [],

    async init() {
      await Promise.all([this.loadArticles(), this.loadReports(), this.loadTemplates()]);
      const id = Number(new URLSearchParams(location.search).get("article"));
      if (id) this.open(id);
    },
    show(tab) {
      this.tab = tab;
      if (tab === "synonyms") this.loadSynonyms();
      if (tab === "usage") this.loadUsage();
      if (tab === "reports") this.loadReports();
    },

    async loadArticles() {
      try { this.articles = await Hotline.api("GET", "/api/kb/articles?limit=500"); } catch (e) { Hotline.toast(Hotline.reason(e), "error"); }
      this.loaded = true;
    },
    shown() {
      const f = this.filter.trim().toLowerCase();
      if (!f) return this.articles;
      return this.articles.filter((a) => `${a.title} ${a.category} ${(a.tags || []).join(" ")}`.toLowerCase().includes(f));
    },
    categories() { return [...new Set(this.articles.map((a) => a.category).filter(Boolean))].sort(); },
    expired(a) { return !!(a.valid_to && a.valid_to < Date.now() / 1000); },
    articleTitle(id) { const a = this.articles.find((x) => x.id === id); return a ? a.title : `#${id}`; },

    startNew() {
      this.tab = "articles";
      this.errs = {};
      this.diff = null;
      this.versions = [];
      this.form = { id: null, version: 0, title: "", category: "", tags: "", language: "zh-CN", valid_from: "", valid_to: "", body: "", note: "" };
      this.$nextTick(() => { const el = document.querySelector("[data-testid=kb-title]"); if (el) el.focus(); });
    },
    async open(id) {
      this.tab = "articles";
      this.errs = {};
      this.diff = null;
      try {
        const a = await Hotline.api("GET", `/api/kb/articles/${id}`);
        this.form = {
          id: a.id, version: a.version, title: a.title, category: a.category, tags: (a.tags || []).join(", "),
          language: a.language, valid_from: day(a.valid_from), valid_to: day(a.valid_to), body: a.body, note: "",
          owner: a.owner,
        };
        await this.loadVersions();
      } catch (e) { Hotline.toast(Hotline.reason(e), "error"); }
    },
    async loadVersions() {
      if (!this.form || !this.form.id) return;
      const vs = await Hotline.api("GET", `/api/kb/articles/${this.form.id}/versions`);
      this.versions = vs.slice().sort((a, b) => b.version - a.version);
    },
    body() {
      const f = this.form;
      const out = {
        title: f.title.trim(), body: f.body, category: f.category.trim(), language: f.language,
        tags: f.tags.split(/[,，、]/).map((t) => t.trim()).filter(Boolean),
        valid_from: f.valid_from ? midnight(f.valid_from) : null,
        valid_to: f.valid_to ? midnight(nextDay(f.valid_to)) - 1 : null,
      };
      if (f.note.trim()) out.note = f.note.trim();
      if (f.id) out.expected_version = f.version;
      return out;
    },
    check() {
      const f = this.form, errs = {};
      if (!f.title.trim()) errs.title = T("kbe.err.title");
      if (!f.body.trim()) errs.body = T("kbe.err.body");
      if (f.valid_from && f.valid_to && f.valid_from > f.valid_to) errs.valid_to = T("kbe.err.dates");
      this.errs = errs;
      return !Object.keys(errs).length;
    },
    async save() {
      if (!this.form || this.busy || !this.check()) return;
      this.busy = true;
      try {
        const f = this.form;
        const a = f.id
          ? await Hotline.api("PUT", `/api/kb/articles/${f.id}`, this.body())
          : await Hotline.api("POST", "/api/kb/articles", this.body());
        Hotline.toast(T("kbe.saved", { v: a.version }), "ok");
        await this.loadArticles();
        await this.open(a.id);
      } catch (e) {
        this.errs = e.status === 409 ? { _: T("kbe.err.conflict") } : Hotline.fieldErrors(e);
      } finally {
        this.busy = false;
      }
    },
    async archive() {
      if (!this.form || !this.form.id || !window.confirm(T("kbe.archive_confirm"))) return;
      try {
        await Hotline.api("DELETE", `/api/kb/articles/${this.form.id}`);
        this.form = null;
        await this.loadArticles();
      } catch (e) { Hotline.toast(Hotline.reason(e), "error"); }
    },
    async showDiff(from, to) {
      try {
        this.diff = await Hotline.api("GET", `/api/kb/articles/${this.form.id}/diff?from=${from}&to=${to}`);
      } catch (e) { Hotline.toast(Hotline.reason(e), "error"); }
    },
    async restore(v) {
      try {
        const a = await Hotline.api("POST", `/api/kb/articles/${this.form.id}/restore`, { version: v });
        Hotline.toast(T("kbe.restored", { v, n: a.version }), "ok");
        await this.loadArticles();
        await this.open(a.id);
      } catch (e) { Hotline.toast(Hotline.reason(e), "error"); }
    },
    fieldText(field, v) {
      if (v === null || v === undefined || v === "" || (Array.isArray(v) && !v.length)) return "—";
      if (field === "valid_from" || field === "valid_to") return day(v);
      if (field === "language") return T("kbe.lang." + v);
      return Array.isArray(v) ? v.join(", ") : String(v);
    },

    // -- error reports -------------------------------------------------------------------------
    async loadReports() {
      try { this.reports = await Hotline.api("GET", "/api/kb/reports?status=open"); } catch (e) { this.reports = []; }
    },
    async resolve(r, fixed) {
      const resolution = (this.resolutions[r.id] || "").trim();
      try {
        await Hotline.api("POST", `/api/kb/reports/${r.id}/resolve`, resolution ? { fixed, resolution } : { fixed });
        Hotline.toast(T(fixed ? "kbe.report_fixed" : "kbe.report_rejected"), "ok");
        await Promise.all([this.loadReports(), this.loadArticles()]);
      } catch (e) { Hotline.toast(Hotline.reason(e), "error"); }
    },

    // -- templates -----------------------------------------------------------------------------
    async loadTemplates() {
      try { this.templates = await Hotline.api("GET", "/api/kb/templates"); } catch (e) { this.templates = []; }
    },
    editTemplate(tp) {
      this.terr = "";
      this.tform = tp ? { id: tp.id, name: tp.name, category: tp.category, body: tp.body, active: tp.active }
        : { id: null, name: "", category: "", body: "", active: true };
    },
    async saveTemplate() {
      const f = this.tform;
      if (!f.name.trim() || !f.body.trim()) { this.terr = T("kbe.err.template"); return; }
      const body = { name: f.name.trim(), body: f.body, category: f.category.trim(), active: !!f.active };
      try {
        if (f.id) await Hotline.api("PUT", `/api/kb/templates/${f.id}`, body);
        else await Hotline.api("POST", "/api/kb/templates", body);
        this.tform = null;
        await this.loadTemplates();
      } catch (e) { this.terr = Hotline.reason(e); }
    },

    // -- synonyms ------------------------------------------------------------------------------
    async loadSynonyms() {
      try { this.synonyms = await Hotline.api("GET", "/api/kb/synonyms"); } catch (e) { this.synonyms = []; }
    },
    async addSynonyms() {
      const terms = this.newSynonyms.split(/[,，、\s]+/).map((t) => t.trim()).filter(Boolean);
      this.serr = "";
      if (new Set(terms).size < 2) { this.serr = T("kbe.err.synonyms"); return; }
      try {
        await Hotline.api("POST", "/api/kb/synonyms", { terms });
        this.newSynonyms = "";
        await this.loadSynonyms();
      } catch (e) { this.serr = Hotline.reason(e); }
    },
    async deleteSynonyms(g) {
      try { await Hotline.api("DELETE", `/api/kb/synonyms/${g.id}`); await this.loadSynonyms(); } catch (e) { Hotline.toast(Hotline.reason(e), "error"); }
    },

    // -- usage ---------------------------------------------------------------------------------
    async loadUsage() {
      try { this.usage = (await Hotline.api("GET", "/api/kb/usage?limit=50")).items; } catch (e) { this.usage = []; }
    },
    usageName(u) {
      if (u.kind === "article") return this.articleTitle(u.id);
      const t = this.templates.find((x) => x.id === u.id);
      return t ? t.name : `#${u.id}`;
    },
  };
}
