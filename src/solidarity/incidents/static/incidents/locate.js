// "Use my location": picks the zone whose centre is nearest to the phone's position, in the browser.
// The coordinates never leave the phone: nothing is sent, nothing is stored. No map, nothing third-party.
(function () {
  "use strict";
  var button = document.getElementById("locate");
  var row = document.getElementById("locate-row");
  var status = document.getElementById("locate-status");
  if (!button || !row || !status || !("geolocation" in navigator)) return;
  var select = document.getElementById(button.getAttribute("data-for"));
  if (!select) return;
  var centred = Array.prototype.filter.call(select.options, function (option) {
    return option.value && option.hasAttribute("data-lat") && option.hasAttribute("data-lon");
  });
  if (!centred.length) return; // no zone has a centre: the list alone

  function radians(degrees) { return degrees * Math.PI / 180; }
  function distance(lat1, lon1, lat2, lon2) { // kilometres, haversine
    var dLat = radians(lat2 - lat1), dLon = radians(lon2 - lon1);
    var a = Math.pow(Math.sin(dLat / 2), 2) +
      Math.cos(radians(lat1)) * Math.cos(radians(lat2)) * Math.pow(Math.sin(dLon / 2), 2);
    return 12742 * Math.asin(Math.min(1, Math.sqrt(a)));
  }
  function say(text) { status.textContent = text; }

  row.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      button.disabled = false;
      var lat = position.coords.latitude, lon = position.coords.longitude;
      var best = null, bestKm = Infinity;
      centred.forEach(function (option) {
        var km = distance(lat, lon, parseFloat(option.getAttribute("data-lat")), parseFloat(option.getAttribute("data-lon")));
        if (km < bestKm) { best = option; bestKm = km; }
      });
      if (!best || bestKm > 100) { say(button.getAttribute("data-none")); return; }
      select.value = best.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      say(button.getAttribute("data-found").replace("{zone}", best.textContent));
    }, function () {
      button.disabled = false;
      say(button.getAttribute("data-failed"));
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 });
  });
})();
