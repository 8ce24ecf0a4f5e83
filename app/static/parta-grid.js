/* The journal grid: keyboard entry of marks and attendance, saved in batches.
 * Data comes from the page (#grid-data), texts from #grid-text; every change is
 * checked again on the server, which answers per cell. On a phone or a tablet a tap
 * on a cell opens the entry pad: an input (the phone's keyboard) and the scale's
 * values as buttons. The data's and the save's shape are described once, at their
 * producer (app/journal/grid.py, load_grid). A first grade (D.marked false) learns without marks: its grid
 * has attendance only, no averages and no period marks. */
(function () {
  "use strict";
  var dataNode = document.getElementById("grid-data");
  if (!dataNode) { return; }
  var D = JSON.parse(dataNode.textContent);
  var T = JSON.parse(document.getElementById("grid-text").textContent);
  var table = document.getElementById("journal-grid");
  var statusNode = document.getElementById("grid-status");
  var messages = document.getElementById("grid-messages");
  var csrfNode = document.getElementById("grid-csrf");
  var csrf = csrfNode ? csrfNode.value : "";

  function fmt(text, params) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return params[key]; });
  }
  function num(value) { return String(value).replace(".", ","); }  // 1.5 → «1,5»
  function ruDate(iso) { return iso.slice(8, 10) + "." + iso.slice(5, 7) + "." + iso.slice(0, 4); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  var scaleCodes = {}, attCodes = {};
  D.scale.forEach(function (v) { scaleCodes[v.code.toLowerCase()] = v.code; });
  D.codes.forEach(function (c) { attCodes[c.code.toLowerCase()] = c.code; });
  // letters typed without switching to the Russian layout: «n» or the key of «н» (Y), «b» for «б»
  var LATIN = {"n": "н", "y": "н", "b": "б"};

  var marked = D.marked !== false;
  var students = D.students, lessons = D.lessons;
  var grid = [];          // rows of cell descriptors
  var pending = {};       // key → change
  var saved = {};         // key → value as stored on the server
  var cur = null;         // {r, c}
  var buffer = null;      // text being typed into the current cell
  var saveTimer = null, saving = false;
  var refused = {};       // key → true while the cell shows a refusal (red) the user has not acted on

  function markKey(aid, sid) { return "m:" + aid + ":" + sid; }
  function attKey(lid, sid) { return "a:" + lid + ":" + sid; }

  function showMessage(text, kind, withUnlock) {
    var div = el("div", "alert alert-" + (kind || "danger") + " alert-dismissable parta-grid-msg", text);
    var unlock = document.getElementById("grid-unlock");
    if (withUnlock && unlock) {
      // the coordinator reads the lock message with the way to open the journal
      var link = el("a", "", unlock.textContent.trim());
      link.href = unlock.href;
      div.appendChild(link);
    }
    var close = el("button", "close", "×");
    close.type = "button";
    close.addEventListener("click", function () { div.remove(); });
    div.insertBefore(close, div.firstChild);
    messages.appendChild(div);
    while (messages.children.length > 5) { messages.removeChild(messages.firstChild); }
  }
  function setStatus(text, kind) {
    statusNode.textContent = text;
    statusNode.className = "label label-" + (kind || "default");
  }
  function pendingCount() { return Object.keys(pending).length; }

  /* ---- working without the network ----
   * Every staged change is also kept in the browser's IndexedDB (database
   * "parta-journal", store "changes", key "<group>|<cell key>", value {group, key,
   * change}) until the server has answered for it, so that a dropped connection or
   * a reload loses nothing. Without the network the page keeps taking marks and says
   * how many changes wait; they are sent when the browser is online again (the
   * "online" event, and a retry every few seconds after a failed request), each with
   * the value the page saw, so a cell someone changed meanwhile comes back as a
   * conflict showing their value — nothing is overwritten silently. */
  var offline = navigator.onLine === false;
  var queueDb = null;
  var RETRY_MS = 5000;
  var pluralRules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang || "ru") : null;

  function offlineText(n) {
    var forms = T.offline, category = pluralRules ? pluralRules.select(n) : (n === 1 ? "one" : "other");
    return fmt(forms[category] || forms.other, {num: n});
  }
  function pendingStatus(kind) {
    if (offline) { setStatus(offlineText(pendingCount()), "warning"); }
    else { setStatus(fmt(T.unsaved, {n: pendingCount()}), kind || "warning"); }
  }
  function queueId(key) { return D.group.id + "|" + key; }
  function remember(key) {
    if (!queueDb) { return; }
    try {
      var store = queueDb.transaction("changes", "readwrite").objectStore("changes");
      if (pending[key]) { store.put({group: D.group.id, key: key, change: pending[key].change}, queueId(key)); }
      else { store.delete(queueId(key)); }
    } catch (e) { /* a full or closed database: the change stays on this page */ }
  }
  function openQueue(done) {
    var request;
    try { request = window.indexedDB && indexedDB.open("parta-journal", 1); } catch (e) { request = null; }
    if (!request) { done([]); return; }
    request.onupgradeneeded = function () { request.result.createObjectStore("changes"); };
    request.onerror = function () { done([]); };
    request.onsuccess = function () {
      queueDb = request.result;
      var all = queueDb.transaction("changes").objectStore("changes").getAll();
      all.onsuccess = function () { done((all.result || []).filter(function (item) { return item.group === D.group.id; })); };
      all.onerror = function () { done([]); };
    };
  }
  function descOf(key) {
    for (var r = 0; r < grid.length; r++) {
      for (var c = 0; c < grid[r].length; c++) { if (grid[r][c].key === key) { return grid[r][c]; } }
    }
    return null;
  }
  function restoreQueued(items) {
    // changes typed before a reload (or on a page closed without the network): shown and sent again
    items.forEach(function (item) {
      if (pending[item.key]) { return; }
      var change = item.change, desc = descOf(item.key);
      pending[item.key] = {change: change, desc: desc};
      if (desc && desc.kind === "mark") { paintMark(desc, [change.value || "", !!change.duty, change.comment || ""]); }
      else if (desc) { paintAtt(desc, change.value || ""); }
      else if (change.kind === "period") { restore(item.key, {change: change, desc: null}, change.value); }
      if (desc) { desc.td.classList.add("dirty"); }
    });
    if (pendingCount()) { pendingStatus(); if (!offline) { save(); } }
  }
  window.addEventListener("offline", function () { offline = true; if (pendingCount()) { pendingStatus(); } });
  window.addEventListener("online", function () { offline = false; if (pendingCount()) { pendingStatus(); save(); } });

  /* ---- building the table ---- */
  function build() {
    var head1 = el("tr"), head2 = el("tr");
    var th = el("th", "parta-grid-name", T.student);
    th.rowSpan = 2;
    head1.appendChild(th);
    if (!lessons.length) {
      var empty = el("th", "", T.noLessons);
      head1.appendChild(empty);
    }
    lessons.forEach(function (lesson) {
      var asg = marked ? lesson.assignments : [];
      var span = marked ? Math.max(asg.length, 1) + 1 : 1;
      var cell = el("th", "parta-grid-lesson" + (lesson.cancelled ? " cancelled" : "") + (lesson.lock ? " locked" : ""));
      cell.colSpan = span;
      cell.dataset.lesson = lesson.id;
      var link = el("a", "", lesson.label);
      link.href = "#";
      link.title = (lesson.topic || T.noTopic) + (lesson.cancelled ? " (" + T.cancelled + ")" : "");
      link.addEventListener("click", function (event) { event.preventDefault(); openLesson(lesson); });
      cell.appendChild(link);
      if (!lesson.topic) { cell.appendChild(el("span", "parta-grid-notopic", "•")); }
      head1.appendChild(cell);
      if (marked && !asg.length) {
        head2.appendChild(el("th", "parta-grid-asg muted", "—"));
      }
      asg.forEach(function (a) {
        var h = el("th", "parta-grid-asg" + (a.control ? " control" : ""), a.abbr);
        h.title = a.name + (a.title ? " «" + a.title + "»" : "") + ", " + T.weight + " " + num(a.weight) + (a.control ? ", " + T.control : "");
        h.appendChild(el("sub", "", "×" + num(a.weight)));
        head2.appendChild(h);
      });
      var ah = el("th", "parta-grid-att", T.att);
      head2.appendChild(ah);
    });
    (marked ? [["a", T.avg, T.arith], ["w", T.wavg, T.formula], ["s", T.suggested, ""], ["p", T.period, ""]] : []).forEach(function (col) {
      var h = el("th", "parta-grid-sum " + col[0], col[1]);
      h.rowSpan = 2;
      if (col[2]) { h.title = col[2]; }
      head1.appendChild(h);
    });
    var thead = el("thead");
    thead.appendChild(head1);
    thead.appendChild(head2);
    table.appendChild(thead);

    var tbody = el("tbody");
    students.forEach(function (student, r) {
      var tr = el("tr");
      var name = el("th", "parta-grid-name", student.name);
      name.scope = "row";
      if (student.joined) { name.appendChild(el("small", "parta-grid-note", fmt(T.joined, {date: student.joined}))); }
      if (student.left) { name.appendChild(el("small", "parta-grid-note", fmt(T.left, {date: student.left}))); tr.className = "left"; }
      tr.appendChild(name);
      var row = [];
      lessons.forEach(function (lesson) {
        var asg = marked ? lesson.assignments : [];
        if (marked && !asg.length) {
          var none = el("td", "parta-grid-cell muted");
          tr.appendChild(none);
        }
        asg.forEach(function (a) {
          var key = markKey(a.id, student.id);
          var value = D.marks[a.id + ":" + student.id] || ["", false, ""];
          saved[key] = value;
          var td = el("td", "parta-grid-cell pg-mark" + (lesson.cancelled ? " cancelled" : "") + ((a.control ? lesson.lockControl : lesson.lock) ? " locked" : ""));
          td.tabIndex = -1;
          td.dataset.a = a.id;
          td.dataset.s = student.id;
          var desc = {td: td, kind: "mark", key: key, lesson: lesson, asg: a, student: student, r: r, c: row.length};
          td.addEventListener("mousedown", function () { select(desc.r, desc.c); });
          td.addEventListener("click", function () { if (padWanted()) { showPad(desc); } });
          row.push(desc);
          paintMark(desc, value);
          tr.appendChild(td);
        });
        var akey = attKey(lesson.id, student.id);
        var att = D.attendance[lesson.id + ":" + student.id] || "";
        saved[akey] = att;
        var atd = el("td", "parta-grid-cell pg-att" + (lesson.lockAttendance ? " locked" : ""));
        atd.tabIndex = -1;
        atd.dataset.l = lesson.id;
        atd.dataset.s = student.id;
        var adesc = {td: atd, kind: "att", key: akey, lesson: lesson, student: student, r: r, c: row.length};
        atd.addEventListener("mousedown", function () { select(adesc.r, adesc.c); });
        atd.addEventListener("click", function () { if (padWanted()) { showPad(adesc); } });
        row.push(adesc);
        paintAtt(adesc, att);
        tr.appendChild(atd);
      });
      if (marked) {
        ["a", "w", "s"].forEach(function (k) {
          var td = el("td", "parta-grid-sum " + k);
          td.dataset.student = student.id;
          tr.appendChild(td);
        });
        var ptd = el("td", "parta-grid-sum p");
        tr.appendChild(ptd);
        if (D.period) { ptd.appendChild(periodSelect(student)); }
      }
      tbody.appendChild(tr);
      grid.push(row);
    });
    table.appendChild(tbody);
    students.forEach(function (student) { paintAverage(student.id, D.averages[String(student.id)] || {}); });
  }

  function periodSelect(student) {
    var select = el("select", "form-control input-sm parta-grid-pm");
    var key = "p:" + student.id;
    var current = D.periodMarks[String(student.id)] || "";
    saved[key] = current;
    select.appendChild(el("option", "", ""));
    D.scale.forEach(function (v) {
      var option = el("option", "", v.code);
      option.value = v.code;
      select.appendChild(option);
    });
    select.value = current;
    select.setAttribute("aria-label", T.period + ": " + student.name);
    select.dataset.student = student.id;
    if (!D.editable || D.periodLock) {
      select.disabled = true;
      if (D.periodLock) { select.title = D.periodLock; }
    }
    select.addEventListener("change", function () {
      stage(key, {kind: "period", period: D.period.id, student: student.id, value: select.value, old: saved[key]});
    });
    return select;
  }

  function paintMark(desc, value) {
    var text = value[0] + (value[1] ? "•" : "");
    desc.td.textContent = text;
    desc.td.classList.toggle("has-comment", !!value[2]);
    desc.td.title = [desc.student.name, desc.lesson.label, desc.asg.name, value[2] || ""].filter(Boolean).join(" · ");
    desc.value = value;
  }
  function paintAtt(desc, code) {
    desc.td.textContent = code;
    desc.td.title = desc.student.name + " · " + desc.lesson.label + " · " + T.att;
    desc.value = code;
  }
  function reloadAverages() {
    if (!D.urls.averages || !D.period) { return; }
    var request = new XMLHttpRequest();
    request.open("GET", D.urls.averages + "&period=" + encodeURIComponent(D.period.id));
    request.onload = function () {
      var all = null;
      try { all = request.status === 200 ? JSON.parse(request.responseText) : null; } catch (e) { all = null; }
      Object.keys(all || {}).forEach(function (sid) { paintAverage(sid, all[sid]); });
    };
    request.send();
  }
  function paintAverage(studentId, avg) {
    var row = table.querySelectorAll('td.parta-grid-sum[data-student="' + studentId + '"]');
    if (!row.length) { return; }
    row[0].textContent = avg.arithmetic || "";
    row[0].title = T.arith;
    row[1].textContent = avg.weighted || "";
    row[1].title = avg.formula ? T.formula + "\n" + avg.formula : T.formula;
    row[2].textContent = avg.suggested || "";
  }

  /* ---- selection and keyboard ---- */
  function select(r, c) {
    commitBuffer();
    if (!grid.length || !grid[r]) { return; }
    c = Math.max(0, Math.min(c, grid[r].length - 1));
    if (cur) { var old = grid[cur.r][cur.c]; if (old) { old.td.classList.remove("current"); old.td.tabIndex = -1; } }
    cur = {r: r, c: c};
    var desc = grid[r][c];
    if (!desc) { return; }
    desc.td.classList.add("current");
    desc.td.tabIndex = 0;  // Tab from the page's controls comes back to the current cell
    desc.td.focus({preventScroll: false});
    showEditor(desc);
    if (pad && !pad.hidden) { showPad(desc); }
  }
  function currentDesc() { return cur ? grid[cur.r][cur.c] : null; }

  function lockOf(desc) {
    if (!D.editable) { return T.readonly; }
    if (desc.kind === "att") { return desc.lesson.lockAttendance; }
    return desc.asg.control ? desc.lesson.lockControl : desc.lesson.lock;
  }

  function startTyping(ch) {
    var desc = currentDesc();
    if (!desc) { return; }
    var lock = lockOf(desc);
    if (lock) { showMessage(lock, "danger", D.editable); return; }
    buffer = (buffer || "") + ch;
    desc.td.textContent = buffer;
    desc.td.classList.add("typing");
  }
  function commitBuffer() {
    if (buffer === null) { return; }
    var desc = currentDesc(), text = buffer.trim();
    buffer = null;
    if (!desc) { return; }
    desc.td.classList.remove("typing");
    setCell(desc, text);
  }
  function cancelBuffer() {
    var desc = currentDesc();
    buffer = null;
    if (desc) {
      desc.td.classList.remove("typing");
      if (desc.kind === "mark") { paintMark(desc, desc.value); } else { paintAtt(desc, desc.value); }
    }
  }

  function attendanceCode(text) {
    var lower = text.toLowerCase();
    if (LATIN[lower]) { lower = LATIN[lower]; }
    return attCodes[lower];
  }

  function forgetRefusal(desc) {
    if (!refused[desc.key]) { return; }
    delete refused[desc.key];
    desc.td.classList.remove("refused");
    if (!pendingCount() && !saving) { showOutcome(false); }
  }
  function showOutcome(failed) {
    if (pendingCount()) { pendingStatus(); }
    else if (failed || Object.keys(refused).length) { setStatus(T.failed, "danger"); }
    else { setStatus(T.saved, "success"); }
  }

  function setCell(desc, text) {
    forgetRefusal(desc);
    if (desc.kind === "mark") {
      var code = scaleCodes[text.toLowerCase()];
      if (text && !code && attendanceCode(text)) {
        // a letter typed over a mark records the student's absence at that lesson
        var row = grid[desc.r];
        for (var i = 0; i < row.length; i++) {
          if (row[i].kind === "att" && row[i].lesson.id === desc.lesson.id) { setCell(row[i], text); break; }
        }
        paintMark(desc, desc.value);
        return;
      }
      // a mark replaces a «точка» (the work is done); clearing the cell clears its comment too
      setMark(desc, [code || text, false, text === "" ? "" : desc.value[2]]);
    } else {
      var att = text ? (attendanceCode(text) || text) : "";
      if (att === desc.value) { paintAtt(desc, att); return; }
      paintAtt(desc, att);
      stage(desc.key, {kind: "attendance", lesson: desc.lesson.id, student: desc.student.id, value: att, old: saved[desc.key]}, desc);
    }
  }
  function setMark(desc, value) {
    forgetRefusal(desc);
    if (value[0] === desc.value[0] && value[1] === desc.value[1] && value[2] === desc.value[2]) {
      paintMark(desc, value);
      return;
    }
    paintMark(desc, value);
    stage(desc.key, {kind: "mark", assignment: desc.asg.id, student: desc.student.id, value: value[0], duty: value[1],
                     comment: value[2], old: saved[desc.key]}, desc);
  }

  function stage(key, change, desc) {
    pending[key] = {change: change, desc: desc || null};
    delete refused[key];
    if (desc) { desc.td.classList.remove("refused", "conflict"); desc.td.classList.add("dirty"); }
    remember(key);
    pendingStatus();
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, 1200);
  }

  table.addEventListener("keydown", function (event) {
    if (!cur) { return; }
    var key = event.key;
    if (event.ctrlKey || event.metaKey || event.altKey) {
      if ((key === "s" || key === "ы") && (event.ctrlKey || event.metaKey)) { event.preventDefault(); commitBuffer(); save(); }
      return;
    }
    var moves = {ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1], Enter: [1, 0], Tab: [0, event.shiftKey ? -1 : 1]};
    if (key === "Tab" && (event.shiftKey ? cur.c === 0 : cur.c === grid[cur.r].length - 1)) {
      commitBuffer();  // past the row's edge Tab leaves the grid: no keyboard trap
      return;
    }
    if (moves[key]) {
      event.preventDefault();
      commitBuffer();
      var r = Math.max(0, Math.min(grid.length - 1, cur.r + moves[key][0]));
      select(r, cur.c + moves[key][1]);
      return;
    }
    if (key === "Escape") { cancelBuffer(); return; }
    var desc = currentDesc();
    if (key === "Delete" || (key === "Backspace" && buffer === null)) {
      event.preventDefault();
      var lock = lockOf(desc);
      if (lock) { showMessage(lock, "danger", D.editable); return; }
      if (desc.kind === "mark") { setMark(desc, ["", false, ""]); } else { setCell(desc, ""); }
      return;
    }
    if (key === "Backspace") {
      event.preventDefault();
      buffer = buffer.slice(0, -1);
      desc.td.textContent = buffer;
      return;
    }
    if (key === "." && desc.kind === "mark" && buffer === null) {
      event.preventDefault();
      var lock2 = lockOf(desc);
      if (lock2) { showMessage(lock2, "danger", D.editable); return; }
      setMark(desc, [desc.value[0], !desc.value[1], desc.value[2]]);
      showEditor(desc);
      return;
    }
    if (key.length === 1 && key !== " ") {
      event.preventDefault();
      startTyping(key);
    }
  });

  /* ---- the entry pad of a phone or a tablet: an input and the values as buttons ---- */
  var pad = document.getElementById("cell-pad");
  var padInput = document.getElementById("cell-pad-input");
  var padValues = document.getElementById("cell-pad-values");
  var padMedia = window.matchMedia ? window.matchMedia("(pointer: coarse), (max-width: 767px)") : null;
  function padWanted() { return !!(pad && D.editable && padMedia && padMedia.matches); }

  function padButton(text, label, action, cls) {
    var button = el("button", "btn btn-default " + (cls || ""), text);
    button.type = "button";
    if (label) { button.setAttribute("aria-label", label); button.title = label; }
    // the pad keeps the focus in its input (the phone's keyboard stays as it is)
    button.addEventListener("mousedown", function (event) { event.preventDefault(); });
    button.addEventListener("click", action);
    return button;
  }
  function padEnter(text) {
    var desc = currentDesc();
    if (!desc) { return; }
    var lock = lockOf(desc);
    if (lock) { showMessage(lock, "danger", D.editable); return; }
    if (text === "" && desc.kind === "mark") { setMark(desc, ["", false, ""]); }
    else { setCell(desc, text); }
    padMove(1);
  }
  function padMove(step) {
    if (!cur) { return; }
    var r = Math.max(0, Math.min(grid.length - 1, cur.r + step));
    select(r, cur.c);
  }
  function showPad(desc) {
    if (!pad) { return; }
    pad.hidden = false;
    document.body.classList.add("parta-grid-pad-open");
    var title = desc.student.name + " · " + desc.lesson.label + " · " + (desc.kind === "mark" ? desc.asg.abbr : T.att);
    document.getElementById("cell-pad-title").textContent = title;
    padInput.value = desc.kind === "mark" ? desc.value[0] : desc.value;
    padInput.setAttribute("aria-label", title);
    var lock = lockOf(desc);
    padInput.disabled = !!lock;
    padValues.textContent = "";
    if (lock) {
      padValues.appendChild(el("p", "text-muted parta-grid-pad-lock", lock));
    } else {
      if (desc.kind === "mark") {
        D.scale.forEach(function (v) { padValues.appendChild(padButton(v.code, "", function () { padEnter(v.code); }, "pg-pad-mark")); });
        padValues.appendChild(padButton("•", T.duty, function () {
          var d = currentDesc();
          if (d && d.kind === "mark") { setMark(d, [d.value[0], !d.value[1], d.value[2]]); showEditor(d); }
        }, "pg-pad-duty"));
      }
      D.codes.forEach(function (c) { padValues.appendChild(padButton(c.code, c.name, function () { padEnter(c.code); }, "pg-pad-att")); });
      padValues.appendChild(padButton("✕", T.clear, function () { padEnter(""); }, "pg-pad-clear"));
    }
    desc.td.scrollIntoView({block: "nearest", inline: "nearest"});
    var padTop = pad.getBoundingClientRect().top, box = desc.td.getBoundingClientRect();
    if (box.bottom > padTop - 4) { window.scrollBy(0, box.bottom - padTop + 8); }  // not under the pad
    if (!padInput.disabled) { padInput.focus({preventScroll: true}); padInput.select(); }
  }
  function hidePad() {
    if (!pad) { return; }
    pad.hidden = true;
    document.body.classList.remove("parta-grid-pad-open");
  }
  if (pad) {
    padInput.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); padEnter(padInput.value.trim()); }
      else if (event.key === "ArrowDown") { event.preventDefault(); padMove(1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); padMove(-1); }
      else if (event.key === "Escape") { event.preventDefault(); hidePad(); }
    });
    document.getElementById("cell-pad-next").addEventListener("click", function () { padMove(1); });
    document.getElementById("cell-pad-prev").addEventListener("click", function () { padMove(-1); });
    document.getElementById("cell-pad-close").addEventListener("click", hidePad);
  }

  /* ---- the cell editor: «точка» and comment ---- */
  var editor = document.getElementById("cell-editor");
  var dutyBox = document.getElementById("cell-duty");
  var commentBox = document.getElementById("cell-comment");
  function showEditor(desc) {
    if (!editor) { return; }
    if (desc.kind !== "mark") { editor.hidden = true; return; }
    editor.hidden = false;
    document.getElementById("cell-editor-title").textContent = desc.student.name + " · " + desc.lesson.label + " · " + desc.asg.abbr;
    dutyBox.checked = !!desc.value[1];
    commentBox.value = desc.value[2] || "";
    var locked = !!lockOf(desc);
    dutyBox.disabled = locked;
    commentBox.disabled = locked;
  }
  if (editor) {
    dutyBox.addEventListener("change", function () {
      var desc = currentDesc();
      if (desc && desc.kind === "mark") { setMark(desc, [desc.value[0], dutyBox.checked, desc.value[2]]); }
    });
    commentBox.addEventListener("change", function () {
      var desc = currentDesc();
      if (desc && desc.kind === "mark") { setMark(desc, [desc.value[0], desc.value[1], commentBox.value.trim()]); }
    });
  }

  /* ---- the lesson dialog: topic, homework, new columns ---- */
  var dialogLesson = null, plan = null;
  function openLesson(lesson) {
    var dialog = document.getElementById("lesson-dialog");
    if (!dialog) { return; }
    if (plan === null && D.urls.plan) {
      // the КТП's topics for lessons without one, fetched once
      var request = new XMLHttpRequest();
      request.open("GET", D.urls.plan);
      request.onload = function () {
        try { plan = request.status === 200 ? JSON.parse(request.responseText) : {}; } catch (e) { plan = {}; }
        lessons.forEach(function (l) { if (plan[l.id]) { l.plan = plan[l.id].topic; l.planHw = plan[l.id].homework; } });
        var topicBox = document.getElementById("lesson-topic"), hwBox = document.getElementById("lesson-hw");
        if (dialogLesson === lesson && !lesson.topic && lesson.plan && !topicBox.value) {
          topicBox.value = lesson.plan;
          if (!hwBox.value) { hwBox.value = lesson.planHw || ""; }
          document.getElementById("lesson-plan-hint").textContent = fmt(T.planHint, {topic: lesson.plan});
        }
      };
      request.send();
      plan = {};
    }
    dialogLesson = lesson;
    document.getElementById("lesson-dialog-title").textContent = fmt(T.lessonTitle, {date: ruDate(lesson.date), n: lesson.number});
    var lockNote = document.getElementById("lesson-lock");
    if (lockNote) { lockNote.textContent = lesson.lock || ""; lockNote.hidden = !lesson.lock; }
    var topic = document.getElementById("lesson-topic");
    topic.value = lesson.topic || lesson.plan || "";
    document.getElementById("lesson-plan-hint").textContent = lesson.plan ? fmt(T.planHint, {topic: lesson.plan}) : "";
    document.getElementById("lesson-hw").value = lesson.homework || (lesson.topic ? "" : (lesson.planHw || ""));
    document.getElementById("assignment-lesson").value = lesson.id;
    window.jQuery(dialog).modal("show");
    setTimeout(function () { topic.focus(); }, 300);
  }
  var apply = document.getElementById("lesson-apply");
  if (apply) {
    apply.addEventListener("click", function () {
      var lesson = dialogLesson;
      if (!lesson) { return; }
      var topic = document.getElementById("lesson-topic").value.trim();
      var hw = document.getElementById("lesson-hw").value.trim();
      if (topic !== lesson.topic || hw !== lesson.homework) {
        stage("l:" + lesson.id, {kind: "lesson", lesson: lesson.id, topic: topic, homework: hw,
                                 old: saved["l:" + lesson.id] || {topic: lesson.topic, homework: lesson.homework}});
        lesson.topic = topic;
        lesson.homework = hw;
        var head = table.querySelector('th[data-lesson="' + lesson.id + '"]');
        if (head) {
          head.querySelector("a").title = topic || T.noTopic;
          var dot = head.querySelector(".parta-grid-notopic");
          if (topic && dot) { dot.remove(); }
        }
      }
      window.jQuery("#lesson-dialog").modal("hide");
    });
  }

  /* ---- saving ---- */
  function save() {
    clearTimeout(saveTimer);
    var keys = Object.keys(pending);
    if (!keys.length || saving) { if (saving && keys.length) { saveTimer = setTimeout(save, 800); } return; }
    if (offline && navigator.onLine === false) { pendingStatus(); return; }  // sent by the "online" event
    saving = true;
    var batch = keys.map(function (k) { return pending[k]; });
    pending = {};
    setStatus(T.saving, "info");
    var request = new XMLHttpRequest();
    request.open("POST", D.urls.save);
    request.setRequestHeader("Content-Type", "application/json");
    request.setRequestHeader("X-CSRFToken", csrf);
    request.onload = function () {
      saving = false;
      var answer = null;
      try { answer = JSON.parse(request.responseText); } catch (e) { answer = null; }
      if (!answer || request.status >= 400) {
        batch.forEach(function (item, i) { if (!pending[keys[i]]) { pending[keys[i]] = item; } });
        showMessage((answer && answer.error) || T.network);
        if (!answer || request.status >= 500) { saveTimer = setTimeout(save, RETRY_MS); }  // a proxy's or server's failure
        pendingStatus("danger");
        return;
      }
      var failed = false;
      batch.forEach(function (item, i) {
        var change = item.change, desc = item.desc, index = String(i);
        if (desc) { desc.td.classList.remove("dirty"); }
        if (answer.errors[index]) {
          failed = true;
          var message = (desc ? desc.student.name + ", " + desc.lesson.label + ": " : "") + answer.errors[index];
          showMessage(message);
          restore(keys[i], item, saved[keys[i]]);
          if (desc) { refused[keys[i]] = true; desc.td.classList.add("refused"); desc.td.title = answer.errors[index]; }
        } else if (answer.conflicts.hasOwnProperty(index)) {
          failed = true;
          var theirs = answer.conflicts[index];
          saved[keys[i]] = change.kind === "mark" ? theirs : theirs;
          restore(keys[i], item, theirs);
          if (desc) { desc.td.classList.add("conflict"); }
          var shown = Array.isArray(theirs) ? theirs[0] + (theirs[1] ? "•" : "") : (typeof theirs === "object" ? theirs.topic : theirs);
          showMessage(fmt(T.conflict, {value: shown || "—"}), "warning");
        } else {
          delete refused[keys[i]];
          saved[keys[i]] = change.kind === "mark" ? [change.value, !!change.duty, change.comment || ""]
            : change.kind === "lesson" ? {topic: change.topic, homework: change.homework} : change.value;
        }
        var next = pending[keys[i]];
        if (next && JSON.stringify(next.change.old) === JSON.stringify(change.old)) {
          next.change.old = saved[keys[i]];  // typed again while this was sent: compare with what is stored now
        }
        remember(keys[i]);  // answered: out of the browser's queue unless typed again meanwhile
      });
      if (answer.averages === null) { reloadAverages(); }  // saved, but the averages could not be read with it
      Object.keys(answer.averages || {}).forEach(function (sid) { paintAverage(sid, answer.averages[sid]); });
      if (pendingCount()) { saveTimer = setTimeout(save, 800); }
      showOutcome(failed);
    };
    request.onerror = function () {
      saving = false;
      batch.forEach(function (item, i) { if (!pending[keys[i]]) { pending[keys[i]] = item; } });
      if (navigator.onLine === false) { offline = true; } else { showMessage(T.network); }
      pendingStatus("danger");
      clearTimeout(saveTimer);
      saveTimer = setTimeout(save, RETRY_MS);  // and at once when the browser says it is online again
    };
    request.send(JSON.stringify({group: D.group.id, period: D.period ? D.period.id : null,
                                 changes: batch.map(function (item) { return item.change; })}));
  }
  function restore(key, item, value) {
    var desc = item.desc;
    if (desc && desc.kind === "mark") { paintMark(desc, value || ["", false, ""]); }
    else if (desc) { paintAtt(desc, value || ""); }
    else if (item.change.kind === "period") {
      var select = table.querySelector('select.parta-grid-pm[data-student="' + item.change.student + '"]');
      if (select) { select.value = value || ""; }
    }
  }

  var saveButton = document.getElementById("grid-save");
  if (saveButton) { saveButton.addEventListener("click", function () { commitBuffer(); save(); }); }
  window.addEventListener("beforeunload", function (event) {
    if (queueDb) { return; }  // the changes wait in the browser's queue and are sent from the next visit
    if (pendingCount() || saving) { event.preventDefault(); event.returnValue = T.leave; return T.leave; }
  });

  build();
  if (grid.length && grid[0].length) {
    // start at the first cell of the latest lesson that has begun
    // the browser's own date (the school's, where the school is), not UTC's: toISOString() gave
    // yesterday between midnight and 3 a.m. in Moscow
    var now = new Date(), start = 0;
    var today = now.getFullYear() + "-" + ("0" + (now.getMonth() + 1)).slice(-2) + "-" + ("0" + now.getDate()).slice(-2);
    grid[0].forEach(function (desc, c) { if (desc.lesson.date <= today && (start === 0 || grid[0][start].lesson.id !== desc.lesson.id)) { if (desc.lesson.date <= today) { start = c; } } });
    var first = grid[0][start];
    for (var c = 0; c < grid[0].length; c++) { if (grid[0][c].lesson.id === first.lesson.id) { start = c; break; } }
    cur = null;
    select(0, start);
    var wrap = table.parentNode;
    wrap.scrollLeft = Math.max(0, grid[0][start].td.offsetLeft - wrap.clientWidth / 2);
  }
  openQueue(restoreQueued);
  window.partaGrid = {save: save, pending: pendingCount};
})();
