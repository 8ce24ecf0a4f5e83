/* The timetable editor: a week of a class, a teacher or a room as a grid of lesson
 * numbers × weekdays. A subject group is placed by dragging it from the list onto a
 * cell, or by choosing it and clicking (or pressing Enter on) a cell; a lesson is
 * moved by dragging it or by picking it (Enter) and dropping it (Enter) elsewhere;
 * Delete removes it. Every change is one request, checked again on the server, whose
 * clash message is shown as it is. Data comes from the page (#tt-data), texts from
 * #tt-text. */
(function () {
  "use strict";
  var dataNode = document.getElementById("tt-data");
  if (!dataNode) { return; }
  var D = JSON.parse(dataNode.textContent);
  var T = JSON.parse(document.getElementById("tt-text").textContent);
  var table = document.getElementById("tt-grid");
  var paletteNode = document.getElementById("tt-palette");
  var messages = document.getElementById("tt-messages");
  var statusNode = document.getElementById("tt-status");
  var roomSelect = document.getElementById("tt-room");
  var roomButton = document.getElementById("tt-change-room");
  var csrfNode = document.getElementById("tt-csrf");
  var csrf = csrfNode ? csrfNode.value : "";

  var armed = null;    // a palette group chosen for placing
  var picked = null;   // a line picked up for moving
  var cur = {r: 0, c: 0};
  var busy = false;

  function fmt(text, params) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return params[key]; });
  }
  function ruDate(iso) { return iso.slice(8, 10) + "." + iso.slice(5, 7) + "." + iso.slice(0, 4); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function showMessage(text, kind) {
    var div = el("div", "alert alert-" + (kind || "danger") + " alert-dismissable tt-msg", text);
    var close = el("button", "close", "×");
    close.type = "button";
    close.addEventListener("click", function () { div.remove(); });
    div.insertBefore(close, div.firstChild);
    messages.appendChild(div);
    while (messages.children.length > 3) { messages.removeChild(messages.firstChild); }
  }
  function setStatus(text, kind) {
    if (!statusNode) { return; }
    statusNode.textContent = text;
    statusNode.className = "label label-" + (kind || "default");
  }

  /* ---- the grid ---- */
  function linesAt(day, number) {
    return D.lines.filter(function (l) { return l.weekday === day && l.number === number; });
  }
  function lineText(line) {
    var parts = [];
    if (D.kind !== "class") { parts.push(line["class"]); }
    if (D.kind !== "teacher" && line.teachers.length) { parts.push(line.teachers.join(", ")); }
    if (D.kind !== "room" && line.room) { parts.push(fmt(T.room, {name: line.room})); }
    return parts.join(" · ");
  }
  function card(line) {
    var node = el("div", "tt-card" + (line.whole ? "" : " tt-sub") + (picked && picked.id === line.id ? " picked" : ""));
    node.dataset.line = line.id;
    node.appendChild(el("div", "tt-card-name", line.group));
    var meta = lineText(line);
    if (meta) { node.appendChild(el("div", "tt-card-meta", meta)); }
    var since = fmt(T.from, {date: ruDate(line.valid_from)}) + (line.valid_to ? " " + fmt(T.until, {date: ruDate(line.valid_to)}) : "");
    node.title = line.group + (meta ? " — " + meta : "") + " (" + since + ")";
    if (D.mayChange) {
      node.draggable = true;
      node.addEventListener("dragstart", function (event) {
        event.dataTransfer.setData("text/plain", "line:" + line.id);
        event.dataTransfer.effectAllowed = "move";
      });
      var remove = el("button", "tt-remove", "×");
      remove.type = "button";
      remove.title = T.remove;
      remove.setAttribute("aria-label", T.remove + ": " + line.group);
      remove.tabIndex = -1;
      remove.addEventListener("click", function (event) {
        event.stopPropagation();
        send({action: "remove", entry_id: line.id});
      });
      node.appendChild(remove);
      node.addEventListener("click", function (event) {
        if (armed || (picked && picked.id !== line.id)) { return; }  // the cell places or moves here
        event.stopPropagation();
        if (picked) { disarm(); } else { pick(line); }
      });
    }
    return node;
  }
  function build() {
    table.innerHTML = "";
    var head = el("tr");
    head.appendChild(el("th", "tt-num", "№"));
    D.days.forEach(function (day) { var th = el("th", "", day.name); th.scope = "col"; head.appendChild(th); });
    var thead = el("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    var body = el("tbody");
    for (var number = 1; number <= D.numbers; number++) {
      var row = el("tr");
      var th = el("th", "tt-num", String(number));
      th.scope = "row";
      row.appendChild(th);
      D.days.forEach(function (day, c) {
        var td = el("td", "tt-cell");
        td.setAttribute("role", "gridcell");
        td.dataset.day = day.n;
        td.dataset.number = number;
        td.dataset.r = number - 1;
        td.dataset.c = c;
        td.tabIndex = (number - 1 === cur.r && c === cur.c) ? 0 : -1;
        var lines = linesAt(day.n, number);
        td.setAttribute("aria-label", day.name + ", " + T.lesson.toLowerCase() + " " + number + ": " +
          (lines.length ? lines.map(function (l) { return l.group; }).join("; ") : T.empty));
        lines.forEach(function (line) { td.appendChild(card(line)); });
        if (lines.length > 1) { td.classList.add("tt-shared"); }
        if (D.mayChange) { wireCell(td); }
        row.appendChild(td);
      });
      body.appendChild(row);
    }
    table.appendChild(body);
    buildPalette();
  }
  function cellAt(r, c) { return table.querySelector('td[data-r="' + r + '"][data-c="' + c + '"]'); }
  function focusCell(r, c) {
    r = Math.max(0, Math.min(D.numbers - 1, r));
    c = Math.max(0, Math.min(D.days.length - 1, c));
    var old = cellAt(cur.r, cur.c);
    if (old) { old.tabIndex = -1; }
    cur = {r: r, c: c};
    var cell = cellAt(r, c);
    if (cell) { cell.tabIndex = 0; cell.focus(); }
  }
  function wireCell(td) {
    td.addEventListener("dragover", function (event) { event.preventDefault(); td.classList.add("drop"); });
    td.addEventListener("dragleave", function () { td.classList.remove("drop"); });
    td.addEventListener("drop", function (event) {
      event.preventDefault();
      td.classList.remove("drop");
      var what = event.dataTransfer.getData("text/plain") || "";
      var day = Number(td.dataset.day), number = Number(td.dataset.number);
      if (what.indexOf("group:") === 0) {
        placeGroup(Number(what.slice(6)), day, number);
      } else if (what.indexOf("line:") === 0) {
        var line = findLine(Number(what.slice(5)));
        if (line) { moveLine(line, day, number, line.room_id); }
      }
    });
    td.addEventListener("click", function () {
      cur = {r: Number(td.dataset.r), c: Number(td.dataset.c)};
      act(td);
    });
    td.addEventListener("keydown", function (event) {
      var r = Number(td.dataset.r), c = Number(td.dataset.c);
      switch (event.key) {
        case "ArrowUp": focusCell(r - 1, c); break;
        case "ArrowDown": focusCell(r + 1, c); break;
        case "ArrowLeft": focusCell(r, c - 1); break;
        case "ArrowRight": focusCell(r, c + 1); break;
        case "Enter": case " ": act(td, true); break;
        case "Delete": case "Backspace": removeHere(td); break;
        case "Escape": disarm(); break;
        default: return;
      }
      event.preventDefault();
    });
  }
  function findLine(id) {
    for (var i = 0; i < D.lines.length; i++) { if (D.lines[i].id === id) { return D.lines[i]; } }
    return null;
  }
  function act(td, byKey) {
    var day = Number(td.dataset.day), number = Number(td.dataset.number);
    if (armed) { placeGroup(armed.id, day, number); return; }
    if (picked) {
      if (picked.weekday === day && picked.number === number) { disarm(); return; }
      moveLine(picked, day, number, picked.room_id);
      return;
    }
    var here = linesAt(day, number);
    if (byKey && here.length) { pick(here[0]); }
  }
  function removeHere(td) {
    var here = linesAt(Number(td.dataset.day), Number(td.dataset.number));
    var line = picked && here.indexOf(picked) >= 0 ? picked : here[0];
    if (line) { send({action: "remove", entry_id: line.id}); }
  }

  /* ---- the palette ---- */
  function buildPalette() {
    if (!paletteNode) { return; }
    paletteNode.innerHTML = "";
    if (!D.palette.length) { paletteNode.appendChild(el("li", "text-muted small", T.noPalette)); }
    D.palette.forEach(function (group) {
      var li = el("li");
      var button = el("button", "btn btn-default btn-sm tt-group" + (armed && armed.id === group.id ? " active" : ""));
      button.type = "button";
      button.draggable = true;
      button.dataset.group = group.id;
      button.appendChild(el("span", "tt-group-name", D.kind === "class" ? group.name : group.name));
      var count = group.hours !== null ? fmt(T.placed, {placed: group.placed, hours: String(group.hours).replace(".", ",")})
        : fmt(T.placedNoHours, {placed: group.placed});
      var small = el("small", "tt-group-meta" + (group.hours !== null && group.placed < group.hours ? " short" : ""),
        (group.teachers.length ? group.teachers.join(", ") + " · " : "") + count);
      button.appendChild(small);
      button.setAttribute("aria-pressed", armed && armed.id === group.id ? "true" : "false");
      button.addEventListener("dragstart", function (event) {
        event.dataTransfer.setData("text/plain", "group:" + group.id);
        event.dataTransfer.effectAllowed = "copy";
      });
      button.addEventListener("click", function () {
        if (armed && armed.id === group.id) { disarm(); return; }
        picked = null;
        armed = group;
        showHint(fmt(T.armed, {name: group.name}));
        build();
        focusCell(cur.r, cur.c);
      });
      li.appendChild(button);
      paletteNode.appendChild(li);
    });
  }
  function pick(line) {
    armed = null;
    picked = line;
    showHint(fmt(T.picked, {name: line.group}));
    if (roomButton) { roomButton.disabled = false; }
    build();
    focusCell(line.number - 1, dayIndex(line.weekday));
  }
  function dayIndex(n) {
    for (var i = 0; i < D.days.length; i++) { if (D.days[i].n === n) { return i; } }
    return 0;
  }
  function disarm() {
    armed = null;
    picked = null;
    if (roomButton) { roomButton.disabled = true; }
    showHint("");
    build();
    focusCell(cur.r, cur.c);
  }
  function showHint(text) { setStatus(text, text ? "info" : "default"); }

  /* ---- changes ---- */
  function chosenRoom(group) {
    if (roomSelect && roomSelect.value) { return Number(roomSelect.value); }
    if (D.kind === "room") { return D.id; }
    return group && group.room_id ? group.room_id : null;
  }
  function placeGroup(groupId, day, number) {
    var group = null;
    D.palette.forEach(function (g) { if (g.id === groupId) { group = g; } });
    send({action: "place", group_id: groupId, weekday: day, number: number, room_id: chosenRoom(group)});
  }
  function moveLine(line, day, number, room) {
    send({action: "move", entry_id: line.id, weekday: day, number: number, room_id: room});
  }
  function send(change) {
    if (busy) { return; }
    busy = true;
    change.date = ruDate(D.date);
    change.kind = D.kind;
    change.id = D.id;
    setStatus(T.saving, "info");
    var request = new XMLHttpRequest();
    request.open("POST", D.urls.change);
    request.setRequestHeader("Content-Type", "application/json");
    request.setRequestHeader("X-CSRFToken", csrf);
    request.onload = function () {
      busy = false;
      var answer = null;
      try { answer = JSON.parse(request.responseText); } catch (e) { answer = null; }
      if (!answer || request.status >= 400) {
        showMessage((answer && answer.error) || T.network);
        armed = null;
        picked = null;
        if (roomButton) { roomButton.disabled = true; }
        build();
        setStatus("", "default");
        focusCell(cur.r, cur.c);
        return;
      }
      if (answer.lines) {
        D.lines = answer.lines;
        D.palette = answer.palette;
        D.numbers = answer.numbers;
      }
      armed = null;
      picked = null;
      if (roomButton) { roomButton.disabled = true; }
      build();
      setStatus(T.saved, "success");
      focusCell(cur.r, cur.c);
    };
    request.onerror = function () { busy = false; showMessage(T.network); setStatus("", "default"); };
    request.send(JSON.stringify(change));
  }

  if (roomButton) {
    roomButton.addEventListener("click", function () {
      if (picked && roomSelect && roomSelect.value) {
        moveLine(picked, picked.weekday, picked.number, Number(roomSelect.value));
      }
    });
  }
  // the choice of the kind shows its own list
  var kind = document.getElementById("tt-kind");
  if (kind) {
    kind.addEventListener("change", function () {
      Array.prototype.forEach.call(document.querySelectorAll(".tt-target"), function (select) {
        var on = select.dataset.kind === kind.value;
        select.disabled = !on;
        select.style.display = on ? "" : "none";
      });
    });
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && (armed || picked)) { disarm(); }
  });
  build();
}());
