// Page behaviour: hide/show passing findings. No network, no HTML from data.
(function () {
  "use strict";
  document.documentElement.classList.add("js");   // filter bars and the live plan need scripts
  var box = document.getElementById("show-pass");
  if (box) {
    box.addEventListener("change", function () {
      document.body.classList.toggle("hide-pass", !box.checked);
    });
  }
})();
