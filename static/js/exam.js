/* The exam screen: server-clock countdown, autosave per answer with a client sequence number,
   a localStorage queue of unacknowledged saves re-sent when the network returns, navigator,
   flags, blur counting and the submit confirmation. No correct answer is ever on this page
   before the attempt is finished (practice shows feedback the server returns per answer). */
(function () {
  "use strict";
  var cfgEl = document.getElementById("exam-config");
  if (!cfgEl) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var msgs = document.getElementById("exam-msgs").dataset;
  var form = document.getElementById("exam-form");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var statusEl = document.getElementById("exam-status");
  var offlineEl = document.getElementById("exam-offline");
  var queueKey = "exam-queue-" + cfg.attempt;
  var seqKey = "exam-seq-" + cfg.attempt;
  var offset = new Date(cfg.serverNow).getTime() - Date.now();
  var serverEl = document.getElementById("exam-server");
  var finished = false;
  var inflight = {};
  // Retry with backoff while the server cannot take saves (5xx, a proxy's error page, no network):
  // the answer stays in the local queue until the server acknowledges it.
  var retryDelay = 0;
  var nextTryAt = 0;
  var retryTimer = null;

  function loadQueue() {
    try { return JSON.parse(localStorage.getItem(queueKey) || "{}"); } catch (e) { return {}; }
  }
  function storeQueue(q) {
    try { localStorage.setItem(queueKey, JSON.stringify(q)); } catch (e) { /* private mode */ }
  }
  function nextSeq() {
    var last = parseInt(localStorage.getItem(seqKey) || "0", 10) || 0;
    var seq = Math.max(Date.now(), last + 1);
    try { localStorage.setItem(seqKey, String(seq)); } catch (e) { /* ignore */ }
    return seq;
  }
  function post(url, body) { return call("POST", url, body); }
  function call(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    });
  }
  function goToResult() {
    if (finished) return;
    finished = true;
    statusEl.textContent = msgs.finished;
    window.location.href = cfg.resultUrl;
  }
  function fieldset(qid) { return document.getElementById("q" + qid); }
  function inputsOf(qid) { return fieldset(qid).querySelectorAll("input[name=q" + qid + "]"); }
  // The answer of a question, per type (exams.question_types.*.js_handler, the fieldset's
  // data-handler): collect reads the inputs into the response the server takes, restore puts a
  // response back, answered says whether anything is given.
  var handlers = {
    choice: {
      collect: function (inputs) {
        var out = [];
        inputs.forEach(function (i) { if (i.checked) out.push(i.value); });
        return out;
      },
      restore: function (inputs, response) {
        inputs.forEach(function (i) { i.checked = response.indexOf(i.value) >= 0; });
      },
      answered: function (response) { return response.length > 0; }
    },
    fill_blank: {
      collect: function (inputs) {
        var out = [];
        inputs.forEach(function (i) { out.push(i.value.trim()); });
        return out;
      },
      restore: function (inputs, response) {
        inputs.forEach(function (i, n) { i.value = response[n] || ""; });
      },
      answered: function (response) { return response.some(function (v) { return v !== ""; }); }
    }
  };
  function handlerOf(qid) { return handlers[fieldset(qid).dataset.handler] || handlers.choice; }
  function responseOf(qid) { return handlerOf(qid).collect(inputsOf(qid)); }
  function isAnswered(qid) { return handlerOf(qid).answered(responseOf(qid)); }
  function markNav(qid) {
    var link = document.querySelector("[data-nav='" + qid + "']");
    if (!link) return;
    link.classList.toggle("answered", isAnswered(qid));
    link.classList.toggle("flagged", fieldset(qid).querySelector(".exam-flag").checked);
  }
  function showFeedback(qid, fb) {
    var box = document.querySelector("[data-feedback-for='" + qid + "']");
    if (!box || !fb) return;
    box.textContent = "";
    var s = document.createElement("strong");
    s.className = fb.correct ? "ok" : "bad";
    s.textContent = fb.correct ? msgs.correct : msgs.wrong;
    box.appendChild(s);
    if (fb.answer) box.appendChild(document.createTextNode(" " + msgs.answer + (fb.answer_text || fb.answer.join(""))));
    if (fb.explanation) {
      var d = document.createElement("div");
      d.className = "hint";
      d.textContent = msgs.explanation + fb.explanation;
      box.appendChild(d);
    }
    box.hidden = false;
    inputsOf(qid).forEach(function (i) { i.disabled = true; });
  }
  function readJson(r) {
    // a JSON answer from the portal, or null (a proxy's HTML error page, a login page after a redirect)
    var type = r.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") < 0 || r.redirected) return Promise.resolve({ status: r.status, data: null, retryAfter: r.headers.get("Retry-After") });
    return r.json().then(
      function (data) { return { status: r.status, data: data, retryAfter: r.headers.get("Retry-After") }; },
      function () { return { status: r.status, data: null, retryAfter: r.headers.get("Retry-After") }; }
    );
  }
  function scheduleRetry(retryAfter) {
    var hinted = parseInt(retryAfter || "", 10);
    retryDelay = Math.min(30000, retryDelay ? retryDelay * 2 : 1000);
    if (hinted > 0) retryDelay = Math.min(30000, Math.max(retryDelay, hinted * 1000));
    nextTryAt = Date.now() + retryDelay;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, retryDelay);
  }
  function serverTrouble(retryAfter) {
    // not acknowledged: keep it queued, tell the user, try again later
    serverEl.textContent = msgs.retrying;
    serverEl.hidden = false;
    statusEl.textContent = msgs.retrying;
    scheduleRetry(retryAfter);
  }
  function serverBack() {
    retryDelay = 0;
    nextTryAt = 0;
    if (!serverEl.hidden && Object.keys(loadQueue()).length === 0) {
      serverEl.hidden = true;
      statusEl.textContent = msgs.recovered;
    }
  }
  function send(qid, force) {
    var q = loadQueue();
    var entry = q[qid];
    if (!entry || inflight[qid] || finished) return;
    if (!force && Date.now() < nextTryAt) return;
    inflight[qid] = true;
    statusEl.textContent = msgs.saving;
    // the API's autosave (exams.api.put_answer), with the page's session and CSRF token
    call("PUT", cfg.saveUrl + qid, { response: entry.response, seq: entry.seq })
      .then(readJson)
      .then(function (res) {
        inflight[qid] = false;
        offlineEl.hidden = true;
        if (res.status >= 500 || res.status === 408 || res.status === 429 || res.data === null ||
            res.status === 401 || (res.status === 403 && res.data.code !== "question_withheld")) {
          // no answer about the save itself (server trouble, a session that ended, a CSRF refusal):
          // keep it queued and retry
          serverTrouble(res.retryAfter);
          return;
        }
        if (res.status === 409) { dropFromQueue(qid, Infinity); statusEl.textContent = res.data.message; setTimeout(goToResult, 1500); return; }
        if (res.status !== 200) {
          // a definite answer from the portal (invalid answer, question not in this exam): drop it
          dropFromQueue(qid, entry.seq); statusEl.textContent = res.data.message || ""; return;
        }
        dropFromQueue(qid, res.data.seq);
        var savedAt = clock(res.data.saved_at);
        var el = document.querySelector("[data-saved-for='" + qid + "']");
        if (el) el.textContent = msgs.saved + " " + savedAt;
        statusEl.textContent = msgs.saved + " " + savedAt;
        if (res.data.feedback) showFeedback(qid, res.data.feedback);
        var again = loadQueue()[qid];
        if (again && again.seq > res.data.seq) { send(qid, true); return; }
        var wasRetrying = retryDelay > 0;
        serverBack();
        if (wasRetrying) flush();
      })
      .catch(function () {
        inflight[qid] = false;
        offlineEl.hidden = false;
        statusEl.textContent = msgs.queued;
        scheduleRetry(null);
      });
  }
  function clock(iso) {
    // HH:MM:SS of the server's save time, on this device's clock face
    if (!iso) return "";
    var d = new Date(iso);
    return [d.getHours(), d.getMinutes(), d.getSeconds()].map(function (n) { return String(n).padStart(2, "0"); }).join(":");
  }
  function dropFromQueue(qid, ackSeq) {
    var q = loadQueue();
    if (q[qid] && q[qid].seq <= ackSeq) { delete q[qid]; storeQueue(q); }
  }
  function flush() { Object.keys(loadQueue()).forEach(function (qid) { send(qid); }); }

  form.addEventListener("change", function (ev) {
    var fs = ev.target.closest("[data-question]");
    if (!fs) return;
    var qid = fs.dataset.question;
    if (ev.target.classList.contains("exam-flag")) {
      markNav(qid);
      post(cfg.flagUrl, { question: Number(qid), flagged: ev.target.checked }).catch(function () {});
      return;
    }
    var q = loadQueue();
    q[qid] = { response: responseOf(qid), seq: nextSeq() };
    storeQueue(q);
    markNav(qid);
    send(qid, true);
  });

  // Enter in a blank saves it (and never submits the exam form)
  form.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && ev.target.tagName === "INPUT" && ev.target.type === "text") {
      ev.preventDefault();
      ev.target.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  // answers this device saved but the server never acknowledged (closed tab, lost network)
  var pending = loadQueue();
  var serverSeq = {};
  cfg.items.forEach(function (it) { serverSeq[it.id] = it.seq; });
  Object.keys(pending).forEach(function (qid) {
    if (!fieldset(qid) || pending[qid].seq <= (serverSeq[qid] || 0)) { dropFromQueue(qid, Infinity); return; }
    handlerOf(qid).restore(inputsOf(qid), pending[qid].response);
    markNav(qid);
  });
  flush();
  window.addEventListener("online", function () { nextTryAt = 0; flush(); });
  setInterval(flush, 5000);

  // countdown from the server's deadline
  var timerEl = document.getElementById("exam-timer");
  if (cfg.deadline && timerEl) {
    var deadline = new Date(cfg.deadline).getTime();
    var tick = function () {
      var left = Math.max(0, Math.floor((deadline - (Date.now() + offset)) / 1000));
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      timerEl.textContent = (h ? h + ":" : "") + String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0");
      timerEl.classList.toggle("urgent", left < 300);
      if (left === 0 && !finished) {
        statusEl.textContent = msgs.timeUp;
        clearInterval(timer);
        flush();
        setTimeout(function () { form.submit(); }, 1500);
      }
    };
    var timer = setInterval(tick, 1000);
    tick();
  }

  // blur / tab switch counting
  if (!cfg.practice) {
    var lastBlur = 0;
    var onBlur = function () {
      if (finished || Date.now() - lastBlur < 2000) return;
      lastBlur = Date.now();
      post(cfg.blurUrl, {}).then(function (r) { return r.json(); }).then(function (data) {
        statusEl.textContent = msgs.blur + data.blur_count + (data.limit ? " / " + data.limit : "");
        if (data.finished) goToResult();
      }).catch(function () {});
    };
    document.addEventListener("visibilitychange", function () { if (document.hidden) onBlur(); });
    window.addEventListener("blur", onBlur);
  }

  // submit with a confirmation listing unanswered questions
  var dialog = document.getElementById("exam-confirm");
  document.getElementById("exam-submit-btn").addEventListener("click", function () {
    flush();
    var missing = [];
    document.querySelectorAll("[data-question]").forEach(function (fs, i) {
      if (!isAnswered(fs.dataset.question)) missing.push(i + 1);
    });
    document.getElementById("exam-confirm-text").textContent =
      (missing.length ? msgs.unanswered + missing.join("、") + "。" : msgs.allAnswered) + " " + msgs.confirm;
    document.getElementById("exam-confirm-pending").hidden = Object.keys(loadQueue()).length === 0;
    if (dialog.showModal) dialog.showModal(); else if (window.confirm(document.getElementById("exam-confirm-text").textContent)) form.submit();
  });
  document.getElementById("exam-confirm-no").addEventListener("click", function () { dialog.close(); });
  document.getElementById("exam-confirm-yes").addEventListener("click", function () {
    finished = true;
    form.submit();
  });
})();
