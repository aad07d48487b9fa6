// kaohe: paste a block copied from Excel (or WPS, LibreOffice) into the department grid.
// Excel puts tab-separated rows on the clipboard; the block fills the cells right and down
// from the cell pasted into, as in a spreadsheet. Nothing is saved until Save is pressed,
// and the server checks every cell (errors appear next to the cell), so this script only
// moves text. Without it the grid still works cell by cell. Served from the binary.
(function () {
  "use strict";
  var grid = document.querySelector("table.grid");
  if (!grid) return;
  function cellAt(row, col) {
    return grid.querySelector('input.cell[data-row="' + row + '"][data-col="' + col + '"]');
  }
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
    var filled = 0, skipped = 0;
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
    var note = document.getElementById("paste-note");
    if (note) {
      var msg = note.getAttribute(skipped ? "data-partial" : "data-done") || "";
      note.textContent = msg.replace("{filled}", filled).replace("{skipped}", skipped);
      note.hidden = false;
    }
  });
})();
