// An import's progress, live (people/_import_progress.html). The section's data-stream sends Server-Sent
// Events while the import runs (the import's id only); the section is then fetched again from the page,
// through its own permission check. While the stream is down it is fetched every 3 s; without JavaScript
// the page refreshes itself (<noscript>), and the Refresh link is there for anyone.
(function () {
  "use strict";
  var POLL_MS = 3000;
  var section = document.getElementById("progress");
  if (!section || !section.dataset.stream || !window.fetch) return;
  var path = window.location.pathname;
  var source = null;
  var poller = null;
  var busy = false;

  function refresh() {
    if (busy) return;
    busy = true;
    fetch(path, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        busy = false;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("progress");
        var current = document.getElementById("progress");
        if (!fresh || !current) return stop();
        current.replaceWith(fresh);
        if (!fresh.dataset.stream) {
          stop();
          window.location.reload(); // done: the whole page shows the results and what to do next
        }
      }, function () { busy = false; });
  }

  function stop() {
    if (poller) clearInterval(poller);
    poller = null;
    if (source) source.close();
    source = null;
  }

  function poll() {
    if (!poller) poller = setInterval(refresh, POLL_MS);
  }

  if (window.EventSource) {
    source = new EventSource(section.dataset.stream);
    source.addEventListener("open", function () {
      if (poller) clearInterval(poller);
      poller = null;
      var link = document.getElementById("progress-refresh");
      if (link) link.hidden = true;
      refresh();
    });
    source.addEventListener("progress", refresh);
    source.addEventListener("settled", refresh);
    source.addEventListener("error", poll);
  } else {
    poll();
  }
})();
