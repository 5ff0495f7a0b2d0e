// The @ suggester of internal notes (tickets/mentions.py): typing @ and the start of a
// username in the reply box, while "Internal note" is chosen, lists the matching agents
// (GET /agents/mentions/?q=...); Up/Down choose, Enter or Tab insert, Escape closes.
"use strict";

(function () {
  const TYPED = /(?:^|[^\w@])@([\w.+-]*)$/;
  let timer = null;
  let asked = 0;

  function isNote(form) {
    const kind = form.querySelector("input[name='kind']:checked");
    return kind && kind.value === "note";
  }

  function box(textarea) {
    let holder = textarea.parentElement.querySelector("[data-mention-suggestions]");
    if (!holder) {
      holder = document.createElement("div");
      holder.className = "mention-suggestions";
      holder.dataset.mentionSuggestions = "";
      holder.id = "mention-suggestions";
      textarea.insertAdjacentElement("afterend", holder);
      textarea.setAttribute("aria-autocomplete", "list");
      textarea.setAttribute("aria-controls", holder.id);
    }
    return holder;
  }

  function options(textarea) {
    return Array.from(box(textarea).querySelectorAll("[data-username]"));
  }

  function closeList(textarea) {
    const holder = textarea.parentElement.querySelector("[data-mention-suggestions]");
    if (holder) {
      holder.innerHTML = "";
    }
    textarea.removeAttribute("aria-activedescendant");
  }

  function select(textarea, index) {
    const all = options(textarea);
    all.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (all[index]) {
      textarea.setAttribute("aria-activedescendant", all[index].id);
    }
  }

  function insert(textarea, username) {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const match = TYPED.exec(before);
    if (!match) {
      return;
    }
    const start = before.length - match[1].length;
    textarea.setRangeText(username + " ", start, textarea.selectionEnd, "end");
    closeList(textarea);
    textarea.focus();
  }

  function suggest(textarea, prefix) {
    const url = textarea.closest("[data-reply-box]").dataset.mentionsUrl || "/agents/mentions/";
    const number = ++asked;
    fetch(url + "?q=" + encodeURIComponent(prefix), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : "";
      })
      .then(function (html) {
        if (number !== asked) {
          return; // an answer to an older keystroke
        }
        const template = document.createElement("template");
        template.innerHTML = html.trim();
        const holder = box(textarea);
        holder.replaceChildren(template.content);
        select(textarea, 0);
      });
  }

  document.addEventListener("input", function (event) {
    const textarea = event.target;
    if (!textarea.matches || !textarea.matches("[data-reply-box] textarea[name='text']")) {
      return;
    }
    clearTimeout(timer);
    const match = isNote(textarea.form) && TYPED.exec(textarea.value.slice(0, textarea.selectionStart));
    if (!match) {
      closeList(textarea);
      return;
    }
    timer = setTimeout(function () {
      suggest(textarea, match[1]);
    }, 150);
  });

  document.addEventListener("keydown", function (event) {
    const textarea = event.target;
    if (!textarea.matches || !textarea.matches("[data-reply-box] textarea[name='text']")) {
      return;
    }
    const all = options(textarea);
    if (!all.length) {
      return;
    }
    const current = all.findIndex(function (option) {
      return option.getAttribute("aria-selected") === "true";
    });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      select(textarea, (current + step + all.length) % all.length);
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      insert(textarea, all[Math.max(current, 0)].dataset.username);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      closeList(textarea);
    }
  });

  document.addEventListener("mousedown", function (event) {
    const option = event.target.closest("[data-mention-suggestions] [data-username]");
    if (!option) {
      return;
    }
    event.preventDefault(); // keeps the focus and the cursor in the reply box
    const textarea = option.closest("[data-mention-suggestions]").previousElementSibling;
    insert(textarea, option.dataset.username);
  });
})();
