/* rm-allocator web page: RMs and branches under a plan, plan comparison, and scenarios.
 *
 * Tables are Grid.js and charts Chart.js (both vendored under ui/vendor, pinned, with their
 * licences; nothing is fetched from elsewhere). Words are for branch heads: "customers with an
 * RM", "load against capacity"; solver figures stay behind the "Solver details" switch.
 */
(function () {
  "use strict";
  var R = window.RMA;
  var $ = R.$, el = R.el, say = R.say, api = R.api;
  var grids = {};
  var charts = {};
  var books = { jobId: null };

  function table(id, columns, rows, limit) {
    if (grids[id]) {
      grids[id].updateConfig({ columns: columns, data: rows }).forceRender();
      return;
    }
    grids[id] = new window.gridjs.Grid({
      columns: columns, data: rows, sort: true, pagination: { limit: limit || 10 },
      className: { table: "data" },
    });
    grids[id].render($(id));
  }

  function chart(id, config) {
    if (charts[id]) charts[id].destroy();
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    charts[id] = new window.Chart($(id), config);
  }

  /** Two series side by side, before (grey) and after (the page's blue): [label, values] each. */
  function beforeAfter(id, labels, before, after, options) {
    chart(id, {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          { label: before[0], data: before[1], backgroundColor: "#b8c4d2" },
          { label: after[0], data: after[1], backgroundColor: "#0f5f7a" },
        ],
      },
      options: options,
    });
  }

  function pct(x) { return x === null || x === undefined ? "—" : R.fmtPct(x, 0); }

  /** How a compared metric reads: a share or a load as a percentage, anything else a number. */
  function formatOf(metric) { return /share|utilisation/.test(metric) ? pct : R.fmtNum; }
  function signed(delta, format) { return (delta > 0 ? "+" : "") + format(delta); }

  // -- RMs and branches ----------------------------------------------------------------------

  function showBooks(job) {
    books.jobId = job.id;
    $("books").hidden = false;
    $("nav-books").hidden = false;
    $("rm-body").hidden = true;
    $("rm-empty").hidden = false;
    var base = "v1/plans/" + encodeURIComponent(job.id);
    api(base + "/branches").then(function (rows) {
      table("branches-grid", ["Branch", "Level", "Customers", "Served one-to-one", "With an RM", "Moves",
        "Accepted", "Rejected", "RMs", "Load / capacity"], rows.map(function (b) {
        return [b.branch_id, b.level.replace(/_/g, " "), b.customers, b.individual, b.with_rm, b.moves,
          b.accepted, b.rejected, b.rms, pct(b.capacity ? b.load / b.capacity : null)];
      }));
    });
    api(base + "/rms?limit=1000").then(function (page) {
      var h = window.gridjs.h;
      table("rms-grid", ["RM", "Branch", "Unit", "Customers today", "In the plan", "Joins", "Leaves",
        "Load today", "Load in the plan", { name: "Book", sort: false, formatter: function (id) {
          return h("button", { type: "button", className: "small-button", "aria-label": "Open the book of RM " + id,
            onClick: function () { openRm(id); } }, "Open");
        } }], page.items.map(function (r) {
        return [r.rm_id, r.branch_id, r.unit.replace(/_/g, " "), r.customers_today, r.customers_plan, r.joins,
          r.leaves, pct(r.capacity ? r.load_today / r.capacity : null), pct(r.capacity ? r.load_plan / r.capacity : null), r.rm_id];
      }));
      var top = page.items.slice(0, 15);
      beforeAfter("rms-chart", top.map(function (r) { return r.rm_id; }),
        ["Load today", top.map(function (r) { return r.capacity ? 100 * r.load_today / r.capacity : 0; })],
        ["Load in the plan", top.map(function (r) { return r.capacity ? 100 * r.load_plan / r.capacity : 0; })],
        { indexAxis: "y", scales: { x: { title: { display: true, text: "% of capacity" } } } });
    });
  }

  function openRm(rmId) {
    api("v1/plans/" + encodeURIComponent(books.jobId) + "/rms/" + encodeURIComponent(rmId)).then(function (rm) {
      $("rm-empty").hidden = true;
      $("rm-body").hidden = false;
      $("rm-h").textContent = "RM " + rm.rm_id + "'s book";
      var facts = R.clear($("rm-facts"));
      [["Branch", rm.branch_id], ["Unit", rm.unit.replace(/_/g, " ")], ["Grade", rm.grade],
        ["Capacity", R.fmtNum(rm.capacity) + " points"],
        ["Load today", R.fmtNum(rm.load_today) + " (" + pct(rm.capacity ? rm.load_today / rm.capacity : null) + ")"],
        ["Load in the plan", R.fmtNum(rm.load_plan) + " (" + pct(rm.capacity ? rm.load_plan / rm.capacity : null) + ")"],
        ["Joins / leaves", rm.joins + " / " + rm.leaves]].forEach(function (f) {
        facts.appendChild(el("div", null, el("dt", { text: f[0] }), el("dd", { text: f[1] })));
      });
      var words = { joins: "joins, from", leaves: "leaves, to", stays: "stays" };
      table("rm-book-grid", ["Customer", "Branch", "Tier", "Change", "Other RM", "Why"], rm.book.map(function (b) {
        return [b.customer_id, b.branch_id, R.tierLabel(b.tier), words[b.change], b.other_rm_id || "—", b.reason];
      }), 8);
      $("rm-card").scrollIntoView({ block: "nearest" });
    }, function (err) { say($("rm-empty"), "error", R.describeError(err)); $("rm-empty").hidden = false; });
  }

  // -- compare -------------------------------------------------------------------------------

  function jobLabel(j) {
    return R.shortId(j.id) + " · " + R.datasetName(j.dataset_id) + " · " + j.kind + " · " + R.fmtDate(j.finished_at);
  }

  function fillJobs() {
    api("v1/jobs?status=done&limit=100").then(function (list) {
      ["compare-a", "compare-b"].forEach(function (id, i) {
        var select = $(id);
        var keep = select.value;
        R.clear(select);
        list.items.filter(function (j) { return j.has_plan; }).forEach(function (j) {
          select.appendChild(el("option", { value: j.id, text: jobLabel(j) }));
        });
        if (keep) select.value = keep;
        else if (select.options.length > 1) select.selectedIndex = i === 0 ? 1 : 0;
      });
    });
  }

  function runCompare(event) {
    event.preventDefault();
    var a = $("compare-a").value, b = $("compare-b").value;
    if (!a || !b) { say($("compare-msg"), "error", "Choose two plans."); return; }
    say($("compare-msg"), "", "Comparing…");
    api("v1/compare?a=" + encodeURIComponent(a) + "&b=" + encodeURIComponent(b)).then(function (c) {
      say($("compare-msg"), "", c.notes.join(" "));
      $("compare-result").hidden = false;
      table("compare-headline", ["", "A", "B", "B − A"], c.headline.map(function (r) {
        var f = formatOf(r.metric);
        return [r.label, f(r.a), f(r.b), r.delta === null ? "—" : signed(r.delta, f)];
      }), 20);
      table("compare-branches", ["Branch", "Customers", "With an RM in A", "With an RM in B", "Change", "RM differs"],
        c.by_branch.map(function (g) { return [g.key || "(unknown)", g.customers, g.assigned_a, g.assigned_b, g.assigned_delta, g.differ]; }));
      var groups = c.by_branch.slice(0, 12);
      beforeAfter("compare-chart", groups.map(function (g) { return g.key; }),
        ["A", groups.map(function (g) { return g.assigned_a; })],
        ["B", groups.map(function (g) { return g.assigned_b; })]);
    }, function (err) { say($("compare-msg"), "error", R.describeError(err)); });
  }

  // -- scenarios -----------------------------------------------------------------------------

  var PLAIN = {
    assigned: "Customers with an RM", individual: "Customers to serve one-to-one",
    cover_share: "Share of value covered", "status.moved": "Customers moved",
    "status.reassigned": "Customers reassigned", "status.unassigned": "Customers left without an RM",
    "headcount.total": "Active RMs", "cost.total": "Annual RM cost", overloaded_rms: "RMs over capacity",
    "utilisation.retail.max": "Busiest retail RM's load", "utilisation.corporate.max": "Busiest corporate RM's load",
  };

  function fillDatasets() {
    var select = $("scenario-dataset");
    var keep = select.value;
    R.clear(select);
    R.state.datasets.forEach(function (ds) { select.appendChild(el("option", { value: ds.id, text: ds.name || ds.id })); });
    if (keep) select.value = keep;
  }

  function spec() {
    var kind = $("scenario-kind").value;
    var value = $("scenario-value").value.trim();
    var edit = {};
    if (kind === "remove_rms") edit.remove_rms = { rm_ids: value.split(/[\s,;]+/).filter(Boolean) };
    else if (kind === "set_capacity") edit.set_capacity = { capacity: Number(value) };
    else edit.grow_customers = { percent: Number(value), tier: "mid" };
    return { name: $("scenario-name").value.trim() || "What if", edits: [edit] };
  }

  function runScenario(event) {
    event.preventDefault();
    say($("scenario-msg"), "", "Queuing the scenario…");
    api("v1/scenarios", { method: "POST", json: { dataset_id: $("scenario-dataset").value, spec: spec() } })
      .then(function (job) {
        say($("scenario-msg"), "", "Solving the baseline, then the scenario…");
        pollScenario(job.id);
      }, function (err) { say($("scenario-msg"), "error", R.describeError(err)); });
  }

  function pollScenario(jobId) {
    api("v1/jobs/" + encodeURIComponent(jobId)).then(function (job) {
      if (!R.FINAL[job.status]) { window.setTimeout(function () { pollScenario(jobId); }, 1000); return; }
      if (job.status !== "done" || !job.result) {
        say($("scenario-msg"), "error", "The scenario " + job.status + ".");
        return;
      }
      say($("scenario-msg"), "ok", "Done.");
      showScenario(job.result);
      fillJobs();
    }, function (err) { say($("scenario-msg"), "error", R.describeError(err)); });
  }

  function showScenario(result) {
    $("scenario-result").hidden = false;
    $("scenario-h").textContent = (result.name || "Scenario") + ": baseline and scenario side by side";
    var rows = result.comparison.filter(function (r) { return PLAIN[r.metric]; });
    table("scenario-table", ["", "Baseline", "Scenario", "Difference"], rows.map(function (r) {
      var f = formatOf(r.metric);
      return [PLAIN[r.metric], f(r.baseline), f(r.scenario), signed(r.delta, f)];
    }), 12);
    var tiers = result.comparison.filter(function (r) { return /^coverage\.[a-z0-9]+\.assigned$/.test(r.metric) && (r.baseline || r.scenario); });
    beforeAfter("scenario-chart", tiers.map(function (r) { return R.tierLabel(r.metric.split(".")[1]); }),
      ["Baseline: customers with an RM", tiers.map(function (r) { return r.baseline; })],
      ["Scenario", tiers.map(function (r) { return r.scenario; })]);
  }

  function init() {
    R.on("plan", showBooks);
    R.on("connected", function () { fillJobs(); fillDatasets(); });
    R.on("jobs", function () { fillJobs(); fillDatasets(); });
    R.on("forget", function () { $("books").hidden = true; $("nav-books").hidden = true; });
    $("compare-form").addEventListener("submit", runCompare);
    $("scenario-form").addEventListener("submit", runScenario);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
