"""3D figures of the white model, rendered off-screen with pyvista (no display, no GPU).

* the overview: every building, ground geometry, road red lines; every measured distance as a
  dimension line (passing ones thin and green, the others thick in their status colour and
  labelled `Fnnnn measured / required`);
* one view per failing or unknown finding, framed on its subjects: the subject building (主体)
  orange, the object building (客体) blue, the rest translucent, the dimension line between
  the two closest points labelled `measured / required` in the status colour.

VTK links no GL library; it loads one at the first render and, when none works, the process
dies with SIGSEGV. `preflight()` therefore picks the off-screen window class from what is
installed (OSMesa, else EGL with Mesa's software driver) and raises RenderError naming the
Debian package to install, before pyvista is imported. Camera and window size are fixed, so a
report renders to the same pixels every time.
"""

from __future__ import annotations

import ctypes.util
import glob
import math
import os
import textwrap

import numpy as np

from plancheck.render.style import (MAX_FINDING_VIEWS, STATUS_RGB, STATUS_WORD, Figure, RenderError,
                                      compare, drawn, grouped_segments,
                                      required_lines, segment, view_findings, worst)

WINDOW = (1280, 800)
#: dimension lines are drawn this high above the ground (m), above the ground geometry
DIM_Z = 1.0
SUBJECT_RGB = (255, 140, 20)    # 主体
OBJECT_RGB = (60, 120, 230)     # 客体
RED_LINE_RGB = (224, 64, 122)     # 道路红线: not the fail red (planscene.RED_LINE)
SITE_LINE_RGB = (122, 16, 32)     # 用地红线 (planscene.SITE_LINE)
_WINDOW_CLASS = {"OSMesa": "vtkOSOpenGLRenderWindow", "EGL": "vtkEGLRenderWindow"}
_INSTALL = ("3D figures need an off-screen OpenGL library and none was found: install Debian's "
            "libosmesa6 (apt-get install libosmesa6, or bash scripts/setup.sh), or leave the 3D "
            "figures out with --format json,html,glb")

TEXT = {
    "zh": {"overview": "三维白模总览 — 建筑间距与退让（绿色为合格）", "subject": "主体", "object": "客体",
           "view": "三维视图", "shader": "主体（遮挡）", "shaded": "客体（受遮挡）",
           "windows": "窗：红 不满足、绿 满足、橙 无法判定", "minutes": "分钟"},
    "en": {"overview": "3D white model — spacing and setbacks (green: pass)", "subject": "subject",
           "object": "object", "view": "3D view", "shader": "shading", "shaded": "shaded",
           "windows": "windows: red fail, green pass, orange unknown", "minutes": "min"},
}


def _egl_usable() -> bool:
    return bool(ctypes.util.find_library("EGL")) and bool(
        glob.glob("/usr/lib/*/dri/swrast_dri.so") + glob.glob("/usr/lib*/dri/swrast_dri.so"))


def gl_available() -> bool:
    """Cheap check (no VTK import): can 3D figures render here?"""
    try:
        preflight(set_env=False)
        return True
    except RenderError:
        return False


def preflight(set_env: bool = True) -> str:
    """Choose VTK's off-screen window class from the installed libraries; raise RenderError
    instead of letting VTK segfault when there is none. Returns the class name."""
    chosen = os.environ.get("VTK_DEFAULT_OPENGL_WINDOW")
    if chosen:
        need = {"vtkOSOpenGLRenderWindow": "OSMesa", "vtkEGLRenderWindow": "EGL"}.get(chosen)
        if need == "OSMesa" and not ctypes.util.find_library("OSMesa"):
            raise RenderError(f"VTK_DEFAULT_OPENGL_WINDOW={chosen} but libOSMesa is missing. " + _INSTALL)
        if need == "EGL" and not _egl_usable():
            raise RenderError(f"VTK_DEFAULT_OPENGL_WINDOW={chosen} but EGL/Mesa is missing. " + _INSTALL)
        if need is None and not os.environ.get("DISPLAY"):
            raise RenderError(f"VTK_DEFAULT_OPENGL_WINDOW={chosen} needs a display (DISPLAY is unset). "
                              + _INSTALL)
        return chosen
    if ctypes.util.find_library("OSMesa"):
        chosen = _WINDOW_CLASS["OSMesa"]
    elif _egl_usable():
        chosen = _WINDOW_CLASS["EGL"]
    else:
        raise RenderError(_INSTALL)
    if set_env:
        os.environ["VTK_DEFAULT_OPENGL_WINDOW"] = chosen
    return chosen


# --- scene pieces --------------------------------------------------------------------------------

def _polydata(meshes):
    """One pv.PolyData from trimesh meshes (vectorised concatenation)."""
    import pyvista as pv

    meshes = [m for m in meshes if len(m.faces)]
    if not meshes:
        return None
    verts, faces, off = [], [], 0
    for m in meshes:
        verts.append(np.asarray(m.vertices, dtype=float))
        f = np.asarray(m.faces, dtype=np.int64) + off
        faces.append(np.column_stack([np.full(len(f), 3, dtype=np.int64), f]).ravel())
        off += len(m.vertices)
    return pv.PolyData(np.vstack(verts), np.concatenate(faces))


def _lines(segments):
    """pv.PolyData of separate line segments [(p, q), ...] with 3D points."""
    import pyvista as pv

    pts = np.asarray([p for seg in segments for p in seg], dtype=float)
    n = len(segments)
    cells = np.column_stack([np.full(n, 2), np.arange(0, 2 * n, 2), np.arange(1, 2 * n, 2)]).ravel()
    return pv.PolyData(pts, lines=cells)


def _polyline(points, z):
    import pyvista as pv

    pts = np.asarray([[x, y, z] for x, y in points], dtype=float)
    return pv.PolyData(pts, lines=np.concatenate([[len(pts)], np.arange(len(pts))]))


def _rgb(c):
    return tuple(v / 255 for v in c)


class Scene:
    """The white model in a pyvista Plotter, reused for every view of one report."""

    def __init__(self, report: dict, lang: str):
        import pyvista as pv

        from plancheck.render import massing

        self.report, self.lang = report, lang
        self.t = TEXT.get(lang, TEXT["zh"])
        self.shift = massing.origin(report)
        self.solids = massing.solids(report, self.shift)
        self.by_name: dict[str, list] = {}
        for s in self.solids:
            self.by_name.setdefault(s.building, []).append(s)
        pl = pv.Plotter(off_screen=True, window_size=list(WINDOW), lighting="light kit")
        # no multisampling: in software GL it more than doubles every view's render time, for
        # edges a pixel smoother (the drawing, labels and mapping are the same)
        pl.ren_win.SetMultiSamples(0)
        pl.set_background("white", top="#dfe8f2")
        self.pl = pl
        for name, kind, mesh in massing.ground(report, self.shift):
            pd = _polydata([mesh])
            if pd is not None:
                pl.add_mesh(pd, color=_rgb(massing.COLOURS[kind][:3]), lighting=False,
                            name=f"ground-{name}", render=False)
        ox, oy = self.shift
        if report.get("site"):
            pl.add_mesh(_polyline([(x - ox, y - oy) for x, y in report["site"]["outline"]], 0.2),
                        color=_rgb(SITE_LINE_RGB), line_width=2, name="site-line", render=False)
        for k, r in enumerate(report.get("roads", [])):
            pl.add_mesh(_polyline([(x - ox, y - oy) for x, y in r["line"]], 0.25),
                        color=_rgb(RED_LINE_RGB), line_width=3, name=f"road-line-{k}", render=False)
        for k, r in enumerate(report.get("rivers", [])):
            pl.add_mesh(_polyline([(x - ox, y - oy) for x, y in r["line"]], 0.25),
                        color=(0.16, 0.43, 0.82), line_width=2, name=f"river-line-{k}", render=False)
        self.required = {f["id"]: lines for f, lines in required_lines(report)}
        self._pending: list = []     # labels and texts, drawn over the image in _shot
        self._texts: list = []
        self._overlay_actors: list = []
        # dimension lines live in a second layer that shares the camera: drawn over the model
        from vtkmodules.vtkRenderingCore import vtkRenderer

        self.overlay = vtkRenderer()
        self.overlay.SetLayer(1)
        self.overlay.InteractiveOff()
        self.overlay.SetActiveCamera(pl.renderer.GetActiveCamera())
        pl.ren_win.SetNumberOfLayers(2)
        pl.ren_win.AddRenderer(self.overlay)
        pl.show(auto_close=False)   # the first render; later views call render() explicitly

    # drawing coordinates -> scene coordinates
    def p(self, x, y, z=0.0):
        return (x - self.shift[0], y - self.shift[1], z)

    def _buildings(self, subject=None, obj=None, translucent=False, subject_opacity=1.0):
        """The building actors: subject/object highlighted, the rest (optionally) translucent."""
        from plancheck.render import massing

        for name in ("bld-rest", "bld-subject", "bld-object", "bld-edges"):
            self.pl.remove_actor(name, render=False)
        groups = {"rest": [], "subject": [], "object": []}
        colours = {"rest": []}
        for s in self.solids:
            g = "subject" if s.building == subject else "object" if s.building == obj else "rest"
            groups[g].append(s.mesh)
            if g == "rest":
                rgb = massing.COLOURS["unknown" if not s.height_known else s.status][:3]
                colours["rest"].append(np.tile(rgb, (len(s.mesh.faces), 1)))
        rest = _polydata(groups["rest"])
        if rest is not None:
            rest.cell_data["rgb"] = np.vstack(colours["rest"]).astype(np.uint8)
            self.pl.add_mesh(rest, scalars="rgb", rgb=True, opacity=0.35 if translucent else 1.0,
                             ambient=0.45, diffuse=0.6,
                             name="bld-rest", show_scalar_bar=False, render=False)
            if not translucent:
                edges = rest.extract_feature_edges(boundary_edges=False, non_manifold_edges=False,
                                                   feature_angle=30, manifold_edges=False)
                self.pl.add_mesh(edges, color=(0.35, 0.35, 0.38), line_width=1, name="bld-edges",
                                 render=False)
        for g, rgb in (("subject", SUBJECT_RGB), ("object", OBJECT_RGB)):
            pd = _polydata(groups[g])
            if pd is not None:
                self.pl.add_mesh(pd, color=_rgb(rgb), name=f"bld-{g}", render=False, ambient=0.45,
                                 diffuse=0.6, opacity=subject_opacity if g == "subject" else 1.0)

    def _add(self, name, mesh, color, line_width):
        """A dimension line, drawn in the overlay layer: never hidden behind a building."""
        import pyvista as pv

        actor = pv.Actor(mapper=pv.DataSetMapper(mesh))
        actor.prop.color = color
        actor.prop.line_width = line_width
        actor.prop.lighting = False
        self.overlay.AddActor(actor)
        self._overlay_actors.append(actor)

    def _label(self, text, a, b=None, colour=(30, 30, 30), size=14, kind="dimension",
               must=False, findings=(), status=None):
        """A label drawn after the render (overlay.py): anchored at scene point `a`, or along
        the dimension a-b."""
        from plancheck.render.overlay import Label

        self._pending.append(Label(str(text), tuple(a), tuple(b if b is not None else a),
                                   tuple(colour), size, kind, must, list(findings), status,
                                   box=kind != "building"))

    def _text(self, text, corner, size=18):
        from plancheck.render.overlay import Text

        self._texts.append(Text(str(text), corner, size))

    def _clear(self):
        for actor in self._overlay_actors:
            self.overlay.RemoveActor(actor)
        self._overlay_actors, self._pending, self._texts = [], [], []

    def _camera(self, bounds, azimuth_deg: float, elevation_deg: float):
        """Look at `bounds` (scene coords) from compass direction `azimuth_deg` (CCW from +X).
        Raw VTK camera calls: pyvista's camera properties would render on every change."""
        x0, x1, y0, y1, z0, z1 = bounds
        focal = ((x0 + x1) / 2, (y0 + y1) / 2, (z0 + z1) / 3)
        a, e = math.radians(azimuth_deg), math.radians(elevation_deg)
        d = (math.cos(e) * math.cos(a), math.cos(e) * math.sin(a), math.sin(e))
        cam = self.pl.renderer.GetActiveCamera()
        cam.SetFocalPoint(*focal)
        cam.SetPosition(*(f + 100 * v for f, v in zip(focal, d)))
        cam.SetViewUp(0.0, 0.0, 1.0)
        cam.SetViewAngle(30.0)
        self.pl.renderer.ResetCamera(*bounds)
        cam.Zoom(self._fit(bounds))
        self.pl.renderer.ResetCameraClippingRange()

    def _ndc(self, bounds) -> np.ndarray:
        w, h = WINDOW
        m = self.pl.renderer.GetActiveCamera().GetCompositeProjectionTransformMatrix(w / h, -1, 1)
        proj = np.array([[m.GetElement(i, j) for j in range(4)] for i in range(4)])
        x0, x1, y0, y1, z0, z1 = bounds
        corners = np.array([[x, y, z, 1.0] for x in (x0, x1) for y in (y0, y1) for z in (z0, z1)])
        clip = corners @ proj.T
        return clip[:, :2] / clip[:, 3:4]

    def _fit(self, bounds) -> float:
        """Centre the bounds' projected corners and return the zoom factor that makes them fill
        the window (reset_camera fits the bounding sphere, which leaves wide margins)."""
        cam = self.pl.renderer.GetActiveCamera()
        ndc = self._ndc(bounds)
        cx, cy = (ndc.min(axis=0) + ndc.max(axis=0)) / 2
        fp, pos = np.array(cam.GetFocalPoint()), np.array(cam.GetPosition())
        half_h = np.linalg.norm(pos - fp) * math.tan(math.radians(cam.GetViewAngle()) / 2)
        half_w = half_h * WINDOW[0] / WINDOW[1]
        forward = (fp - pos) / np.linalg.norm(fp - pos)
        right = np.cross(forward, np.array(cam.GetViewUp()))
        right /= np.linalg.norm(right)
        up = np.cross(right, forward)
        shift = right * cx * half_w + up * cy * half_h
        cam.SetFocalPoint(*(fp + shift))
        cam.SetPosition(*(pos + shift))
        extent = float(np.abs(self._ndc(bounds)).max())
        return 1.0 if extent <= 0 else 0.94 / extent

    def _shot(self, key, title, findings) -> Figure:
        from plancheck.render import overlay

        self.pl.render()   # render this view now: the image and the mapping share one camera
        img = self.pl.screenshot(return_img=True)
        w, h = WINDOW
        cam = self.pl.renderer.GetActiveCamera()
        m = cam.GetCompositeProjectionTransformMatrix(w / h, -1, 1)
        proj = np.array([[m.GetElement(i, j) for j in range(4)] for i in range(4)])
        png, labels, unlabelled = overlay.draw(img, proj.tolist(), self._pending, self._texts)
        shift = np.eye(4)
        shift[0, 3], shift[1, 3] = -self.shift[0], -self.shift[1]
        mapping = {"type": "projective", "matrix": (proj @ shift).tolist(), "viewport": [w, h],
                   "note": "drawing (x, y, z) -> clip coordinates; pixel = ((X/W + 1) / 2 * width, "
                           "(1 - Y/W) / 2 * height)"}
        return Figure(key, title, "3d", png, w, h, findings, mapping, labels, unlabelled)

    def _view_azimuth(self) -> float:
        """Overview camera: from the south-south-east of true north."""
        return self.report["drawing"].get("north_deg", 90.0) - 180.0 + 30.0

    def bounds(self, names=None, extra_pts=()):
        pts, top = [], 0.0
        for s in self.solids:
            if names is None or s.building in names:
                x0, y0, x1, y1 = s.footprint.bounds
                pts += [(x0, y0), (x1, y1)]
                top = max(top, s.top)
        if names is None and self.report.get("site"):
            pts += [self.p(x, y)[:2] for x, y in self.report["site"]["outline"]]
        pts += [self.p(x, y)[:2] for x, y in extra_pts]
        if not pts:
            pts = [(0.0, 0.0), (100.0, 100.0)]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return (min(xs), max(xs), min(ys), max(ys), 0.0, max(top, 3.0))

    # --- the figures ------------------------------------------------------------------------------

    def overview(self) -> Figure:
        self._clear()
        self._clear_windows()
        self._buildings()
        shown = [f for f in self.report["findings"] if drawn(f)]
        passing, other = [], []
        for key, fs in grouped_segments(shown):
            st = worst(f["status"] for f in fs)
            seg = (self.p(key[0], key[1], DIM_Z), self.p(key[2], key[3], DIM_Z))
            (passing if st == "pass" else other).append((seg, st, fs))
        if passing:
            self._add("dims-pass", _lines([s for s, _, _ in passing]), color=_rgb(STATUS_RGB["pass"]),
                      line_width=2)
        for st in ("fail", "unknown", "warning", "error"):
            segs = [s for s, s_, _ in other if s_ == st]
            if segs:
                self._add(f"dims-{st}", _lines(segs), color=_rgb(STATUS_RGB[st]), line_width=5)
        for st in ("fail", "error", "unknown", "warning"):   # labels: fails first
            for (a, b), s_, fs in other:
                if s_ == st:
                    text = "\n".join(f"{f['id']} {compare(f, lang=self.lang)}" for f in fs)
                    self._label(text, a, b, STATUS_RGB[st], 15, must=True,
                                findings=[f["id"] for f in fs], status=st)
        if len(self.by_name) <= 60:
            for name, ss in self.by_name.items():
                s = max(ss, key=lambda s: s.top)
                c = s.footprint.representative_point()
                self._label(name, (c.x, c.y, s.top + 1.0), colour=(30, 30, 30), size=13,
                            kind="building")
        self._text(self.t["overview"], "upper_left", 20)
        self._camera(self.bounds(), self._view_azimuth(), 38.0)
        return self._shot("overview", self.t["overview"], [f["id"] for f in shown])

    def _window_quads(self, wins, rgb, name, out=0.15):
        """The analysed windows as quads on their facades (sill to sill + 1.5 m), set `out`
        metres out of the wall so the wall does not cover them."""
        import pyvista as pv

        north = float(self.report["drawing"].get("north_deg", 90.0))
        pts, faces = [], []
        for w in wins:
            (x0, y0), (x1, y1) = w["line"]
            a = math.radians(north - float(w.get("azimuth_deg", 180.0)))
            nx, ny = math.cos(a) * out, math.sin(a) * out
            z0 = float(w["sill_z_m"])
            k = len(pts)
            for x, y, z in ((x0, y0, z0), (x1, y1, z0), (x1, y1, z0 + 1.5), (x0, y0, z0 + 1.5)):
                pts.append(self.p(x + nx, y + ny, z))
            faces += [4, k, k + 1, k + 2, k + 3]
        if pts:
            self.pl.add_mesh(pv.PolyData(np.asarray(pts, dtype=float), faces=np.asarray(faces)),
                             color=_rgb(rgb), lighting=False, name=name, render=False)

    def sunlight_view(self, f: dict) -> Figure | None:
        """A sunlight finding: the receiver (客体, shaded) with its analysed windows coloured by
        their verdict, the building that shades its failing windows most (主体), the worst
        window labelled with its minutes; the camera faces the worst window's facade."""
        sun = self.report.get("sunlight") or {}
        receiver = f["subjects"][0] if f["subjects"] else None
        from plancheck.render.sunlight_figures import windows_of

        wins = [w for w in windows_of(sun, receiver) if w.get("line")] if sun else []
        if not wins or receiver not in self.by_name:
            return None
        bad = [w for w in wins if w["status"] != "pass"]
        count: dict[str, int] = {}
        for w in bad or wins:
            for sh in w.get("shaded") or []:
                for b in sh.get("by") or []:
                    if b != receiver:
                        count[b] = count.get(b, 0) + 1
        shader = max(count, key=lambda b: (count[b], b)) if count else None
        # the shading building in front of the shaded facade: see-through, so the failing
        # windows behind it show
        self._buildings(shader if shader in self.by_name else None, receiver, translucent=True,
                        subject_opacity=0.4)
        for st, out in (("pass", 0.15), ("unknown", 0.2), ("fail", 0.25)):
            self._window_quads([w for w in wins if w["status"] == st], STATUS_RGB[st], f"win-{st}", out)
        key = "cumulative_minutes" if f.get("measure") == "cumulative" else "continuous_minutes"
        worst = min(bad or wins, key=lambda w: (w[key] if w[key] is not None else 1e9))
        (x0, y0), (x1, y1) = worst["line"]
        anchor = self.p((x0 + x1) / 2, (y0 + y1) / 2, float(worst["sill_z_m"]) + 0.75)
        req = worst.get("required_minutes")
        op = "<" if req is not None and worst[key] < req else "≥"
        text = f"{f['id']}  {worst['building']}-{worst['floor']}F-W{worst['window']}  " \
               f"{worst[key]:g}{'' if req is None else f' {op} {req:g}'} {self.t['minutes']}"
        self._label(text, anchor, None, STATUS_RGB[f["status"]], 19, must=True,
                    findings=[f["id"]], status=f["status"])
        for n, role, rgb in ((shader, self.t["shader"], SUBJECT_RGB), (receiver, self.t["shaded"], OBJECT_RGB)):
            if n in self.by_name:
                s_ = max(self.by_name[n], key=lambda s: s.top)
                c = s_.footprint.representative_point()
                self._label(f"{role} {n}", (c.x, c.y, s_.top + 1.5), None, rgb, 15, kind="role", must=True)
        self._text(f"{f['id']}  {f['rule']}  {f.get('clause') or ''}  {STATUS_WORD[self.lang][f['status']]}",
                   "upper_left", 20)
        self._text("\n".join(textwrap.wrap(f["message"], 60 if self.lang == "zh" else 110) + [self.t["windows"]]),
                   "lower_left", 15)
        north = float(self.report["drawing"].get("north_deg", 90.0))
        azimuth = north - float(worst.get("azimuth_deg", 180.0)) + 25.0
        # framed on the shaded building: its facade and windows fill the view (the shading one,
        # however tall or far, is there translucent where it falls)
        x0_, x1_, y0_, y1_, z0_, z1_ = self.bounds({receiver})
        pad = max(6.0, 0.2 * max(x1_ - x0_, y1_ - y0_))
        self._camera((x0_ - pad, x1_ + pad, y0_ - pad, y1_ + pad, z0_, z1_), azimuth, 30.0)
        title = f"{self.t['view']} {f['id']} {f['rule']}"
        return self._shot(f["id"], title, [f["id"]])

    def _clear_windows(self):
        for st in ("pass", "unknown", "fail"):
            self.pl.remove_actor(f"win-{st}", render=False)

    def finding_view(self, f: dict) -> Figure:
        """One finding, framed on its subjects (and its dimension line)."""
        self._clear()
        self._clear_windows()
        if f["family"] == "sunlight":
            fig = self.sunlight_view(f)
            if fig is not None:
                return fig
            self._clear_windows()
        names = [n for n in f["subjects"] if n in self.by_name]
        subject = names[0] if names else None
        obj = names[1] if len(names) > 1 else None
        self._buildings(subject, obj, translucent=True)
        colour = STATUS_RGB[f["status"]]
        seg = segment(f)
        extra = list(seg) if seg else []
        label = f"{f['id']}  {compare(f, lang=self.lang)}"
        if seg:
            a, b = self.p(*seg[0], DIM_Z), self.p(*seg[1], DIM_Z)
            self._add("dim", _lines([(a, b)]), color=_rgb(colour), line_width=6)
            ticks = [((a[0], a[1], 0.0), (a[0], a[1], DIM_Z + 3.0)),
                     ((b[0], b[1], 0.0), (b[0], b[1], DIM_Z + 3.0))]
            self._add("dim-ticks", _lines(ticks), color=_rgb(colour), line_width=3)
            self._label(label, a, b, colour, 19, must=True, findings=[f["id"]],
                        status=f["status"])
            if f["family"] == "road-height" and f["measured"] is not None:
                # the height that is compared: a vertical line at the building, a tick at the limit
                v = [((a[0], a[1], 0.0), (a[0], a[1], float(f["measured"])))]
                if f["required"] is not None:
                    r = float(f["required"])
                    v.append(((a[0] - 4, a[1], r), (a[0] + 4, a[1], r)))
                self._add("dim-height", _lines(v), color=_rgb(colour), line_width=4)
            azimuth = self._perpendicular(a, b)
            lines = self.required.get(f["id"])
            if lines:   # the required setback line, thin, in the status colour
                segs = [(self.p(*p, DIM_Z), self.p(*q, DIM_Z)) for line in lines
                        for p, q in zip(line, line[1:])]
                self._add("required", _lines(segs), color=_rgb(colour), line_width=2)
        else:
            if subject:
                s = max(self.by_name[subject], key=lambda s: s.top)
                c = s.footprint.representative_point()
                self._label(label, (c.x, c.y, s.top + 3.0), None, colour, 19, must=True,
                            findings=[f["id"]], status=f["status"])
            azimuth = self._view_azimuth()
        roles = []
        if subject:
            roles.append((subject, self.t["subject"], SUBJECT_RGB))
        if obj:
            roles.append((obj, self.t["object"], OBJECT_RGB))
        for n, role, rgb in roles:
            s = max(self.by_name[n], key=lambda s: s.top)
            c = s.footprint.representative_point()
            self._label(f"{role} {n}", (c.x, c.y, s.top + 1.5), None, rgb, 15, kind="role",
                        must=True)
        others = [n for n in f["subjects"] if n not in self.by_name]
        head = f"{f['id']}  {f['rule']}  {f.get('clause') or ''}  {STATUS_WORD[self.lang][f['status']]}"
        if others:
            head += "  (" + ", ".join(others) + ")"
        self._text(head, "upper_left", 20)
        self._text("\n".join(textwrap.wrap(f["message"], 60 if self.lang == "zh" else 110)),
                   "lower_left", 15)
        bounds = self.bounds(set(names) if names else None, extra)
        x0, x1, y0, y1, z0, z1 = bounds
        pad = max(8.0, 0.25 * max(x1 - x0, y1 - y0))
        bounds = (x0 - pad, x1 + pad, y0 - pad, y1 + pad, z0, z1)
        self._camera(bounds, azimuth, 48.0)
        title = f"{self.t['view']} {f['id']} {f['rule']}"
        return self._shot(f["id"], title, [f["id"]])

    def _perpendicular(self, a, b) -> float:
        """The horizontal view direction perpendicular to a dimension line, on the side nearer
        the overview's direction (a zero-length line keeps the overview direction)."""
        base = self._view_azimuth()
        dx, dy = b[0] - a[0], b[1] - a[1]
        if math.hypot(dx, dy) < 1e-9:
            return base
        along = math.degrees(math.atan2(dy, dx))
        normal = along + 90.0
        if abs((normal - base + 180.0) % 360.0 - 180.0) > 90:
            normal += 180.0
        # turned towards the `to` end (the boundary, red line or other building), so the
        # subject at the `from` end does not stand between the camera and the line
        turn = (along - normal + 180.0) % 360.0 - 180.0
        return normal + math.copysign(35.0, turn)

    def close(self):
        self.pl.close()


def render_views(report: dict, lang: str = "zh", scope: str = "fails") -> list[Figure]:
    """The overview and one view per failing/unknown finding (with scope "all", per finding;
    up to MAX_FINDING_VIEWS)."""
    preflight()
    scene = Scene(report, lang)
    try:
        figures = [scene.overview()]
        for f in view_findings(report, scope)[:MAX_FINDING_VIEWS]:
            figures.append(scene.finding_view(f))
        return figures
    finally:
        scene.close()
