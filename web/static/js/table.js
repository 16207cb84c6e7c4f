/* Sortable tables, shared by the pages.
 *
 * Usage: <table data-sortable> … <thead><tr><th>…</th></tr></thead> … </table> is picked up on
 * load; or call GS.sortable(tableElement) for a table built later. A header with
 * data-sort="none" is left alone. Cells sort by their data-value attribute when present, else
 * by text; numbers (also "12.5%", "1,234") compare as numbers, the rest with the Chinese
 * collation (zh-CN). Clicking the same header again reverses the order; aria-sort is set.
 */
(function () {
  "use strict";
  var GS = (window.GS = window.GS || {});

  function cellValue(row, idx) {
    var cell = row.cells[idx];
    if (!cell) return "";
    var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent;
    return raw.trim();
  }

  function asNumber(s) {
    var t = s.replace(/[,，%\s]/g, "");
    if (t === "" || !/^[-+]?\d*\.?\d+(e[-+]?\d+)?$/i.test(t)) return null;
    return parseFloat(t);
  }

  var collator = (window.Intl && Intl.Collator) ? new Intl.Collator("zh-CN", { numeric: true }) : null;

  function compare(a, b) {
    var na = asNumber(a), nb = asNumber(b);
    if (na !== null && nb !== null) return na - nb;
    if (na !== null) return -1;          // numbers before text such as "—"
    if (nb !== null) return 1;
    return collator ? collator.compare(a, b) : (a < b ? -1 : a > b ? 1 : 0);
  }

  GS.sortTable = function (table, idx, descending) {
    var body = table.tBodies[0];
    if (!body) return;
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var c = compare(cellValue(r1, idx), cellValue(r2, idx));
      return descending ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  };

  GS.sortable = function (table) {
    if (!table || table.getAttribute("data-sortable-ready")) return;
    table.setAttribute("data-sortable-ready", "1");
    var head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    Array.prototype.forEach.call(head.cells, function (th, idx) {
      if (th.getAttribute("data-sort") === "none") return;
      th.classList.add("sortable");
      th.setAttribute("tabindex", "0");
      th.setAttribute("title", "点击排序");
      function go() {
        var desc = th.getAttribute("aria-sort") === "ascending";
        Array.prototype.forEach.call(head.cells, function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", desc ? "descending" : "ascending");
        GS.sortTable(table, idx, desc);
      }
      th.addEventListener("click", go);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
    });
  };

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table[data-sortable]"), GS.sortable);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
