/* rm-allocator web page: vanilla JavaScript, no dependencies, no build step.
 *
 * Talks to the /v1 API of the service that served it, with the API key the user typed (kept in
 * sessionStorage: this tab only). Customer data never goes into the address bar or the console:
 * the page keeps no state in the URL except section anchors (#plan), and logs nothing.
 * Everything the API returns is put on the page as text (textContent), never as HTML.
 */
(function () {
  "use strict";

  var KEY_STORE = "rmalloc.apiKey";
  var BASE = new URL(".", window.location.href); // "/" for both "/" and "/ui"
  var POLL_MS = 1000;
  var FINAL = { done: true, failed: true, cancelled: true };

  var STAGES = {
    loading: "Loading the data",
    solving: "Solving",
    cover_value: "Covering the most valuable customers",
    continuity: "Keeping customers with today's RM",
    balance: "Balancing RM workload",
    baseline: "Solving the baseline",
    scenario: "Solving the scenario",
  };
  var TIERS = [
    // [key, label, line]
    ["private", "Private banking", "Retail"],
    ["high", "High-end", "Retail"],
    ["mid", "Mid-end", "Retail"],
    ["key10m", "Key ≥ 10m contribution", "Corporate"],
    ["key3m", "Key ≥ 3m contribution", "Corporate"],
    ["hq", "Head-office list", "Corporate"],
    ["province", "Province list", "Corporate"],
    ["city", "City list", "Corporate"],
    ["subbranch", "Sub-branch", "Corporate"],
  ];
  var STATUSES = ["kept", "moved", "reassigned", "new", "unassigned", "pooled"];
  var STATUS_HELP = {
    kept: "same RM as today",
    moved: "today's RM could keep it, the plan gives another",
    reassigned: "today's RM left or no longer fits",
    new: "no RM today",
    unassigned: "should have an RM but could not",
    pooled: "served by pools and channels",
  };
  var FUNNEL = [
    ["scope", "Same line, branch or above"],
    ["active", "Active"],
    ["unit", "Right unit"],
    ["certification", "Certification held"],
    ["grade", "Grade high enough"],
    ["branch_level", "Branch level high enough"],
  ];

  var state = {
    key: "",
    datasets: [],
    job: null, // the job shown in the job card
    pollTimer: null,
    pollSeq: 0,
    plan: null, // {jobId, kpis, rows}
    filtered: [],
    filtersSet: false, // the first plan opens on the customers served one-to-one
    page: 0,
    explainSeq: 0,
    explainReturn: null,
  };

  // -- small helpers ----------------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  /** el("td", {class: "num"}, "text", childNode...) -- text is always text, never HTML. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined || value === false) return;
        if (name === "class") node.className = value;
        else if (name === "text") node.textContent = value;
        else if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), value);
        else node.setAttribute(name, value === true ? "" : String(value));
      });
    }
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  var SVG_NS = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var intFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  function fmtInt(n) { return n === null || n === undefined ? "—" : intFmt.format(n); }
  function fmtNum(n, digits) {
    if (n === null || n === undefined || !isFinite(n)) return "—";
    var d = digits === undefined ? (Math.abs(n) >= 100 ? 0 : 3) : digits;
    return new Intl.NumberFormat(undefined, { maximumFractionDigits: d }).format(n);
  }
  function fmtPct(share, digits) {
    if (share === null || share === undefined || !isFinite(share)) return "—";
    return new Intl.NumberFormat(undefined, {
      style: "percent", maximumFractionDigits: digits === undefined ? 1 : digits,
    }).format(share);
  }
  function fmtDate(iso) {
    if (!iso) return "—";
    var d = new Date(iso);
    if (isNaN(d.getTime())) return iso;
    var opts = { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" };
    if (d.getFullYear() !== new Date().getFullYear()) opts.year = "numeric";
    return d.toLocaleString(undefined, opts);
  }
  function shortId(id) { return id ? String(id).replace(/^(job|ds)_/, "").slice(0, 8) : ""; }
  function plural(n, one, many) { return fmtInt(n) + " " + (n === 1 ? one : (many || one + "s")); }
  function datasetName(id) {
    for (var i = 0; i < state.datasets.length; i++) {
      if (state.datasets[i].id === id) return state.datasets[i].name || "(unnamed)";
    }
    return shortId(id);
  }
  function tierLabel(key) {
    for (var i = 0; i < TIERS.length; i++) if (TIERS[i][0] === key) return TIERS[i][1];
    return key;
  }

  /** A message area: kind is "", "ok", "error" or "warn"; content is text or nodes. */
  function say(node, kind, content) {
    clear(node);
    node.className = "msg" + (kind ? " " + kind : "");
    node.setAttribute("role", kind === "error" ? "alert" : "status");
    append(node, content);
  }

  // -- what the other scripts of the page share (review.js, views.js) ----------------------------

  var ROLES = ["viewer", "planner", "approver", "admin"];
  var listeners = {};
  function on(name, fn) { (listeners[name] = listeners[name] || []).push(fn); }
  function emit(name, value) { (listeners[name] || []).forEach(function (fn) { fn(value); }); }
  /** Whether the connected key has role `role` or higher. */
  function can(role) {
    var me = state.me;
    return !!me && ROLES.indexOf(me.role) >= ROLES.indexOf(role);
  }
  /** Show write controls only to keys that may use them: data-min-role="planner" etc. */
  function applyRole() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-min-role]"), function (node) {
      node.hidden = !can(node.getAttribute("data-min-role"));
    });
    var me = state.me;
    $("key-role").textContent = me ? me.role + (me.branch_id ? " · branch " + me.branch_id : "") : "";
  }

  // -- the API ----------------------------------------------------------------------------------

  function ApiError(status, problem, headers) {
    this.status = status;
    this.problem = problem || {};
    this.headers = headers;
    this.message = (problem && (problem.detail || problem.title)) || "HTTP " + status;
  }

  /** Call the API; resolves with parsed JSON (or the Response when opts.raw), rejects with
   * an ApiError carrying the problem document. A 401 anywhere sends the page back to the key. */
  function api(path, opts) {
    opts = opts || {};
    var headers = new Headers();
    headers.set("Authorization", "Bearer " + state.key);
    headers.set("Accept", opts.accept || "application/json, application/problem+json");
    var body = opts.body;
    if (opts.json !== undefined) {
      headers.set("Content-Type", "application/json");
      body = JSON.stringify(opts.json);
    }
    return fetch(new URL(path, BASE), {
      method: opts.method || "GET",
      headers: headers,
      body: body,
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    }).then(function (res) {
      if (res.ok) return opts.raw ? res : res.json();
      return res.text().then(function (text) {
        var problem = null;
        try { problem = JSON.parse(text); } catch (e) { problem = null; }
        if (!problem || typeof problem !== "object") {
          problem = { title: res.statusText || "HTTP " + res.status, status: res.status };
        }
        var err = new ApiError(res.status, problem, res.headers);
        if (res.status === 401 && !opts.quiet401) keyRejected(err);
        throw err;
      });
    }, function () {
      throw new ApiError(0, {
        title: "The service cannot be reached",
        detail: "Check the network connection, or that the service is running.",
      });
    });
  }

  /** Nodes saying what went wrong, for a message area. */
  function describeError(err, action) {
    if (!(err instanceof ApiError)) {
      return [el("strong", { text: "Something went wrong" }), " ", String(err && err.message || err)];
    }
    var p = err.problem;
    if (err.status === 401) {
      return [el("strong", { text: "Your API key was not accepted (401)." }),
        " It is wrong, or has been revoked. Enter a valid key at the top of the page."];
    }
    if (err.status === 403) {
      return [el("strong", { text: "Your key's role is too low (403)." }),
        " " + (action ? action + " needs " : "This needs ") +
        "a key with a higher role (planners upload and run; admins manage keys)." +
        (p.detail ? " The service says: " + p.detail : "")];
    }
    if (err.status === 429) {
      var wait = err.headers && err.headers.get("Retry-After");
      return [el("strong", { text: "The queue is full (429)." }),
        " Try again" + (wait ? " in " + wait + " seconds." : " shortly.")];
    }
    if (err.status === 413) {
      return [el("strong", { text: "Too large (413)." }), " " + (p.detail || "")];
    }
    var out = [el("strong", { text: (p.title || "Error") + (err.status ? " (" + err.status + ")" : "") })];
    if (p.detail) out.push(" " + p.detail);
    if (p.field) out.push(" [field: " + p.field + "]");
    if (Array.isArray(p.errors) && p.errors.length) {
      out.push(el("ul", null, p.errors.map(function (e) {
        return el("li", { text: (e.field ? e.field + ": " : "") + (e.message || "") });
      })));
    }
    return out;
  }

  // -- the key ----------------------------------------------------------------------------------

  function keyLabel(key) {
    var m = /^rma_([0-9A-Za-z]+)_/.exec(key);
    return m ? "Connected with key rma_" + m[1] : "Connected";
  }

  function showConnected(connected) {
    $("key-entry").hidden = connected;
    $("key-connected").hidden = !connected;
    $("sections-nav").hidden = !connected;
    $("app").hidden = !connected;
    $("welcome").hidden = connected;
    if (connected) $("key-label").textContent = keyLabel(state.key);
  }

  function banner(kind, content) {
    var node = $("key-status");
    clear(node);
    if (!content) { node.hidden = true; return; }
    node.hidden = false;
    node.className = "banner" + (kind ? " " + kind : "");
    node.setAttribute("role", kind === "error" ? "alert" : "status");
    append(node, content);
  }

  function keyRejected(err) {
    stopPolling();
    state.key = "";
    sessionStorage.removeItem(KEY_STORE);
    showConnected(false);
    banner("error", describeError(err));
    $("api-key").focus();
  }

  function connect(key) {
    state.key = key;
    banner("", null);
    return Promise.all([
      api("v1/datasets?limit=1000", { quiet401: true }),
      api("v1/keys/me", { quiet401: true }),
    ]).then(function (both) {
      var list = both[0];
      state.me = both[1];
      sessionStorage.setItem(KEY_STORE, key);
      $("api-key").value = "";
      showConnected(true);
      applyRole();
      setDatasets(list.items);
      loadJobs();
      emit("connected", state.me);
    }, function (err) {
      state.key = "";
      sessionStorage.removeItem(KEY_STORE);
      showConnected(false);
      banner("error", describeError(err));
      $("api-key").focus();
    });
  }

  function forget() {
    stopPolling();
    emit("forget");
    state.me = null;
    state.key = "";
    state.job = null;
    state.plan = null;
    sessionStorage.removeItem(KEY_STORE);
    $("plan").hidden = true;
    $("nav-plan").hidden = true;
    $("job-body").hidden = true;
    $("job-empty").hidden = false;
    showConnected(false);
    banner("ok", "The key is forgotten in this tab.");
    $("api-key").focus();
  }

  // -- datasets ---------------------------------------------------------------------------------

  function loadDatasets() {
    return api("v1/datasets?limit=1000").then(function (list) {
      setDatasets(list.items);
      say($("datasets-msg"), "", "");
    }, function (err) { say($("datasets-msg"), "error", describeError(err)); });
  }

  function setDatasets(items) {
    state.datasets = items.slice().sort(function (a, b) {
      return a.created_at < b.created_at ? 1 : -1;
    });
    renderDatasets();
    renderDatasetSelect();
  }

  function renderDatasets() {
    var body = clear($("datasets-table").tBodies[0]);
    if (!state.datasets.length) {
      body.appendChild(el("tr", { class: "empty-row" },
        el("td", { colspan: 6, text: "No dataset yet: upload a bank." })));
      return;
    }
    state.datasets.forEach(function (ds) {
      var nameCell = el("td", null,
        el("span", { class: "ds-name", text: ds.name || "(unnamed)" }),
        el("span", { class: "ds-id", text: shortId(ds.id), title: ds.id }),
        ds.parent_id ? el("span", { class: "ds-id", text: "derived from " + datasetName(ds.parent_id) }) : null);
      body.appendChild(el("tr", { "data-id": ds.id },
        nameCell,
        el("td", { class: "num", text: fmtInt(ds.counts.customers) }),
        el("td", { class: "num", text: fmtInt(ds.counts.rms) }),
        el("td", { class: "num", text: ds.branches_given ? fmtInt(ds.counts.branches) : "—" }),
        el("td", { class: "nowrap", text: fmtDate(ds.created_at), title: ds.created_at }),
        el("td", { class: "num" }, el("button", {
          type: "button", class: "small-button",
          "aria-label": "Solve " + (ds.name || ds.id),
          text: "Solve…",
          onclick: function () { chooseDataset(ds.id); },
        }))));
    });
  }

  function renderDatasetSelect() {
    var select = $("job-dataset");
    var keep = select.value;
    clear(select);
    state.datasets.forEach(function (ds) {
      select.appendChild(el("option", {
        value: ds.id,
        text: (ds.name || "(unnamed)") + " — " + plural(ds.counts.customers, "customer") +
          ", " + plural(ds.counts.rms, "RM"),
      }));
    });
    if (keep && state.datasets.some(function (d) { return d.id === keep; })) select.value = keep;
    $("job-start").disabled = !state.datasets.length;
  }

  function chooseDataset(id) {
    $("job-dataset").value = id;
    $("solve").scrollIntoView({ block: "start" });
    $("job-time-limit").focus({ preventScroll: true });
  }

  function upload(event) {
    event.preventDefault();
    var msg = $("upload-msg");
    var files = {
      customers: $("upload-customers").files[0],
      rms: $("upload-rms").files[0],
      branches: $("upload-branches").files[0],
    };
    if (!files.customers || !files.rms) {
      say(msg, "error", "Choose a customers file and an RMs file (branches is optional).");
      return;
    }
    var form = new FormData();
    var name = $("upload-name").value.trim();
    if (name) form.append("name", name);
    form.append("customers", files.customers, files.customers.name);
    form.append("rms", files.rms, files.rms.name);
    if (files.branches) form.append("branches", files.branches, files.branches.name);
    var button = $("upload-submit");
    button.disabled = true;
    button.textContent = "Uploading…";
    $("issues").hidden = true;
    say(msg, "", "Uploading and checking…");
    api("v1/datasets", { method: "POST", body: form }).then(function (ds) {
      say(msg, "ok", [el("strong", { text: "Stored." }), " " + (ds.name || "(unnamed)") + ": " +
        plural(ds.counts.customers, "customer") + ", " + plural(ds.counts.rms, "RM") +
        (ds.branches_given ? ", " + plural(ds.counts.branches, "branch", "branches") : "") + "."]);
      $("upload-form").reset();
      return loadDatasets().then(function () { $("job-dataset").value = ds.id; });
    }, function (err) {
      var p = err.problem || {};
      if (err.status === 422 && Array.isArray(p.issues) && p.issues.length) {
        say(msg, "error", [el("strong", { text: "Not stored:" }), " " +
          plural(p.issue_count || p.issues.length, "problem") + " in the files; see the list below."]);
        showIssues(p);
      } else {
        say(msg, "error", describeError(err, "Uploading a dataset"));
      }
    }).then(function () {
      button.disabled = false;
      button.textContent = "Upload and check";
    });
  }

  function showIssues(problem) {
    var issues = problem.issues;
    var total = problem.issue_count || issues.length;
    var summary = plural(total, "problem") + " found. Fix them in the files and upload again." +
      (total > issues.length ? " The first " + fmtInt(issues.length) + " are listed." : "") +
      " Rows count as in a spreadsheet: row 2 is the first data row.";
    $("issues-summary").textContent = summary;
    var body = clear($("issues-table").tBodies[0]);
    var frag = document.createDocumentFragment();
    issues.forEach(function (i) {
      var value = i.value === null || i.value === undefined || i.value === ""
        ? el("span", { class: "null", text: "(empty)" }) : String(i.value);
      frag.appendChild(el("tr", null,
        el("td", { text: i.file || "—" }),
        el("td", { class: "num", text: i.row === null || i.row === undefined ? "—" : String(i.row) }),
        el("td", { class: "mono", text: i.column || "—" }),
        el("td", { class: "mono" }, value),
        el("td", { text: i.message || "" })));
    });
    body.appendChild(frag);
    $("issues").hidden = false;
    $("issues").scrollIntoView({ block: "nearest" });
  }

  // -- jobs -------------------------------------------------------------------------------------

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
    else if (job.has_plan) loadPlan(job);
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
        if (fresh.has_plan) loadPlan(fresh);
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
        if (fresh.has_plan) loadPlan(fresh);
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

  // -- the plan ---------------------------------------------------------------------------------

  function loadPlan(job) {
    $("plan").hidden = false;
    $("nav-plan").hidden = false;
    say($("plan-msg"), "", "Loading the plan…");
    $("plan-sub").textContent = "job " + shortId(job.id) + " · " + datasetName(job.dataset_id);
    $("plan-csv").href = "v1/jobs/" + encodeURIComponent(job.id) + "/plan?format=csv";
    $("plan-csv").setAttribute("download", "plan-" + job.id + ".csv");
    return api("v1/jobs/" + encodeURIComponent(job.id) + "/plan?limit=1000000").then(function (plan) {
      if (state.job && state.job.id !== job.id) return;
      state.plan = { jobId: job.id, kpis: plan.kpis || {}, rows: plan.assignments || [] };
      say($("plan-msg"), "", "");
      renderKpis(state.plan.kpis);
      setupFilters();
      applyFilter();
      $("kpis").hidden = false;
      emit("plan", job);
    }, function (err) { say($("plan-msg"), "error", describeError(err)); });
  }

  function tile(label, value, suffix, note, tone) {
    return el("div", { class: "tile" + (tone ? " " + tone : "") },
      el("p", { class: "tile-label", text: label }),
      el("p", { class: "tile-value" }, value, suffix ? el("small", { text: suffix }) : null),
      el("p", { class: "tile-note", text: note }));
  }

  function toneOf(share) { return share >= 0.999 ? "good" : share >= 0.8 ? "warn" : "bad"; }

  function renderKpis(k) {
    var sc = k.status_counts || {};
    var tiles = clear($("kpi-tiles"));
    var coverage = k.individual ? k.assigned / k.individual : 1;
    tiles.appendChild(tile("Customers with an RM", fmtInt(k.assigned), "/ " + fmtInt(k.individual),
      fmtPct(coverage) + " of those served one-to-one; " + fmtInt(sc.pooled || 0) + " of " +
      fmtInt(k.customers) + " are pooled", toneOf(coverage)));
    var value = k.cover_value_max ? k.cover_value / k.cover_value_max : 1;
    tiles.appendChild(tile("Value of customers served", fmtPct(value), "",
      fmtInt(k.cover_value) + " of " + fmtInt(k.cover_value_max) + " priority points", toneOf(value)));
    var reasons = k.unassigned_reasons || {};
    var reasonText = Object.keys(reasons).map(function (r) { return r.replace(/_/g, " ") + ": " + reasons[r]; }).join("; ");
    tiles.appendChild(tile("Unassigned", fmtInt(sc.unassigned || 0), "",
      reasonText || "every customer who needs an RM has one", (sc.unassigned || 0) ? "bad" : "good"));
    var withRm = (sc.kept || 0) + (sc.moved || 0);
    tiles.appendChild(tile("Moved", fmtInt(sc.moved || 0), "",
      (withRm ? fmtPct((sc.moved || 0) / withRm) + " of those who could stay; " : "") + fmtInt(sc.kept || 0) + " kept, " +
      fmtInt(sc.reassigned || 0) + " reassigned, " + fmtInt(sc["new"] || 0) + " new", ""));
    var solve = k.solve || {};
    var locks = k.locks || {};
    tiles.appendChild(tile("Solve", solve.status || "—", solve.seconds !== undefined ? fmtNum(solve.seconds, 1) + " s" : "",
      (solve.termination ? "stopped: " + solve.termination.replace(/_/g, " ") : "") +
      (locks.held !== undefined ? "; locks held " + locks.held + (locks.cannot_hold ? ", " + locks.cannot_hold + " could not hold" : "") : ""),
      solve.status === "optimal" ? "good" : ""));
    var roles = k.coverage_by_role || {};
    var roleNames = { team_member: "team members", co_cover: "executives' co-cover", city_co_rm: "city co-RMs" };
    var roleKeys = Object.keys(roles).filter(function (r) { return r !== "primary"; });
    $("coverage-csv").hidden = roleKeys.length === 0;
    if (roleKeys.length) {
      var filled = 0, applies = 0;
      var roleText = roleKeys.map(function (r) {
        filled += roles[r].filled; applies += roles[r].applies;
        return (roleNames[r] || r.replace(/_/g, " ")) + " " + fmtInt(roles[r].filled) + " of " + fmtInt(roles[r].applies);
      }).join("; ");
      tiles.appendChild(tile("Roles beside the RM", fmtInt(filled), "/ " + fmtInt(applies), roleText,
        applies ? toneOf(filled / applies) : ""));
    }
    renderCoverage(k.coverage_by_tier || {});
    renderStatus(sc);
    renderUtilisation(k);
  }

  function renderCoverage(byTier) {
    var host = clear($("coverage-chart"));
    var rows = [];
    var lastLine = null;
    TIERS.forEach(function (t) {
      var c = byTier[t[0]];
      if (!c || !c.customers) return;
      if (t[2] !== lastLine) { rows.push({ group: t[2] }); lastLine = t[2]; }
      rows.push({ key: t[0], label: t[1], c: c });
    });
    Object.keys(byTier).forEach(function (key) { // tiers a custom policy may add
      if (TIERS.some(function (t) { return t[0] === key; }) || !byTier[key].customers) return;
      if (lastLine !== "Other") { rows.push({ group: "Other" }); lastLine = "Other"; }
      rows.push({ key: key, label: key, c: byTier[key] });
    });
    if (!rows.length) { host.appendChild(el("p", { class: "muted", text: "No customer is served one-to-one." })); return; }
    var W = 560, labelW = 170, valueW = 120, barW = W - labelW - valueW - 16, rowH = 24, groupH = 22;
    var height = rows.reduce(function (h, r) { return h + (r.group ? groupH : rowH); }, 4);
    var desc = [];
    var chart = svg("svg", { viewBox: "0 0 " + W + " " + height, role: "img", "aria-labelledby": "coverage-h coverage-desc" });
    var y = 2;
    rows.forEach(function (r) {
      if (r.group) {
        chart.appendChild(svg("text", { x: 0, y: y + 15, class: "group-label" }, r.group));
        y += groupH;
        return;
      }
      var share = r.c.share !== undefined ? r.c.share : r.c.assigned / r.c.customers;
      var g = svg("g", { "data-tier": r.key });
      g.appendChild(svg("title", {}, r.label + ": " + r.c.assigned + " of " + r.c.customers + " have an RM (" + fmtPct(share) + ")"));
      g.appendChild(svg("text", { x: 0, y: y + 16, class: "bar-label" }, r.label));
      g.appendChild(svg("rect", { x: labelW, y: y + 5, width: barW, height: 14, rx: 7, class: "track" }));
      if (share > 0) {
        g.appendChild(svg("rect", {
          x: labelW, y: y + 5, width: Math.max(barW * share, 6), height: 14, rx: 7,
          class: "fill-" + toneOf(share),
        }));
      }
      g.appendChild(svg("text", { x: W, y: y + 16, "text-anchor": "end", class: "bar-value" },
        fmtInt(r.c.assigned) + " / " + fmtInt(r.c.customers) + " · " + fmtPct(share, 0)));
      chart.appendChild(g);
      desc.push(r.label + " " + fmtPct(share, 0) + " (" + r.c.assigned + " of " + r.c.customers + ")");
      y += rowH;
    });
    host.appendChild(chart);
    host.appendChild(el("p", { id: "coverage-desc", class: "sr-only", text: "Share of customers with an RM: " + desc.join("; ") + "." }));
  }

  function renderStatus(sc) {
    var host = clear($("status-chart"));
    var total = STATUSES.reduce(function (s, k) { return s + (sc[k] || 0); }, 0);
    var stack = el("div", { class: "stack", "aria-hidden": "true" });
    STATUSES.forEach(function (s) {
      if (!sc[s]) return;
      var part = el("span", { class: "c-" + s, title: s + ": " + sc[s] });
      part.style.width = (100 * sc[s] / total) + "%";
      stack.appendChild(part);
    });
    host.appendChild(stack);
    var legend = el("ul", { class: "legend" });
    STATUSES.forEach(function (s) {
      var n = sc[s] || 0;
      legend.appendChild(el("li", null, el("button", {
        type: "button", "data-status": s, "aria-pressed": "false",
        title: "Show only " + s + " customers in the table: " + STATUS_HELP[s],
        onclick: function () { toggleStatusFilter(s); },
      }, el("span", { class: "swatch c-" + s, "aria-hidden": "true" }),
        s + " " + fmtInt(n))));
    });
    host.appendChild(legend);
  }

  function renderUtilisation(k) {
    var body = clear($("util-table").tBodies[0]);
    var util = k.utilisation || {};
    function cell(v) {
      var bar = el("span", { class: "util-bar", "aria-hidden": "true" }, el("span", { class: v >= 0.95 ? "hot" : null }));
      bar.firstChild.style.width = Math.min(100, Math.max(0, v * 100)) + "%";
      return el("td", { class: "num" }, el("span", { class: "util-cell" }, bar, fmtPct(v, 0)));
    }
    Object.keys(util).forEach(function (line) {
      var u = util[line];
      body.appendChild(el("tr", null,
        el("th", { scope: "row", text: line.charAt(0).toUpperCase() + line.slice(1) }),
        el("td", { class: "num", text: fmtInt(u.rms) }),
        cell(u.p50), cell(u.p95), cell(u.max)));
    });
    if (!Object.keys(util).length) {
      body.appendChild(el("tr", { class: "empty-row" }, el("td", { colspan: 5, text: "No RM with capacity." })));
    }
    $("util-note").textContent = "Workload of an RM's customers over its capacity. " +
      plural(k.overloaded_rms || 0, "RM is", "RMs are") + " near full (95% or more); " +
      plural(k.underloaded_rms || 0, "RM is", "RMs are") + " under half loaded.";
  }

  function setupFilters() {
    var rows = state.plan.rows;
    var statusSel = $("plan-status");
    var tierSel = $("plan-tier");
    var fresh = !state.filtersSet;
    state.filtersSet = true;
    var keepStatus = fresh ? "!pooled" : statusSel.value, keepTier = fresh ? "" : tierSel.value;
    var counts = {}, tiers = {};
    rows.forEach(function (r) { counts[r.status] = (counts[r.status] || 0) + 1; tiers[r.tier] = (tiers[r.tier] || 0) + 1; });
    clear(statusSel).appendChild(el("option", { value: "", text: "All (" + fmtInt(rows.length) + ")" }));
    statusSel.appendChild(el("option", { value: "!pooled", text: "All but pooled (" + fmtInt(rows.length - (counts.pooled || 0)) + ")" }));
    STATUSES.concat(Object.keys(counts).filter(function (s) { return STATUSES.indexOf(s) < 0; })).forEach(function (s) {
      if (counts[s]) statusSel.appendChild(el("option", { value: s, text: s + " (" + fmtInt(counts[s]) + ")" }));
    });
    clear(tierSel).appendChild(el("option", { value: "", text: "All" }));
    var order = TIERS.map(function (t) { return t[0]; }).concat(["ordinary", "potential"]);
    order.concat(Object.keys(tiers).filter(function (t) { return order.indexOf(t) < 0; })).forEach(function (t) {
      if (tiers[t]) tierSel.appendChild(el("option", { value: t, text: tierLabel(t) + " (" + fmtInt(tiers[t]) + ")" }));
    });
    statusSel.value = keepStatus;
    if (statusSel.value !== keepStatus) statusSel.value = "";
    tierSel.value = keepTier;
    if (tierSel.value !== keepTier) tierSel.value = "";
  }

  function toggleStatusFilter(s) {
    var sel = $("plan-status");
    sel.value = sel.value === s ? "" : s;
    applyFilter();
  }

  function applyFilter() {
    if (!state.plan) return;
    var q = $("plan-search").value.trim().toLowerCase();
    var status = $("plan-status").value;
    var tier = $("plan-tier").value;
    state.filtered = state.plan.rows.filter(function (r) {
      if (status === "!pooled" ? r.status === "pooled" : status && r.status !== status) return false;
      if (tier && r.tier !== tier) return false;
      if (!q) return true;
      return String(r.customer_id).toLowerCase().indexOf(q) >= 0 ||
        String(r.rm_id || "").toLowerCase().indexOf(q) >= 0 ||
        String(r.previous_rm_id || "").toLowerCase().indexOf(q) >= 0 ||
        String(r.reason || "").toLowerCase().indexOf(q) >= 0;
    });
    state.page = 0;
    Array.prototype.forEach.call(document.querySelectorAll(".legend button"), function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-status") === status));
    });
    renderPlanTable();
  }

  function pageSize() { return Number($("plan-page-size").value) || 25; }

  function renderPlanTable() {
    var rows = state.filtered;
    var size = pageSize();
    var pages = Math.max(1, Math.ceil(rows.length / size));
    state.page = Math.min(Math.max(state.page, 0), pages - 1);
    var start = state.page * size;
    var body = clear($("plan-table").tBodies[0]);
    var frag = document.createDocumentFragment();
    rows.slice(start, start + size).forEach(function (r) {
      var cid = String(r.customer_id);
      var rmCell = el("td", { class: "mono" }, r.rm_id ? String(r.rm_id) : el("span", { class: "null", text: "none" }));
      if (r.previous_rm_id && r.previous_rm_id !== r.rm_id) {
        rmCell.appendChild(el("span", { class: "was", text: "was " + r.previous_rm_id }));
      }
      frag.appendChild(el("tr", null,
        el("td", null, el("button", {
          type: "button", class: "linklike", text: cid,
          "aria-haspopup": "dialog",
          "aria-label": "Explain customer " + cid,
          onclick: function (e) { explain(cid, e.currentTarget); },
        })),
        rmCell,
        el("td", { text: tierLabel(r.tier), title: r.tier }),
        el("td", null, el("span", { class: "badge s-" + r.status, text: r.status })),
        el("td", { text: r.reason || "" })));
    });
    if (!rows.length) {
      frag.appendChild(el("tr", { class: "empty-row" }, el("td", { colspan: 5, text: "No assignment matches." })));
    }
    body.appendChild(frag);
    var total = state.plan.rows.length;
    $("plan-count").textContent = rows.length === total
      ? plural(total, "customer") + " in the plan."
      : "Filtered: " + fmtInt(rows.length) + " of " + plural(total, "customer") + ".";
    $("plan-page").textContent = "Page " + fmtInt(state.page + 1) + " of " + fmtInt(pages);
    $("plan-prev").disabled = state.page === 0;
    $("plan-next").disabled = state.page >= pages - 1;
  }

  function downloadCsv(event) { downloadFrom(event, "plan-csv", "plan", "plan"); }
  function downloadCoverage(event) { downloadFrom(event, "coverage-csv", "coverage", "coverage"); }

  function downloadFrom(event, linkId, resource, stem) {
    event.preventDefault();
    if (!state.plan) return;
    var link = $(linkId);
    var jobId = state.plan.jobId;
    link.setAttribute("aria-busy", "true");
    api("v1/jobs/" + encodeURIComponent(jobId) + "/" + resource + "?format=csv", { raw: true, accept: "text/csv" })
      .then(function (res) { return res.blob(); })
      .then(function (blob) {
        var url = URL.createObjectURL(blob);
        var a = el("a", { href: url, download: stem + "-" + jobId + ".csv", hidden: true });
        document.body.appendChild(a);
        a.click();
        document.body.removeChild(a);
        window.setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
        say($("plan-msg"), "", "");
      }, function (err) { say($("plan-msg"), "error", describeError(err)); })
      .then(function () { link.removeAttribute("aria-busy"); });
  }

  // -- explaining one customer ------------------------------------------------------------------

  function explain(customerId, opener) {
    if (!state.plan) return;
    var dialog = $("explain");
    var seq = ++state.explainSeq;
    state.explainReturn = opener || null;
    $("explain-h").textContent = "Customer " + customerId;
    var body = clear($("explain-body"));
    body.appendChild(el("p", { class: "muted", text: "Loading the explanation…" }));
    if (!dialog.open) dialog.showModal();
    var url = "v1/jobs/" + encodeURIComponent(state.plan.jobId) + "/customers/" + encodeURIComponent(customerId);
    api(url).then(function (x) {
      if (seq === state.explainSeq) renderExplanation(x);
    }, function (err) {
      if (seq !== state.explainSeq) return;
      var node = el("div", { class: "msg" });
      say(node, "error", describeError(err));
      clear(body).appendChild(node);
    });
  }

  function renderExplanation(x) {
    var body = clear($("explain-body"));
    body.appendChild(el("div", { class: "explain-summary" },
      el("span", { class: "badge s-" + x.status, text: x.status }),
      el("span", { class: "badge", text: "tier: " + tierLabel(x.tier) }),
      x.locked ? el("span", { class: "badge", text: "locked to today's RM" }) : null));
    var verdict;
    if (x.status === "pooled") verdict = "Not served one-to-one: this tier is served by pools and channels.";
    else if (!x.rm_id) verdict = "No RM assigned.";
    else if (x.previous_rm_id && x.previous_rm_id !== x.rm_id) verdict = "Assigned to " + x.rm_id + " (today: " + x.previous_rm_id + ").";
    else verdict = "Assigned to " + x.rm_id + (x.previous_rm_id === x.rm_id ? ", its RM today." : ".");
    body.appendChild(el("p", { class: "explain-verdict" }, el("strong", { text: verdict })));
    if (x.reason && x.status !== "pooled") body.appendChild(el("p", null, "Why: " + x.reason));
    body.appendChild(el("dl", { class: "facts tight" },
      el("div", null, el("dt", { text: "Workload points" }), el("dd", { text: fmtNum(x.workload) })),
      el("div", null, el("dt", { text: "Priority" }), el("dd", { text: fmtInt(x.priority) })),
      el("div", null, el("dt", { text: "Today's RM" }), el("dd", { text: x.previous_rm_id || "none" }))));

    var cols = el("div", { class: "two-col" });
    var left = el("div", null, el("h3", { text: x.funnel ? "Rules: the RM must be" : "Rule" }));
    left.appendChild(el("ul", { class: "rules" }, (x.rules || []).map(function (r) { return el("li", { text: r }); })));
    cols.appendChild(left);
    if (x.funnel) {
      var right = el("div", null, el("h3", { id: "funnel-h", text: "RMs left after each rule" }));
      var top = Math.max(1, x.funnel.scope || 0);
      var dl = el("dl", { class: "funnel", "aria-labelledby": "funnel-h" });
      FUNNEL.concat(Object.keys(x.funnel).filter(function (k) {
        return !FUNNEL.some(function (f) { return f[0] === k; });
      }).map(function (k) { return [k, k.replace(/_/g, " ")]; })).forEach(function (f) {
        if (x.funnel[f[0]] === undefined) return;
        var n = x.funnel[f[0]];
        var fill = el("span", { class: n ? null : "zero" });
        fill.style.width = (100 * n / top) + "%";
        dl.appendChild(el("dt", { text: f[1] }));
        dl.appendChild(el("dd", null, el("div", { class: "bar", "aria-hidden": "true" }, fill)));
        dl.appendChild(el("dd", { class: "count", text: fmtInt(n) }));
      });
      right.appendChild(dl);
      cols.appendChild(right);
    }
    body.appendChild(cols);

    var alts = x.alternatives || [];
    body.appendChild(el("h3", { id: "alts-h", text: "Alternatives and why not" }));
    if (!alts.length) {
      body.appendChild(el("p", { class: "muted", text: "No RM to compare." }));
      return;
    }
    var table = el("table", { class: "data compact", "aria-labelledby": "alts-h" },
      el("thead", null, el("tr", null,
        el("th", { scope: "col", text: "RM" }),
        el("th", { scope: "col", text: "Eligible" }),
        el("th", { scope: "col", class: "num", text: "Load / capacity" }),
        el("th", { scope: "col", class: "num", text: "Room" }),
        el("th", { scope: "col", text: "Why not" }))));
    var tbody = el("tbody");
    alts.forEach(function (a) {
      tbody.appendChild(el("tr", { class: a.chosen ? "selected" : null },
        el("td", { class: "mono" }, String(a.rm_id), a.chosen ? [" ", el("span", { class: "badge s-kept", text: "chosen" })] : null),
        el("td", { text: a.eligible ? "yes" : "no" }),
        el("td", { class: "num", text: a.load === undefined ? "—" : fmtNum(a.load) + " / " + fmtNum(a.capacity) }),
        el("td", { class: "num", text: a.room === undefined ? "—" : fmtNum(a.room) }),
        el("td", { text: a.chosen ? "" : (a.why_not || "") })));
    });
    table.appendChild(tbody);
    body.appendChild(el("div", { class: "table-wrap" }, table));
  }

  // -- wiring -----------------------------------------------------------------------------------

  function init() {
    $("key-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var key = $("api-key").value.trim();
      if (!key) { banner("error", "Enter an API key first."); $("api-key").focus(); return; }
      connect(key);
    });
    $("key-forget").addEventListener("click", forget);
    $("datasets-refresh").addEventListener("click", loadDatasets);
    $("upload-form").addEventListener("submit", upload);
    $("job-form").addEventListener("submit", startJob);
    $("job-cancel").addEventListener("click", cancelJob);
    $("jobs-refresh").addEventListener("click", loadJobs);
    $("plan-csv").addEventListener("click", downloadCsv);
    $("coverage-csv").addEventListener("click", downloadCoverage);
    var searchTimer = null;
    $("plan-search").addEventListener("input", function () {
      window.clearTimeout(searchTimer);
      searchTimer = window.setTimeout(applyFilter, 150);
    });
    $("plan-search").addEventListener("keydown", function (e) { if (e.key === "Enter") e.preventDefault(); });
    $("plan-status").addEventListener("change", applyFilter);
    $("plan-tier").addEventListener("change", applyFilter);
    $("plan-page-size").addEventListener("change", function () { state.page = 0; renderPlanTable(); });
    $("plan-prev").addEventListener("click", function () { state.page--; renderPlanTable(); });
    $("plan-next").addEventListener("click", function () { state.page++; renderPlanTable(); });
    $("explain-close").addEventListener("click", function () { $("explain").close(); });
    $("explain").addEventListener("click", function (e) { // a click on the backdrop closes
      if (e.target === e.currentTarget) e.currentTarget.close();
    });
    $("explain").addEventListener("close", function () {
      state.explainSeq++;
      if (state.explainReturn && document.contains(state.explainReturn)) state.explainReturn.focus();
    });

    $("details-switch").addEventListener("change", function (e) {
      document.body.classList.toggle("show-details", e.target.checked);
    });

    var saved = sessionStorage.getItem(KEY_STORE);
    if (saved) connect(saved);
    else showConnected(false);
  }

  window.RMA = {
    $: $, el: el, clear: clear, say: say, api: api, ApiError: ApiError,
    describeError: describeError, fmtInt: fmtInt, fmtNum: fmtNum, fmtPct: fmtPct,
    fmtDate: fmtDate, shortId: shortId, plural: plural, datasetName: datasetName,
    tierLabel: tierLabel, state: state, on: on, emit: emit, can: can, watchJob: watchJob,
    loadJobs: loadJobs, loadDatasets: loadDatasets, FINAL: FINAL,
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
