/* /chains/<id>: segments, enterprises and leaders as a force graph; gaps and single points flagged. */
(function () {
  "use strict";
  var LS = window.LocalSupply;
  var data = LS.readJson("cov-data");
  if (!data || !data.nodes.length) return;
  var c = LS.chart("coverage-graph");
  if (!c) return;
  var CATS = [
    { name: "链上环节", itemStyle: { color: "#1f5fa8" } },
    { name: "本地企业", itemStyle: { color: "#2e8b57" } },
    { name: "外地供应商", itemStyle: { color: "#d68910" } },
    { name: "链主工厂", itemStyle: { color: "#6c3483" } },
    { name: "缺口环节", itemStyle: { color: "#c0392b" } }
  ];
  function category(n) {
    if (n.kind === "segment") return n.gap ? 4 : 0;
    if (n.kind === "leader") return 3;
    return n.local ? 1 : 2;
  }
  function short(name) { return (name || "").replace(/股份有限公司|有限公司/, ""); }
  var nodes = data.nodes.map(function (n) {
    var cat = category(n);
    var size = n.kind === "segment" ? 34 : n.kind === "leader" ? 26 : 10 + Math.min(14, Math.sqrt(n.degree || 1) * 4);
    var label = n.kind === "segment" ? n.name + (n.gap ? "（缺口）" : "") + (n.single_point ? "（单点依赖）" : "") : short(n.name);
    var node = {
      id: n.id, name: label, category: cat, symbolSize: size, value: n.kind,
      label: { show: n.kind !== "enterprise" || n.single_point, fontSize: n.kind === "segment" ? 12 : 10 },
      raw: n
    };
    if (n.single_point) node.itemStyle = { borderColor: "#e67e22", borderWidth: 4 };
    if (n.kind === "segment" && n.gap) node.itemStyle = { borderColor: "#7b241c", borderWidth: 3 };
    if (n.kind === "segment") node.symbol = "roundRect";
    if (n.kind === "leader") node.symbol = "diamond";
    return node;
  });
  // 链主工厂 are fixed on a ring around the centre, evenly apart, so their labels never pile up;
  // segments and enterprises settle by force between them.
  var leaders = nodes.filter(function (n) { return n.raw.kind === "leader"; });
  var w = c.getWidth(), h = c.getHeight();
  var ring = Math.max(80, Math.min(w, h - 50) * 0.42);
  leaders.forEach(function (n, i) {
    var a = -Math.PI / 2 + 2 * Math.PI * i / leaders.length;
    n.x = w / 2 + ring * Math.cos(a);
    n.y = 20 + (h - 20) / 2 + ring * Math.sin(a);
    n.fixed = true;
    n.label = { show: true, fontSize: 11, fontWeight: "bold", color: "#3b1d4a", position: a > 0 && a < Math.PI ? "bottom" : "top" };
    n.z = 3;
  });
  var links = data.links.map(function (l) {
    return { source: l.source, target: l.target, value: l.amount,
             lineStyle: { color: l.kind === "purchase" ? "#6c3483" : l.kind === "member" ? "#2e8b57" : "#d68910",
                          opacity: 0.45, width: l.kind === "purchase" ? 2 : 1 } };
  });
  c.setOption({
    animation: false,
    legend: [{ data: CATS.map(function (x) { return x.name; }), top: 0 }],
    // confine: no tooltip arrow, which ECharts draws with an inline style attribute the CSP refuses
    tooltip: {
      confine: true,
      formatter: function (p) {
        var esc = window.escapeHtml;
        if (p.dataType === "edge") return esc(LS.money(p.data.value)) + " 万元";
        var n = p.data.raw;
        if (n.kind === "segment") {
          return esc(n.name) + "<br>本地企业 " + esc(n.local_enterprises) + " 家<br>链主采购本地占比 " + esc(LS.pct(n.local_share)) +
            (n.gap ? "<br><b>缺口：本地没有该环节企业</b>" : "") + (n.single_point ? "<br><b>单点依赖</b>" : "");
        }
        return esc(n.name) + "<br>" + (n.kind === "leader" ? "链主工厂" : n.local ? "本地企业" : "外地供应商") +
          (n.single_point ? "<br><b>单点依赖：承担某环节过半采购</b>" : "");
      }
    },
    series: [{
      type: "graph", layout: "force", roam: true, draggable: true, categories: CATS, data: nodes, links: links,
      top: 40, bottom: 10, zoom: 1,
      force: { repulsion: 130, edgeLength: [35, 100], gravity: 0.12, layoutAnimation: false },
      // labels that would overlap another are hidden until zoomed in (leaders' are kept apart)
      labelLayout: { hideOverlap: true },
      emphasis: { focus: "adjacency" }, lineStyle: { curveness: 0.1 }
    }]
  });
  // An enterprise or leader opens its profile (/enterprises/<uscc>; the node id is the USCC).
  c.on("click", function (p) {
    var raw = p.dataType === "node" && p.data.raw;
    if (raw && raw.kind !== "segment") window.location.href = "/enterprises/" + encodeURIComponent(raw.id);
  });
  // The search box highlights the enterprises (or segments) whose name holds the text.
  var box = document.getElementById("cov-search"), note = document.getElementById("cov-search-note");
  var lit = [];
  function search() {
    var q = (box.value || "").trim();
    if (lit.length) c.dispatchAction({ type: "downplay", seriesIndex: 0, dataIndex: lit });
    lit = [];
    if (q) {
      data.nodes.forEach(function (n, i) {
        if ((n.name || "").indexOf(q) >= 0 || n.id === q) lit.push(i);
      });
    }
    if (lit.length) c.dispatchAction({ type: "highlight", seriesIndex: 0, dataIndex: lit });
    note.textContent = !q ? "" : lit.length ? "找到 " + lit.length + " 个，已在图中突出显示" : "无匹配结果";
    box.setAttribute("data-found", String(lit.length));
  }
  if (box) box.addEventListener("input", search);
  window.coverageChart = c;
})();
