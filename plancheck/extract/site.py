"""Read a site-plan drawing into a SiteModel, with the drawing findings met on the way.

PCDS-1 drawings are read as the standard says. Drawings as design institutes draw them are
read by the same rules plus their conventions (issue #16):

- building data from labels in every institute form (plancheck.extract.labels), from block
  attributes (楼号 / 栋号 / 层数 / 高度 and the PCDS-1 tags), from the drawing's 单体建筑一览表
  (plancheck.extract.schedule) and from the context file (`buildings:`, `default_use:`);
  labels outside their outline are joined by their leader or by nearness; every value keeps
  the carrier it came from and a disagreement is a DRW-CONFLICT;
- what is not a building, though drawn as an outline on a building layer: tag circles,
  parking stalls, outlines named by a text as underground or as a control line, outlines
  enclosing buildings (建筑控制线, 地库 zones), and data-less outlines inside a labelled one
  (rooftop structures, 附录二 5);
- greens from hatches (boundary paths, holes), each area counted once; tree symbols are not
  green areas;
- roads split per road at corners, widths and names from texts on any layer, red lines from
  a centre line and a width where none are drawn; kerbs recognised as such;
- nothing on a mapped layer is dropped silently: what was not read is counted, with why, in a
  DRW-SKIPPED finding per layer and reason.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon

from plancheck import tolerances as tol
from plancheck.extract import blocks as blk
from plancheck.extract import geometry as geo
from plancheck.extract import hatches as hat
from plancheck.extract import roads as rd
from plancheck.extract import schedule as sch
from plancheck.extract import texts as tx
from plancheck.extract import units as un
from plancheck.extract.chain import Piece, chain
from plancheck.extract.labels import FIELDS, TAGS, BadValue, Label, glued_use, name_key, \
    parse_road_label, parse_value, plain_text, read_label, road_name, use_word
from plancheck.findings import Finding, drawing_finding
from plancheck.model.site import Building, Frame, GreenArea, Mass, River, Road, SiteModel, \
    Source, Window
from plancheck.read.context import Context
from plancheck.read.dxf import LoadedDrawing, decode_escapes
from plancheck.read.layers import LayerRoles

OUTLINE_ROLES = ("site", "building", "existing", "green")
LINE_ROLES = ("road", "river", "window")
LABEL_ROLES = ("building", "existing", "text")
CARRIER_ORDER = ("attrib", "xdata", "text", "schedule table", "context")
FIELD_KEYS = {"NAME": "name", "USE": "use", "FLOORS": "floors", "HEIGHT": "height_m",
              "FLOOR_AREA": "floor_area_m2"}
ANNOTATION_TYPES = ("DIMENSION", "ARC_DIMENSION", "LEADER", "MULTILEADER", "MLEADER", "POINT",
                    "TOLERANCE", "IMAGE", "WIPEOUT", "SOLID", "TRACE", "3DFACE", "RAY", "XLINE")

#: reading thresholds (plancheck/tolerances.py)
TAG_MAX_M2 = tol.TAG_CIRCLE_MAX_M2
TREE_MAX_M2 = tol.TREE_CIRCLE_MAX_M2
ZONE_SITE_SHARE = tol.ZONE_SITE_SHARE
ZONE_MIN_ENCLOSED = tol.ZONE_MIN_ENCLOSED
#: Blocks whose name matches these hold parking stalls / tree symbols.
PARKING_BLOCK = re.compile(r"车位|停车|park|stall|carport", re.IGNORECASE)
TREE_BLOCK = re.compile(r"乔木|灌木|树|植物|绿篱|花|tree|shrub|plant|bush", re.IGNORECASE)
#: Rooftop structures whose outline is at most this share of the roof do not count toward the
#: building height (附录二 5: 水平面积之和不超过屋面建筑面积1/8的，不计入建筑高度).
ROOF_SHARE_MAX = 1.0 / 8.0
#: Linetypes of outlines that are drawn dashed: underground, control and projection lines.
DASHED = re.compile(r"dash|hidden|虚|dot|phantom|center|中心", re.IGNORECASE)
LEADER_REACH_H, LEADER_REACH_MIN_M = tol.LEADER_REACH_H, tol.LEADER_REACH_MIN_M
NEAR_H, NEAR_MIN_M, NEAR_RATIO = tol.NEAR_H, tol.NEAR_MIN_M, tol.NEAR_RATIO

#: DRW-SKIPPED reasons: key -> (what zh, what en, why zh, why en)
SKIP_REASONS = {
    "fill": ("个 HATCH 填充", "HATCH fills", "填充不是轮廓", "a fill is not an outline"),
    "annotation": ("个标注图元（尺寸、引线、点…）", "annotation entities (dimensions, leaders, points...)",
                   "标注不是轮廓", "annotation is not an outline"),
    "parking": ("个停车位图块中的图元", "entities of parking-stall blocks", "车位不是建筑",
                "parking stalls are not buildings"),
    "tree": ("个树木图例中的图元", "entities of tree symbols", "树木图例不是绿地范围",
             "tree symbols are not green areas"),
    "tag": ("个楼号标记圈", "tag circles", "楼号标记不是建筑", "a building-number tag is not a building"),
    "inner-lines": ("段轮廓内的散线", "loose lines inside outlines", "轮廓内的线（细部、填充线）不是轮廓",
                    "lines inside an outline (details) are not outlines"),
    "not-label": ("个不是建筑标注的文字", "texts that are not building labels",
                  "不符合建筑标注格式（楼号、层数、高度、用途）",
                  "not in the label grammar (name, floors, height, use)"),
    "elevation": ("个标高文字", "elevation texts", "标高不是建筑高度", "an elevation is not a building height"),
    "duplicate": ("个与已读绿地重合的边界或填充", "boundaries or hatches of green areas already read",
                  "同一块绿地只计一次", "each green area is counted once"),
    "island": ("个填充孤岛的边界", "hatch island boundaries", "孤岛是绿地中的洞，不是绿地",
               "an island is a hole in the green, not green"),
    "kerb": ("个道路边线图元", "kerb and road-edge entities", "道路边线不是道路红线", "kerbs are not red lines"),
    "centre": ("个道路中心线图元", "road centre-line entities",
               "中心线只用于在未画红线处推算道路红线", "centre lines only place red lines where none are drawn"),
    "road-text": ("个不含路名或红线宽度的文字", "texts without a road name or width",
                  "不是道路标注", "not a road label"),
    "leader-line": ("段引线", "leader lines", "引线只用于连接标注与建筑", "leaders only join labels to buildings"),
    "text": ("个文字", "texts", "此图层只读其线条，文字不读入", "this layer's lines are read, not its texts"),
}


@dataclass
class Extraction:
    """What the extractor produced: the model, findings, and what `inspect` shows."""

    model: SiteModel
    findings: list[Finding]
    units_declared: str
    units_used: str
    north_deg: float
    north_from: str                                  # "context", "PC-NORTH block" or "default"
    layers: dict[str, dict] = field(default_factory=dict)  # layer -> {role, counts}
    entity_count: int = 0
    #: where the declared unit came from: "$INSUNITS" or the drawing's note ("note: 本图尺寸单位为毫米")
    units_from: str = "$INSUNITS"
    #: the drawing's 单体建筑一览表, when one was read: {"layer", "rows"}
    schedule: dict | None = None


@dataclass
class _Outline:
    entity: object
    role: str
    source: Source
    polygon: Polygon
    dashed: bool = False


@dataclass
class _Text:
    item: tx.TextItem
    label: Label
    point: tuple[float, float]          # model metres
    box: Polygon                        # model metres
    h: float                            # text height, metres
    source: Source
    role: str


class _Extractor:
    def __init__(self, loaded: LoadedDrawing, ctx: Context, roles: LayerRoles, lang: str):
        self.doc = loaded.doc
        self.msp = loaded.doc.modelspace()
        self.ctx = ctx
        self.roles = roles
        self.lang = lang
        self.findings: list[Finding] = []
        self.loaded = loaded
        self.expansion = blk.Expansion()
        self.virtual: dict[str, object] = {}   # path handle -> entity from a block
        self.skipped: Counter = Counter()       # (layer, reason) -> count
        self._linetypes: dict[str, str] = {}

    def add(self, code: str, **kw) -> None:
        self.findings.append(drawing_finding(code, self.lang, **kw))

    def skip(self, layer: str, reason: str, n: int = 1) -> None:
        self.skipped[(layer, reason)] += n

    # -- orchestration -------------------------------------------------------------------------
    def run(self) -> Extraction:
        by_role, layer_info = self._sort_by_role()
        self._file_findings()
        self.top_texts = self._top_texts()
        declared, units_from = self._declared_units()
        raw_site = self._raw_site_area(by_role["site"])
        used, replaced = un.decide_units(declared, self.ctx.units, raw_site)
        if replaced:
            self.add("DRW-UNITS", declared=declared, used=used,
                     area_declared=raw_site * un.SCALE.get(declared, 1.0) ** 2,
                     area_used=raw_site * un.SCALE[used] ** 2)
        north, north_from = self._north()
        self.frame = Frame(scale=un.SCALE[used], north_deg=north)
        self.flatten = tol.ARC_FLATTEN_M / self.frame.scale

        outlines = {r: self._outlines(by_role[r], r) for r in OUTLINE_ROLES}
        site = self._site(outlines["site"])
        self.schedule = self._schedule()
        masses = self._masses(outlines["building"] + outlines["existing"], by_role, site)
        masses = self._windows(masses, by_role["window"])
        buildings = self._buildings(masses)
        roads = self._roads(by_role["road"], by_role["road-centre"])
        for e in by_role["kerb"]:
            self.skip(_layer(e), "kerb")
        rivers = tuple(River(line, src) for line, src in self._lines(by_role["river"]))
        greens = self._greens(outlines["green"])
        if site is not None:
            self._outside(buildings, site)
        self._report_skipped(layer_info)
        model = SiteModel(site=site, buildings=buildings, roads=roads, greens=greens,
                          rivers=rivers, frame=self.frame)
        table = None
        if self.schedule is not None:
            table = {"layer": self.schedule.where, "columns": self.schedule.columns,
                     "rows": {r.name: dict(r.values) for r in self.schedule.rows.values()}}
        return Extraction(model, self.findings, declared, used, north, north_from, layer_info,
                          len(self.msp), units_from, table)

    def _sort_by_role(self) -> tuple[dict[str, list], dict[str, dict]]:
        by_role: dict[str, list] = defaultdict(list)
        counts: dict[str, Counter] = defaultdict(Counter)
        in_blocks: dict[str, Counter] = defaultdict(Counter)
        role_of: dict[str, str | None] = {}
        limit = self.loaded.limits.max_entities

        def wanted(layer: str) -> bool:  # only blocks that can hold something read are opened
            if layer not in role_of:
                role_of[layer] = self.roles.role(layer)
            return role_of[layer] not in (None, "ignore")

        for e, from_block in blk.world_entities(self.msp, limit, self.expansion, wanted):
            layer = _layer(e)
            if layer not in role_of:
                role_of[layer] = self.roles.role(layer)
            (in_blocks if from_block else counts)[layer][e.dxftype()] += 1
            if from_block:
                self.virtual[e.dxf.handle] = e
            role = role_of[layer]
            if role is not None and role != "ignore":
                by_role[role].append(e)
        info = {}
        for layer in sorted(set(counts) | set(in_blocks)):
            info[layer] = {"role": role_of[layer], "entities": dict(sorted(counts[layer].items()))}
            if in_blocks[layer]:
                info[layer]["in_blocks"] = dict(sorted(in_blocks[layer].items()))
        for name, problem in self.expansion.problems:
            en, zh = blk.REASONS[problem]
            self.add("DRW-BLOCK", block=name, reason=en, reason_zh=zh)
        return by_role, info

    def _file_findings(self) -> None:
        if self.loaded.unsupported:
            self.add("DRW-UNSUPPORTED", count=sum(self.loaded.unsupported.values()),
                     types=", ".join(f"{k} {n}" for k, n in self.loaded.unsupported.items()))
        if self.loaded.truncated:
            self.add("DRW-TRUNCATED", count=len(self.msp))
        elif self.loaded.recovered:
            self.add("DRW-RECOVERED", detail="; ".join(self.loaded.notes))
        if len(self.msp) == 0:
            self.add("DRW-EMPTY")

    def _top_texts(self) -> list[tx.TextItem]:
        """Every TEXT / MTEXT of model space, on any layer (road widths, notes, tables)."""
        out = []
        for e in self.msp:
            if e.dxftype() not in ("TEXT", "MTEXT"):
                continue
            content = plain_text(e)
            if content:
                t = tx.item(e, content)
                if t is not None:
                    out.append(t)
        return out

    def _declared_units(self) -> tuple[str, str]:
        """$INSUNITS, or the drawing's own note (本图尺寸单位为毫米) where $INSUNITS says nothing."""
        declared = un.declared_units(self.doc)
        code = self.doc.header.get("$INSUNITS", 0)
        if code in (0, None):
            note = un.unit_from_note([t.content for t in self.top_texts])
            if note is not None:
                return note[0], f"note: {note[1]}"
        return declared, "$INSUNITS"

    def _north(self) -> tuple[float, str]:
        if self.ctx.north is not None:
            return self.ctx.north % 360.0, "context"
        arrows = un.north_from_blocks(self.msp)
        if arrows:
            other = sorted({round(a, 2) for a in arrows[1:]
                            if abs((a - arrows[0] + 180.0) % 360.0 - 180.0) > tol.NORTH_AGREE_DEG})
            if other:
                self.add("DRW-NORTH", count=len(arrows), used=f"{arrows[0]:.2f}",
                         others=", ".join(f"{a:.2f}°" for a in other))
            return arrows[0], "PC-NORTH block"
        return 90.0, "default"

    def _raw_site_area(self, entities: list) -> float | None:
        """Area of the (largest) site outline in drawing units², for the unit plausibility rule."""
        areas, loose = [], []
        for e in entities:
            shape = self._shape(e, _coarse_flatten(e), report=False)
            if not shape:
                continue
            if e.dxftype() in geo.OUTLINE_TYPES and len(shape.points) >= 3:
                areas.append(abs(Polygon(shape.points).area))
            elif not shape.closed_flag:
                loose.append(Piece(shape.points, self._source(e)))
        # the unit is not known yet: snap in drawing units as if they were metres (the strictest)
        areas += [c.polygon.area for c in chain(loose, tol.CHAIN_SNAP_M).outlines]
        return max(areas) if areas else None

    # -- geometry ------------------------------------------------------------------------------
    def _source(self, e) -> Source:
        return Source(handle=str(e.dxf.get("handle", "?")), layer=_layer(e), entity=e.dxftype())

    def _shape(self, e, flatten: float, report: bool = True) -> geo.RawShape | None | bool:
        """geo.shape_of; False (reported as DRW-DAMAGED) when the entity's geometry is damaged."""
        try:
            return geo.shape_of(e, flatten)
        except geo.DamagedGeometry as exc:
            if report:
                self._damaged(e, exc)
            return False

    def _damaged(self, e, exc: Exception) -> None:
        src = self._source(e)
        self.add("DRW-DAMAGED", entity=src.handle, layer=src.layer, entity_type=src.entity,
                 reason=str(exc))

    def _blocks_of(self, e) -> tuple[str, ...]:
        return self.expansion.block_of.get(str(e.dxf.get("handle", "")), ())

    def _dashed(self, e) -> bool:
        lt = str(e.dxf.get("linetype", "BYLAYER") or "BYLAYER")
        if lt.upper() in ("BYLAYER", "BYBLOCK"):
            layer = _layer(e)
            if layer not in self._linetypes:
                try:
                    self._linetypes[layer] = str(self.doc.layers.get(layer).dxf.get("linetype", ""))
                except Exception:  # noqa: BLE001 - a layer missing from the table
                    self._linetypes[layer] = ""
            lt = self._linetypes[layer]
        return bool(DASHED.search(lt))

    def _outlines(self, entities: list, role: str) -> list[_Outline]:
        out, ignored, loose = [], Counter(), []
        for e in entities:
            kind = e.dxftype()
            layer = _layer(e)
            if kind in ("TEXT", "MTEXT", "INSERT", "ATTRIB"):
                if kind in ("TEXT", "MTEXT") and role not in LABEL_ROLES:
                    self.skip(layer, "text")
                continue  # labels and carriers are read elsewhere
            blocks = self._blocks_of(e)
            if blocks and role in ("building", "existing") and any(PARKING_BLOCK.search(b) for b in blocks):
                self.skip(layer, "parking")
                continue
            if blocks and role == "green" and any(TREE_BLOCK.search(b) for b in blocks):
                self.skip(layer, "tree")
                continue
            if kind == "HATCH":
                if role == "green":
                    out += self._hatch(e, role)
                else:
                    self.skip(layer, "fill")
                continue
            if kind in ANNOTATION_TYPES:
                self.skip(layer, "annotation")
                continue
            shape = self._shape(e, self.flatten)
            src = self._source(e)
            if shape is False:
                continue
            if shape is None:
                ignored[(kind, src.layer)] += 1
                continue
            pts = geo.to_model(shape.points, self.frame)
            if not shape.closed_flag:
                gap = float(np.hypot(*(pts[0] - pts[-1]))) if len(pts) > 1 else 0.0
                if kind not in geo.OUTLINE_TYPES or gap > tol.CLOSE_GAP_M:
                    loose.append(Piece(pts, src, e))  # LINE, ARC, open polyline: chain them
                    continue
                self.add("DRW-CLOSE", entity=src.handle, layer=src.layer, gap=gap)
                if gap <= tol.VERTEX_MERGE_M and len(pts) > 1:
                    pts = pts[:-1]
            poly = self._polygon(pts, src)
            if poly is None:
                continue
            if kind in ("CIRCLE", "ELLIPSE") and role in ("building", "existing") \
                    and poly.area <= TAG_MAX_M2:
                self.skip(layer, "tag")
                continue
            if kind in ("CIRCLE", "ELLIPSE") and role == "green" and poly.area <= TREE_MAX_M2:
                self.skip(layer, "tree")
                continue
            out.append(_Outline(e, role, src, poly, self._dashed(e)))
        out += self._chained(loose, role, [o.polygon for o in out])
        for (kind, layer), n in sorted(ignored.items()):
            self.add("DRW-IGNORED", layer=layer, count=n, entity_type=kind)
        return out

    def _hatch(self, e, role: str) -> list[_Outline]:
        try:
            polys = hat.polygons(e, self.flatten)
        except geo.DamagedGeometry as exc:
            self._damaged(e, exc)
            return []
        src = self._source(e)
        out = []
        for poly in polys:
            coords = geo.to_model(np.asarray(poly.exterior.coords)[:, :2], self.frame)
            holes = [geo.to_model(np.asarray(h.coords)[:, :2], self.frame) for h in poly.interiors]
            model = Polygon(coords, holes)
            if not model.is_valid:
                model = shapely.make_valid(model)
                model = max((g for g in getattr(model, "geoms", [model]) if isinstance(g, Polygon)),
                            key=lambda g: g.area, default=None)
            if model is not None and model.area > 0:
                out.append(_Outline(e, role, src, model))
        return out

    def _polygon(self, pts: np.ndarray, src: Source) -> Polygon | None:
        """A valid polygon from closed-outline vertices (repaired with DRW-INVALID), or None."""
        if len(pts) < 3:
            self.add("DRW-INVALID", entity=src.handle, layer=src.layer,
                     reason="fewer than 3 vertices")
            return None
        poly = Polygon(pts)
        if not poly.is_valid or poly.area <= 0:
            reason = shapely.is_valid_reason(poly)
            fixed = shapely.make_valid(poly)
            parts = [g for g in getattr(fixed, "geoms", [fixed]) if isinstance(g, Polygon)]
            self.add("DRW-INVALID", entity=src.handle, layer=src.layer, reason=reason)
            if not parts or sum(p.area for p in parts) <= 0:
                return None
            poly = max(parts, key=lambda p: p.area)
        return poly

    def _chained(self, loose: list[Piece], role: str, closed: list[Polygon] = ()) -> list[_Outline]:
        """Closed outlines chained from loose pieces; what stays open is reported (lines lying
        inside a closed outline of the layer are its details: counted, not errors)."""
        if not loose:
            return []
        result = chain(loose, tol.CHAIN_SNAP_M)
        out = []
        for c in result.outlines:
            first = c.pieces[0].source
            src = Source(handle=first.handle, layer=first.layer, entity="CHAIN")
            carrier = next((p.entity for p in c.pieces if p.entity.has_xdata("PLANCHECK")),
                           c.pieces[0].entity)
            self._add_listed("DRW-CHAINED", c.pieces, entity=src.handle, layer=src.layer,
                             count=len(c.pieces), types=_types(c.pieces), tol=tol.CHAIN_SNAP_M,
                             area=c.polygon.area)
            out.append(_Outline(carrier, role, src, c.polygon,
                                self._dashed(c.pieces[0].entity)))
        inside = shapely.STRtree([p.buffer(tol.CHAIN_SNAP_M) for p in closed]) if closed else None
        by_layer: dict[str, list[Piece]] = defaultdict(list)
        for p in result.leftover:
            if inside is not None and len(inside.query(LineString(p.points) if len(p.points) > 1
                                                        else Point(p.points[0]), predicate="within")):
                self.skip(p.source.layer, "inner-lines")
                continue
            if p.source.entity in geo.OUTLINE_TYPES:  # an open polyline on its own: as before
                gap = float(np.hypot(*(p.points[0] - p.points[-1])))
                self.add("DRW-OPEN", entity=p.source.handle, layer=p.source.layer, gap=gap)
            else:
                by_layer[p.source.layer].append(p)
        for layer, pieces in sorted(by_layer.items()):
            gap = result.gap
            self._add_listed(
                "DRW-CHAIN-OPEN", pieces, layer=layer, count=len(pieces), types=_types(pieces),
                gap_text=(f"最近的两个自由端点相距 {gap:.3f} m，连接容差 {tol.CHAIN_SNAP_M} m"
                          if gap is not None else f"连接容差 {tol.CHAIN_SNAP_M} m"),
                gap_text_en=(f"the nearest free ends are {gap:.3f} m apart, snap {tol.CHAIN_SNAP_M} m"
                             if gap is not None else f"snap {tol.CHAIN_SNAP_M} m"))
        return out

    def _add_listed(self, code: str, pieces: list[Piece], **kw) -> None:
        """A drawing finding that also lists the handles of the entities it is about."""
        self.add(code, **kw)
        self.findings[-1].extra["entities"] = [p.source.handle for p in pieces]

    def _lines(self, entities: list, texts_counted: bool = False) -> list[tuple[LineString, Source]]:
        """The lines of a linear layer; what else it holds is counted as not read (its texts
        too, unless the caller reads them: road names and widths)."""
        out = []
        for e in entities:
            kind = e.dxftype()
            if kind not in geo.LINE_TYPES:
                if kind in ("TEXT", "MTEXT"):
                    if not texts_counted:
                        self.skip(_layer(e), "text")
                elif kind not in ("INSERT", "ATTRIB"):
                    self.skip(_layer(e), "fill" if kind == "HATCH" else "annotation")
                continue
            shape = self._shape(e, self.flatten)
            if not shape or len(shape.points) < 2:
                continue
            pts = geo.to_model(shape.points, self.frame)
            if shape.closed_flag:
                pts = np.vstack([pts, pts[:1]])
            out.append((LineString(pts), self._source(e)))
        return out

    def _site(self, outlines: list[_Outline]) -> Polygon | None:
        if not outlines:
            self.add("DRW-SITE-MISSING")
            return None
        if len(outlines) > 1:
            self.add("DRW-SITE-MULTIPLE", count=len(outlines))
            return None
        return outlines[0].polygon

    # -- greens --------------------------------------------------------------------------------
    def _greens(self, outlines: list[_Outline]) -> tuple[GreenArea, ...]:
        """Each green area once: a hatch and its boundary polyline are one area; a polyline
        that is a hatch's island boundary is a hole, not green."""
        holes = [Polygon(h) for o in outlines if o.source.entity == "HATCH"
                 for h in o.polygon.interiors]
        kept: list[_Outline] = []
        for o in sorted(outlines, key=lambda o: o.source.entity == "HATCH"):  # polylines first
            if o.source.entity != "HATCH" and any(_same(o.polygon, h) for h in holes):
                self.skip(o.source.layer, "island")
                continue
            twin = next((k for k in kept if _same(k.polygon, o.polygon)), None)
            if twin is not None:
                if o.source.entity == "HATCH" and twin.source.entity != "HATCH" \
                        and o.polygon.interiors and not twin.polygon.interiors:
                    kept[kept.index(twin)] = _Outline(twin.entity, twin.role, twin.source, o.polygon)
                self.skip(o.source.layer, "duplicate")
                continue
            kept.append(o)
        return tuple(GreenArea(o.polygon, o.source) for o in kept)

    # -- the schedule table --------------------------------------------------------------------
    def _schedule(self) -> sch.Schedule | None:
        from ezdxf.entities.acad_table import read_acad_table_content

        for e in self.msp:
            if e.dxftype() != "ACAD_TABLE":
                continue
            try:
                rows = read_acad_table_content(e)
            except Exception:  # noqa: BLE001 - a damaged table holds nothing we can read
                continue
            layer = _layer(e)
            try:   # ezdxf keeps an ACAD_TABLE as tags: its layer is in the AcDbEntity subclass
                layer = _decode(str(e.xtags.get_subclass("AcDbEntity").get_first_value(8, layer)))
            except Exception:  # noqa: BLE001
                pass
            found = sch.from_rows([[decode_escapes(str(c)) for c in row] for row in rows], layer)
            if found is not None:
                return found
        items = [(t.content, *t.centre(), t.h, t.rot, t.layer) for t in self.top_texts]
        found = sch.read(items)
        if found is not None:
            return found
        # the table may be inside a block (the frame): open only blocks holding header words
        names = {b.name for b in self.doc.blocks if not b.name.startswith("*")
                 and any(e.dxftype() in ("TEXT", "MTEXT") and sch._kind(plain_text(e)) == "NAME"
                         for e in b)}
        inserts = [e for e in self.msp if e.dxftype() == "INSERT" and e.dxf.get("name") in names]
        if not inserts:
            return None
        more = []
        try:
            for e, _ in blk.world_entities(inserts, self.loaded.limits.max_entities):
                if e.dxftype() in ("TEXT", "MTEXT") and (content := plain_text(e)):
                    t = tx.item(e, content, True)
                    if t is not None:
                        more.append((t.content, *t.centre(), t.h, t.rot, t.layer))
        except Exception:  # noqa: BLE001 - a block that cannot be opened holds no table for us
            return None
        return sch.read(more)

    # -- building data -------------------------------------------------------------------------
    def _texts(self, by_role) -> list[_Text]:
        """The texts of the label layers, where they stand and their boxes, in model metres
        (transformed in one batch: real drawings hold thousands)."""
        found = []
        for role in LABEL_ROLES:
            for e in by_role[role]:
                if e.dxftype() not in ("TEXT", "MTEXT"):
                    continue
                content = plain_text(e)
                if not content:
                    continue
                item = tx.item(e, content, "/" in str(e.dxf.get("handle", "")))
                if item is not None:
                    found.append((item, e, role))
        found += self._mleaders(by_role)
        if not found:
            return []
        anchors = geo.to_model(np.array([(it.x, it.y) for it, _, _ in found], dtype=float), self.frame)
        corners = np.array([it.corners() for it, _, _ in found], dtype=float)
        boxes = shapely.polygons(geo.to_model(corners.reshape(-1, 2), self.frame).reshape(-1, 4, 2))
        scale = self.frame.scale
        return [_Text(it, read_label(it.content), (float(a[0]), float(a[1])), box, it.h * scale,
                      self._source(e), role)
                for (it, e, role), a, box in zip(found, anchors, boxes)]

    def _mleaders(self, by_role) -> list[tuple[tx.TextItem, object, str]]:
        """MULTILEADER labels: the text they hold, standing where their arrow points (inside
        the building it labels)."""
        from ezdxf.tools.text import plain_mtext

        out = []
        for role in LABEL_ROLES:
            for e in by_role[role]:
                if e.dxftype() != "MULTILEADER":
                    continue
                try:
                    ctx = e.context
                    content = plain_mtext(ctx.mtext.default_content).replace("\n", " ").strip() \
                        if ctx.mtext is not None else ""
                    arrow = next(v for ld in ctx.leaders for line in ld.lines for v in line.vertices)
                    h = float(ctx.char_height or 1.0)
                except Exception:  # noqa: BLE001 - a damaged or block-content leader: no label
                    continue
                if content:
                    out.append((tx.TextItem(e, decode_escapes(content), float(arrow[0]),
                                            float(arrow[1]), h, 0.0, _layer(e),
                                            str(e.dxf.get("handle", "?")), at_point=True), e, role))
        return out

    def _leaders(self, by_role) -> list[tuple[tuple[float, float], tuple[float, float], Source]]:
        """Leaders: LEADER entities on any layer, and short lines on label layers."""
        out = []
        ents = [e for e in self.msp if e.dxftype() == "LEADER"]
        ents += [e for e in by_role["text"] if e.dxftype() in ("LINE", "LWPOLYLINE", "LEADER")
                 and "/" not in str(e.dxf.get("handle", ""))]
        for e in ents:
            try:
                if e.dxftype() == "LEADER":
                    pts = [(float(v[0]), float(v[1])) for v in e.vertices]
                else:
                    shape = geo.shape_of(e, self.flatten)
                    if shape is None or shape.closed_flag:
                        continue
                    pts = shape.points.tolist()
            except Exception:  # noqa: BLE001 - a damaged leader joins nothing
                continue
            if len(pts) < 2:
                continue
            m = geo.to_model(np.asarray(pts, dtype=float), self.frame)
            out.append((tuple(m[0]), tuple(m[-1]), self._source(e)))
        return out

    def _masses(self, outlines: list[_Outline], by_role: dict[str, list],
                site: Polygon | None) -> list[Mass]:
        texts = self._texts(by_role)
        if not outlines:
            for t in texts:
                self._unowned(t)
            return []
        cands = list(range(len(outlines)))
        polys = [o.polygon for o in outlines]

        def smallest(points, among: list[int]) -> list[int | None]:
            """Index of the smallest outline of `among` containing each point."""
            if not points or not among:
                return [None] * len(points)
            tree = shapely.STRtree([polys[i] for i in among])
            pt_idx, k_idx = tree.query(shapely.points(points), predicate="within")
            best: dict[int, int] = {}
            for p, k in zip(pt_idx.tolist(), k_idx.tolist()):
                i = among[k]
                if p not in best or polys[i].area < polys[best[p]].area:
                    best[p] = i
            return [best.get(n) for n in range(len(points))]

        buffered = shapely.buffer(np.asarray(polys, dtype=object), tol.CHAIN_SNAP_M)

        def enclosed(among: list[int]) -> dict[int, list[int]]:
            tree = shapely.STRtree(buffered[among])
            inner, outer = tree.query([polys[i] for i in among], predicate="within")
            out: dict[int, list[int]] = defaultdict(list)
            for a, b in zip(inner.tolist(), outer.tolist()):
                if a != b:
                    out[among[b]].append(among[a])
            return out

        # 1. zones that are plainly no building: named so by a text, or enclosing buildings
        #    and dashed, or enclosing many, or most of the site
        owners = smallest([t.point for t in texts], cands)
        named: dict[int, tuple[float, str]] = {}
        for t, i in zip(texts, owners):
            if t.label.not_building and not t.label.label_like:
                j = i if i is not None else self._edge_owner(t, cands, polys)
                if j is not None:   # the text nearest the outline's line names it
                    d = polys[j].exterior.distance(Point(t.point))
                    if j not in named or d < named[j][0]:
                        named[j] = (d, t.label.not_building)
        inside = enclosed(cands)
        site_area = site.area if site is not None else None
        labelled = {i for t, i in zip(texts, owners) if i is not None and t.label.label_like}
        own_named = {i for t, i in zip(texts, owners)
                     if i is not None and t.label.label_like and "NAME" in t.label.fields}
        dropped: set[int] = set()
        for i in cands:
            reason = None
            kids = [k for k in inside.get(i, []) if k in labelled]   # roof plants do not count
            if i in named:
                reason = named[i][1]
            elif kids and outlines[i].dashed:
                reason = "zone"          # buildings are not drawn dashed around other buildings
            elif len(kids) >= 2 and i not in own_named and (
                    len(kids) >= ZONE_MIN_ENCLOSED
                    or (site_area and polys[i].area >= ZONE_SITE_SHARE * site_area)):
                reason = "zone"
            if reason:
                self._not_building(outlines[i], reason, len(inside.get(i, [])))
                dropped.add(i)
        cands = [i for i in cands if i not in dropped]

        # 2. carriers: block attributes, XDATA, labels (inside, by leader, nearest)
        data: dict[int, dict[str, dict[str, object]]] = {i: defaultdict(dict) for i in cands}
        existing_word: set[int] = set()
        conflicts: list[tuple] = []
        self._attrib_carrier(lambda pts: smallest(pts, cands), data)
        for i in cands:
            self._xdata_carrier(outlines[i], data[i])
        owners = smallest([t.point for t in texts], cands)
        leaders = None
        for t, i in zip(texts, owners):
            lab = t.label
            if lab.empty:
                self.skip(t.source.layer, "elevation" if lab.elevation else "not-label")
                continue
            if i is None:
                if not lab.label_like:
                    self.skip(t.source.layer, "not-label")
                    continue
                if leaders is None:
                    leaders = self._leaders(by_role)
                i = self._by_leader(t, leaders, lambda pts: smallest(pts, cands))
                if i is None:
                    i = self._by_nearness(t, cands, polys, data)
                if i is None:
                    self._unowned(t)
                    continue
            if lab.existing:
                existing_word.add(i)
            for field_, value in lab.fields.items():
                slot = data[i][field_]
                if "text" in slot and slot["text"] != value:
                    conflicts.append((i, t.source, field_, slot["text"], value))
                slot.setdefault("text", value)
        if leaders:
            for _a, _b, src in leaders:
                if src.entity != "LEADER":
                    self.skip(src.layer, "leader-line")

        # 3. a data-less outline enclosing labelled ones: a label that fell into a rooftop
        #    structure (within 1/8 of the outline around it) is the building's, moved out to it;
        #    around one labelled outline it is the same building (a podium: name and use
        #    shared); around several, a zone
        inside = enclosed(cands)
        has_data = {i for i in cands if any(data[i][f] for f in FIELDS)}
        for i in list(cands):
            if i in has_data:
                continue
            kids = [k for k in inside.get(i, []) if k in has_data]
            if not kids:
                continue
            if len(kids) == 1 and polys[kids[0]].area <= ROOF_SHARE_MAX * polys[i].area \
                    and not any(c != "text" for f in FIELDS for c in data[kids[0]][f]):
                data[i], data[kids[0]] = data[kids[0]], defaultdict(dict)
                if kids[0] in existing_word:
                    existing_word.add(i)
                has_data = (has_data - {kids[0]}) | {i}
            elif len(kids) == 1:
                for f in ("NAME", "USE"):
                    v = self._value(data[kids[0]], f)
                    if v is not None:
                        data[i][f]["drawn"] = v
                has_data.add(i)
            else:
                self._not_building(outlines[i], "zone", len(inside[i]))
                cands.remove(i)

        # 4. rooftop structures: a data-less outline inside a labelled one is part of it
        hosts = {}
        bare = [i for i in cands if i not in has_data]
        if bare:
            tree = shapely.STRtree([polys[i] for i in cands])
            pt_idx, k_idx = tree.query(
                shapely.points([polys[i].representative_point().coords[0] for i in bare]),
                predicate="within")
            around: dict[int, int] = {}
            for p_, k in zip(pt_idx.tolist(), k_idx.tolist()):
                i, host = bare[p_], cands[k]
                if host != i and (i not in around or polys[host].area < polys[around[i]].area):
                    around[i] = host
            for i, host in around.items():
                if host in has_data and polys[host].covers(polys[i].buffer(-tol.CHAIN_SNAP_M)):
                    hosts[i] = host

        # 5. the schedule table and the context file, by name
        names = {}
        for i in cands:
            n = next((data[i]["NAME"][c] for c in CARRIER_ORDER if c in data[i]["NAME"]), None)
            if n is not None:
                names[i] = str(n)
        per_name = Counter(name_key(n) for n in names.values())
        for i, n in names.items():
            self._table_and_context(data[i], n, single=per_name[name_key(n)] == 1)

        built: list[tuple[int, Mass]] = []
        unnamed = []
        for i in cands:
            o = outlines[i]
            if i in hosts:
                host = hosts[i]
                share = polys[i].area / polys[host].area
                host_name = self._value(data[host], "NAME")
                if share <= ROOF_SHARE_MAX:
                    self._inferred(
                        f"建筑 {host_name} 内无数据的轮廓 {o.source.handle}（{polys[i].area:.1f} m²，"
                        f"占屋面 {share:.1%}）按屋顶附属设施读入：水平面积不超过屋面 1/8，不计入建筑高度"
                        f"（附录二 5）", f"data-less outline {o.source.handle} inside {host_name} "
                        f"({polys[i].area:.1f} m², {share:.1%} of the roof) is read as a rooftop "
                        f"structure: within 1/8 of the roof, it does not count toward the height "
                        f"(附录二 5)", o, [str(host_name)])
                    continue
                for f in ("NAME", "USE"):
                    v = self._value(data[host], f)
                    if v is not None:
                        data[i][f]["drawn"] = v
            values, carriers = self._resolve(data[i], o)
            status = "existing" if o.role == "existing" or i in existing_word else "proposed"
            if status == "proposed" and "USE" not in values and self.ctx.default_use:
                use = use_word(self.ctx.default_use) or glued_use(self.ctx.default_use)
                if use is not None:
                    values["USE"], carriers["USE"] = use, "context"
            mass = Mass(outline=o.polygon, status=status, source=o.source, carriers=carriers,
                        **{FIELD_KEYS[k]: v for k, v in values.items() if k in FIELD_KEYS})
            if "NAME" not in values:
                unnamed.append(len(built))
            built.append((i, mass))
        masses = self._name_unnamed([m for _, m in built], unnamed)
        masses = self._tell_apart(masses)
        mass_of = {i: m for (i, _), m in zip(built, masses)}
        for m in masses:
            missing = [f for f in ("NAME", "USE", "FLOORS", "HEIGHT")
                       if getattr(m, FIELD_KEYS[f]) is None or (f == "NAME" and "NAME" not in m.carriers)]
            if missing:
                self.add("DRW-DATA", entity=m.source.handle, layer=m.source.layer,
                         subjects=[m.label], name=m.label, fields=", ".join(missing))
                self.findings[-1].message += self._hint(missing)
        for i, src, field_, kept, other in conflicts:
            name = mass_of[i].label if i in mass_of else "?"
            word = self._carrier_word("text")
            self.add("DRW-CONFLICT", entity=src.handle, layer=src.layer, subjects=[name],
                     name=name, field=field_, winner=word, kept=kept, loser=word, other=other)
        return masses

    def _edge_owner(self, t: _Text, cands: list[int], polys) -> int | None:
        """The outline whose boundary a text stands on or next to (建筑控制线 written on it)."""
        reach = max(2 * t.h, LEADER_REACH_MIN_M)
        best = None
        for i in cands:
            d = polys[i].exterior.distance(Point(t.point))
            if d <= reach and (best is None or d < best[0]):
                best = (d, i)
        return best[1] if best else None

    def _by_leader(self, t: _Text, leaders, owner) -> int | None:
        reach = max(LEADER_REACH_H * t.h, LEADER_REACH_MIN_M)
        for a, b, _src in leaders:
            for near, far in ((a, b), (b, a)):
                if t.box.distance(Point(near)) <= reach:
                    (i,) = owner([far])
                    if i is not None:
                        return i
        return None

    def _by_nearness(self, t: _Text, cands: list[int], polys, data) -> int | None:
        reach = max(NEAR_H * t.h, NEAR_MIN_M)
        if getattr(self, "_near_tree", None) is None or self._near_tree[0] is not cands:
            self._near_tree = (cands, shapely.STRtree([polys[i] for i in cands]))
        hits = self._near_tree[1].query(t.box, predicate="dwithin", distance=reach * NEAR_RATIO)
        near = sorted((t.box.distance(polys[cands[k]]), cands[k]) for k in hits.tolist())
        if not near or near[0][0] > reach:
            return None
        if "NAME" in t.label.fields:    # a named label goes to a nearby outline without a name
            free = [(d, i) for d, i in near if d <= reach and not data[i]["NAME"]]
            if len(free) == 1:
                return free[0][1]
        if len(near) == 1 or near[1][0] >= NEAR_RATIO * max(near[0][0], 1e-9):
            return near[0][1]
        return None

    def _unowned(self, t: _Text) -> None:
        if t.label.label_like:
            self.add("DRW-LABEL-ORPHAN", entity=t.source.handle, layer=t.source.layer,
                     text=t.item.content[:60])
        else:
            self.skip(t.source.layer, "elevation" if t.label.elevation and t.label.empty else "not-label")

    def _not_building(self, o: _Outline, reason: str, enclosed: int) -> None:
        zh = {"underground": "图中文字标明为地下建筑（地库、地下车库）",
              "control line": "图中文字标明为建筑控制线",
              "site": "图中文字标明为用地范围", "parking": "图中文字标明为停车位",
              "zone": f"它围住 {enclosed} 个其他轮廓，是建筑控制线、地库等范围线"}[reason]
        en = {"underground": "a text inside it names it underground (地库, 地下车库)",
              "control line": "a text names it a building control line (建筑控制线)",
              "site": "a text names it the site", "parking": "a text names it parking",
              "zone": f"it encloses {enclosed} other outline(s): a control line or zone such "
                      "as 建筑控制线 or 地库"}[reason]
        self.add("DRW-NOT-BUILDING", entity=o.source.handle, layer=o.source.layer,
                 area=o.polygon.area, reason=en, reason_zh=zh)

    def _inferred(self, zh: str, en: str, o: _Outline | None = None,
                  subjects: list[str] | None = None) -> None:
        kw = {"entity": o.source.handle, "layer": o.source.layer} if o is not None else {}
        self.add("DRW-INFERRED", detail=en, detail_zh=zh, subjects=subjects or [], **kw)

    def _hint(self, missing: list[str]) -> str:
        if self.lang == "zh":
            return ("；可在标注中注明（如 1#、住宅、6F、H=18.6），在单体建筑一览表中列出，"
                    "或在上下文文件 buildings: / default_use: 中给出")
        return ("; it can come from a label (e.g. 1#, 住宅, 6F, H=18.6), a row of the drawing's "
                "单体建筑一览表, or buildings: / default_use: in the context file")

    def _value(self, slot, field_: str):
        by = slot.get(field_) or {}
        return next((by[c] for c in CARRIER_ORDER + ("drawn",) if c in by), None)

    def _table_and_context(self, slot, name: str, single: bool) -> None:
        """Values for a named outline from the schedule table and the context file."""
        sources = []
        if self.schedule is not None and (row := self.schedule.get(name)) is not None:
            sources.append(("schedule table", row.values))
            for f, raw in row.bad:
                self.add("DRW-VALUE", entity="单体建筑一览表", layer=self.schedule.where,
                         field=f, value=str(raw)[:40])
        entry = next((v for k, v in self.ctx.buildings.items() if name_key(k) == name_key(name)), None)
        if entry:
            values = {}
            for key, f in (("use", "USE"), ("floors", "FLOORS"), ("height", "HEIGHT"),
                           ("floor_area", "FLOOR_AREA")):
                if key not in entry:
                    continue
                if f == "USE":
                    use = use_word(str(entry[key])) or glued_use(str(entry[key]))
                    if use is None:
                        self.add("DRW-VALUE", entity="context", layer="buildings", field="USE",
                                 value=str(entry[key])[:40])
                        continue
                    values[f] = use
                else:
                    values[f] = entry[key]
            sources.append(("context", values))
        for carrier, values in sources:
            for f, v in values.items():
                if f != "USE" and not single:
                    continue   # a building of several masses: floors and height are per mass
                slot[f].setdefault(carrier, v)

    def _name_unnamed(self, masses: list[Mass], unnamed: list[int]) -> list[Mass]:
        """Masses without a name are named 未命名-1, -2... (north to south, west to east), so
        that findings name them by something a reader can find, never by a handle."""
        from dataclasses import replace

        order = sorted(unnamed, key=lambda k: (-round(masses[k].outline.centroid.y, 1),
                                               round(masses[k].outline.centroid.x, 1)))
        word = "未命名" if self.lang == "zh" else "unnamed"
        for n, k in enumerate(order, 1):
            masses[k] = replace(masses[k], name=f"{word}-{n}")
        return masses

    def _tell_apart(self, masses: list[Mass]) -> list[Mass]:
        """Existing buildings labelled by what they are (`现状住宅 6F`), not by a name, are told
        apart when several stand apart: 现状住宅-1, 现状住宅-2... (north to south, west to east);
        masses sharing a real name (1#: a podium and its tower) stay one building."""
        from dataclasses import replace

        groups: dict[str, list[int]] = defaultdict(list)
        for k, m in enumerate(masses):
            if m.name and m.status == "existing" and not read_label(m.name).strict_name \
                    and read_label(m.name).existing:
                groups[m.name].append(k)
        for name, ks in groups.items():
            if len(ks) < 2 or shapely.union_all([masses[k].outline for k in ks]).geom_type == "Polygon":
                continue   # one mass, or masses that touch: one building
            order = sorted(ks, key=lambda k: (-round(masses[k].outline.centroid.y, 1),
                                              round(masses[k].outline.centroid.x, 1)))
            for n, k in enumerate(order, 1):
                masses[k] = replace(masses[k], name=f"{name}-{n}")
        return masses

    def _put(self, slot: dict, field_: str, carrier: str, raw: str, src: Source) -> None:
        try:
            value = parse_value(field_, raw)
        except BadValue:
            self.add("DRW-VALUE", entity=src.handle, layer=src.layer, field=field_,
                     value=raw[:40])
            return
        slot[field_].setdefault(carrier, value)

    def _attrib_carrier(self, owner, data) -> None:
        inserts = [i for i in self.expansion.inserts
                   if i.dxf.name.strip().upper() != "PC-NORTH" and getattr(i, "attribs", None)]
        if not inserts:
            return
        pts = [geo.point_to_model(*_wcs_xy(i), self.frame) for i in inserts]
        for insert, idx in zip(inserts, owner(pts)):
            if idx is None:
                continue
            for attrib in insert.attribs:
                tag = _decode(str(attrib.dxf.get("tag", ""))).strip()
                field_ = TAGS.get(tag.upper()) or TAGS.get(tag)
                if field_:
                    self._put(data[idx], field_, "attrib", plain_text(attrib), self._source(insert))

    def _xdata_carrier(self, o: _Outline, slot) -> None:
        if not o.entity.has_xdata("PLANCHECK"):
            return
        for code, value in o.entity.get_xdata("PLANCHECK"):
            if code != 1000 or "=" not in str(value):
                continue
            key, _, raw = str(value).partition("=")
            field_ = key.strip().upper()
            if field_ in FIELDS:
                self._put(slot, field_, "xdata", _decode(raw), o.source)

    def _resolve(self, d, o: _Outline) -> tuple[dict[str, object], dict[str, str]]:
        """Pick each field from the first carrier in priority order; warn where later ones differ."""
        values, carriers = {}, {}
        order_all = CARRIER_ORDER + ("drawn",)
        for field_, by_carrier in d.items():
            order = [c for c in order_all if c in by_carrier]
            if order:
                values[field_], carriers[field_] = by_carrier[order[0]], order[0]
        label = str(values.get("NAME") or "?")
        for field_, by_carrier in d.items():
            winner = carriers.get(field_)
            for loser in (c for c in CARRIER_ORDER if c in by_carrier and c != winner):
                if by_carrier[loser] != by_carrier[winner]:
                    self.add("DRW-CONFLICT", entity=o.source.handle, layer=o.source.layer,
                             subjects=[label], name=label, field=field_,
                             winner=self._carrier_word(winner), kept=by_carrier[winner],
                             loser=self._carrier_word(loser), other=by_carrier[loser])
                    self.findings[-1].extra.update(winner=winner, loser=loser)
        return values, carriers

    def _carrier_word(self, carrier: str) -> str:
        if self.lang != "zh":
            return {"text": "the label"}.get(carrier, carrier)
        return {"attrib": "块属性", "xdata": "XDATA", "text": "标注", "schedule table": "单体建筑一览表",
                "context": "上下文文件", "drawn": "图面"}.get(carrier, carrier)

    def _windows(self, masses: list[Mass], entities: list) -> list[Mass]:
        lines = self._lines(entities)
        if not lines or not masses:
            for _line, src in lines:
                self.add("DRW-WINDOW", entity=src.handle, layer=src.layer, tol=tol.WINDOW_ON_EDGE_M)
            return masses
        rings = [m.outline.exterior for m in masses]
        tree = shapely.STRtree(rings)
        attached: dict[int, list[Window]] = defaultdict(list)
        for line, src in lines:
            cand = tree.query(line, predicate="dwithin", distance=tol.WINDOW_ON_EDGE_M)
            ends = [Point(line.coords[0]), Point(line.coords[-1])]
            hit = next((int(i) for i in cand
                        if all(rings[i].distance(p) <= tol.WINDOW_ON_EDGE_M for p in ends)), None)
            if hit is None:
                self.add("DRW-WINDOW", entity=src.handle, layer=src.layer, tol=tol.WINDOW_ON_EDGE_M)
                continue
            floors, unit = _window_xdata(self._entity(src.handle))
            attached[hit].append(Window(line, src, floors, unit))
        return [_replace_windows(m, tuple(attached[i])) if i in attached else m
                for i, m in enumerate(masses)]

    def _entity(self, handle: str):
        return self.virtual.get(handle) or self.doc.entitydb.get(handle)

    def _buildings(self, masses: list[Mass]) -> tuple[Building, ...]:
        groups: dict[tuple[str, str], list[Mass]] = defaultdict(list)
        for m in masses:
            groups[(m.status, m.label)].append(m)
        return tuple(Building(name=name, status=status, masses=tuple(ms))
                     for (status, name), ms in groups.items())

    # -- roads ---------------------------------------------------------------------------------
    def _road_texts(self, entities: list) -> list[rd.RoadText]:
        """Road names and widths: texts on the road layer (PCDS-1 §5) and on any other layer."""
        out = []
        seen = set()
        road_layer = [(e, True) for e in entities if e.dxftype() in ("TEXT", "MTEXT")]
        others = [(t.entity, False) for t in self.top_texts]
        for e, on_road in road_layer + others:
            h = str(e.dxf.get("handle", ""))
            if h in seen:
                continue
            seen.add(h)
            content = plain_text(e)
            if not content:
                continue
            parsed = parse_road_label(content)
            name = road_name(content) if parsed is None else parsed[0]
            if parsed is None and name is None:
                if on_road:
                    self.skip(_layer(e), "road-text")
                continue
            item = tx.item(e, content)
            if item is None:
                continue
            p = Point(geo.point_to_model(*item.centre(), self.frame))
            out.append(rd.RoadText(p, name, parsed[1] if parsed else None, on_road))
        return out

    def _roads(self, entities: list, centre_entities: list = ()) -> tuple[Road, ...]:
        texts = self._road_texts(entities)
        radius = tol.ROAD_LABEL_RADIUS_M
        roads = []
        for line, src in self._lines(entities, texts_counted=True):
            e = self._entity(src.handle)
            x_name, x_width = self._road_xdata(e, src)
            pieces = rd.split(line)
            for k, piece in enumerate(pieces):
                psrc = src if len(pieces) == 1 else Source(f"{src.handle}:{k + 1}", src.layer, src.entity)
                name, width, width_from = x_name, x_width, "xdata" if x_width is not None else None
                if width is None:
                    t = rd.nearest(piece, texts, radius, "width")
                    if t is not None:
                        width, width_from = t.width, "text"
                        name = name or t.name
                if name is None:
                    t = rd.nearest(piece, texts, radius, "name")
                    if t is not None:
                        name = t.name
                if width is None and name and name in self.ctx.roads:
                    width, width_from = self.ctx.roads[name], "context"
                if width is None:
                    self.add("DRW-ROAD-WIDTH", entity=psrc.handle, layer=psrc.layer,
                             subjects=[name] if name else [], name=name or "?")
                roads.append(Road(piece, psrc, name, width, width_from))
        roads += self._centre_roads(centre_entities, texts, [r.line for r in roads])
        return tuple(roads)

    def _road_xdata(self, e, src: Source) -> tuple[str | None, float | None]:
        name = width = None
        if e is not None and e.has_xdata("PLANCHECK"):
            for code, value in e.get_xdata("PLANCHECK"):
                key, _, raw = str(value).partition("=")
                key = key.strip().upper()
                if code == 1000 and key == "NAME" and raw.strip():
                    name = _decode(raw).strip()
                elif code == 1000 and key == "WIDTH":
                    try:
                        width = parse_value("HEIGHT", raw)
                    except BadValue:
                        self.add("DRW-VALUE", entity=src.handle, layer=src.layer,
                                 field="WIDTH", value=raw[:40])
        return name, width

    def _centre_roads(self, entities: list, texts, drawn: list[LineString]) -> list[Road]:
        """Red lines of roads drawn only by their centre line, from the line and its width."""
        out = []
        radius = tol.ROAD_LABEL_RADIUS_M
        for line, src in self._lines(entities, texts_counted=True):
            self.skip(src.layer, "centre")
            for k, piece in enumerate(rd.split(line)):
                t = rd.nearest(piece, texts, radius, "width")
                name = (t.name if t is not None else None) or getattr(
                    rd.nearest(piece, texts, radius, "name"), "name", None)
                width, width_from = (t.width, "text") if t is not None else (None, None)
                if width is None and name and name in self.ctx.roads:
                    width, width_from = self.ctx.roads[name], "context"
                if width is None:
                    continue
                sides = rd.sides(piece, width, drawn)
                for n, side in enumerate(sides):
                    psrc = Source(f"{src.handle}:{k + 1}{'ab'[n]}", src.layer, "CENTRE-LINE")
                    out.append(Road(side, psrc, name, width, width_from, line_from="centre line"))
                if sides:
                    label = name or src.handle
                    self.add("DRW-INFERRED", entity=src.handle, layer=src.layer,
                             subjects=[name] if name else [],
                             detail_zh=f"道路 {label} 未画道路红线：按中心线 {src.handle} 两侧各 "
                                       f"{width / 2:g} m（红线宽 {width:g} m）推算了 {len(sides)} 条红线",
                             detail=f"road {label} has no red line drawn: {len(sides)} red line(s) "
                                    f"placed {width / 2:g} m either side of centre line {src.handle} "
                                    f"(red-line width {width:g} m)")
        return out

    def _outside(self, buildings: tuple[Building, ...], site: Polygon) -> None:
        for b in buildings:
            if b.status != "proposed":
                continue
            out = b.footprint.difference(site).area
            if out > tol.OUTSIDE_AREA_M2:
                self.add("DRW-OUTSIDE", subjects=[b.name], name=b.name, area=out)

    def _report_skipped(self, layer_info: dict[str, dict]) -> None:
        """One DRW-SKIPPED finding per layer, counting what was not read and why; the counts
        also go to the layer table (report.json drawing.layers[...].not_read)."""
        by_layer: dict[str, dict[str, int]] = defaultdict(dict)
        for (layer, reason), n in sorted(self.skipped.items()):
            by_layer[layer][reason] = n
        for layer, reasons in by_layer.items():
            items = [(n, *SKIP_REASONS[r]) for r, n in reasons.items()]
            self.add("DRW-SKIPPED", layer=layer, count=sum(reasons.values()),
                     items="; ".join(f"{n} {what} ({why})" for n, _wz, what, _yz, why in items),
                     items_zh="；".join(f"{n} {wz}（{yz}）" for n, wz, _w, yz, _y in items))
            self.findings[-1].extra["not_read"] = dict(reasons)
            if layer in layer_info:
                layer_info[layer]["not_read"] = dict(reasons)


def _same(a: Polygon, b: Polygon, rel: float = 0.01) -> bool:
    """Two outlines of one area (their symmetric difference under `rel` of the larger)."""
    if not a.intersects(b):
        return False
    big = max(a.area, b.area)
    try:
        return shapely.symmetric_difference(Polygon(a.exterior), Polygon(b.exterior)).area <= rel * big
    except shapely.errors.GEOSException:  # noqa: PERF203
        return False


def _types(pieces: list[Piece]) -> str:
    """`LINE 4, ARC 2`: what kinds of entity a set of pieces came from."""
    return ", ".join(f"{k} {n}" for k, n in sorted(Counter(p.source.entity for p in pieces).items()))


def _coarse_flatten(e) -> float:
    """A flattening distance good enough for an area estimate, in the entity's own units."""
    try:
        from ezdxf import bbox

        box = bbox.extents([e])
        return max(box.size.x, box.size.y, 1e-9) * 1e-4
    except Exception:  # noqa: BLE001
        return 1e-3


def _wcs_xy(e) -> tuple[float, float]:
    return tx.anchor(e)


def _layer(e) -> str:
    """Layer name, with R2000-2004 `\\U+XXXX` escapes decoded (Chinese layer names)."""
    return _decode(e.dxf.get("layer", "0"))


def _decode(text: str) -> str:
    return decode_escapes(text)


def _window_xdata(entity) -> tuple[tuple[int, int] | None, str | None]:
    floors = unit = None
    if entity is not None and entity.has_xdata("PLANCHECK"):
        for code, value in entity.get_xdata("PLANCHECK"):
            key, _, raw = str(value).partition("=")
            key = key.strip().upper()
            if key == "FLOORS":
                lo, _, hi = raw.partition("-")
                try:
                    floors = (int(lo), int(hi or lo))
                except ValueError:
                    floors = None
            elif key == "UNIT":
                unit = raw.strip()
    return floors, unit


def _replace_windows(m: Mass, windows: tuple[Window, ...]) -> Mass:
    from dataclasses import replace

    return replace(m, windows=windows)


def extract(loaded: LoadedDrawing, ctx: Context, roles: LayerRoles | None = None,
            lang: str = "zh") -> Extraction:
    """Read the site model from a loaded drawing (raises UnitsError if units are undecidable)."""
    return _Extractor(loaded, ctx, roles or LayerRoles.from_map(ctx.layers), lang).run()
