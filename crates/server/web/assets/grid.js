// kaohe: paste a block copied from Excel (or WPS, LibreOffice) into the department grid.
// Excel puts tab-separated rows on the clipboard; the block fills the cells right and down
// from the cell pasted into, as in a spreadsheet. When the block's first column holds the
// grid's 工号 (or 姓名), each line goes to that person's row instead, whatever the order
// (a following 姓名 column is skipped); lines naming nobody on this page are listed in the
// note, not dropped silently. Nothing is saved until Save is pressed, and the server checks
// every cell (errors appear next to the cell), so this script only moves text. Without it
// the grid still works cell by cell. Served from the binary.
(function () {
  "use strict";
  var grid = document.querySelector("table.grid");
  if (!grid) return;
  function cellAt(row, col) {
    return grid.querySelector('input.cell[data-row="' + row + '"][data-col="' + col + '"]');
  }
  // The rows of this page by 工号 and by 姓名 (a name two people share finds nobody).
  function people() {
    var byNo = {}, byName = {};
    var rows = grid.querySelectorAll("tbody tr[data-emp]");
    for (var i = 0; i < rows.length; i++) {
      var tr = rows[i], cell = tr.querySelector("input.cell");
      if (!cell) continue;
      var row = parseInt(cell.getAttribute("data-row"), 10);
      var no = tr.getAttribute("data-emp"), name = tr.getAttribute("data-name") || "";
      byNo[no] = { row: row, name: name };
      if (name) byName[name] = Object.prototype.hasOwnProperty.call(byName, name) ? null : { row: row, name: name };
    }
    return { byNo: byNo, byName: byName };
  }
  function has(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }
  var HEADS = ["工号", "员工编号", "姓名", "emp_no", "employee no.", "name"];
  grid.addEventListener("paste", function (ev) {
    var target = ev.target;
    if (!target || !target.classList || !target.classList.contains("cell")) return;
    var data = (ev.clipboardData || window.clipboardData);
    if (!data) return;
    var text = data.getData("text/plain") || data.getData("Text") || "";
    // One value: let the browser paste it as usual.
    if (text.indexOf("\t") < 0 && text.replace(/\r?\n$/, "").indexOf("\n") < 0) return;
    ev.preventDefault();
    var lines = text.replace(/\r\n?/g, "\n").replace(/\n$/, "").split("\n");
    var row0 = parseInt(target.getAttribute("data-row"), 10);
    var col0 = parseInt(target.getAttribute("data-col"), 10);
    var filled = 0, skipped = 0, rowsFilled = 0, missing = [];
    // Keyed by the first column? Most of its values are this page's 工号 or 姓名.
    var who = people(), keyed = null, firsts = 0, byNo = 0, byName = 0;
    var body = lines.map(function (l) { return l.split("\t"); });
    if (body.length && HEADS.indexOf(body[0][0].trim().toLowerCase()) >= 0) body = body.slice(1);
    body.forEach(function (v) {
      var k = v[0].trim();
      if (!k) return;
      firsts++;
      if (has(who.byNo, k)) byNo++;
      else if (who.byName[k]) byName++;
    });
    if (firsts && byNo * 2 >= firsts && byNo > 0) keyed = who.byNo;
    else if (firsts && byName * 2 >= firsts && byName > 0) keyed = who.byName;
    if (keyed) {
      // A 姓名 column after the 工号 (each matching the row's name) is not data.
      var skipName = keyed === who.byNo && body.every(function (v) {
        var p = who.byNo[v[0].trim()];
        return !p || (v.length > 1 && v[1].trim() === p.name);
      }) && body.some(function (v) { return has(who.byNo, v[0].trim()); });
      var from = skipName ? 2 : 1;
      body.forEach(function (v) {
        var k = v[0].trim();
        if (!k) return;
        var p = keyed[k];
        if (!p) { missing.push(k); return; }
        rowsFilled++;
        for (var j = from; j < v.length; j++) {
          var cell = cellAt(p.row, col0 + j - from);
          if (!cell) { skipped++; continue; }
          cell.value = v[j].trim();
          cell.classList.add("pasted");
          filled++;
        }
      });
    } else {
      for (var i = 0; i < lines.length; i++) {
        var values = lines[i].split("\t");
        for (var j = 0; j < values.length; j++) {
          var cell = cellAt(row0 + i, col0 + j);
          if (!cell) { skipped++; continue; }
          cell.value = values[j].trim();
          cell.classList.add("pasted");
          filled++;
        }
      }
    }
    var note = document.getElementById("paste-note");
    if (note) {
      var msg = note.getAttribute(keyed ? "data-keyed" : skipped ? "data-partial" : "data-done") || "";
      msg = msg.replace("{filled}", filled).replace("{skipped}", skipped).replace("{rows}", rowsFilled);
      if (keyed && skipped) msg += " " + (note.getAttribute("data-outside") || "").replace("{skipped}", skipped);
      if (missing.length) msg += " " + (note.getAttribute("data-missing") || "").replace("{list}", missing.join("、"));
      note.textContent = msg;
      note.classList.toggle("error", missing.length > 0);
      note.hidden = false;
    }
  });
})();
