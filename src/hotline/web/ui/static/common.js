/* Shared helpers of the hotline pages: words, API calls, the live stream, formatting, toasts.
 * Plain script (no build step); the pages' behaviour is written as Alpine.js components. */
(function () {
  "use strict";
  const cfg = window.HOTLINE || { strings: {}, lang: "zh-CN" };

  /** The UI word for `key` in the page's language, with {name} placeholders filled. */
  function T(key, values) {
    let text = cfg.strings[key];
    if (text === undefined) text = key;
    if (values) {
      for (const [k, v] of Object.entries(values)) text = text.split("{" + k + "}").join(v);
    }
    return text;
  }

  class ApiError extends Error {
    constructor(status, body) {
      const detail = body && body.detail;
      super(typeof detail === "string" ? detail : JSON.stringify(detail || body || status));
      this.status = status;
      this.body = body || {};
      this.field = this.body.field || null;
      this.reason = this.body.reason || null;
    }
  }

  /** JSON API call with the login cookie; throws ApiError on a non-2xx answer. */
  async function api(method, path, body) {
    const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, { detail: T("error.network") });
    }
    if (res.status === 401 && !path.startsWith("/api/auth/login")) {
      window.location.href = "/login?next=" + encodeURIComponent(window.location.pathname);
      throw new ApiError(401, { detail: T("login.expired") });
    }
    const text = await res.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch (e) { data = { detail: text }; }
    }
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }

  /** Keep a WebSocket on /api/stream, resuming from the last seq after a drop.
   * handlers: onEvent(ev), onResync() (re-read snapshots), onStatus(connected). */
  function stream(handlers) {
    let seq = 0, ws = null, delay = 500, stopped = false;
    function connect() {
      const proto = location.protocol === "https:" ? "wss:" : "ws:";
      ws = new WebSocket(`${proto}//${location.host}/api/stream?since=${seq}`);
      ws.onmessage = (m) => {
        const msg = JSON.parse(m.data);
        if (msg.type === "hello") {
          delay = 500;
          handlers.onStatus && handlers.onStatus(true);
          // First connection, a gap too long to replay, or a reconnect: re-read the snapshot.
          if (seq === 0 || msg.resync) handlers.onResync && handlers.onResync();
          seq = Math.max(seq, msg.seq);
        } else if (msg.type === "event") {
          seq = Math.max(seq, msg.seq);
          handlers.onEvent && handlers.onEvent(msg);
        }
      };
      ws.onclose = (e) => {
        handlers.onStatus && handlers.onStatus(false);
        if (stopped) return;
        if (e.code === 4401) { window.location.href = "/login?next=" + encodeURIComponent(location.pathname); return; }
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 10000);
      };
    }
    connect();
    return { close() { stopped = true; ws && ws.close(); } };
  }

  /** Run `fn` at most once per `ms`, trailing: many events in a burst cause one re-read. */
  function debounce(fn, ms) {
    let timer = null;
    return function () {
      if (timer) return;
      timer = setTimeout(() => { timer = null; fn(); }, ms);
    };
  }

  function pad(n) { return String(n).padStart(2, "0"); }

  /** 75 -> "01:15", 3725 -> "1:02:05". */
  function dur(seconds) {
    if (seconds === null || seconds === undefined || isNaN(seconds)) return "—";
    let s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    return h ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
  }

  /** 0.8 -> "80%", 0.857 -> "85.7%", null -> "—". */
  function pct(x) {
    if (x === null || x === undefined) return "—";
    return `${(Math.round(x * 1000) / 10).toFixed(1).replace(/\.0$/, "")}%`;
  }

  function secs(x) {
    return x === null || x === undefined ? "—" : `${Math.round(x)}s`;
  }

  /** Epoch seconds -> "14:05" (today) or "11-24 14:05", in the center's time zone. */
  const zoneOpts = cfg.tz ? { timeZone: cfg.tz } : {};
  const fmtDay = new Intl.DateTimeFormat("en-CA", { ...zoneOpts, year: "numeric", month: "2-digit", day: "2-digit" });
  const fmtHm = new Intl.DateTimeFormat("en-GB", { ...zoneOpts, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  function clock(ts) {
    if (!ts) return "—";
    const d = new Date(ts * 1000);
    const day = fmtDay.format(d), today = fmtDay.format(new Date());
    return day === today ? fmtHm.format(d) : `${day.slice(5)} ${fmtHm.format(d)}`;
  }

  /** Epoch seconds -> "2026-11-24 14:05" always with the date (history, transcripts). */
  function stamp(ts) {
    if (!ts) return "—";
    const d = new Date(ts * 1000);
    const day = fmtDay.format(d), year = fmtDay.format(new Date()).slice(0, 4);
    return `${day.startsWith(year) ? day.slice(5) : day} ${fmtHm.format(d)}`;
  }

  /** The UI word for a code (`label("intent", "lost_item")` -> 失物查找); unknown codes show
   * as they are, so a new code is visible rather than blank. */
  function label(prefix, code) {
    if (code === null || code === undefined || code === "") return "—";
    const key = `${prefix}.${code}`;
    const text = T(key);
    return text === key ? String(code) : text;
  }

  /** A 4xx body -> {field: reason} in the page's language. FastAPI/pydantic lists
   * ({detail: [{loc, type, ctx, msg}]}) are worded from the error type (`v.*` strings);
   * "field: reason" texts keep the API's reason. An unnamed error is under "_". */
  function fieldErrors(e) {
    const out = {};
    const d = e && e.body && e.body.detail;
    if (Array.isArray(d)) {
      for (const x of d) {
        const loc = (x.loc || []).filter((p) => p !== "body" && p !== "query" && p !== "path");
        const field = loc.length ? String(loc[loc.length - 1]) : "_";
        if (!(field in out)) out[field] = validationText(x);
      }
    } else if (e && e.field) {
      out[String(e.field).split(".").pop()] = e.reason || e.message;
    } else if (typeof d === "string") {
      const m = d.match(/^(\w+): (.*)$/);
      if (m) out[m[1]] = m[2];
      else out._ = d;
    } else if (e) {
      out._ = e.message;
    }
    return out;
  }

  function validationText(x) {
    const type = String(x.type || "");
    const ctx = x.ctx || {};
    const key = `v.${type}`;
    if (type.startsWith("password_policy.")) return T(key) === key ? x.msg : T(key);
    if (T(key) !== key) return T(key, { ...ctx, expected: ctx.expected || "" });
    return String(x.msg || type).replace(/^Value error, /, "");
  }

  /** One line for a refused request: "阈值：不能小于 0" (the field's UI name when known). */
  function reason(e) {
    const errs = fieldErrors(e);
    return Object.entries(errs)
      .map(([f, r]) => (f === "_" ? r : `${label("field", f)}${T("v.sep")}${r}`))
      .join("; ");
  }

  const RATE_KINDS = new Set(["service_level_below", "abandon_rate_above"]);
  /** Kinds whose threshold is a share (0.8), shown and typed as a percentage (80). */
  const SHARE_KINDS = new Set([...RATE_KINDS, "order_at_risk"]);
  /** An alert rule's measure as people read it: 0.8 -> "80%", 300 s -> "05:00", 7 -> "7". */
  function alertValue(kind, v) {
    if (v === null || v === undefined) return "—";
    if (SHARE_KINDS.has(kind)) return pct(v);
    if (kind === "waiting_above") return String(Math.round(v));
    return dur(v);
  }
  /** A fired alert in the page's language (the server's `text` is the English log line):
   * `rules` give the threshold, `names` the queue/agent names by id. */
  function alertText(a, rules, names) {
    const rule = (rules || []).find((r) => r.id === a.rule_id);
    const subject = (names && names[a.subject]) || a.subject;
    return T(`al.text.${a.kind}`, {
      s: subject, v: alertValue(a.kind, a.value), t: rule ? alertValue(a.kind, rule.threshold) : "—",
    });
  }

  function toast(message, kind) {
    const box = document.getElementById("toasts");
    if (!box) return;
    const el = document.createElement("div");
    el.className = `toast toast-${kind || "info"}`;
    el.setAttribute("role", kind === "error" ? "alert" : "status");
    el.textContent = message;
    box.appendChild(el);
    setTimeout(() => el.classList.add("toast-out"), 3600);
    setTimeout(() => el.remove(), 4000);
  }

  function switchLang() {
    const next = cfg.lang === "en" ? "zh-CN" : "en";
    document.cookie = `hotline_lang=${next}; path=/; max-age=31536000; SameSite=Lax`;
    window.location.reload();
  }

  async function logout() {
    try { await api("POST", "/api/auth/logout"); } catch (e) { /* already gone */ }
    window.location.href = "/login";
  }

  /** A two-tone ring through WebAudio (no sound file needed). */
  const ringer = {
    ctx: null,
    timer: null,
    unlock() {
      try {
        if (!this.ctx) this.ctx = new (window.AudioContext || window.webkitAudioContext)();
        if (this.ctx.state === "suspended") this.ctx.resume();
      } catch (e) { this.ctx = null; }
    },
    beep() {
      this.unlock();
      const ctx = this.ctx;
      if (!ctx) return;
      [0, 0.22].forEach((offset, i) => {
        const osc = ctx.createOscillator(), gain = ctx.createGain();
        osc.type = "sine";
        osc.frequency.value = i ? 660 : 880;
        gain.gain.setValueAtTime(0.0001, ctx.currentTime + offset);
        gain.gain.exponentialRampToValueAtTime(0.25, ctx.currentTime + offset + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + offset + 0.2);
        osc.connect(gain).connect(ctx.destination);
        osc.start(ctx.currentTime + offset);
        osc.stop(ctx.currentTime + offset + 0.21);
      });
    },
    start() {
      if (this.timer) return;
      this.beep();
      this.timer = setInterval(() => this.beep(), 1500);
      window.HOTLINE.ringing = true;
    },
    stop() {
      clearInterval(this.timer);
      this.timer = null;
      window.HOTLINE.ringing = false;
    },
  };
  // Browsers allow sound only after a gesture: the first click or key unlocks it.
  ["pointerdown", "keydown"].forEach((t) => window.addEventListener(t, () => ringer.unlock(), { once: true }));

  window.T = T;
  window.Hotline = { T, api, ApiError, stream, debounce, dur, pct, secs, clock, stamp, label, toast, fieldErrors, reason, alertText, alertValue, RATE_KINDS, SHARE_KINDS, switchLang, logout, ringer, cfg };
})();
