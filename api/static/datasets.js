/* rm-allocator web page: the datasets -- the list, an upload and the issues of a refused one.
 *
 * Reads window.RMA (app.js); adds loadDatasets and setDatasets to it (key.js fills the list on
 * connecting, the other scripts refresh it after storing a bank).
 */
(function () {
  "use strict";
  var R = window.RMA;
  var $ = R.$, el = R.el, clear = R.clear, say = R.say, api = R.api, state = R.state;
  var describeError = R.describeError, fmtInt = R.fmtInt, fmtDate = R.fmtDate;
  var shortId = R.shortId, plural = R.plural, datasetName = R.datasetName;

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

  function init() {
    $("datasets-refresh").addEventListener("click", loadDatasets);
    $("upload-form").addEventListener("submit", upload);
  }

  R.loadDatasets = loadDatasets;
  R.setDatasets = setDatasets;

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
