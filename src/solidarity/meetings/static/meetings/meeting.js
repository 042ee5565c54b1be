// A meeting's live screens: the phone (meetings/live.html), the projector (screen.html) and the run page
// (run.html). The server draws each page; this keeps it current from the meeting's stream of Server-Sent
// Events. An event is the meeting's picture: the item and its clock, who speaks and who waits, by participant
// id and lane, never a name. A name this screen has not seen is asked for once (the `names` view), so a
// keeper's tap redraws every screen from the event alone. Clocks tick here, against the server's time.
// The run page fetches itself again instead (its buttons depend on the keeper's rights), unless someone is
// typing in it. Without JavaScript the pages refresh themselves and their buttons are forms.
(function () {
  "use strict";
  var root = document.getElementById("meeting-live");
  var stateNode = document.getElementById("meeting-state");
  var wordsNode = document.getElementById("meeting-words");
  if (!root || !stateNode || !wordsNode || !window.EventSource || !window.fetch) return;
  var words = JSON.parse(wordsNode.textContent);
  var initial = JSON.parse(stateNode.textContent);
  var picture = initial.picture;
  var names = initial.names || {};
  var me = root.dataset.me || "";
  var lang = root.dataset.lang || document.documentElement.lang || "en";
  var both = root.dataset.both === "1";
  var shown = parseInt(root.dataset.shown || "5", 10);
  var run = document.getElementById("run-live");
  var WARN_SECONDS = 120;
  var skew = 0; // the server's clock minus this one, in ms
  var lastSpeaker = speakerOf(picture);
  var lastMine = mineOf(picture);

  function $(id) { return document.getElementById(id); }
  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_all, key) { return values[key]; });
  }
  function setText(id, text) { var node = $(id); if (node && node.textContent !== text) node.textContent = text; }
  function speakerOf(p) { return p.speaking ? p.speaking.who : ""; }
  function nameOf(id) { return names[id] || "…"; }

  function mineOf(p) {
    if (!me) return "";
    if (p.speaking && p.speaking.who === me) return "speaking";
    for (var i = 0; i < p.queue.length; i++) if (p.queue[i].who === me) return i === 0 ? "next" : "place:" + (i + 1);
    return "none";
  }

  function titleOf(item) {
    if (!item) return "";
    if (both && item.title_en && item.title_es) return item.title_en + " / " + item.title_es;
    return (lang === "es" ? item.title_es || item.title_en : item.title_en || item.title_es) || "";
  }

  function endsAt(start, seconds) { return start ? new Date(Date.parse(start) + seconds * 1000).toISOString() : ""; }

  function clock(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function tick() {
    drawPlan();
    var nodes = root.querySelectorAll("[data-ends]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      if (!node.dataset.ends) { node.textContent = ""; node.classList.remove("warning"); continue; }
      var left = Math.round((Date.parse(node.dataset.ends) - (Date.now() + skew)) / 1000);
      node.textContent = left >= 0 ? fmt(words.left, { time: clock(left) }) : words.overtime;
      node.classList.toggle("warning", left <= parseInt(node.dataset.warn || WARN_SECONDS, 10));
    }
  }

  function hhmm(moment) {
    return moment.toLocaleTimeString(lang === "es" ? "es-US" : "en-US", { hour: "numeric", minute: "2-digit" });
  }

  // The running total against the plan: at this pace, the meeting ends after the current item's box (or now,
  // when it runs over) and the boxes still to come.
  function drawPlan() {
    var node = $("live-plan");
    if (!node) return;
    if (picture.state !== "live" || !picture.planned_end) { node.hidden = true; return; }
    var now = Date.now() + skew;
    var item = picture.item;
    var itemEnd = item && item.started_at ? Date.parse(item.started_at) + item.box_seconds * 1000 : now;
    var expected = new Date(Math.max(now, itemEnd) + picture.after_seconds * 1000);
    var planned = new Date(Date.parse(picture.planned_end));
    node.textContent = fmt(words.plan, { expected: hhmm(expected), planned: hhmm(planned) });
    node.hidden = false;
  }

  function drawQueue(p) {
    var list = $("live-next");
    if (!list) return;
    var items = p.queue.slice(0, shown);
    var fresh = document.createDocumentFragment();
    items.forEach(function (turn) {
      var li = document.createElement("li");
      li.className = "lane-" + turn.lane + (turn.who === me ? " mine" : "");
      li.appendChild(document.createTextNode(nameOf(turn.who)));
      var tag = turn.lane !== "main" ? words["lane_" + turn.lane] : turn.first ? "" : words.second;
      if (tag) {
        li.appendChild(document.createTextNode(" · "));
        var span = document.createElement("span");
        span.className = "tag";
        span.textContent = tag;
        li.appendChild(span);
      }
      fresh.appendChild(li);
    });
    if (!items.length) {
      var empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = words.nobody;
      fresh.appendChild(empty);
    }
    list.replaceChildren(fresh);
    setText("live-count", "(" + p.queue.length + ")");
  }

  function drawMine(p) {
    var mine = mineOf(p);
    var box = $("live-mine");
    if (box && me) {
      var text = mine === "speaking" ? words.you_speaking : mine === "next" ? words.you_next
        : mine.indexOf("place:") === 0 ? fmt(words.your_place, { place: mine.slice(6) }) : words.not_on_stack;
      box.textContent = text;
      if (mine !== lastMine) announce(text);
    }
    var waiting = mine === "next" || mine.indexOf("place:") === 0;
    var ask = $("live-ask");
    if (ask) ask.hidden = waiting || !p.stack_open || !p.item || p.item.kind === "break";
    var withdraw = $("live-withdraw");
    if (withdraw) withdraw.hidden = !waiting;
    lastMine = mine;
  }

  function announce(text) { var node = $("live-announce"); if (node) node.textContent = text; }

  function draw(p) {
    var item = p.item;
    setText("live-item", item ? titleOf(item) : p.state === "closed" ? words.over : words.between);
    var label = root.querySelector(".live-item-line .live-label");
    if (label) label.textContent = item && item.kind === "break" ? words["break"] : words.now;
    var itemClock = $("live-clock");
    if (itemClock) itemClock.dataset.ends = item ? endsAt(item.started_at, item.box_seconds) : "";
    var side = $("live-side");
    if (side) { side.textContent = p.side ? p.side.title : ""; side.parentNode.hidden = !p.side; }
    setText("live-speaker", p.speaking ? nameOf(p.speaking.who) : "—");
    var speakerClock = $("live-speaker-clock");
    if (speakerClock) speakerClock.dataset.ends = p.speaking ? endsAt(p.speaking.started_at, p.turn_seconds) : "";
    var closed = $("live-stack-closed");
    if (closed) closed.hidden = p.stack_open;
    drawQueue(p);
    var speaker = speakerOf(p);
    if (speaker !== lastSpeaker && speaker) announce(fmt(words.speaking_now, { name: nameOf(speaker) }));
    lastSpeaker = speaker;
    drawMine(p);
    tick();
  }

  function unknown(p) {
    var ids = p.queue.map(function (turn) { return turn.who; });
    if (p.speaking) ids.push(p.speaking.who);
    return ids.filter(function (id) { return !(id in names); });
  }

  function withNames(p) {
    var missing = unknown(p);
    if (!missing.length || !root.dataset.names) return Promise.resolve();
    return fetch(root.dataset.names + "?ids=" + encodeURIComponent(missing.join(",")), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { names: {} }; })
      .then(function (answer) { Object.assign(names, answer.names); })
      .catch(function () {});
  }

  var fetching = false;
  var again = false;
  function refetchRun() {
    if (fetching) { again = true; return; }
    var active = document.activeElement;
    if (active && run.contains(active) && /INPUT|SELECT|TEXTAREA/.test(active.tagName)) return;
    fetching = true;
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        var fresh = html && new DOMParser().parseFromString(html, "text/html").getElementById("run-live");
        if (fresh) run.replaceWith(fresh);
        run = document.getElementById("run-live");
        root = document.getElementById("meeting-live");
      })
      .catch(function () {})
      .then(function () { fetching = false; if (again) { again = false; refetchRun(); } tick(); });
  }

  function onPicture(p) {
    if (p.version < picture.version) return;
    picture = p;
    skew = Date.parse(p.now) - Date.now();
    if (run) { refetchRun(); return; }
    if (p.state === "closed" || p.state === "cancelled") { window.location.reload(); return; }
    var missing = unknown(p);
    if (!missing.length) draw(p);
    else withNames(p).then(function () { if (picture === p) draw(p); });
  }

  // The phone's buttons (ask to speak, take it back) post in the background: the page stays, the stream
  // redraws it. A refusal (the stack just closed) shows as the server wrote it; a failure posts the plain way.
  function quietly(event) {
    var form = event.target;
    if (!form.closest || !form.closest("#live-ask, #live-withdraw")) return;
    event.preventDefault();
    var data = new FormData(form);
    if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok || response.url.indexOf("/join/") !== -1) { form.submit(); return null; }
        return response.text();
      })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".messages");
        var old = document.querySelector("main .messages");
        if (old) old.remove();
        if (fresh) document.getElementById("main").prepend(fresh);
      })
      .catch(function () { form.submit(); });
  }
  document.addEventListener("submit", quietly);

  skew = Date.parse(picture.now) - Date.now();
  var streamUrl = (run && run.dataset.stream) || root.dataset.stream;
  var source = new EventSource(streamUrl);
  source.addEventListener("meeting", function (message) { onPicture(JSON.parse(message.data)); });
  source.addEventListener("stale", function () { window.location.reload(); });
  root.dataset.live = "1";
  tick();
  window.setInterval(tick, 1000);
})();
