/* Login form: POST /api/auth/login sets the HttpOnly cookie, then go to the role's home page. */
function loginForm(opts) {
  return {
    username: "",
    password: "",
    error: "",
    busy: false,
    async submit() {
      this.error = "";
      if (!this.username || !this.password) { this.error = T("login.failed"); return; }
      this.busy = true;
      try {
        const me = await Hotline.api("POST", "/api/auth/login", { username: this.username, password: this.password });
        const home = opts.homes[me.role];
        if (!home) { window.location.href = "/login?no_ui=1"; return; }
        const allowed = opts.next && (opts.next !== "/agent" || me.agent_id);
        window.location.href = allowed ? opts.next : home;
      } catch (e) {
        this.error = e.status === 401 || e.status === 422 ? T("login.failed") : e.message;
        this.busy = false;
      }
    },
  };
}
