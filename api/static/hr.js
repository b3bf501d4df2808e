/* The HR screen: run a workforce plan and a sweep, show the charts and the hires table.
 *
 * Vanilla JavaScript, no dependencies, nothing fetched from elsewhere. It uses the API key the
 * main page keeps in this tab's sessionStorage, puts everything the API returns on the page as
 * text (textContent) or as an image from base64 PNG, and offers the report and hires.csv as
 * downloads made in the browser (blob URLs).
 */
(function () {
  "use strict";

  var KEY_STORE = "rmalloc.apiKey";
  var BASE = new URL("./", window.location.href);
  var POLL_MS = 1500;
  var FINAL = { done: true, failed: true, cancelled: true };
  var key = sessionStorage.getItem(KEY_STORE) || "";

  function $(id) { return document.getElementById(id); }
  function say(id, text, bad) {
    var node = $(id);
    node.textContent = text;
    node.className = "msg" + (bad ? " error" : "");
  }

  function api(path, opts) {
    opts = opts || {};
    var headers = new Headers({ Authorization: "Bearer " + key });
    var body;
    if (opts.json !== undefined) {
      headers.set("Content-Type", "application/json");
      body = JSON.stringify(opts.json);
    }
    return fetch(new URL(path, BASE), {
      method: opts.method || "GET", headers: headers, body: body, cache: "no-store",
      credentials: "omit", referrerPolicy: "no-referrer",
    }).then(function (res) {
      if (res.ok) return opts.text ? res.text() : res.json();
      return res.json().catch(function () { return {}; }).then(function (p) {
        var issues = (p.issues || []).slice(0, 5).map(function (i) {
          return [i.file, i.row, i.column, i.value, i.message].filter(function (x) {
            return x !== null && x !== undefined;
          }).join(" · ");
        });
        throw new Error((p.detail || p.title || "HTTP " + res.status) +
          (issues.length ? ": " + issues.join("; ") : ""));
      });
    });
  }

  /** Poll a job until it ends; resolves with the job. */
  function wait(jobId, msgId) {
    return new Promise(function (resolve, reject) {
      (function tick() {
        api("v1/jobs/" + encodeURIComponent(jobId)).then(function (job) {
          if (FINAL[job.status]) return resolve(job);
          say(msgId, "Working: " + (job.stage || job.status) + "…");
          setTimeout(tick, POLL_MS);
        }).catch(reject);
      })();
    });
  }

  function fillTable(table, columns, rows) {
    var head = table.tHead, body = table.tBodies[0];
    head.textContent = ""; body.textContent = "";
    var tr = head.insertRow();
    columns.forEach(function (c) {
      var th = document.createElement("th"); th.scope = "col"; th.textContent = c[1]; tr.appendChild(th);
    });
    rows.forEach(function (row) {
      var r = body.insertRow();
      columns.forEach(function (c) {
        var v = row[c[0]];
        r.insertCell().textContent = v === null || v === undefined ? "" : String(v);
      });
    });
  }

  function image(container, base64, alt) {
    var img = document.createElement("img");
    img.alt = alt; img.src = "data:image/png;base64," + base64; img.style.maxWidth = "100%";
    container.appendChild(img);
  }

  function download(link, text, type) {
    if (link.dataset.url) URL.revokeObjectURL(link.dataset.url);
    link.dataset.url = URL.createObjectURL(new Blob([text], { type: type }));
    link.href = link.dataset.url;
  }

  function parseTargets(text) {
    var out = {};
    text.split(",").forEach(function (part) {
      var kv = part.split("=");
      if (kv.length === 2 && kv[0].trim()) out[kv[0].trim()] = Number(kv[1]);
    });
    return out;
  }

  /** staff.csv as JSON rows (a small, plain CSV: no quoted commas). */
  function readStaff(file) {
    if (!file) return Promise.resolve(null);
    return file.text().then(function (text) {
      var lines = text.split(/\r?\n/).filter(function (l) { return l.trim(); });
      var head = lines.shift().split(",").map(function (h) { return h.trim(); });
      return lines.map(function (line) {
        var cells = line.split(","), row = {};
        head.forEach(function (h, i) { row[h] = (cells[i] || "").trim(); });
        return row;
      });
    });
  }

  function loadDatasets() {
    return api("v1/datasets").then(function (page) {
      var select = $("plan-dataset");
      (page.items || page || []).forEach(function (ds) {
        var opt = document.createElement("option");
        opt.value = ds.id; opt.textContent = (ds.name || ds.id) + " (" + ds.id + ")";
        select.appendChild(opt);
      });
    });
  }

  function showPlan(jobId, result) {
    $("plan-result").hidden = false;
    $("plan-headline").textContent = result.report.headline + " (" + result.status + ")";
    fillTable($("plan-hires"), [
      ["what", "What"], ["why", "Why"], ["annual_cost", "First-year cost"],
      ["ready_in_quarters", "Ready in (quarters)"],
    ], result.report.actions_in_words || []);
    fillTable($("plan-checks"), [
      ["rule", "Rule"], ["branch_id", "Branch"], ["required", "Needed"], ["actual", "After"],
      ["met", "Met"], ["note", "What it asks"],
    ], result.checks_after.map(function (row) {
      var met = row.ok === true ? "met" : row.ok === false ? "NOT MET" : "not known";
      return Object.assign({}, row, { met: met });
    }));
    var charts = $("plan-charts"); charts.textContent = "";
    var pngs = result.report.charts_png_base64 || {};
    if (pngs.curve) image(charts, pngs.curve, "coverage against headcount");
    if (pngs.quarters) image(charts, pngs.quarters, "coverage and cost by quarter");
    download($("plan-report"), result.report.html, "text/html");
    api("v1/headcount/" + encodeURIComponent(jobId) + "/hires.csv", { text: true }).then(function (csv) {
      download($("plan-csv"), csv, "text/csv");
    });
  }

  function runPlan(event) {
    event.preventDefault();
    var budget = $("plan-budget").value, quarters = Number($("plan-quarters").value || 0);
    readStaff($("plan-staff").files[0]).then(function (staff) {
      var body = {
        dataset_id: $("plan-dataset").value,
        targets: parseTargets($("plan-targets").value),
        mode: $("plan-mode").value,
        enforce: $("plan-enforce").checked ? "all" : null,
      };
      if (budget !== "") body.budget = Number(budget);
      if (quarters > 0) body.quarters = quarters;
      if (staff) body.staff = staff;
      say("plan-msg", "Queued…");
      return api("v1/headcount", { method: "POST", json: body });
    }).then(function (job) {
      return wait(job.id, "plan-msg");
    }).then(function (job) {
      if (job.status !== "done") throw new Error("the job " + job.status + ": " + ((job.error || {}).detail || ""));
      return api("v1/headcount/" + encodeURIComponent(job.id)).then(function (result) {
        say("plan-msg", "Done.");
        showPlan(job.id, result);
      });
    }).catch(function (err) { say("plan-msg", err.message, true); });
  }

  function runSweep(event) {
    event.preventDefault();
    var gc = $("sweep-grade").value.trim().split(/\s+/);
    var spec = {
      name: "headcount sweep",
      salaries: "default",
      edits: [{
        id: "h",
        add_rms: {
          count: 0, line: $("sweep-line").value, grade: gc[0] || "rm",
          certifications: gc.slice(1), branch_id: $("sweep-branch").value.trim(),
          unit: $("sweep-unit").value,
        },
      }],
      sweep: {
        grid: { "h.count": { start: 0, stop: Number($("sweep-max").value), step: Number($("sweep-step").value) } },
        chart: { x: "headcount" },
      },
    };
    say("sweep-msg", "Queued…");
    api("v1/sweeps", { method: "POST", json: { dataset_id: $("plan-dataset").value, spec: spec } })
      .then(function (job) { return wait(job.id, "sweep-msg"); })
      .then(function (job) {
        if (job.status !== "done") throw new Error("the job " + job.status + ": " + ((job.error || {}).detail || ""));
        return api("v1/sweeps/" + encodeURIComponent(job.id));
      }).then(function (result) {
        say("sweep-msg", "Done.");
        $("sweep-result").hidden = false;
        var chart = $("sweep-chart"); chart.textContent = "";
        image(chart, result.chart_png_base64, "coverage against headcount");
        var cols = [["h.count", "Hires"], ["headcount", "RMs"], ["cost.total", "Annual cost"]];
        Object.keys(result.table[0] || {}).forEach(function (k) {
          if (/^coverage\.[a-z0-9_]+\.share$/.test(k)) cols.push([k, k.split(".")[1] + " covered"]);
        });
        fillTable($("sweep-table"), cols, result.table);
      }).catch(function (err) { say("sweep-msg", err.message, true); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!key) { $("hr-key").hidden = false; return; }
    $("plan-form").addEventListener("submit", runPlan);
    $("sweep-form").addEventListener("submit", runSweep);
    loadDatasets().catch(function (err) { say("plan-msg", err.message, true); });
  });
})();
