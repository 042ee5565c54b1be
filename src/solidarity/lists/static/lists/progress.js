// A broadcast's progress, live (lists/_progress.html). The section's data-stream sends Server-Sent Events
// when the broadcast's messages move or when it settles; htmx then fetches the section again. The events
// carry the batch's id only: the counts come with the section, through the page's own permission check.
// While the stream is down the section is fetched every 3 s instead; without JavaScript, <noscript>
// refreshes the page, and the Refresh link is there for anyone.
(function () {
  "use strict";
  var POLL_MS = 3000; // while the stream is down
  var QUIET_MS = 1000; // once more after the last event: the outbox sends one per 0.5 s and drops the rest
  var RECONNECT_MS = 15000; // a stream closed for good (a proxy's error page while the server restarts)
  var first = document.getElementById("progress");
  if (!first || !first.dataset.stream || !window.htmx) return;
  var path = window.location.pathname;
  var source = null;
  var poller = null;
  var trailing = null;
  var reconnect = null;
  var last = 0;
  var busy = false;
  var again = false;

  function section() {
    return document.getElementById("progress");
  }

  function stillGoing() {
    var found = section();
    return Boolean(found && found.dataset.stream);
  }

  function show(streaming) {
    var found = section();
    if (!found) return;
    var badge = found.querySelector("#progress-live");
    var link = found.querySelector("#progress-refresh");
    if (badge) badge.hidden = !streaming;
    if (link) link.hidden = streaming;
  }

  function stop() {
    poll(false);
    clearTimeout(trailing);
    clearTimeout(reconnect);
    if (source) source.close();
    source = null;
  }

  function refresh() {
    if (busy) {
      again = true; // one more when this one is back: it may have left before the change
      return;
    }
    busy = true;
    again = false;
    last = Date.now();
    htmx.ajax("GET", path, { target: "#progress", select: "#progress", swap: "outerHTML" }).then(fetched, fetched);
  }

  function fetched() {
    busy = false;
    if (!stillGoing()) {
      stop(); // sent, cancelled or settled: the section is final
      return;
    }
    show(Boolean(source && source.readyState === EventSource.OPEN));
    if (again) refresh();
  }

  function moved() {
    clearTimeout(trailing);
    trailing = setTimeout(refresh, QUIET_MS);
    if (Date.now() - last >= QUIET_MS) refresh(); // at once, at most once a second
  }

  function poll(on) {
    if (on && !poller) poller = setInterval(refresh, POLL_MS);
    if (!on && poller) {
      clearInterval(poller);
      poller = null;
    }
  }

  // A page that is no longer the progress (signed out meanwhile: the sign-in page) never replaces it.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "progress" && !/id="progress"/.test(event.detail.serverResponse || "")) {
      event.detail.shouldSwap = false;
      stop();
      show(false);
    }
  });

  function connect() {
    var stream = new EventSource(first.dataset.stream);
    source = stream;
    stream.addEventListener("open", function () {
      poll(false);
      show(true);
      refresh(); // what moved between the page's rendering (or the drop) and now
    });
    stream.addEventListener("progress", moved);
    stream.addEventListener("settled", refresh);
    stream.addEventListener("error", function () {
      // The browser reconnects by itself (the stream asks for 3 s); a 204 (nothing left to watch) or an
      // error page closes the stream for good. Either way, fetch every few seconds until it is back.
      show(false);
      poll(true);
      if (stream.readyState === EventSource.CLOSED && source === stream) {
        source = null;
        clearTimeout(reconnect);
        reconnect = setTimeout(connect, RECONNECT_MS);
      }
    });
  }

  if (window.EventSource) {
    connect();
  } else {
    poll(true);
  }
})();
