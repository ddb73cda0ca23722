"""What the plan shows, in drawing coordinates, from the report alone: the one source both the
static plan.png (plan.py, matplotlib) and the interactive SVG plan in report.html (plan.js)
draw from, so the two show the same geometry in the same colours.

Dimension lines are grouped by geometry (findings sharing a line share one dimension); each
item carries its finding id, status, filter group and label text. Capacity findings about one
building (its height) are `marks` on that building's outline.
"""

from __future__ import annotations

from plancheck.render.style import (STATUS_RGB, drawn, group, grouped_segments, num, compare, is_upper,
                                      required_lines, segment, status_hex, worst)

#: height class -> fill colour; existing buildings and unknown heights have their own
CLASS_FILL = {"low": "#fbf3c4", "multi": "#f8cf8c", "high": "#ec9a7a", None: "#ffffff"}
EXISTING_FILL = "#c9c9cc"
#: road red lines (道路红线) and the site boundary (用地红线) are both "red lines" but must not
#: read as a fail (#dc1e1e, thick): a rose red for roads, a dark maroon dash-dot for the site
RED_LINE = "#e0407a"
SITE_LINE = "#7a1020"
#: labels of an upper limit (height, facade width: ≤) are tinted; minimum distances (≥) white
LIMIT_FILL = "#eaf1fb"
BLUE_LINE = "#2a6fd0"
GREEN_FILL = "#cfe8c0"

TEXT = {
    "zh": {"title": "总平面图 — 间距、退界与尺寸标注", "low": "低层 ≤10 m", "multi": "多层 ≤24 m",
           "high": "高层 >24 m", "existing": "现状建筑", "unknown": "高度未知", "site": "用地红线",
           "road": "道路红线", "river": "河道蓝线", "min_label": "≥ 最小距离", "max_label": "≤ 高度、面宽限值", "green": "绿地", "setback": "要求退让线（虚线）", "north": "北", "width": "红线宽",
           "floors": "层", "pass": "合格", "fail": "不合格", "unknown_st": "未知",
           "callouts": "图中编号", "more": "另有 {n} 项未能标注，见报告",
           "scale": "比例尺", "pass_note": "合格尺寸为细线，仅在有空位处标注；\n不合格与未知始终标注；白底 ≥ 最小距离，\n浅蓝底 ≤ 高度、面宽限值"},
    "en": {"title": "Site plan — spacing, setbacks and dimensions", "low": "low ≤10 m",
           "multi": "multi-storey ≤24 m", "high": "high-rise >24 m", "existing": "existing",
           "unknown": "height unknown", "site": "site boundary", "road": "road red line", "river": "river blue line",
           "min_label": "≥ minimum distance", "max_label": "≤ height or width limit",
           "green": "green area",
           "setback": "required setback (dashed)", "north": "N", "width": "W", "floors": "F",
           "pass": "pass", "fail": "fail", "unknown_st": "unknown", "callouts": "Numbered on the plan",
           "more": "{n} more could not be labelled: see the report", "scale": "scale",
           "pass_note": "Passing dimensions: thin, labelled where room\nis left; fails and unknowns always labelled;\nwhite: ≥ a minimum distance, blue: ≤ a limit"},
}


def height_class(h):
    if h is None:
        return None
    return "low" if h <= 10 else ("multi" if h <= 24 else "high")


def item(f: dict, lang: str = "zh") -> dict:
    """One finding as the plan shows it: `F0043 12.00<15.00` (a minimum: ≥ met, < short),
    `F0033 87.00>78.00` (a limit: ≤ met, > over); `limit` says which, for the label style."""
    return {"id": f["id"], "status": f["status"], "group": group(f["family"]),
            "limit": "upper" if is_upper(f) else "lower",
            "text": f"{f['id']} {compare(f, lang=lang, unit=False, tight=True)}"}


def extent(report: dict) -> tuple[float, float, float, float]:
    """The drawing-coordinate box the plan frames: site, buildings and dimensions, padded."""
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


def _anchor(outline) -> list[float]:
    """A point well inside the outline, for the building's name: the centroid, or the pole of
    inaccessibility when the centroid is outside or near an edge (an L or U shape)."""
    from shapely.geometry import Polygon
    from shapely.ops import polylabel

    try:
        poly = Polygon(outline)
        if not poly.is_valid or poly.area <= 0:
            raise ValueError
        c = poly.centroid
        pole = polylabel(poly, tolerance=0.25)
        depth = poly.exterior.distance(pole)
        p = c if poly.contains(c) and poly.exterior.distance(c) >= 0.6 * depth else pole
        return [round(p.x, 3), round(p.y, 3)]
    except (ValueError, TypeError):
        xs, ys = [p[0] for p in outline], [p[1] for p in outline]
        return [(min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2]


def _area(ring) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))) / 2


def scene(report: dict, lang: str = "zh") -> dict:
    t = TEXT.get(lang, TEXT["zh"])
    buildings, index = [], {}
    for b in report["buildings"]:
        masses = []
        for m in b["masses"]:
            fill = EXISTING_FILL if b["status"] == "existing" else CLASS_FILL[height_class(m.get("height_m"))]
            masses.append({"outline": m["outline"], "holes": m.get("holes") or [], "fill": fill,
                           "hatch": m.get("height_m") is None})
        if not masses:
            continue
        outline = max((m["outline"] for m in b["masses"]), key=_area)
        h = b.get("height_m")
        sub = ""
        if h is not None:
            sub = f"{b['floors']}{t['floors']} {num(h)} m" if b.get("floors") else f"{num(h)} m"
        xs = [p[0] for p in outline]
        index[b["name"]] = len(buildings)
        buildings.append({"name": str(b["name"]), "existing": b["status"] == "existing",
                          "masses": masses, "anchor": _anchor(outline), "sub": sub,
                          "width": max(xs) - min(xs)})
    roads = []
    for r in report.get("roads", []):
        if len(r["line"]) < 2:
            continue
        label = str(r.get("name") or "")
        if r.get("width_m"):
            label += f" {t['width']} {r['width_m']:g} m"
        roads.append({"line": r["line"], "label": label.strip()})
    dims = []
    for (ax, ay, bx, by), fs in grouped_segments([f for f in report["findings"] if drawn(f)]):
        dims.append({"a": [ax, ay], "b": [bx, by], "status": worst(f["status"] for f in fs),
                     "items": [item(f, lang) for f in fs]})
    marks: dict[str, dict] = {}
    for f in report["findings"]:
        if f["family"] == "capacity" and segment(f) is None and f["subjects"] \
                and f["subjects"][0] in index:
            k = index[f["subjects"][0]]
            pts = [p for m in buildings[k]["masses"] for p in m["outline"]]
            x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
            top = max(p[1] for p in pts)
            # labelled along the building's top edge: its name sits in the middle
            mk = marks.setdefault(f["subjects"][0], {"building": k, "a": [x0, top],
                                                     "b": [x1, top], "items": []})
            mk["items"].append(item(f, lang))
    for mk in marks.values():
        mk["status"] = worst(i["status"] for i in mk["items"])
    required = [{"ids": [f["id"]], "status": f["status"], "group": group(f["family"]),
                 "lines": [[list(p) for p in line] for line in lines]}
                for f, lines in required_lines(report)]
    return {
        "title": t["title"], "words": t, "extent": list(extent(report)),
        "north_deg": float(report["drawing"].get("north_deg", 90.0)),
        "site": report["site"]["outline"] if report.get("site") else None,
        "greens": [g["outline"] for g in report.get("greens", [])],
        "rivers": [r["line"] for r in report.get("rivers", []) if len(r["line"]) > 1],
        "roads": roads, "buildings": buildings, "dims": dims, "marks": list(marks.values()),
        "required": required,
        "colours": {"status": {s: status_hex(s) for s in STATUS_RGB}, "class": {
            "low": CLASS_FILL["low"], "multi": CLASS_FILL["multi"], "high": CLASS_FILL["high"],
            "existing": EXISTING_FILL, "unknown": CLASS_FILL[None]}, "red_line": RED_LINE,
            "site_line": SITE_LINE, "limit_fill": LIMIT_FILL,
            "blue_line": BLUE_LINE, "green": GREEN_FILL},
    }


def must_first(entries: list[dict]) -> list[dict]:
    """Fails, then unknowns (warnings, errors), then passes; report order within each."""
    rank = {"fail": 0, "error": 1, "unknown": 2, "warning": 3, "pass": 4}
    return sorted(entries, key=lambda e: rank[e["status"]])
