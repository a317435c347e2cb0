// Lesson study page: reports to the server that the page is open (and the video's position); the
// server measures and credits the time (courses/study.py). Nothing here decides what counts: the
// page sends a random id for itself, whether it is visible, and the player's position, and shows
// what the server answers.
(function () {
  "use strict";
  var box = document.getElementById("lesson-progress");
  if (!box) return;
  var beatUrl = box.dataset.beatUrl;
  var videoUrl = box.dataset.videoUrl;
  var presenceUrl = box.dataset.presenceUrl;
  var presenceBox = box.querySelector(".presence-check");
  var presenceLeft = box.querySelector(".presence-left");
  var presenceId = null;
  var presenceTimer = null;
  var interval = parseInt(box.dataset.beatSeconds, 10) * 1000;
  var videoInterval = Math.min(interval, 5000); // a playing video reports its position often
  var status = box.querySelector(".status");
  var timer = null;
  var takenOver = false;
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

  var lessonBar = box.querySelector(".lesson-bar");
  var courseBar = box.querySelector(".course-bar");
  var lessonLeft = box.querySelector(".lesson-left");
  var courseLeft = box.querySelector(".course-left");
  var blockers = box.querySelector(".blockers");
  var takenOverBox = box.querySelector(".taken-over");
  var left = { lesson: null, course: null };
  var ticker = null;

  function clock(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = (m < 10 ? "0" : "") + m, ss = (s < 10 ? "0" : "") + s;
    return h ? h + ":" + mm + ":" + ss : mm + ":" + ss;
  }

  function render() {
    if (left.lesson !== null) lessonLeft.textContent = clock(left.lesson);
    if (left.course !== null) courseLeft.textContent = clock(left.course);
  }

  function tick() {
    // between beats the countdown runs on while the server says the clock runs; each beat resets
    // it to the server's figure, so it never shows time the server did not credit for long
    if (box.dataset.state !== "studying") return;
    if (left.lesson > 0) left.lesson -= 1;
    if (left.course > 0 && left.lesson > 0) left.course -= 1;
    render();
  }

  function show(json) {
    box.dataset.state = json.state;
    lessonBar.max = json.required;
    lessonBar.value = Math.min(json.seconds, json.required);
    left.lesson = json.remaining;
    if (json.course) {
      courseBar.max = json.course.required;
      courseBar.value = json.course.seconds;
      left.course = json.course.remaining;
    }
    render();
    if (!ticker) ticker = setInterval(tick, 1000);
    blockers.textContent = "";
    (json.blockers || []).concat(json.course ? json.course.blockers : []).forEach(function (b) {
      var li = document.createElement("li");
      li.dataset.code = b.code;
      li.textContent = b.text;
      blockers.appendChild(li);
    });
    if (json.video && json.video.refused && video) {
      // the server did not accept a jump ahead: back to the last accepted position
      video.currentTime = json.video.position;
    }
    takenOverBox.hidden = json.state !== "taken_over";
    if (json.state === "taken_over") {
      takenOver = true;
      stop();
      if (video && !video.paused) video.pause();
      box.querySelector(".other-device").textContent = json.other_device || "";
      status.textContent = text(".msg-taken-over");
      presence(json);
      return;
    }
    presence(json);
    if (json.state === "presence_due") status.textContent = text(".msg-presence-due");
    else if (json.state === "presence_missed") status.textContent = text(".msg-presence-missed");
    else if (json.course_done) status.textContent = text(".msg-course-done");
    else if (json.lesson_done) status.textContent = text(".msg-done");
    else if (json.state === "paused_hidden") status.textContent = text(".msg-paused");
    else status.textContent = text(".msg-studying");
  }

  function presence(json) {
    // a presence check: show it until answered or expired (the server decides which it was)
    var due = json.state === "presence_due" || json.state === "presence_missed";
    if (json.presence) presenceId = json.presence.id;
    presenceBox.hidden = !due;
    if (presenceTimer) { clearInterval(presenceTimer); presenceTimer = null; }
    if (json.state === "presence_due" && json.presence) {
      var until = Date.now() + json.presence.expires_in * 1000;
      var tick = function () {
        var left = Math.max(0, Math.round((until - Date.now()) / 1000));
        presenceLeft.textContent = left + " s";
      };
      tick();
      presenceTimer = setInterval(tick, 1000);
    } else {
      presenceLeft.textContent = "";
    }
  }

  function post(url, data) {
    var body = new URLSearchParams(data || {});
    body.set("tab", tab);
    body.set("visible", document.hidden ? "0" : "1");
    if (video && !isNaN(video.currentTime)) body.set("position", video.currentTime.toFixed(2));
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
    }).then(function (r) { return r.json(); }).then(function (json) {
      if (json.error) {
        status.textContent = json.error;
        return;
      }
      show(json);
    }).catch(function () { /* network hiccup: the next beat goes on from the server's clock */ });
  }

  function playing() {
    return video && !video.paused && !video.ended;
  }

  function schedule() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(function () { timer = null; beat(); }, playing() ? videoInterval : interval);
  }

  function beat() {
    if (takenOver) return;
    post(beatUrl).then(schedule);
  }

  function start() {
    takenOver = false;
    if (timer) clearTimeout(timer);
    post(beatUrl, { start: "1" }).then(schedule);
  }

  function stop() {
    if (timer) { clearTimeout(timer); timer = null; }
  }

  document.addEventListener("visibilitychange", function () {
    if (takenOver) return;
    if (document.hidden) { stop(); post(beatUrl); } else start();
  });
  box.querySelector(".presence-answer").addEventListener("click", function () {
    if (presenceId) post(presenceUrl, { check: String(presenceId) });
    else start();
  });
  var resume = box.querySelector(".resume-here");
  if (resume) resume.addEventListener("click", function () { start(); });
  if (video) {
    var resumeAt = parseFloat(video.dataset.resume || "0");
    video.addEventListener("loadedmetadata", function () {
      if (resumeAt > 0 && resumeAt < (video.duration || Infinity)) video.currentTime = resumeAt;
    }, { once: true });
    video.addEventListener("play", function () { if (takenOver) start(); else { stop(); beat(); } });
    video.addEventListener("pause", function () { if (!takenOver && !video.ended) beat(); });
    video.addEventListener("ended", function () { stop(); post(videoUrl).then(schedule); });
  }
  start();
})();
