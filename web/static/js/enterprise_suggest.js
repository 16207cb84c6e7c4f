/* Suggestions as one types in every field that asks for an enterprise (input[data-suggest=
   "enterprise"]): names and USCCs from /api/v1/enterprise-search, shown in a list under the
   field. Choosing one puts its USCC in the field, or opens the enterprise's profile when the
   field says data-suggest-go="profile". Text goes in with textContent only. */
(function () {
  "use strict";
  var MIN = 2;

  function attach(input) {
    var list = document.createElement("ul");
    list.className = "suggest-list";
    list.id = (input.id || input.name) + "-suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.parentNode.insertBefore(list, input.nextSibling);
    var timer = null, seq = 0;

    function choose(item) {
      if (input.getAttribute("data-suggest-go") === "profile") {
        window.location.href = "/enterprises/" + encodeURIComponent(item.uscc);
        return;
      }
      input.value = item.uscc;
      list.hidden = true;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function show(items) {
      while (list.firstChild) list.removeChild(list.firstChild);
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.className = "suggest-item";
        li.dataset.uscc = item.uscc;
        var name = document.createElement("span");
        name.textContent = item.name || item.uscc;
        var code = document.createElement("span");
        code.className = "muted small";
        code.textContent = " " + item.uscc + (item.region_name ? " · " + item.region_name : "");
        li.appendChild(name);
        li.appendChild(code);
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(item); });
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
    }

    function ask() {
      var q = input.value.trim();
      if (q.length < MIN) { show([]); return; }
      var mine = ++seq;
      fetch("/api/v1/enterprise-search?limit=10&q=" + encodeURIComponent(q),
            { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (body) { if (mine === seq) show(body.items || []); })
        .catch(function () { show([]); });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 150);
    });
    input.addEventListener("blur", function () { list.hidden = true; });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") list.hidden = true;
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll('input[data-suggest="enterprise"]'), attach);
})();
