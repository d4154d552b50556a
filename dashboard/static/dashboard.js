// Live updates for the operators' board: an EventSource pushes the rendered board, and rows are
// swapped in place so whatever the operator is typing in or has focused is left alone.
// Without JavaScript every form still works by POST and redirect.
(function () {
  "use strict";

  var flash = document.getElementById("flash");
  if (flash) {
    flash.focus();
  }

  var board = document.getElementById("board");
  if (!board || !window.EventSource || !window.URLSearchParams) {
    return;
  }
  var statusLine = document.getElementById("live-status");
  var announcer = document.getElementById("announcer");
  var filters = document.getElementById("filters");
  var resetLink = document.getElementById("filter-reset");
  var source = null;
  var known = new Set(rowIds(board));
  // After a change of filters the rows that appear are not news.
  var quiet = false;

  rows(board).forEach(function (row) { row.serverHtml = row.outerHTML; });

  function rows(root) {
    return Array.prototype.slice.call(root.querySelectorAll("#items tbody tr[data-id]"));
  }

  function rowIds(root) {
    return rows(root).map(function (row) { return row.dataset.id; });
  }

  function setStatus(state) {
    statusLine.hidden = false;
    statusLine.dataset.state = state;
    statusLine.textContent = statusLine.dataset[state === "on" ? "on" : state === "off" ? "off" : "connecting"];
  }

  // A row is busy while the operator works in it: it holds focus or has an action form open.
  function busy(row) {
    return row.contains(document.activeElement) || row.querySelector("details[open]") !== null;
  }

  function replaceSection(id, fresh) {
    var current = document.getElementById(id);
    var next = fresh.getElementById ? fresh.getElementById(id) : fresh.querySelector("#" + id);
    if (current && next) {
      current.replaceWith(next);
    }
  }

  function applyRows(fresh) {
    var body = board.querySelector("#items tbody");
    var freshBody = fresh.querySelector("#items tbody");
    var current = {};
    rows(board).forEach(function (row) { current[row.dataset.id] = row; });
    var hasRowsNow = board.querySelector("#items tbody tr[data-id]") !== null;
    var hasRowsNext = freshBody.querySelector("tr[data-id]") !== null;
    if (!hasRowsNow || !hasRowsNext) {
      // Between "no items" and a list there is no row to keep: take the fresh body whole.
      if (!body.contains(document.activeElement)) {
        body.replaceWith(freshBody);
        rows(board).forEach(function (row) { row.serverHtml = row.outerHTML; });
      }
      return;
    }
    var wanted = rows(fresh).map(function (row) {
      var html = row.outerHTML;
      var old = current[row.dataset.id];
      if (old && (old.serverHtml === html || busy(old))) {
        return old;
      }
      row.serverHtml = html;
      return row;
    });
    // Move nodes only where the order changed, so a focused row is never detached.
    var cursor = body.firstElementChild;
    wanted.forEach(function (node) {
      if (node === cursor) {
        cursor = cursor.nextElementSibling;
      } else {
        body.insertBefore(node, cursor);
      }
    });
    while (cursor) {
      var next = cursor.nextElementSibling;
      if (!busy(cursor)) {
        body.removeChild(cursor);
      }
      cursor = next;
    }
  }

  function announce(ids) {
    var added = ids.filter(function (id) { return !known.has(id); });
    ids.forEach(function (id) { known.add(id); });
    if (added.length === 0 || quiet) {
      quiet = false;
      return;
    }
    announcer.textContent = added.length === 1
      ? announcer.dataset.one
      : announcer.dataset.many.replace("{count}", String(added.length));
  }

  function onBoard(event) {
    var template = document.createElement("template");
    template.innerHTML = event.data;
    var fresh = template.content;
    replaceSection("summary", fresh);
    var count = fresh.querySelector("#items-count");
    var countNow = document.getElementById("items-count");
    if (count && countNow) {
      countNow.textContent = count.textContent;
    }
    // Read the ids first: applying moves the fresh rows out of the fragment.
    var ids = rowIds(fresh);
    applyRows(fresh);
    announce(ids);
    setStatus("on");
  }

  function connect(query) {
    if (source) {
      source.close();
    }
    setStatus("connecting");
    source = new EventSource(board.dataset.live + query);
    source.addEventListener("board", onBoard);
    source.addEventListener("open", function () { setStatus("on"); });
    source.addEventListener("error", function () {
      setStatus("off");
      if (source.readyState === EventSource.CLOSED) {
        // Refused (signed out or expired): try again later; the page itself shows the login.
        window.setTimeout(function () { connect(window.location.search); }, 10000);
      }
    });
  }

  if (filters) {
    filters.addEventListener("submit", function (event) {
      event.preventDefault();
      var params = new URLSearchParams();
      new FormData(filters).forEach(function (value, key) {
        if (value) {
          params.append(key, value);
        }
      });
      var query = params.toString() ? "?" + params.toString() : "";
      window.history.replaceState(null, "", window.location.pathname + query);
      if (resetLink) {
        resetLink.hidden = query === "";
      }
      quiet = true;
      connect(query);
    });
  }

  connect(window.location.search);
})();
