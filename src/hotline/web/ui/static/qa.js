/* Quality review page: flagged contacts first; findings with listen / confirm / dismiss
 * (supervisors) or dispute (the agent). DOM is built with textContent only (no HTML from
 * data), and there is no inline script, so the page works under a strict CSP. */
(function () {
  "use strict";
  const root = document.querySelector("[data-testid=qa-page]");
  if (!root) return;
  const en = root.dataset.lang === "en";
  const L = (zh, e) => (en ? e : zh);
  const user = (window.HOTLINE && window.HOTLINE.user) || {};
  const supervisor = user.role === "supervisor" || user.role === "admin";
  const api = (m, p, b) => window.Hotline.api(m, p, b);

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function button(label, testid, onClick) {
    const b = el("button", { type: "button", class: "btn btn-xs", "data-testid": testid }, label);
    b.addEventListener("click", onClick);
    return b;
  }
  const secs = (s) => (s === null || s === undefined ? "—" : s.toFixed(1) + " s");

  async function list() {
    const rows = await api("GET", "/api/qa/contacts");
    const body = root.querySelector("[data-testid=qa-contacts] tbody");
    body.replaceChildren();
    rows.forEach((r) => {
      const tr = el("tr", { "data-testid": "qa-row", "data-contact": r.contact_id });
      tr.append(el("td", {}, r.contact_id), el("td", {}, r.agent_id || "—"));
      const score = el("td", {}, r.score === null ? "—" : r.score.toFixed(0));
      if (r.flagged) score.append(" ", el("span", { class: "tag tag-red" }, L("问题", "flagged")));
      const open = el("td", {});
      open.append(button(L("查看", "Open"), "qa-open", () => show(r.contact_id)));
      tr.append(score, open);
      body.append(tr);
    });
  }

  function listen(cid, speaker, at) {
    const audio = root.querySelector("[data-testid=qa-audio]");
    const q = "?at=" + encodeURIComponent((at || 0).toFixed(1));
    audio.src = "/api/qa/contacts/" + encodeURIComponent(cid) + "/audio/" + speaker + q;
    audio.dataset.at = String(at || 0);
    audio.addEventListener("loadedmetadata", () => { audio.currentTime = at || 0; }, { once: true });
    audio.load();
  }

  async function act(path, body, cid) {
    try {
      await api("POST", path, body);
      await show(cid);
      await list();
    } catch (e) {
      window.Hotline.toast((e.data && e.data.detail) || String(e), "error");
    }
  }

  async function show(cid) {
    const r = await api("GET", "/api/qa/contacts/" + encodeURIComponent(cid));
    const box = root.querySelector("[data-testid=qa-detail]");
    box.hidden = false;
    box.querySelector("[data-testid=qa-contact-id]").textContent = cid;
    box.querySelector("[data-testid=qa-score]").textContent =
      L("得分 ", "score ") + (r.score === null ? "—" : r.score.toFixed(0));
    const body = box.querySelector("[data-testid=qa-findings] tbody");
    body.replaceChildren();
    r.findings.forEach((f) => {
      const tr = el("tr", { "data-testid": "qa-finding", "data-kind": f.kind, "data-id": f.id });
      tr.append(
        el("td", { "data-testid": "qa-at" }, secs(f.at_s)),
        el("td", {}, f.kind + (f.rule && f.rule !== f.kind ? " · " + f.rule : "")),
        el("td", {}, f.text + (f.context ? " — " + f.context : "")),
        el("td", { "data-testid": "qa-status" }, f.status),
      );
      const tools = el("td", {});
      if (r.source === "call" && f.at_s !== null) {
        const who = f.speaker === "customer" ? "customer" : "agent";
        tools.append(button(L("收听", "Listen"), "qa-listen", () => listen(cid, who, f.at_s)));
      }
      const base = "/api/qa/findings/" + f.id;
      if (supervisor && (f.status === "open" || f.status === "disputed")) {
        tools.append(
          button(L("确认", "Confirm"), "qa-confirm", () => act(base + "/review", { decision: "confirm" }, cid)),
          button(L("驳回", "Dismiss"), "qa-dismiss", () => act(base + "/review", { decision: "dismiss" }, cid)),
        );
      }
      if (!supervisor && !f.disputed_by && (f.status === "open" || f.status === "confirmed")) {
        tools.append(button(L("申诉", "Dispute"), "qa-dispute", () => {
          const reason = window.prompt(L("申诉理由", "Why is this wrong?"));
          if (reason) act(base + "/dispute", { reason }, cid);
        }));
      }
      tr.append(tools);
      body.append(tr);
    });
    const ol = box.querySelector("[data-testid=qa-transcript]");
    ol.replaceChildren();
    r.transcript.forEach((s) => {
      ol.append(el("li", { "data-speaker": s.speaker }, secs(s.start) + " " + s.speaker + ": " + s.text));
    });
  }

  document.addEventListener("DOMContentLoaded", list);
  window.HotlineQa = { show, list };
})();
