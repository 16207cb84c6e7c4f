/* The page shell: below 768 px the navigation and the account links fold into a drawer opened
   by the 菜单 button (web/static/css/app.css); Escape or a second press closes it. */
(function () {
  "use strict";
  var button = document.getElementById("menu-toggle");
  var menu = document.getElementById("site-menu");
  if (!button || !menu) return;
  function set(open) {
    document.body.classList.toggle("menu-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }
  button.addEventListener("click", function () { set(!document.body.classList.contains("menu-open")); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && document.body.classList.contains("menu-open")) { set(false); button.focus(); }
  });
  // Back at desktop width the drawer state no longer applies.
  window.addEventListener("resize", function () { if (window.innerWidth >= 768) set(false); });
})();

/* A card or table box that scrolls (a wide table on a phone) must be reachable by keyboard:
   it gets tabindex=0 while it overflows and has no focusable content of its own. */
(function () {
  "use strict";
  var BOXES = ".card, .scroll, .ls-table-wrap, [data-scroll]";
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";
  function focusableInside(box) {
    var els = box.querySelectorAll(FOCUSABLE);
    for (var i = 0; i < els.length; i++) {
      if (els[i].getClientRects().length && !els[i].disabled && els[i].getAttribute("tabindex") !== "-1") return true;
    }
    return false;
  }
  function mark() {
    var boxes = document.querySelectorAll(BOXES);
    for (var i = 0; i < boxes.length; i++) {
      var el = boxes[i];
      var overflows = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
      var style = window.getComputedStyle(el);
      var scrolls = overflows && /(auto|scroll)/.test(style.overflowX + " " + style.overflowY);
      if (scrolls && !focusableInside(el)) {
        el.setAttribute("tabindex", "0");
        el.setAttribute("data-scroll-focus", "");
      } else if (!scrolls && el.hasAttribute("data-scroll-focus")) {
        el.removeAttribute("tabindex");
        el.removeAttribute("data-scroll-focus");
      }
    }
  }
  var queued = false;
  function later() {
    if (queued) return;
    queued = true;
    window.requestAnimationFrame(function () { queued = false; mark(); });
  }
  mark();
  window.addEventListener("load", mark);
  window.addEventListener("resize", mark);
  var main = document.querySelector("main");
  if (main && window.MutationObserver) new MutationObserver(later).observe(main, { childList: true, subtree: true });
})();

/* Irreversible actions ask first, in the page (not window.confirm): a form with
   data-confirm="…" shows the text in a modal dialog and is sent only after 确定;
   window.confirmAction(text, onOk) does the same for scripts (an import without a dry run). */
(function () {
  "use strict";
  var dialog = null, pending = null;
  function build() {
    dialog = document.createElement("dialog");
    dialog.id = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-text");
    var p = document.createElement("p");
    p.id = "confirm-text";
    var actions = document.createElement("div");
    actions.className = "actions";
    var cancel = document.createElement("button");
    cancel.type = "button"; cancel.id = "confirm-cancel"; cancel.className = "secondary"; cancel.textContent = "取消";
    var ok = document.createElement("button");
    ok.type = "button"; ok.id = "confirm-ok"; ok.textContent = "确定";
    actions.appendChild(cancel); actions.appendChild(ok);
    dialog.appendChild(p); dialog.appendChild(actions);
    document.body.appendChild(dialog);
    cancel.addEventListener("click", function () { pending = null; dialog.close(); });
    ok.addEventListener("click", function () {
      var run = pending;
      pending = null;
      dialog.close();
      if (run) run();
    });
    dialog.addEventListener("cancel", function () { pending = null; });
  }
  window.confirmAction = function (text, onOk) {
    if (!dialog) build();
    document.getElementById("confirm-text").textContent = text;
    pending = onOk;
    dialog.showModal();
    document.getElementById("confirm-cancel").focus();
  };
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.hasAttribute || !form.hasAttribute("data-confirm")) return;
    if (form.getAttribute("data-confirmed") === "1") { form.removeAttribute("data-confirmed"); return; }
    e.preventDefault();
    var submitter = e.submitter || null;
    window.confirmAction(form.getAttribute("data-confirm"), function () {
      form.setAttribute("data-confirmed", "1");
      if (form.requestSubmit) form.requestSubmit(submitter); else form.submit();
    });
  }, true);
})();

/* A table with data-page-size="50" shows that many rows at a time with a pager under it
   ("第 1–50 条，共 125 条"); sorting (js/table.js) re-orders the rows and the page is shown again. */
(function () {
  "use strict";
  function pager(table) {
    var size = parseInt(table.getAttribute("data-page-size"), 10) || 50;
    var body = table.tBodies[0];
    if (!body) return;
    var page = 0;
    var nav = document.createElement("div");
    nav.className = "pager table-pager";
    nav.setAttribute("role", "navigation");
    nav.setAttribute("aria-label", "分页");
    var text = document.createElement("span");
    text.className = "pager-count";
    var prev = document.createElement("button");
    prev.type = "button"; prev.className = "secondary pager-prev"; prev.textContent = "上一页";
    var next = document.createElement("button");
    next.type = "button"; next.className = "secondary pager-next"; next.textContent = "下一页";
    nav.appendChild(text); nav.appendChild(prev); nav.appendChild(next);
    table.parentNode.insertBefore(nav, table.nextSibling);
    function rows() {
      return Array.prototype.filter.call(body.rows, function (r) { return !r.hasAttribute("data-no-page"); });
    }
    function show() {
      var all = rows(), n = all.length, pages = Math.max(1, Math.ceil(n / size));
      page = Math.min(page, pages - 1);
      all.forEach(function (r, i) { r.hidden = Math.floor(i / size) !== page; });
      nav.hidden = n <= size;
      text.textContent = n ? "第 " + (page * size + 1) + "–" + Math.min(n, (page + 1) * size) + " 条，共 " + n + " 条" : "";
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
    }
    prev.addEventListener("click", function () { page -= 1; show(); });
    next.addEventListener("click", function () { page += 1; show(); });
    if (window.MutationObserver) new MutationObserver(show).observe(body, { childList: true });
    show();
  }
  var tables = document.querySelectorAll("table[data-page-size]");
  for (var i = 0; i < tables.length; i++) pager(tables[i]);
})();

/* Charts follow the window's size. A chart whose box has no width or height at that moment (the
   window shrunk to nothing, as browsers do briefly while capturing a full page) is left as it
   is: ECharts cannot invert a zero-size view and throws; the next real resize redraws it. */
window.followWindowSize = function (chart) {
  "use strict";
  window.addEventListener("resize", function () {
    var el = chart.getDom();
    if (el && el.clientWidth > 0 && el.clientHeight > 0) chart.resize();
  });
};
