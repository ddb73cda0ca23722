"""Where a text stands, and the drawing's texts as one list (labels, road widths, notes, tables).

A TEXT with an alignment other than left/baseline stands at its alignment point (group 11):
group 10 then holds the start point AutoCAD computed, which for a centred label in a small
building can lie outside it. ALIGNED and FIT texts stand between the two points. MTEXT stands
at its insertion point (its attachment point). Sizes are estimated from the character count
(CJK characters about one text height wide, others about 0.6).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from plancheck.read.dxf import decode_escapes

TEXT_TYPES = ("TEXT", "MTEXT", "ATTRIB")


@dataclass
class TextItem:
    entity: object
    content: str
    x: float            # where it stands (drawing units, WCS)
    y: float
    h: float            # text height (drawing units)
    rot: float          # degrees
    layer: str
    handle: str
    from_block: bool = False
    #: the text stands at a point, not in a box of its own (a MULTILEADER's arrow head)
    at_point: bool = False

    @property
    def width(self) -> float:
        return self.h if self.at_point else text_width(self.content, self.h)

    def centre(self) -> tuple[float, float]:
        """Estimated centre of the text's box (drawing units)."""
        if self.at_point:
            return self.x, self.y
        e = self.entity
        kind = e.dxftype()
        w, h = self.width, self.h
        if kind == "MTEXT":
            attach = int(e.dxf.get("attachment_point", 1) or 1)
            col, row = (attach - 1) % 3, (attach - 1) // 3
            dx, dy = (0.5 - 0.5 * col) * w, (0.5 * row - 0.5) * h * max(1, self.content.count(" ") // 3 + 1)
        else:
            halign = int(e.dxf.get("halign", 0) or 0)
            valign = int(e.dxf.get("valign", 0) or 0)
            dx = {0: 0.5 * w, 1: 0.0, 2: -0.5 * w, 3: 0.0, 4: 0.0, 5: 0.0}.get(halign, 0.5 * w)
            dy = {0: 0.5 * h, 1: 0.5 * h, 2: 0.0, 3: -0.5 * h}.get(valign, 0.5 * h)
            if halign == 4:
                dy = 0.0
        a = math.radians(self.rot)
        return (self.x + dx * math.cos(a) - dy * math.sin(a),
                self.y + dx * math.sin(a) + dy * math.cos(a))

    def corners(self) -> list[tuple[float, float]]:
        """The estimated text box's corners (drawing units)."""
        cx, cy = self.centre()
        w, h = self.width / 2, self.h / 2
        a = math.radians(self.rot)
        c, s = math.cos(a), math.sin(a)
        return [(cx + c * dx - s * dy, cy + s * dx + c * dy)
                for dx, dy in ((-w, -h), (w, -h), (w, h), (-w, h))]

    def box(self):
        """The estimated text box as a shapely polygon (drawing units)."""
        from shapely.geometry import Polygon

        return Polygon(self.corners())


def text_width(content: str, h: float) -> float:
    return sum(h if ord(ch) > 0x2E80 else 0.6 * h for ch in content) or h


def anchor(e) -> tuple[float, float]:
    """Where a TEXT / ATTRIB / MTEXT / INSERT stands, in WCS x, y."""
    kind = e.dxftype()
    p = e.dxf.insert
    if kind in ("TEXT", "ATTRIB"):
        halign = int(e.dxf.get("halign", 0) or 0)
        valign = int(e.dxf.get("valign", 0) or 0)
        align = e.dxf.get("align_point")
        if align is not None and (halign or valign):
            if halign in (3, 5):            # ALIGNED, FIT: between the two points
                p = (p + align) * 0.5
            else:
                p = align
    if kind in ("TEXT", "INSERT", "ATTRIB") and e.dxf.hasattr("extrusion"):
        p = e.ocs().to_wcs(p)
    return float(p.x), float(p.y)


def item(e, content: str, from_block: bool = False) -> TextItem | None:
    try:
        x, y = anchor(e)
    except Exception:  # noqa: BLE001 - a text without a usable insertion point
        return None
    if not (math.isfinite(x) and math.isfinite(y)):
        return None
    kind = e.dxftype()
    h = float(e.dxf.get("char_height" if kind == "MTEXT" else "height", 1.0) or 1.0)
    rot = float(e.dxf.get("rotation", 0.0) or 0.0)
    if kind == "MTEXT" and e.dxf.hasattr("text_direction"):
        d = e.dxf.text_direction
        rot = math.degrees(math.atan2(d.y, d.x))
    if not math.isfinite(h) or h <= 0:
        h = 1.0
    return TextItem(e, content, x, y, abs(h), rot if math.isfinite(rot) else 0.0,
                    decode_escapes(str(e.dxf.get("layer", "0"))),
                    str(e.dxf.get("handle", "?")), from_block)
