/* Agent assist on the desk, mixed into desk() (agent.js).
 *
 * While a chat runs, GET /api/ui/contacts/{id}/assist searches the KB with what the customer
 * wrote last (the server fuses the latest lines, newest first) and returns articles and answer
 * templates, the templates already filled from what the desk knows (customer name on file,
 * the flight number typed, this contact's work order, the agent's name). It is asked again
 * whenever new customer lines arrive (desk_chat.js calls assistSoon), so the suggestions follow
 * the conversation. Quoting puts the text in the chat reply box (or, on a call, the note) and
 * logs the choice (POST …/assist/used): the query -> article log the KB owners read.
 */
function deskAssistMixin() {
  return {
    assists: {},

    assist(id) { return this.assists[id] || { loaded: false, query: "", articles: [], templates: [] }; },

    /** Ask again soon (a burst of customer lines makes one request). */
    assistSoon(id) {
      if (!this.assistTimers) this.assistTimers = {};
      clearTimeout(this.assistTimers[id]);
      this.assistTimers[id] = setTimeout(() => this.loadAssist(id), 250);
    },

    async loadAssist(id) {
      try {
        const res = await Hotline.api("GET", `/api/ui/contacts/${encodeURIComponent(id)}/assist`);
        const used = (this.assists[id] && this.assists[id].used) || {};
        this.assists[id] = { ...res, loaded: true, used };
      } catch (e) {
        if (!this.assists[id]) this.assists[id] = { loaded: true, query: "", articles: [], templates: [], used: {} };
      }
    },

    /** Put text where the agent answers: the chat reply box, or the note on a call. */
    quoteText(c, text) {
      if (this.hasChat(c) && this.chats[c.id] && !this.chats[c.id].missing) {
        const ch = this.chats[c.id];
        ch.draft = ch.draft && ch.draft.trim() ? ch.draft.replace(/\s*$/, "\n") + text : text;
        this.$nextTick(() => {
          const box = document.querySelector("[data-testid=chat-reply]");
          if (box) { box.focus(); box.setSelectionRange(box.value.length, box.value.length); }
        });
        return;
      }
      const w = this.works[c.id] || (this.works[c.id] = { note: "", disposition: "" });
      w.note = (w.note ? w.note + "\n" : "") + text;
    },

    quoteTemplate(t) {
      const c = this.current();
      if (!c) return;
      this.quoteText(c, t.text);
      this.logUse(c.id, { template_id: t.id, rank: t.rank }, "t" + t.id);
    },

    quoteArticle(a) {
      const c = this.current();
      if (!c) return;
      const plain = (html) => { const d = document.createElement("div"); d.innerHTML = html; return d.textContent; };
      this.quoteText(c, plain(a.snippet_html) || a.title);
      this.logUse(c.id, { article_id: a.id, rank: a.rank }, "a" + a.id);
    },

    logUse(contactId, what, key) {
      const st = this.assists[contactId];
      if (st) st.used = { ...(st.used || {}), [key]: true };
      const body = { query: (st && st.query) || "", ...what };
      Hotline.api("POST", `/api/ui/contacts/${encodeURIComponent(contactId)}/assist/used`, body).catch(() => {});
    },

    wasUsed(id, key) { const st = this.assists[id]; return !!(st && st.used && st.used[key]); },
    quoteLabel(c) { return this.hasChat(c) ? T("assist.quote_reply") : T("assist.quote_note"); },
  };
}
