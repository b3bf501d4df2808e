/* rm-allocator web page: the API key -- connect with it, show who is connected, forget it.
 *
 * Reads window.RMA (app.js) and the datasets and jobs scripts (R.setDatasets, R.loadJobs,
 * R.stopPolling); emits "connected" and "forget" for the others. Loaded after them: it starts
 * the page, connecting again with a key this tab kept.
 */
(function () {
  "use strict";
  var R = window.RMA;
  var $ = R.$, clear = R.clear, append = R.append, api = R.api, state = R.state;
  var KEY_STORE = R.KEY_STORE, describeError = R.describeError, applyRole = R.applyRole;
  var emit = R.emit;

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
    R.stopPolling();
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
      R.setDatasets(list.items);
      R.loadJobs();
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
    R.stopPolling();
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

  function init() {
    $("key-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var key = $("api-key").value.trim();
      if (!key) { banner("error", "Enter an API key first."); $("api-key").focus(); return; }
      connect(key);
    });
    $("key-forget").addEventListener("click", forget);
    R.on("unauthorized", keyRejected); // a 401 anywhere sends the page back to the key

    var saved = sessionStorage.getItem(KEY_STORE);
    if (saved) connect(saved);
    else showConnected(false);
  }


  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
