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

// The top bar's menu on a phone: folded away behind its button (see layout.html). Without
// JS the button stays hidden and the links show.
document.addEventListener("DOMContentLoaded", function () {
  const toggle = document.querySelector("[data-menu-toggle]");
  const menu = document.querySelector("[data-menu]");
  if (!toggle || !menu) {
    return;
  }
  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("is-open", open);
  });
});

// The colour theme: auto (the system's), dark or light, kept in this browser (theme.js
// applies it before the page shows).
(function () {
  const order = ["auto", "dark", "light"];

  function current() {
    return document.documentElement.dataset.theme || "auto";
  }

  function show() {
    document.querySelectorAll("[data-theme-name]").forEach(function (name) {
      name.textContent = current();
    });
  }

  document.addEventListener("DOMContentLoaded", show);
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-theme-toggle]");
    if (!button) {
      return;
    }
    const next = order[(order.indexOf(current()) + 1) % order.length];
    if (next === "auto") {
      delete document.documentElement.dataset.theme;
    } else {
      document.documentElement.dataset.theme = next;
    }
    try {
      if (next === "auto") {
        window.localStorage.removeItem("theme");
      } else {
        window.localStorage.setItem("theme", next);
      }
    } catch (error) {
      // Not kept: the choice lasts for this page only.
    }
    show();
  });
})();

// The queue's drop-down filters (includes/filter_dropdown.html): the closed summary says
// what is ticked; a click elsewhere or Escape closes an open one.
function syncDropdowns(root) {
  root.querySelectorAll("[data-dropdown]").forEach(function (dropdown) {
    const chosen = dropdown.querySelector("[data-dropdown-chosen]");
    if (!chosen) {
      return;
    }
    const labels = Array.from(dropdown.querySelectorAll("input:checked")).map(function (box) {
      return box.closest("label").textContent.trim();
    });
    chosen.textContent =
      labels.length === 0
        ? chosen.dataset.nothing
        : labels.length <= 2
          ? labels.join(", ")
          : labels.length + " chosen";
  });
}

document.addEventListener("change", function (event) {
  if (event.target.closest("[data-dropdown]")) {
    syncDropdowns(document);
  }
});

document.addEventListener("click", function (event) {
  document.querySelectorAll("details.dropdown[open]").forEach(function (dropdown) {
    if (!dropdown.contains(event.target) && !dropdown.classList.contains("more-filters")) {
      dropdown.open = false;
    }
  });
});

document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") {
    return;
  }
  const open = event.target.closest && event.target.closest("details.dropdown[open]");
  if (open) {
    open.open = false;
    open.querySelector("summary").focus();
  }
});
