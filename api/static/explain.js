/* rm-allocator web page: one customer's explanation, in a dialog -- the verdict, the rules that
 * bound, the eligibility funnel and the alternatives with why each was not chosen.
 *
 * Reads window.RMA (app.js); adds explain to it (plan.js opens it from a customer's row).
 */
(function () {
  "use strict";
  var R = window.RMA;
  var $ = R.$, el = R.el, clear = R.clear, say = R.say, api = R.api, state = R.state;
  var FUNNEL = R.FUNNEL, describeError = R.describeError, fmtInt = R.fmtInt, fmtNum = R.fmtNum;
  var tierLabel = R.tierLabel;

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

  function init() {
    $("explain-close").addEventListener("click", function () { $("explain").close(); });
    $("explain").addEventListener("click", function (e) { // a click on the backdrop closes
      if (e.target === e.currentTarget) e.currentTarget.close();
    });
    $("explain").addEventListener("close", function () {
      state.explainSeq++;
      if (state.explainReturn && document.contains(state.explainReturn)) state.explainReturn.focus();
    });
  }

  R.explain = explain;

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
