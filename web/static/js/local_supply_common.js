/* Shared by the local-supply and coverage pages: sortable tables, number formatting, JSON data. */
(function (global) {
  "use strict";

  // A ratio as a percentage, truncated (never rounded up across the target line), like the server.
  function pct(v, digits) {
    if (v === null || v === undefined || isNaN(v)) return "—";
    digits = digits === undefined ? 2 : digits;
    var scale = Math.pow(10, digits + 2);
    var x = Math.floor(Math.round(v * scale * 1e6) / 1e6) / Math.pow(10, digits);
    return x.toFixed(digits) + "%";
  }

  function money(v) {
    if (v === null || v === undefined) return "—";
    return Number(v).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function cellValue(row, idx, type) {
    var td = row.cells[idx];
    if (!td) return null;
    var raw = td.hasAttribute("data-v") ? td.getAttribute("data-v") : td.textContent.trim();
    if (type === "num") {
      if (raw === "" || raw === "—") return null;
      var n = parseFloat(String(raw).replace(/,/g, ""));
      return isNaN(n) ? null : n;
    }
    return raw;
  }

  // Click a header with class "sortable" to sort; empty values always go last.
  function makeSortable(table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, idx) {
      if (!th.classList.contains("sortable")) return;
      th.setAttribute("role", "button");
      th.setAttribute("tabindex", "0");
      function sort() {
        var type = th.getAttribute("data-type") || "text";
        var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir);
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return r.cells.length > 1; });
        rows.sort(function (a, b) {
          var x = cellValue(a, idx, type), y = cellValue(b, idx, type);
          if (x === null && y === null) return 0;
          if (x === null) return 1;
          if (y === null) return -1;
          var c = type === "num" ? x - y : String(x).localeCompare(String(y), "zh-CN");
          return dir === "ascending" ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
  }

  function initSortable() {
    document.querySelectorAll("table[data-sortable]").forEach(makeSortable);
  }

  function chart(id) {
    var el = document.getElementById(id);
    if (!el || !global.echarts) return null;
    var c = global.echarts.init(el, null, { renderer: "canvas" });
    global.followWindowSize(c);
    return c;
  }

  // An axis tooltip as escaped text lines: ECharts' default markup styles its markers with inline
  // style attributes, which the CSP refuses, and would show category names unescaped.
  function axisTooltip(valueFormatter) {
    return function (ps) {
      var esc = global.escapeHtml;
      return esc(ps[0].axisValueLabel) + ps.map(function (p) {
        return "<br>" + esc(p.seriesName) + "：" + esc(valueFormatter(p.value));
      }).join("");
    };
  }

  global.LocalSupply = { pct: pct, money: money, readJson: readJson, chart: chart, makeSortable: makeSortable,
                         axisTooltip: axisTooltip };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initSortable);
  else initSortable();
})(window);
