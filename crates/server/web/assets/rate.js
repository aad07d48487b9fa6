// kaohe: live scores while rating. As the rater types, the form's values are sent to
// /appraisals/{id}/preview, where the server scores them exactly as it scores stored values
// (nothing is saved), and the sheet's item and section scores, total, grade and bonus, with
// their explanations, follow. This script only shows what the server answers; without it
// the page works by saving. Served from the binary.
(function () {
  "use strict";
  var form = document.querySelector("#entry form[data-preview]");
  if (!form) return;
  var url = form.getAttribute("data-preview");
  var note = document.getElementById("live-note");
  var timer = null, seq = 0;

  function setScore(cell, score, explain) {
    if (!cell) return;
    var value = cell.querySelector(".score-value");
    if (value && value.textContent !== score) {
      value.textContent = score;
      cell.classList.add("live");
    }
    var p = cell.querySelector("details.explain p");
    if (explain) {
      if (!p) {
        var d = document.createElement("details");
        d.className = "explain";
        var s = document.createElement("summary");
        s.textContent = cell.getAttribute("data-explain") || "?";
        p = document.createElement("p");
        d.appendChild(s);
        d.appendChild(p);
        cell.appendChild(d);
      }
      p.textContent = explain;
    }
  }

  function setText(id, text) {
    var els = Array.prototype.slice.call(document.querySelectorAll('[data-live="' + id + '"]'));
    var el = document.getElementById(id);
    if (el) els.push(el);
    els.forEach(function (e) {
      if (e.textContent !== text) {
        e.textContent = text;
        e.classList.add("live");
      }
    });
  }

  function show(r) {
    Object.keys(r.items || {}).forEach(function (id) {
      var row = document.getElementById("item-" + id);
      setScore(row && row.querySelector("td.score"), r.items[id].score, r.items[id].explain);
    });
    Object.keys(r.sections || {}).forEach(function (id) {
      var row = document.getElementById("section-" + id);
      setScore(row && row.querySelector("td.score"), r.sections[id].score, r.sections[id].explain);
    });
    setScore(document.querySelector("tr.total td.score"), r.total, r.total_explain);
    setText("total", r.total);
    setText("grade", r.grade);
    setText("bonus", r.bonus);
    var bonus = document.getElementById("bonus");
    if (bonus && r.bonus_explain) {
      var p = bonus.parentNode.querySelector("details.explain p");
      if (p) p.textContent = r.bonus_explain;
    }
    var err = document.getElementById("score-error");
    if (err) {
      err.textContent = r.score_error || "";
      err.hidden = !r.score_error;
    }
  }

  function fieldErrors(fields) {
    form.querySelectorAll(".live-error").forEach(function (e) { e.remove(); });
    Object.keys(fields || {}).forEach(function (id) {
      var box = document.getElementById("v-" + id) || document.getElementById("f-" + id);
      if (!box) return;
      var holder = box.closest(".field") || box;
      var p = document.createElement("p");
      p.className = "error field-error live-error";
      p.textContent = fields[id];
      holder.appendChild(p);
    });
  }

  function ask() {
    var body = new URLSearchParams();
    new FormData(form).forEach(function (v, k) {
      if (k === "csrf" || k.indexOf("v.") === 0 || k.indexOf("set.") === 0) body.append(k, v);
    });
    var mine = ++seq;
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (res) {
      return res.json().then(function (r) { return { ok: res.ok, r: r }; });
    }).then(function (x) {
      if (mine !== seq) return; // an older answer after a newer one
      if (x.ok) {
        fieldErrors({});
        show(x.r);
        if (note) { note.textContent = note.getAttribute("data-text"); note.hidden = false; }
      } else {
        fieldErrors(x.r.fields);
        if (note) { note.textContent = x.r.error || ""; note.hidden = !x.r.error; }
      }
      form.setAttribute("data-previewed", String(mine));
    }).catch(function () { /* offline: saving still works */ });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 250);
  });
  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 50);
  });
})();
