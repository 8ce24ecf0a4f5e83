// A background job's progress on its page (the year-end archive, «Резервные копии»): the box
// `[data-job-status]` names the job's status URL; its bar, step, count and message follow the job
// once a second, and the page reloads when the job ends.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-status]");
  if (!box) { return; }
  var url = box.getAttribute("data-job-status");
  function part(role) { return box.querySelector("[data-role=" + role + "]"); }
  var bar = part("bar"), step = part("step"), count = part("count"), message = part("message");
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.style.width = s.progress + "%";
        bar.setAttribute("aria-valuenow", s.progress);
        bar.textContent = s.progress + " %";
        step.textContent = s.step || (s.status === "queued" ? s.label : "");
        if (count) {
          count.textContent = count.getAttribute("data-template").replace("{done}", s.done)
            .replace("{total}", s.total).replace("{pages}", s.pages);
        }
        if (message) { message.textContent = s.message; message.hidden = !s.message; }
        if (s.status === "done" || s.status === "failed" || s.status === "cancelled") { window.location.reload(); }
        else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
}());
