/* /targets: moved out of rules/targets.html (the CSP allows scripts from 'self' only). */
(function () {
  var rows = JSON.parse(document.getElementById('targets-data').textContent)
    .filter(function (r) { return r.target !== null; });
  var el = document.getElementById('targets-chart');
  var chart = echarts.init(el);
  var names = rows.map(function (r) { return r.indicator.replace(/（[^）]*）$/, ''); });
  // Completion (actual / target) puts 5 聚能工厂 and 1000 数字化车间 on one scale.
  var pct = rows.map(function (r) { return Math.round(1000 * r.actual / r.target) / 10; });
  chart.setOption({
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: function (ps) {
      var r = rows[ps[0].dataIndex];
      var esc = window.escapeHtml;
      return esc(r.indicator) + '<br>目标 ' + esc(r.target) + (r.aim ? '（争' + esc(r.aim) + '）' : '') + '，实际 ' + esc(r.actual) +
        '，完成 ' + pct[ps[0].dataIndex] + '%' + (r.shortfall ? '，差 ' + r.shortfall : '');
    } },
    grid: { left: 250, right: 72, top: 16, bottom: 40, containLabel: false },
    xAxis: { type: 'value', name: '完成度（%）', nameLocation: 'middle', nameGap: 26,
             max: function (v) { return Math.max(100, Math.ceil(v.max / 10) * 10); } },
    yAxis: { type: 'category', data: names, inverse: true, axisLabel: { width: 236, overflow: 'break', lineHeight: 14 } },
    series: [{
      name: '完成度', type: 'bar', barMaxWidth: 22,
      data: pct.map(function (v, i) {
        return { value: v, itemStyle: { color: rows[i].shortfall === 0 ? '#2e8b57' : '#d68910' } };
      }),
      label: { show: true, position: 'right', formatter: function (p) { return rows[p.dataIndex].actual + '/' + rows[p.dataIndex].target; } },
      markLine: { silent: true, symbol: 'none', data: [{ xAxis: 100 }], lineStyle: { color: '#1f5fa8', type: 'dashed' },
                  label: { formatter: '目标' } }
    }]
  });
  window.followWindowSize(chart);
  el.dataset.ready = '1';
})();
