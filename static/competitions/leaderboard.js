// Live leaderboard: re-reads the JSON endpoint every data-seconds and redraws the table body in
// place (no full reload). The page works as plain HTML without this script.
(function () {
  var box = document.getElementById("leaderboard");
  if (!box || !window.fetch) return;
  var body = box.querySelector("#leaderboard-table tbody");
  var updated = document.getElementById("lb-updated");
  var status = document.getElementById("lb-status");
  function cell(row, text, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = text;
    row.appendChild(td);
    return td;
  }
  function draw(data) {
    var rows = document.createDocumentFragment();
    data.rows.forEach(function (r) {
      var tr = document.createElement("tr");
      if (r.advancing) tr.className = "advancing";
      cell(tr, String(r.rank), "rank");
      var team = cell(tr, r.team, "");
      if (r.advancing) {
        var badge = document.createElement("span");
        badge.className = "badge ok";
        badge.textContent = box.dataset.advancing;
        team.appendChild(document.createTextNode(" "));
        team.appendChild(badge);
      }
      var ent = document.createElement("span");
      ent.className = "ent";
      ent.textContent = r.enterprise;
      team.appendChild(ent);
      cell(tr, r.theory, "num");
      cell(tr, r.practical, "num");
      cell(tr, r.total, "num total");
      rows.appendChild(tr);
    });
    if (!data.rows.length) {
      var tr = document.createElement("tr");
      var td = cell(tr, box.dataset.empty, "empty");
      td.colSpan = 5;
      rows.appendChild(tr);
    }
    body.innerHTML = "";
    body.appendChild(rows);
    updated.textContent = data.updated_at;
    status.textContent = data.status_display;
  }
  function refresh() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(draw)
      .catch(function () {});
  }
  setInterval(refresh, (parseInt(box.dataset.seconds, 10) || 10) * 1000);
})();
