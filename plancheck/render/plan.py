"""The 2D plan figure (matplotlib, Agg), drawn from `planscene.scene(report)`: the site,
buildings coloured by height class, road red lines with their widths, rivers and greens, the
required setback lines (dashed), every measured dimension, and beside the plan a panel with
the north arrow, a scale bar, the legend and the numbered callouts.

Fails and unknowns are drawn thick, on top, and always labelled `Fnnnn measured / required`:
on their dimension line, beside it, on a leader, or as a numbered marker listed in the panel
(labels.py places them; no two label boxes overlap). Passing dimensions are thin lines,
labelled only where room is left. Every label's pixel box is recorded (figures.json).

Drawn in the report's drawing coordinates (the drawing's own orientation; the arrow shows
north). The figure has a fixed pixel size, so the same report gives the same PNG.
"""

from __future__ import annotations

import math

from plancheck.render import planscene
from plancheck.render.style import Figure, figure_png, matplotlib_cjk, status_hex
from plancheck.render.labels import ANY, Placer
from plancheck.render.planscene import (BLUE_LINE, CLASS_FILL, EXISTING_FILL, GREEN_FILL,
                                        LIMIT_FILL, RED_LINE, SITE_LINE, TEXT,
                                        must_first)

WIDTH_PX, HEIGHT_PX, DPI = 1600, 1100, 100
#: the plan's axes (figure fractions: left, bottom, width, height); the panel is to its right
PLAN_AXES = (0.008, 0.01, 0.81, 0.93)
PANEL_X0 = 1318.0
PT = DPI / 72.0                     # pixels per point
#: a failing line with no room for its text or marker within this many pixels of an existing
#: marker joins that marker (its list entry gets one more line)
CLUSTER_PX = 14.0
#: ... and within this many when it finds no room for a marker of its own
CLUSTER_REACH_PX = 40.0
#: label font sizes (points)
FS_MUST, FS_PASS, FS_NAME, FS_ROAD, FS_LIST = 8.5, 7.0, 8.0, 9.0, 7.5


def plain(text: str) -> str:
    """Drawing text for matplotlib: `$` would start mathtext."""
    return str(text).replace("$", r"\$")


def _fit(ext, ax):
    """Grow the extent to the axes' pixel aspect, so equal scaling needs no limit changes."""
    x0, y0, x1, y1 = ext
    pos = ax.get_position()
    aspect = (pos.width * WIDTH_PX) / (pos.height * HEIGHT_PX)
    w, h = x1 - x0, y1 - y0
    if w / h < aspect:
        grow = (h * aspect - w) / 2
        return (x0 - grow, y0, x1 + grow, y1)
    grow = (w / aspect - h) / 2
    return (x0, y0 - grow, x1, y1 + grow)


def _poly_path(outline, holes=()):
    from matplotlib.path import Path as MPath

    verts, codes = [], []
    for ring in [outline, *holes]:
        verts += [tuple(p) for p in ring] + [tuple(ring[0])]
        codes += [MPath.MOVETO] + [MPath.LINETO] * (len(ring) - 1) + [MPath.CLOSEPOLY]
    return MPath(verts, codes)


def _nice(length: float) -> float:
    """A round scale-bar length near `length` (1, 2, 5 x 10^n)."""
    exp = 10 ** math.floor(math.log10(length))
    return max(m * exp for m in (1, 2, 5) if m * exp <= length)


def _family(latin: bool) -> dict:
    """Finding ids and numbers are set in DejaVu Sans (it has a bold face; the CJK font has
    none), falling back glyph by glyph to the CJK font for words such as 日照; other text
    keeps the CJK-first font list."""
    if not latin:
        return {}
    from plancheck.render.style import cjk_font

    path = cjk_font()
    if path is None:
        return {"fontfamily": "DejaVu Sans"}
    from matplotlib import font_manager

    return {"fontfamily": ["DejaVu Sans", font_manager.FontProperties(fname=path).get_name()]}


class _Canvas:
    """Pixel-space drawing on the figure (column, row from the top), with text measurement."""

    def __init__(self, fig, ax):
        from matplotlib.transforms import IdentityTransform

        self.fig, self.ax = fig, ax
        self.renderer = fig.canvas.get_renderer()
        self.ident = IdentityTransform()
        self._sizes: dict = {}

    def px(self, x: float, y: float) -> tuple[float, float]:
        X, Y = self.ax.transData.transform((x, y))
        return float(X), float(HEIGHT_PX - Y)

    def measure(self, text: str, size: float, bold: bool = False,
                latin: bool = False) -> tuple[float, float]:
        key = (text, size, bold, latin)
        if key not in self._sizes:
            from matplotlib.text import Text

            t = Text(0, 0, text, fontsize=size, fontweight="bold" if bold else "normal",
                     linespacing=1.15, figure=self.fig, **_family(latin))
            e = t.get_window_extent(self.renderer)
            self._sizes[key] = (math.ceil(e.width), math.ceil(e.height))
        return self._sizes[key]

    def label(self, box, text, size, colour, edge=None, fill="white", bold=False, zorder=11,
              on_axes=True, edge_lw=0.8, latin=False, left=False):
        from matplotlib.patches import Rectangle

        x0, y0, x1, y1 = box
        target = self.ax if on_axes else self.fig
        if fill or edge:
            r = Rectangle((x0, HEIGHT_PX - y1), x1 - x0, y1 - y0, transform=self.ident,
                          fc=fill or "none", ec=edge or "none", lw=edge_lw if edge else 0,
                          zorder=zorder, clip_on=False)
            target.add_artist(r)
        from matplotlib.text import Text

        t = Text(x0 + 2 if left else (x0 + x1) / 2, HEIGHT_PX - (y0 + y1) / 2, text, fontsize=size,
                 color=colour, fontweight="bold" if bold else "normal",
                 ha="left" if left else "center", va="center",
                 multialignment="left" if left else "center", linespacing=1.15, transform=self.ident,
                 zorder=zorder + 0.1, clip_on=False, **_family(latin))
        target.add_artist(t)

    def line(self, p, q, colour, lw=0.8, zorder=10.5, on_axes=True):
        from matplotlib.lines import Line2D

        ln = Line2D([p[0], q[0]], [HEIGHT_PX - p[1], HEIGHT_PX - q[1]], color=colour, lw=lw,
                    transform=self.ident, zorder=zorder, clip_on=False)
        (self.ax if on_axes else self.fig).add_artist(ln)


def plan_figure(report: dict, lang: str = "zh") -> Figure:
    matplotlib_cjk()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MFigure

    sc = planscene.scene(report, lang)
    t = TEXT.get(lang, TEXT["zh"])
    fig = MFigure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes(PLAN_AXES)
    x0, y0, x1, y1 = _fit(sc["extent"], ax)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#fafaf7")
    fig.suptitle(t["title"], x=0.008, y=0.985, ha="left", fontsize=15)

    for g in sc["greens"]:
        from matplotlib.patches import PathPatch

        ax.add_patch(PathPatch(_poly_path(g), fc=GREEN_FILL, ec="none", zorder=1))
    for line in sc["rivers"]:
        xs, ys = zip(*line)
        ax.plot(xs, ys, color=BLUE_LINE, lw=1.6, zorder=2)
    if sc["site"]:
        xs, ys = zip(*sc["site"])
        ax.plot(xs, ys, color=SITE_LINE, lw=2.0, ls=(0, (10, 3, 2, 3)), zorder=3)
    for r in sc["roads"]:
        xs, ys = zip(*r["line"])
        ax.plot(xs, ys, color=RED_LINE, lw=2.5, zorder=4, solid_capstyle="butt")
    _buildings(ax, sc)
    for req in sc["required"]:
        for line in req["lines"]:
            xs, ys = zip(*line)
            ax.plot(xs, ys, color=status_hex(req["status"]), lw=1.1, ls="--", zorder=6)
    _dimension_lines(ax, sc)

    cv = _Canvas(fig, ax)
    bb = ax.get_window_extent(cv.renderer)
    bounds = (bb.x0 + 2, HEIGHT_PX - bb.y1 + 2, bb.x1 - 2, HEIGHT_PX - bb.y0 - 2)
    placer = Placer(bounds)
    labels: list[dict] = []
    _reserve_markers(cv, sc, placer)
    _building_labels(cv, sc, placer, labels)
    _road_labels(cv, ax, sc, placer, labels)
    callouts = _dimension_labels(cv, sc, placer, labels)
    panel_top = _panel(fig, ax, cv, sc, t)
    unlabelled = _callout_list(cv, callouts, panel_top, t, labels)

    png = figure_png(fig)
    # data (x, y) -> pixel (column, row from the top): px = a*x + b*y + c, py = d*x + e*y + f
    m = ax.transData.get_matrix()
    mapping = {"type": "affine2d", "matrix": [[m[0][0], m[0][1], m[0][2]],
                                              [-m[1][0], -m[1][1], HEIGHT_PX - m[1][2]]]}
    shown = [i["id"] for d in sc["dims"] for i in d["items"]]
    shown += [i["id"] for mk in sc["marks"] for i in mk["items"] if mk["status"] != "pass"]
    fig_ = Figure("plan", t["title"], "plan", png, WIDTH_PX, HEIGHT_PX, shown, mapping)
    fig_.labels = labels
    fig_.unlabelled = unlabelled
    return fig_


def _buildings(ax, sc):
    from matplotlib.patches import PathPatch

    for b in sc["buildings"]:
        for m in b["masses"]:
            ax.add_patch(PathPatch(_poly_path(m["outline"], m["holes"]), fc=m["fill"], ec="#222",
                                   lw=0.9, hatch="//" if m["hatch"] else None, zorder=5))
    for mk in sc["marks"]:
        if mk["status"] == "pass":
            continue
        for m in sc["buildings"][mk["building"]]["masses"]:
            ax.add_patch(PathPatch(_poly_path(m["outline"], m["holes"]), fc="none",
                                   ec=status_hex(mk["status"]), lw=2.6, zorder=9.5))


def _dimension_lines(ax, sc):
    """Passing dimensions thin and underneath; the others thick with arrowheads, on top."""
    from matplotlib.collections import LineCollection

    passing = [(d["a"], d["b"]) for d in sc["dims"] if d["status"] == "pass"]
    if passing:
        ax.add_collection(LineCollection(passing, colors=status_hex("pass"), linewidths=0.9,
                                         alpha=0.85, zorder=7))
    for d in must_first([d for d in sc["dims"] if d["status"] != "pass"])[::-1]:
        colour = status_hex(d["status"])
        ax.annotate("", xy=tuple(d["b"]), xytext=tuple(d["a"]), zorder=10,
                    arrowprops=dict(arrowstyle="<|-|>", color=colour, lw=2.4, shrinkA=0,
                                    shrinkB=0, mutation_scale=9))


def _record(labels, kind, box, findings=(), how="fixed", status=None, leader=None, text=None):
    rec = {"kind": kind, "box": [round(v, 1) for v in box], "how": how,
           "findings": list(findings)}
    if status:
        rec["status"] = status
    if leader:
        rec["leader"] = [[round(v, 1) for v in p] for p in leader]
    if text is not None:
        rec["text"] = text
    labels.append(rec)


def _building_labels(cv, sc, placer, labels):
    """Each building's name (with floors and height when the building is wide enough) at its
    pole of inaccessibility; left out where another name already is."""
    pad = 2
    for b in sc["buildings"]:
        name = plain(b["name"])
        if not name.strip():
            continue
        cx, cy = cv.px(*b["anchor"])
        bx0, _ = cv.px(b["anchor"][0] - b["width"] / 2, 0)
        bx1, _ = cv.px(b["anchor"][0] + b["width"] / 2, 0)
        options = []
        if b["sub"]:
            full = f"{name}\n{plain(b['sub'])}"
            w, h = cv.measure(full, FS_NAME)
            if w + 2 * pad <= (bx1 - bx0):
                options.append((full, w, h))
        w, h = cv.measure(name, FS_NAME)
        options.append((name, w, h))
        cands = [(cx, cy, w_ + 2 * pad, h_ + 2 * pad) for _, w_, h_ in options]
        got = placer.place_fixed(cands, me=ANY)
        if got is None:
            continue
        text = options[got.choice][0]
        cv.label(got.box, text, FS_NAME, "#111", fill=None, zorder=8)
        _record(labels, "building", got.box, text=b["name"])


def _road_labels(cv, ax, sc, placer, labels):
    """Road names and widths along their longest visible segment."""
    from matplotlib.text import Text

    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    for r in sc["roads"]:
        if not r["label"]:
            continue
        segs = [s for s in zip(r["line"], r["line"][1:])]
        (ax_, ay), (bx, by) = max(segs, key=lambda s: math.dist(*s))
        ang = math.degrees(math.atan2(by - ay, bx - ax_))
        if ang > 90 or ang < -90:
            ang -= 180 * math.copysign(1, ang)
        for frac in (0.5, 0.35, 0.65, 0.2, 0.8):
            mx = min(max(ax_ + frac * (bx - ax_), xlim[0]), xlim[1])
            my = min(max(ay + frac * (by - ay), ylim[0]), ylim[1])
            px, py = cv.px(mx, my)
            txt = Text(px, HEIGHT_PX - py, plain(r["label"]), rotation=ang, rotation_mode="anchor",
                       ha="center", va="center", color=RED_LINE, fontsize=FS_ROAD, zorder=9,
                       transform=cv.ident, clip_on=False,
                       bbox=dict(fc="white", ec="none", alpha=0.85, pad=1.5))
            txt.set_figure(cv.fig)
            e = txt.get_window_extent(cv.renderer)
            grow = 2.5   # the bbox patch's pad around the text
            box = (e.x0 - grow, HEIGHT_PX - e.y1 - grow, e.x1 + grow, HEIGHT_PX - e.y0 + grow)
            if placer.free(box):
                placer.take(box)
                ax.add_artist(txt)
                _record(labels, "road", box, text=r["label"])
                break


def _marker_size(cv, n: str) -> tuple[float, float]:
    mw, mh = cv.measure(n, FS_MUST, bold=True, latin=True)
    return max(mw + 6, mh + 4), mh + 4


def _reserve_markers(cv, sc, placer):
    """Every failing or unknown dimension keeps the middle of its line free for its own
    label or callout marker: the other labels (names, roads, dimensions) go elsewhere."""
    must = [d for d in sc["dims"] if d["status"] != "pass"]
    if not must:
        return
    from plancheck.render.labels import box_at

    w, h = _marker_size(cv, str(len(must)))
    for d in must:
        (ax, ay), (bx, by) = cv.px(*d["a"]), cv.px(*d["b"])
        placer.reserve(d["items"][0]["id"], box_at((ax + bx) / 2, (ay + by) / 2, w, h))


def _dimension_labels(cv, sc, placer, labels) -> list[dict]:
    """Dimension and capacity-mark labels, fails first; returns the callouts (fails and
    unknowns that found no room for their text) in the order they are numbered."""
    entries = [dict(d, kind="dimension") for d in sc["dims"]]
    entries += [dict(mk, kind="mark") for mk in sc["marks"] if mk["status"] != "pass"]
    callouts = []
    for e in must_first(entries):
        must = e["status"] != "pass"
        text = "\n".join(plain(i["text"]) for i in e["items"])
        size = FS_MUST if must else FS_PASS
        w, h = cv.measure(text, size, bold=must, latin=True)
        w, h = w + 6, h + 4
        a, b = cv.px(*e["a"]), cv.px(*e["b"])
        ids = [i["id"] for i in e["items"]]
        colour = status_hex(e["status"])
        me = ids[0] if e["kind"] == "dimension" else None
        got = placer.place(a, b, w, h, must, me)
        if got is not None:
            if got.leader:
                cv.line(*got.leader, colour, lw=0.9)
            upper = all(i.get("limit") == "upper" for i in e["items"])
            cv.label(got.box, text, size, colour, edge=colour, bold=must,
                     fill=LIMIT_FILL if upper else "white",
                     zorder=11 if must else 9, edge_lw=1.2 if must else 0.5, latin=True)
            _record(labels, "dimension", got.box, ids, got.how, e["status"], got.leader)
            continue
        if not must:
            continue
        mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        placed = [c for c in callouts if c["placed"] is not None]
        near = min(placed, key=lambda c: math.dist(c["mid"], mid), default=None)
        got = None
        if near is None or math.dist(near["mid"], mid) > CLUSTER_PX:
            mw, mh = _marker_size(cv, str(len(callouts) + 1))
            got = placer.place_marker(a, b, mw, mh, me)
        c = {"status": e["status"], "text": text, "placed": got, "ids": ids, "mid": mid}
        if got is None and near is not None and math.dist(near["mid"], mid) <= CLUSTER_REACH_PX:
            _merge(near, c)                  # a crowd of lines: one marker numbers them all
            continue
        callouts.append(c)
    # a line that found no room before any marker was near it joins the nearest one now
    for c in [c for c in callouts if c["placed"] is None]:
        placed = [h for h in callouts if h["placed"] is not None]
        near = min(placed, key=lambda h: math.dist(h["mid"], c["mid"]), default=None)
        if near is not None and math.dist(near["mid"], c["mid"]) <= CLUSTER_REACH_PX:
            _merge(near, c)
            callouts.remove(c)
    for k, c in enumerate(callouts, start=1):
        c["n"], c["colour"] = str(k), status_hex(c["status"])
    return callouts


def _merge(host: dict, c: dict) -> None:
    """`c`'s findings numbered by `host`'s marker (fails first in its list entry)."""
    rank = {"fail": 0, "error": 1, "unknown": 2, "warning": 3, "pass": 4}
    first, second = (c, host) if rank[c["status"]] < rank[host["status"]] else (host, c)
    host["text"] = first["text"] + "\n" + second["text"]
    host["ids"] = first["ids"] + second["ids"]
    host["status"] = first["status"]


def _panel(fig, ax, cv, sc, t) -> float:
    """North arrow, scale bar and legend in the panel right of the plan; returns the row below
    them where the callout list starts."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrow, Patch, Rectangle

    x0 = PANEL_X0
    # north arrow
    a = math.radians(sc["north_deg"])
    cx, cy = x0 + 40, 90.0
    L = 34
    tail = (cx - L * math.cos(a), (HEIGHT_PX - cy) - L * math.sin(a))
    fig.add_artist(FancyArrow(tail[0], tail[1], 2 * L * math.cos(a), 2 * L * math.sin(a),
                              width=2.5, head_width=13, head_length=16, length_includes_head=True,
                              color="k", transform=cv.ident))
    fig.add_artist(_text(cv, cx + (L + 14) * math.cos(a), (HEIGHT_PX - cy) + (L + 14) * math.sin(a),
                         t["north"], 13, ha="center"))
    # scale bar: a round length about 200 px long
    px_per_m = abs(ax.transData.transform((1, 0))[0] - ax.transData.transform((0, 0))[0])
    length = _nice(180 / px_per_m)
    bar = length * px_per_m
    sx, sy = x0 + 100, HEIGHT_PX - 80
    for k in range(4):
        fig.add_artist(Rectangle((sx + k * bar / 4, sy), bar / 4, 7, transform=cv.ident,
                                 fc="k" if k % 2 == 0 else "white", ec="k", lw=0.8))
    for v, frac in ((0, 0), (length / 2, 0.5), (length, 1.0)):
        fig.add_artist(_text(cv, sx + frac * bar, sy - 6, f"{v:g}", 8.5, ha="center", va="top"))
    fig.add_artist(_text(cv, sx + bar + 14, sy - 6, "m", 8.5, ha="left", va="top"))
    # legend
    handles = [Patch(fc=CLASS_FILL[c], ec="k", label=t[c]) for c in ("low", "multi", "high")]
    handles += [Patch(fc=EXISTING_FILL, ec="k", label=t["existing"]),
                Patch(fc=CLASS_FILL[None], ec="k", hatch="//", label=t["unknown"]),
                Line2D([], [], color=SITE_LINE, lw=2, ls=(0, (10, 3, 2, 3)), label=t["site"]),
                Line2D([], [], color=RED_LINE, lw=2.5, label=t["road"])]
    # every layer drawn is in the legend: rivers and greens only when the plan has them
    if sc["rivers"]:
        handles.append(Line2D([], [], color=BLUE_LINE, lw=1.6, label=t["river"]))
    if sc["greens"]:
        handles.append(Patch(fc=GREEN_FILL, ec="none", label=t["green"]))
    handles += [
                Line2D([], [], color="#555", lw=1.2, ls="--", label=t["setback"]),
                Line2D([], [], color=status_hex("fail"), lw=2.4, label=t["fail"]),
                Line2D([], [], color=status_hex("unknown"), lw=2.4, label=t["unknown_st"]),
                Line2D([], [], color=status_hex("pass"), lw=0.9, label=t["pass"])]
    for ncol in (2, 1):     # two columns where the words are short enough (zh), else one
        leg = fig.legend(handles=handles, loc="upper left", fontsize=8, framealpha=0.95, ncol=ncol,
                         bbox_to_anchor=(x0 / WIDTH_PX, 1 - 140 / HEIGHT_PX), borderaxespad=0,
                         columnspacing=0.8, handlelength=1.8)
        e = leg.get_window_extent(cv.renderer)
        if e.x1 <= WIDTH_PX - 4 or ncol == 1:
            break
        leg.remove()
    note = _text(cv, x0, e.y0 - 8, t["pass_note"], 7.5, va="top")
    fig.add_artist(note)
    return HEIGHT_PX - note.get_window_extent(cv.renderer).y0 + 14


def _text(cv, x, y, s, size, ha="left", va="center"):
    from matplotlib.text import Text

    return Text(x, y, s, fontsize=size, ha=ha, va=va, transform=cv.ident)


def _callout_list(cv, callouts, top, t, labels) -> list[str]:
    """The callouts listed in the panel: marker number and full label, in columns; the ones
    that do not fit are dropped (with their markers) and counted. Returns the unlabelled ids."""
    x0, x1, bottom = PANEL_X0 - 4, WIDTH_PX - 4, HEIGHT_PX - 12
    unlabelled = []
    if not callouts:
        return unlabelled
    if any(c["placed"] is not None for c in callouts):
        cv.fig.add_artist(_text(cv, x0, HEIGHT_PX - top - 6, t["callouts"], 9.5, va="center"))
    top += 16
    rows = []
    mw, mh = cv.measure(str(len(callouts)), FS_LIST, bold=True, latin=True)
    mw, mh = max(mw + 6, mh + 4), mh + 4
    for c in callouts:
        tw, th = cv.measure(c["text"], FS_LIST, latin=True)
        rows.append((c, tw + 4, th + 4, mw, mh))
    widest = max(mw + 3 + tw for _, tw, _, mw, _ in rows)
    ncol = 2 if widest * 2 + 8 <= x1 - x0 else 1
    colw = (x1 - x0) / ncol
    more_h = cv.measure(t["more"].format(n=len(callouts)), FS_LIST)[1] + 6
    col, y = 0, top
    listed = []
    for c, tw, th, mw, mh in rows:
        if c["placed"] is None:
            continue        # no room for its marker on the plan either: counted below
        last_col = col == ncol - 1
        if y + th > bottom - more_h:
            if last_col:
                break
            col, y = col + 1, top
        c["n"] = str(len(listed) + 1)
        listed.append(c)
        cx = x0 + col * colw
        mbox = (cx, y, cx + mw, y + mh)
        tbox = (cx + mw + 3, y, cx + mw + 3 + tw, y + th)
        cv.label(mbox, c["n"], FS_LIST, "white", edge=c["colour"], fill=c["colour"], bold=True,
                 on_axes=False, latin=True)
        cv.label(tbox, c["text"], FS_LIST, c["colour"], fill=None, on_axes=False, latin=True,
                 left=True)
        _record(labels, "callout-list", mbox, c["ids"], status=c["status"], text=c["n"])
        _record(labels, "callout-list", tbox, c["ids"], status=c["status"])
        y += th + 3
    for c in callouts:
        if c in listed:
            p = c["placed"]
            if p.leader:
                cv.line(*p.leader, c["colour"], lw=0.9)
            cv.label(p.box, c["n"], FS_MUST, "white", edge=c["colour"], fill=c["colour"], bold=True,
                     latin=True)
            _record(labels, "callout", p.box, c["ids"], p.how, c["status"], p.leader,
                    text=c["n"])
        else:
            unlabelled += c["ids"]
    if unlabelled:
        text = t["more"].format(n=len(unlabelled))
        w, h = cv.measure(text, FS_LIST)
        box = (x0, bottom - h - 2, x0 + w + 4, bottom)
        cv.label(box, text, FS_LIST, "#333", fill=None, on_axes=False)
        _record(labels, "note", box)
    return unlabelled
