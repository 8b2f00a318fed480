/* "My day" on the agent desk, mixed into desk() (agent.js): the agent's own figures today
 * (handled, handle time, satisfaction, QA score) beside the team's, from GET /api/ui/my-day.
 * Read on load, every minute, and after each completed contact. */
function deskDayMixin() {
  return {
    day: null,

    async loadDay() {
      try { this.day = await Hotline.api("GET", "/api/ui/my-day"); } catch (e) { /* keep the last */ }
    },
    dayStart() {
      this.loadDay();
      setInterval(() => this.loadDay(), 60000);
    },
    /** "12" / "1.5" for counts, "04:10" for times, "85%" for rates, "86.5" for QA scores. */
    dayValue(kind, v) {
      if (v === null || v === undefined) return "—";
      if (kind === "dur") return Hotline.dur(v);
      if (kind === "pct") return Hotline.pct(v);
      if (kind === "score") return (Math.round(v * 10) / 10).toString();
      return (Math.round(v * 10) / 10).toString();
    },
    /** Better or worse than the team: AHT is better when lower; the rest when higher. */
    dayMark(key, lowerIsBetter) {
      const d = this.day;
      if (!d) return "";
      const me = d.me[key], team = d.team[key];
      if (me === null || me === undefined || team === null || team === undefined || me === team) return "";
      return (lowerIsBetter ? me < team : me > team) ? "day-good" : "day-behind";
    },
  };
}
