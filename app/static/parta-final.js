/* «Итоговые отметки»: each changed menu is saved at once through the journal's batch save. */
(function () {
  "use strict";
  var node = document.getElementById("final-data");
  if (!node) { return; }
  var D = JSON.parse(node.textContent);
  var statusNode = document.getElementById("grid-status");
  var messages = document.getElementById("grid-messages");
  var csrf = document.getElementById("grid-csrf").value;
  function status(text, kind) { statusNode.textContent = text; statusNode.className = "label label-" + kind; }
  function message(text) {
    var div = document.createElement("div");
    div.className = "alert alert-danger parta-grid-msg";
    div.textContent = text;
    messages.appendChild(div);
  }
  document.querySelectorAll("select.parta-final-cell").forEach(function (select) {
    select.addEventListener("change", function () {
      var change = {kind: select.dataset.kind, student: +select.dataset.student, value: select.value, old: select.dataset.old};
      if (change.kind === "period") { change.period = +select.dataset.period; } else { change.column = +select.dataset.column; }
      status(D.saving, "info");
      var request = new XMLHttpRequest();
      request.open("POST", D.save);
      request.setRequestHeader("Content-Type", "application/json");
      request.setRequestHeader("X-CSRFToken", csrf);
      request.onload = function () {
        var answer = null;
        try { answer = JSON.parse(request.responseText); } catch (e) { answer = null; }
        if (!answer || request.status >= 400) { message((answer && answer.error) || D.network); select.value = select.dataset.old; status(D.network, "danger"); return; }
        if (answer.errors["0"]) { message(answer.errors["0"]); select.value = select.dataset.old; status(answer.errors["0"], "danger"); return; }
        if (answer.conflicts.hasOwnProperty("0")) { select.value = answer.conflicts["0"]; select.dataset.old = answer.conflicts["0"]; status(D.saved, "warning"); return; }
        select.dataset.old = select.value;
        status(D.saved, "success");
      };
      request.onerror = function () { message(D.network); select.value = select.dataset.old; };
      request.send(JSON.stringify({group: D.group, changes: [change]}));
    });
  });
})();
