// The canned response picker beside the reply box (templates/canned/picker.html).
// The server fills in the placeholders for the ticket; this inserts the text it
// returns into the reply box at the cursor, replacing any selected text, and shows the
// changes a macro will make when the reply is sent.
"use strict";

(function () {
  function replyTextarea(picker) {
    const section = picker.closest("#reply-box") || document;
    return section.querySelector("[data-reply-box] textarea[name='text']");
  }

  function insertAtCursor(textarea, text) {
    const start = textarea.selectionStart;
    const end = textarea.selectionEnd;
    textarea.setRangeText(text, start, end, "end");
    textarea.focus();
    // Whatever watches the box (a draft, a counter) hears of the change as if typed.
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function showError(picker, message) {
    const error = picker.querySelector("[data-canned-error]");
    if (error) {
      error.textContent = message;
      error.hidden = message === "";
    }
  }

  // Enter in the search box would submit its (empty) form and leave the page, and the
  // reply being written with it; the search runs as you type.
  document.addEventListener("submit", function (event) {
    if (event.target.matches("[data-canned-picker-form]")) {
      event.preventDefault();
    }
  });

  // A macro's changes (templates/canned/picker.html#changes) replace those of the last
  // one picked; a response without changes leaves them as they are.
  function showChanges(picker, url) {
    return fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("The canned response's changes could not be loaded (" + response.status + ").");
        }
        return response.text();
      })
      .then(function (html) {
        const current = picker.querySelector("[data-macro-changes]");
        const template = document.createElement("template");
        template.innerHTML = html.trim();
        const fresh = template.content.querySelector("[data-macro-changes]");
        if (current && fresh) {
          current.replaceWith(fresh);
        }
      });
  }

  document.addEventListener("click", function (event) {
    const remove = event.target.closest("[data-macro-remove]");
    if (!remove) {
      return;
    }
    const block = remove.closest("[data-macro-changes]");
    remove.closest("[data-macro-chip]").remove();
    if (block && !block.querySelector("[data-macro-chip]")) {
      block.hidden = true;
    }
    const textarea = block && replyTextarea(block);
    if (textarea) {
      textarea.focus();
    }
  });

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-canned-url]");
    if (!button) {
      return;
    }
    // Without JavaScript the button submits the picker's form to the page instead.
    event.preventDefault();
    const picker = button.closest("[data-canned-picker]");
    // Enter in the search box "clicks" the form's first button (implicit submission): that
    // is a search, not a choice of response.
    const active = document.activeElement;
    if (active && active !== button && active.form && active.form === button.form && active.type === "search") {
      return;
    }
    const textarea = replyTextarea(picker);
    if (!textarea) {
      return;
    }
    button.disabled = true;
    fetch(button.dataset.cannedUrl, { headers: { Accept: "text/plain" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("The canned response could not be loaded (" + response.status + ").");
        }
        return response.text();
      })
      .then(function (text) {
        showError(picker, "");
        insertAtCursor(textarea, text);
        if (button.dataset.cannedChangesUrl) {
          return showChanges(picker, button.dataset.cannedChangesUrl);
        }
      })
      .catch(function (error) {
        showError(picker, error.message);
      })
      .finally(function () {
        button.disabled = false;
      });
  });
})();
