"""Institute-style 总平面图 drawings for plancheck's tests (issue #16).

Site plans drawn the way Chinese design institutes draw them, not to PCDS-1: DXF R2000/R2004
with `$DWGCODEPAGE` ANSI_936 (GBK text), millimetres with `$INSUNITS` = 0 and a note
"本图尺寸单位为毫米", Shanghai city-grid coordinates tens of km from the origin, the scheme
rotated a few degrees, the 用地红线 as loose LINEs, 道路红线 as open polylines turning corners
with 切角 chamfers, road centre lines and kerbs with fillet arcs, buildings on 总图-建筑 /
建筑轮廓 / A-BLDG layers and inside blocks defined in metres and inserted at ×1000 (mirrored,
rotated), labels in every form institutes use, greens as hatches (with and without a boundary
polyline, with holes, with arc edges), tree symbols, a 建筑控制线, a 地库 outline, parking-stall
blocks, 标高 blocks, DIMENSIONs, an A1 frame with a 经济技术指标 table, a 单体建筑一览表, leftover
layers (PUB_TEXT, PUB_DIM, PUB_TAB, WINDOW, AXIS, Defpoints) and an existing neighbour
labelled `现状住宅 6F` outside the red line.

Two layouts (A and B, in local metres, +Y north before the rotation) are each drawn in three
layer and label styles (Chinese, TArch-like, AIA). The hand-computed findings and indicators of
each case are in `<case>.expected.yaml` beside the drawing, written by hand from the layout
numbers below (never from plancheck's output); the planning conditions given with each drawing
are in `<case>.conditions.yaml`.

    python tests/institute/generate.py           # (re)write the drawings
    python tests/institute/generate.py --check   # exit 1 if a drawing differs from what it would write
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import ezdxf
from ezdxf.enums import TextEntityAlignment

HERE = Path(__file__).resolve().parent
TEXT_H = 2.5          # label text height, metres


# -- the two layouts (local metres) --------------------------------------------------------------

@dataclass
class Bldg:
    name: str
    rect: tuple[float, float, float, float]
    floors: int
    height: float | None
    use: str = "住宅"             # the word the drawing would use
    status: str = "proposed"

    @property
    def centre(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.rect
        return ((x0 + x1) / 2, (y0 + y1) / 2)


@dataclass
class Layout:
    site: list
    red_lines: list               # open polylines (local metres)
    centre_lines: list
    kerbs: list                   # [("line", p, q) | ("arc", centre, r, a0, a1)]
    road_texts: list              # (text, at, rotation)
    buildings: list[Bldg]
    greens: dict = field(default_factory=dict)   # name -> spec
    basement: tuple = ()
    parking_rows: list = field(default_factory=list)   # (x0, y, count)
    trees: list = field(default_factory=list)
    control_inset: float = 2.0


def _rect(x0, y0, x1, y1):
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


LAYOUT_A = Layout(
    # 200 x 160 m with a 10 m 切角 at the south-east corner: 32,000 - 50 = 31,950 m²
    site=[(0, 0), (190, 0), (200, 10), (200, 160), (0, 160)],
    red_lines=[
        # near side of 祁连山南路 (W 40, south) turning into 规划三路 (W 24, east) with a 切角
        [(-60, 0), (190, 0), (200, 10), (200, 220)],
        [(-60, -40), (300, -40)],                       # 祁连山南路, south side
        [(224, 220), (224, 10), (234, 0), (300, 0)],    # 规划三路 east side -> 祁连山南路 north side
    ],
    centre_lines=[[(-60, -20), (300, -20)], [(212, -20), (212, 220)]],
    kerbs=[("line", (-60, -4), (194, -4)), ("arc", (194, 6), 10, 270, 360),
           ("line", (204, 6), (204, 220)), ("line", (220, 220), (220, 6)),
           ("arc", (230, 6), 10, 180, 270), ("line", (230, -4), (300, -4)),
           ("line", (-60, -36), (300, -36))],
    road_texts=[("祁连山南路", (40, -16), 0), ("道路红线宽40m", (110, -16), 0),
                ("祁连山南路", (250, -16), 0), ("W=40m", (280, -16), 0),
                ("规划三路  红线宽24m", (215, 60), 90)],
    buildings=[
        Bldg("1#", (20, 3, 80, 15), 6, 18.6),
        Bldg("2#", (100, 16, 160, 28), 6, 18.6),
        Bldg("3#", (20, 33, 80, 45), 6, 18.6),
        Bldg("4#", (100, 52, 160, 64), 6, 18.6),
        Bldg("5#", (8, 120, 38, 135), 18, 54.0),
        Bldg("6#", (48, 120, 78, 135), 18, 54.0),
        Bldg("7#", (110, 120, 170, 133), 11, 33.0),
        Bldg("8#", (172, 8, 178, 14), 1, 4.5, "门卫"),
        Bldg("9#", (180, 60, 190, 70), 1, 5.0, "变电所"),
        Bldg("现状住宅", (40, 185, 100, 197), 6, None, "住宅", "existing"),
    ],
    greens={
        "G1": {"outer": _rect(20, 60, 80, 110)},                          # 3,000
        "G2": {"outer": _rect(100, 70, 170, 105), "round_ne": 5.0},       # 2,450 - 25 + 25π/4
        "G3": {"outer": _rect(175, 30, 195, 110), "hole": _rect(180, 60, 190, 70)},  # 1,600 - 100
        "G4": {"outer": _rect(90, 140, 200, 160)},                        # 2,200
        "G5": {"outer": _rect(20, -60, 80, -50)},                         # outside the site
    },
    basement=(15, 20, 165, 115),
    parking_rows=[(10, 141, 20)],
    trees=[(20 + 5 * i, 152.0) for i in range(12)],
)

LAYOUT_B = Layout(
    # 200 x 150 m with a 10 m 切角 at the north-west corner: 30,000 - 50 = 29,950 m²
    site=[(0, 0), (200, 0), (200, 150), (10, 150), (0, 140)],
    red_lines=[
        [(0, 140), (10, 150), (250, 150)],              # 纬三路 (W 32) near side, from its 切角
        [(-100, 182), (250, 182)],                      # 纬三路 north side
    ],
    # 经二路 (W 20, west) is drawn by its centre line only: the red lines are x = 0 and x = -20
    centre_lines=[[(-100, 166), (250, 166)], [(-10, -50), (-10, 166)]],
    kerbs=[("line", (-100, 153), (-16, 153)), ("arc", (-16, 143), 10, 0, 90)],
    road_texts=[("纬三路", (90, 162), 0), ("道路红线宽32m", (150, 162), 0),
                ("经二路", (-12, 60), 90), ("W=20m", (-12, 25), 90)],
    buildings=[
        Bldg("1#", (20, 122, 60, 140), 24, 72.0),
        Bldg("2#", (105, 118, 135, 133), 18, 54.0),
        Bldg("3#", (147, 118, 177, 133), 18, 54.0),
        Bldg("4#", (20, 75, 80, 87), 6, 18.6),
        Bldg("5#", (110, 75, 170, 87), 6, 18.6),
        Bldg("6#", (20, 30, 50, 40), 3, 9.9),
        Bldg("7#", (20, 50, 50, 60), 3, 9.9),
        Bldg("8#", (110, 6, 170, 18), 6, 18.6),
        Bldg("9#", (150, 40, 175, 55), 2, 8.0, "社区用房"),
        Bldg("10#", (185, 92, 191, 96), 1, 3.5, "垃圾房"),
        Bldg("现状住宅", (245, 60, 257, 110), 6, None, "住宅", "existing"),
    ],
    greens={
        "G1": {"outer": _rect(60, 25, 100, 65)},                          # 1,600
        "G2": {"outer": _rect(20, 95, 100, 112), "hole": _rect(50, 100, 60, 106)},   # 1,360 - 60
        "G3": {"outer": _rect(105, 40, 145, 65)},                         # 1,000
        "G4": {"outer": _rect(0, 0, 100, 22)},                            # 2,200
        "G5": {"outer": _rect(-60, 60, -30, 100)},                        # outside the site
        "G6": {"outer": _rect(185, 20, 200, 90)},                         # 1,050
    },
    basement=(15, 70, 180, 140),
    parking_rows=[(60, 100, 0), (110, 95, 12)],
    trees=[(105 + 6 * i, 24.0) for i in range(10)],
)


# -- drawing in local metres ---------------------------------------------------------------------

class Drawer:
    """Draws in local metres: rotated by `theta` degrees, moved to `origin` (city grid, metres)
    and written in millimetres."""

    def __init__(self, doc, theta: float, origin: tuple[float, float], unit: float = 1000.0):
        self.doc, self.msp = doc, doc.modelspace()
        self.theta, self.origin, self.unit = theta, origin, unit
        c, s = math.cos(math.radians(theta)), math.sin(math.radians(theta))
        self._cs = (c, s)

    def p(self, x: float, y: float) -> tuple[float, float]:
        c, s = self._cs
        return (round((self.origin[0] + c * x - s * y) * self.unit, 3),
                round((self.origin[1] + s * x + c * y) * self.unit, 3))

    def ps(self, pts) -> list[tuple[float, float]]:
        return [self.p(*q) for q in pts]

    def layer(self, name: str, color: int = 7, linetype: str = "Continuous") -> str:
        if name not in self.doc.layers:
            self.doc.layers.add(name, color=color, linetype=linetype)
        return name

    # primitives
    def lines(self, pts, layer: str, closed: bool = True) -> None:
        pts = list(pts)
        pairs = list(zip(pts, pts[1:] + pts[:1])) if closed else list(zip(pts, pts[1:]))
        for a, b in pairs:
            self.msp.add_line(self.p(*a), self.p(*b), dxfattribs={"layer": layer})

    def pline(self, pts, layer: str, closed: bool = True, **attribs):
        return self.msp.add_lwpolyline(self.ps(pts), close=closed,
                                       dxfattribs={"layer": layer, **attribs})

    def arc(self, centre, r: float, a0: float, a1: float, layer: str) -> None:
        self.msp.add_arc(self.p(*centre), r * self.unit, a0 + self.theta, a1 + self.theta,
                         dxfattribs={"layer": layer})

    def text(self, s: str, at, layer: str, h: float = TEXT_H, rot: float = 0.0,
             centred: bool = False, style: str | None = None):
        attribs = {"layer": layer, "height": h * self.unit, "rotation": rot + self.theta}
        if style:
            attribs["style"] = style
        t = self.msp.add_text(s, dxfattribs=attribs)
        if centred:
            # AutoCAD writes the computed start point in group 10 and the alignment point in
            # group 11: for a long label in a small building the start lies outside it
            t.set_placement(self.p(*at), align=TextEntityAlignment.MIDDLE_CENTER)
            w = 0.8 * h * len(s)
            t.dxf.insert = self.p(at[0] - w / 2, at[1] - h / 2)
        else:
            t.dxf.insert = self.p(*at)
        return t

    def mtext(self, s: str, at, layer: str, h: float = TEXT_H):
        m = self.msp.add_mtext(s, dxfattribs={"layer": layer, "char_height": h * self.unit,
                                               "insert": self.p(*at)})
        m.dxf.rotation = self.theta
        return m

    def leader(self, pts, layer: str) -> None:
        self.msp.add_leader(self.ps(pts), dxfattribs={"layer": layer})

    def hatch(self, spec: dict, layer: str, boundary: bool, pattern: str = "GRASS") -> None:
        h = self.msp.add_hatch(color=3, dxfattribs={"layer": layer})
        if pattern == "SOLID":
            h.set_solid_fill(color=3)
        else:
            h.set_pattern_fill(pattern, scale=self.unit / 10)
        outer = spec["outer"]
        r = spec.get("round_ne")
        if r:   # an edge path: lines and a quarter arc at the north-east corner
            (x0, y0), (x1, _), (_, y1), _ = outer
            ep = h.paths.add_edge_path(flags=1)
            ep.add_line(self.p(x0, y0), self.p(x1, y0))
            ep.add_line(self.p(x1, y0), self.p(x1, y1 - r))
            ep.add_arc(self.p(x1 - r, y1 - r), r * self.unit, 0 + self.theta, 90 + self.theta)
            ep.add_line(self.p(x1 - r, y1), self.p(x0, y1))
            ep.add_line(self.p(x0, y1), self.p(x0, y0))
        else:
            h.paths.add_polyline_path(self.ps(outer), is_closed=True, flags=1)
        if spec.get("hole"):
            h.paths.add_polyline_path(self.ps(spec["hole"]), is_closed=True, flags=16)
        if boundary:
            if r:
                (x0, y0), (x1, _), (_, y1), _ = outer
                bulge = math.tan(math.radians(90) / 4)
                pts = [(*self.p(x0, y0), 0), (*self.p(x1, y0), 0), (*self.p(x1, y1 - r), bulge),
                       (*self.p(x1 - r, y1), 0), (*self.p(x0, y1), 0)]
                self.msp.add_lwpolyline(pts, format="xyb", close=True, dxfattribs={"layer": layer})
            else:
                self.pline(outer, layer)
            if spec.get("hole"):
                self.pline(spec["hole"], layer)

    def insert(self, name: str, at, layer: str, rot: float = 0.0, mirror: bool = False,
               scale: float | None = None, attribs: dict | None = None):
        k = self.unit if scale is None else scale
        ref = self.msp.add_blockref(name, self.p(*at), dxfattribs={
            "layer": layer, "xscale": -k if mirror else k, "yscale": k, "zscale": k,
            "rotation": rot + self.theta})
        if attribs:
            ref.add_auto_attribs(attribs)
        return ref


# -- blocks (defined in metres) ------------------------------------------------------------------

def define_blocks(doc) -> None:
    tag = doc.blocks.new("楼号")                         # a building-number tag: circle + ATTRIB
    tag.add_circle((0, 0), 2.0)
    tag.add_attdef("楼号", (-1.2, -0.8), dxfattribs={"height": 1.6})
    info = doc.blocks.new("BLDG-INFO")                  # attributes 栋号 / 层数 / 高度
    info.add_line((0, 0), (0.5, 0))
    info.add_attdef("栋号", (0, 0), dxfattribs={"height": 1.5})
    info.add_attdef("层数", (0, -2), dxfattribs={"height": 1.5})
    info.add_attdef("高度", (0, -4), dxfattribs={"height": 1.5})
    pcds = doc.blocks.new("PC-DATA")                    # the PCDS-1 tags
    for i, t in enumerate(("NAME", "FLOORS", "HEIGHT")):
        pcds.add_attdef(t, (0, -2 * i), dxfattribs={"height": 1.5})
    stall = doc.blocks.new("车位")                      # a parking stall, 2.5 x 5.3 m
    stall.add_lwpolyline(_rect(0, 0, 2.5, 5.3), close=True)
    stall.add_line((0, 0), (2.5, 5.3))
    tree = doc.blocks.new("乔木")
    tree.add_circle((0, 0), 3.0)
    tree.add_line((-3, 0), (3, 0))
    tree.add_line((0, -3), (0, 3))
    level = doc.blocks.new("标高")
    level.add_lwpolyline([(0, 0), (-1, 1), (1, 1)], close=True)
    level.add_line((-1, 1), (6, 1))
    level.add_attdef("标高", (0, 1.3), dxfattribs={"height": 1.5})
    north = doc.blocks.new("指北针")
    north.add_circle((0, 0), 6.0)
    north.add_lwpolyline([(0, 6), (-2, -6), (0, -4), (2, -6)], close=True)
    north.add_text("北", dxfattribs={"insert": (-1, 7), "height": 2.5})
    win = doc.blocks.new("WIN-1500")
    win.add_line((0, 0), (1.5, 0))
    win.add_line((0, 0.2), (1.5, 0.2))


def tower_block(doc, name: str, length: float, depth: float, floors: int, height: float,
                plant: tuple | None, texts_layer: str = "0") -> None:
    """A tower drawn in its own block, in metres, centred on its insertion point: outline, a
    屋顶机房 outline inside it, and `18F` / `H=54.0` texts (layer 0: they take the INSERT's layer)."""
    blk = doc.blocks.new(name)
    blk.add_lwpolyline(_rect(-length / 2, -depth / 2, length / 2, depth / 2), close=True)
    if plant:
        blk.add_lwpolyline(_rect(*plant), close=True)
    blk.add_text(f"{floors}F", dxfattribs={"insert": (-length / 2 + 2, -1.0), "height": TEXT_H,
                                           "layer": texts_layer})
    blk.add_text(f"H={height:.1f}", dxfattribs={"insert": (-length / 2 + 2, -4.5),
                                                 "height": TEXT_H, "layer": texts_layer})


# -- common furniture ----------------------------------------------------------------------------

def furniture(d: Drawer, lay: Layout, L: dict, *, table: bool, title: str,
              site_lines: bool = True, table_rows: list | None = None) -> None:
    """Site, roads, greens, basement, parking, trees, control line, frame, notes, dimensions,
    coordinates and leftover layers: everything but the buildings."""
    if site_lines:
        d.lines(lay.site, L["site"])
    else:
        d.pline(lay.site, L["site"])
    for pts in lay.red_lines:
        d.pline(pts, L["road"], closed=False)
    for pts in lay.centre_lines:
        d.pline(pts, L["centre"], closed=False, linetype="CENTER")
    for k in lay.kerbs:
        if k[0] == "line":
            d.msp.add_line(d.p(*k[1]), d.p(*k[2]), dxfattribs={"layer": L["kerb"]})
        else:
            d.arc(k[1], k[2], k[3], k[4], L["kerb"])
    for s, at, rot in lay.road_texts:
        d.text(s, at, L["road_text"], h=3.0, rot=rot)
    for i, (name, spec) in enumerate(sorted(lay.greens.items())):
        d.hatch(spec, L["green"], boundary=i % 2 == 0, pattern="SOLID" if i == 3 else "GRASS")
    for x, y in lay.trees:
        d.insert("乔木", (x, y), L["green"])
    x0, y0, x1, y1 = lay.basement
    d.pline(_rect(x0, y0, x1, y1), L["basement"], linetype="DASHED")
    d.text("地下车库", (x0 + 3, y0 + 3), L["basement_text"])
    for x, y, n in lay.parking_rows:
        for i in range(n):
            d.insert("车位", (x + 2.5 * i, y), L["parking"])
    # 建筑控制线: the site inset (a plain square inset is enough here)
    xs = [q[0] for q in lay.site]
    ys = [q[1] for q in lay.site]
    c = lay.control_inset
    d.pline(_rect(min(xs) + c, min(ys) + c, max(xs) - c, max(ys) - c), L["control"], linetype="DASHED")
    d.text("建筑控制线", (min(xs) + c + 1, max(ys) - c - 4), L["control_text"], h=2.0)
    # J1... corner coordinates (city grid: X northing, Y easting, metres)
    for i, (x, y) in enumerate(lay.site):
        X, Y = d.p(x, y)
        d.msp.add_line((X, Y), (X + 4000, Y + 4000), dxfattribs={"layer": L["coord"]})
        d.msp.add_text(f"J{i + 1} X={Y / 1000:.3f} Y={X / 1000:.3f}", dxfattribs={
            "layer": L["coord"], "height": 1800, "insert": (X + 4200, Y + 4200)})
    # dimensions, 标高 blocks, axis and window leftovers
    b0 = lay.buildings[0]
    dim = d.msp.add_linear_dim(base=d.p(b0.rect[0], b0.rect[3] + 6), p1=d.p(b0.rect[0], b0.rect[3]),
                               p2=d.p(b0.rect[2], b0.rect[3]), angle=d.theta,
                               dxfattribs={"layer": L["dim"]})
    dim.render()
    for b in lay.buildings[:3]:
        d.insert("标高", (b.rect[2] + 2, b.rect[1] - 3), L["elev"], attribs={"标高": "4.650"})
    d.msp.add_line(d.p(-30, -80), d.p(-30, 240), dxfattribs={"layer": "AXIS"})
    d.insert("WIN-1500", (-40, 200), "WINDOW")
    # the A1 frame (1:500, 420.5 x 297 m) as a block, with the 经济技术指标 table and title
    fx, fy = d.p(-70, -90)
    frame = d.doc.blocks.new("A1图框")
    frame.add_lwpolyline(_rect(0, 0, 420500, 297000), close=True)
    frame.add_lwpolyline(_rect(10000, 5000, 415500, 292000), close=True)
    rows = [("经济技术指标", ""), ("总用地面积", lay_indicators(lay)[0]),
            ("总建筑面积", lay_indicators(lay)[1]), ("容积率", lay_indicators(lay)[2]),
            ("建筑密度", lay_indicators(lay)[3]), ("绿地率", lay_indicators(lay)[4])]
    for i, (k, v) in enumerate(rows):
        frame.add_text(k, dxfattribs={"insert": (330000, 120000 - 6000 * i), "height": 2500})
        frame.add_text(v, dxfattribs={"insert": (370000, 120000 - 6000 * i), "height": 2500})
    frame.add_text(title, dxfattribs={"insert": (300000, 15000), "height": 5000})
    d.msp.add_blockref("A1图框", (fx, fy), dxfattribs={"layer": L["frame"]})
    d.msp.add_blockref("指北针", (fx + 390000, fy + 260000), dxfattribs={"layer": L["frame"],
                                                                        "xscale": 1000, "yscale": 1000})
    d.msp.add_text("说明：1.本图尺寸单位为毫米，标高及坐标单位为米。2.±0.000相当于绝对标高4.650。",
                   dxfattribs={"layer": L["note"], "height": 2500,
                               "insert": (fx + 20000, fy + 30000)})
    if table:
        schedule(d, (fx + 300000, fy + 250000), L["table"], table_rows or [
            (b.name, b.floors, b.height, b.use) for b in lay.buildings if b.status == "proposed"])


def lay_indicators(lay: Layout) -> tuple[str, ...]:
    """The figures an institute writes in its 经济技术指标 table (text only; never read)."""
    if lay is LAYOUT_A:
        return ("31950.0㎡", "42196.0㎡", "1.32", "14.7%", "28.6%")
    return ("29950.0㎡", "49014.0㎡", "1.64", "16.0%", "23.9%")


def schedule(d: Drawer, at: tuple[float, float], layer: str, rows: list) -> None:
    """单体建筑一览表 as a grid of LINEs and TEXTs (drawing axes, unrotated, millimetres)."""
    widths = [14000, 12000, 16000, 16000, 22000]
    row_h = 6000
    head = ["楼号", "层数", "高度(m)", "功能", "建筑面积(㎡)"]
    x0, y0 = at
    msp = d.msp
    msp.add_text("单体建筑一览表", dxfattribs={"layer": layer, "height": 3500,
                                             "insert": (x0 + 20000, y0 + 2500)})
    n = len(rows) + 1
    total_w = sum(widths)
    for i in range(n + 1):
        msp.add_line((x0, y0 - i * row_h), (x0 + total_w, y0 - i * row_h), dxfattribs={"layer": layer})
    xs = [x0]
    for w in widths:
        xs.append(xs[-1] + w)
    for x in xs:
        msp.add_line((x, y0), (x, y0 - n * row_h), dxfattribs={"layer": layer})
    for r, cells in enumerate([head] + [list(row) for row in rows]):
        for c, value in enumerate(cells):
            if value is None:
                continue
            if r and c == 2 and isinstance(value, float):
                value = f"{value:.1f}"
            t = msp.add_text(str(value), dxfattribs={"layer": layer, "height": 2500})
            t.set_placement((xs[c] + widths[c] / 2, y0 - r * row_h - row_h / 2),
                            align=TextEntityAlignment.MIDDLE_CENTER)


# -- label forms ---------------------------------------------------------------------------------

def label(d: Drawer, b: Bldg, form: str, layer: str, *, elevation: bool = False) -> None:
    x0, y0, x1, y1 = b.rect
    cx, cy = b.centre
    h = f"{b.height:.1f}" if b.height is not None else None
    if form == "sep":                               # 1# / 6F / H=18.6
        d.text(b.name, (x0 + 4, cy + 1), layer)
        d.text(f"{b.floors}F", (x0 + 12, cy + 1), layer)
        d.text(f"H={h}", (x0 + 20, cy + 1), layer)
    elif form == "mtext":                           # {\fSimHei...;2#}\P6F  H=18.6m
        d.mtext(f"{{\\fSimHei|b0|i0|c134|p49;{b.name}}}\\P{b.floors}F  H={h}m", (x0 + 4, cy + 4), layer)
    elif form == "zh3":                             # 3#楼 / 6层 / 高度18.6m
        d.text(f"{b.name}楼", (x0 + 4, cy + 1), layer)
        d.text(f"{b.floors}层", (x0 + 14, cy + 1), layer)
        d.text(f"高度{h}m", (x0 + 24, cy + 1), layer)
    elif form == "glued":                           # 4#住宅 / 6F/18.60m
        d.text(f"{b.name}{b.use}", (x0 + 4, cy + 1), layer)
        d.text(f"{b.floors}F/{b.height:.2f}m", (x0 + 20, cy + 1), layer)
    elif form == "centred":                         # one centred TEXT, group 10 != group 11
        d.text(f"{b.name}{b.use} {b.floors}F H={h}", (cx, cy), layer, h=1.5, centred=True)
    elif form == "centred-name":                    # centred name, floors and height beside it
        d.text(b.name, (cx, cy + 2), layer, centred=True)
        d.text(f"{b.floors}F", (x0 + 3, cy - 4), layer)
        d.text(f"H={h}", (x0 + 12, cy - 4), layer)
    elif form == "existing":                        # 现状住宅 6F
        d.text(f"现状{b.use} {b.floors}F", (x0 + 4, cy - 1), layer)
    else:
        raise ValueError(form)
    if elevation:
        d.text("%%p0.000=4.650", (x1 - 16, y0 + 1.5), layer, h=1.5)


def leader_label(d: Drawer, b: Bldg, text: str, at, layer: str, entity: str = "LEADER") -> None:
    """A label outside its outline, joined to it by a leader (a LEADER, or a LINE)."""
    cx, cy = b.centre
    tip = (cx, cy)
    knee = (at[0] - 1, at[1] + 1)
    if entity == "LEADER":
        d.leader([tip, knee, (at[0] + 0.0, at[1] + 1)], layer)
    else:
        d.msp.add_line(d.p(*tip), d.p(*knee), dxfattribs={"layer": layer})
    d.text(text, at, layer)


def tower(d: Drawer, b: Bldg, block: str, layer: str, mirror: bool) -> None:
    d.insert(block, b.centre, layer, mirror=mirror)


# -- the cases -----------------------------------------------------------------------------------

CHINESE = {"site": "用地红线", "road": "道路红线", "centre": "道路中心线", "kerb": "道路边线",
           "road_text": "文字", "green": "绿化", "basement": "地库轮廓", "basement_text": "地库轮廓",
           "parking": "停车位", "control": "建筑控制线", "control_text": "建筑控制线",
           "coord": "坐标", "dim": "尺寸标注", "elev": "标高", "frame": "图框", "note": "文字",
           "table": "表格", "building": "建筑轮廓", "text": "文字"}
TARCH = {"site": "总图-用地红线", "road": "总图-道路红线", "centre": "总图-道路中线",
         "kerb": "总图-道路边线", "road_text": "PUB_TEXT", "green": "总图-绿化",
         "basement": "总图-地库", "basement_text": "PUB_TEXT", "parking": "总图-车位",
         "control": "总图-建筑", "control_text": "PUB_TEXT", "coord": "DIM_COOR", "dim": "PUB_DIM",
         "elev": "DIM_ELEV", "frame": "PUB_FRAME", "note": "PUB_TEXT", "table": "PUB_TAB",
         "building": "总图-建筑", "text": "PUB_TEXT"}
AIA = {"site": "C-PROP-LINE", "road": "C-ROAD-REDL", "centre": "C-ROAD-CNTR", "kerb": "C-ROAD-CURB",
       "road_text": "C-ROAD-IDEN", "green": "L-PLNT-LAWN", "basement": "A-BLDG",
       "basement_text": "A-ANNO-TEXT", "parking": "A-BLDG", "control": "A-SITE-SETB",
       "control_text": "A-ANNO-NOTE", "coord": "C-ANNO-COOR", "dim": "A-ANNO-DIMS",
       "elev": "A-ANNO-ELEV", "frame": "A-ANNO-TTLB", "note": "A-ANNO-NOTE", "table": "A-ANNO-TABL",
       "building": "A-BLDG", "text": "A-ANNO-TEXT"}

COLOURS = {"site": 1, "road": 1, "centre": 1, "kerb": 8, "green": 3, "building": 7, "text": 2}


@dataclass
class Case:
    name: str
    layout: Layout
    layers: dict
    theta: float
    origin: tuple[float, float]
    version: str
    title: str
    build: object           # function(d, lay, L) drawing the buildings


def _doc(case: Case):
    doc = ezdxf.new(case.version)
    doc.encoding = "gbk"
    doc.header["$INSUNITS"] = 0
    doc.header["$DWGCODEPAGE"] = "ANSI_936"
    for lt in ("CENTER", "DASHED"):
        if lt not in doc.linetypes:
            doc.linetypes.add(lt, pattern=[2.0, 1.25, -0.25])
    define_blocks(doc)
    for role, name in case.layers.items():
        if name not in doc.layers:
            doc.layers.add(name, color=COLOURS.get(role, 7))
    for extra in ("PUB_TEXT", "PUB_DIM", "PUB_TAB", "WINDOW", "AXIS", "Defpoints"):
        if extra not in doc.layers:
            doc.layers.add(extra, color=8)
    return doc


def build(case: Case):
    doc = _doc(case)
    d = Drawer(doc, case.theta, case.origin)
    case.build(d, case)
    return doc


def _a_chinese(d: Drawer, case: Case) -> None:
    """Layout A, Chinese layer names. Uses only in the 单体建筑一览表 (labels carry none)."""
    lay, L = case.layout, case.layers
    furniture(d, lay, L, table=True, title=case.title)
    b = {x.name: x for x in lay.buildings}
    bl, tx = L["building"], L["text"]
    tower_block(d.doc, "住宅-18F", 30, 15, 18, 54.0, plant=(4, -2, 10, 2))
    for name in ("1#", "2#", "3#", "4#", "7#", "8#", "9#", "现状住宅"):
        d.pline(_rect(*b[name].rect), bl)
    label(d, b["1#"], "sep", tx, elevation=True)
    label(d, b["2#"], "mtext", tx)
    label(d, b["3#"], "zh3", tx, elevation=True)
    label(d, b["4#"], "sep", tx)
    tower(d, b["5#"], "住宅-18F", bl, mirror=False)
    tower(d, b["6#"], "住宅-18F", bl, mirror=True)
    # 楼号 tags (circle + ATTRIB) inserted on the building layer: the circles are not buildings
    d.insert("楼号", (b["5#"].rect[2] - 5, b["5#"].rect[3] - 4), bl, scale=1000, attribs={"楼号": "5#"})
    d.insert("楼号", (b["6#"].rect[2] - 5, b["6#"].rect[3] - 4), bl, scale=1000, attribs={"楼号": "6#"})
    label(d, b["7#"], "centred-name", tx)
    label(d, b["8#"], "centred", tx)
    leader_label(d, b["9#"], "9#变电所 1F H=5.0", (150, 80), tx)
    label(d, b["现状住宅"], "existing", tx)


def _a_tarch(d: Drawer, case: Case) -> None:
    """Layout A, TArch-like layers (总图-*, PUB_*). The 建筑控制线 is drawn on the building
    layer; uses from the context file (default_use) and words glued to the names."""
    lay, L = case.layout, case.layers
    furniture(d, lay, L, table=False, title=case.title)
    b = {x.name: x for x in lay.buildings}
    bl, tx = L["building"], L["text"]
    tower_block(d.doc, "T18", 30, 15, 18, 54.0, plant=(-10, -2, -4, 2))
    for name in ("1#", "2#", "3#", "4#", "7#", "8#", "9#", "现状住宅"):
        d.pline(_rect(*b[name].rect), bl)
    label(d, b["1#"], "zh3", tx, elevation=True)
    label(d, b["2#"], "glued", tx)
    label(d, b["3#"], "sep", tx)
    label(d, b["4#"], "mtext", tx, elevation=True)
    tower(d, b["5#"], "T18", bl, mirror=True)
    tower(d, b["6#"], "T18", bl, mirror=False)
    for n in ("5#", "6#"):
        x0, y0, x1, y1 = b[n].rect
        d.insert("BLDG-INFO", (x1 - 8, y1 - 3), tx, scale=1000,
                 attribs={"栋号": n, "层数": "18", "高度": "54.0"})
    # 7#: its label sits 1.5 m north of the outline, no leader (nearness)
    x0, y0, x1, y1 = b["7#"].rect
    d.text("7# 11F H=33.0", (x0 + 20, y1 + 1.5), tx)
    label(d, b["8#"], "centred", tx)
    leader_label(d, b["9#"], "9#变电所 1F H=5.0", (150, 80), tx, entity="LINE")
    label(d, b["现状住宅"], "existing", tx)


def _a_aia(d: Drawer, case: Case) -> None:
    """Layout A, AIA layers. Buildings on A-BLDG with the 地库 and the parking stalls on the
    same layer; the towers carry PCDS-1 attribute tags; the schedule table gives the uses and
    disagrees with 4#'s label on its floors (a DRW-CONFLICT)."""
    lay, L = case.layout, case.layers
    rows = [(x.name, x.floors if x.name != "4#" else 7, x.height, x.use)
            for x in lay.buildings if x.status == "proposed"]
    furniture(d, lay, L, table=True, title=case.title, table_rows=rows)
    b = {x.name: x for x in lay.buildings}
    bl, tx = L["building"], L["text"]
    for name in ("1#", "2#", "3#", "4#", "5#", "6#", "7#", "8#", "9#", "现状住宅"):
        d.pline(_rect(*b[name].rect), bl)
    d.pline(_rect(25, 126, 31, 130), bl)          # 5#'s 屋顶机房, a plain outline inside it
    label(d, b["1#"], "mtext", tx)
    label(d, b["2#"], "sep", tx, elevation=True)
    label(d, b["3#"], "glued", tx)
    label(d, b["4#"], "zh3", tx)
    for n in ("5#", "6#"):
        x0, y0, x1, y1 = b[n].rect
        d.insert("PC-DATA", (x0 + 3, y1 - 3), tx, scale=1000,
                 attribs={"NAME": n, "FLOORS": "18", "HEIGHT": "54.0"})
    leader_label(d, b["7#"], "7# 11F H=33.0", (120, 110), tx)
    label(d, b["8#"], "centred", tx)
    leader_label(d, b["9#"], "9#变电所 1F H=5.0", (150, 80), tx)
    label(d, b["现状住宅"], "existing", tx)


def _b_chinese(d: Drawer, case: Case) -> None:
    """Layout B, Chinese layers; 经二路 drawn by its centre line only; uses from the table."""
    lay, L = case.layout, case.layers
    furniture(d, lay, L, table=True, title=case.title)
    b = {x.name: x for x in lay.buildings}
    bl, tx = L["building"], L["text"]
    tower_block(d.doc, "住宅-T", 30, 15, 18, 54.0, plant=(-3, -2, 3, 2))
    for name in ("1#", "4#", "5#", "6#", "7#", "8#", "9#", "10#", "现状住宅"):
        d.pline(_rect(*b[name].rect), bl)
    d.pline(_rect(36, 128, 44, 133), bl)          # 1#'s 屋顶机房
    label(d, b["1#"], "mtext", tx)
    tower(d, b["2#"], "住宅-T", bl, mirror=False)
    tower(d, b["3#"], "住宅-T", bl, mirror=True)
    d.insert("楼号", (b["2#"].rect[2] - 4, b["2#"].rect[3] - 4), tx, scale=1000, attribs={"楼号": "2#"})
    d.insert("楼号", (b["3#"].rect[2] - 4, b["3#"].rect[3] - 4), tx, scale=1000, attribs={"楼号": "3#"})
    label(d, b["4#"], "sep", tx, elevation=True)
    label(d, b["5#"], "zh3", tx)
    label(d, b["6#"], "glued", tx)
    label(d, b["7#"], "sep", tx)
    label(d, b["8#"], "mtext", tx, elevation=True)
    leader_label(d, b["9#"], "9#社区用房 2F H=8.0", (125, 50), tx)
    label(d, b["10#"], "centred", tx)
    label(d, b["现状住宅"], "existing", tx)


def _b_tarch(d: Drawer, case: Case) -> None:
    """Layout B, TArch-like layers; the 建筑控制线 on the building layer; uses from the
    context file (per building and a default); 4#'s table row disagrees in height."""
    lay, L = case.layout, case.layers
    rows = [(x.name, x.floors, x.height if x.name != "4#" else 21.0, None)
            for x in lay.buildings if x.status == "proposed"]
    furniture(d, lay, L, table=True, title=case.title, table_rows=rows)
    b = {x.name: x for x in lay.buildings}
    bl, tx = L["building"], L["text"]
    tower_block(d.doc, "T24", 40, 18, 24, 72.0, plant=(-4, -2, 4, 3))
    for name in ("2#", "3#", "4#", "5#", "6#", "7#", "8#", "9#", "10#", "现状住宅"):
        d.pline(_rect(*b[name].rect), bl)
    d.insert("T24", b["1#"].centre, bl, rot=180.0)
    d.text("1#", (b["1#"].rect[0] + 30, b["1#"].rect[1] + 3), tx)
    for n in ("2#", "3#"):
        x0, y0, x1, y1 = b[n].rect
        d.insert("BLDG-INFO", (x0 + 3, y1 - 3), tx, scale=1000,
                 attribs={"栋号": n, "层数": "18", "高度": "54.0"})
    label(d, b["4#"], "glued", tx)
    label(d, b["5#"], "sep", tx, elevation=True)
    label(d, b["6#"], "zh3", tx)
    label(d, b["7#"], "mtext", tx)
    x0, y0, x1, y1 = b["8#"].rect
    d.text("8# 6F H=18.6", (x0 + 20, y0 - 4.5), tx)       # south of its outline: nearness
    leader_label(d, b["9#"], "9# 2F H=8.0", (125, 50), tx, entity="LINE")
    label(d, b["10#"], "centred", tx)
    label(d, b["现状住宅"], "existing", tx)


def _b_aia(d: Drawer, case: Case) -> None:
    """Layout B, AIA layers; every building inside a block (×1000, some mirrored or rotated);
    attribute tags 栋号/层数/高度; uses from words glued to the names and default_use."""
    lay, L = case.layout, case.layers
    furniture(d, lay, L, table=False, title=case.title)
    b = {x.name: x for x in lay.buildings}
    bl, tx = L["building"], L["text"]
    for x in lay.buildings:
        x0, y0, x1, y1 = x.rect
        w, hgt = x1 - x0, y1 - y0
        blk = d.doc.blocks.new(f"BLDG-{x.name}")
        # drawn with its long side along the block's y axis, placed rotated by 90° (or -90°)
        blk.add_lwpolyline(_rect(-hgt / 2, -w / 2, hgt / 2, w / 2), close=True)
        if x.name == "2#":
            blk.add_lwpolyline(_rect(-1.5, 4, 1.5, 10), close=True)      # 屋顶机房
        i = lay.buildings.index(x)
        d.insert(f"BLDG-{x.name}", x.centre, bl, rot=90.0 if i % 2 else -90.0, mirror=i % 3 == 0)
    for n in ("1#", "2#", "3#"):
        x0, y0, x1, y1 = b[n].rect
        d.insert("BLDG-INFO", (x0 + 3, y1 - 3), tx, scale=1000,
                 attribs={"栋号": n, "层数": str(b[n].floors), "高度": f"{b[n].height:.1f}"})
    label(d, b["4#"], "zh3", tx, elevation=True)
    label(d, b["5#"], "glued", tx)
    label(d, b["6#"], "mtext", tx)
    label(d, b["7#"], "sep", tx)
    label(d, b["8#"], "sep", tx)
    leader_label(d, b["9#"], "9#社区用房 2F H=8.0", (125, 50), tx)
    label(d, b["10#"], "centred", tx)
    label(d, b["现状住宅"], "existing", tx)


CASES = [
    Case("a-chinese", LAYOUT_A, CHINESE, 3.5, (23456.789, -31234.567), "R2000",
         "某住宅小区 总平面图", _a_chinese),
    Case("a-tarch", LAYOUT_A, TARCH, -4.25, (-35821.3, 18042.6), "R2004",
         "某住宅小区 总平面图", _a_tarch),
    Case("a-aia", LAYOUT_A, AIA, 6.0, (12005.5, 41300.2), "R2004",
         "某住宅小区 总平面图", _a_aia),
    Case("b-chinese", LAYOUT_B, CHINESE, -2.75, (-18200.0, -27650.0), "R2000",
         "某居住区 总平面图", _b_chinese),
    Case("b-tarch", LAYOUT_B, TARCH, 5.0, (31020.4, 9870.1), "R2004",
         "某居住区 总平面图", _b_tarch),
    Case("b-aia", LAYOUT_B, AIA, -6.5, (-9876.5, 35432.1), "R2000",
         "某居住区 总平面图", _b_aia),
]


def render() -> dict[str, bytes]:
    """{file name: bytes} of every drawing (byte-for-byte reproducible)."""
    import io

    from plancheck.sketch import _fixed_metadata

    out = {}
    with _fixed_metadata():
        for case in CASES:
            doc = build(case)
            doc.commit_pending_changes()
            for dxftype in sorted(doc.entitydb.dxf_types_in_use()):
                doc.classes.add_class(dxftype)
            stream = io.StringIO()
            doc.write(stream)
            out[f"{case.name}.dxf"] = stream.getvalue().encode(doc.output_encoding, errors="dxfreplace")
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    files = render()
    if "--check" in argv:
        stale = [n for n, data in files.items()
                 if not (HERE / n).exists() or (HERE / n).read_bytes() != data]
        for n in stale:
            print(f"stale: tests/institute/{n}")
        return 1 if stale else 0
    for n, data in files.items():
        (HERE / n).write_bytes(data)
        print(f"wrote tests/institute/{n} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[1]))
    raise SystemExit(main())
