/* Admin console (Alpine.js component): logins through /api/admin/users, and the whole center
 * configuration through GET/PUT /api/admin/config. The API validates; a 422 names the field
 * (`queues[2].skills.english`) and the reason, shown next to that field. Maps (skills, hours)
 * are edited as rows and turned back into the API's shape on save. */
let KEY = 0;

function rowsOf(map, valueName) {
  return Object.entries(map || {}).map(([k, v]) => ({ skill: k, [valueName]: v }));
}

function numOrNull(v) {
  return v === "" || v === null || v === undefined ? null : v;
}

/** 0.8 -> 80 (rounded so 0.85 does not show as 85.00000000000001). */
function toPct(fraction) {
  return typeof fraction === "number" ? Math.round(fraction * 10000) / 100 : fraction;
}

/** 80 -> 0.8; anything that is not a number goes to the API as typed (it names the field). */
function fromPct(pct) {
  return typeof pct === "number" && !isNaN(pct) ? Math.round(pct * 100) / 10000 : pct;
}

/** API config -> what the form edits (rows for maps, "" for null selects, stable keys). */
function toEdit(cfg) {
  const c = JSON.parse(JSON.stringify(cfg));
  c.queues.forEach((q) => {
    q._key = ++KEY;
    q.skills = rowsOf(q.skills, "level");
    q.strategy = q.strategy || "";
    // people type service-level targets as percentages (80), the config stores fractions (0.8)
    q.service_level = { ...q.service_level, target: toPct(q.service_level.target) };
    q.callback_queue = q.callback_queue || "";
    q.overflow = q.overflow.map((r) => ({ target: r.target, after_s: r.after_s ?? "", ewt_over_s: r.ewt_over_s ?? "" }));
    const hours = q.hours;
    if (hours && typeof hours === "object") {
      const rows = [], extra = {};
      for (const [k, v] of Object.entries(hours)) {
        if (typeof v === "string" && k !== "tz") rows.push({ days: k, windows: v });
        else extra[k] = v;
      }
      q._hours = { mode: "custom", rows, extra };
    } else {
      q._hours = { mode: "24x7", rows: [], extra: {} };
    }
    delete q.hours;
  });
  c.agents.forEach((a) => { a._key = ++KEY; a.skills = rowsOf(a.skills, "level"); });
  return c;
}

/** Form -> the API's config document. */
function fromEdit(c) {
  const skills = (rows) => Object.fromEntries(rows.map((s) => [s.skill, s.level]));
  return {
    center: { ...c.center },
    queues: c.queues.map((q) => {
      const out = { ...q };
      delete out._key; delete out._hours;
      out.skills = skills(q.skills);
      out.strategy = q.strategy || null;
      out.service_level = { ...q.service_level, target: fromPct(q.service_level.target) };
      out.callback_queue = q.callback_queue || null;
      out.overflow = q.overflow.map((r) => {
        const rule = { target: r.target };
        if (numOrNull(r.after_s) !== null) rule.after_s = r.after_s;
        if (numOrNull(r.ewt_over_s) !== null) rule.ewt_over_s = r.ewt_over_s;
        return rule;
      });
      out.hours = q._hours.mode === "24x7"
        ? "24x7"
        : { ...Object.fromEntries(q._hours.rows.map((r) => [r.days, r.windows])), ...q._hours.extra };
      return out;
    }),
    agents: c.agents.map((a) => {
      const out = { ...a };
      delete out._key;
      out.skills = skills(a.skills);
      return out;
    }),
  };
}

/** FastAPI's own 422 ({detail: [{loc, type, ctx}]}, worded in the page's language by
 * Hotline.fieldErrors) or "field: reason" text -> {field: reason}. */
function userErrors(e) {
  const out = {};
  const d = e.body && e.body.detail;
  if (Array.isArray(d)) {
    Object.assign(out, Hotline.fieldErrors(e));
  } else if (typeof d === "string") {
    const m = d.match(/^(\w+): (.*)$/);
    if (m) out[m[1]] = m[2];
    else if (e.status === 409) out.username = d;
    else out._ = d;
  }
  return out;
}

function admin() {
  return {
    tab: "users",
    users: [],
    newUser: { username: "", display_name: "", role: "agent", agent_id: "", password: "" },
    userErr: {},
    pwFor: null,
    pwDraft: "",
    pwErr: "",
    config: null,
    original: "",
    version: 0,
    qsel: 0,
    error: null,
    status: "",
    statusKind: "",
    saving: false,

    async init() {
      const hash = location.hash.replace("#", "");
      if (["users", "agents", "queues", "center"].includes(hash)) this.tab = hash;
      this.$watch("tab", (t) => history.replaceState(null, "", "#" + t));
      await Promise.all([this.loadUsers(), this.loadConfig()]);
    },

    // -- users ----------------------------------------------------------------------------
    async loadUsers() {
      try { this.users = await Hotline.api("GET", "/api/admin/users"); } catch (e) { Hotline.toast(e.message, "error"); }
    },
    agentLabel(id) {
      const a = this.config && this.config.agents.find((x) => x.id === id);
      return a ? `${a.name} (${id})` : id;
    },
    async createUser() {
      this.userErr = {};
      const u = this.newUser;
      const body = { username: u.username, password: u.password, role: u.role };
      if (u.display_name) body.display_name = u.display_name;
      if (u.role === "agent" && u.agent_id) body.agent_id = u.agent_id;
      try {
        await Hotline.api("POST", "/api/admin/users", body);
        Hotline.toast(T("ad.created", { u: u.username }), "ok");
        this.newUser = { username: "", display_name: "", role: "agent", agent_id: "", password: "" };
        await this.loadUsers();
      } catch (e) {
        this.userErr = userErrors(e);
        if (this.userErr._) Hotline.toast(this.userErr._, "error");
      }
    },
    async toggleActive(u) {
      try {
        await Hotline.api("PATCH", `/api/admin/users/${u.id}`, { active: !u.active });
        await this.loadUsers();
      } catch (e) { Hotline.toast(`${T("error.generic")}: ${e.message}`, "error"); }
    },
    /** Lift a lockout after failed logins before it runs out (the API audits it). */
    async unlock(u) {
      try {
        await Hotline.api("POST", `/api/admin/users/${u.id}/unlock`);
        Hotline.toast(T("ad.unlocked", { u: u.username }), "ok");
        await this.loadUsers();
      } catch (e) { Hotline.toast(`${T("error.generic")}: ${Hotline.reason(e)}`, "error"); }
    },
    async setPassword(u) {
      this.pwErr = "";
      try {
        await Hotline.api("PATCH", `/api/admin/users/${u.id}`, { password: this.pwDraft });
        this.pwFor = null;
        Hotline.toast(T("ad.pw_set"), "ok");
      } catch (e) {
        const errs = userErrors(e);
        this.pwErr = errs.password || errs._ || e.message;
      }
    },

    // -- configuration ------------------------------------------------------------------------
    async loadConfig() {
      try {
        const got = await Hotline.api("GET", "/api/admin/config");
        this.version = got.version;
        this.config = toEdit(got.config);
        this.original = JSON.stringify(fromEdit(this.config));
        this.error = null;
      } catch (e) { Hotline.toast(e.message, "error"); }
    },
    dirty() { return this.config && JSON.stringify(fromEdit(this.config)) !== this.original; },
    statusText() {
      if (this.status) return this.status;
      return this.dirty() ? T("ad.dirty") : "";
    },
    discard() { this.status = ""; this.loadConfig(); },
    qp(suffix) { return `queues[${this.qsel}].${suffix}`; },
    err(path) { return this.error && this.error.field === path ? this.error.reason : ""; },
    errUnder(prefix) { return !!(this.error && this.error.field && this.error.field.startsWith(prefix)); },
    addAgent() {
      this.config.agents.push({ _key: ++KEY, id: `a${String(this.config.agents.length + 1).padStart(2, "0")}`, name: "", skills: [{ skill: "general", level: 5 }], chat_capacity: 3 });
    },
    addQueue() {
      this.config.queues.push({
        _key: ++KEY, id: `queue${this.config.queues.length + 1}`, name: "", skills: [{ skill: "general", level: 1 }], priority: 0,
        service_level: { threshold_s: 20, target: 80 }, _hours: { mode: "24x7", rows: [], extra: {} }, overflow: [], relax: [],
        offer_timeout_s: 15, wrap_up_s: 10, expected_aht_s: 180, callback_queue: "", strategy: "",
      });
      this.qsel = this.config.queues.length - 1;
    },
    /** Show the refused field: open its tab (and queue), then scroll it into view. */
    reveal(field) {
      const m = /^queues\[(\d+)\]/.exec(field || "");
      if (m) { this.tab = "queues"; this.qsel = Number(m[1]); } else if (/^agents/.test(field)) this.tab = "agents";
      else if (/^center/.test(field)) this.tab = "center";
      this.$nextTick(() => {
        const el = document.querySelector(".field-error:not([style*='display: none'])");
        if (el) el.scrollIntoView({ block: "center", behavior: "smooth" });
      });
    },
    async save() {
      this.saving = true;
      this.status = "";
      try {
        const got = await Hotline.api("PUT", "/api/admin/config", fromEdit(this.config));
        this.error = null;
        await this.loadConfig();
        this.version = got.version;
        this.status = T("ad.saved", { v: got.version });
        this.statusKind = "ok";
      } catch (e) {
        this.statusKind = "err";
        if (e.status === 422 && e.field !== null) {
          // the API speaks of the stored fraction; the form shows a percentage
          const pct = /service_level\.target$/.test(e.field || "");
          this.error = { field: e.field, reason: pct ? T("ad.sl_target_err") : (e.reason || e.message) };
          this.status = T("ad.refused", { msg: T("ad.field_error", { f: e.field || "—", r: this.error.reason }) });
          this.reveal(e.field);
        } else {
          this.error = null;
          this.status = T("ad.refused", { msg: e.message });
        }
      } finally {
        this.saving = false;
      }
    },
  };
}
