// Mercato control panel: small progressive enhancements. Every page works
// without JavaScript; this only shows times in the reader's time zone,
// submits filter menus on change, shows the ARM mapping's details and
// labels table cells for a phone's layout.
(function () {
  "use strict";
  function localTimes(root) {
    // In the page's language (the server's choice), else the browser's.
    var lang = document.documentElement.lang || undefined;
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) return;
      el.title = d.toISOString();
      el.textContent = el.hasAttribute("data-date")
        ? d.toLocaleDateString(lang, { year: "numeric", month: "short", day: "numeric" })
        : d.toLocaleString(lang, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
    });
  }
  // Each cell of a table with a heading row gets its column's heading as
  // data-label, which a phone's layout shows above the cell.
  function labelCells(root) {
    root.querySelectorAll("table").forEach(function (table) {
      var head = table.querySelector("thead tr");
      if (!head) return;
      var names = Array.prototype.map.call(head.children, function (th) { return th.textContent.trim(); });
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        Array.prototype.forEach.call(tr.children, function (cell, i) {
          if (names[i] && cell.tagName === "TD" && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", names[i]);
        });
      });
    });
  }
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    // ARM parameter mapping: each row shows the detail its source uses.
    document.querySelectorAll("tr[data-source] select[name^='source.']").forEach(function (el) {
      el.addEventListener("change", function () { el.closest("tr").setAttribute("data-source", el.value); });
    });
    labelCells(document);
    document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
  });
  document.addEventListener("htmx:afterSwap", function (e) { localTimes(e.target); labelCells(e.target.closest("table") ? e.target.closest("table").parentNode : e.target); });
})();
