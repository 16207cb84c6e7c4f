/* /local-supply: bar chart of every leader's local-supply ratio against the target line. */
(function () {
  "use strict";
  var LS = window.LocalSupply;
  var data = LS.readJson("ls-data");
  if (!data || !data.items.length) return;
  var c = LS.chart("ls-chart");
  if (!c) return;
  var items = data.items.slice().sort(function (a, b) { return a.ratio_amount - b.ratio_amount; });
  var target = data.target * 100;
  c.setOption({
    animation: false,
    grid: { left: 56, right: 24, top: 40, bottom: 110 },
    legend: { data: ["按金额", "按家数"], top: 0 },
    tooltip: {
      trigger: "axis", axisPointer: { type: "shadow" },
      formatter: function (ps) {
        var it = items[ps[0].dataIndex];
        var esc = window.escapeHtml;
        return esc(it.name) + "<br>按金额：" + esc(LS.pct(it.ratio_amount)) + "<br>按家数：" + esc(LS.pct(it.ratio_count)) +
          "<br>" + (it.meets_target ? "达到目标" : "未达目标");
      }
    },
    xAxis: {
      type: "category", data: items.map(function (i) { return i.name.replace(/股份有限公司|有限公司/, ""); }),
      axisLabel: { rotate: 45, fontSize: 11, interval: 0 }
    },
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      {
        name: "按金额", type: "bar", barMaxWidth: 28,
        data: items.map(function (i) {
          return { value: +(i.ratio_amount * 100).toFixed(4), itemStyle: { color: i.meets_target ? "#2e8b57" : "#c0392b" } };
        }),
        markLine: {
          symbol: "none", silent: true, lineStyle: { color: "#c0392b", type: "dashed", width: 2 },
          label: { formatter: "目标 " + target + "%", position: "insideEndTop" },
          data: [{ yAxis: target }]
        }
      },
      {
        name: "按家数", type: "scatter", symbolSize: 8, itemStyle: { color: "#1f5fa8" },
        data: items.map(function (i) { return i.ratio_count === null ? null : +(i.ratio_count * 100).toFixed(4); })
      }
    ]
  });
  c.on("click", function (p) {
    var it = items[p.dataIndex];
    if (!it) return;
    var q = [];
    if (data.year) q.push("year=" + data.year);
    if (data.scope) q.push("scope=" + data.scope);
    window.location.href = "/local-supply/" + it.uscc + (q.length ? "?" + q.join("&") : "");
  });
  window.lsChart = c;
})();
