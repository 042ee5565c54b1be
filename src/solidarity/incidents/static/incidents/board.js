// The live board (incidents/board.html). The status line's data-stream sends Server-Sent Events on the
// `incidents` channel when an incident changes or a report waits; the page is then fetched again and its two
// sections swapped, without a reload. The events carry codes and states only: what shows comes with the page,
// through its own permission check. A section someone is typing in is left alone until they leave it.
// While the stream is down the page is fetched every 10 s; without JavaScript, the Refresh link.
(function () {
  "use strict";
  var SECTIONS = ["board-waiting", "board-incidents"];
  var POLL_MS = 10000;
  var QUIET_MS = 500; // events come in bursts (a report, its timeline entry): one fetch for the burst
  var RECONNECT_MS = 15000;
  var status = document.getElementById("board-status");
  if (!status || !status.dataset.stream || !window.fetch || !window.DOMParser) return;
  var path = window.location.pathname;
  var source = null;
  var poller = null;
  var timer = null;
  var busy = false;
  var again = false;
  var held = {}; // a section not swapped because someone types in it: its fresh copy, swapped when they leave

  function show(streaming) {
    document.getElementById("board-live").hidden = !streaming;
    document.getElementById("board-refresh").hidden = streaming;
  }

  function typingIn(section) {
    var active = document.activeElement;
    return Boolean(active && active !== document.body && section.contains(active) && active.tagName !== "A");
  }

  function swap(id, fresh) {
    var section = document.getElementById(id);
    if (!section || !fresh) return;
    if (typingIn(section)) {
      held[id] = fresh;
      return;
    }
    delete held[id];
    section.replaceWith(fresh);
  }

  function refresh() {
    if (busy) {
      again = true; // once more when this one is back: it may have left before the change
      return;
    }
    busy = true;
    again = false;
    fetch(path, { credentials: "same-origin", headers: { Accept: "text/html" }, cache: "no-store" })
      .then(function (response) {
        // Signed out meanwhile (the sign-in page) or refused: keep what shows, and stop listening.
        if (!response.ok || response.redirected) throw new Error("board: " + response.status);
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        SECTIONS.forEach(function (id) {
          swap(id, page.getElementById(id));
        });
      })
      .catch(function () {
        stop();
        show(false);
      })
      .then(function () {
        busy = false;
        if (again) refresh();
      });
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, QUIET_MS);
  }

  function poll(on) {
    if (on && !poller) poller = setInterval(refresh, POLL_MS);
    if (!on && poller) {
      clearInterval(poller);
      poller = null;
    }
  }

  function stop() {
    poll(false);
    clearTimeout(timer);
    if (source) source.close();
    source = null;
  }

  // A held section is swapped once focus leaves it (a form sent, or the dispatcher moved on).
  document.addEventListener("focusout", function () {
    setTimeout(function () {
      Object.keys(held).forEach(function (id) {
        swap(id, held[id]);
      });
    }, 0);
  });

  function connect() {
    var stream = new EventSource(status.dataset.stream);
    source = stream;
    stream.addEventListener("open", function () {
      poll(false);
      show(true);
      soon(); // what changed between the page's rendering (or the drop) and now
    });
    stream.addEventListener("changed", soon);
    stream.addEventListener("reports", soon);
    stream.addEventListener("error", function () {
      show(false);
      poll(true);
      if (stream.readyState === EventSource.CLOSED && source === stream) {
        source = null;
        setTimeout(connect, RECONNECT_MS);
      }
    });
  }

  if (window.EventSource) {
    connect();
  } else {
    poll(true);
  }
})();
