/* /orders: enter an order, split it through POST /api/v1/orders/split, show the table and a
   Sankey chart (steps → factories), export the same split as .xlsx. Names come from imported
   files: every string that reaches innerHTML or a tooltip goes through escapeHtml. */
(function () {
  "use strict";
  var processes = JSON.parse(document.getElementById("processes-data").textContent);
  var form = document.getElementById("order-form");
  var body = document.querySelector("#steps tbody");
  var problem = document.getElementById("order-problem");
  var result = document.getElementById("order-result");
  var exportBtn = document.getElementById("export-xlsx");
  var csrf = document.querySelector("meta[name=csrf-token]").content;
  var lastOrder = null;
  var chart = null;
  var esc = window.escapeHtml;
  var processName = {};
  processes.forEach(function (p) { processName[p.id] = p.name; });

  function addStep(process, quantity, name) {
    var i = body.rows.length;
    var tr = document.createElement("tr");
    var opts = processes.map(function (p) {
      return "<option value=\"" + esc(p.id) + "\"" + (p.id === process ? " selected" : "") + ">" + esc(p.name) + "</option>";
    }).join("");
    tr.innerHTML = "<td class=\"step-no\"></td>" +
      "<td><select class=\"step-process\" aria-label=\"工序\">" + opts + "</select><span class=\"field-error\" data-part=\"process\" role=\"alert\" hidden></span></td>" +
      "<td><input class=\"step-quantity\" type=\"number\" min=\"1\" step=\"1\" aria-label=\"数量\"><span class=\"field-error\" data-part=\"quantity\" role=\"alert\" hidden></span></td>" +
      "<td><input class=\"step-name\" maxlength=\"100\" aria-label=\"部件名称\" placeholder=\"如 外壳\"></td>" +
      "<td><button type=\"button\" class=\"link remove-step\">删除</button></td>";
    tr.querySelector(".step-quantity").value = quantity || "";
    tr.querySelector(".step-name").value = name || "";
    tr.querySelector(".remove-step").addEventListener("click", function () {
      if (body.rows.length > 1) { tr.remove(); number(); }
    });
    body.appendChild(tr);
    number();
    return i;
  }
  function number() {
    Array.prototype.forEach.call(body.rows, function (tr, i) { tr.querySelector(".step-no").textContent = i + 1; });
  }

  function readOrder() {
    var order = { weeks: numberOrText(document.getElementById("weeks").value), steps: [] };
    var eco = document.getElementById("ecosystem").value;
    if (eco) order.ecosystem = eco;
    var local = document.getElementById("local_region").value.trim();
    if (local) order.local_region = local;
    var share = document.getElementById("min_local_share").value.trim();
    if (share !== "") order.min_local_share = isNaN(Number(share)) ? share : Number(share) / 100;
    Array.prototype.forEach.call(body.rows, function (tr) {
      var step = { process: tr.querySelector(".step-process").value,
                   quantity: numberOrText(tr.querySelector(".step-quantity").value) };
      var n = tr.querySelector(".step-name").value.trim();
      if (n) step.name = n;
      order.steps.push(step);
    });
    return order;
  }
  function numberOrText(v) {
    v = String(v).trim();
    return v !== "" && !isNaN(Number(v)) ? Number(v) : v;
  }

  function clearErrors() {
    document.querySelectorAll(".field-error").forEach(function (e) { e.hidden = true; e.textContent = ""; });
    problem.hidden = true;
    problem.textContent = "";
  }
  function fieldError(field, detail) {
    var m = /^steps\[(\d+)\]\.?(\w+)?$/.exec(field || "");
    var span = null;
    if (m && body.rows[Number(m[1])]) {
      span = body.rows[Number(m[1])].querySelector(".field-error[data-part=\"" + (m[2] || "quantity") + "\"]");
    } else if (field) {
      span = form.querySelector(".field-error[data-field=\"" + field.replace(/"/g, "") + "\"]");
    }
    if (span) { span.textContent = detail; span.hidden = false; return true; }
    return false;
  }
  function showProblem(data) {
    var html = "<p><b>无法拆分：</b>" + esc(data.detail) + "</p>";
    if (data.shortfalls && data.shortfalls.length) {
      html += "<ul id=\"shortfalls\">" + data.shortfalls.map(function (s) {
        return "<li data-step=\"" + s.step + "\">第 " + (s.step + 1) + " 步 " + esc(s.process_name) + "：需要 " + s.quantity +
          " 件，可用产能 " + s.capacity_units + " 件，<b>缺 " + s.short_units + " 件</b>" +
          (s.weeks_needed ? "（延长到 " + s.weeks_needed + " 周可满足）" : "（没有候选工厂提供该工序）") + "</li>";
      }).join("") + "</ul>";
    }
    var sug = data.suggestions || {};
    if (sug.outside_factories && sug.outside_factories.length) {
      html += "<p>有该工序产能的非成员工厂：</p><ul id=\"outside-factories\">" + sug.outside_factories.map(function (f) {
        return "<li>" + esc(f.process_name) + " · " + esc(f.name) + " <code>" + esc(f.uscc) + "</code>" +
          (f.covers_shortfall ? "（单独即可补足缺口）" : "") + "</li>";
      }).join("") + "</ul>";
    }
    problem.innerHTML = html;
    problem.hidden = false;
  }

  function render(data) {
    var s = document.getElementById("order-summary");
    var share = data.local_share === null ? "—" : (data.local_share * 100).toFixed(1) + "%";
    s.innerHTML =
      kpi("总成本", data.total_cost_yuan.toLocaleString("zh-CN", { maximumFractionDigits: 2 }) + " <small>元</small>", "total-cost") +
      kpi("承接工厂", String(new Set(data.allocations.map(function (a) { return a.uscc; })).size) + " <small>家</small>", "factories") +
      kpi("候选工厂", String(data.candidates) + " <small>家</small>", "candidates") +
      kpi("本地份额", share + (data.local_region_name ? " <small>" + esc(data.local_region_name) + "</small>" : ""), "local-share") +
      kpi("求解", (data.solver.status === "optimal" ? "最优" : "时限内最好解") + " <small>" + data.solver.time_s.toFixed(2) + " 秒</small>", "solver");
    var names = {};
    data.steps.forEach(function (st) { names[st.step] = st.name; });
    document.querySelector("#allocations tbody").innerHTML = data.allocations.map(function (a) {
      return "<tr data-step=\"" + a.step + "\" data-uscc=\"" + esc(a.uscc) + "\">" +
        "<td>" + (a.step + 1) + (names[a.step] ? " " + esc(names[a.step]) : "") + "</td>" +
        "<td>" + esc(a.process_name) + "</td>" +
        "<td>" + esc(a.name) + "<br><code class=\"small muted\">" + esc(a.uscc) + "</code></td>" +
        "<td class=\"num qty\">" + a.quantity + "</td><td class=\"num\">" + a.unit_cost_yuan + "</td>" +
        "<td class=\"num\">" + a.setup_cost_yuan + "</td><td class=\"num cost\">" + a.cost_yuan.toFixed(2) + "</td>" +
        "<td class=\"num\">" + (a.capacity_used * 100).toFixed(0) + "% / " + a.capacity_units + "</td>" +
        "<td>" + (a.local ? "是" : "否") + "</td>" +
        "<td class=\"explain\">" + a.explanation.map(esc).join("；") + "</td></tr>";
    }).join("");
    result.hidden = false;
    sankey(data);
  }
  function kpi(label, value, key) {
    return "<div class=\"kpi\" data-kpi=\"" + key + "\"><div class=\"kpi-label\">" + label + "</div><div class=\"kpi-value\">" + value + "</div></div>";
  }

  function sankey(data) {
    var stepLabel = {}, factoryLabel = {}, used = {}, nodes = [], links = [];
    data.steps.forEach(function (st) {
      var label = "步骤" + (st.step + 1) + " " + st.process_name + (st.name ? "（" + st.name + "）" : "");
      stepLabel[st.step] = label;
      used[label] = true;
      nodes.push({ name: label, kind: "step", quantity: st.quantity });
    });
    data.allocations.forEach(function (a) {
      if (!factoryLabel[a.uscc]) {
        var label = used[a.name] ? a.name + " " + a.uscc.slice(-6) : a.name;
        factoryLabel[a.uscc] = label;
        used[label] = true;
        nodes.push({ name: label, kind: "factory", uscc: a.uscc });
      }
      links.push({ source: stepLabel[a.step], target: factoryLabel[a.uscc], value: a.quantity, cost: a.cost_yuan });
    });
    var el = document.getElementById("sankey");
    if (!chart) chart = echarts.init(el);
    chart.setOption({
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          if (p.dataType === "edge") {
            return esc(p.data.source) + " → " + esc(p.data.target) + "<br>" + p.data.value + " 件，成本 " + esc(p.data.cost) + " 元";
          }
          return esc(p.name) + (p.data.uscc ? "<br>" + esc(p.data.uscc) : "");
        }
      },
      series: [{ type: "sankey", data: nodes, links: links, nodeAlign: "left", emphasis: { focus: "adjacency" },
                 lineStyle: { color: "gradient", curveness: 0.5 }, label: { fontSize: 12 } }]
    }, true);
    el.setAttribute("data-ready", String(links.length));
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    clearErrors();
    var order = readOrder();
    var button = document.getElementById("split-submit");
    button.disabled = true;
    fetch("/api/v1/orders/split", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json" },
      body: JSON.stringify(order)
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (res) {
      button.disabled = false;
      if (res.ok) {
        lastOrder = order;
        exportBtn.disabled = false;
        render(res.data);
      } else {
        lastOrder = null;
        exportBtn.disabled = true;
        result.hidden = true;
        if (!fieldError(res.data.field, res.data.detail) || res.data.shortfalls) showProblem(res.data);
      }
    }).catch(function () {
      button.disabled = false;
      showProblem({ detail: "网络错误，请稍后重试" });
    });
  });
  exportBtn.addEventListener("click", function () {
    if (!lastOrder) return;
    document.getElementById("export-order").value = JSON.stringify(lastOrder);
    document.getElementById("export-form").submit();
  });
  document.getElementById("add-step").addEventListener("click", function () { addStep(processes[0].id, ""); });
  addStep("cnc", 1000, "");
})();
