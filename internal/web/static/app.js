// Mercato control panel: small progressive enhancements. Every page works
// without JavaScript; this only shows times in the reader's time zone,
// submits filter menus on change and shows the ARM mapping's details.
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
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    // ARM parameter mapping: each row shows the detail its source uses.
    document.querySelectorAll("tr[data-source] select[name^='source.']").forEach(function (el) {
      el.addEventListener("change", function () { el.closest("tr").setAttribute("data-source", el.value); });
    });
    document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
  });
  document.addEventListener("htmx:afterSwap", function (e) { localTimes(e.target); });
})();
