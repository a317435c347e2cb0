// Check-in screen: refresh the QR code every 20 s (it changes every minute) and the attendance count.
(function () {
  var box = document.getElementById("checkin");
  if (!box) return;
  var img = document.getElementById("checkin-qr");
  var present = document.getElementById("checkin-present");
  var latest = document.getElementById("checkin-latest");
  function refreshQr() { img.src = box.dataset.qrUrl + "?t=" + Date.now(); }
  function refreshStatus() {
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
  refreshStatus();
  setInterval(refreshQr, 20000);
  setInterval(refreshStatus, 5000);
})();
