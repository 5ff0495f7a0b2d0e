// SLA countdowns: each <time data-countdown> (sla/templatetags/sla.py) shows the time left
// to its due time, or how long it is overdue, counted again every second in the browser.
(function () {
  "use strict";

  function duration(totalSeconds) {
    var seconds = Math.floor(Math.abs(totalSeconds));
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    if (days) { return days + " d " + hours + " h"; }
    if (hours) { return hours + " h " + pad(minutes) + " min"; }
    return minutes + " min " + pad(rest) + " s";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-countdown]").forEach(function (element) {
      var due = Date.parse(element.getAttribute("datetime"));
      if (isNaN(due)) { return; }
      var left = (due - now) / 1000;
      var text = duration(left) + (left >= 0 ? " left" : " overdue");
      if (element.textContent !== text) { element.textContent = text; }
      element.classList.toggle("overdue", left < 0);
    });
  }

  tick();
  window.setInterval(tick, 1000);
})();
