/* Comptoir workspace: CSRF header for htmx, live updates (SSE), countdowns, keyboard, templates, presence. */
(function () {
  "use strict";
  var body = document.body;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var me = body.getAttribute("data-agent-id");
  var caseEl = document.querySelector("[data-conversation-id]");
  var conversationId = caseEl ? caseEl.getAttribute("data-conversation-id") : null;

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrf;
  });

  function post(url, data) {
    var form = new URLSearchParams(data || {});
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Content-Type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
  }

  /* ---- time left and time waited ---------------------------------------------------------------- */
  function fmt(seconds) {
    var s = Math.abs(Math.round(seconds));
    if (s < 60) return s + "s";
    if (s < 3600) return Math.floor(s / 60) + "m" + String(s % 60).padStart(2, "0");
    if (s < 86400) return Math.floor(s / 3600) + "h" + String(Math.floor((s % 3600) / 60)).padStart(2, "0");
    return Math.floor(s / 86400) + "d" + Math.floor((s % 86400) / 3600) + "h";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var left = (Date.parse(el.getAttribute("data-deadline")) - now) / 1000;
      el.textContent = (left < 0 ? "−" : "") + fmt(left);
      el.classList.toggle("breached", left < 0);
      el.classList.toggle("at-risk", left >= 0 && left < 15 * 60);
    });
    document.querySelectorAll("[data-since]").forEach(function (el) {
      el.textContent = fmt((now - Date.parse(el.getAttribute("data-since"))) / 1000);
    });
  }
  tick();
  setInterval(tick, 1000);

  /* ---- inbox selection -------------------------------------------------------------------------- */
  var selectedId = null;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#rows tr.row")); }
  function select(index) {
    var list = rows();
    if (!list.length) return;
    index = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (r) { r.classList.remove("selected"); r.removeAttribute("aria-selected"); });
    var row = list[index];
    row.classList.add("selected");
    row.setAttribute("aria-selected", "true");
    selectedId = row.getAttribute("data-id");
    var link = row.querySelector("a.open-link");
    if (link) link.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }
  function selectedIndex() {
    var list = rows();
    for (var i = 0; i < list.length; i++) if (list[i].getAttribute("data-id") === selectedId) return i;
    return -1;
  }
  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("#rows tr.row");
    if (row && !event.target.closest("a, button, input, select")) window.location = row.getAttribute("data-href");
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "rows") {
      tick();
      if (selectedId) {
        var i = selectedIndex();
        if (i >= 0) rows()[i].classList.add("selected");
      }
      paintPresence();
    }
    if (event.detail.target && event.detail.target.id === "timeline") tick();
  });

  /* ---- presence: who is replying where ---------------------------------------------------------- */
  var presence = {};
  function paintPresence() {
    var now = Date.now();
    var template = body.getAttribute("data-t-replying") || "%s is replying…";
    document.querySelectorAll("[data-presence-for]").forEach(function (el) {
      var entry = presence[el.getAttribute("data-presence-for")];
      el.textContent = entry && entry.until > now ? template.replace("%s", entry.name) : "";
    });
  }
  setInterval(paintPresence, 2000);

  /* ---- live updates ----------------------------------------------------------------------------- */
  var live = document.getElementById("live");
  var pending = null;
  function refreshSoon(target) {
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      if (document.getElementById(target) && window.htmx) window.htmx.trigger("#" + target, "refresh");
    }, 150);
  }
  if (window.EventSource && (document.getElementById("rows") || conversationId)) {
    var source = new EventSource("/ui/events");
    source.onopen = function () {
      if (live) live.setAttribute("data-state", "on");
      /* Catch up on what changed between rendering the page and (re)connecting the stream. */
      if (document.getElementById("rows")) refreshSoon("rows");
      if (conversationId) refreshSoon("timeline");
    };
    source.onerror = function () { if (live) live.setAttribute("data-state", "off"); };
    ["message.processed", "message.received", "conversation.changed", "conversation.created",
     "reply.queued", "reply.sent", "reply.failed", "note.added"].forEach(function (kind) {
      source.addEventListener(kind, function (event) {
        var data = JSON.parse(event.data);
        if (document.getElementById("rows")) refreshSoon("rows");
        if (conversationId && String(data.conversation_id) === conversationId) refreshSoon("timeline");
      });
    });
    source.addEventListener("presence", function (event) {
      var data = JSON.parse(event.data);
      if (String(data.agent_id) === me) return;
      if (data.state === "replying") presence[data.conversation_id] = { name: data.agent_name, until: Date.now() + 15000 };
      else delete presence[data.conversation_id];
      paintPresence();
    });
  }

  /* ---- composer: templates after "/", length, presence ------------------------------------------ */
  var text = document.getElementById("reply-text");
  var menu = document.getElementById("template-menu");
  var counter = document.getElementById("counter");
  var choices = [];
  var active = 0;
  var lastPresence = 0;

  function slashQuery() {
    var before = text.value.slice(0, text.selectionStart);
    var match = /(^|\s)\/([\w-]*)$/.exec(before);
    return match ? { query: match[2], start: before.length - match[2].length - 1 } : null;
  }
  function closeMenu() { menu.hidden = true; menu.innerHTML = ""; choices = []; }
  function insert(textToInsert, start) {
    var end = text.selectionStart;
    if (start === undefined || start === null) { start = end; }
    text.value = text.value.slice(0, start) + textToInsert + text.value.slice(end);
    var caret = start + textToInsert.length;
    text.setSelectionRange(caret, caret);
    text.focus();
    closeMenu();
    text.dispatchEvent(new Event("input", { bubbles: true }));
  }
  function paintMenu(items, start) {
    choices = items;
    active = 0;
    menu.innerHTML = "";
    items.forEach(function (item, index) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", index === 0 ? "true" : "false");
      li.className = "template-choice";
      var name = document.createElement("strong");
      name.textContent = "/" + item.name + " (" + item.language + ")";
      var preview = document.createElement("span");
      preview.textContent = " " + item.text.slice(0, 90);
      li.appendChild(name);
      li.appendChild(preview);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); insert(item.text, start); });
      menu.appendChild(li);
    });
    menu.hidden = items.length === 0;
  }
  if (text && menu) {
    var lookup = null;
    text.addEventListener("input", function () {
      var limit = parseInt(text.getAttribute("data-limit") || "0", 10);
      if (counter && limit) {
        counter.textContent = text.value.length + " / " + limit;
        counter.classList.toggle("over", text.value.length > limit);
      }
      if (Date.now() - lastPresence > 5000 && text.value.trim()) {
        lastPresence = Date.now();
        post("/ui/c/" + conversationId + "/presence", { state: "replying" });
      }
      var found = slashQuery();
      if (!found) { closeMenu(); return; }
      clearTimeout(lookup);
      lookup = setTimeout(function () {
        fetch("/ui/c/" + conversationId + "/templates?q=" + encodeURIComponent(found.query), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (items) { if (slashQuery()) paintMenu(items, found.start); });
      }, 120);
    });
    text.addEventListener("keydown", function (event) {
      if (menu.hidden || !choices.length) return;
      var items = menu.querySelectorAll("li");
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        active = (active + (event.key === "ArrowDown" ? 1 : choices.length - 1)) % choices.length;
        items.forEach(function (li, i) { li.setAttribute("aria-selected", i === active ? "true" : "false"); });
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        var found = slashQuery();
        insert(choices[active].text, found ? found.start : null);
      } else if (event.key === "Escape") {
        closeMenu();
      }
    });
    document.querySelectorAll(".insert-template").forEach(function (button) {
      button.addEventListener("click", function () {
        text.focus();
        insert(button.getAttribute("data-text"), text.selectionStart);
      });
    });
    window.addEventListener("beforeunload", function () {
      if (lastPresence && navigator.sendBeacon) {
        var data = new URLSearchParams({ state: "left", csrf_token: csrf });
        navigator.sendBeacon("/ui/c/" + conversationId + "/presence", data);
      }
    });
  }

  /* ---- keyboard --------------------------------------------------------------------------------- */
  var help = document.getElementById("help");
  var helpButton = document.getElementById("help-button");
  if (helpButton && help) helpButton.addEventListener("click", function () { help.showModal(); });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
    if (typing) {
      if (event.key === "Escape") target.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var key = event.key;
    if (key === "?") { event.preventDefault(); if (help) { if (help.open) help.close(); else help.showModal(); } return; }
    if (key === "/") {
      var search = document.getElementById("q");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
      else { window.location = "/#search"; }
      return;
    }
    if (document.getElementById("rows")) {
      var i = selectedIndex();
      if (key === "j") { event.preventDefault(); select(i + 1); return; }
      if (key === "k") { event.preventDefault(); select(i < 0 ? 0 : i - 1); return; }
      if ((key === "Enter" || key === "r" || key === "e" || key === "a") && i >= 0) {
        event.preventDefault();
        var suffix = { Enter: "", r: "#reply", e: "#resolve", a: "#assign" }[key];
        window.location = rows()[i].getAttribute("data-href") + suffix;
        return;
      }
    }
    if (conversationId) {
      if (key === "r" && text) { event.preventDefault(); text.focus(); return; }
      if (key === "e") { var resolve = document.getElementById("resolve"); if (resolve) { event.preventDefault(); resolve.click(); } return; }
      if (key === "a") { var assign = document.getElementById("assignee-select"); if (assign) { event.preventDefault(); assign.focus(); } return; }
    }
  });
  if (conversationId) {
    var hash = window.location.hash;
    if (hash === "#reply" && text) text.focus();
    if (hash === "#assign") { var a = document.getElementById("assignee-select"); if (a) a.focus(); }
    if (hash === "#resolve") { var r = document.getElementById("resolve"); if (r) r.focus(); }
  }
  if (window.location.hash === "#search") { var q = document.getElementById("q"); if (q) q.focus(); }
})();
