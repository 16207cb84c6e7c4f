/* One HTML-escaping helper for every string that reaches innerHTML, above all the ECharts tooltip
   and label formatters, which return HTML: names come from imported files and registered
   deliveries, so `<img src=x onerror=…>` in an enterprise name must arrive as text (issue #25.4). */
(function (global) {
  "use strict";
  var MAP = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;", "`": "&#96;" };
  function escapeHtml(v) {
    if (v === null || v === undefined) return "";
    return String(v).replace(/[&<>"'`]/g, function (c) { return MAP[c]; });
  }
  global.escapeHtml = escapeHtml;

  // Bar widths come from the server as data-pct: an inline style attribute would need
  // 'unsafe-inline' in the CSP, setting the CSSOM property does not.
  function applyWidths(root) {
    (root || document).querySelectorAll("[data-pct]").forEach(function (el) {
      var v = parseFloat(el.getAttribute("data-pct"));
      if (!isNaN(v)) el.style.width = Math.max(0, Math.min(100, v)) + "%";
    });
  }
  global.applyPctWidths = applyWidths;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { applyWidths(); });
  else applyWidths();
})(window);
