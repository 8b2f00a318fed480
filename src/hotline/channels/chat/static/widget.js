/* hotline chat widget - embed with one tag:
 *   <script src="https://YOUR-HOTLINE/chat/widget.js" data-lang="zh-CN" data-queue="chat" async></script>
 * Everything lives in a shadow root (the host page's CSS cannot break it, and ours cannot leak).
 * The chat token stays in localStorage, so a reload (or coming back later) resumes the chat.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__hotlineChat) return;
  window.__hotlineChat = true;
  var API = new URL(script.src).origin;
  var LANG = script.getAttribute("data-lang") || "zh-CN";
  var QUEUE = script.getAttribute("data-queue") || null;
  var EN = LANG.toLowerCase().indexOf("en") === 0;
  var T = EN ? {
    open: "Chat with us", title: "Online service", send: "Send", agent: "Talk to an agent",
    solved: "That solved it", end: "End chat", image: "Image", placeholder: "Type your question…",
    queued: function (p, m) {
      return (p > 0 ? p + (p === 1 ? " person" : " people") + " ahead of you" : "You are next in line") +
        (m != null ? "; estimated wait about " + m + " min." : "; estimated wait: not known yet (no agent free).");
    },
    agentOn: function (a) { return a + " is with you."; }, ended: "Chat ended.", newChat: "New chat",
    failed: "Connection problem, retrying…", typing: "The agent is typing…", minimise: "Minimise",
    surveyQ: "How was our service?", rate: { satisfied: "Satisfied", neutral: "Neutral", unsatisfied: "Unsatisfied" },
    comment: "Anything to add? (optional)", submit: "Send rating", thanks: "Thank you for your rating.",
    notice: "To improve our service, this conversation may be recorded and kept as required by law."
  } : {
    open: "在线客服", title: "在线客服", send: "发送", agent: "转人工", solved: "已解决", end: "结束会话",
    image: "图片", placeholder: "请输入您的问题…",
    queued: function (p, m) {
      return (p > 0 ? "前面还有 " + p + " 位" : "您是下一位") +
        (m != null ? "，预计等待约 " + m + " 分钟。" : "，预计等待时间暂无法估算（暂无空闲客服）。");
    },
    agentOn: function (a) { return "客服" + a + "为您服务"; }, ended: "会话已结束", newChat: "新会话",
    failed: "网络异常，正在重试…", typing: "客服正在输入…", minimise: "最小化",
    surveyQ: "请您对本次服务进行评价", rate: { satisfied: "满意", neutral: "一般", unsatisfied: "不满意" },
    comment: "其他意见（选填）", submit: "提交评价", thanks: "感谢您的评价！",
    notice: "为了提高服务质量，本次会话可能会被录音或记录，并依法保存。"
  };
  var KEY = "hotline-chat:" + API;
  var saved = null;
  try { saved = JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { saved = null; }
  var sid = saved && saved.sid, token = saved && saved.token, last = 0, polling = false, state = {};
  var unread = 0, typingTimer = null, rated = false, choice = null;

  var host = document.createElement("div");
  host.id = "hotline-chat";
  document.body.appendChild(host);
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    '<style>' +
    ':host{all:initial;font:14px/1.5 system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif}' +
    '.fab{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:24px;padding:12px 18px;background:#1456d8;color:#fff;font-weight:600;cursor:pointer;box-shadow:0 4px 14px #0003}' +
    '.panel{position:fixed;right:20px;bottom:76px;z-index:2147483000;width:340px;max-width:calc(100vw - 40px);height:480px;max-height:calc(100vh - 100px);display:none;flex-direction:column;background:#fff;color:#1b1f24;border-radius:12px;box-shadow:0 8px 30px #0004;overflow:hidden}' +
    '.panel.open{display:flex}.head{display:flex;justify-content:space-between;align-items:center;padding:10px 14px;background:#1456d8;color:#fff;font-weight:600}' +
    '.head button{background:transparent;color:#fff;border:1px solid #fff8;border-radius:6px;cursor:pointer;padding:2px 8px}' +
    '.status{padding:6px 14px;background:#eef3ff;color:#1c3d7a;font-size:12px;min-height:18px}' +
    '.notice{padding:4px 14px;background:#fff8e1;color:#5c4400;font-size:11px}' +
    '.log{flex:1;overflow-y:auto;padding:10px 12px;display:flex;flex-direction:column;gap:8px}' +
    '.msg{max-width:85%;padding:7px 10px;border-radius:10px;white-space:pre-wrap;word-break:break-word}' +
    '.customer{align-self:flex-end;background:#1456d8;color:#fff}.bot,.agent{align-self:flex-start;background:#f1f3f6}' +
    '.agent{border-left:3px solid #1b9e5a}.system{align-self:center;color:#667;font-size:12px;background:none}' +
    '.msg img{max-width:200px;border-radius:6px;display:block}' +
    '.actions{display:flex;gap:6px;padding:6px 12px;flex-wrap:wrap}.actions button,.bar button{border:1px solid #1456d8;background:#fff;color:#1456d8;border-radius:14px;padding:3px 10px;cursor:pointer}' +
    '.bar{display:flex;gap:6px;padding:8px 10px;border-top:1px solid #e3e6ea}.bar input[type=text]{flex:1;padding:6px 8px;border:1px solid #c9ced6;border-radius:6px;font:inherit}' +
    '.bar button.primary{background:#1456d8;color:#fff}' +
    '.time{display:block;font-size:11px;opacity:.7;margin-bottom:2px}.who{font-weight:600;margin-right:4px}' +
    '.typing{padding:0 14px 4px;font-size:12px;color:#667;min-height:0}.typing[hidden]{display:none}' +
    '.head .tools{display:flex;gap:6px}.fab .badge{display:inline-block;margin-left:6px;min-width:18px;padding:0 5px;border-radius:9px;background:#e5484d;color:#fff;font-size:12px}' +
    '.survey{padding:8px 12px;border-top:1px solid #e3e6ea;display:flex;flex-direction:column;gap:6px}.survey[hidden]{display:none}' +
    '.survey .rates{display:flex;gap:6px}.survey .rates button{flex:1;border:1px solid #1456d8;background:#fff;color:#1456d8;border-radius:14px;padding:4px 0;cursor:pointer}' +
    '.survey .rates button.on{background:#1456d8;color:#fff}.survey input{padding:6px 8px;border:1px solid #c9ced6;border-radius:6px;font:inherit}' +
    '.survey .submit{align-self:flex-end;border:0;background:#1456d8;color:#fff;border-radius:6px;padding:4px 12px;cursor:pointer}.survey .submit:disabled{opacity:.5}</style>' +
    '<button class="fab" data-testid="chat-open"></button>' +
    '<div class="panel" role="dialog"><div class="head"><span class="title"></span><span class="tools">' +
    '<button data-testid="chat-minimise" class="min" type="button">—</button><button data-testid="chat-end" class="end"></button></span></div>' +
    '<div class="notice" data-testid="chat-notice" role="note"></div>' +
    '<div class="status" data-testid="chat-status" aria-live="polite"></div><div class="log" data-testid="chat-log"></div>' +
    '<div class="typing" data-testid="chat-typing" hidden></div>' +
    '<div class="survey" data-testid="chat-survey" hidden><span class="q"></span><div class="rates">' +
    '<button type="button" data-rate="satisfied" data-testid="rate-satisfied"></button><button type="button" data-rate="neutral" data-testid="rate-neutral"></button>' +
    '<button type="button" data-rate="unsatisfied" data-testid="rate-unsatisfied"></button></div>' +
    '<input type="text" maxlength="2000" data-testid="survey-comment"><button type="button" class="submit" data-testid="survey-submit" disabled></button></div>' +
    '<div class="actions"><button data-testid="chat-agent" class="agentbtn"></button><button data-testid="chat-solved" class="solvedbtn" hidden></button></div>' +
    '<form class="bar"><input type="text" data-testid="chat-input" maxlength="4000"><input type="file" accept="image/png,image/jpeg,image/gif,image/webp" data-testid="chat-file" hidden>' +
    '<button type="button" class="imgbtn" data-testid="chat-image"></button><button class="primary" data-testid="chat-send"></button></form></div>';
  var $ = function (s) { return root.querySelector(s); };
  $(".notice").textContent = T.notice; // PIPL Art. 17: shown before the first message (issue 16)
  $(".fab").textContent = T.open; $(".title").textContent = T.title; $(".end").textContent = T.end;
  $(".agentbtn").textContent = T.agent; $(".solvedbtn").textContent = T.solved;
  $(".imgbtn").textContent = T.image; $("[data-testid=chat-send]").textContent = T.send;
  $("[data-testid=chat-input]").placeholder = T.placeholder;
  $(".min").title = T.minimise; $(".min").setAttribute("aria-label", T.minimise);
  $(".typing").textContent = T.typing; $(".survey .q").textContent = T.surveyQ;
  $("[data-testid=survey-comment]").placeholder = T.comment; $(".survey .submit").textContent = T.submit;
  ["satisfied", "neutral", "unsatisfied"].forEach(function (r) { $("[data-rate=" + r + "]").textContent = T.rate[r]; });
  function fab() {
    var f = $(".fab");
    f.textContent = T.open;
    if (unread > 0) {
      var b = document.createElement("span");
      b.className = "badge"; b.setAttribute("data-testid", "chat-unread"); b.textContent = String(unread);
      f.appendChild(b);
    }
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function hm(ts) { var d = new Date(ts * 1000); return pad(d.getHours()) + ":" + pad(d.getMinutes()); }

  function api(method, path, body, type) {
    var headers = {};
    if (token) headers["X-Chat-Token"] = token;
    if (body !== undefined) headers["Content-Type"] = type || "application/json";
    return fetch(API + "/api/chat/sessions" + path, {
      method: method, headers: headers, credentials: "omit",
      body: body === undefined ? undefined : (type ? body : JSON.stringify(body))
    }).then(function (r) {
      if (r.status === 404 && sid) { forget(); }
      if (!r.ok) return r.json().catch(function () { return {}; }).then(function (b) { throw new Error(b.detail || r.status); });
      return r.json();
    });
  }
  function forget() { sid = token = null; last = 0; localStorage.removeItem(KEY); }
  function add(m) {
    if (m.id <= last) return;
    last = m.id;
    var el = document.createElement("div");
    el.className = "msg " + m.sender;
    el.setAttribute("data-testid", "chat-msg-" + m.sender);
    if (m.sender !== "system") {
      var meta = document.createElement("span");
      meta.className = "time";
      meta.setAttribute("data-testid", "chat-time");
      meta.textContent = hm(m.at);
      el.appendChild(meta);
    }
    if (m.kind === "image" && m.media_id) {
      var img = document.createElement("img");
      img.alt = T.image;
      el.appendChild(img);
      fetch(API + "/api/chat/sessions/" + sid + "/media/" + m.media_id, { headers: { "X-Chat-Token": token } })
        .then(function (r) { return r.blob(); }).then(function (b) { img.src = URL.createObjectURL(b); });
    } else {
      var body = document.createElement("span");
      body.setAttribute("data-testid", "chat-text");
      body.textContent = m.body;  // text only: what anyone typed is never markup
      el.appendChild(body);
    }
    if (m.sender === "agent") { $(".typing").hidden = true; if (!$(".panel").classList.contains("open")) { unread++; fab(); } }
    var log = $(".log");
    log.appendChild(el);
    log.scrollTop = log.scrollHeight;
    if (m.sender === "bot") $(".solvedbtn").hidden = !(m.data && m.data.confident);
  }
  function show(reply) {
    (reply.messages || []).forEach(add);
    state = reply.state || state;
    var s = $(".status");
    if (state.status === "queued" && state.position != null) {
      var ahead = state.ahead != null ? state.ahead : Math.max(0, state.position - 1);
      s.textContent = T.queued(ahead, state.ewt_s == null ? null : Math.max(1, Math.round(state.ewt_s / 60)));
    } else if (state.status === "agent") {
      s.textContent = T.agentOn(state.agent_name || state.agent_id);
    } else if (state.status === "ended") {
      s.textContent = T.ended;
    } else { s.textContent = ""; }
    var ended = state.status === "ended";
    $(".agentbtn").hidden = ended || state.status === "queued" || state.status === "agent";
    if (state.status !== "bot") $(".solvedbtn").hidden = true;
    $(".end").textContent = ended ? T.newChat : T.end;
    var typing = $(".typing");
    typing.hidden = !state.agent_typing;
    clearTimeout(typingTimer);
    if (state.agent_typing) typingTimer = setTimeout(function () { typing.hidden = true; }, 6000);
    var wasHidden = $(".survey").hidden;
    $(".survey").hidden = !(ended && state.survey && !rated);
    if (wasHidden && !$(".survey").hidden) { var lg = $(".log"); lg.scrollTop = lg.scrollHeight; }
  }
  function start() {
    return api("POST", "", { language: LANG, queue: QUEUE }).then(function (r) {
      sid = r.session_id; token = r.token; last = 0; $(".log").innerHTML = ""; rated = false; choice = null;
      localStorage.setItem(KEY, JSON.stringify({ sid: sid, token: token }));
      show(r); poll();
    });
  }
  function poll() {
    if (polling || !sid) return;
    polling = true;
    (function loop() {
      if (!sid) { polling = false; return; }
      api("GET", "/" + sid + "/messages?after=" + last + "&wait=20").then(function (r) {
        show(r);
        if (state.status === "ended") { polling = false; return; }
        loop();
      }).catch(function () {
        $(".status").textContent = T.failed;
        setTimeout(loop, 2000);
      });
    })();
  }
  function ensure() { return sid ? Promise.resolve() : start(); }
  fab();
  $(".min").addEventListener("click", function () { $(".panel").classList.remove("open"); });
  $(".rates").addEventListener("click", function (e) {
    var r = e.target.getAttribute && e.target.getAttribute("data-rate");
    if (!r) return;
    choice = r;
    root.querySelectorAll(".rates button").forEach(function (b) { b.classList.toggle("on", b === e.target); });
    $(".survey .submit").disabled = false;
  });
  $(".survey .submit").addEventListener("click", function () {
    if (!choice || !sid) return;
    var comment = $("[data-testid=survey-comment]").value.trim();
    api("POST", "/" + sid + "/survey", { rating: choice, comment: comment || null }).then(function (r) {
      rated = true; show(r); $(".status").textContent = T.thanks;
    }).catch(function (err) { $(".status").textContent = String(err.message || err); });
  });
  $(".fab").addEventListener("click", function () {
    var p = $(".panel");
    p.classList.toggle("open");
    if (p.classList.contains("open")) { unread = 0; fab(); }
    if (p.classList.contains("open")) {
      ensure().then(function () { if (!polling) { last = 0; $(".log").innerHTML = ""; poll(); } });
      $("[data-testid=chat-input]").focus();
    }
  });
  $(".bar").addEventListener("submit", function (e) {
    e.preventDefault();
    var input = $("[data-testid=chat-input]"), text = input.value.trim();
    if (!text) return;
    input.value = "";
    ensure().then(function () { return api("POST", "/" + sid + "/messages", { text: text }); }).then(show)
      .catch(function (err) { $(".status").textContent = String(err.message || err); });
  });
  $(".agentbtn").addEventListener("click", function () {
    ensure().then(function () { return api("POST", "/" + sid + "/agent"); }).then(show);
  });
  $(".solvedbtn").addEventListener("click", function () {
    api("POST", "/" + sid + "/feedback", { solved: true }).then(show);
  });
  $(".imgbtn").addEventListener("click", function () { $("[data-testid=chat-file]").click(); });
  $("[data-testid=chat-file]").addEventListener("change", function (e) {
    var f = e.target.files[0];
    if (!f) return;
    ensure().then(function () { return api("POST", "/" + sid + "/images", f, f.type); }).then(show)
      .catch(function (err) { $(".status").textContent = String(err.message || err); });
    e.target.value = "";
  });
  $(".end").addEventListener("click", function () {
    if (state.status === "ended" || !sid) { forget(); start(); return; }
    api("POST", "/" + sid + "/close").then(show);
  });
})();
