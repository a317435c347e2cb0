// Below 600 px every data table reads as a list of cards (static/css/portal.css): each cell is
// labelled with its column heading, copied here from the table's header row.
document.querySelectorAll("table.data:not(.quiz-table)").forEach(function (table) {
  var headings = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
    return th.textContent.trim();
  });
  if (!headings.length) return;
  table.classList.add("cards-on-phone");
  table.querySelectorAll("tbody tr").forEach(function (row) {
    var column = 0;
    Array.prototype.forEach.call(row.children, function (cell) {
      if (headings[column] && !cell.hasAttribute("data-label")) {
        cell.setAttribute("data-label", headings[column]);
      }
      column += cell.colSpan || 1;
    });
  });
});
