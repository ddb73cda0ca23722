// plancheck's interactive plan: an SVG drawn from #plan-data, the same scene (geometry and
// colours) plan.png is drawn from. Pan (drag), zoom (wheel, +/-), reset (double-click); the
// page's filters (filters.js) choose which findings are drawn; labels are placed without
// overlaps by the rules of labels.py (fails first: on the line, beside it, on a leader, else a
// numbered marker listed beside the plan; passing dimensions only where room is left).
// Hovering a dimension highlights its finding rows and a row highlights its dimension; a
// finding's plan link centres the plan on it. No network, no libraries; text from the drawing
// is written with textContent only.
(function () {
  "use strict";
  var host = document.getElementById("planview");
  var src = document.getElementById("plan-data");
  var fig = document.getElementById("fig-plan");
  var F = window.PlancheckFilters;
  if (!host || !src || !fig || !F) { return; }
  var data = JSON.parse(src.textContent);
  var NS = "http://www.w3.org/2000/svg";
  var C = data.colours;
  var LIMIT_FILL = C.limit_fill;
  var LATIN = "\"DejaVu Sans\", \"Helvetica Neue\", Arial, sans-serif";
  var PAGE_FONT = window.getComputedStyle(document.body).fontFamily || "sans-serif";
  var RANK = { fail: 0, error: 1, unknown: 2, warning: 3, pass: 4 };

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function worst(items) {
    return items.reduce(function (w, i) { return RANK[i.status] < RANK[w] ? i.status : w; }, "pass");
  }

  // ---- the findings on the plan: dimensions and capacity marks ---------------------------
  var entries = [];            // {kind, a, b, items, key}
  var byId = {};               // finding id -> entry
  data.dims.forEach(function (d, k) {
    entries.push({ kind: "dim", a: d.a, b: d.b, items: d.items, key: "d" + k });
  });
  data.marks.forEach(function (m, k) {
    entries.push({ kind: "mark", a: m.a, b: m.b, items: m.items, key: "m" + k, building: m.building });
  });
  entries.forEach(function (e) { e.items.forEach(function (i) { byId[i.id] = e; }); });

  // ---- the SVG and its layers ------------------------------------------------------------
  var svg = el("svg", { "class": "plan-svg", role: "img", "aria-label": data.title }, host);
  var defs = el("defs", {}, svg);
  var hatch = el("pattern", { id: "plan-hatch", width: 8, height: 8, patternUnits: "userSpaceOnUse",
                              patternTransform: "rotate(45)" }, defs);
  el("line", { x1: 0, y1: 0, x2: 0, y2: 8, stroke: "#555", "stroke-width": 1 }, hatch);
  var bg = el("rect", { "class": "plan-bg", x: 0, y: 0, width: 10, height: 10 }, svg);
  var geo = el("g", { "class": "geo" }, svg);         // drawing coordinates, one transform
  var marksG = el("g", { "class": "marks" }, svg);    // screen coordinates from here on
  var dimsG = el("g", { "class": "dims" }, svg);
  var leadersG = el("g", { "class": "leaders" }, svg);
  var labelsG = el("g", { "class": "labels" }, svg);
  var overlayG = el("g", { "class": "overlay" }, svg);

  function ringPath(rings) {
    return rings.map(function (r) {
      return "M" + r.map(function (p) { return p[0] + " " + p[1]; }).join("L") + "Z";
    }).join("");
  }
  function linePoints(line) { return line.map(function (p) { return p[0] + "," + p[1]; }).join(" "); }
  var NSS = "non-scaling-stroke";
  data.greens.forEach(function (g) {
    el("path", { d: ringPath([g]), fill: C.green, stroke: "none" }, geo);
  });
  data.rivers.forEach(function (r) {
    el("polyline", { points: linePoints(r), fill: "none", stroke: C.blue_line, "stroke-width": 1.6,
                     "vector-effect": NSS }, geo);
  });
  if (data.site) {
    el("polyline", { points: linePoints(data.site), fill: "none", stroke: C.site_line, "stroke-width": 2,
                     "stroke-dasharray": "10 3 2 3", "vector-effect": NSS }, geo);
  }
  data.roads.forEach(function (r) {
    el("polyline", { points: linePoints(r.line), fill: "none", stroke: C.red_line, "stroke-width": 2.5,
                     "vector-effect": NSS }, geo);
  });
  var bPaths = [];
  data.buildings.forEach(function (b, k) {
    var g = el("g", { "class": "bldg", "data-building": k }, geo);
    b.masses.forEach(function (m) {
      var d = ringPath([m.outline].concat(m.holes));
      el("path", { d: d, fill: m.fill, stroke: "#222", "stroke-width": 0.9, "fill-rule": "evenodd",
                   "vector-effect": NSS }, g);
      if (m.hatch) {
        el("path", { "class": "hatch", d: d, fill: "url(#plan-hatch)", stroke: "none", "fill-rule": "evenodd" }, g);
      }
    });
    bPaths.push(g);
  });
  var required = data.required.map(function (r) {
    var g = el("g", { "class": "req", "data-ids": r.ids.join(" ") }, geo);
    r.lines.forEach(function (line) {
      el("polyline", { points: linePoints(line), fill: "none", stroke: C.status[r.status],
                       "stroke-width": 1.1, "stroke-dasharray": "6 4", "vector-effect": NSS }, g);
    });
    return { g: g, item: { status: r.status, group: r.group }, ids: r.ids };
  });

  // dimension and mark elements, created once, moved on every layout
  entries.forEach(function (e) {
    var ids = e.items.map(function (i) { return i.id; }).join(" ");
    if (e.kind === "dim") {
      e.g = el("g", { "class": "dim", "data-ids": ids, "data-key": e.key }, dimsG);
      e.ln = el("line", { "class": "ln" }, e.g);
      e.ends = el("path", { "class": "ends" }, e.g);
      e.hit = el("line", { "class": "hit" }, e.g);
    } else {
      e.g = el("g", { "class": "mark", "data-ids": ids, "data-key": e.key }, marksG);
      e.path = el("path", { "class": "ln", "fill-rule": "evenodd" }, e.g);
    }
    e.title = el("title", {}, e.g);
    e.title.textContent = e.items.map(function (i) { return i.text; }).join("\n");
  });

  // ---- view: screen = (k x + tx, -k y + ty) -------------------------------------------------
  var W = 0, H = 0, view = { k: 1, tx: 0, ty: 0 }, home = null;
  function sx(x) { return view.k * x + view.tx; }
  function sy(y) { return -view.k * y + view.ty; }
  function fitExtent(ext) {
    var w = Math.max(ext[2] - ext[0], 1), h = Math.max(ext[3] - ext[1], 1);
    var k = Math.min((W - 20) / w, (H - 20) / h);
    return { k: k, tx: W / 2 - k * (ext[0] + ext[2]) / 2, ty: H / 2 + k * (ext[1] + ext[3]) / 2 };
  }
  function resize() {
    var w = host.clientWidth, h = host.clientHeight;
    if (!w || !h || (w === W && h === H)) { return false; }
    var first = !home;
    W = w; H = h;
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("width", W);
    svg.setAttribute("height", H);
    bg.setAttribute("width", W);
    bg.setAttribute("height", H);
    home = fitExtent(data.extent);
    if (first) { view = { k: home.k, tx: home.tx, ty: home.ty }; }
    return true;
  }
  function zoomAt(px, py, factor) {
    var k = Math.max(home.k * 0.5, Math.min(home.k * 60, view.k * factor));
    var f = k / view.k;
    view = { k: k, tx: px - f * (px - view.tx), ty: py - f * (py - view.ty) };
    schedule();
  }

  // ---- what is shown -------------------------------------------------------------------
  var forced = {};   // finding id -> true: shown whatever the filters say (hovered row, focus)
  var hovered = {};  // finding id -> true: highlighted (pointer over its dimension or its row)
  var selected = null;
  function anyHovered(ids) { return ids.some(function (id) { return hovered[id]; }); }
  function shown(e) {
    return e.items.filter(function (i) { return forced[i.id] || F.shows(i); });
  }

  // ---- label placement (labels.py) ----------------------------------------------------
  var GAP = 2, CELL = 48;
  var ALONG = [0.5, 0.35, 0.65, 0.2, 0.8], BESIDE = [0.5, 0.3, 0.7], LEADER_AT = [0.5, 0.25, 0.75];
  var LEADER_R = [14, 30, 55, 90, 140], DENSE_AT = [0.1, 0.9, 0.45, 0.55, 0.3, 0.7, 0.4, 0.6];
  var DENSE_R = [200, 270], DIRS = 16;
  function overlaps(a, b) { return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]; }
  function segHitsBox(p, q, b) {
    var t0 = 0, t1 = 1, dx = q[0] - p[0], dy = q[1] - p[1];
    var tests = [[-dx, p[0] - b[0]], [dx, b[2] - p[0]], [-dy, p[1] - b[1]], [dy, b[3] - p[1]]];
    for (var i = 0; i < 4; i++) {
      var pk = tests[i][0], qk = tests[i][1];
      if (pk === 0) { if (qk <= 0) { return false; } continue; }
      var t = qk / pk;
      if (pk < 0) { t0 = Math.max(t0, t); } else { t1 = Math.min(t1, t); }
      if (t0 >= t1) { return false; }
    }
    return true;
  }
  function boxAt(cx, cy, w, h) { return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]; }
  function Placer(bounds) {
    this.bounds = bounds; this.boxes = []; this.owner = []; this.leaders = [];
    this.cells = {}; this.lcells = {};
  }
  Placer.prototype.span = function (b, fn) {
    for (var i = Math.floor(b[0] / CELL); i <= Math.floor(b[2] / CELL); i++) {
      for (var j = Math.floor(b[1] / CELL); j <= Math.floor(b[3] / CELL); j++) { fn(i + ":" + j); }
    }
  };
  Placer.prototype.take = function (b, owner) {
    var k = this.boxes.length, cells = this.cells;
    this.boxes.push(b); this.owner.push(owner === undefined ? null : owner);
    this.span(b, function (c) { (cells[c] = cells[c] || []).push(k); });
  };
  Placer.prototype.takeLeader = function (p, q) {
    var k = this.leaders.length, cells = this.lcells;
    this.leaders.push([p, q]);
    this.span([Math.min(p[0], q[0]), Math.min(p[1], q[1]), Math.max(p[0], q[0]), Math.max(p[1], q[1])],
              function (c) { (cells[c] = cells[c] || []).push(k); });
  };
  Placer.prototype.mine = function (k, me) {
    return this.owner[k] !== null && (me === "*" || this.owner[k] === me);
  };
  Placer.prototype.free = function (b, leader, me) {
    var B = this.bounds;
    if (b[0] < B[0] || b[1] < B[1] || b[2] > B[2] || b[3] > B[3]) { return false; }
    var g = [b[0] - GAP, b[1] - GAP, b[2] + GAP, b[3] + GAP], self = this, bad = false, seen = {};
    this.span(g, function (c) {
      (self.cells[c] || []).forEach(function (k) {
        if (bad || seen[k]) { return; }
        seen[k] = 1;
        if (overlaps(g, self.boxes[k]) && !self.mine(k, me)) { bad = true; }
      });
    });
    if (bad) { return false; }
    seen = {};
    this.span(g, function (c) {
      (self.lcells[c] || []).forEach(function (k) {
        if (bad || seen[k]) { return; }
        seen[k] = 1;
        if (segHitsBox(self.leaders[k][0], self.leaders[k][1], g)) { bad = true; }
      });
    });
    if (bad || !leader) { return !bad; }
    var p = leader[0], q = leader[1];
    seen = {};
    this.span([Math.min(p[0], q[0]), Math.min(p[1], q[1]), Math.max(p[0], q[0]), Math.max(p[1], q[1])], function (c) {
      (self.cells[c] || []).forEach(function (k) {
        if (bad || seen[k]) { return; }
        seen[k] = 1;
        // a leader may cross a reservation (it only keeps boxes off a line)
        if (self.owner[k] === null && segHitsBox(p, q, self.boxes[k])) { bad = true; }
      });
    });
    return !bad;
  };
  Placer.prototype.commit = function (placed) {
    this.take(placed.box);
    if (placed.leader) { this.takeLeader(placed.leader[0], placed.leader[1]); }
    return placed;
  };
  Placer.prototype.placeFixed = function (cands, me) {
    for (var k = 0; k < cands.length; k++) {
      var b = boxAt(cands[k][0], cands[k][1], cands[k][2], cands[k][3]);
      if (this.free(b, null, me)) { return this.commit({ box: b, how: "fixed", choice: k }); }
    }
    return null;
  };
  Placer.prototype.place = function (a, b, w, h, must, me, dense) {
    var cands = candidates(a, b, w, h, must, dense);
    for (var k = 0; k < cands.length; k++) {
      if (this.free(cands[k].box, cands[k].leader, me)) { return this.commit(cands[k]); }
    }
    return null;
  };
  function candidates(a, b, w, h, leaders, dense) {
    var dx = b[0] - a[0], dy = b[1] - a[1], len = Math.hypot(dx, dy);
    var ux = len > 1e-9 ? dx / len : 1, uy = len > 1e-9 ? dy / len : 0;
    var nx = -uy, ny = ux;
    if (ny > 0 || (ny === 0 && nx > 0)) { nx = -nx; ny = -ny; }
    function at(t) { return [a[0] + t * dx, a[1] + t * dy]; }
    var along = dense ? ALONG.concat(DENSE_AT) : ALONG;
    var on = along.map(function (t) { var p = at(t); return { how: "on", box: boxAt(p[0], p[1], w, h) }; });
    var off = Math.abs(nx) * w / 2 + Math.abs(ny) * h / 2 + 3, beside = [];
    BESIDE.forEach(function (t) {
      var p = at(t);
      [1, -1].forEach(function (s) {
        beside.push({ how: "beside", box: boxAt(p[0] + s * off * nx, p[1] + s * off * ny, w, h) });
      });
    });
    var out = len < Math.abs(ux) * w + Math.abs(uy) * h + 16 ? beside.concat(on) : on.concat(beside);
    if (!leaders) { return out; }
    var base = Math.atan2(ny, nx), dirs = [];
    for (var k = 0; k < DIRS; k++) {
      var step = Math.floor((k + 1) / 2) * (k % 2 ? 1 : -1), ang = base + step * 2 * Math.PI / DIRS;
      dirs.push([Math.cos(ang), Math.sin(ang)]);
    }
    var radii = dense ? LEADER_R.concat(DENSE_R) : LEADER_R;
    var ats = dense ? LEADER_AT.concat(DENSE_AT) : LEADER_AT;
    radii.forEach(function (r) {
      ats.forEach(function (t) {
        var p = at(t);
        dirs.forEach(function (d) {
          var ext = Math.abs(d[0]) * w / 2 + Math.abs(d[1]) * h / 2;
          var box = boxAt(p[0] + d[0] * (ext + r), p[1] + d[1] * (ext + r), w, h);
          var end = [Math.min(Math.max(p[0], box[0]), box[2]), Math.min(Math.max(p[1], box[1]), box[3])];
          out.push({ how: "leader", box: box, leader: [p, end] });
        });
      });
    });
    return out;
  }

  // ---- text -------------------------------------------------------------------------------
  var ctx = document.createElement("canvas").getContext("2d");
  var measured = {};
  function measure(lines, size, bold, family) {
    var key = lines.join("\n") + "|" + size + bold + family;
    if (!measured[key]) {
      ctx.font = (bold ? "bold " : "") + size + "px " + family;
      var w = 0;
      lines.forEach(function (l) { w = Math.max(w, ctx.measureText(l).width); });
      measured[key] = [Math.ceil(w), Math.ceil(lines.length * size * 1.2)];
    }
    return measured[key];
  }
  function drawLabel(box, lines, size, opts) {
    var g = el("g", { "class": "lbl" + (opts.cls ? " " + opts.cls : "") }, labelsG);
    if (opts.fill || opts.edge) {
      el("rect", { x: box[0], y: box[1], width: box[2] - box[0], height: box[3] - box[1],
                   fill: opts.fill || "none", stroke: opts.edge || "none",
                   "stroke-width": opts.edgeWidth || 1 }, g);
    }
    var t = el("text", { x: (box[0] + box[2]) / 2, "text-anchor": "middle", "font-size": size,
                         fill: opts.colour, "font-family": opts.family || LATIN }, g);
    if (opts.bold) { t.setAttribute("font-weight", "bold"); }
    var top = (box[1] + box[3]) / 2 - lines.length * size * 1.2 / 2;
    lines.forEach(function (line, k) {
      var s = el("tspan", { x: (box[0] + box[2]) / 2, y: top + size * (1.2 * k + 0.95) }, t);
      s.textContent = line;
    });
    if (opts.ids) {
      g.setAttribute("data-ids", opts.ids.join(" "));
      if (anyHovered(opts.ids)) { g.classList.add("hl"); }
    }
    return g;
  }

  // ---- layout: everything in screen space, on every view or filter change -------------------
  var callouts = [];
  var asideBox = document.getElementById("plan-callouts");
  function layout() {
    resize();
    if (!home) { return; }
    geo.setAttribute("transform", "matrix(" + view.k + " 0 0 " + (-view.k) + " " + view.tx + " " + view.ty + ")");
    while (labelsG.firstChild) { labelsG.removeChild(labelsG.firstChild); }
    while (leadersG.firstChild) { leadersG.removeChild(leadersG.firstChild); }
    var placer = new Placer([2, 2, W - 2, H - 2]);
    overlay(placer);
    required.forEach(function (r) {
      var on = r.ids.some(function (id) { return forced[id]; }) || F.shows(r.item);
      r.g.style.display = on ? "" : "none";
    });
    // which entries are drawn, with the status of what is shown
    var live = [];
    entries.forEach(function (e) {
      var items = shown(e);
      e.live = items;
      if (!items.length) { e.g.style.display = "none"; return; }
      e.g.style.display = "";
      e.status = worst(items);
      e.sa = [sx(e.a[0]), sy(e.a[1])];
      e.sb = [sx(e.b[0]), sy(e.b[1])];
      var colour = C.status[e.status], thick = e.status !== "pass";
      e.g.setAttribute("class", (e.kind === "dim" ? "dim" : "mark") + " st-" + e.status +
                       (items.some(function (i) { return i.id === selected; }) ? " sel" : "") +
                       (anyHovered(items.map(function (i) { return i.id; })) ? " hl" : ""));
      if (e.kind === "dim") {
        var p = e.sa, q = e.sb;
        [e.ln, e.hit].forEach(function (l) {
          l.setAttribute("x1", p[0]); l.setAttribute("y1", p[1]); l.setAttribute("x2", q[0]); l.setAttribute("y2", q[1]);
        });
        e.ln.setAttribute("stroke", colour);
        e.ln.setAttribute("stroke-width", thick ? 2.4 : 1);
        e.ends.setAttribute("d", ends(p, q, thick ? 9 : 5));
        e.ends.setAttribute("fill", colour);
      } else {
        var b = data.buildings[e.building];
        e.path.setAttribute("d", b.masses.map(function (m) {
          return [m.outline].concat(m.holes).map(function (r) {
            return "M" + r.map(function (pt) { return sx(pt[0]) + " " + sy(pt[1]); }).join("L") + "Z";
          }).join("");
        }).join(""));
        e.path.setAttribute("stroke", colour);
      }
      live.push(e);
    });
    live.sort(function (x, y) { return RANK[x.status] - RANK[y.status] || entries.indexOf(x) - entries.indexOf(y); });
    // labels go on the part of each line inside the view; lines outside it get none
    var view4 = [0, 0, W, H];
    live = live.filter(function (e) {
      var c = clip(e.sa, e.sb, view4);
      if (c) { e.ca = c[0]; e.cb = c[1]; }
      return !!c;
    });
    // fails' and unknowns' line middles stay free for their own label or marker
    var must = live.filter(function (e) { return e.status !== "pass"; });
    var mSize = measure([String(must.length)], 11, true, LATIN);
    var mw = Math.max(mSize[0] + 8, mSize[1] + 4), mh = mSize[1] + 4;
    must.forEach(function (e) {
      if (e.kind === "dim") {
        placer.take(boxAt((e.ca[0] + e.cb[0]) / 2, (e.ca[1] + e.cb[1]) / 2, mw, mh), e.key);
      }
    });
    buildingLabels(placer);
    roadLabels(placer);
    callouts = [];
    live.forEach(function (e) {
      var isMust = e.status !== "pass", size = isMust ? 11.5 : 10;
      var lines = e.live.map(function (i) { return i.text; });
      var m = measure(lines, size, isMust, LATIN), w = m[0] + 8, h = m[1] + 4;
      var me = e.kind === "dim" ? e.key : undefined, colour = C.status[e.status];
      var got = placer.place(e.ca, e.cb, w, h, isMust, me, false);
      var ids = e.live.map(function (i) { return i.id; });
      if (got) {
        if (got.leader) { leader(got.leader, colour); }
        // a limit (height, width: ≤) on a tinted label, a minimum distance (≥) on white (plan.py too)
        var upper = e.items.every(function (i) { return i.limit === "upper"; });
        drawLabel(got.box, lines, size, { colour: colour, edge: colour, fill: upper ? LIMIT_FILL : "#fff", bold: isMust,
          edgeWidth: isMust ? 1.4 : 0.6, cls: "dimlbl st-" + e.status + " how-" + got.how, ids: ids });
        return;
      }
      if (!isMust) { return; }
      // no room for the text: a numbered marker (lines in a crowd share one), listed beside
      var mid = [(e.ca[0] + e.cb[0]) / 2, (e.ca[1] + e.cb[1]) / 2];
      var near = nearest(mid), c = { status: e.status, lines: lines, ids: ids, mid: mid, e: e, placed: null };
      if (!near || near.d > CLUSTER_PX) {
        c.placed = placer.place(e.ca, e.cb, mw, mh, true, me, true) ||
                   placer.place(e.ca, e.cb, mw, mh, true, "*", true);   // then on a reservation too
      }
      if (!c.placed && near && near.d <= CLUSTER_REACH_PX) { merge(near.c, c); return; }
      callouts.push(c);
    });
    callouts.filter(function (c) { return !c.placed; }).forEach(function (c) {
      var near = nearest(c.mid);
      if (near && near.d <= CLUSTER_REACH_PX) { merge(near.c, c); callouts.splice(callouts.indexOf(c), 1); }
    });
    callouts.forEach(function (c, k) {
      c.n = String(k + 1);
      if (!c.placed) { c.unplaced = true; return; }
      var colour = C.status[c.status];
      if (c.placed.leader) { leader(c.placed.leader, colour); }
      drawLabel(c.placed.box, [c.n], 11, { colour: "#fff", fill: colour, edge: colour, bold: true,
                                           cls: "marker st-" + c.status, ids: c.ids });
    });
    listCallouts();
  }
  var CLUSTER_PX = 14, CLUSTER_REACH_PX = 40;
  function nearest(mid) {
    var best = null;
    callouts.forEach(function (c) {
      if (!c.placed) { return; }
      var d = Math.hypot(c.mid[0] - mid[0], c.mid[1] - mid[1]);
      if (!best || d < best.d) { best = { c: c, d: d }; }
    });
    return best;
  }
  function merge(host, c) {   // c's findings numbered by host's marker, fails first
    var cFirst = RANK[c.status] < RANK[host.status];
    host.lines = cFirst ? c.lines.concat(host.lines) : host.lines.concat(c.lines);
    host.ids = cFirst ? c.ids.concat(host.ids) : host.ids.concat(c.ids);
    if (cFirst) { host.status = c.status; }
  }
  function clip(p, q, b) {   // the part of segment p-q inside box b, or null
    var t0 = 0, t1 = 1, dx = q[0] - p[0], dy = q[1] - p[1];
    var tests = [[-dx, p[0] - b[0]], [dx, b[2] - p[0]], [-dy, p[1] - b[1]], [dy, b[3] - p[1]]];
    for (var i = 0; i < 4; i++) {
      var pk = tests[i][0], qk = tests[i][1];
      if (pk === 0) { if (qk < 0) { return null; } continue; }
      var t = qk / pk;
      if (pk < 0) { t0 = Math.max(t0, t); } else { t1 = Math.min(t1, t); }
      if (t0 > t1) { return null; }
    }
    return [[p[0] + t0 * dx, p[1] + t0 * dy], [p[0] + t1 * dx, p[1] + t1 * dy]];
  }
  function ends(p, q, s) {
    var dx = q[0] - p[0], dy = q[1] - p[1], len = Math.hypot(dx, dy) || 1, ux = dx / len, uy = dy / len;
    var a = Math.min(s, len / 2.5), w = a * 0.4;
    function head(t, dir) {
      var bx = t[0] + dir * ux * a, by = t[1] + dir * uy * a;
      return "M" + t[0] + " " + t[1] + "L" + (bx - uy * w) + " " + (by + ux * w) + "L" + (bx + uy * w) + " " + (by - ux * w) + "Z";
    }
    return head(p, 1) + head(q, -1);
  }
  function leader(l, colour) {
    el("line", { x1: l[0][0], y1: l[0][1], x2: l[1][0], y2: l[1][1], stroke: colour, "stroke-width": 1 }, leadersG);
    el("circle", { cx: l[0][0], cy: l[0][1], r: 2.5, fill: colour }, leadersG);
  }
  function buildingLabels(placer) {
    data.buildings.forEach(function (b) {
      if (!b.name.trim()) { return; }
      var cx = sx(b.anchor[0]), cy = sy(b.anchor[1]), width = b.width * view.k, cands = [], texts = [];
      if (b.sub) {
        var full = measure([b.name, b.sub], 11, false, PAGE_FONT);
        if (full[0] + 4 <= width) { cands.push([cx, cy, full[0] + 4, full[1] + 2]); texts.push([b.name, b.sub]); }
      }
      var one = measure([b.name], 11, false, PAGE_FONT);
      cands.push([cx, cy, one[0] + 4, one[1] + 2]);
      texts.push([b.name]);
      var got = placer.placeFixed(cands, "*");
      if (got) {
        drawLabel(got.box, texts[got.choice], 11, { colour: "#111", family: PAGE_FONT, cls: "bname" });
      }
    });
  }
  function roadLabels(placer) {
    data.roads.forEach(function (r) {
      if (!r.label) { return; }
      var best = null;   // the longest stretch of the road inside the view
      for (var k = 0; k + 1 < r.line.length; k++) {
        var c = clip([sx(r.line[k][0]), sy(r.line[k][1])], [sx(r.line[k + 1][0]), sy(r.line[k + 1][1])],
                     [0, 0, W, H]);
        if (!c) { continue; }
        var len = Math.hypot(c[1][0] - c[0][0], c[1][1] - c[0][1]);
        if (!best || len > best.len) { best = { p: c[0], q: c[1], len: len }; }
      }
      if (!best) { return; }
      var ang = Math.atan2(best.q[1] - best.p[1], best.q[0] - best.p[0]);
      if (ang > Math.PI / 2) { ang -= Math.PI; } else if (ang < -Math.PI / 2) { ang += Math.PI; }
      var m = measure([r.label], 12, false, PAGE_FONT), w = m[0] + 6, h = m[1] + 2;
      var bw = Math.abs(Math.cos(ang)) * w + Math.abs(Math.sin(ang)) * h;
      var bh = Math.abs(Math.sin(ang)) * w + Math.abs(Math.cos(ang)) * h;
      var fracs = [0.5, 0.35, 0.65, 0.2, 0.8];
      for (var i = 0; i < fracs.length; i++) {
        var cx = best.p[0] + fracs[i] * (best.q[0] - best.p[0]), cy = best.p[1] + fracs[i] * (best.q[1] - best.p[1]);
        cx = Math.min(Math.max(cx, bw / 2 + 4), W - bw / 2 - 4);
        cy = Math.min(Math.max(cy, bh / 2 + 4), H - bh / 2 - 4);
        var box = boxAt(cx, cy, bw, bh);
        if (placer.free(box)) {
          placer.take(box);
          var g = el("g", { "class": "lbl road", transform: "translate(" + cx + " " + cy + ") rotate(" +
                            (ang * 180 / Math.PI) + ")", "data-box": box.join(" ") }, labelsG);
          el("rect", { x: -w / 2, y: -h / 2, width: w, height: h, fill: "#fff", "fill-opacity": 0.85 }, g);
          var t = el("text", { x: 0, y: 12 * 0.38, "text-anchor": "middle", "font-size": 12, fill: C.red_line,
                               "font-family": PAGE_FONT }, g);
          t.textContent = r.label;
          return;
        }
      }
    });
  }
  function overlay(placer) {
    while (overlayG.firstChild) { overlayG.removeChild(overlayG.firstChild); }
    // north arrow, top right
    var a = data.north_deg * Math.PI / 180, cx = W - 34, cy = 44, L = 22;
    var dx = Math.cos(a), dy = -Math.sin(a);
    var g = el("g", { "class": "north" }, overlayG);
    el("line", { x1: cx - L * dx, y1: cy - L * dy, x2: cx + (L - 8) * dx, y2: cy + (L - 8) * dy,
                 stroke: "#000", "stroke-width": 2.5 }, g);
    el("path", { d: "M" + (cx + L * dx) + " " + (cy + L * dy) + "L" + (cx + (L - 12) * dx - 6 * dy) + " " +
                 (cy + (L - 12) * dy + 6 * dx) + "L" + (cx + (L - 12) * dx + 6 * dy) + " " + (cy + (L - 12) * dy - 6 * dx) + "Z",
                 fill: "#000" }, g);
    var t = el("text", { x: cx + (L + 10) * dx, y: cy + (L + 10) * dy + 5, "text-anchor": "middle",
                         "font-size": 14, "font-family": PAGE_FONT }, g);
    t.textContent = data.words.north;
    placer.take([cx - 32, cy - 40, cx + 32, cy + 40]);
    // scale bar, bottom right: a round length near 140 px
    var target = 140 / view.k, exp = Math.pow(10, Math.floor(Math.log10(target))), len = exp;
    [1, 2, 5].forEach(function (m) { if (m * exp <= target) { len = m * exp; } });
    var px = len * view.k, x0 = W - px - 40, y0 = H - 26;
    var s = el("g", { "class": "scale" }, overlayG);
    el("rect", { x: x0 - 6, y: y0 - 18, width: px + 40, height: 38, fill: "#fff", "fill-opacity": 0.85 }, s);
    for (var k = 0; k < 4; k++) {
      el("rect", { x: x0 + k * px / 4, y: y0, width: px / 4, height: 6, fill: k % 2 ? "#fff" : "#000",
                   stroke: "#000", "stroke-width": 0.8 }, s);
    }
    [[0, "0"], [0.5, String(len / 2)], [1, len + " m"]].forEach(function (v) {
      var tt = el("text", { x: x0 + v[0] * px, y: y0 - 5, "text-anchor": "middle", "font-size": 10,
                            "font-family": LATIN }, s);
      tt.textContent = v[1];
    });
    placer.take([x0 - 6, y0 - 18, x0 + px + 34, y0 + 20]);
  }
  function listCallouts() {
    if (!asideBox) { return; }
    var ol = asideBox.querySelector("ol");
    while (ol.firstChild) { ol.removeChild(ol.firstChild); }
    asideBox.hidden = !callouts.length;
    callouts.forEach(function (c) {
      var li = document.createElement("li");
      var btn = document.createElement("button");
      btn.type = "button";
      btn.className = "callout st-" + c.status;
      btn.setAttribute("data-ids", c.ids.join(" "));
      var n = document.createElement("span");
      n.className = "n";
      n.textContent = c.unplaced ? "–" : c.n;
      btn.appendChild(n);
      btn.appendChild(document.createTextNode(" " + c.lines.join(" · ")));
      btn.addEventListener("click", function () { focus(c.ids[0], false); });
      li.appendChild(btn);
      ol.appendChild(li);
    });
  }

  var pending = false;
  function schedule() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; layout(); });
  }

  // ---- highlight and focus ---------------------------------------------------------------
  function rows(ids) {
    return ids.map(function (id) { return document.getElementById(id); }).filter(Boolean);
  }
  function hover(ids, on) {
    ids.forEach(function (id) { if (on) { hovered[id] = true; } else { delete hovered[id]; } });
    rows(ids).forEach(function (r) { r.classList.toggle("plan-hl", on); });
    var sel = ids.map(function (id) { return "[data-ids~=\"" + id + "\"]"; }).join(",");
    if (sel) {
      svg.querySelectorAll(sel).forEach(function (n) { n.classList.toggle("hl", on); });
    }
  }
  function focus(id, scroll) {
    var e = byId[id];
    if (!e) { return; }
    selected = id;
    forced = {};
    forced[id] = true;
    resize();
    var xs = [e.a[0], e.b[0]], ys = [e.a[1], e.b[1]];
    if (e.kind === "mark") {
      data.buildings[e.building].masses.forEach(function (m) {
        m.outline.forEach(function (p) { xs.push(p[0]); ys.push(p[1]); });
      });
    }
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    // the finding with its surroundings: at least 60 m across, at most 12x the whole plan's scale
    var size = Math.max(x1 - x0, y1 - y0, 60);
    var k = Math.max(home.k, Math.min(home.k * 12, Math.min(W, H) * 0.6 / size));
    view = { k: k, tx: W / 2 - k * (x0 + x1) / 2, ty: H / 2 + k * (y0 + y1) / 2 };
    document.querySelectorAll("tr.plan-sel").forEach(function (r) { r.classList.remove("plan-sel"); });
    rows([id]).forEach(function (r) { r.classList.add("plan-sel"); });
    if (scroll) { fig.scrollIntoView({ block: "start" }); }
    layout();
  }

  // ---- interaction ---------------------------------------------------------------------------
  var drag = null;
  svg.addEventListener("pointerdown", function (ev) {
    if (ev.button !== 0) { return; }
    drag = { x: ev.clientX, y: ev.clientY, moved: 0 };
    svg.setPointerCapture(ev.pointerId);
  });
  svg.addEventListener("pointermove", function (ev) {
    if (!drag) { return; }
    var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    drag.x = ev.clientX; drag.y = ev.clientY; drag.moved += Math.abs(dx) + Math.abs(dy);
    view.tx += dx; view.ty += dy;
    schedule();
  });
  svg.addEventListener("pointerup", function (ev) {
    var d = drag;
    drag = null;
    if (!d || d.moved > 4) { return; }
    var target = document.elementFromPoint(ev.clientX, ev.clientY);
    var g = target && target.closest ? target.closest("[data-ids]") : null;
    if (!g) { return; }
    var ids = g.getAttribute("data-ids").split(" ");
    var rs = rows(ids);
    document.querySelectorAll("tr.plan-sel").forEach(function (r) { r.classList.remove("plan-sel"); });
    rs.forEach(function (r) { r.classList.add("plan-sel"); });
    if (rs.length) { rs[0].scrollIntoView({ block: "center" }); }
  });
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var r = svg.getBoundingClientRect();
    zoomAt(ev.clientX - r.left, ev.clientY - r.top, Math.exp(-ev.deltaY * 0.0015));
  }, { passive: false });
  svg.addEventListener("dblclick", function () {
    selected = null; forced = {};
    view = { k: home.k, tx: home.tx, ty: home.ty };
    schedule();
  });
  svg.addEventListener("mouseover", function (ev) {
    var g = ev.target.closest ? ev.target.closest("[data-ids]") : null;
    if (g) { hover(g.getAttribute("data-ids").split(" "), true); }
  });
  svg.addEventListener("mouseout", function (ev) {
    var g = ev.target.closest ? ev.target.closest("[data-ids]") : null;
    if (g) { hover(g.getAttribute("data-ids").split(" "), false); }
  });
  document.querySelectorAll("[data-plan-zoom]").forEach(function (b) {
    b.addEventListener("click", function () {
      var how = b.getAttribute("data-plan-zoom");
      if (how === "reset") {
        selected = null; forced = {};
        view = { k: home.k, tx: home.tx, ty: home.ty };
        schedule();
      } else {
        zoomAt(W / 2, H / 2, how === "in" ? 1.5 : 1 / 1.5);
      }
    });
  });
  // a finding row shows (even when filtered out) and highlights its dimension while hovered
  document.querySelectorAll("tr.finding").forEach(function (row) {
    if (!byId[row.id]) { return; }
    row.addEventListener("mouseenter", function () {
      var was = forced[row.id];
      forced[row.id] = true;
      if (!was) { layout(); }
      hover([row.id], true);
      row._planForced = !was;
    });
    row.addEventListener("mouseleave", function () {
      hover([row.id], false);
      if (row._planForced && row.id !== selected) { delete forced[row.id]; schedule(); }
    });
  });
  document.querySelectorAll("a[data-plan]").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      focus(a.getAttribute("data-plan"), true);
    });
  });
  F.subscribe(function () { selected = null; forced = {}; schedule(); });
  window.addEventListener("resize", schedule);
  if (window.ResizeObserver) { new ResizeObserver(schedule).observe(host); }   // the callout list opening

  fig.classList.add("plan-live");
  layout();
  // for tests and tools: the current view and a way to focus a finding
  window.PlancheckPlan = {
    view: function () { return { k: view.k, tx: view.tx, ty: view.ty, home: home, width: W, height: H }; },
    focus: function (id) { focus(id, false); },
    toScreen: function (x, y) { return [sx(x), sy(y)]; },
    callouts: function () { return callouts.map(function (c) { return { n: c.n, ids: c.ids, placed: !c.unplaced }; }); }
  };
})();
