// Attachments: a file input that is also a drop zone, listing the chosen files.
// Loaded as a file (the Content-Security-Policy allows no inline script). The input
// keeps the files, so the form sends them as usual, with or without htmx.
"use strict";

(function () {
  function humanSize(bytes) {
    const units = ["bytes", "KB", "MB", "GB"];
    let size = bytes;
    let unit = 0;
    while (size >= 1024 && unit < units.length - 1) {
      size /= 1024;
      unit += 1;
    }
    return (unit === 0 ? size : size.toFixed(1)) + " " + units[unit];
  }

  function inputOf(zone) {
    return zone.querySelector("input[type='file']");
  }

  // Replace the input's files; DataTransfer is the only way to build a FileList.
  function setFiles(input, files) {
    const transfer = new DataTransfer();
    files.forEach(function (file) {
      transfer.items.add(file);
    });
    input.files = transfer.files;
  }

  function showFiles(zone) {
    const input = inputOf(zone);
    const list = zone.querySelector("[data-dropzone-list]");
    if (!input || !list) {
      return;
    }
    list.replaceChildren();
    const maxSize = Number(zone.dataset.maxSize || 0);
    Array.from(input.files).forEach(function (file, index) {
      const item = document.createElement("li");
      item.textContent = file.name + " (" + humanSize(file.size) + ") ";
      // The server checks again; this only saves sending a file it would refuse.
      if (maxSize && file.size > maxSize) {
        const warning = document.createElement("span");
        warning.className = "too-large";
        // "(20.0 MB) too large, the limit is 20.0 MB" would read like a mistake.
        warning.textContent =
          humanSize(file.size) === humanSize(maxSize)
            ? "just over the limit of " + humanSize(maxSize) + " "
            : "too large, the limit is " + humanSize(maxSize) + " ";
        item.appendChild(warning);
      }
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn-link small";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", "Remove " + file.name);
      remove.dataset.dropzoneRemove = String(index);
      item.appendChild(remove);
      list.appendChild(item);
    });
  }

  document.addEventListener("change", function (event) {
    const zone = event.target.closest("[data-dropzone]");
    if (zone && event.target.matches("input[type='file']")) {
      showFiles(zone);
    }
  });

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-dropzone-remove]");
    if (!button) {
      return;
    }
    const zone = button.closest("[data-dropzone]");
    const input = inputOf(zone);
    const index = Number(button.dataset.dropzoneRemove);
    setFiles(
      input,
      Array.from(input.files).filter(function (file, position) {
        return position !== index;
      })
    );
    showFiles(zone);
    input.focus();
  });

  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      const zone = event.target.closest && event.target.closest("[data-dropzone]");
      if (zone && event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files")) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
        zone.classList.add("is-dragover");
      }
    });
  });

  document.addEventListener("dragleave", function (event) {
    const zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (zone && !zone.contains(event.relatedTarget)) {
      zone.classList.remove("is-dragover");
    }
  });

  document.addEventListener("drop", function (event) {
    const zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (!zone || !event.dataTransfer || event.dataTransfer.files.length === 0) {
      return;
    }
    event.preventDefault();
    zone.classList.remove("is-dragover");
    const input = inputOf(zone);
    // Dropped files are added to those already chosen.
    setFiles(input, Array.from(input.files).concat(Array.from(event.dataTransfer.files)));
    showFiles(zone);
  });
})();
