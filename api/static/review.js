/* rm-allocator web page: the review of a plan -- where it stands, its moves, the decisions.
 *
 * Listens to the page's scripts (window.RMA): when a plan is shown (plan.js), this reads its
 * lifecycle state (GET /v1/plans/{id}) and its moves (GET /v1/plans/{id}/moves), and offers the
 * steps the key's role allows: propose (planner), accept or reject moves (planner; a key scoped
 * to a branch sees and decides its branch only), re-solve with the decisions, approve with an
 * effective date (approver, not the proposer), download the moves for the core banking system.
 * The moves table is Grid.js (vendored: paging and sorting without more hand-written code).
 */
(function () {
  "use strict";
  var R = window.RMA;
  var $ = R.$, el = R.el, say = R.say, api = R.api;
  var STEPS = [
    ["draft", "Draft"],
    ["proposed", "Proposed for review"],
    ["approved", "Approved"],
    ["effective", "In effect"],
    ["superseded", "Superseded"],
  ];
  var review = { jobId: null, state: null, moves: [], grid: null, seq: 0 };

  function planPath(suffix) {
    return "v1/plans/" + encodeURIComponent(review.jobId) + (suffix || "");
  }

  function show(job) {
    review.jobId = job.id;
    $("review").hidden = false;
    $("nav-review").hidden = false;
    $("review-sub").textContent = "plan of job " + R.shortId(job.id) + " · " + R.datasetName(job.dataset_id);
    var today = new Date().toISOString().slice(0, 10);
    $("approve-date").value = today;
    $("approve-date").min = today;
    say($("lifecycle-msg"), "", "");
    say($("moves-msg"), "", "");
    loadBranches();
    return refresh();
  }

  function refresh() {
    var seq = ++review.seq;
    return Promise.all([api(planPath()), api(planPath("/moves?limit=10000") + decisionFilter())])
      .then(function (both) {
        if (seq !== review.seq) return;
        review.state = both[0];
        review.moves = both[1].items;
        renderState(both[0]);
        renderMoves(both[1]);
      }, function (err) { say($("lifecycle-msg"), "error", R.describeError(err)); });
  }

  function decisionFilter() {
    var out = "";
    if ($("moves-branch").value) out += "&branch_id=" + encodeURIComponent($("moves-branch").value);
    if ($("moves-decision").value) out += "&decision=" + encodeURIComponent($("moves-decision").value);
    return out;
  }

  function loadBranches() {
    var select = $("moves-branch");
    api(planPath("/branches")).then(function (rows) {
      var keep = select.value;
      R.clear(select);
      var me = R.state.me || {};
      select.appendChild(el("option", { value: "", text: me.branch_id ? "My branch (" + me.branch_id + ")" : "All branches" }));
      rows.filter(function (b) { return b.moves > 0; }).forEach(function (b) {
        select.appendChild(el("option", { value: b.branch_id, text: b.branch_id + " (" + b.level.replace(/_/g, " ") + ", " + R.plural(b.moves, "move") + ")" }));
      });
      if (keep) select.value = keep;
    }, function () { /* the table below says what went wrong */ });
  }

  // -- where the plan stands ----------------------------------------------------------------

  function renderState(s) {
    var list = R.clear($("lifecycle-steps"));
    var at = STEPS.map(function (x) { return x[0]; }).indexOf(s.state);
    STEPS.forEach(function (step, i) {
      if (step[0] === "superseded" && s.state !== "superseded") return;
      list.appendChild(el("li", {
        class: i < at ? "done" : i === at ? "current" : "",
        "aria-current": i === at ? "step" : null,
        "data-state": step[0],
        text: step[1],
      }));
    });
    var who = [];
    if (s.proposed_by) who.push("proposed by key " + s.proposed_by + " on " + R.fmtDate(s.proposed_at));
    if (s.approved_by) who.push("approved by key " + s.approved_by + " on " + R.fmtDate(s.approved_at));
    if (s.effective_date) who.push("effective from " + s.effective_date);
    if (s.superseded_by) who.push("superseded by the plan of job " + R.shortId(s.superseded_by));
    if (s.parent_job_id) who.push("re-solved from the plan of job " + R.shortId(s.parent_job_id));
    $("lifecycle-who").textContent = (who.join("; ") || "not yet proposed") + ". " +
      R.plural(s.moves, "move") + ": " + R.fmtInt(s.accepted) + " accepted, " + R.fmtInt(s.rejected) + " rejected.";
    var reviewable = s.state === "draft" || s.state === "proposed";
    var mine = R.state.me && s.proposed_by === R.state.me.key_id;
    $("plan-propose").hidden = !(R.can("planner") && s.state === "draft");
    $("plan-resolve").hidden = !(R.can("planner") && reviewable && (s.accepted + s.rejected) > 0);
    $("approve-box").hidden = !(R.can("approver") && s.state === "proposed" && !mine);
    $("plan-export").hidden = ["approved", "effective", "superseded"].indexOf(s.state) < 0;
    Array.prototype.forEach.call(document.querySelectorAll("#review .toolbar [data-min-role]"), function (node) {
      node.hidden = !R.can("planner") || !reviewable;
    });
    review.reviewable = reviewable;
  }

  function step(path, body, done) {
    say($("lifecycle-msg"), "", "Working…");
    var opts = { method: "POST" };
    if (body !== undefined) opts.json = body;
    return api(planPath(path), opts).then(function (out) {
      say($("lifecycle-msg"), "ok", done(out));
      return refresh().then(function () { return out; });
    }, function (err) { say($("lifecycle-msg"), "error", R.describeError(err)); });
  }

  function propose() { step("/propose", undefined, function () { return "Proposed for review."; }); }

  function approve() {
    var date = $("approve-date").value;
    if (!date) { say($("lifecycle-msg"), "error", "Choose the date the plan takes effect."); return; }
    step("/approve", { effective_date: date }, function (s) {
      return s.state === "effective" ? "Approved: the plan is in effect from " + s.effective_date + "."
        : "Approved: the plan takes effect on " + s.effective_date + ".";
    });
  }

  function resolve() {
    say($("lifecycle-msg"), "", "Queuing a re-solve…");
    api(planPath("/resolve"), { method: "POST" }).then(function (job) {
      say($("lifecycle-msg"), "ok", "Re-solve queued: the new draft shows here when it is done.");
      R.watchJob(job);
      R.loadJobs();
    }, function (err) { say($("lifecycle-msg"), "error", R.describeError(err)); });
  }

  function exportMoves(event) {
    event.preventDefault();
    api(planPath("/export"), { raw: true, accept: "text/csv" }).then(function (res) { return res.blob(); })
      .then(function (blob) {
        var url = URL.createObjectURL(blob);
        var a = el("a", { href: url, download: "moves-" + review.jobId + ".csv" });
        document.body.appendChild(a);
        a.click();
        a.remove();
        window.setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
      }, function (err) { say($("lifecycle-msg"), "error", R.describeError(err)); });
  }

  // -- the moves ----------------------------------------------------------------------------

  function decide(items) {
    say($("moves-msg"), "", "Saving…");
    return api(planPath("/decisions"), { method: "POST", json: items }).then(function (out) {
      say($("moves-msg"), "ok", R.plural(out.length, "decision") + " saved.");
      return refresh();
    }, function (err) { say($("moves-msg"), "error", R.describeError(err)); });
  }

  function decideBranch(decision) {
    var branch = $("moves-branch").value || (R.state.me && R.state.me.branch_id);
    if (!branch) { say($("moves-msg"), "error", "Choose a branch first."); return; }
    say($("moves-msg"), "", "Saving…");
    api(planPath("/branches/" + encodeURIComponent(branch) + "/decision"), {
      method: "POST", json: { decision: decision },
    }).then(function (out) {
      say($("moves-msg"), "ok", R.plural(out.length, "move") + " of " + branch + " " + decision + "ed.");
      return refresh();
    }, function (err) { say($("moves-msg"), "error", R.describeError(err)); });
  }

  function actionCell(move) {
    var h = window.gridjs.h;
    if (!R.can("planner") || !review.reviewable) return move.decision || "";
    function button(decision, label) {
      return h("button", {
        type: "button",
        className: "small-button" + (move.decision === decision ? " chosen" : ""),
        "aria-pressed": move.decision === decision ? "true" : "false",
        "aria-label": label + " the move of " + move.customer_id,
        onClick: function () { decide([{ customer_id: move.customer_id, decision: decision }]); },
      }, label);
    }
    return h("span", { className: "decide" }, button("accept", "Accept"), button("reject", "Reject"));
  }

  function renderMoves(page) {
    $("moves-count").textContent = R.plural(page.total, "move") + (page.total ? "" : ": nothing to review here.");
    var rows = page.items.map(function (m) {
      return [m.customer_id, m.branch_id, R.tierLabel(m.tier), m.from_rm_id || "—", m.to_rm_id || "(none)",
        m.status, m.reason, m.decision ? (m.decision === "accept" ? "accepted" : "rejected") : "—", m];
    });
    var columns = ["Customer", "Branch", "Tier", "Today's RM", "Proposed RM", "Status", "Why",
      "Decision", { name: "Accept or reject", sort: false, formatter: function (cell) { return actionCell(cell); } }];
    if (review.grid) {
      review.grid.updateConfig({ data: rows }).forceRender();
      return;
    }
    review.grid = new window.gridjs.Grid({
      columns: columns, data: rows, sort: true, pagination: { limit: 10 },
      className: { table: "data" },
      language: { pagination: { previous: "Previous", next: "Next", showing: "Showing", results: function () { return "moves"; } } },
    });
    review.grid.render($("moves-grid"));
  }

  function init() {
    R.on("plan", function (job) { show(job); });
    R.on("forget", function () { $("review").hidden = true; $("nav-review").hidden = true; review.jobId = null; });
    $("plan-propose").addEventListener("click", propose);
    $("plan-approve").addEventListener("click", approve);
    $("plan-resolve").addEventListener("click", resolve);
    $("plan-export").addEventListener("click", exportMoves);
    $("moves-branch").addEventListener("change", refresh);
    $("moves-decision").addEventListener("change", refresh);
    $("branch-accept").addEventListener("click", function () { decideBranch("accept"); });
    $("branch-reject").addEventListener("click", function () { decideBranch("reject"); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
