/* rm-allocator web page: solving -- start a solve, watch its progress, cancel it, recent jobs.
 *
 * Reads window.RMA (app.js); adds watchJob, loadJobs and stopPolling to it. A finished job's
 * plan is shown by plan.js (R.loadPlan).
 */
(function () {
  "use strict";
  var R = window.RMA;
  var $ = R.$, el = R.el, clear = R.clear, say = R.say, api = R.api, state = R.state;
  var FINAL = R.FINAL, POLL_MS = R.POLL_MS, STAGES = R.STAGES, ApiError = R.ApiError, describeError = R.describeError;
  var fmtNum = R.fmtNum, fmtPct = R.fmtPct, fmtDate = R.fmtDate, shortId = R.shortId;
  var datasetName = R.datasetName, can = R.can, emit = R.emit;

  function startJob(event) {
    event.preventDefault();
    var msg = $("job-form-msg");
    var datasetId = $("job-dataset").value;
    if (!datasetId) { say(msg, "error", "Choose a dataset first."); return; }
    var body = { dataset_id: datasetId };
    var limit = $("job-time-limit").value.trim();
    var seed = $("job-seed").value.trim();
    if (limit !== "") {
      var t = Number(limit);
      if (!(t > 0)) { say(msg, "error", "The time limit must be a number of seconds above 0."); return; }
      body.time_limit = t;
    }
    if (seed !== "") {
      var s = Number(seed);
      if (!(s >= 0) || Math.floor(s) !== s) { say(msg, "error", "The seed must be a whole number, 0 or more."); return; }
      body.seed = s;
    }
    var button = $("job-start");
    button.disabled = true;
    say(msg, "", "Queuing…");
    api("v1/jobs", { method: "POST", json: body }).then(function (job) {
      say(msg, "ok", "Queued. Its progress shows on the right and updates every second.");
      watchJob(job);
      loadJobs();
    }, function (err) {
      say(msg, "error", describeError(err, "Starting a solve"));
    }).then(function () { button.disabled = !state.datasets.length; });
  }

  function watchJob(job) {
    stopPolling();
    state.job = job;
    renderJob(job);
    if (!FINAL[job.status]) schedulePoll();
    else if (job.has_plan) R.loadPlan(job);
  }

  function schedulePoll() {
    var seq = ++state.pollSeq;
    state.pollTimer = window.setTimeout(function () { poll(seq); }, POLL_MS);
  }

  function stopPolling() {
    state.pollSeq++;
    if (state.pollTimer) window.clearTimeout(state.pollTimer);
    state.pollTimer = null;
  }

  function poll(seq) {
    var job = state.job;
    if (!job || seq !== state.pollSeq) return;
    api("v1/jobs/" + encodeURIComponent(job.id)).then(function (fresh) {
      if (seq !== state.pollSeq) return;
      var before = state.job && state.job.status;
      state.job = fresh;
      renderJob(fresh);
      if (FINAL[fresh.status]) {
        state.pollTimer = null;
        loadJobs();
        if (fresh.has_plan) R.loadPlan(fresh);
      } else {
        if (before !== fresh.status) loadJobs(); // queued -> running in the list too
        schedulePoll();
      }
    }, function (err) {
      if (seq !== state.pollSeq || err.status === 401) return;
      say($("job-msg"), "warn", ["Lost contact with the service; retrying… ", describeError(err)]);
      schedulePoll();
    });
  }

  function renderJob(job) {
    $("job-empty").hidden = true;
    $("job-body").hidden = false;
    var status = $("job-status");
    status.textContent = job.status;
    status.className = "badge s-" + job.status;
    $("job-id").textContent = job.id;
    $("job-dataset-name").textContent = datasetName(job.dataset_id);
    var progress = job.progress || {};
    var stage = job.stage || progress.stage;
    $("job-stage").textContent = job.status === "done" ? "Finished"
      : job.status === "cancelled" ? "Stopped"
      : job.status === "failed" ? "Failed"
      : job.status === "queued" ? "Waiting for a worker"
      : stage ? (STAGES[stage] || stage) : "—";
    $("job-stage").title = stage || "";
    $("job-objective").textContent = fmtNum(job.objective);
    $("job-bound").textContent = fmtNum(job.bound);
    $("job-gap").textContent = job.gap === null || job.gap === undefined ? "—" : fmtPct(job.gap, 2);
    var limit = job.params && job.params.time_limit;
    var seconds = progress.seconds;
    if (FINAL[job.status] && job.solve_seconds !== null && job.solve_seconds !== undefined) {
      seconds = job.solve_seconds;
    }
    $("job-seconds").textContent = (seconds === null || seconds === undefined ? "—" : fmtNum(seconds, 1) + " s") +
      (limit ? " of " + fmtNum(limit, 0) + " s" : "");
    var bar = $("job-progress");
    if (job.status === "queued") { bar.removeAttribute("value"); }
    else {
      bar.max = 1;
      bar.value = FINAL[job.status] ? 1 : (limit && seconds ? Math.min(seconds / limit, 1) : 0);
    }
    var cancel = $("job-cancel");
    cancel.hidden = !!FINAL[job.status] || !can("planner");
    cancel.disabled = !!job.cancel_requested;
    cancel.textContent = job.cancel_requested ? "Stopping…" : "Cancel job";
    $("job-view-plan").hidden = !job.has_plan || !FINAL[job.status];
    if (FINAL[job.status]) say($("job-form-msg"), "", "");
    var msg = $("job-msg");
    if (job.status === "done") say(msg, "ok", "Done. The plan is below.");
    else if (job.status === "cancelled") {
      say(msg, "warn", job.has_plan ? "Cancelled; the best plan found so far is below."
        : "Cancelled before a plan was found.");
    } else if (job.status === "failed") {
      say(msg, "error", describeError(new ApiError(
        (job.error && job.error.status) || 0, job.error || { title: "The job failed" })));
    } else if (job.cancel_requested) say(msg, "", "Asked to stop; waiting for the solver…");
    else say(msg, "", "");
  }

  function cancelJob() {
    var job = state.job;
    if (!job) return;
    $("job-cancel").disabled = true;
    api("v1/jobs/" + encodeURIComponent(job.id), { method: "DELETE" }).then(function (fresh) {
      state.job = fresh;
      renderJob(fresh);
      if (FINAL[fresh.status]) {
        stopPolling();
        loadJobs();
        if (fresh.has_plan) R.loadPlan(fresh);
      }
    }, function (err) {
      $("job-cancel").disabled = false;
      say($("job-msg"), "error", describeError(err, "Stopping a job"));
    });
  }

  function loadJobs() {
    return api("v1/jobs?limit=15").then(function (list) {
      say($("jobs-msg"), "", "");
      renderJobs(list.items);
      emit("jobs", list.items);
    }, function (err) { say($("jobs-msg"), "error", describeError(err)); });
  }

  function renderJobs(items) {
    var body = clear($("jobs-table").tBodies[0]);
    if (!items.length) {
      body.appendChild(el("tr", { class: "empty-row" }, el("td", { colspan: 7, text: "No job yet." })));
      return;
    }
    items.forEach(function (job) {
      var action = null;
      if (job.has_plan && FINAL[job.status]) {
        action = el("button", {
          type: "button", class: "small-button", text: "Open plan",
          "aria-label": "Open the plan of job " + shortId(job.id),
          onclick: function () {
            watchJob(job);
            $("plan").hidden = false;
            $("nav-plan").hidden = false;
            $("plan").scrollIntoView({ block: "start" });
          },
        });
      } else if (!FINAL[job.status]) {
        action = el("button", {
          type: "button", class: "small-button", text: "Watch",
          "aria-label": "Watch job " + shortId(job.id),
          onclick: function () { watchJob(job); $("job-card").scrollIntoView({ block: "nearest" }); },
        });
      }
      var current = state.job && state.job.id === job.id;
      body.appendChild(el("tr", { class: current ? "selected" : null },
        el("td", { class: "mono", text: shortId(job.id), title: job.id }),
        el("td", { text: datasetName(job.dataset_id) + (job.kind === "scenario" ? " (scenario)" : "") }),
        el("td", null, el("span", { class: "badge s-" + job.status, text: job.status })),
        el("td", { class: "nowrap", text: fmtDate(job.created_at), title: job.created_at }),
        el("td", { class: "num", text: job.params && job.params.time_limit ? fmtNum(job.params.time_limit, 0) + " s" : "—" }),
        el("td", { class: "num", text: job.solve_seconds === null || job.solve_seconds === undefined ? "—" : fmtNum(job.solve_seconds, 1) + " s" }),
        el("td", { class: "num" }, action)));
    });
  }

  function init() {
    $("job-form").addEventListener("submit", startJob);
    $("job-cancel").addEventListener("click", cancelJob);
    $("jobs-refresh").addEventListener("click", loadJobs);
  }

  R.watchJob = watchJob;
  R.loadJobs = loadJobs;
  R.stopPolling = stopPolling;

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
