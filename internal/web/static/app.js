// kitei: small progressive enhancements. Every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Catalog tree: "expand all" / "collapse all" buttons.
  var tools = document.querySelector(".tree-tools");
  var tree = document.getElementById("tree");
  if (tools && tree) {
    tools.hidden = false;
    tools.addEventListener("click", function (ev) {
      var btn = ev.target.closest("button[data-tree]");
      if (!btn) return;
      var open = btn.getAttribute("data-tree") === "open";
      tree.querySelectorAll("details").forEach(function (d) { d.open = open; });
    });
  }
  // Self-inspection: answer forms carrying data-autosave save through the
  // API as soon as an answer changes; the form still posts normally when
  // the button is pressed (and everywhere without JS). The service decides
  // what is accepted: a refusal shows the API's message, which is in the
  // page's language (the URL carries ?lang=).
  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var state = form.querySelector(".sc-state");
    var texts = form.closest("[data-msg-saved]");
    var busy = false, again = false;
    function show(key, detail, cls) {
      if (!state) return;
      var msg = texts ? texts.getAttribute("data-msg-" + key) || "" : key;
      state.textContent = detail ? msg + ": " + detail : msg;
      state.className = "sc-state" + (cls ? " " + cls : "");
    }
    function save() {
      var picked = form.querySelector("input[name=value]:checked");
      var comment = form.querySelector("textarea[name=comment]");
      if (!picked) return;
      var text = comment ? comment.value : "";
      if (busy) { again = true; return; }
      busy = true;
      show("saving", "", "");
      fetch(form.getAttribute("data-autosave"), {
        method: "PUT", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ value: picked.value, comment: text })
      }).then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (body) {
          if (resp.ok) {
            form.closest(".sc-item").classList.remove("sc-refused");
            show("saved", "", "ok");
          } else {
            form.closest(".sc-item").classList.add("sc-refused");
            show("failed", body.message || String(resp.status), "bad");
          }
        });
      }).catch(function () {
        show("failed", "", "bad");
      }).then(function () {
        busy = false;
        if (again) { again = false; save(); }
      });
    }
    form.addEventListener("change", save);
  });
  // Keep the language switch pointing at the current page after history moves.
  var lang = document.querySelector("a.lang");
  if (lang) {
    var href = lang.getAttribute("href").split("?")[0];
    lang.setAttribute("href", href + "?next=" + encodeURIComponent(location.pathname + location.search));
  }
});
// Catalog tree: a large section is a link to the page with that section
// opened (which works without JS); here it is fetched and put in place.
document.addEventListener("DOMContentLoaded", function () {
  var tree = document.getElementById("tree");
  if (!tree || !window.fetch || !window.DOMParser) return;
  tree.addEventListener("click", function (ev) {
    var a = ev.target.closest("a[data-open]");
    if (!a || ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return;
    var holder = document.getElementById(a.getAttribute("data-open"));
    if (!holder) return;
    ev.preventDefault();
    holder.classList.add("loading");
    fetch(a.href, { credentials: "same-origin" }).then(function (resp) {
      if (!resp.ok) throw new Error(String(resp.status));
      return resp.text();
    }).then(function (html) {
      var got = new DOMParser().parseFromString(html, "text/html").getElementById(holder.id);
      if (!got) throw new Error("section missing");
      var node = document.importNode(got, true);
      holder.replaceWith(node);
      var sum = node.querySelector("summary");
      if (sum) sum.focus();
    }).catch(function () { location.href = a.href; });
  });
});
