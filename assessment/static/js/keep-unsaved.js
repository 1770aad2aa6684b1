/* Switching language reloads the page: what was ticked or typed in a questionnaire form and not yet saved
   comes back in the new language instead of being lost. Kept in this browser tab only (sessionStorage),
   for ten minutes, and read once. Licence: same as the project. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-keep-unsaved]");
  if (!form) { return; }
  var key = "bussola-unsaved:" + form.getAttribute("action");
  var storage;
  try { storage = window.sessionStorage; } catch (e) { return; }  /* storage blocked: nothing to keep */

  function fields() {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.name && field.name !== "csrf_token" &&
        ["hidden", "submit", "button", "file"].indexOf(field.type) < 0;
    });
  }

  function remember() {
    var state = {};
    fields().forEach(function (field) {
      if (field.type === "checkbox" || field.type === "radio") {
        state[field.name] = state[field.name] || [];
        if (field.checked) { state[field.name].push(field.value); }
      } else {
        state[field.name] = field.value;
      }
    });
    try { storage.setItem(key, JSON.stringify({ at: Date.now(), state: state })); } catch (e) { /* full */ }
  }

  function restore() {
    var saved = null;
    try { saved = JSON.parse(storage.getItem(key) || "null"); } catch (e) { saved = null; }
    storage.removeItem(key);
    if (!saved || !saved.state || Date.now() - saved.at > 10 * 60 * 1000) { return; }
    fields().forEach(function (field) {
      if (!Object.prototype.hasOwnProperty.call(saved.state, field.name)) { return; }
      var value = saved.state[field.name];
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = value.indexOf(field.value) >= 0;
      } else {
        field.value = value;
      }
    });
    /* questionnaire.js listens to "change" to show or hide the questions that depend on these */
    form.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.querySelectorAll(".lang-switch a").forEach(function (link) {
    link.addEventListener("click", remember);
  });
  restore();
})();
