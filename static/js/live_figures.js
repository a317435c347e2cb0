/* Live figure blocks (portal/blocks.py LiveFigureBlock) whose number belongs to the page, e.g. the
   campaign quiz participants: the page may come from the anonymous page cache, so the number is
   fetched fresh from the page's figures/ endpoint once on load and then every 60 seconds. */
(function () {
  "use strict";
  var blocks = document.querySelectorAll("[data-live-figure-src]");
  if (!blocks.length || !window.fetch) { return; }
  var sources = {};
  Array.prototype.forEach.call(blocks, function (el) {
    var src = el.getAttribute("data-live-figure-src");
    (sources[src] = sources[src] || []).push(el);
  });
  function refresh() {
    Object.keys(sources).forEach(function (src) {
      fetch(src, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || !data.figures) { return; }
          sources[src].forEach(function (el) {
            var key = el.getAttribute("data-live-figure");
            var target = el.querySelector(".figure-value");
            if (target && Object.prototype.hasOwnProperty.call(data.figures, key)) {
              target.textContent = String(data.figures[key]);
            }
          });
        })
        .catch(function () { /* keep the rendered number */ });
    });
  }
  refresh();
  window.setInterval(function () { if (!document.hidden) { refresh(); } }, 60000);
})();
