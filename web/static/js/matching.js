/* Name matching page (/matching): a pasted or uploaded list is matched through POST /api/v1/match
 * (session cookie + X-CSRF-Token); every row is shown with its decision in colour and, for rows
 * to review, a choice among the candidates; the unmatched rows export to .xlsx through
 * POST /api/v1/match/unmatched.xlsx. Queued import rows are accepted (with the chosen USCC) or
 * rejected through /api/v1/match/reviews/<id>/accept|reject. */
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var LABEL = { matched: "已匹配", review: "待复核", none: "未找到", error: "有误" };
  var form = document.getElementById("match-form");
  var fileInput = document.getElementById("list-file");
  var text = document.getElementById("list-text");
  var table = document.getElementById("match-table");
  var exportBtn = document.getElementById("btn-export");
  var lastRows = null;

  function el(tag, content, cls) {
    var e = document.createElement(tag);
    if (content !== undefined && content !== null) e.textContent = content;
    if (cls) e.className = cls;
    return e;
  }

  function post(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json" },
      body: JSON.stringify(body) });
  }

  function showError(msg) {
    var p = document.getElementById("list-error");
    p.textContent = msg || "";
    p.hidden = !msg;
  }

  function parseList(raw) {
    var rows = [];
    raw.replace(/^\ufeff/, "").split(/\r?\n/).forEach(function (line) {
      if (!line.trim()) return;
      var cells = line.split(/[,\t，]/);
      var name = cells[0].replace(/^"|"$/g, "").trim();
      if (name === "企业名称" || name.toLowerCase() === "name") return;   // a header line
      var row = { name: name };
      if (cells.length > 1 && cells[1].trim()) row.region = cells[1].replace(/^"|"$/g, "").trim();
      rows.push(row);
    });
    return rows;
  }

  function render(results, counts) {
    var body = table.querySelector("tbody");
    body.textContent = "";
    results.forEach(function (r) {
      var tr = el("tr", null, "m-" + r.decision);
      tr.appendChild(el("td", String(r.row), "num"));
      tr.appendChild(el("td", r.name || ""));
      var d = el("td");
      d.appendChild(el("span", LABEL[r.decision], "m-" + r.decision));
      tr.appendChild(d);
      var c = el("td");
      if (r.decision === "error") {
        c.textContent = r.error.reason;
      } else if (r.decision === "matched") {
        var a = el("a", r.candidates[0].name + "（" + r.uscc + "）");
        a.href = "/enterprises/" + encodeURIComponent(r.uscc);
        c.appendChild(a);
      } else if (r.candidates.length) {
        var sel = el("select", null, "pick");
        sel.setAttribute("aria-label", "选择第 " + r.row + " 行的企业");
        sel.appendChild(el("option", "— 请选择 —"));
        r.candidates.forEach(function (x) {
          var o = el("option", x.name + "（" + x.uscc + "，" + x.score + "）");
          o.value = x.uscc;
          sel.appendChild(o);
        });
        sel.addEventListener("change", function () {
          if (sel.value) { tr.className = "m-matched"; r.chosen = sel.value; }
        });
        c.appendChild(sel);
      } else {
        c.textContent = "—";
      }
      tr.appendChild(c);
      body.appendChild(tr);
    });
    table.hidden = false;
    document.getElementById("match-summary").textContent = "共 " + results.length + " 行：已匹配 " + counts.matched +
      "，待复核 " + counts.review + "，未找到 " + counts.none + "，有误 " + counts.error;
    exportBtn.disabled = counts.matched === results.length;
  }

  fileInput.addEventListener("change", function () {
    var f = fileInput.files[0];
    document.getElementById("list-file-name").textContent = f ? f.name : "未选择文件";
    if (!f) return;
    var reader = new FileReader();
    reader.onload = function () { text.value = reader.result; };
    reader.readAsText(f, "utf-8");
  });

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    showError("");
    var rows = parseList(text.value);
    if (!rows.length) { showError("名单为空：请选择文件或粘贴企业名称，每行一个"); return; }
    post("/api/v1/match", { rows: rows }).then(function (resp) {
      return resp.json().then(function (data) {
        if (!resp.ok) { showError(data.detail || "匹配失败"); return; }
        lastRows = rows;
        render(data.results, data.counts);
      });
    }).catch(function () { showError("网络错误，请重试"); });
  });

  exportBtn.addEventListener("click", function () {
    if (!lastRows) return;
    post("/api/v1/match/unmatched.xlsx", { rows: lastRows }).then(function (resp) {
      if (!resp.ok) { showError("导出失败"); return null; }
      return resp.blob();
    }).then(function (blob) {
      if (!blob) return;
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = "未匹配名单.xlsx";
      document.body.appendChild(a);
      a.click();
      a.remove();
    });
  });

  document.querySelectorAll("#queue-table tbody tr").forEach(function (tr) {
    var id = tr.getAttribute("data-id");
    var choice = tr.querySelector(".q-choice");
    var manual = tr.querySelector(".q-uscc");
    var status = tr.querySelector(".q-status");
    choice.addEventListener("change", function () { manual.hidden = choice.value !== ""; });
    function act(kind, body) {
      status.textContent = "处理中…";
      post("/api/v1/match/reviews/" + encodeURIComponent(id) + "/" + kind, body).then(function (resp) {
        return resp.json().then(function (data) {
          if (!resp.ok) { status.textContent = data.detail || "处理失败"; status.className = "q-status small m-error"; return; }
          status.textContent = kind === "accept" ? "已接受并导入" : "已驳回";
          status.className = "q-status small " + (kind === "accept" ? "m-matched" : "m-none");
          tr.querySelectorAll("button, select, input").forEach(function (b) { b.disabled = true; });
        });
      });
    }
    tr.querySelector(".q-accept").addEventListener("click", function () {
      act("accept", { uscc: choice.value || manual.value.trim() });
    });
    tr.querySelector(".q-reject").addEventListener("click", function () { act("reject", {}); });
  });
})();
