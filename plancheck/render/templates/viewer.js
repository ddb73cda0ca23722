// plancheck's offline white-model viewer: parses the embedded model.glb (glTF 2.0, Y-up),
// draws it with WebGL 1, overlays dimension lines (always on top) and HTML labels.
// No network access, no libraries; text from the drawing is written with textContent only.
(function () {
  "use strict";
  // the download link takes the one embedded copy of the GLB (the page holds it once); without
  // script it names model.glb beside the report
  (function () {
    var dl = document.getElementById("model-download"), src = document.getElementById("model-glb");
    if (!dl || !src || !src.textContent.trim() || !window.Blob || !window.URL) { return; }
    try {
      var s = atob(src.textContent.replace(/\s+/g, "")), b = new Uint8Array(s.length);
      for (var k = 0; k < s.length; k++) { b[k] = s.charCodeAt(k); }
      dl.href = URL.createObjectURL(new Blob([b], { type: "model/gltf-binary" }));
    } catch (e) { /* keep model.glb */ }
  })();
  var canvas = document.getElementById("viewer-canvas");
  var labelsBox = document.getElementById("viewer-labels");
  var note = document.getElementById("viewer-note");
  var data = JSON.parse(document.getElementById("viewer-data").textContent);
  if (!canvas) { return; }
  var gl = null;
  try {
    gl = canvas.getContext("webgl", { antialias: true }) ||
         canvas.getContext("experimental-webgl");
  } catch (e) { gl = null; }
  if (!gl) {
    note.textContent = data.words.no_webgl;
    note.hidden = false;
    return;
  }

  // ---- GLB ------------------------------------------------------------------------------
  var b64 = document.getElementById("model-glb").textContent.replace(/\s+/g, "");
  if (!b64) {   // a model too large to embed: it is model.glb beside the page (html.py)
    note.textContent = data.words.no_model;
    note.hidden = false;
    return;
  }
  var raw = atob(b64);
  var bytes = new Uint8Array(raw.length);
  for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
  var dv = new DataView(bytes.buffer);
  var jsonLen = dv.getUint32(12, true);
  var gltf = JSON.parse(new TextDecoder("utf-8").decode(bytes.subarray(20, 20 + jsonLen)));
  var binStart = 20 + jsonLen + 8;
  var SIZES = { SCALAR: 1, VEC2: 2, VEC3: 3, VEC4: 4 };
  var TYPES = { 5121: Uint8Array, 5123: Uint16Array, 5125: Uint32Array, 5126: Float32Array };

  function accessor(k) {
    var a = gltf.accessors[k], view = gltf.bufferViews[a.bufferView];
    var T = TYPES[a.componentType], n = a.count * SIZES[a.type];
    var off = binStart + (view.byteOffset || 0) + (a.byteOffset || 0);
    return new T(bytes.buffer.slice(off, off + n * T.BYTES_PER_ELEMENT));
  }

  function mul(a, b) {  // column-major 4x4
    var o = new Float32Array(16);
    for (var c = 0; c < 4; c++) {
      for (var r = 0; r < 4; r++) {
        var s = 0;
        for (var k = 0; k < 4; k++) { s += a[k * 4 + r] * b[c * 4 + k]; }
        o[c * 4 + r] = s;
      }
    }
    return o;
  }
  var IDENT = new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);

  function nodeMatrix(n) {
    if (n.matrix) { return new Float32Array(n.matrix); }
    var m = new Float32Array(IDENT);
    if (n.translation) { m[12] = n.translation[0]; m[13] = n.translation[1]; m[14] = n.translation[2]; }
    return m;
  }

  var pos = [], nor = [], col = [];
  var boxes = {};  // node name -> [minx, miny, minz, maxx, maxy, maxz]
  function addNode(idx, parent) {
    var node = gltf.nodes[idx];
    var m = mul(parent, nodeMatrix(node));
    if (node.mesh !== undefined) {
      var bb = [Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity];
      gltf.meshes[node.mesh].primitives.forEach(function (p) {
        var P = accessor(p.attributes.POSITION);
        var C = p.attributes.COLOR_0 !== undefined ? accessor(p.attributes.COLOR_0) : null;
        var cw = C ? SIZES[gltf.accessors[p.attributes.COLOR_0].type] : 0;
        var cs = C && C instanceof Uint8Array ? 1 / 255 : 1;
        var I = p.indices !== undefined ? accessor(p.indices) : null;
        var count = I ? I.length : P.length / 3;
        var tri = [];
        for (var t = 0; t < count; t++) {
          var v = I ? I[t] : t;
          var x = P[3 * v], y = P[3 * v + 1], z = P[3 * v + 2];
          var wx = m[0] * x + m[4] * y + m[8] * z + m[12];
          var wy = m[1] * x + m[5] * y + m[9] * z + m[13];
          var wz = m[2] * x + m[6] * y + m[10] * z + m[14];
          tri.push([wx, wy, wz, C ? C[cw * v] * cs : 0.9, C ? C[cw * v + 1] * cs : 0.9, C ? C[cw * v + 2] * cs : 0.9]);
          bb = [Math.min(bb[0], wx), Math.min(bb[1], wy), Math.min(bb[2], wz),
                Math.max(bb[3], wx), Math.max(bb[4], wy), Math.max(bb[5], wz)];
          if (tri.length === 3) {
            var a = tri[0], b = tri[1], c = tri[2];
            var ux = b[0] - a[0], uy = b[1] - a[1], uz = b[2] - a[2];
            var vx = c[0] - a[0], vy = c[1] - a[1], vz = c[2] - a[2];
            var nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
            var len = Math.sqrt(nx * nx + ny * ny + nz * nz) || 1;
            tri.forEach(function (q) {
              pos.push(q[0], q[1], q[2]); nor.push(nx / len, ny / len, nz / len); col.push(q[3], q[4], q[5]);
            });
            tri = [];
          }
        }
      });
      boxes[node.name] = bb;
    }
    (node.children || []).forEach(function (c) { addNode(c, m); });
  }
  gltf.scenes[gltf.scene || 0].nodes.forEach(function (n) { addNode(n, IDENT); });

  // ---- GL setup --------------------------------------------------------------------------
  function shader(type, src) {
    var s = gl.createShader(type);
    gl.shaderSource(s, src);
    gl.compileShader(s);
    return s;
  }
  function program(vs, fs) {
    var p = gl.createProgram();
    gl.attachShader(p, shader(gl.VERTEX_SHADER, vs));
    gl.attachShader(p, shader(gl.FRAGMENT_SHADER, fs));
    gl.linkProgram(p);
    return p;
  }
  var meshProg = program(
    "attribute vec3 p; attribute vec3 n; attribute vec3 c; uniform mat4 mvp; varying vec3 vc;" +
    "void main(){ vec3 l = normalize(vec3(0.4, 1.0, 0.6)); vec3 k = normalize(vec3(-0.6, 0.3, -0.5));" +
    " float d = 0.50 + 0.38 * abs(dot(n, l)) + 0.12 * max(dot(n, k), 0.0);" +
    " vc = c * d; gl_Position = mvp * vec4(p, 1.0); }",
    "precision mediump float; varying vec3 vc; void main(){ gl_FragColor = vec4(vc, 1.0); }");
  var lineProg = program(
    "attribute vec3 p; attribute vec3 c; uniform mat4 mvp; varying vec3 vc;" +
    "void main(){ vc = c; gl_Position = mvp * vec4(p, 1.0); }",
    "precision mediump float; varying vec3 vc; void main(){ gl_FragColor = vec4(vc, 1.0); }");

  function buffer(arr) {
    var b = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, b);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array(arr), gl.STATIC_DRAW);
    return b;
  }
  var meshBufs = { p: buffer(pos), n: buffer(nor), c: buffer(col), count: pos.length / 3 };

  function hex(h) {
    return [parseInt(h.substr(1, 2), 16) / 255, parseInt(h.substr(3, 2), 16) / 255, parseInt(h.substr(5, 2), 16) / 255];
  }
  // dimension lines: the findings the page's filters (filters.js) show, in their worst status
  var F = window.PlancheckFilters;
  var RANK = { fail: 0, error: 1, unknown: 2, warning: 3, pass: 4 };
  var forcedId = null;   // a finding focused from its "3D" link is shown whatever the filters say
  function shownItems(d) {
    return d.items.filter(function (i) { return !F || F.shows(i) || i.id === forcedId; });
  }
  var lineBufs = { p: gl.createBuffer(), c: gl.createBuffer(), count: 0 };
  function rebuildLines() {
    var lp = [], lc = [];
    data.dims.forEach(function (d) {
      var items = shownItems(d);
      d.shown = items;
      if (!items.length) { return; }
      d.shownStatus = items.reduce(function (w, i) { return RANK[i.status] < RANK[w] ? i.status : w; }, "pass");
      var c = hex(data.colours[d.shownStatus]);
      // a dimension line plus two short ticks at its ends
      lp.push(d.a[0], d.a[1], d.a[2], d.b[0], d.b[1], d.b[2]);
      lp.push(d.a[0], 0, d.a[2], d.a[0], 4, d.a[2], d.b[0], 0, d.b[2], d.b[0], 4, d.b[2]);
      for (var k = 0; k < 6; k++) { lc.push(c[0], c[1], c[2]); }
    });
    gl.bindBuffer(gl.ARRAY_BUFFER, lineBufs.p);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array(lp), gl.STATIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, lineBufs.c);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array(lc), gl.STATIC_DRAW);
    lineBufs.count = lp.length / 3;
  }

  // ---- camera ----------------------------------------------------------------------------
  var all = [Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity];
  Object.keys(boxes).forEach(function (k) {
    var b = boxes[k];
    for (var j = 0; j < 3; j++) { all[j] = Math.min(all[j], b[j]); all[j + 3] = Math.max(all[j + 3], b[j + 3]); }
  });
  var home = {
    target: [(all[0] + all[3]) / 2, 0, (all[2] + all[5]) / 2],
    dist: 0.95 * Math.max(all[3] - all[0], all[5] - all[2], all[4] - all[1], 50),
    yaw: -0.55, pitch: 0.62
  };
  var cam = JSON.parse(JSON.stringify(home));

  function perspective(fovy, aspect, near, far) {
    var f = 1 / Math.tan(fovy / 2), nf = 1 / (near - far);
    return new Float32Array([f / aspect, 0, 0, 0, 0, f, 0, 0, 0, 0, (far + near) * nf, -1, 0, 0, 2 * far * near * nf, 0]);
  }
  function lookAt(e, t) {
    var z = [e[0] - t[0], e[1] - t[1], e[2] - t[2]];
    var zl = Math.hypot(z[0], z[1], z[2]); z = z.map(function (v) { return v / zl; });
    var x = [z[2], 0, -z[0]];  // up = +Y
    var xl = Math.hypot(x[0], x[1], x[2]) || 1; x = x.map(function (v) { return v / xl; });
    var y = [z[1] * x[2] - z[2] * x[1], z[2] * x[0] - z[0] * x[2], z[0] * x[1] - z[1] * x[0]];
    return new Float32Array([x[0], y[0], z[0], 0, x[1], y[1], z[1], 0, x[2], y[2], z[2], 0,
      -(x[0] * e[0] + x[1] * e[1] + x[2] * e[2]), -(y[0] * e[0] + y[1] * e[1] + y[2] * e[2]),
      -(z[0] * e[0] + z[1] * e[1] + z[2] * e[2]), 1]);
  }
  function eye() {
    return [cam.target[0] + cam.dist * Math.cos(cam.pitch) * Math.sin(cam.yaw),
            cam.target[1] + cam.dist * Math.sin(cam.pitch),
            cam.target[2] + cam.dist * Math.cos(cam.pitch) * Math.cos(cam.yaw)];
  }

  // ---- labels ----------------------------------------------------------------------------
  // labels: dimension labels (fails and unknowns first) and building names; a label that
  // would overlap one already shown is moved up or down a little, else (names, passing
  // dimensions) left out for this frame
  var labels = [];
  function label(text, p, cls, colour, rank) {
    var el = document.createElement("span");
    el.textContent = text;
    if (cls) { el.className = cls; }
    if (colour) { el.style.color = colour; }
    labelsBox.appendChild(el);
    var l = { el: el, p: p, rank: rank, size: null };
    labels.push(l);
    return l;
  }
  var buildingNames = data.buildings.length <= 80 ? data.buildings : [];
  buildingNames.forEach(function (name) {
    var b = boxes[name];
    if (b) { label(name, [(b[0] + b[3]) / 2, b[4] + 1, (b[2] + b[5]) / 2], "", "", 5); }
  });
  var dimLabels = {};
  data.dims.forEach(function (d) {
    var l = label(d.label, [(d.a[0] + d.b[0]) / 2, 3, (d.a[2] + d.b[2]) / 2], "dim", d.colour, 0);
    l.dim = d;
    d.ids.forEach(function (id) { dimLabels[id] = { el: l.el, d: d }; });
  });
  function relabel() {
    labels.forEach(function (l) {
      var d = l.dim;
      if (!d) { return; }
      l.hidden = !d.shown.length;
      if (l.hidden) { return; }
      var text = d.shown.map(function (i) { return i.text; }).join(" · ");
      if (l.el.textContent !== text) { l.el.textContent = text; l.size = null; }
      l.el.style.color = data.colours[d.shownStatus];
      l.rank = RANK[d.shownStatus] === 4 ? 6 : RANK[d.shownStatus];
    });
    labels.sort(function (x, y) { return x.rank - y.rank; });
  }
  function refilter() { rebuildLines(); relabel(); redraw(); }
  rebuildLines();
  relabel();

  // ---- draw ------------------------------------------------------------------------------
  var mvp = IDENT;
  function attrib(prog, name, buf, size) {
    var loc = gl.getAttribLocation(prog, name);
    if (loc < 0) { return; }
    gl.bindBuffer(gl.ARRAY_BUFFER, buf);
    gl.enableVertexAttribArray(loc);
    gl.vertexAttribPointer(loc, size, gl.FLOAT, false, 0, 0);
  }
  function draw() {
    var w = canvas.clientWidth || canvas.width, h = canvas.clientHeight || canvas.height;
    if (canvas.width !== Math.round(w) || canvas.height !== Math.round(h)) {
      canvas.width = Math.round(w); canvas.height = Math.round(h);
    }
    gl.viewport(0, 0, canvas.width, canvas.height);
    gl.clearColor(0.91, 0.93, 0.95, 1);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    var e = eye();
    var near = Math.max(0.5, cam.dist / 500), far = cam.dist * 10 + 1000;
    mvp = mul(perspective(0.75, canvas.width / canvas.height, near, far), lookAt(e, cam.target));
    gl.enable(gl.DEPTH_TEST);
    gl.useProgram(meshProg);
    gl.uniformMatrix4fv(gl.getUniformLocation(meshProg, "mvp"), false, mvp);
    attrib(meshProg, "p", meshBufs.p, 3); attrib(meshProg, "n", meshBufs.n, 3); attrib(meshProg, "c", meshBufs.c, 3);
    gl.drawArrays(gl.TRIANGLES, 0, meshBufs.count);
    gl.disable(gl.DEPTH_TEST);  // dimension lines: always on top, as in the figures
    if (lineBufs.count) {
      gl.useProgram(lineProg);
      gl.uniformMatrix4fv(gl.getUniformLocation(lineProg, "mvp"), false, mvp);
      attrib(lineProg, "p", lineBufs.p, 3); attrib(lineProg, "c", lineBufs.c, 3);
      gl.drawArrays(gl.LINES, 0, lineBufs.count);
    }
    var cw = canvas.clientWidth, ch = canvas.clientHeight, taken = [];
    function clear(b) {
      for (var k = 0; k < taken.length; k++) {
        var t = taken[k];
        if (b[0] < t[2] && t[0] < b[2] && b[1] < t[3] && t[1] < b[3]) { return false; }
      }
      return true;
    }
    labels.forEach(function (l) {
      var p = l.p;
      var x = mvp[0] * p[0] + mvp[4] * p[1] + mvp[8] * p[2] + mvp[12];
      var y = mvp[1] * p[0] + mvp[5] * p[1] + mvp[9] * p[2] + mvp[13];
      var wv = mvp[3] * p[0] + mvp[7] * p[1] + mvp[11] * p[2] + mvp[15];
      var off = wv <= 0 || Math.abs(x / wv) > 1.05 || Math.abs(y / wv) > 1.05;
      if (off || l.hidden) {
        l.el.style.display = "none";
        return;
      }
      l.el.style.display = "";
      if (!l.size) { l.size = [l.el.offsetWidth + 2, l.el.offsetHeight + 2]; }
      var px = (x / wv + 1) / 2 * cw, py = (1 - y / wv) / 2 * ch, w = l.size[0], h = l.size[1];
      var must = l.rank < 5 || l.el.classList.contains("focus"), shifts = must ? [0, -1, 1, -2, 2, -3, 3] : [0];
      for (var k = 0; k < shifts.length; k++) {
        var top = py + shifts[k] * h, b = [px - w / 2, top - h, px + w / 2, top];
        if (clear(b)) {
          taken.push(b);
          l.el.style.left = px.toFixed(1) + "px";
          l.el.style.top = top.toFixed(1) + "px";
          return;
        }
      }
      l.el.style.display = "none";
    });
  }
  var pending = false;
  function redraw() {
    if (pending) { return; }
    pending = true;
    requestAnimationFrame(function () { pending = false; draw(); });
  }

  // ---- interaction -----------------------------------------------------------------------
  var drag = null;
  canvas.addEventListener("mousedown", function (ev) { drag = { x: ev.clientX, y: ev.clientY, pan: ev.shiftKey }; });
  window.addEventListener("mouseup", function () { drag = null; });
  window.addEventListener("mousemove", function (ev) {
    if (!drag) { return; }
    var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    drag.x = ev.clientX; drag.y = ev.clientY;
    if (drag.pan) {
      var s = cam.dist / (canvas.clientHeight || 600);
      cam.target[0] -= (Math.cos(cam.yaw) * dx - Math.sin(cam.yaw) * dy) * s;
      cam.target[2] -= (-Math.sin(cam.yaw) * dx - Math.cos(cam.yaw) * dy) * s;
    } else {
      cam.yaw -= dx * 0.006;
      cam.pitch = Math.min(1.5, Math.max(0.05, cam.pitch + dy * 0.006));
    }
    redraw();
  });
  canvas.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    cam.dist = Math.max(5, cam.dist * Math.exp(ev.deltaY * 0.001));
    redraw();
  }, { passive: false });
  canvas.addEventListener("dblclick", function () { cam = JSON.parse(JSON.stringify(home)); redraw(); });
  window.addEventListener("resize", redraw);

  var focused = null;
  function focus(id) {
    var hit = dimLabels[id];
    if (!hit) { return; }
    var d = hit.d;
    var len = Math.hypot(d.a[0] - d.b[0], d.a[2] - d.b[2]);
    cam.target = [(d.a[0] + d.b[0]) / 2, 0, (d.a[2] + d.b[2]) / 2];
    cam.dist = Math.max(60, 4 * len);
    cam.yaw = Math.atan2(d.b[0] - d.a[0], d.b[2] - d.a[2]) + Math.PI / 2;
    cam.pitch = 0.75;
    if (focused) { focused.classList.remove("focus"); }
    focused = hit.el;
    focused.classList.add("focus");
    forcedId = id;
    refilter();
  }
  if (F) { F.subscribe(function () { forcedId = null; refilter(); }); }
  document.querySelectorAll("[data-focus]").forEach(function (a) {
    a.addEventListener("click", function () { focus(a.getAttribute("data-focus")); });
  });
  // for sunlight.js: look at a point (a window) from along its facade's outward normal [x, z]
  function look(p, normal) {
    cam.target = [p[0], p[1], p[2]];
    cam.dist = 70;           // from above the buildings in front of it (a shading one)
    cam.pitch = 0.9;
    if (normal) { cam.yaw = Math.atan2(normal[0], normal[1]); }
    redraw();
  }
  // for sunlight.js: the default view (also the double-click one) looks at a point from along
  // a facade's outward normal, e.g. at the failing floors of a sunlight fail
  function setHome(p, normal, dist) {
    home = { target: [p[0], p[1], p[2]], dist: dist || 120, pitch: 1.0,   // over what shades it
             yaw: normal ? Math.atan2(normal[0], normal[1]) : home.yaw };
    cam = JSON.parse(JSON.stringify(home));
    redraw();
  }
  window.plancheckViewer = { canvas: canvas, mvp: function () { return mvp; }, look: look,
                             setHome: setHome, home: function () { return home; } };
  draw();
})();
