"""The 2D plan figure (matplotlib, Agg): the site, buildings coloured by height class, road red
lines with their widths, rivers and greens, the required setback lines (dashed offsets of the
site boundary, red lines and blue lines), every measured dimension labelled with its finding
id and `measured / required`, a north arrow and a scale bar.

Drawn in the report's drawing coordinates (the drawing's own orientation; the arrow shows
north). The figure has a fixed pixel size, so the same report gives the same PNG.
"""

from __future__ import annotations

import io
import math

from plancheck.render.figures import (Figure, cjk_font, drawn, grouped_segments, num,
                                      required_lines, segment, status_hex, worst)

WIDTH_PX, HEIGHT_PX, DPI = 1600, 1100, 100
#: height class -> fill colour; existing buildings and unknown heights have their own
CLASS_FILL = {"low": "#fbf3c4", "multi": "#f8cf8c", "high": "#ec9a7a", None: "#ffffff"}
EXISTING_FILL = "#c9c9cc"
RED_LINE = "#d01818"
BLUE_LINE = "#2a6fd0"
GREEN_FILL = "#cfe8c0"
#: above this many dimension lines only the non-passing ones are labelled
LABEL_ALL_MAX = 120

TEXT = {
    "zh": {"title": "总平面图 — 间距、退界与尺寸标注", "low": "低层 ≤10 m", "multi": "多层 ≤24 m",
           "high": "高层 >24 m", "existing": "现状建筑", "unknown": "高度未知", "site": "用地红线",
           "road": "道路红线", "setback": "要求退让线（虚线）", "north": "北", "width": "红线宽",
           "floors": "层", "pass": "合格", "fail": "不合格", "unknown": "未知"},
    "en": {"title": "Site plan — spacing, setbacks and dimensions", "low": "low ≤10 m",
           "multi": "multi-storey ≤24 m", "high": "high-rise >24 m", "existing": "existing",
           "unknown": "height unknown", "site": "site boundary", "road": "road red line",
           "setback": "required setback (dashed)", "north": "N", "width": "W", "floors": "F",
           "pass": "pass", "fail": "fail", "unknown": "unknown"},
}


def _mpl():
    """matplotlib with a CJK font, without pyplot (no GUI backend, no global figure state)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import font_manager, rcParams

    path = cjk_font()
    families = ["DejaVu Sans"]
    if path:
        font_manager.fontManager.addfont(path)
        families.insert(0, font_manager.FontProperties(fname=path).get_name())
    rcParams["font.family"] = "sans-serif"
    rcParams["font.sans-serif"] = families + list(rcParams["font.sans-serif"])
    rcParams["axes.unicode_minus"] = False
    rcParams["svg.hashsalt"] = "plancheck"
    return matplotlib


def plain(text: str) -> str:
    """Drawing text for matplotlib: `$` would start mathtext."""
    return str(text).replace("$", r"\$")


def _extent(report: dict) -> tuple[float, float, float, float]:
    xs, ys = [], []

    def add(pts):
        for x, y in pts:
            xs.append(x)
            ys.append(y)

    if report.get("site"):
        add(report["site"]["outline"])
    for b in report["buildings"]:
        for m in b["masses"]:
            add(m["outline"])
    for f in report["findings"]:
        seg = segment(f)
        if seg:
            add(seg)
    if not xs:
        for r in report.get("roads", []):
            add(r["line"])
    if not xs:
        return (0.0, 0.0, 100.0, 100.0)
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    pad = 0.08 * max(x1 - x0, y1 - y0, 20.0)
    return (x0 - pad, y0 - pad, x1 + pad, y1 + pad)


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


def plan_figure(report: dict, lang: str = "zh") -> Figure:
    _mpl()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MFigure
    from matplotlib.patches import PathPatch, Patch
    from matplotlib.lines import Line2D

    t = TEXT.get(lang, TEXT["zh"])
    fig = MFigure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.93))
    x0, y0, x1, y1 = _fit(_extent(report), ax)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#fafaf7")
    fig.suptitle(t["title"], x=0.01, y=0.985, ha="left", fontsize=15)
    span = max(x1 - x0, y1 - y0)
    fs = 7 if span > 600 else 8.5

    for g in report.get("greens", []):
        ax.add_patch(PathPatch(_poly_path(g["outline"]), fc=GREEN_FILL, ec="none", zorder=1))
    for r in report.get("rivers", []):
        xs, ys = zip(*r["line"])
        ax.plot(xs, ys, color=BLUE_LINE, lw=1.6, zorder=2)
    if report.get("site"):
        xs, ys = zip(*report["site"]["outline"])
        ax.plot(xs, ys, color=RED_LINE, lw=2.0, ls=(0, (10, 3, 2, 3)), zorder=3)
    _roads(ax, report, t, fs)
    _buildings(ax, report, t, fs, span)
    _setback_lines(ax, report)
    shown = _dimensions(ax, report, fs)
    _north_arrow(ax, report["drawing"].get("north_deg", 90.0), t)
    _scale_bar(ax, fig)
    handles = [Patch(fc=CLASS_FILL[c], ec="k", label=t[c]) for c in ("low", "multi", "high")]
    handles += [Patch(fc=EXISTING_FILL, ec="k", label=t["existing"]),
                Patch(fc=CLASS_FILL[None], ec="k", hatch="//", label=t["unknown"]),
                Line2D([], [], color=RED_LINE, lw=2, ls=(0, (10, 3, 2, 3)), label=t["site"]),
                Line2D([], [], color=RED_LINE, lw=2.5, label=t["road"]),
                Line2D([], [], color="#555", lw=1.2, ls="--", label=t["setback"])]
    handles += [Line2D([], [], color=status_hex(s), lw=2, label=t[s]) for s in ("pass", "fail", "unknown")]
    ax.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.9, ncol=2)

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None},
                pil_kwargs={"compress_level": 4})
    # data (x, y) -> pixel (column, row from the top): px = a*x + b*y + c, py = d*x + e*y + f
    m = ax.transData.get_matrix()
    mapping = {"type": "affine2d", "matrix": [[m[0][0], m[0][1], m[0][2]],
                                              [-m[1][0], -m[1][1], HEIGHT_PX - m[1][2]]]}
    return Figure("plan", t["title"], "plan", buf.getvalue(), WIDTH_PX, HEIGHT_PX, shown, mapping)


def _roads(ax, report, t, fs):
    for r in report.get("roads", []):
        xs, ys = zip(*r["line"])
        ax.plot(xs, ys, color=RED_LINE, lw=2.5, zorder=4, solid_capstyle="butt")
        label = plain(r.get("name") or "")
        if r.get("width_m"):
            label += f" {t['width']} {r['width_m']:g} m"
        if not label.strip():
            continue
        # at the middle of the longest segment, along it, inside the plotted area
        segs = list(zip(r["line"], r["line"][1:]))
        (ax_, ay), (bx, by) = max(segs, key=lambda s: math.dist(*s))
        ang = math.degrees(math.atan2(by - ay, bx - ax_))
        if ang > 90 or ang < -90:
            ang -= 180 * math.copysign(1, ang)
        xlim, ylim = ax.get_xlim(), ax.get_ylim()
        mx = min(max((ax_ + bx) / 2, xlim[0]), xlim[1])
        my = min(max((ay + by) / 2, ylim[0]), ylim[1])
        ax.text(mx, my, label, rotation=ang, rotation_mode="anchor", ha="center", va="bottom",
                color=RED_LINE, fontsize=fs + 1, zorder=9, clip_on=True,
                bbox=dict(fc="white", ec="none", alpha=0.7, pad=1))


def _buildings(ax, report, t, fs, span):
    from matplotlib.patches import PathPatch

    x0, x1 = ax.get_xlim()
    px_per_m = WIDTH_PX * ax.get_position().width / (x1 - x0)
    for b in report["buildings"]:
        for m in b["masses"]:
            unknown = m.get("height_m") is None
            if b["status"] == "existing":
                fc = EXISTING_FILL
            else:
                fc = CLASS_FILL[_height_class(m.get("height_m"))]
            ax.add_patch(PathPatch(_poly_path(m["outline"], m.get("holes", ())), fc=fc, ec="#222",
                                   lw=0.9, hatch="//" if unknown else None, zorder=5))
        outline = max((m["outline"] for m in b["masses"]), key=_area)
        cx = sum(p[0] for p in outline[:-1]) / max(1, len(outline) - 1)
        cy = sum(p[1] for p in outline[:-1]) / max(1, len(outline) - 1)
        h = b.get("height_m")
        sub = f"\n{b['floors']}{t['floors']} {num(h)} m" if h is not None and b.get("floors") else \
            (f"\n{num(h)} m" if h is not None else "")
        xs = [p[0] for p in outline]
        if (max(xs) - min(xs)) * px_per_m < 75:   # too small to hold floors and height
            sub = ""
        ax.text(cx, cy, plain(b["name"]) + sub, ha="center", va="center", fontsize=fs,
                zorder=8, clip_on=True, color="#111")


def _height_class(h):
    if h is None:
        return None
    return "low" if h <= 10 else ("multi" if h <= 24 else "high")


def _area(ring) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))) / 2


def _setback_lines(ax, report):
    """Dashed required-setback lines near each setback finding's subject building."""
    for f, lines in required_lines(report):
        for line in lines:
            xs, ys = zip(*line)
            ax.plot(xs, ys, color=status_hex(f["status"]), lw=1.2, ls="--", zorder=6)


def _dimensions(ax, report, fs) -> list[str]:
    """Every dimension line, one per distinct geometry, labelled `Fnnnn measured / required`."""
    shown = [f for f in report["findings"] if drawn(f)]
    groups = grouped_segments(shown)
    label_all = len(groups) <= LABEL_ALL_MAX
    for (ax_, ay, bx, by), fs_ in groups:
        status = worst(f["status"] for f in fs_)
        colour = status_hex(status)
        thick = status != "pass"
        ax.annotate("", xy=(bx, by), xytext=(ax_, ay), zorder=10,
                    arrowprops=dict(arrowstyle="<|-|>", color=colour, lw=2.2 if thick else 1.1,
                                    shrinkA=0, shrinkB=0, mutation_scale=8 if thick else 6))
        if not (label_all or thick):
            continue
        text = "\n".join(f"{f['id']} {num(f['measured'])} / {num(f['required'])}" for f in fs_)
        ang = math.degrees(math.atan2(by - ay, bx - ax_))
        if ang > 90 or ang < -90:
            ang -= 180 * math.copysign(1, ang)
        if abs(ang) > 60:   # near-vertical: write horizontally beside the line
            ang = 0
        ax.text((ax_ + bx) / 2, (ay + by) / 2, text, rotation=ang, rotation_mode="anchor",
                ha="center", va="center", fontsize=fs - (0 if thick else 1), color=colour,
                zorder=11, clip_on=True,
                bbox=dict(fc="white", ec=colour, lw=0.6, alpha=0.85, pad=1.2))
    return [f["id"] for f in shown]


def _north_arrow(ax, north_deg: float, t):
    """An arrow in the top-right corner pointing at true north (`north_deg` CCW from +X)."""
    a = math.radians(north_deg)
    L = 40  # points
    tip = (0.955, 0.90)
    ax.annotate("", xy=tip, xycoords="axes fraction",
                xytext=(-L * math.cos(a), -L * math.sin(a)), textcoords="offset points",
                arrowprops=dict(arrowstyle="-|>", color="k", lw=2, mutation_scale=18), zorder=12)
    ax.annotate(t["north"], xy=tip, xycoords="axes fraction",
                xytext=(10 * math.cos(a), 10 * math.sin(a)), textcoords="offset points",
                ha="center", va="center", fontsize=13, zorder=12)


def _scale_bar(ax, fig):
    from matplotlib.offsetbox import AnchoredOffsetbox, AuxTransformBox, VPacker, TextArea
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    length = _nice((x1 - x0) / 6)
    y0, y1 = ax.get_ylim()
    h = (y1 - y0) / 150
    bar = AuxTransformBox(ax.transData)
    for k in range(4):
        bar.add_artist(Rectangle((k * length / 4, 0), length / 4, h,
                                 fc="k" if k % 2 == 0 else "white", ec="k", lw=0.8))
    label = TextArea(f"0    {length / 2:g}    {length:g} m", textprops=dict(fontsize=9))
    box = AnchoredOffsetbox(loc="lower right", child=VPacker(children=[bar, label], align="center",
                                                              pad=0, sep=3),
                            pad=0.6, frameon=True)
    box.patch.set_alpha(0.85)
    ax.add_artist(box)
