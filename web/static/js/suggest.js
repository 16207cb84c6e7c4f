/* Suggestions as one types in every field that asks for an enterprise or a project
   (input[data-suggest="enterprise"|"project"]): the names the caller may see, from
   /api/v1/enterprise-search or /api/v1/project-search, listed under the field with the code
   as secondary text. Choosing one puts its code in the field, or opens the enterprise's
   profile when the field says data-suggest-go="profile". The ARIA combobox pattern: arrow keys
   move through the list, Enter chooses, Escape closes; a status line tells screen readers how
   many were found. Text goes in with textContent only. */
(function () {
  "use strict";
  var MIN = 2;
  var KINDS = {
    enterprise: {
      url: "/api/v1/enterprise-search",
      value: function (it) { return it.uscc; },
      name: function (it) { return it.name || it.uscc; },
      code: function (it) { return it.uscc + (it.region_name ? " · " + it.region_name : ""); },
      none: "没有找到匹配的企业"
    },
    project: {
      url: "/api/v1/project-search",
      value: function (it) { return it.id; },
      name: function (it) { return it.name || it.id; },
      code: function (it) { return it.id + (it.owner_name ? " · " + it.owner_name : ""); },
      none: "没有找到匹配的项目"
    }
  };
  var made = 0;

  function attach(input) {
    var kind = KINDS[input.getAttribute("data-suggest")];
    if (!kind) return;
    var list = document.createElement("ul");
    list.className = "suggest-list";
    var base = (input.id || input.name || "suggest") + "-suggestions";
    list.id = document.getElementById(base) ? base + "-" + (++made) : base;  // rows of one table share a name
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "候选项");
    list.hidden = true;
    var status = document.createElement("span");
    status.className = "suggest-status";
    status.setAttribute("role", "status");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");
    input.parentNode.insertBefore(list, input.nextSibling);
    input.parentNode.insertBefore(status, list.nextSibling);
    var timer = null, seq = 0, items = [], active = -1;

    function open(yes) {
      list.hidden = !yes;
      input.setAttribute("aria-expanded", yes ? "true" : "false");
      if (!yes) mark(-1);
    }

    function mark(k) {
      active = k;
      Array.prototype.forEach.call(list.children, function (li, j) {
        li.setAttribute("aria-selected", j === k ? "true" : "false");
        li.classList.toggle("active", j === k);
      });
      if (k >= 0) {
        input.setAttribute("aria-activedescendant", list.children[k].id);
        list.children[k].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(item) {
      if (input.getAttribute("data-suggest-go") === "profile") {
        window.location.href = "/enterprises/" + encodeURIComponent(item.uscc);
        return;
      }
      input.value = kind.value(item);
      open(false);
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function show(found, q) {
      items = found;
      while (list.firstChild) list.removeChild(list.firstChild);
      found.forEach(function (item, k) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = list.id + "-" + k;
        li.className = "suggest-item";
        li.dataset.value = kind.value(item);
        if (item.uscc) li.dataset.uscc = item.uscc;
        var name = document.createElement("span");
        name.textContent = kind.name(item);
        var code = document.createElement("span");
        code.className = "muted small";
        code.textContent = " " + kind.code(item);
        li.appendChild(name);
        li.appendChild(code);
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(item); });
        list.appendChild(li);
      });
      open(found.length > 0);
      status.textContent = q.length < MIN ? "" : (found.length ? "找到" + found.length + "项，用上下方向键选择，回车确认" : kind.none);
    }

    function ask() {
      var q = input.value.trim();
      if (q.length < MIN) { show([], q); return; }
      var mine = ++seq;
      fetch(kind.url + "?limit=10&q=" + encodeURIComponent(q),
            { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (body) { if (mine === seq) show(body.items || [], q); })
        .catch(function () { show([], q); });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 150);
    });
    input.addEventListener("blur", function () { open(false); });
    input.addEventListener("keydown", function (ev) {
      var n = items.length;
      if (ev.key === "ArrowDown" && n) {
        ev.preventDefault();
        if (list.hidden) open(true);
        mark((active + 1) % n);
      } else if (ev.key === "ArrowUp" && n) {
        ev.preventDefault();
        if (list.hidden) open(true);
        mark(active <= 0 ? n - 1 : active - 1);
      } else if (ev.key === "Enter" && !list.hidden && active >= 0) {
        ev.preventDefault();  // choosing, not submitting the form
        choose(items[active]);
      } else if (ev.key === "Escape" && !list.hidden) {
        ev.preventDefault();
        open(false);
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-suggest]"), attach);
})();
