"""Model space with block references opened up: every entity in world coordinates.

A block reference (INSERT, also each cell of a MINSERT array) is opened into virtual entities
(copies in no layout, as ezdxf's `virtual_entities`): each block entity is moved by the
product of the reference matrices down the nesting (insertion point, rotation, scale,
mirroring), so a rotated block inside a stretched one lands where CAD draws it, too. Block
content drawn on layer "0" takes the layer of the reference that places it (the CAD
convention): a building block inserted on 建筑轮廓 yields outlines on 建筑轮廓.

Virtual entities have no handle; each gets a path handle `<INSERT handle>/<n>[/<m>...]` so
findings can still point at where it came from. The `PC-NORTH` arrow is never opened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from plancheck.read.dxf import ENTITY_LIMIT_HINT, DrawingTooLarge, decode_escapes

#: Blocks whose content is never read as drawing content.
SKIPPED = ("PC-NORTH",)
#: Nesting deeper than this is not followed (real drawings stay below ~5).
MAX_DEPTH = 16
#: a block nested past MAX_DEPTH may hold anything: it is opened so the depth is reported
TOO_DEEP = "\x00too-deep"


@dataclass
class Expansion:
    """What opening the blocks met: problems to report, and how much it produced."""

    problems: list[tuple[str, str]] = field(default_factory=list)  # (block name, reason)
    virtual: int = 0           # entities produced from blocks
    inserts: list = field(default_factory=list)  # every INSERT, top level and nested
    #: virtual entity handle -> the names of the blocks it came from, outermost first
    block_of: dict = field(default_factory=dict)


def world_entities(msp, limit: int, out: Expansion | None = None,
                   wanted: Callable[[str], bool] | None = None) -> Iterator[tuple[object, bool]]:
    """(entity, from_block) for each top-level entity, followed by the content of each block
    reference in world coordinates.

    INSERTs themselves are yielded too (they carry attributes). `wanted(layer)` limits the
    opening to block references that can yield something on a wanted layer (the others are
    not opened: that is most of the time spent here). Raises DrawingTooLarge when more than
    `limit` entities in all would be produced.
    """
    return _Opener(limit, out if out is not None else Expansion(), wanted).run(msp)


class _Opener:
    def __init__(self, limit: int, out: Expansion, wanted: Callable[[str], bool] | None):
        self.limit, self.out, self.count = limit, out, 0
        self.wanted = wanted
        self.layers: dict[str, frozenset[str]] = {}   # block name -> layers its content uses

    def _counted(self, n: int = 1) -> None:
        self.count += n
        if self.count > self.limit:
            raise DrawingTooLarge(f"the drawing holds more than {self.limit:,} entities once its "
                                  f"blocks are opened ({ENTITY_LIMIT_HINT})")

    def run(self, msp) -> Iterator:
        for e in msp:
            self._counted()
            yield e, False
            if e.dxftype() == "INSERT":
                self.out.inserts.append(e)
                if self._worth_opening(e, _layer(e)):
                    yield from self._expand(e, str(e.dxf.get("handle", "?")), _layer(e), ())

    def _worth_opening(self, insert, layer: str) -> bool:
        """Can the block yield an entity on a wanted layer (its own, or `layer` via layer 0)?"""
        if self.wanted is None:
            return True
        used = self._block_layers(insert.doc, str(insert.dxf.get("name", "")), ())
        return TOO_DEEP in used or any(self.wanted(name) for name in used | {layer})

    def _block_layers(self, doc, name: str, stack: tuple[str, ...]) -> frozenset[str]:
        if name not in self.layers:
            self.layers[name] = frozenset()  # provisional: a cyclic reference adds nothing
            if len(stack) >= MAX_DEPTH:     # deeper is never opened: let _expand report it
                self.layers[name] = frozenset({TOO_DEEP})
                return self.layers[name]
            block = doc.blocks.get(name) if doc is not None and name not in stack else None
            found: set[str] = set()
            for e in block or ():
                layer = _layer(e)
                if layer != "0":
                    found.add(layer)
                if e.dxftype() == "INSERT":
                    found |= self._block_layers(doc, str(e.dxf.get("name", "")), stack + (name,))
            self.layers[name] = frozenset(found)
        return self.layers[name]

    def _expand(self, insert, handle: str, layer: str, stack: tuple[str, ...],
                parent=None) -> Iterator:
        """The content of `insert` in world coordinates. `parent` maps the coordinates the
        INSERT is placed in to world coordinates (None: it is in model space)."""
        from ezdxf.math import Matrix44

        name = str(insert.dxf.get("name", ""))
        problem = self._problem(insert, name, stack)
        if problem:
            if problem != "skipped":
                self.out.problems.append((name, problem))
            return
        n = 0
        for single in _singles(insert):
            m = single.matrix44() if parent is None else Matrix44.chain(single.matrix44(), parent)
            for e in single.block():
                if e.dxftype() == "ATTDEF":
                    continue  # attribute definitions: their values are on the INSERT
                own = _layer(e)
                here = layer if own == "0" else own
                for v in _placed(e, m):
                    self._counted()
                    self.out.virtual += 1
                    n += 1
                    v.dxf.layer = here
                    v.dxf.handle = f"{handle}/{n}"
                    self.out.block_of[v.dxf.handle] = stack + (name,)
                    yield v, True
                    if v.dxftype() == "INSERT":
                        self.out.inserts.append(v)
                if e.dxftype() == "INSERT":
                    yield from self._expand(e, f"{handle}/{n}", here, stack + (name,), m)

    def _problem(self, insert, name: str, stack: tuple[str, ...]) -> str | None:
        if name.strip().upper() in SKIPPED:
            return "skipped"
        if name in stack:
            return "cyclic"
        if len(stack) >= MAX_DEPTH:
            return "deep"
        if insert.block() is None:
            return "missing"
        scale = [insert.dxf.get(k, 1.0) for k in ("xscale", "yscale", "zscale")]
        if any(abs(k) < 1e-12 for k in scale[:2]):
            return "zero-scale"
        if insert.mcount > 1:
            self._counted(insert.mcount)  # a huge MINSERT array stops here, not after looping
        return None


def _singles(insert) -> Iterator:
    """The INSERT itself, or one virtual INSERT per cell of a MINSERT array."""
    if insert.mcount > 1:
        yield from insert.multi_insert()
    else:
        yield insert


def _placed(e, m) -> list:
    """Copies of block entity `e` moved by matrix `m` into world coordinates.

    A transform no entity of that type can express (an arc under non-uniform scaling, text or
    a nested block under a shear from a rotated block inside a stretched one) falls back to an
    ellipse, to the polyline's lines and arcs, or for text and block references to moving the
    insertion point alone, which is all a label or an attribute carrier needs. Entities that
    cannot be copied or moved at all (3D solids, images...) give nothing.
    """
    from ezdxf.entities import Ellipse
    from ezdxf.math.transformtools import InsertTransformationError, NonUniformScalingError

    try:
        copy = e.copy()
    except Exception:  # noqa: BLE001 - ezdxf: CopyNotSupported and friends
        return []
    if hasattr(copy, "remove_association"):
        copy.remove_association()
    kind = copy.dxftype()
    try:
        copy.transform(m)
        return [copy]
    except (NonUniformScalingError, InsertTransformationError):
        pass
    except Exception:  # noqa: BLE001 - not transformable (NotImplementedError...): skipped
        return []
    if kind in ("ARC", "CIRCLE"):
        return [Ellipse.from_arc(e).transform(m)] if e.dxf.radius > 1e-12 else []
    if kind in ("LWPOLYLINE", "POLYLINE"):
        return [p for v in e.virtual_entities() for p in _placed(v, m)]
    if kind in ("TEXT", "MTEXT", "ATTRIB", "INSERT"):
        return [_moved_point(e, m)]
    return []


def _moved_point(e, m):
    """A copy of a text or block reference with only its insertion point (and a text's
    alignment point) moved by `m`."""
    copy = e.copy()
    p = copy.dxf.insert if copy.dxftype() == "MTEXT" else copy.ocs().to_wcs(copy.dxf.insert)
    align = copy.dxf.get("align_point") if copy.dxftype() in ("TEXT", "ATTRIB") else None
    if align is not None:
        align = m.transform(copy.ocs().to_wcs(align))
    copy.dxf.insert = m.transform(p)
    for key in ("extrusion", "align_point"):
        copy.dxf.discard(key)
    if align is not None:
        copy.dxf.align_point = align
    return copy


def _layer(e) -> str:
    """Layer name with R2000-2004 `\\U+XXXX` escapes decoded (Chinese layer names)."""
    return decode_escapes(str(e.dxf.get("layer", "0")))


#: problem -> (en, zh) wording for the DRW-BLOCK finding
REASONS = {
    "cyclic": ("references itself", "引用了自身"),
    "deep": (f"nests more than {MAX_DEPTH} levels deep", f"嵌套超过 {MAX_DEPTH} 层"),
    "missing": ("is referenced but not defined", "被引用但未定义"),
    "zero-scale": ("is inserted at scale 0", "插入比例为 0"),
}
