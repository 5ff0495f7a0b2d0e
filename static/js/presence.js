// Collision warnings on the ticket page (tickets/views/presence.py). The #presence block
// polls the server with htmx (hx-trigger "every …ms"); this file adds whether the agent is
// writing a reply, and polls at once when that changes so colleagues see it quickly.
"use strict";

(function () {
  function replyText() {
    return document.querySelector("#reply-box textarea[name='text']");
  }

  function isReplying() {
    const text = replyText();
    return text !== null && text.value.trim() !== "";
  }

  let lastReplying = null;

  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.elt.matches("[data-presence]")) {
      return;
    }
    lastReplying = isReplying();
    event.detail.parameters.replying = lastReplying ? "1" : "";
  });

  // The block is re-rendered on every poll; swapping identical markup would make screen
  // readers announce the same thing again (the block is a live region).
  document.addEventListener("htmx:beforeSwap", function (event) {
    const target = event.detail.target;
    if (!target || !target.matches("[data-presence]")) {
      return;
    }
    const html = event.detail.xhr.responseText;
    if (target.dataset.presenceHtml === html) {
      event.detail.shouldSwap = false;
    }
    target.dataset.presenceHtml = html;
  });

  document.addEventListener("input", function (event) {
    if (!event.target.matches("#reply-box textarea[name='text']")) {
      return;
    }
    const block = document.querySelector("[data-presence]");
    if (block !== null && lastReplying !== null && isReplying() !== lastReplying && window.htmx) {
      window.htmx.trigger(block, "presence-changed");
    }
  });

  // A held-back reply comes back as a new reply box, so the Send button that had the focus
  // is gone: take the agent to the notice that says why, instead of the top of the page.
  document.addEventListener("htmx:afterSettle", function () {
    const notice = document.getElementById("reply-conflict");
    if (notice !== null && notice.dataset.focused === undefined) {
      notice.dataset.focused = "1";
      notice.focus();
    }
  });
})();
