/* Call control on the desk, mixed into desk() (agent.js).
 *
 * On a call: "Consult" holds the caller and rings a specialist (an agent, or whoever is free in
 * a queue: POST /api/contacts/{id}/consult); while the consult is on, the contact carries
 * `consult` (agent, state ringing/talking/conference) and the desk offers Transfer (the caller
 * goes to the specialist, this agent is free), Conference (all three talk) and Return (back to
 * the caller). "Transfer out" sends the caller to an outside number (a field team) and frees the
 * agent at once. The router decides every step; the desk only asks and shows the answer.
 */
function deskCallControlMixin() {
  return {
    ctl: { open: false, mode: "agent", agent: "", queue: "", number: "", outOpen: false },

    consultOf(c) { return (c && c.consult) || null; },

    openConsult() {
      this.ctl.open = !this.ctl.open;
      this.ctl.outOpen = false;
      Hotline.api("GET", "/api/ui/directory").then((d) => {
        this.dir = d;
        if (!this.ctl.queue) this.ctl.queue = (d.queues[0] || {}).id || "";
        const free = d.agents.find((a) => a.id !== this.agent.id && a.state === "available");
        if (!this.ctl.agent && free) this.ctl.agent = free.id;
      }).catch(() => {});
    },

    async consult(id) {
      const body = this.ctl.mode === "queue" ? { queue: this.ctl.queue } : { agent_id: this.ctl.agent };
      const ok = await this.act(
        () => Hotline.api("POST", `/api/contacts/${encodeURIComponent(id)}/consult`, body), T("ctl.consulting"));
      if (ok !== undefined) this.ctl.open = false;
    },

    endConsult(id, action) {
      return this.act(
        () => Hotline.api("POST", `/api/contacts/${encodeURIComponent(id)}/consult/${action}`), T("ctl.done." + action));
    },

    async transferOut(id) {
      const ok = await this.act(
        () => Hotline.api("POST", `/api/contacts/${encodeURIComponent(id)}/transfer-out`, { number: this.ctl.number.trim() }),
        T("ctl.done_out"));
      if (ok !== undefined) { this.ctl.outOpen = false; delete this.works[id]; }
    },
  };
}
