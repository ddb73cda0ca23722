// Page behaviour: passing findings folded by default (the checkbox, the "show" buttons, the
// 合格 chip and any link to a passing row unfold them). No network, no HTML from data.
(function () {
  "use strict";
  document.documentElement.classList.add("js");   // filter bars, folding and the live plan need scripts
  var box = document.getElementById("show-pass");
  function show(on) {
    document.body.classList.toggle("hide-pass", !on);
    if (box) { box.checked = on; }
  }
  show(false);
  if (box) {
    box.addEventListener("change", function () { show(box.checked); });
  }
  Array.prototype.forEach.call(document.querySelectorAll("button.unfold, a[data-show-pass]"), function (b) {
    b.addEventListener("click", function () { show(true); });
  });
  // a link to a folded (passing) row unfolds the passes first, so it lands on the row
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.classList.contains("st-row-pass") && document.body.classList.contains("hide-pass")) {
      show(true);
      el.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", reveal);
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a[href^='#']");
    if (!a) { return; }
    var el = document.getElementById(a.getAttribute("href").slice(1));
    if (el && el.classList.contains("st-row-pass")) { show(true); }
  }, true);
  reveal();
  // the date on every printed page is the day it is printed (the report file itself carries
  // no clock time: the same report.json always renders the same report.html)
  function today() {
    var d = new Date(), pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }
  var label = "";
  Array.prototype.forEach.call(document.querySelectorAll("time.print-date"), function (t) {
    t.textContent = today();
    label = t.parentNode.textContent.split("·")[0].trim();
  });
  if (label) {                 // the page margin's date: a CSS string of digits and the word
    var st = document.createElement("style");
    st.textContent = "@media print { @page { @top-right { content: " + JSON.stringify(label) +
      "; font: 9px sans-serif; color: #555; } } }";
    document.head.appendChild(st);
  }
})();
