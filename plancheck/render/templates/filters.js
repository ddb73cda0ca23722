// The page's one set of filters: status (fail / unknown / pass) and kind (spacing / setback /
// road / capacity, and any other family present). Every filter bar on the page (the plan, the
// 3D model) shows and sets the same state; plan.js and viewer.js subscribe. The bars start as
// the template checks them: fails and unknowns, every kind.
(function () {
  "use strict";
  var CLASS = { fail: "fail", error: "fail", unknown: "unknown", warning: "unknown", pass: "pass" };
  var state = { status: { fail: true, unknown: true, pass: false }, group: {} };
  var inputs = Array.prototype.slice.call(
    document.querySelectorAll("input[data-filter-status], input[data-filter-group]"));
  var seen = {};
  inputs.forEach(function (i) {
    var kind = i.hasAttribute("data-filter-status") ? "status" : "group";
    var key = i.getAttribute("data-filter-" + kind);
    if (!seen[kind + ":" + key]) {           // the first bar's markup sets the start state
      seen[kind + ":" + key] = true;
      state[kind][key] = i.checked;
    }
  });
  var subscribers = [];

  function sync() {
    inputs.forEach(function (i) {
      var kind = i.hasAttribute("data-filter-status") ? "status" : "group";
      i.checked = state[kind][i.getAttribute("data-filter-" + kind)] !== false;
    });
  }
  function set(kind, key, on) {
    state[kind][key] = !!on;
    sync();
    subscribers.forEach(function (fn) { fn(); });
  }
  inputs.forEach(function (i) {
    i.addEventListener("change", function () {
      var kind = i.hasAttribute("data-filter-status") ? "status" : "group";
      set(kind, i.getAttribute("data-filter-" + kind), i.checked);
    });
  });
  sync();

  window.PlancheckFilters = {
    state: state,
    statusClass: function (status) { return CLASS[status] || "unknown"; },
    // does the page currently show a finding {status, group}?
    shows: function (item) {
      return state.status[CLASS[item.status] || "unknown"] !== false && state.group[item.group] !== false;
    },
    set: set,
    subscribe: function (fn) { subscribers.push(fn); }
  };
})();
