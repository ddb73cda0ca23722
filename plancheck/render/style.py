"""Shared by every figure and the HTML report, importing no other figure module (a leaf):
status colours and palettes, family groups and labels, the CJK font set-up for matplotlib
and the overlays, and the small helpers that read findings (segments, notes). figures.py
(the figure set and the `png` format), plan, planscene, scene3d, overlay and the sunlight
figures import from here, never from each other's modules in a circle."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from plancheck.errors import PlancheckError

#: status -> RGB 0-255, shared by every figure and the HTML report
STATUS_RGB = {"pass": (34, 150, 70), "fail": (220, 30, 30), "unknown": (225, 150, 0),
              "warning": (200, 50, 200), "error": (150, 20, 20)}
#: status words per language, shared by every rendering
STATUS_WORD = {"zh": {"pass": "合格", "fail": "不合格", "unknown": "未知", "warning": "警告", "error": "错误"},
               "en": {s: s for s in STATUS_RGB}}
#: worst first: a line shared by several findings takes the worst status's colour
SEVERITY = ("fail", "error", "unknown", "warning", "pass")
#: families whose geometry is a measured distance drawn as a dimension line
DISTANCE_FAMILIES = ("spacing", "setback", "road-setback", "river-setback", "road-height", "facade")
#: family -> the filter group the HTML offers (spacing / setback / road / capacity); a family not
#: listed (e.g. a new check kind) is its own group
FILTER_GROUP = {"spacing": "spacing", "setback": "setback", "river-setback": "setback",
                "road-setback": "road", "road-height": "road", "capacity": "capacity",
                "facade": "capacity"}
#: one 3D view per failing/unknown finding, up to this many (the rest link to the overview)
MAX_FINDING_VIEWS = 60
#: `check --figures`: "fails" (the default) draws a figure per failing or unknown finding and a
#: facade sheet per failing or undecided receiver; "all" draws the passing ones too. The plan,
#: the overview and the 等时线 plan are always drawn. So the figures grow with the fails.
FIGURE_SCOPES = ("fails", "all")
#: CJK font files tried in order (Debian fonts-wqy-microhei, fonts-noto-cjk)
CJK_FONTS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
             "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


class RenderError(PlancheckError):
    """A figure cannot be rendered on this machine (a missing system library, font...)."""


@dataclass
class Figure:
    key: str                      # plan | overview | F0043 (one finding's view)
    title: str
    kind: str                     # plan | 3d
    png: bytes
    width: int
    height: int
    findings: list[str]           # ids of the findings this figure shows
    mapping: dict = field(default_factory=dict)   # drawing (x, y[, z]) -> pixel, see plan/scene3d
    #: every label drawn: {"kind", "box": [x0, y0, x1, y1] pixels from the top-left, "findings",
    #: "how", ...}; no two boxes overlap (labels.py)
    labels: list = field(default_factory=list)
    #: findings shown whose label found no room at all (listed as a count on the figure)
    unlabelled: list = field(default_factory=list)

    @property
    def file(self) -> str:
        return f"{self.key}.png"


@dataclass
class FigureSet:
    figures: list[Figure]
    notes: list[str]              # what could not be drawn, and why (shown in the HTML)

    def for_finding(self, fid: str) -> list[Figure]:
        return [f for f in self.figures if fid in f.findings]


def cjk_font() -> str | None:
    """Path of a font with CJK glyphs, or None (figures then drop Chinese glyphs)."""
    for path in CJK_FONTS:
        if Path(path).is_file():
            return path
    return None


def matplotlib_cjk():
    """matplotlib with a CJK font first, without pyplot (no GUI backend, no global figure
    state); imported here, on first use, to keep start-up light."""
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


def status_hex(status: str) -> str:
    return "#%02x%02x%02x" % STATUS_RGB[status]


def worst(statuses) -> str:
    statuses = set(statuses)
    return next(s for s in SEVERITY if s in statuses)


def group(family: str) -> str:
    """The filter group of a finding family."""
    return FILTER_GROUP.get(family, family)


def num(v) -> str:
    return "—" if v is None else f"{v:.2f}"


#: kept for callers that still pass it: figure labels now write the word (日照 / sun), since
#: the ☀ glyph is missing from the CJK font and drew as a box
SUN_MARK = "日照"
#: what `sun_note` calls the sunlight minutes, per language
SUN_WORD = {"zh": "日照", "en": "sun"}
#: families whose `required` is an upper limit (≤); capacity findings by metric; every other
#: `required` is a minimum (≥): distances, green ratio, sunlight minutes
UPPER_FAMILIES = ("road-height", "facade")
UPPER_METRICS = ("far", "building_density", "height")
#: a measured value within this of its limit reads as meeting it (the checks' tolerances are
#: far larger; this only absorbs float noise such as 11.999999999999998)
_EPS = 1e-6


def is_upper(f: dict) -> bool:
    """Is the finding's `required` a maximum (height limits, FAR, density, facade width)?"""
    return f["family"] in UPPER_FAMILIES or \
        (f["family"] == "capacity" and f.get("metric") in UPPER_METRICS)


#: units as each language writes them (report.json keeps `min`)
UNIT_WORD = {"zh": {"min": "分钟"}, "en": {}}


def value(v, f: dict, unit: bool = True, lang: str = "zh") -> str:
    """A measured or required value as the report shows it: ratios as %, FAR as a bare ratio."""
    if v is None:
        return "—"
    metric = f.get("metric") if f["family"] == "capacity" else None
    if metric in ("building_density", "green_ratio"):
        return f"{v * 100:.2f} %"
    if metric == "far":
        return f"{v:.3f}"
    u = f.get("unit") or ""
    text = f"{v:g}" if u == "min" else f"{v:.2f}"     # sunlight minutes are whole minutes
    u = UNIT_WORD.get(lang, {}).get(u, u)
    return f"{text} {u}" if unit and u else text


def relation(f: dict) -> str | None:
    """The operator between measured and required as the finding stands: ≥ / ≤ when the value
    meets its limit, < / > when it does not; None when there is nothing to compare (no
    required value, or a minimum of 0: the clause sets none)."""
    m, r = f.get("measured"), f.get("required")
    upper = is_upper(f)
    if r is None or (not upper and r == 0):
        return None
    if m is None:
        return "≤" if upper else "≥"
    ok = f.get("status") == "pass" or (m <= r + _EPS if upper else m >= r - _EPS)
    return ("≤" if ok else ">") if upper else ("≥" if ok else "<")


def compare(f: dict, clause: bool = False, lang: str = "zh", unit: bool = True,
            tight: bool = False) -> str:
    """`31.00 m ≥ 30.00 m（第二十七条）；日照 49 < 60 min`: measured against required with
    the operator (distance minima ≥, height and ratio limits ≤), never `35.00 / 0.00`; a
    missing measured value reads `— ≥ 30.00 m`; no required value gives the measured alone.
    `tight` (crowded plan labels) sets the operator without spaces: `12.00<15.00`.
    With `clause`, the clause follows in brackets; a spacing finding that the sunlight
    analysis settled carries its minutes (`sun_note`)."""
    m, r = f.get("measured"), f.get("required")
    if m is None and r is None:
        text = "—"
    else:
        op = relation(f)
        gap = "" if tight else " "
        text = value(m, f, unit, lang) if op is None else \
            f"{value(m, f, unit, lang)}{gap}{op}{gap}{value(r, f, unit, lang)}"
    if clause and f.get("clause"):
        text += f"（{f['clause']}）" if lang == "zh" else f" ({f['clause']})"
    return text + sun_note(f, lang=lang)


def sun_note(f: dict, word: str | None = None, lang: str = "zh") -> str:
    """`；日照 49 < 60 分钟` (en `; sun 49 < 60 min`) for a spacing finding that the sunlight analysis settled: its
    distance met the 第二十七条 minimum, so the minutes of the worst window decided (the
    distance comparison alone would read as a pass); '' for every other finding."""
    worst = [r["worst"] for r in (f.get("sunlight") or {}).get("receivers", []) if r.get("worst")]
    if not worst:
        return ""
    w = min(worst, key=lambda w: w["minutes"] - w["required"])
    ok = w["minutes"] >= w["required"]
    word = SUN_WORD.get(lang, "日照") if word in (None, "\u2600", SUN_MARK) else word
    sep = "；" if lang == "zh" else "; "
    # (no ✓ / ✗ mark: the CJK font of the PNG figures has no ✗; the operator says it)
    mins = "分钟" if lang == "zh" else "min"
    return f"{sep}{word} {w['minutes']:g} {'≥' if ok else '<'} {w['required']:g} {mins}"


def segment(f: dict) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The dimension line's endpoints in drawing coordinates, when the finding has one."""
    g = f.get("geometry")
    if not isinstance(g, dict) or "from" not in g or "to" not in g:
        return None
    try:
        a, b = (float(g["from"][0]), float(g["from"][1])), (float(g["to"][0]), float(g["to"][1]))
    except (TypeError, ValueError, IndexError):
        return None
    return a, b


def drawn(f: dict) -> bool:
    """Does the plan / overview draw this finding? Distance findings with a dimension line,
    except passing facade widths (they would cover every roof with labels)."""
    if f["family"] not in DISTANCE_FAMILIES or segment(f) is None:
        return False
    return not (f["family"] == "facade" and f["status"] == "pass")


def needs_view(f: dict, buildings: set[str], scope: str = "fails") -> bool:
    """A failing or unknown rule finding (with scope "all", any rule finding) gets its own 3D
    view when there is something to frame: a dimension line or a subject building (a site-wide
    FAR finding has neither)."""
    shown = ("fail", "unknown", "pass") if scope == "all" else ("fail", "unknown")
    if f["family"] == "drawing" or f["status"] not in shown:
        return False
    return segment(f) is not None or any(s in buildings for s in f["subjects"])


def view_findings(report: dict, scope: str = "fails") -> list[dict]:
    """The findings that get a 3D view: fails first, then unknowns (then passes), each in
    report order, so the MAX_FINDING_VIEWS cap never costs a fail its view while others
    have theirs."""
    names = {b["name"] for b in report["buildings"]}
    rank = {"fail": 0, "unknown": 1}
    return sorted((f for f in report["findings"] if needs_view(f, names, scope)),
                  key=lambda f: rank.get(f["status"], 2))


def grouped_segments(findings: list[dict]) -> list[tuple[tuple, list[dict]]]:
    """Findings sharing one dimension line (same endpoints) grouped, in report order."""
    groups: dict[tuple, list[dict]] = {}
    for f in findings:
        a, b = segment(f)
        key = tuple(round(v, 3) for v in (*a, *b))
        groups.setdefault(key, []).append(f)
    return list(groups.items())


def required_lines(report: dict) -> list[tuple[dict, list[list[tuple[float, float]]]]]:
    """For each setback finding (site boundary, road red line, river blue line) with a
    `required` distance: the line that distance inside the boundary, near the subject building
    (clipped to its bounding box grown by the distance + 6 m). Drawing coordinates."""
    from shapely.geometry import LineString, Polygon, box

    site = Polygon(report["site"]["outline"]) if report.get("site") else None
    roads = {r.get("name"): LineString(r["line"]) for r in report.get("roads", []) if len(r["line"]) > 1}
    rivers = [LineString(r["line"]) for r in report.get("rivers", []) if len(r["line"]) > 1]
    boxes = {}
    for b in report["buildings"]:
        pts = [p for m in b["masses"] for p in m["outline"]]
        if pts:
            boxes[b["name"]] = (min(p[0] for p in pts), min(p[1] for p in pts),
                                max(p[0] for p in pts), max(p[1] for p in pts))
    out = []
    for f in report["findings"]:
        req, fam = f.get("required"), f["family"]
        if fam not in ("setback", "road-setback", "river-setback") or not req or req <= 0 \
                or not f["subjects"] or f["subjects"][0] not in boxes:
            continue
        near = box(*boxes[f["subjects"][0]]).buffer(req + 6.0, join_style="mitre")
        line = None
        if fam == "setback" and site is not None:
            inner = site.buffer(-req, join_style="mitre")
            line = inner.boundary if not inner.is_empty else None
        elif fam == "road-setback" and len(f["subjects"]) > 1 and f["subjects"][1] in roads:
            line = _offset_towards(roads[f["subjects"][1]], req, site)
        elif fam == "river-setback" and rivers:
            seg = segment(f)
            river = min(rivers, key=lambda r: r.distance(LineString(seg))) if seg else rivers[0]
            line = _offset_towards(river, req, site)
        if line is None or line.is_empty:
            continue
        clipped = line.intersection(near)
        parts = [list(p.coords) for p in getattr(clipped, "geoms", [clipped])
                 if p.geom_type == "LineString" and not p.is_empty]
        if parts:
            out.append((f, parts))
    return out


def _offset_towards(line, dist, site):
    """The line offset by `dist` on the site's side (left when there is no site)."""
    left, right = line.offset_curve(dist), line.offset_curve(-dist)
    if site is None:
        return left
    return left if left.distance(site.centroid) <= right.distance(site.centroid) else right


# --- the set of figures for one report ----------------------------------------------------------



# --- image encoding ------------------------------------------------------------------------------

def png_bytes(img) -> bytes:
    """A figure (PIL image or RGB(A) array) as a palette PNG: the figures are flat colours, text
    and soft shading, so 256 colours keep them (error a few levels at most) at about an eighth
    of the RGB PNG's bytes, which report.html carries base64. Deterministic: the same image
    gives the same bytes. Transparency is kept only where the image has any."""
    import io

    import numpy as np
    from PIL import Image

    if not isinstance(img, Image.Image):
        img = Image.fromarray(np.ascontiguousarray(img))
    if img.mode == "RGBA" and img.getchannel("A").getextrema()[0] == 255:
        img = img.convert("RGB")
    elif img.mode not in ("RGB", "RGBA"):
        img = img.convert("RGBA" if "A" in img.getbands() else "RGB")
    pal = img.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    pal.save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def figure_png(fig, tight: bool = False) -> bytes:
    """A matplotlib figure as `png_bytes`, at the figure's own size and dpi (so pixel mappings
    taken from its transforms hold); `tight` crops it to the drawn content and a 0.1 inch
    margin, as savefig's bbox_inches="tight" does, from one drawing (savefig draws twice)."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    img = np.asarray(canvas.buffer_rgba())
    if tight:
        bb = fig.get_tightbbox(canvas.get_renderer()).padded(0.1)
        x0, top = max(0, round(bb.x0 * fig.dpi)), max(0, round(fig.bbox.height - bb.y1 * fig.dpi))
        img = img[top:top + int(bb.height * fig.dpi), x0:x0 + int(bb.width * fig.dpi)]
    return png_bytes(img)
