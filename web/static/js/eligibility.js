/* /eligibility: moved out of rules/eligibility.html (the CSP allows scripts from 'self' only). */
(function () {
  var form = document.getElementById('eligibility-form');
  var prog = document.getElementById('programme');
  function showFacts() {
    document.querySelectorAll('.fact-group').forEach(function (g) { g.hidden = g.dataset.programme !== prog.value; });
  }
  function showSubject() {
    var sel = form.querySelector('input[name=subject]:checked');
    var isProject = sel && sel.value === 'project';
    document.getElementById('project-box').hidden = !isProject;
    var u = document.getElementById('uscc-box'); if (u) u.hidden = isProject;
  }
  prog.addEventListener('change', showFacts);
  form.querySelectorAll('input[name=subject]').forEach(function (r) { r.addEventListener('change', showSubject); });
  form.addEventListener('submit', function () {
    var b = document.getElementById('check-button'); b.disabled = true; b.textContent = '正在自查…';
  });
  showFacts(); showSubject();
})();
