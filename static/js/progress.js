/* The progress page of a long job (portal.progress): polls the record's JSON every 2 seconds and
   moves the bar until the job is done or failed; then shows the result link. */
(function () {
  "use strict";
  var card = document.querySelector("[data-progress-src]");
  if (!card || !window.fetch || card.hasAttribute("data-progress-finished")) { return; }
  var src = card.getAttribute("data-progress-src");
  function q(name) { return card.querySelector("[data-progress-" + name + "]"); }
  function show(data) {
    q("status").textContent = data.status_label;
    q("count").textContent = data.total ? data.done + " / " + data.total : "";
    q("percent").textContent = String(data.percent);
    card.querySelector(".progress-fill").style.width = data.percent + "%";
    card.querySelector("[role=progressbar]").setAttribute("aria-valuenow", String(data.percent));
    q("message").textContent = data.message;
    if (data.result_url) {
      q("result").hidden = false;
      q("result").querySelector("a").setAttribute("href", data.result_url);
    }
    if (data.finished) { q("hint").hidden = true; }
  }
  var timer = null;
  function poll() {
    if (document.hidden) { return; }
    fetch(src, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        show(data);
        if (data.finished) { window.clearInterval(timer); }
      })
      .catch(function () { /* try again at the next tick */ });
  }
  timer = window.setInterval(poll, 2000);
})();
