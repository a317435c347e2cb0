// Class sign-in QR screen: the signed-in count and the latest sign-ins, refreshed every 5 s (as the
// drill check-in screen does). The page itself reloads every 4 minutes for a fresh QR code.
(function () {
  var box = document.getElementById("class-sign-in");
  if (!box) return;
  var present = document.getElementById("class-sign-in-present");
  var latest = document.getElementById("class-sign-in-latest");
  function refresh() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        present.textContent = data.present + " / " + data.total;
        latest.innerHTML = "";
        data.latest.forEach(function (row) {
          var li = document.createElement("li");
          li.textContent = row.at + "  " + row.name;
          latest.appendChild(li);
        });
      })
      .catch(function () {});
  }
  refresh();
  setInterval(refresh, 5000);
})();
