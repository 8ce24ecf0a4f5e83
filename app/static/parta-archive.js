// The year-end archive page: follows the running print job and reloads when it ends.
(function () {
  "use strict";
  var box = document.getElementById("archive-job");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("archive-progress");
  var step = document.getElementById("archive-step");
  var count = document.getElementById("archive-count");
  var template = count.getAttribute("data-template");
  var message = document.getElementById("archive-message");
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.style.width = s.progress + "%";
        bar.setAttribute("aria-valuenow", s.progress);
        bar.textContent = s.progress + " %";
        step.textContent = s.step || (s.status === "queued" ? s.label : "");
        count.textContent = template.replace("{done}", s.done).replace("{total}", s.total).replace("{pages}", s.pages);
        message.textContent = s.message;
        message.hidden = !s.message;
        if (s.status === "done" || s.status === "failed" || s.status === "cancelled") { window.location.reload(); }
        else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
}());
