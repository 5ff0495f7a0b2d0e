// The bell of the top bar (templates/notifications/bell.html): opens its panel in place,
// loaded with htmx, instead of following the link to the notifications page.
"use strict";

(function () {
  function close(bell) {
    bell.querySelector("[data-bell-panel]").hidden = true;
    bell.querySelector("[data-bell-button]").setAttribute("aria-expanded", "false");
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-bell-button]");
    const openBell = document.querySelector("[data-bell] [data-bell-panel]:not([hidden])");
    if (!button) {
      // A click outside an open panel closes it.
      if (openBell && !event.target.closest("[data-bell-panel]")) {
        close(openBell.closest("[data-bell]"));
      }
      return;
    }
    if (!window.htmx) {
      return; // without htmx the link opens the page
    }
    event.preventDefault();
    const bell = button.closest("[data-bell]");
    const panel = bell.querySelector("[data-bell-panel]");
    if (!panel.hidden) {
      close(bell);
      return;
    }
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
    window.htmx.ajax("GET", button.getAttribute("href"), { target: panel, swap: "innerHTML" });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    const open = document.querySelector("[data-bell] [data-bell-panel]:not([hidden])");
    if (open) {
      const bell = open.closest("[data-bell]");
      close(bell);
      bell.querySelector("[data-bell-button]").focus();
    }
  });
})();
