/* Comptoir web chat widget: no framework, no dependency. Texts are always inserted with textContent. */
(function () {
  "use strict";
  var CONFIG = __COMPTOIR_CONFIG__;
  var base = CONFIG.base, account = CONFIG.account;
  var storeKey = "comptoir-webchat-" + account;
  var token = null;
  try { token = window.localStorage.getItem(storeKey); } catch (e) { token = null; }
  var lastId = 0, source = null, open = true;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, name)) node.setAttribute(name, attrs[name]); }
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function headers() {
    var h = { "Content-Type": "application/json" };
    if (token) h["X-Comptoir-Visitor"] = token;
    return h;
  }
  function remember(t) {
    if (!t) return;
    token = t;
    try { window.localStorage.setItem(storeKey, t); } catch (e) { /* private mode */ }
  }

  var root = el("div", { "class": "comptoir-chat", style: "position:fixed;bottom:16px;right:16px;width:300px;font:14px sans-serif;background:#fff;border:1px solid #ccc;border-radius:8px;box-shadow:0 2px 8px rgba(0,0,0,.2);z-index:2147483000" });
  var header = el("div", { style: "padding:8px 12px;background:#1f4e79;color:#fff;border-radius:8px 8px 0 0" }, CONFIG.title || "Chat");
  var log = el("div", { "class": "comptoir-log", "aria-live": "polite", style: "height:240px;overflow-y:auto;padding:8px" });
  var offline = el("div", { style: "display:none;padding:8px;color:#555" }, "We are closed right now. Leave your email and we will answer as soon as we open.");
  var email = el("input", { type: "email", placeholder: "Your email", style: "display:none;width:90%;margin:4px 8px" });
  var form = el("form", { style: "display:flex;padding:8px;gap:4px" });
  var input = el("input", { type: "text", maxlength: "2000", placeholder: "Write a message…", style: "flex:1" });
  var send = el("button", { type: "submit" }, "Send");
  form.appendChild(input); form.appendChild(send);
  root.appendChild(header); root.appendChild(log); root.appendChild(offline); root.appendChild(email); root.appendChild(form);

  function show(who, text) {
    var line = el("div", { "class": "comptoir-" + who, style: "margin:4px 0;text-align:" + (who === "visitor" ? "right" : "left") });
    line.appendChild(el("span", { style: "display:inline-block;padding:4px 8px;border-radius:6px;background:" + (who === "visitor" ? "#dbeafe" : "#f1f5f9") }, text));
    log.appendChild(line);
    log.scrollTop = log.scrollHeight;
  }
  function listen() {
    if (source || !token || !window.EventSource) return;
    source = new EventSource(base + "/webchat/" + account + "/stream?visitor=" + encodeURIComponent(token) + "&after=" + lastId);
    source.addEventListener("reply", function (event) {
      var data = JSON.parse(event.data);
      if (data.id > lastId) { lastId = data.id; show("agent", data.text); }
    });
  }
  function status() {
    return fetch(base + "/webchat/" + account + "/status", { headers: headers(), credentials: "include" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        open = data.open; remember(data.visitor_token);
        offline.style.display = open ? "none" : "block";
        email.style.display = open ? "none" : "block";
        listen();
      });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    var body = { text: text, client_id: String(Date.now()) + Math.random().toString(36).slice(2) };
    if (!open) {
      if (!email.value) { email.focus(); return; }
      body.email = email.value;
    }
    fetch(base + "/webchat/" + account + "/messages", { method: "POST", headers: headers(), credentials: "include", body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
      .then(function (result) {
        if (!result.ok) { show("system", (result.data.error && result.data.error.message) || "Not sent"); return; }
        remember(result.data.visitor_token); show("visitor", text); input.value = ""; listen();
      });
  });
  function mount() { document.body.appendChild(root); status(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount); else mount();
})();
