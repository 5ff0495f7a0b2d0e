// The workspace's own behaviour. Loaded as a file: the Content-Security-Policy
// allows no inline script. htmx (vendor/htmx.min.js) does the in-place updates.
"use strict";

document.documentElement.classList.add("js");

// The reply box looks like a note, and says so on its button, when "Internal note" is chosen.
function syncReplyBox(root) {
  root.querySelectorAll("[data-reply-box]").forEach(function (box) {
    const checked = box.querySelector("input[name='kind']:checked");
    const isNote = checked !== null && checked.value === "note";
    box.classList.toggle("is-note", isNote);
    const button = box.querySelector("[data-reply-submit]");
    if (button) {
      button.textContent = isNote ? button.dataset.noteLabel : button.dataset.replyLabel;
    }
  });
}

document.addEventListener("change", function (event) {
  if (event.target.matches("[data-reply-box] input[name='kind']")) {
    syncReplyBox(document);
  }
});

document.addEventListener("DOMContentLoaded", function () {
  syncReplyBox(document);
});

document.addEventListener("htmx:afterSettle", function (event) {
  syncReplyBox(document);
});

// After a refused form the error summary takes the focus (see includes/error_summary.html).
document.addEventListener("DOMContentLoaded", function () {
  const summary = document.querySelector("[data-focus-on-load]");
  if (summary) {
    summary.focus();
  }
});

// A reply just sent lands above the reply box, out of sight of the agent who wrote it:
// bring it and the confirmation below it (data-reveal, in the reply box) into view.
document.addEventListener("htmx:afterSettle", function () {
  const notice = document.querySelector("[data-reveal]");
  if (notice) {
    notice.removeAttribute("data-reveal");
    notice.scrollIntoView({ block: "center" });
  }
});

// A form page that answers a POST (a refused save) names the address that shows it again:
// the address bar gets it, so that reloading the page shows the form, not a bare 405.
document.addEventListener("DOMContentLoaded", function () {
  const named = document.querySelector("[data-page-url]");
  if (named) {
    history.replaceState(history.state, "", named.dataset.pageUrl);
  }
});

// Dates on the pages are written in the reader's time zone: the server reads it from this
// cookie (helpdesk.middleware.BrowserTimeZoneMiddleware).
(function () {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // IANA names ("America/Argentina/Buenos_Aires") hold only characters a cookie may carry.
  if (zone && !document.cookie.split("; ").includes("tz=" + zone)) {
    document.cookie = "tz=" + zone + "; path=/; max-age=31536000; samesite=lax";
  }
})();

// A form over the upload limits gets a 413 (from the app, which names the limit in the
// X-Upload-Error header, or from the proxy): htmx leaves the page as it is, so the typed
// text stays; say what went wrong beside the files.
document.addEventListener("htmx:responseError", function (event) {
  const xhr = event.detail.xhr;
  const form = event.detail.elt.closest("form");
  if (!xhr || xhr.status !== 413 || !form) {
    return;
  }
  const zone = form.querySelector("[data-dropzone]");
  const error = form.querySelector("[data-upload-error]");
  if (!zone || !error) {
    return;
  }
  error.textContent = xhr.getResponseHeader("X-Upload-Error") || zone.dataset.tooLarge;
  error.hidden = false;
  zone.classList.add("has-error");
});
