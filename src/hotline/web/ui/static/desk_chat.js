/* The agent desktop's chat and after-call parts, mixed into desk() (agent.js).
 *
 * Chat: each chat contact (and each callback task made from a chat) keeps its own transcript,
 * read from GET /api/chat/contacts/{id}/messages?after=<last id>. New customer messages are
 * pushed as `chat.message` facts on the agent's WebSocket stream; a 3 s poll of the open chats
 * covers a dropped stream. Replies go to POST …/messages (Enter sends, Shift+Enter is a new
 * line, Enter while an IME is composing Chinese is left to the IME). Everything the customer
 * wrote is rendered with x-text (escaped), images through <img src> of the agent media route.
 *
 * After-call work: on Complete the note and disposition move to `wrap` and stay editable while
 * the agent is in 话后处理; a changed note is saved with POST /api/contacts/{id}/note. The
 * wrap-up time counts down from the router's `wrap_until`.
 */
function deskChatMixin() {
  return {
    chats: {},
    wrap: null,
    wrapBusy: false,

    chat(id) { return this.chats[id] || { messages: [], last: 0, draft: "", unread: 0, loaded: false }; },
    hasChat(c) { return !!(c && c.has_chat); },

    /** Fetch the messages of one chat contact newer than the last one shown. */
    async loadChat(id) {
      if (!this.chats[id]) this.chats[id] = { messages: [], last: 0, draft: "", unread: 0, loaded: false, missing: false, busy: false };
      const ch = this.chats[id];
      if (ch.fetching) { ch.again = true; return; }
      ch.fetching = true;
      try {
        const res = await Hotline.api("GET", `/api/chat/contacts/${encodeURIComponent(id)}/messages?after=${ch.last}`);
        const fresh = (res.messages || []).filter((m) => m.id > ch.last);
        if (fresh.length) {
          ch.messages.push(...fresh);
          ch.last = fresh[fresh.length - 1].id;
          const fromCustomer = fresh.filter((m) => m.sender === "customer").length;
          if (ch.loaded && id !== this.selectedId) ch.unread += fromCustomer;
          if (fromCustomer && this.assistSoon) this.assistSoon(id); // agent assist follows the customer
          if (id === this.selectedId) this.scrollChat();
        }
        ch.loaded = true;
      } catch (e) {
        ch.loaded = true;
        if (e.status === 404) ch.missing = true;
      } finally {
        ch.fetching = false;
        if (ch.again) { ch.again = false; this.loadChat(id); }
      }
    },

    pollChats() {
      for (const c of this.desk.active || []) if (c.has_chat) this.loadChat(c.id);
    },

    onChatEvent(ev) {
      if (ev.kind === "chat.message" && ev.contact_id) this.loadChat(ev.contact_id);
    },

    scrollChat() {
      this.$nextTick(() => {
        const el = document.querySelector("[data-testid=chat-transcript]");
        if (el) el.scrollTop = el.scrollHeight;
      });
    },

    chatKey(e, id) {
      if (e.key !== "Enter" || e.shiftKey || e.isComposing || e.keyCode === 229) return;
      e.preventDefault();
      this.sendChat(id);
    },

    chatTyping(id) {
      const ch = this.chats[id];
      if (!ch) return;
      const now = Date.now();
      if (ch.typedAt && now - ch.typedAt < 2500) return;
      ch.typedAt = now;
      Hotline.api("POST", `/api/chat/contacts/${encodeURIComponent(id)}/typing`).catch(() => {});
    },

    async sendChat(id) {
      const ch = this.chats[id];
      if (!ch || ch.busy) return;
      const text = (ch.draft || "").trim();
      if (!text) return;
      ch.busy = true;
      try {
        await Hotline.api("POST", `/api/chat/contacts/${encodeURIComponent(id)}/messages`, { text });
        ch.draft = "";
        ch.typedAt = 0;
        await this.loadChat(id);
      } catch (e) {
        Hotline.toast(`${T("error.generic")}: ${e.message}`, "error");
      } finally {
        ch.busy = false;
      }
    },

    senderLabel(m) {
      if (m.sender === "agent") return m.agent_id === this.agent.id ? T("chat.me") : this.agentName(m.agent_id);
      return T("chat.sender." + m.sender);
    },
    agentName(id) {
      const a = (this.dir.agents || []).find((x) => x.id === id);
      return a ? a.name : (id || T("chat.sender.agent"));
    },
    mediaUrl(m) { return `/api/chat/media/${encodeURIComponent(m.media_id)}`; },

    /** The customer as the desk shows them: a masked phone, or what a chat session is. */
    customerLabel(c) {
      if (!c) return "—";
      if (this.revealed[c.id]) return this.revealed[c.id];
      if (c.customer_kind === "web") return T("cust.web");
      if (c.customer_kind === "wechat") return T("cust.wechat");
      return c.customer || T("cust.unknown");
    },
    canReveal(c) { return !!(c && c.customer && c.customer_kind === "phone" && !this.revealed[c.id]); },

    // -- after-call work ---------------------------------------------------------------------
    startWrap(c, w) {
      this.wrap = {
        id: c.id, channel: c.channel, queue_name: c.queue_name, who: this.customerLabel(c),
        disposition: w.disposition || "", note: w.note || "",
        saved: { disposition: w.disposition || "", note: (w.note || "").trim() },
      };
    },
    wrapLeft() {
      const until = this.agent.wrap_until;
      return until ? until - this.serverNow() : null;
    },
    wrapDirty() {
      const w = this.wrap;
      return !!w && (w.disposition !== w.saved.disposition || w.note.trim() !== w.saved.note);
    },
    async saveWrap() {
      const w = this.wrap;
      if (!w || !this.wrapDirty() || this.wrapBusy) return true;
      if (!w.note.trim()) { Hotline.toast(T("wrap.note_needed"), "error"); return false; }
      this.wrapBusy = true;
      try {
        const body = { note: w.note.trim() };
        if (w.disposition) body.disposition = w.disposition;
        await Hotline.api("POST", `/api/contacts/${encodeURIComponent(w.id)}/note`, body);
        w.saved = { disposition: w.disposition, note: w.note.trim() };
        Hotline.toast(T("wrap.saved"), "ok");
        return true;
      } catch (e) {
        Hotline.toast(`${T("error.generic")}: ${e.message}`, "error");
        return false;
      } finally {
        this.wrapBusy = false;
      }
    },
    /** Hold time of a contact: the holds that ended plus the one running now. */
    holdNow(c) {
      if (!c) return 0;
      return (c.hold_done_s || 0) + (c.held_since ? this.serverNow() - c.held_since : 0);
    },
    /** Timer colour: amber when near a limit, red past it. */
    level(seconds, warn, bad) {
      if (seconds === null || seconds === undefined) return "";
      return seconds >= bad ? "t-bad" : seconds >= warn ? "t-warn" : "";
    },
  };
}
