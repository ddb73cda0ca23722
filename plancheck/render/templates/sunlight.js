// plancheck report: sunlight. Clicking a window in the 3D model (coloured by its minutes) shows its
// sunlit intervals and the buildings that shade it; sunlight findings link to their figure.
// Text from the drawing is written with textContent only.
(function () {
  "use strict";
  var el = document.getElementById("sunlight-data");
  if (!el) { return; }
  var data = JSON.parse(el.textContent);
  var w = data.words;
  // the windows come column by column, repeated values as indices into small tables
  // (sunlight_html.compact_windows): one object per window again, as the rest reads them
  function decode(c) {
    var t = c.tables, out = [];
    for (var i = 0; i < c.count; i++) {
      var rc = t.receivers[c.rc[i]], fa = t.facades[c.fa[i]];
      out.push({
        p: c.p.slice(3 * i, 3 * i + 3), n: fa[2].slice(), b: rc[0], f: c.f[i], o: fa[1], fc: fa[0],
        w: c.w[i], u: t.units[c.u[i]], c: c.c[i], cu: c.cu[i], r: rc[1], m: rc[2],
        s: t.statuses[c.s[i]], why: t.reasons[c.why[i]],
        lit: c.lit[i].map(function (k) { return [t.lit[k][0], t.lit[k][1]]; }),
        bjt: c.lit[i].map(function (k) { return [t.lit[k][2], t.lit[k][3]]; }),
        sh: c.sh[i].map(function (k) {
          var x = t.shaded[k];
          return { from: x[0], to: x[1], by: x[2].slice() };
        })
      });
    }
    return out;
  }
  data.windows = decode(data.windows);
  window.plancheckSunlight = { windows: data.windows };   // (read back by the tests)
  // (a sunlight finding's link to its facade sheet is written by the template: html.py)
  var panel = document.getElementById("sunlight-window");
  var viewer = window.plancheckViewer;
  if (!viewer || !panel) { return; }
  function line(parent, text, cls) {
    var p = document.createElement("div");
    if (cls) { p.className = cls; }
    p.textContent = text;
    parent.appendChild(p);
  }
  function show(win) {
    panel.textContent = "";
    panel.hidden = false;
    var mins = win.m === "cumulative" ? win.cu : win.c;
    line(panel, win.b + " · " + win.f + " " + w.floor + " · " + ((w.orient && w.orient[win.o]) || win.o) + " · " + w.facade + " " + win.fc + " · " +
         w.window + " " + win.w + (win.u ? " · " + w.unit + " " + win.u : ""), "head");
    line(panel, w.continuous + " " + win.c + " · " + w.cumulative + " " + win.cu + " · " +
         w.required + " " + (win.r === null ? "—" : (w.measures[win.m] || win.m) + " " + win.r) + " " + w.minutes +
         " · " + w.status + " " + (w.statuses[win.s] || win.s) + (win.why ? " (" + win.why + ")" : ""), "st-" + win.s);
    line(panel, w.lit + ": " + (win.lit.length ? win.lit.map(function (iv, k) {
      return iv[0] + "–" + iv[1] + " (" + win.bjt[k][0] + "–" + win.bjt[k][1] + ")";
    }).join(", ") : w.none));
    line(panel, w.shaded + ": " + (win.sh.length ? win.sh.map(function (s) {
      return s.from + "–" + s.to + " " + (s.by.length ? s.by.join(", ") : w.facade_behind);
    }).join("; ") : w.none));
    void mins;
  }
  // a sunlight finding's "3D" link: the viewer looks at its worst window, its details beside it
  Array.prototype.forEach.call(document.querySelectorAll("[data-sun-window]"), function (a) {
    a.addEventListener("click", function () {
      var win = data.windows[data.finding_windows[a.getAttribute("data-sun-window")]];
      if (!win) { return; }
      if (viewer.look) { viewer.look(win.p, win.n); }
      show(win);
    });
  });
  // the default camera shows the failing floors: those of the building of the first failing
  // sunlight finding's worst window (else of the first failing window), seen from outside
  // that window's facade, far enough back to hold all of them
  (function () {
    if (!viewer.setHome) { return; }
    var first = null;
    Object.keys(data.finding_windows).forEach(function (k) {
      var win = data.windows[data.finding_windows[k]];
      if (!first && win && win.s === "fail") { first = win; }
    });
    if (!first) { first = data.windows.filter(function (x) { return x.s === "fail"; })[0]; }
    if (!first) { return; }
    var fails = data.windows.filter(function (x) { return x.s === "fail" && x.b === first.b && x.fc === first.fc; });
    var lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
    fails.forEach(function (x) {
      for (var j = 0; j < 3; j++) { lo[j] = Math.min(lo[j], x.p[j]); hi[j] = Math.max(hi[j], x.p[j]); }
    });
    var size = Math.max(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]);
    viewer.setHome([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2], first.n,
                   Math.max(120, 2.2 * size));
  })();
  var down = null;
  viewer.canvas.addEventListener("mousedown", function (ev) { down = [ev.clientX, ev.clientY]; });
  viewer.canvas.addEventListener("click", function (ev) {
    if (down && Math.hypot(ev.clientX - down[0], ev.clientY - down[1]) > 4) { return; }
    var m = viewer.mvp();
    if (!m) { return; }
    var r = viewer.canvas.getBoundingClientRect();
    var cx = ev.clientX - r.left, cy = ev.clientY - r.top;
    var hits = [];
    data.windows.forEach(function (win) {
      var p = win.p;
      var x = m[0] * p[0] + m[4] * p[1] + m[8] * p[2] + m[12];
      var y = m[1] * p[0] + m[5] * p[1] + m[9] * p[2] + m[13];
      var wv = m[3] * p[0] + m[7] * p[1] + m[11] * p[2] + m[15];
      if (wv <= 0) { return; }
      var sx = (x / wv + 1) / 2 * r.width, sy = (1 - y / wv) / 2 * r.height;
      var d = Math.hypot(sx - cx, sy - cy);
      if (d <= 10) { hits.push({ win: win, d: d, wv: wv }); }
    });
    if (!hits.length) { return; }
    // the facade nearest the eye (windows behind it are hidden), then on it the window whose
    // centre is nearest the cursor: not the one a hair nearer the eye (a floor up or down)
    var front = Math.min.apply(null, hits.map(function (h) { return h.wv; }));
    var best = null;
    hits.forEach(function (h) {
      if (h.wv <= front + 3.0 && (!best || h.d < best.d)) { best = h; }
    });
    show(best.win);
    panel.scrollIntoView({ block: "nearest" });
  });
})();
