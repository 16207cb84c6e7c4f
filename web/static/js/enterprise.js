/* /enterprises/<uscc>: the enterprise's tiers as rings (upstream on the left half, downstream on
   the right, tier k on ring k), local enterprises in green; names escaped in the tooltip. */
(function () {
  "use strict";
  var el = document.getElementById("tier-data");
  var box = document.getElementById("tier-graph");
  if (!el || !box || !window.echarts) return;
  var data = JSON.parse(el.textContent);
  var esc = window.escapeHtml;
  var R = 120;
  var nodes = [{ id: data.root.uscc, name: data.root.name, x: 0, y: 0, symbolSize: 36, category: 0,
                 raw: { name: data.root.name, tier: 0 } }];
  var links = [];
  function place(items, side) {
    var tiers = {};
    items.forEach(function (i) { (tiers[i.tier] = tiers[i.tier] || []).push(i); });
    Object.keys(tiers).forEach(function (t) {
      var at = tiers[t];
      at.forEach(function (i, n) {
        // spread each ring over its half circle, away from the poles
        var a = Math.PI * (n + 1) / (at.length + 1) - Math.PI / 2;
        var x = Math.cos(a) * R * i.tier * side, y = Math.sin(a) * R * i.tier;
        var id = side + ":" + i.uscc;
        nodes.push({ id: id, name: i.name || i.uscc, x: x, y: y, category: i.local ? 1 : 2,
                     symbolSize: 8 + Math.min(20, Math.sqrt(i.amount_wan || 0)), raw: i });
        i.via.forEach(function (v) {
          var from = v === data.root.uscc ? data.root.uscc : side + ":" + v;
          links.push(side < 0 ? { source: id, target: from, value: i.amount_wan } : { source: from, target: id, value: i.amount_wan });
        });
      });
    });
  }
  place(data.up, -1);
  place(data.down, 1);
  var chart = window.echarts.init(box, null, { renderer: "canvas" });
  window.followWindowSize(chart);
  chart.setOption({
    animation: false,
    legend: [{ data: ["本企业", "本地企业", "外地企业"], top: 0 }],
    tooltip: {
      confine: true,
      formatter: function (p) {
        if (p.dataType === "edge") return esc(Number(p.data.value).toFixed(2)) + " 万元";
        var r = p.data.raw;
        if (!r.tier) return esc(r.name) + "<br>本企业";
        return esc(r.name) + "<br>第 " + esc(r.tier) + " 层 · " + (r.local ? "本地" : "外地") +
          "<br>" + esc(Number(r.amount_wan).toFixed(2)) + " 万元";
      }
    },
    series: [{
      type: "graph", layout: "none", roam: true, edgeSymbol: ["none", "arrow"], edgeSymbolSize: 6,
      categories: [{ name: "本企业", itemStyle: { color: "#1f5fa8" } }, { name: "本地企业", itemStyle: { color: "#2e8b57" } },
                   { name: "外地企业", itemStyle: { color: "#d68910" } }],
      label: { show: true, position: "right", fontSize: 10,
               formatter: function (p) { return (p.data.raw.name || "").replace(/股份有限公司|有限公司/, ""); } },
      lineStyle: { opacity: 0.4, curveness: 0.1 },
      data: nodes, links: links
    }]
  });
  box.setAttribute("data-ready", "1");
  chart.on("click", function (p) {
    if (p.dataType === "node" && p.data.raw && p.data.raw.uscc) window.location.href = "/enterprises/" + encodeURIComponent(p.data.raw.uscc);
  });
})();
