// The colour theme chosen in this browser: "dark" or "light" on <html data-theme>, or none
// to follow the system's setting (prefers-color-scheme). Loaded before the stylesheets, not
// deferred, so that a page never flashes in the other theme; app.js has the toggle.
"use strict";

(function () {
  let theme = null;
  try {
    theme = window.localStorage.getItem("theme");
  } catch (error) {
    // Storage refused (a privacy setting): the system's theme it is.
  }
  if (theme === "dark" || theme === "light") {
    document.documentElement.dataset.theme = theme;
  }
})();
