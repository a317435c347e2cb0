// Lesson study timer: beats to the server while the page is visible and the learner is active.
// The server counts at most one beat interval per beat, so this script cannot inflate the time.
(function () {
  "use strict";
  var box = document.getElementById("lesson-progress");
  if (!box) return;
  var beatUrl = box.dataset.beatUrl;
  var videoUrl = box.dataset.videoUrl;
  var interval = parseInt(box.dataset.beatSeconds, 10) * 1000;
  var idleLimit = 5 * 60 * 1000; // no scroll, key, touch or playing video for 5 minutes: idle
  var bar = box.querySelector("progress");
  var status = box.querySelector(".status");
  var lastActivity = Date.now();
  var timer = null;
  var done = box.dataset.done === "1";
  var video = document.getElementById("lesson-video");
  // one random id per page opening: the server lets one page per person study at a time
  var tab = Math.random().toString(36).slice(2) + Date.now().toString(36);

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function text(cls) {
    var el = box.querySelector(cls);
    return el ? el.textContent : "";
  }

  function post(url, data) {
    var body = new URLSearchParams(data || {});
    body.set("tab", tab);
    body.set("visible", document.hidden ? "0" : "1");
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
    }).then(function (r) { return r.json(); }).then(function (json) {
      if (json.error) { status.textContent = json.error; return; }
      if (json.state === "taken_over") { stop(); status.textContent = text(".msg-taken-over"); return; }
      bar.value = Math.min(json.seconds, json.required);
      if (json.lesson_done) { bar.value = bar.max; done = true; }
      if (json.course_done) status.textContent = text(".msg-course-done");
      else if (json.lesson_done) status.textContent = text(".msg-done");
      else status.textContent = text(".msg-studying");
    }).catch(function () { /* network hiccup: the next beat will catch up (capped) */ });
  }

  function active() {
    var playing = video && !video.paused && !video.ended;
    return playing || Date.now() - lastActivity < idleLimit;
  }

  function beat() {
    if (document.hidden) return stop();
    if (!active()) { status.textContent = text(".msg-paused"); return stop(); }
    post(beatUrl);
  }

  function start() {
    if (timer || document.hidden) return;
    post(beatUrl, { start: "1" }); // starts the clock without counting the time away
    timer = setInterval(beat, interval);
  }

  function stop() {
    if (timer) { clearInterval(timer); timer = null; }
  }

  ["scroll", "keydown", "pointerdown", "touchstart", "mousemove"].forEach(function (name) {
    window.addEventListener(name, function () {
      lastActivity = Date.now();
      if (!timer && !document.hidden) start();
    }, { passive: true });
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) stop(); else { lastActivity = Date.now(); start(); }
  });
  if (video) {
    video.addEventListener("play", function () { lastActivity = Date.now(); start(); });
    video.addEventListener("ended", function () { post(videoUrl); });
  }
  start();
})();
