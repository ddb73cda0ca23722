"""Write PCDS-1 DXF drawings from small coordinate sketches.

A sketch is a plain dict (loadable from YAML) describing a site plan in metres with +Y as
true north. `build_doc` turns it into an ezdxf document that follows the drawing standard
(shared/spec/drawing-standard.md): role layers, closed outlines, building data carried by
TEXT/MTEXT labels, XDATA or block attributes, road widths, windows and an optional PC-NORTH
arrow. The writer applies the drawing's unit scale and north rotation itself, so the same
sketch can be drawn in metres or millimetres, north-up or rotated, and must read back to the
same numbers. Output is deterministic: writing the same sketch twice gives identical bytes.

Keys (all optional): units, declared_units, north, north_arrow, north_arrow_at, dxfversion,
label_style, layers, site, site_bulges, extra_sites, buildings, roads, greens, rivers, texts.
See samples/README.md for the full format.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import ezdxf
from ezdxf.document import Drawing
from ezdxf.entities import DXFGraphic
from ezdxf.layouts import Modelspace
from shapely import STRtree
from shapely.geometry import Polygon
from shapely.ops import unary_union

Point = tuple[float, float]

APPID = "PLANCHECK"
NORTH_BLOCK = "PC-NORTH"
DATA_BLOCK = "PC-BLDG-DATA"
DATA_TAGS = ("NAME", "USE", "FLOORS", "HEIGHT", "FLOOR_AREA")
TEXT_HEIGHT_M = 2.5
ROAD_TEXT_OFFSET_M = 4.0

UNIT_SCALE = {"m": 1.0, "cm": 100.0, "mm": 1000.0}
INSUNITS = {"none": 0, "m": 6, "cm": 5, "mm": 4}

#: role -> (canonical PCDS-1 layer, ACI colour)
ROLES: dict[str, tuple[str, int]] = {
    "site": ("PC-SITE", 1),
    "building": ("PC-BLDG", 7),
    "existing": ("PC-BLDG-EXIST", 8),
    "road": ("PC-ROAD", 1),
    "green": ("PC-GREEN", 3),
    "river": ("PC-RIVER", 5),
    "window": ("PC-WINDOW", 4),
    "text": ("PC-TEXT", 2),
}

#: Editing-time timers, pinned; dates, GUIDs and creator stamps are fixed by `_fixed_metadata`.
_PINNED_HEADER = {"$TDINDWG": 0.0, "$TDUSRTIMER": 0.0}


def write_dxf(sketch: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write `sketch` as a PCDS-1 DXF file at `path` (byte-for-byte reproducible)."""
    with _fixed_metadata():
        doc = build_doc(sketch)
        doc.commit_pending_changes()
        # ezdxf adds CLASS entries in set order, which varies with PYTHONHASHSEED: go first.
        for dxftype in sorted(doc.entitydb.dxf_types_in_use()):
            doc.classes.add_class(dxftype)
        doc.saveas(os.fspath(path))


def build_doc(sketch: dict[str, Any]) -> Drawing:
    """Build the ezdxf document for `sketch` without writing it."""
    with _fixed_metadata():
        return _Writer(sketch).build()


@contextmanager
def _fixed_metadata() -> Iterator[None]:
    """Make ezdxf write fixed dates, GUIDs and creator stamps instead of clock values."""
    options = ezdxf.options
    previous = options.write_fixed_meta_data_for_testing
    options.write_fixed_meta_data_for_testing = True
    try:
        yield
    finally:
        options.write_fixed_meta_data_for_testing = previous


def label_text(name: str | None, use: str | None, floors: int | str | None,
               height: float | str | None, style: str = "en") -> str:
    """A PCDS-1 label: `1# residential 18F H=54.0` (en) or `1# 住宅 18层 54.0米` (zh)."""
    tokens = [name, use]
    if floors is not None:
        tokens.append(f"{_field('FLOORS', floors)}{'层' if style == 'zh' else 'F'}")
    if height is not None:
        h = _field("HEIGHT", height)
        tokens.append(f"{h}米" if style == "zh" else f"H={h}")
    return " ".join(t for t in tokens if t)


def road_text(name: str | None, width: float, style: str = "en") -> str:
    """A road-width label: `漕溪北路 W=40` (en) or `漕溪北路 红线宽度40米` (zh)."""
    w = f"{float(width):g}"
    tail = f"红线宽度{w}米" if style == "zh" else f"W={w}"
    return f"{name} {tail}" if name else tail


def mass_outline(mass: dict[str, Any]) -> list[Point]:
    """The outline vertices of a mass in sketch metres (`outline`, or `rect` as CCW corners)."""
    if "rect" in mass:
        x0, y0, x1, y1 = (float(v) for v in mass["rect"])
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    return [(float(x), float(y)) for x, y in mass["outline"]]


def ring_points(points: Sequence[Point], bulges: Sequence[float] | None = None,
                segments: int = 16) -> list[Point]:
    """Closed-ring vertices with bulge arcs flattened into `segments` chords each."""
    out: list[Point] = []
    n = len(points)
    for i, p in enumerate(points):
        out.append(p)
        b = float(bulges[i]) if bulges and i < len(bulges) else 0.0
        if not b:
            continue
        q = points[(i + 1) % n]
        dx, dy = q[0] - p[0], q[1] - p[1]
        k = (1.0 - b * b) / (4.0 * b)
        cx, cy = p[0] + dx / 2 - k * dy, p[1] + dy / 2 + k * dx
        sweep = 4.0 * math.atan(b)
        for j in range(1, segments):
            a = sweep * j / segments
            c, s = math.cos(a), math.sin(a)
            rx, ry = p[0] - cx, p[1] - cy
            out.append((cx + c * rx - s * ry, cy + s * rx + c * ry))
    return out


def _num(value: float) -> str:
    """Shortest exact decimal for a height or area: 54 -> '54.0', 9.9 -> '9.9'."""
    return repr(float(value))


class _Writer:
    """One pass over a sketch, emitting entities into a fresh document."""

    def __init__(self, sketch: dict[str, Any]):
        self.sketch = sketch
        units = sketch.get("units", "m")
        if units not in UNIT_SCALE:
            raise ValueError(f"units must be one of {sorted(UNIT_SCALE)}, not {units!r}")
        self.scale = UNIT_SCALE[units]
        self.declared = INSUNITS[str(sketch.get("declared_units", units))]
        self.north = float(sketch.get("north", 90.0))
        rot = math.radians(self.north - 90.0)
        self.cos, self.sin = math.cos(rot), math.sin(rot)
        self.rotation_deg = self.north - 90.0
        self.style = sketch.get("label_style", "en")
        self.text_h = TEXT_HEIGHT_M * self.scale
        names = sketch.get("layers") or {}
        unknown = set(names) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown layer roles: {sorted(unknown)}")
        self.layers = {role: names.get(role, canon) for role, (canon, _) in ROLES.items()}
        version = str(sketch.get("dxfversion", "R2018")).upper()
        self.r12 = version in ("R12", "AC1009")
        # R12 has no $INSUNITS (readers then assume metres); ezdxf.new would warn about it.
        self.doc = Drawing.new(version) if self.r12 else ezdxf.new(version, units=self.declared)
        self.msp: Modelspace = self.doc.modelspace()

    # -- geometry ------------------------------------------------------------------
    def xy(self, p: Sequence[float]) -> Point:
        """Sketch point (m, north-up) -> drawing coordinates."""
        x, y = float(p[0]), float(p[1])  # rounded so that 21.6 m -> 21600.0 mm, not ...004
        return (round(self.scale * (self.cos * x - self.sin * y), 9),
                round(self.scale * (self.sin * x + self.cos * y), 9))

    def attrs(self, role: str, **extra: Any) -> dict[str, Any]:
        return {"layer": self.layers.get(role, role), **extra}

    def polyline(self, points: Sequence[Point], role: str, *, closed: str | bool = "flag",
                 bulges: Sequence[float] | None = None) -> DXFGraphic:
        """An LWPOLYLINE (POLYLINE for R12). `closed`: flag | repeat | gap:<m> | False."""
        pts = list(points)
        bl = [float(b) for b in bulges] if bulges else [0.0] * len(pts)
        if len(bl) != len(pts):
            raise ValueError("bulges must be parallel to the outline vertices")
        flag = closed == "flag" or closed is True
        if closed == "repeat":
            pts.append(pts[0])
            bl.append(0.0)
        elif isinstance(closed, str) and closed.startswith("gap:"):
            gap = float(closed[4:])
            first, last = pts[0], pts[-1]
            edge = math.dist(first, last)
            if not 0.0 < gap < edge:
                raise ValueError(f"gap {gap} must lie between 0 and the closing edge {edge:.3f}")
            t = gap / edge  # stop short of the first vertex, on the closing edge
            pts.append((first[0] + t * (last[0] - first[0]), first[1] + t * (last[1] - first[1])))
            bl.append(0.0)
        elif closed not in ("flag", True, False):
            raise ValueError(f"closed must be flag, repeat or gap:<m>, not {closed!r}")
        rows = [(*self.xy(p), b) for p, b in zip(pts, bl)]
        if self.r12:
            return self.msp.add_polyline2d(rows, format="xyb", close=flag,
                                           dxfattribs=self.attrs(role))
        return self.msp.add_lwpolyline(rows, format="xyb", close=flag, dxfattribs=self.attrs(role))

    def open_line(self, points: Sequence[Sequence[float]], role: str) -> DXFGraphic:
        """A LINE for two points, an open polyline for more."""
        pts = [(float(x), float(y)) for x, y in points]
        if len(pts) == 2:
            return self.msp.add_line(self.xy(pts[0]), self.xy(pts[1]), dxfattribs=self.attrs(role))
        return self.polyline(pts, role, closed=False)

    def text(self, content: str, at: Sequence[float], role: str = "text",
             mtext: bool = False) -> DXFGraphic:
        """A TEXT (or MTEXT wrapped in formatting codes) with its insertion point at `at`."""
        insert = self.xy(at)
        if mtext:
            if self.r12:
                raise ValueError("MTEXT needs DXF R2000 or later")
            content = "{\\fSimSun|b0|i0|c134;\\C1;" + content + "}"
            return self.msp.add_mtext(content, dxfattribs=self.attrs(
                role, insert=insert, char_height=self.text_h, rotation=self.rotation_deg))
        return self.msp.add_text(content, dxfattribs=self.attrs(
            role, insert=insert, height=self.text_h, rotation=self.rotation_deg))

    def xdata(self, entity: DXFGraphic, pairs: Iterable[tuple[str, str]]) -> None:
        tags = [(1000, f"{k}={v}") for k, v in pairs]
        if tags:
            entity.set_xdata(APPID, tags)

    # -- document --------------------------------------------------------------------
    def build(self) -> Drawing:
        doc, s = self.doc, self.sketch
        if APPID not in doc.appids:
            doc.appids.add(APPID)
        for var, value in _PINNED_HEADER.items():
            doc.header[var] = value
        for role, (_, colour) in ROLES.items():
            name = self.layers[role]
            if name not in doc.layers:
                doc.layers.add(name, color=colour)
        self.define_blocks()

        if s.get("site"):
            self.polyline(_pts(s["site"]), "site", bulges=s.get("site_bulges"))
        for outline in s.get("extra_sites") or []:
            self.polyline(_pts(outline), "site")
        for ring in s.get("greens") or []:
            self.polyline(_pts(ring), "green")
        for line in s.get("rivers") or []:
            self.open_line(line, "river")
        for road in s.get("roads") or []:
            self.road(road)
        self.buildings(s.get("buildings") or [])
        for t in s.get("texts") or []:
            self.text(str(t["text"]), t["at"], t.get("layer", "text"), bool(t.get("mtext")))
        arrow = s.get("north_arrow")
        if arrow or (arrow is None and self.north != 90.0):
            at = s.get("north_arrow_at") or self.default_arrow_point()
            self.msp.add_blockref(NORTH_BLOCK, self.xy(at), dxfattribs=self.attrs(
                "text", rotation=self.rotation_deg))
        return doc

    def define_blocks(self) -> None:
        h, k = self.text_h, self.scale
        north = self.doc.blocks.new(NORTH_BLOCK)  # an arrow pointing along the block's +Y
        arrow = [(0, 6 * k), (-2 * k, -3 * k), (0, 0), (2 * k, -3 * k), (0, 6 * k)]
        for a, b in zip(arrow, arrow[1:]):
            north.add_line(a, b)
        north.add_text("N", dxfattribs={"insert": (-0.5 * h, 7 * k), "height": h})
        data = self.doc.blocks.new(DATA_BLOCK)
        for i, tag in enumerate(DATA_TAGS):
            data.add_attdef(tag, (0, -1.4 * h * i), dxfattribs={"height": h, "layer": "0"})

    def default_arrow_point(self) -> Point:
        """Just beyond the north-east corner of everything in the sketch."""
        pts = list(_pts(self.sketch.get("site") or [(0, 0)]))
        for b in self.sketch.get("buildings") or []:
            for m in b.get("masses") or []:
                pts.extend(mass_outline(m))
        return (max(p[0] for p in pts) + 20.0, max(p[1] for p in pts) + 20.0)

    # -- roads -----------------------------------------------------------------------
    def road(self, road: dict[str, Any]) -> None:
        pts = _pts(road["points"])
        if road.get("bulges"):   # curves at intersections (第三十七条): an open polyline with bulges
            entity = self.polyline(pts, "road", closed=False, bulges=road["bulges"])
        else:
            entity = self.open_line(pts, "road")
        width, name = road.get("width"), road.get("name")
        carrier = road.get("carrier", "xdata")
        if carrier == "xdata":
            pairs = [("WIDTH", f"{float(width):g}")] if width is not None else []
            self.xdata(entity, pairs + ([("NAME", str(name))] if name else []))
        elif carrier == "text":
            if width is None:
                raise ValueError(f"road {name!r}: the text carrier needs a width")
            self.text(road_text(name, width, self.style), self.road_text_point(pts), "road")
        elif carrier != "none":
            raise ValueError(f"road carrier must be xdata, text or none, not {carrier!r}")

    def road_text_point(self, pts: list[Point]) -> Point:
        """The mid-length point of the line, moved a few metres away from the site."""
        lengths = [math.dist(a, b) for a, b in zip(pts, pts[1:])]
        half = sum(lengths) / 2
        for (a, b), seg in zip(zip(pts, pts[1:]), lengths):
            if half <= seg:
                break
            half -= seg
        t = half / seg if seg else 0.0
        mx, my = a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
        nx, ny = -(b[1] - a[1]) / seg, (b[0] - a[0]) / seg
        site = self.sketch.get("site")
        if site:
            c = Polygon(_pts(site)).centroid
            if (c.x - mx) * nx + (c.y - my) * ny > 0:
                nx, ny = -nx, -ny
        return (mx + ROAD_TEXT_OFFSET_M * nx, my + ROAD_TEXT_OFFSET_M * ny)

    # -- buildings -------------------------------------------------------------------
    def buildings(self, buildings: list[dict[str, Any]]) -> None:
        masses = [(b, m) for b in buildings for m in b.get("masses") or []]
        rings = [Polygon(ring_points(mass_outline(m), m.get("bulges"))) for _, m in masses]
        tree = STRtree(rings)
        for i, (b, m) in enumerate(masses):
            carrier = m.get("carrier", b.get("carrier", "text"))
            at = m.get("label_at")
            if at is None and carrier in ("text", "mtext", "attrib"):
                nested = [rings[j] for j in tree.query(rings[i].buffer(1e-9), predicate="contains")
                          if j != i and rings[j].area < rings[i].area]
                at = _label_point(rings[i], nested)
            self.mass(b, m, carrier, at)

    def mass(self, b: dict[str, Any], m: dict[str, Any], carrier: str,
             at: Sequence[float] | None) -> None:
        """One outline, its data on `carrier` (label or block at `at`), and its windows."""
        status = b.get("status", "proposed")
        if status not in ("proposed", "existing"):
            raise ValueError(f"status must be proposed or existing, not {status!r}")
        role = "building" if status == "proposed" else "existing"
        outline = self.polyline(mass_outline(m), role, closed=m.get("closed", "flag"),
                                bulges=m.get("bulges"))
        omit = {str(f).upper() for f in m.get("omit") or []}
        fields = {
            "NAME": b.get("name"), "USE": m.get("use", b.get("use")),
            "FLOORS": m.get("floors"), "HEIGHT": m.get("height"),
            "FLOOR_AREA": m.get("floor_area"),
        }
        values = {k: _field(k, v) for k, v in fields.items() if v is not None and k not in omit}
        if carrier in ("text", "mtext"):
            if "FLOOR_AREA" in values:
                raise ValueError("FLOOR_AREA has no label token: use the xdata or attrib carrier")
            label = label_text(values.get("NAME"), values.get("USE"), values.get("FLOORS"),
                               values.get("HEIGHT"), self.style)
            self.text(label, at, mtext=carrier == "mtext")
        elif carrier == "xdata":
            self.xdata(outline, values.items())
        elif carrier == "attrib":
            ref = self.msp.add_blockref(DATA_BLOCK, self.xy(at), dxfattribs=self.attrs(
                "text", rotation=self.rotation_deg))
            ref.add_auto_attribs(values)
            for tag in DATA_TAGS:
                if tag not in values:
                    ref.delete_attrib(tag)
        elif carrier != "none":
            raise ValueError(f"carrier must be text, mtext, xdata, attrib or none, not {carrier!r}")
        for w in m.get("windows") or []:
            line = self.msp.add_line(self.xy(w["from"]), self.xy(w["to"]),
                                     dxfattribs=self.attrs("window"))
            self.xdata(line, [(k.upper(), str(w[k])) for k in ("floors", "unit") if k in w])


def _pts(points: Iterable[Sequence[float]]) -> list[Point]:
    return [(float(p[0]), float(p[1])) for p in points]


def _field(key: str, value: Any) -> str:
    if key == "FLOORS":
        return str(int(value))
    if key in ("HEIGHT", "FLOOR_AREA"):
        return _num(value)
    return str(value)


def _label_point(poly: Polygon, nested: list[Polygon]) -> Point:
    """A point inside `poly` but outside the smaller outlines nested in it."""
    free = poly.difference(unary_union(nested)) if nested else poly
    p = (free if not free.is_empty else poly).representative_point()
    return (round(p.x, 6), round(p.y, 6))
