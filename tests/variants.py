"""The same drawing, drawn differently: outlines as loose lines, or inside (nested) blocks.

Each function edits an ezdxf document built by `plancheck.sketch.build_doc` so that a reader
must find the very same geometry in world coordinates: tests compare the reports.
"""

from __future__ import annotations

import math

from ezdxf.math import Matrix44

OUTLINE_LAYERS = ("PC-SITE", "PC-BLDG", "PC-BLDG-EXIST", "PC-GREEN", "用地红线", "规划用地红线",
                  "建筑轮廓", "拟建建筑", "现状建筑")
LABEL_LAYERS = ("PC-TEXT", "文字", "标注")


def explode_outlines(doc, layers=OUTLINE_LAYERS) -> int:
    """Replace every closed polyline on `layers` by its LINEs and ARCs (XDATA goes to the
    first piece). Returns how many outlines were exploded."""
    msp = doc.modelspace()
    count = 0
    for e in list(msp.query("LWPOLYLINE POLYLINE")):
        if e.dxf.layer not in layers:
            continue
        xdata = e.get_xdata("PLANCHECK") if e.has_xdata("PLANCHECK") else None
        pieces = e.explode()
        if xdata and len(pieces):
            pieces[0].set_xdata("PLANCHECK", xdata)
        count += 1
    return count


def blockify(doc, placements, nested: bool = True,
             layers=OUTLINE_LAYERS + LABEL_LAYERS) -> int:
    """Move each outline and label on `layers` into a block of its own (on layer 0), placed by
    an INSERT on the entity's layer; `placements` cycles through (rotation°, xscale, yscale)
    (a negative scale mirrors; arcs need |xscale| = |yscale|). With `nested`, that block sits
    inside a second one, whose own rotation and scale the inner placement compensates.
    Returns how many entities were moved."""
    msp = doc.modelspace()
    movable = [e for e in msp if e.dxftype() in ("LWPOLYLINE", "POLYLINE", "TEXT", "MTEXT")
               and e.dxf.layer in layers]
    for k, e in enumerate(movable):
        rot, sx, sy = placements[k % len(placements)]
        at = (13.0 * k, -7.0 * k)
        outer = _matrix(rot, sx, sy, at)
        layer = e.dxf.layer
        copy = e.copy()
        inner = doc.blocks.new(f"PCV-IN{k}")
        if nested:
            mid_rot, mid_sx = (-rot / 2) % 360, 2.0 if sx > 0 else -2.0
            mid_sy = 0.5 if abs(sx) != abs(sy) else 2.0   # arcs need uniform scales
            mid = _matrix(mid_rot, mid_sx, mid_sy, (5.0, 3.0))
            total = Matrix44.chain(mid, outer)
            container = doc.blocks.new(f"PCV-OUT{k}")
            container.add_blockref(f"PCV-IN{k}", (5.0, 3.0), dxfattribs={
                "rotation": mid_rot, "xscale": mid_sx, "yscale": mid_sy, "layer": "0"})
            name = f"PCV-OUT{k}"
        else:
            total, name = outer, f"PCV-IN{k}"
        inverse = total.copy()
        inverse.inverse()
        copy.transform(inverse)
        copy.dxf.layer = "0"              # takes the layer of the INSERT that places it
        inner.add_entity(copy)
        msp.add_blockref(name, at, dxfattribs={"rotation": rot, "xscale": sx, "yscale": sy,
                                               "layer": layer})
        msp.delete_entity(e)
    return len(movable)


def _matrix(rotation: float, sx: float, sy: float, at) -> Matrix44:
    return Matrix44.chain(Matrix44.scale(sx, sy, 1), Matrix44.z_rotate(math.radians(rotation)),
                          Matrix44.translate(at[0], at[1], 0))
