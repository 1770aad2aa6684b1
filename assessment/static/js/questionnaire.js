/* Skip logic in the browser: hides questions whose condition is not met (the server decides anyway).
   Also makes an exclusive "none of these" option clear the others. Licence: same as the project. */
(function () {
  "use strict";
  function chosen(key) {
    var inputs = document.querySelectorAll('input[name="' + key + '"]:checked');
    return Array.prototype.map.call(inputs, function (i) { return i.value; });
  }
  function update() {
    document.querySelectorAll("[data-show-if]").forEach(function (block) {
      var values = block.getAttribute("data-show-values").split(" ");
      var ok = chosen(block.getAttribute("data-show-if")).some(function (v) { return values.indexOf(v) >= 0; });
      var controller = document.querySelector('input[name="' + block.getAttribute("data-show-if") + '"]');
      if (!controller) { return; }  /* the condition is on another page: the server already decided */
      block.hidden = !ok;
    });
  }
  document.querySelectorAll(".question.is-hidden").forEach(function (b) { b.hidden = true; });
  document.addEventListener("change", function (event) {
    var input = event.target;
    var block = input.closest ? input.closest(".question") : null;
    if (input.type === "checkbox" && input.checked && block) {
      var exclusive = (block.getAttribute("data-exclusive-options") || "").split(" ");
      var isExclusive = exclusive.indexOf(input.value) >= 0;
      block.querySelectorAll('input[type="checkbox"]').forEach(function (other) {
        if (other !== input && (isExclusive || exclusive.indexOf(other.value) >= 0)) { other.checked = false; }
      });
    }
    update();
  });
  update();
})();
