// «Фоновые задания»: while a job waits or runs, the list is read again every three seconds.
(function () {
  "use strict";
  if (document.querySelector("#background-jobs[data-running]")) {
    window.setTimeout(function () { window.location.reload(); }, 3000);
  }
}());
