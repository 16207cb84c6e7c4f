/* /exports: moved out of rules/exports.html (the CSP allows scripts from 'self' only). */
(function () {
  var form = document.getElementById('export-form');
  var sel = { form: document.getElementById('form'), region: document.getElementById('region'), year: document.getElementById('year') };
  var forms = JSON.parse(document.getElementById('forms-data').textContent);
  var status = document.getElementById('export-status'), bar = document.getElementById('export-progress'),
      text = document.getElementById('export-text');
  var buttons = [document.getElementById('download-button'), document.getElementById('preview-button')];
  var timer = null;

  function url(fmt) {
    return '/api/v1/exports/' + encodeURIComponent(sel.form.value) + '?region=' + encodeURIComponent(sel.region.value) +
      '&year=' + encodeURIComponent(sel.year.value) + (fmt ? '&format=' + fmt : '');
  }
  function sync() {
    var f = forms.filter(function (x) { return x.id === sel.form.value; })[0];
    document.getElementById('form-title').textContent = f ? f.title : '';
    document.getElementById('direct-link').href = url();
    document.getElementById('api-link').href = url('json');
  }
  sel.form.addEventListener('change', function () {
    var opt = sel.form.options[sel.form.selectedIndex];
    if (opt && opt.dataset.year) sel.year.value = opt.dataset.year;
    sync();
  });
  sel.region.addEventListener('change', sync);
  sel.year.addEventListener('change', sync);

  function busy(msg) {
    ['region', 'year'].forEach(function (k) { var e = document.getElementById(k + '-error'); e.hidden = true; });
    buttons.forEach(function (b) { b.disabled = true; });
    document.body.style.cursor = 'progress';
    status.hidden = false; bar.className = 'progress running'; bar.removeAttribute('aria-valuenow');
    bar.firstElementChild.style.width = '';
    var t0 = Date.now();
    text.textContent = msg;
    clearInterval(timer);
    timer = setInterval(function () { text.textContent = msg + '（已用时 ' + Math.round((Date.now() - t0) / 1000) + ' 秒）'; }, 500);
  }
  function done(ok, msg) {
    clearInterval(timer);
    buttons.forEach(function (b) { b.disabled = false; });
    document.body.style.cursor = '';
    bar.className = 'progress ' + (ok ? 'done' : 'failed');
    bar.firstElementChild.style.width = '';
    bar.setAttribute('aria-valuenow', '100');
    text.textContent = msg;
  }
  function fail(resp, body) {
    var msg = (body && body.detail) || ('请求失败（HTTP ' + resp.status + '）');
    if (body && body.field && document.getElementById(body.field + '-error')) {
      var e = document.getElementById(body.field + '-error'); e.textContent = msg; e.hidden = false;
    }
    if (resp.status === 401) msg = '登录已过期，请刷新页面重新登录';
    done(false, msg);
  }
  async function readBody(resp) {
    // Stream the body so a long download shows how much has arrived.
    var total = +resp.headers.get('Content-Length') || 0, got = 0, parts = [];
    var reader = resp.body.getReader();
    for (;;) {
      var r = await reader.read();
      if (r.done) break;
      parts.push(r.value); got += r.value.length;
      if (total) { bar.className = 'progress'; bar.firstElementChild.style.width = Math.round(100 * got / total) + '%'; }
    }
    return new Blob(parts, { type: resp.headers.get('Content-Type') || 'application/octet-stream' });
  }
  function filename(resp) {
    var cd = resp.headers.get('Content-Disposition') || '';
    var m = /filename\*=UTF-8''([^;]+)/i.exec(cd) || /filename="?([^";]+)"?/i.exec(cd);
    return m ? decodeURIComponent(m[1]) : sel.form.value + '.xlsx';
  }

  form.addEventListener('submit', async function (ev) {
    ev.preventDefault();
    busy('正在生成汇总表…');
    try {
      var resp = await fetch(url(), { credentials: 'same-origin' });
      if (!resp.ok) { var body = null; try { body = await resp.json(); } catch (e) {} fail(resp, body); return; }
      var rows = resp.headers.get('X-Row-Count');
      var blob = await readBody(resp);
      var a = document.createElement('a');
      a.href = URL.createObjectURL(blob); a.download = filename(resp);
      document.body.appendChild(a); a.click(); a.remove();
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
      done(true, '已生成 ' + a.download + (rows !== null ? '（' + rows + ' 行）' : '') + '，浏览器正在保存。');
    } catch (e) {
      done(false, '网络错误：' + e.message);
    }
  });

  document.getElementById('preview-button').addEventListener('click', async function () {
    busy('正在读取数据…');
    try {
      var resp = await fetch(url('json'), { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      var body = null; try { body = await resp.json(); } catch (e) {}
      if (!resp.ok) { fail(resp, body); return; }
      var table = document.getElementById('preview-table');
      var head = table.tHead, tbody = table.tBodies[0];
      head.innerHTML = ''; tbody.innerHTML = '';
      var tr = head.insertRow();
      body.columns.forEach(function (c) { var th = document.createElement('th'); th.textContent = c.header; tr.appendChild(th); });
      body.rows.slice(0, 300).forEach(function (row, i) {
        var r = tbody.insertRow();
        body.columns.forEach(function (c) {
          var v = c.field ? row[c.field] : i + 1;
          r.insertCell().textContent = (v === null || v === undefined) ? '' : v;
        });
      });
      document.getElementById('preview-title').textContent = body.title + '（' + (body.region_name || body.region) + '，' + body.count + ' 行）';
      document.getElementById('preview-note').textContent = body.note + (body.count > 300 ? '；预览只显示前 300 行' : '');
      done(true, '共 ' + body.count + ' 行。');
    } catch (e) {
      done(false, '网络错误：' + e.message);
    }
  });
  sync();
})();
