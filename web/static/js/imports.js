/* Import page (/imports): posts the chosen file to POST /api/v1/imports/<kind> with the session
 * cookie and the X-CSRF-Token header, shows upload progress (XMLHttpRequest upload events),
 * then a busy state while the server validates, then the report with its per-row error table. */
(function () {
  "use strict";
  var MAX_ROWS_SHOWN = 2000;
  var form = document.getElementById("import-form");
  var kinds = JSON.parse(document.getElementById("kinds-data").textContent);
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var maxBytes = parseInt(form.getAttribute("data-max-bytes") || "0", 10);
  var statusBox = document.getElementById("upload-status");
  var bar = document.querySelector("#upload-progress > div");
  var barBox = document.getElementById("upload-progress");
  var statusText = document.getElementById("upload-text");
  var buttons = [document.getElementById("btn-dry-run"), document.getElementById("btn-import")];
  var byKind = {};
  // The file (kind, name, size, time) of the last passed dry run, and of the upload under way.
  var checkedFile = "", sentFile = "";
  function fileKey() {
    var f = form.file.files[0];
    return f ? [form.kind.value, f.name, f.size, f.lastModified].join("|") : "";
  }
  kinds.forEach(function (k) { byKind[k.kind] = k; });

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  // Rows that named a company instead of its USCC: how many were matched, and how many wait
  // for a person on the 名称匹配 page (review: candidates to choose from; none: no candidate).
  function byName(r, verb) {
    var n = r.by_name || {};
    if (!(n.matched || n.review || n.none)) return "";
    return "按名称填写的行：已匹配 " + (n.matched || 0) + " 行；" + verb + "转入“名称匹配”页待复核 " +
      ((n.review || 0) + (n.none || 0)) + " 行（有候选 " + (n.review || 0) + "，未找到 " + (n.none || 0) + "）。";
  }

  function fieldError(id, msg) {
    var p = document.getElementById(id);
    p.textContent = msg || "";
    p.hidden = !msg;
  }

  function showKind() {
    var k = byKind[form.kind.value];
    var link = document.getElementById("template-link");
    link.href = k.template;
    link.textContent = "下载“" + k.name + "”模板（CSV）";
    document.getElementById("columns-kind").textContent = k.name;
    var list = document.getElementById("columns-list");
    list.textContent = "";
    k.columns.forEach(function (c) {
      var li = el("li");
      li.setAttribute("data-column", c.name);
      li.appendChild(el("span", c.header));
      if (c.required) li.appendChild(el("span", "*", "req"));
      li.appendChild(el("code", c.name, "muted"));
      if (c.aliases.length) li.title = "也可写作：" + c.aliases.join("、");
      list.appendChild(li);
    });
  }

  function fieldLabel(kind, name) {
    var k = byKind[kind];
    var col = k && k.columns.filter(function (c) { return c.name === name; })[0];
    if (name === "file" || name == null) return "文件";
    return col ? col.header + "（" + col.name + "）" : name;
  }

  function mb(n) { return n < 1048576 ? (n / 1024).toFixed(1) + " KB" : (n / 1048576).toFixed(1) + " MB"; }

  function setBusy(on, mode) {
    form.setAttribute("aria-busy", on ? "true" : "false");
    document.body.classList.toggle("is-busy", on);
    buttons.forEach(function (b) { b.disabled = on; });
    form.kind.disabled = on;
    form.file.disabled = on;
    form.partial.disabled = on;
    if (on) {
      statusBox.hidden = false;
      barBox.classList.remove("indeterminate", "done", "failed");
      bar.style.width = "0%";
      statusText.textContent = (mode === "dry_run" ? "试运行" : "导入") + "：准备上传…";
    }
  }

  function progressTo(pct, text) {
    bar.style.width = pct + "%";
    barBox.setAttribute("aria-valuenow", String(pct));
    statusText.textContent = text;
  }

  function renderReport(kind, status, body, mode) {
    var box = document.getElementById("result");
    var title = document.getElementById("result-title");
    var summary = document.getElementById("result-summary");
    var warnings = document.getElementById("result-warnings");
    var errorsBlock = document.getElementById("errors-block");
    var tbody = document.querySelector("#error-table tbody");
    box.hidden = false;
    box.className = "card";
    warnings.textContent = "";
    tbody.textContent = "";
    errorsBlock.hidden = true;
    var k = byKind[kind];

    if (body && body.status) {
      var r = body;
      if (r.status === "dry_run") {
        checkedFile = sentFile;
        box.classList.add("result-ok");
        title.textContent = "试运行通过（" + k.name + "）";
        summary.textContent = "文件“" + r.filename + "”共 " + r.rows + " 行，可导入 " + r.accepted + " 行" +
          (r.rejected ? "，有错误 " + r.rejected + " 行（部分导入时将跳过）" : "") + "。试运行未写入任何数据。" + byName(r, "将");
      } else if (r.status === "ok") {
        box.classList.add("result-ok");
        title.textContent = "导入完成（" + k.name + "）";
        summary.textContent = "文件“" + r.filename + "”共 " + r.rows + " 行，已写入 " + r.accepted + " 行（新建 " +
          r.created + "，更新 " + r.updated + "，关系 " + r.relationships + "）" +
          (r.rejected ? "，跳过有错误的 " + r.rejected + " 行" : "") + "。" + byName(r, "已");
      } else if (r.status === "failed") {
        box.classList.add("result-bad");
        title.textContent = "导入失败（" + k.name + "）";
        summary.textContent = "文件“" + r.filename + "”通过了校验，但数据库拒绝写入，未写入任何数据。原因见下表。";
      } else {
        box.classList.add("result-bad");
        title.textContent = "未通过校验（" + k.name + "）";
        summary.textContent = "文件“" + r.filename + "”共 " + r.rows + " 行，其中 " + r.rejected +
          " 行有错误，未写入任何数据。请按下表修改后重试，或勾选“部分导入”只导入正确的行。";
      }
      (r.warnings || []).forEach(function (w) { warnings.appendChild(el("li", w)); });
      var errs = r.errors || [];
      if (errs.length) {
        errorsBlock.hidden = false;
        document.getElementById("error-count").textContent = String(errs.length);
        errs.slice(0, MAX_ROWS_SHOWN).forEach(function (e) {
          var tr = el("tr");
          tr.appendChild(el("td", e.row == null ? "—" : String(e.row), "num"));
          tr.appendChild(el("td", fieldLabel(kind, e.field)));
          tr.appendChild(el("td", e.reason));
          tbody.appendChild(tr);
        });
        if (errs.length > MAX_ROWS_SHOWN) {
          warnings.appendChild(el("li", "错误较多，表中只列出前 " + MAX_ROWS_SHOWN + " 条；完整列表见接口返回的 JSON。"));
        }
      }
      return;
    }
    box.classList.add("result-bad");
    title.textContent = (mode === "dry_run" ? "试运行" : "导入") + "失败（HTTP " + status + "）";
    var detail = (body && body.detail) || "服务器未返回说明";
    summary.textContent = detail;
    if (body && body.field === "file") fieldError("file-error", detail);
  }

  function send(mode) {
    fieldError("file-error", "");
    fieldError("kind-error", "");
    var kind = form.kind.value;
    var file = form.file.files[0];
    sentFile = fileKey();
    if (!byKind[kind]) { fieldError("kind-error", "请选择数据类型"); return; }
    if (!file) { fieldError("file-error", "请选择要上传的文件"); return; }
    if (!/\.(csv|xlsx)$/i.test(file.name)) { fieldError("file-error", "文件类型应为 .csv 或 .xlsx"); return; }
    if (maxBytes && file.size > maxBytes) { fieldError("file-error", "文件超过上限 " + mb(maxBytes)); return; }

    var url = "/api/v1/imports/" + encodeURIComponent(kind) + "?dry_run=" + (mode === "dry_run") +
      "&partial=" + form.partial.checked;
    var data = new FormData();
    data.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      var pct = Math.round(100 * e.loaded / e.total);
      progressTo(pct, "上传中 " + pct + "%（" + mb(e.loaded) + " / " + mb(e.total) + "）");
    });
    xhr.upload.addEventListener("load", function () {
      progressTo(100, "上传完成，服务器正在校验" + (mode === "dry_run" ? "" : "并写入") + "，请稍候…");
      barBox.classList.add("indeterminate");
    });
    xhr.addEventListener("load", function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
      barBox.classList.remove("indeterminate");
      var ok = xhr.status === 200;
      barBox.classList.add(ok ? "done" : "failed");
      statusText.textContent = ok ? "已完成" : "已完成（有错误）";
      setBusy(false);
      renderReport(kind, xhr.status, body, mode);
      document.getElementById("result").scrollIntoView({ block: "nearest" });
    });
    xhr.addEventListener("error", function () {
      barBox.classList.remove("indeterminate");
      barBox.classList.add("failed");
      statusText.textContent = "网络错误：未能连接服务器，请重试";
      setBusy(false);
    });
    setBusy(true, mode);
    xhr.send(data);
  }

  form.kind.addEventListener("change", showKind);
  form.file.addEventListener("change", function () {
    fieldError("file-error", "");
    var f = form.file.files[0];
    document.getElementById("file-name").textContent = f ? f.name + "（" + mb(f.size) + "）" : "未选择文件";
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var mode = e.submitter && e.submitter.value === "import" ? "import" : "dry_run";
    if (mode === "import" && form.file.files[0] && fileKey() !== checkedFile) {
      // an import writes at once: without a passed dry run of this very file, ask first
      window.confirmAction("该文件尚未试运行通过。正式导入将直接写入数据，确定导入？", function () { send(mode); });
      return;
    }
    send(mode);
  });
  showKind();
})();
