// «Резервные копии»: follows the running backup or verification and reloads when it ends.
(function () {
  "use strict";
  var box = document.getElementById("backup-run");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("backup-progress");
  var step = document.getElementById("backup-step");
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.style.width = s.progress + "%";
        bar.setAttribute("aria-valuenow", s.progress);
        bar.textContent = s.progress + " %";
        step.textContent = s.step || s.label;
        if (s.status === "done" || s.status === "failed" || s.status === "cancelled") { window.location.reload(); }
        else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
}());
