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
  function mark() {
    var boxes = document.querySelectorAll(BOXES);
    for (var i = 0; i < boxes.length; i++) {
      var el = boxes[i];
      var overflows = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
      var style = window.getComputedStyle(el);
      var scrolls = overflows && /(auto|scroll)/.test(style.overflowX + " " + style.overflowY);
      if (scrolls && !el.querySelector(FOCUSABLE)) {
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
