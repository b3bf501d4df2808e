/* rm-allocator web page: a job's plan -- KPI tiles, coverage by tier, moves by status, RM
 * load, the filtered table of customers and the CSV downloads.
 *
 * Reads window.RMA (app.js); adds loadPlan to it (jobs.js shows a finished job's plan) and
 * emits "plan" once one is on the page (review.js and views.js follow it). A customer's row
 * opens its explanation (explain.js, R.explain).
 */
(function () {
  "use strict";
  var R = window.RMA;
  var $ = R.$, el = R.el, clear = R.clear, svg = R.svg, say = R.say, api = R.api, state = R.state;
  var TIERS = R.TIERS, STATUSES = R.STATUSES, STATUS_HELP = R.STATUS_HELP;
  var describeError = R.describeError, emit = R.emit, fmtInt = R.fmtInt, fmtNum = R.fmtNum;
  var fmtPct = R.fmtPct, shortId = R.shortId, plural = R.plural, datasetName = R.datasetName;
  var tierLabel = R.tierLabel;

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
          onclick: function (e) { R.explain(cid, e.currentTarget); },
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

  function init() {
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
  }

  R.loadPlan = loadPlan;

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
