// Dossier page: show only the fields of the piece type chosen in the "paper piece"
// form. Everything works without this script (all field groups are then shown).
(function () {
  "use strict";
  var select = document.querySelector("[data-paper-type]");
  if (!select) { return; }
  var groups = document.querySelectorAll("[data-paper-fields]");
  function sync() {
    for (var i = 0; i < groups.length; i++) {
      var group = groups[i];
      var on = group.getAttribute("data-paper-fields") === select.value;
      group.hidden = !on;
      var inputs = group.querySelectorAll("input, select");
      for (var j = 0; j < inputs.length; j++) { inputs[j].disabled = !on; }
    }
  }
  select.addEventListener("change", sync);
  sync();
})();
