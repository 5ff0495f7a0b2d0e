// Keyboard shortcuts of the workspace; the list is the dialog in templates/layout.html
// (templates/includes/shortcuts_dialog.html) and docs/agents.md.
//   queue:  j / k highlight the next / previous ticket, o or Enter opens it
//   ticket: r writes a reply, n an internal note
//   everywhere: / focuses the search, ? shows the list
// None fires while the agent types in a field or holds Ctrl, Meta or Alt.
"use strict";

(function () {
  const HIGHLIGHT = "is-highlighted";

  // A ticked checkbox or radio button keeps the focus, but nothing is typed into it.
  function isTyping(target) {
    if (!(target instanceof Element)) {
      return false;
    }
    const field = target.closest("input, textarea, select, [contenteditable]");
    return (
      target.isContentEditable ||
      (field !== null && !field.matches("input[type='checkbox'], input[type='radio']"))
    );
  }

  function queueRows() {
    return Array.from(document.querySelectorAll("#queue-results tbody tr[data-ticket-url]"));
  }

  function highlighted(rows) {
    return rows.find(function (row) {
      return row.classList.contains(HIGHLIGHT);
    });
  }

  function highlight(row, rows) {
    rows.forEach(function (other) {
      other.classList.remove(HIGHLIGHT);
      other.removeAttribute("aria-current");
    });
    row.classList.add(HIGHLIGHT);
    row.setAttribute("aria-current", "true");
    row.tabIndex = -1;
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    const rows = queueRows();
    if (rows.length === 0) {
      return false;
    }
    // From the row whose checkbox was just ticked, else from the highlighted one.
    const focused = rows.find(function (row) {
      return row !== document.activeElement && row.contains(document.activeElement);
    });
    const current = rows.indexOf(focused || highlighted(rows));
    let next = current === -1 ? (step > 0 ? 0 : rows.length - 1) : current + step;
    next = Math.max(0, Math.min(rows.length - 1, next));
    highlight(rows[next], rows);
    return true;
  }

  function openHighlighted() {
    const row = highlighted(queueRows());
    if (!row) {
      return false;
    }
    window.location.assign(row.dataset.ticketUrl);
    return true;
  }

  function focusSearch() {
    const field = document.getElementById("id_search") || document.getElementById("global-search");
    if (!field) {
      return false;
    }
    field.focus();
    field.select();
    return true;
  }

  function startReply(kind) {
    const box = document.querySelector("[data-reply-box]");
    if (!box) {
      return false;
    }
    const choice = box.querySelector("input[name='kind'][value='" + kind + "']");
    if (choice && !choice.checked) {
      choice.checked = true;
      // app.js restyles the box and relabels its button on this event.
      choice.dispatchEvent(new Event("change", { bubbles: true }));
    }
    const text = box.querySelector("textarea[name='text']");
    if (text) {
      text.focus();
      text.scrollIntoView({ block: "center" });
    }
    return true;
  }

  function showShortcuts() {
    const dialog = document.getElementById("shortcuts-dialog");
    if (!dialog || dialog.open) {
      return false;
    }
    dialog.showModal();
    return true;
  }

  const ACTIONS = {
    j: function () { return move(1); },
    k: function () { return move(-1); },
    o: openHighlighted,
    Enter: openHighlighted,
    "/": focusSearch,
    "?": showShortcuts,
    r: function () { return startReply("reply"); },
    n: function () { return startReply("note"); },
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) {
      return;
    }
    if (isTyping(event.target) || document.querySelector("dialog[open]")) {
      return;
    }
    // Enter keeps its own meaning on links and buttons; it opens only a highlighted row.
    if (event.key === "Enter" && !(event.target instanceof HTMLTableRowElement)) {
      return;
    }
    const action = Object.prototype.hasOwnProperty.call(ACTIONS, event.key) ? ACTIONS[event.key] : null;
    if (action && action()) {
      event.preventDefault();
    }
  });
})();
