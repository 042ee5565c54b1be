// A campaign's public counter, live: the stream's "count" events carry the total calls, nothing else.
// Without JavaScript (or while the stream is down) the page shows the total it was drawn with.
(function () {
  "use strict";
  var counter = document.getElementById("counter");
  var total = document.getElementById("counter-total");
  if (!counter || !total || !window.EventSource) return;
  var source = new EventSource(counter.dataset.stream);
  source.addEventListener("count", function (message) {
    var data = JSON.parse(message.data);
    if (typeof data.total === "number") total.textContent = data.total.toLocaleString(document.documentElement.lang);
  });
})();
