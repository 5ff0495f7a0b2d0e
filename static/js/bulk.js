// Bulk actions on the queue: ticking rows, "select all matching", the action bar.
// Without JavaScript the bar is always shown and the ticked rows are posted as a plain form.
"use strict";

(function () {
  function rows() {
    return Array.from(document.querySelectorAll("[data-bulk-row]"));
  }

  // The number of tickets "all matching" stands for (counted by the server), or null.
  function allMatching() {
    const input = document.querySelector("[data-bulk-all]");
    return input === null ? null : input.dataset.bulkAll;
  }

  // Only the value field of the chosen action is shown.
  function syncValueFields(form) {
    const action = form.querySelector("[name='action']").value;
    form.querySelectorAll("[data-bulk-for]").forEach(function (field) {
      field.hidden = !field.dataset.bulkFor.split(" ").includes(action);
    });
  }

  function sync() {
    const form = document.querySelector("[data-bulk-bar]");
    if (!form) {
      return;
    }
    const boxes = rows();
    const checked = boxes.filter(function (box) { return box.checked; }).length;
    const all = allMatching();
    form.classList.toggle("is-active", checked > 0 || all !== null);
    const selected = form.querySelector("[data-bulk-selected]");
    if (all !== null) {
      selected.textContent = "All " + all + " matching tickets are selected.";
    } else {
      selected.textContent = checked === 1 ? "1 ticket selected." : checked + " tickets selected.";
    }
    const page = document.querySelector("[data-bulk-page]");
    if (page) {
      page.checked = boxes.length > 0 && checked === boxes.length;
      page.indeterminate = checked > 0 && checked < boxes.length;
    }
    const banner = document.querySelector("[data-bulk-banner]");
    if (banner) {
      banner.hidden = !(boxes.length > 0 && checked === boxes.length);
      const pagePart = banner.querySelector("[data-bulk-banner-page]");
      if (pagePart) {
        pagePart.hidden = all !== null;
      }
    }
    syncValueFields(form);
  }

  // Back to "only the ticked rows": forget "all matching".
  function dropAllMatching() {
    document.querySelectorAll("[data-bulk-banner-all]").forEach(function (part) {
      part.textContent = "";
    });
  }

  document.addEventListener("change", function (event) {
    const target = event.target;
    if (target.matches("[data-bulk-page]")) {
      rows().forEach(function (box) { box.checked = target.checked; });
      if (!target.checked) {
        dropAllMatching();
      }
      sync();
    } else if (target.matches("[data-bulk-row]")) {
      if (!target.checked) {
        dropAllMatching();
      }
      sync();
    } else if (target.matches("[data-bulk-bar] [name='action']")) {
      sync();
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.matches("[data-bulk-clear]")) {
      rows().forEach(function (box) { box.checked = false; });
      dropAllMatching();
      sync();
    }
  });

  // The "Select all matching" button is gone once the count arrives: keep the keyboard
  // focus in the banner, on "Clear selection".
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.matches("[data-bulk-banner-all]")) {
      const clear = event.target.querySelector("[data-bulk-clear]");
      if (clear) {
        clear.focus();
      }
    }
  });

  document.addEventListener("DOMContentLoaded", sync);
  document.addEventListener("htmx:afterSettle", sync);
})();
