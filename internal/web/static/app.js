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
  // Keep the language switch pointing at the current page after history moves.
  var lang = document.querySelector("a.lang");
  if (lang) {
    var href = lang.getAttribute("href").split("?")[0];
    lang.setAttribute("href", href + "?next=" + encodeURIComponent(location.pathname + location.search));
  }
});
