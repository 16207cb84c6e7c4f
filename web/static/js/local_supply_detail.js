/* /local-supply/<uscc>: the trend against the target and the purchase by segment. */
(function () {
  "use strict";
  var LS = window.LocalSupply;
  var data = LS.readJson("ls-data");
  if (!data) return;
  var target = data.target * 100;
  var trend = LS.chart("trend-chart");
  if (trend) {
    var val = function (v) { return v === null ? null : +(v * 100).toFixed(4); };
    trend.setOption({
      animation: false,
      grid: { left: 50, right: 20, top: 36, bottom: 30 },
      legend: { data: ["按金额", "按家数"], top: 0 },
      tooltip: { trigger: "axis", formatter: LS.axisTooltip(function (v) { return v === null || v === undefined ? "无数据" : LS.pct(v / 100); }) },
      xAxis: { type: "category", data: data.trend.map(function (t) { return String(t.year); }) },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { name: "按金额", type: "line", connectNulls: false, data: data.trend.map(function (t) { return val(t.ratio_amount); }),
          itemStyle: { color: "#1f5fa8" },
          markLine: { symbol: "none", silent: true, lineStyle: { color: "#c0392b", type: "dashed", width: 2 },
                      label: { formatter: "目标 " + target + "%" }, data: [{ yAxis: target }] } },
        { name: "按家数", type: "line", connectNulls: false, data: data.trend.map(function (t) { return val(t.ratio_count); }),
          itemStyle: { color: "#2e8b57" }, lineStyle: { type: "dotted" } }
      ]
    });
  }
  var seg = LS.chart("segment-chart");
  if (seg && data.segments.length) {
    seg.setOption({
      animation: false,
      grid: { left: 110, right: 20, top: 30, bottom: 24 },
      legend: { data: ["本地", "外地"], top: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: LS.axisTooltip(function (v) { return LS.money(v) + " 万元"; }) },
      xAxis: { type: "value", axisLabel: { formatter: function (v) { return v >= 10000 ? (v / 10000) + "亿" : v; } } },
      yAxis: { type: "category", data: data.segments.map(function (s) { return s.name; }), axisLabel: { fontSize: 11, width: 100, overflow: "truncate" } },
      series: [
        { name: "本地", type: "bar", stack: "a", itemStyle: { color: "#2e8b57" }, data: data.segments.map(function (s) { return s.local; }) },
        { name: "外地", type: "bar", stack: "a", itemStyle: { color: "#d68910" }, data: data.segments.map(function (s) { return s.other; }) }
      ]
    });
  }
})();
