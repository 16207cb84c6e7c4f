/* District map (/map): ECharts map series over the district boundaries in /static/geo/<city>.json,
 * coloured by the measure from GET /api/v1/dashboard/districts. Changing city, measure or year
 * refetches without reloading the page; the URL, the table and the footer API link follow. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  var form = document.getElementById("map-form");
  var busy = document.getElementById("map-busy");
  var errorBox = document.getElementById("map-error");
  var state = JSON.parse(document.getElementById("map-data").textContent);
  var chart = echarts.init(el, null, { renderer: "canvas" });
  var geoLoaded = {};

  function fmt(v, unit) {
    if (v === null || v === undefined) return "—";
    return unit === "%" ? v.toFixed(1) + "%" : String(v);
  }

  function loadGeo(city) {
    if (geoLoaded[city]) return Promise.resolve();
    return fetch("/static/geo/" + city + ".json", { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error("区县边界文件加载失败（" + r.status + "）");
        return r.json();
      })
      .then(function (geo) {
        echarts.registerMap(city, geo);
        geoLoaded[city] = true;
      });
  }

  function visualMap(d) {
    if (d.measure === "ratio") {
      return {
        type: "piecewise", left: 16, bottom: 16, orient: "vertical", itemGap: 6,
        pieces: [
          { gte: 80, label: "≥ 80%", color: "#1e8449" },
          { gte: 60, lt: 80, label: "60% – 80%（达标）", color: "#82c99b" },
          { gte: 40, lt: 60, label: "40% – 60%", color: "#f5b041" },
          { lt: 40, label: "< 40%", color: "#c0392b" }
        ]
      };
    }
    var min = d.min === null ? 0 : Math.min(0, d.min);
    var max = d.max === null || d.max <= min ? min + 1 : d.max;
    return {
      type: "continuous", min: min, max: max, left: 16, bottom: 16, calculable: true,
      text: ["高", "低"], itemHeight: 120,
      inRange: { color: ["#eaf2fb", "#9ec5ec", "#3a7bc8", "#174a87"] }
    };
  }

  function option(d) {
    var allVisible = d.districts.every(function (r) { return r.visible; });
    return {
      // confine: no tooltip arrow, which ECharts draws with an inline style attribute the CSP refuses
      tooltip: {
        trigger: "item", confine: true,
        formatter: function (p) {
          var row = p.data || {};
          var text;
          if (row.visible === false) text = "不在管辖范围内";
          else if (row.value === null || row.value === undefined) text = "无数据";
          else text = fmt(row.value, d.unit) + (d.unit === "%" ? "" : " " + d.unit);
          var extra = "";
          if (row.detail && row.detail.leaders !== undefined) {
            extra = "<br>链主工厂 " + window.escapeHtml(row.detail.leaders) + " 家，有采购数据 " +
              window.escapeHtml(row.detail.leaders_with_supplies) + " 家，低于 60% 的 " + window.escapeHtml(row.detail.below_target) + " 家";
          }
          var esc = window.escapeHtml;
          return "<b>" + esc(p.name) + "</b><br>" + esc(d.measure_label) + "：" + esc(text) + extra;
        }
      },
      visualMap: visualMap(d),
      series: [{
        name: d.measure_label, type: "map", map: d.city, roam: true,
        selectedMode: false, top: 16, bottom: 16, left: 150, right: 16,
        label: { show: true, fontSize: 12, color: "#1b1b1b", textBorderColor: "#ffffff", textBorderWidth: 2 },
        labelLayout: { hideOverlap: true },
        itemStyle: { areaColor: "#eeeeee", borderColor: "#ffffff", borderWidth: 1 },
        emphasis: { label: { show: true, fontWeight: "bold" }, itemStyle: { areaColor: "#f7dc6f" } },
        data: d.districts.map(function (r) {
          // a district bureau sees its city's outline: only its own district is labelled
          var item = { name: r.name, value: r.value, code: r.code, visible: r.visible, detail: r.detail };
          if (!allVisible) item.label = { show: r.visible };
          return item;
        })
      }]
    };
  }

  function renderTable(d) {
    document.getElementById("table-title").textContent = d.measure_label;
    document.getElementById("table-year").textContent = d.year + " 年 · 单位：" + d.unit;
    document.getElementById("map-title").textContent = d.city_name;
    document.getElementById("map-description").textContent = d.description || "";
    var body = document.querySelector("#district-table tbody");
    body.textContent = "";
    d.districts.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-code", r.code);
      var name = document.createElement("td");
      name.textContent = r.name;
      var val = document.createElement("td");
      val.className = "num";
      val.setAttribute("data-value", r.value === null ? "" : r.value);
      if (!r.visible) {
        var span = document.createElement("span");
        span.className = "muted";
        span.textContent = "无权查看";
        val.appendChild(span);
      } else {
        val.textContent = fmt(r.value, d.unit);
      }
      tr.appendChild(name);
      tr.appendChild(val);
      body.appendChild(tr);
    });
  }

  function query(d) {
    return "city=" + encodeURIComponent(d.city) + "&measure=" + encodeURIComponent(d.measure) +
      "&year=" + encodeURIComponent(d.year);
  }

  function setBusy(on) {
    busy.hidden = !on;
    el.setAttribute("aria-busy", on ? "true" : "false");
    Array.prototype.forEach.call(form.elements, function (x) { if (x.id !== "city" || x.options.length > 1) x.disabled = on; });
    if (on) chart.showLoading({ text: "加载中…" }); else chart.hideLoading();
  }

  function draw(d) {
    el.removeAttribute("data-ready");
    return loadGeo(d.city).then(function () {
      chart.setOption(option(d), true);
      renderTable(d);
      var link = document.getElementById("api-link");
      if (link) link.href = "/api/v1/dashboard/districts?" + query(d);
      el.setAttribute("data-ready", d.city + ":" + d.measure + ":" + d.year);
    });
  }

  function showError(msg) {
    errorBox.textContent = msg;
    errorBox.hidden = !msg;
  }

  function refresh() {
    var want = { city: form.city.value, measure: form.measure.value, year: form.year.value };
    setBusy(true);
    showError("");
    fetch("/api/v1/dashboard/districts?" + query(want), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) throw new Error(body.detail || ("请求失败（" + r.status + "）"));
          return body;
        });
      })
      .then(function (d) {
        state = d;
        history.replaceState(null, "", "/map?" + query(d));
        return draw(d);
      })
      .catch(function (e) { showError("加载失败：" + e.message); })
      .then(function () { setBusy(false); });
  }

  chart.on("click", function (p) {
    var row = p.data;
    if (row && row.visible) {
      window.location.href = "/bureau?region=" + encodeURIComponent(row.code) + "&year=" + encodeURIComponent(state.year);
    }
  });
  form.addEventListener("change", refresh);
  form.addEventListener("submit", function (e) { e.preventDefault(); refresh(); });
  window.followWindowSize(chart);

  setBusy(true);
  draw(state)
    .catch(function (e) { showError("地图加载失败：" + e.message); })
    .then(function () { setBusy(false); });
})();
