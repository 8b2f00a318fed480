/* Supervisor monitoring from the wallboard, mixed into wallboard() (wallboard.html).
 *
 * A busy agent's card offers listen (hear both sides, silent), whisper (the agent hears you,
 * the caller does not) and barge (all three talk), and stop. POST /api/voice/{contact}/monitor
 * is role-checked and audited; the voice gateway holding the call then rings the supervisor's
 * phone (`control.supervisors` in gateway.yaml) and wires who hears whom.
 */
function wallMonitorMixin() {
  return {
    /** The agent's call to monitor (a consult the agent is on is not theirs to monitor). */
    callOf(a) { return (a.contacts || []).find((c) => !c.endsWith("#consult")) || null; },

    monitor(a, mode) {
      const call = this.callOf(a);
      if (!mode || !call) return;
      return this.run(async () => {
        await Hotline.api("POST", `/api/voice/${encodeURIComponent(call)}/monitor`, { mode });
        if (mode !== "stop") Hotline.toast(T("mon.asked"), "ok");
      });
    },
  };
}
