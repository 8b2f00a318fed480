/* Agent desktop (Alpine.js component). State comes from GET /api/ui/desk; the WebSocket stream
 * (an agent receives only facts about themself) says when to re-read it, so an offer pops up
 * the moment the router makes it. Keyboard: Alt+A accept, Alt+D decline, Alt+C complete,
 * Alt+R ready, Alt+H hold/resume. */
document.addEventListener("alpine:init", () => {
  Alpine.store("live", { on: false });
});

const ICONS = {
  voice: '<svg viewBox="0 0 24 24"><path fill="currentColor" d="M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z"/></svg>',
  chat: '<svg viewBox="0 0 24 24"><path fill="currentColor" d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z"/></svg>',
  callback: '<svg viewBox="0 0 24 24"><path fill="currentColor" d="M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1zM15 3h6v6l-2.3-2.3-3.3 3.3-1.4-1.4 3.3-3.3L15 3z"/></svg>',
  email: '<svg viewBox="0 0 24 24"><path fill="currentColor" d="M3 5h18a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zm9 7 8-5H4l8 5z"/></svg>',
};

const DRAFTS = "hotline.desk.drafts";
const SYSTEM_REASONS = ["break", "lunch", "training", "meeting", "coaching", "other", "login",
  "ring_no_answer", "declined", "after_call_work", "supervisor"];

function desk() {
  return Object.assign({
    desk: { agent: {}, offer: null, active: [], callbacks: [], queues: [] },
    dir: { queues: [], agents: [] },
    skew: 0,
    tick: 0,
    selectedId: null,
    cards: {},
    works: {},
    revealed: {},
    nrReason: "break",
    kbQuery: "",
    kbSearched: "",
    kbHits: [],
    offerTotal: 15,
    orderOpen: false,
    orderBusy: false,
    orderDraft: { category: "", title: "", fields: {} },

    get agent() { return this.desk.agent || {}; },
    get state() { return this.agent.state || "offline"; },

    async init() {
      this.baseTitle = document.title;
      // Drafts (notes, disposition) survive a page reload: they are only sent on completion.
      try { this.works = JSON.parse(sessionStorage.getItem(DRAFTS) || "{}"); } catch (e) { this.works = {}; }
      this.$watch("works", (w) => sessionStorage.setItem(DRAFTS, JSON.stringify(w)));
      this.refreshSoon = Hotline.debounce(() => this.refresh(), 150);
      setInterval(() => { this.tick++; }, 500);
      setInterval(() => this.refresh(), 30000); // callback tasks of the queues are not pushed to agents
      setInterval(() => this.pollChats(), 3000); // the stream pushes chat messages; this covers a drop
      window.addEventListener("keydown", (e) => this.onKey(e));
      try { this.dir = await Hotline.api("GET", "/api/ui/directory"); } catch (e) { /* labels only */ }
      await this.refresh();
      this.dayStart();
      this.phoneStart();
      Hotline.stream({
        onEvent: (ev) => {
          if (ev.kind === "chat.message") return this.onChatEvent(ev);
          return ev.kind === "contact.offered" ? this.refresh() : this.refreshSoon();
        },
        onResync: () => this.refresh(),
        onStatus: (on) => { Alpine.store("live").on = on; },
      });
    },

    async kbSearch() {
      // The KB answers in a few milliseconds (bench/kb.py); escaped HTML with <mark> highlights.
      this.kbSearched = this.kbQuery.trim();
      if (!this.kbSearched) { this.kbHits = []; return; }
      try {
        const res = await Hotline.api("GET", "/api/kb/search?k=5&q=" + encodeURIComponent(this.kbSearched));
        this.kbHits = res.hits || [];
      } catch (e) { this.kbHits = []; }
    },

    kbQuote(hit) {
      // Quote the article's title and snippet (tags stripped) into the current contact's note.
      const c = this.current();
      if (!c) return;
      const text = (html) => { const d = document.createElement("div"); d.innerHTML = html; return d.textContent; };
      const w = this.works[c.id] || (this.works[c.id] = { note: "", disposition: "" });
      w.note = (w.note ? w.note + "\n" : "") + "【" + text(hit.title_html) + "】" + text(hit.snippet_html);
    },

    serverNow() { this.tick; return Date.now() / 1000 + this.skew; },
    timeInState() { return this.serverNow() - (this.agent.state_since || this.serverNow()); },
    offerLeft() { return this.desk.offer && this.desk.offer.expires_at ? this.desk.offer.expires_at - this.serverNow() : 0; },
    offerPct() { return Math.max(0, Math.min(100, (100 * this.offerLeft()) / this.offerTotal)); },
    chatCount() { return this.desk.active.filter((c) => c.channel === "chat").length; },
    chatMeter() { const cap = this.agent.chat_capacity || 0; return cap ? (100 * this.chatCount()) / cap : 0; },
    dueNow(c) { return !c.due_at || c.due_at <= this.serverNow() || c.status !== "scheduled"; },
    icon(channel) { return ICONS[channel] || ICONS.voice; },
    reasonLabel(r) { return SYSTEM_REASONS.includes(r) ? T("reason." + r) : r; },
    idleHint() {
      if (this.state === "offline") return T("desk.idle_offline");
      if (this.state === "wrap_up") return T("desk.idle_wrap_up");
      if (["available", "busy", "reserved"].includes(this.state)) return T("desk.idle_ready");
      return T("desk.idle_not_ready");
    },

    current() { return this.desk.active.find((c) => c.id === this.selectedId) || null; },
    card() { return (this.selectedId && this.cards[this.selectedId]) || {}; },
    work() { return (this.selectedId && this.works[this.selectedId]) || {}; },
    recentCount() {
      const c = this.current(), card = this.card();
      if (!c || !card.history) return 0;
      return card.history.filter((h) => h.channel !== "callback" && c.created_at - h.created_at <= card.repeat_days * 86400).length;
    },

    async refresh() {
      let d;
      try { d = await Hotline.api("GET", "/api/ui/desk"); } catch (e) { return; }
      this.skew = d.now - Date.now() / 1000;
      const hadOffer = this.desk.offer && this.desk.offer.id;
      this.desk = d;
      if (d.offer) {
        if (d.offer.id !== hadOffer) this.offerTotal = Math.max(1, (d.offer.expires_at || d.now) - d.now);
        Hotline.ringer.start();
        document.title = `【${T("offer.title." + d.offer.channel)}】${this.baseTitle}`;
      } else {
        Hotline.ringer.stop();
        document.title = this.baseTitle;
      }
      const live = new Set(d.active.map((c) => c.id));
      for (const id of Object.keys(this.works)) if (!live.has(id)) delete this.works[id];
      for (const id of Object.keys(this.chats)) if (!live.has(id)) delete this.chats[id];
      for (const id of Object.keys(this.assists)) if (!live.has(id)) delete this.assists[id];
      if (this.wrap && d.agent.state !== "wrap_up" && !this.wrapDirty()) this.wrap = null;
      for (const c of d.active) {
        if (!this.works[c.id]) {
          this.works[c.id] = { disposition: "", note: "", transferOpen: false, transferMode: "queue",
            transferQueue: (this.dir.queues[0] || {}).id || "", transferAgent: "" };
        }
        if (!this.cards[c.id]) this.loadCard(c.id);
        if (c.has_chat && !this.chats[c.id]) this.loadChat(c.id);
      }
      if (!this.current()) this.selectedId = d.active.length ? d.active[d.active.length - 1].id : null;
    },

    async loadCard(id) {
      this.cards[id] = { loaded: false, history: [] };
      try {
        const card = await Hotline.api("GET", `/api/ui/contacts/${encodeURIComponent(id)}/card`);
        this.cards[id] = { ...card, loaded: true };
      } catch (e) {
        this.cards[id] = { loaded: true, history: [] };
        return;
      }
      // The predicted intent (rules, then the model) only fills in what the channel did not say.
      try {
        const p = await Hotline.api("GET", `/api/customers/portrait/${encodeURIComponent(id)}`);
        if (p.intent && p.intent.intent && this.cards[id]) this.cards[id].predicted = p.intent;
      } catch (e) { /* optional */ }
    },

    /** When the running SLA clock of an order runs out: first action, then resolution. */
    orderDue(o) {
      const s = o.sla || {};
      const running = ["first_action", "resolution"].map((k) => s[k]).filter((c) => c && !c.done_at);
      return running.length ? running[0].due_at : null;
    },

    /** The fields the chosen category requires (e.g. a lost item's description and place). */
    orderFields(contactId) {
      const card = this.cards[contactId] || {};
      const cat = (card.order_categories || []).find((c) => c.id === this.orderDraft.category);
      return (cat && cat.required) || [];
    },
    fieldLabel(name) { const k = "ofield." + name, v = T(k); return v === k ? name : v; },
    orderReady(contactId) {
      const d = this.orderDraft;
      return !!(d.category && d.title.trim() && this.orderFields(contactId).every((f) => (d.fields[f] || "").trim()));
    },

    async createOrder(contactId) {
      const d = this.orderDraft;
      if (!this.orderReady(contactId) || this.orderBusy) return;
      const fields = {};
      for (const f of this.orderFields(contactId)) fields[f] = d.fields[f].trim();
      this.orderBusy = true;
      try {
        const body = { category: d.category, title: d.title.trim(), contact_id: contactId, fields };
        const o = await Hotline.api("POST", "/api/tickets", body);
        const card = this.cards[contactId];
        if (card) card.work_orders = [o, ...(card.work_orders || []).filter((x) => x.id !== o.id)];
        this.orderDraft = { category: "", title: "", fields: {} };
        this.orderOpen = false;
        Hotline.toast(T("order.created", { id: o.id }), "ok");
      } catch (e) {
        Hotline.toast(`${T("error.generic")}: ${e.message}`, "error");
      } finally {
        this.orderBusy = false;
      }
    },

    select(id) {
      this.selectedId = id;
      if (this.chats[id]) { this.chats[id].unread = 0; this.scrollChat(); }
    },

    async act(fn, okMessage) {
      try {
        const out = await fn();
        if (okMessage) Hotline.toast(okMessage, "ok");
        return out;
      } catch (e) {
        Hotline.toast(`${T("error.generic")}: ${e.message}`, "error");
        return undefined;
      } finally {
        await this.refresh();
      }
    },
    setState(state, reason) {
      return this.act(() => Hotline.api("POST", "/api/agents/me/state", reason ? { state, reason } : { state }));
    },
    async signIn() {
      await this.setState("login");
    },
    signOut() { return this.setState("offline"); },
    async ready() {
      Hotline.ringer.unlock();
      if (this.state === "offline") {
        await this.act(() => Hotline.api("POST", "/api/agents/me/state", { state: "login" }));
      }
      if (this.state === "wrap_up") return this.acwDone();
      return this.setState("available");
    },
    notReady() { return this.setState("not_ready", this.nrReason); },
    async acwDone() {
      if (!(await this.saveWrap())) return undefined;
      this.wrap = null;
      return this.act(() => Hotline.api("POST", "/api/agents/me/wrap-up-done"));
    },

    async accept() {
      const offer = this.desk.offer;
      if (!offer) return;
      Hotline.ringer.stop();
      if (this.phoneTakes(offer)) return this.phoneAccept(offer); // answering accepts
      this.selectedId = offer.id;
      await this.act(() => Hotline.api("POST", `/api/contacts/${encodeURIComponent(offer.id)}/accept`));
      this.selectedId = offer.id;
    },
    async decline() {
      const offer = this.desk.offer;
      if (!offer) return;
      Hotline.ringer.stop();
      await this.act(() => Hotline.api("POST", `/api/contacts/${encodeURIComponent(offer.id)}/decline`));
    },
    async complete(id, reached) {
      const w = this.works[id] || {};
      const body = { reached: reached !== false };
      if (w.disposition) body.disposition = w.disposition;
      if (w.note && w.note.trim()) body.note = w.note.trim();
      const c = this.desk.active.find((x) => x.id === id);
      const ok = await this.act(() => Hotline.api("POST", `/api/contacts/${encodeURIComponent(id)}/complete`, body), T("work.completed"));
      if (ok !== undefined) {
        if (c) this.startWrap(c, w);
        if (this.state !== "wrap_up") this.wrap = null;
        delete this.works[id]; delete this.cards[id]; delete this.chats[id];
        this.loadDay();
      }
    },
    toggleHold(c) {
      const verb = c.status === "held" ? "resume" : "hold";
      return this.act(() => Hotline.api("POST", `/api/contacts/${encodeURIComponent(c.id)}/${verb}`));
    },
    openTransfer() {
      const w = this.work();
      w.transferOpen = !w.transferOpen;
      if (!w.transferAgent) {
        const other = this.dir.agents.find((a) => a.id !== this.agent.id && a.state === "available");
        w.transferAgent = other ? other.id : "";
      }
      Hotline.api("GET", "/api/ui/directory").then((d) => { this.dir = d; }).catch(() => {});
    },
    async transfer(id) {
      const w = this.works[id];
      const body = w.transferMode === "agent" ? { agent_id: w.transferAgent } : { queue: w.transferQueue };
      const ok = await this.act(() => Hotline.api("POST", `/api/contacts/${encodeURIComponent(id)}/transfer`, body), T("work.transferred"));
      if (ok !== undefined) delete this.works[id];
    },
    async reveal(id) {
      try {
        const r = await Hotline.api("POST", `/api/contacts/${encodeURIComponent(id)}/reveal`);
        this.revealed[id] = r.customer;
        Hotline.toast(T("card.revealed"), "info");
      } catch (e) {
        Hotline.toast(`${T("error.generic")}: ${e.message}`, "error");
      }
    },

    onKey(e) {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const c = this.current();
      const actions = {
        KeyA: () => this.accept(),
        KeyD: () => this.decline(),
        KeyC: () => c && this.complete(c.id, true),
        KeyR: () => this.ready(),
        KeyH: () => c && c.channel !== "chat" && this.toggleHold(c),
      };
      const fn = actions[e.code];
      if (fn) { e.preventDefault(); fn(); }
    },
  }, deskChatMixin(), deskAssistMixin(), deskDayMixin(), deskCallControlMixin(), deskPhoneMixin());
}
