/* rm-allocator web page: vanilla JavaScript, no dependencies, no build step.
 *
 * Talks to the /v1 API of the service that served it, with the API key the user typed (kept in
 * sessionStorage: this tab only). Customer data never goes into the address bar or the console:
 * the page keeps no state in the URL except section anchors (#plan), and logs nothing.
 * Everything the API returns is put on the page as text (textContent), never as HTML.
 *
 * The page's scripts, one concern each, loaded in this order by index.html (deferred):
 *   app.js       what they all share, as window.RMA: the state, the words, small DOM and number
 *                helpers, events between the scripts, the key's role, and the API
 *   datasets.js  the datasets: list, upload and the issues of a refused upload
 *   jobs.js      solving: start, watch, cancel, and the recent jobs
 *   plan.js      a job's plan: KPIs, coverage by tier, moves, the table and its downloads
 *   explain.js   one customer's explanation (the dialog)
 *   key.js       the API key: connect, forget; starts the page last, when all the above are in
 *   review.js, views.js  the review of a plan; RMs, branches, comparisons and scenarios
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
        if (res.status === 401 && !opts.quiet401) emit("unauthorized", err); // key.js
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

  // -- the page's switches ------------------------------------------------------------------------

  function init() {
    $("details-switch").addEventListener("change", function (e) {
      document.body.classList.toggle("show-details", e.target.checked);
    });
  }

  window.RMA = {
    KEY_STORE: KEY_STORE, POLL_MS: POLL_MS, FINAL: FINAL, STAGES: STAGES, TIERS: TIERS,
    STATUSES: STATUSES, STATUS_HELP: STATUS_HELP, FUNNEL: FUNNEL, state: state,
    $: $, el: el, append: append, clear: clear, svg: svg, say: say,
    fmtInt: fmtInt, fmtNum: fmtNum, fmtPct: fmtPct, fmtDate: fmtDate, shortId: shortId,
    plural: plural, datasetName: datasetName, tierLabel: tierLabel,
    on: on, emit: emit, can: can, applyRole: applyRole,
    api: api, ApiError: ApiError, describeError: describeError,
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
