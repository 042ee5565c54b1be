// The dashboard's live worker heartbeat, over Server-Sent Events. The page works without it.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.EventSource) return;
  var state = document.getElementById("worker-state");
  var beat = document.getElementById("worker-beat");
  var source = new EventSource(live.dataset.stream);
  source.addEventListener("open", function () { live.hidden = false; });
  source.addEventListener("heartbeat", function (message) {
    var data = JSON.parse(message.data);
    beat.dateTime = data.at;
    beat.textContent = new Date(data.at).toLocaleTimeString(document.documentElement.lang);
    state.dataset.ok = "1";
    state.textContent = live.dataset.working;
  });
})();
