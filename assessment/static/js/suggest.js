/* Suggestions for inputs with data-suggest, read from the JSON API as the user types, in a list of our own
   (the ARIA combobox pattern). Not a <datalist>: browsers show only the options that contain the words typed,
   so "pizzeria" or "idraulico" would find nothing although the search answers with the right codes.
   data-suggest-label names the list (in the page's language); data-suggest-keep (a regular expression) keeps
   only the values that match it. Licence: same as the project. */
(function () {
  "use strict";
  var count = 0;

  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var listbox = document.createElement("ul");
    var keep = input.dataset.suggestKeep ? new RegExp(input.dataset.suggestKeep) : null;
    var timer = null;
    var active = -1;
    var items = [];
    count += 1;
    listbox.id = "suggestions-" + count;
    listbox.className = "suggestions";
    listbox.setAttribute("role", "listbox");
    listbox.setAttribute("aria-label", input.dataset.suggestLabel || "");
    listbox.hidden = true;
    input.insertAdjacentElement("afterend", listbox);
    input.removeAttribute("list");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", listbox.id);
    input.setAttribute("aria-expanded", "false");

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = listbox.children;
      if (!options.length) { return; }
      active = (index + options.length) % options.length;
      Array.prototype.forEach.call(options, function (option, n) {
        option.setAttribute("aria-selected", n === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      if (index < 0 || index >= items.length) { return; }
      input.value = items[index].value;
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function show(found) {
      items = keep ? found.filter(function (item) { return keep.test(item.value); }) : found;
      listbox.innerHTML = "";
      items.forEach(function (item, n) {
        var option = document.createElement("li");
        var value = document.createElement("strong");
        option.id = listbox.id + "-" + n;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        value.textContent = item.value;
        option.appendChild(value);
        if (item.label && item.label !== item.value) {
          option.appendChild(document.createTextNode(" " + item.label));
        }
        /* mousedown, not click: the input keeps the focus and does not close the list before the choice */
        option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(n); });
        listbox.appendChild(option);
      });
      listbox.hidden = items.length === 0;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
      active = -1;
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      var term = input.value.trim();
      if (term.length < 2) { close(); return; }
      timer = setTimeout(function () {
        var url = input.dataset.suggest + (input.dataset.suggest.indexOf("?") < 0 ? "?" : "&") +
          "q=" + encodeURIComponent(term);
        fetch(url, { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { items: [] }; })
          .then(function (data) { if (input.value.trim() === term) { show(data.items || []); } })
          .catch(function () { /* suggestions are a convenience: typing still works */ });
      }, 200);
    });

    input.addEventListener("keydown", function (event) {
      if (listbox.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(active); }
      else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", close);
  });
})();
