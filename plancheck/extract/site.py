"""Read a PCDS-1 drawing into a SiteModel, with the drawing findings met on the way."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon

from plancheck import tolerances as tol
from plancheck.extract import blocks as blk
from plancheck.extract import geometry as geo
from plancheck.extract import units as un
from plancheck.extract.chain import Piece, chain
from plancheck.extract.labels import FIELDS, TAGS, BadValue, parse_label, parse_road_label, \
    parse_value, plain_text
from plancheck.findings import Finding, drawing_finding
from plancheck.model.site import Building, Frame, GreenArea, Mass, River, Road, SiteModel, \
    Source, Window
from plancheck.read.context import Context
from plancheck.read.dxf import LoadedDrawing, decode_escapes
from plancheck.read.layers import LayerRoles

OUTLINE_ROLES = ("site", "building", "existing", "green")
LINE_ROLES = ("road", "river", "window")
LABEL_ROLES = ("building", "existing", "text")
CARRIER_ORDER = ("attrib", "xdata", "text")
FIELD_KEYS = {"NAME": "name", "USE": "use", "FLOORS": "floors", "HEIGHT": "height_m",
              "FLOOR_AREA": "floor_area_m2"}


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


@dataclass
class _Outline:
    entity: object
    role: str
    source: Source
    polygon: Polygon


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

    def add(self, code: str, **kw) -> None:
        self.findings.append(drawing_finding(code, self.lang, **kw))

    # -- orchestration -------------------------------------------------------------------------
    def run(self) -> Extraction:
        by_role, layer_info = self._sort_by_role()
        self._file_findings()
        declared = un.declared_units(self.doc)
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
        masses = self._masses(outlines["building"] + outlines["existing"], by_role)
        masses = self._windows(masses, by_role["window"])
        buildings = self._buildings(masses)
        roads = self._roads(by_role["road"])
        rivers = tuple(River(line, src) for line, src in self._lines(by_role["river"]))
        greens = tuple(GreenArea(o.polygon, o.source) for o in outlines["green"])
        if site is not None:
            self._outside(buildings, site)
        model = SiteModel(site=site, buildings=buildings, roads=roads, greens=greens,
                          rivers=rivers, frame=self.frame)
        return Extraction(model, self.findings, declared, used, north, north_from, layer_info,
                          len(self.msp))

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
                src = self._source(e)
                self.add("DRW-DAMAGED", entity=src.handle, layer=src.layer, entity_type=src.entity,
                         reason=str(exc))
            return False

    def _outlines(self, entities: list, role: str) -> list[_Outline]:
        out, ignored, loose = [], Counter(), []
        for e in entities:
            kind = e.dxftype()
            if kind in ("TEXT", "MTEXT", "INSERT", "ATTRIB", "HATCH", "DIMENSION", "POINT"):
                continue  # labels, carriers and annotation are read elsewhere
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
            if poly is not None:
                out.append(_Outline(e, role, src, poly))
        out += self._chained(loose, role)
        for (kind, layer), n in sorted(ignored.items()):
            self.add("DRW-IGNORED", layer=layer, count=n, entity_type=kind)
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

    def _chained(self, loose: list[Piece], role: str) -> list[_Outline]:
        """Closed outlines chained from loose pieces; what stays open is reported."""
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
            out.append(_Outline(carrier, role, src, c.polygon))
        by_layer: dict[str, list[Piece]] = defaultdict(list)
        for p in result.leftover:
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

    def _lines(self, entities: list) -> list[tuple[LineString, Source]]:
        out = []
        for e in entities:
            if e.dxftype() not in geo.LINE_TYPES:
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

    # -- building data -------------------------------------------------------------------------
    def _masses(self, outlines: list[_Outline], by_role: dict[str, list]) -> list[Mass]:
        if not outlines:
            return []
        polys = [o.polygon for o in outlines]
        areas = np.array([p.area for p in polys])
        tree = shapely.STRtree(polys)
        # field -> carrier -> value, per outline index
        data: list[dict[str, dict[str, object]]] = [defaultdict(dict) for _ in outlines]

        def owner(points: list[tuple[float, float]]) -> list[int | None]:
            """Index of the smallest outline containing each point (nesting rule)."""
            if not points:
                return []
            pt_idx, poly_idx = tree.query(shapely.points(points), predicate="within")
            best: dict[int, int] = {}
            for p, q in zip(pt_idx.tolist(), poly_idx.tolist()):
                if p not in best or areas[q] < areas[best[p]]:
                    best[p] = q
            return [best.get(i) for i in range(len(points))]

        self._attrib_carrier(owner, data)
        for i, o in enumerate(outlines):
            self._xdata_carrier(o, data[i])
        self._text_carrier(owner, by_role, data, outlines)

        masses = []
        for o, d in zip(outlines, data):
            values, carriers = self._resolve(o, d)
            status = "existing" if o.role == "existing" else "proposed"
            mass = Mass(outline=o.polygon, status=status, source=o.source, carriers=carriers,
                        **{FIELD_KEYS[k]: v for k, v in values.items()})
            missing = [f for f in ("NAME", "USE", "FLOORS", "HEIGHT") if f not in values]
            if missing:
                self.add("DRW-DATA", entity=o.source.handle, layer=o.source.layer,
                         subjects=[mass.label], name=mass.label, fields=", ".join(missing))
            masses.append(mass)
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
                field_ = TAGS.get(attrib.dxf.tag.strip().upper()) or TAGS.get(attrib.dxf.tag.strip())
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

    def _text_carrier(self, owner, by_role, data, outlines) -> None:
        texts = [e for r in LABEL_ROLES for e in by_role[r] if e.dxftype() in ("TEXT", "MTEXT")]
        if not texts:
            return
        pts = [geo.point_to_model(*_wcs_xy(t), self.frame) for t in texts]
        for t, idx in zip(texts, owner(pts)):
            content = plain_text(t)
            src = self._source(t)
            if not content:
                continue
            if idx is None:
                self.add("DRW-LABEL-ORPHAN", entity=src.handle, layer=src.layer, text=content[:60])
                continue
            fields_, _unparsed = parse_label(content)
            for field_, value in fields_.items():
                slot = data[idx][field_]
                if "text" in slot and slot["text"] != value:
                    self.add("DRW-CONFLICT", entity=src.handle, layer=src.layer,
                             name=f"#{outlines[idx].source.handle}", field=field_,
                             winner="text", kept=slot["text"], loser="text", other=value)
                slot.setdefault("text", value)

    def _resolve(self, o: _Outline, d) -> tuple[dict[str, object], dict[str, str]]:
        """Pick each field from the first carrier in priority order; warn where later ones differ."""
        values, carriers = {}, {}
        for field_, by_carrier in d.items():
            order = [c for c in CARRIER_ORDER if c in by_carrier]
            if order:
                values[field_], carriers[field_] = by_carrier[order[0]], order[0]
        label = str(values.get("NAME") or f"#{o.source.handle}")
        for field_, by_carrier in d.items():
            winner = carriers.get(field_)
            for loser in (c for c in CARRIER_ORDER if c in by_carrier and c != winner):
                if by_carrier[loser] != by_carrier[winner]:
                    self.add("DRW-CONFLICT", entity=o.source.handle, layer=o.source.layer,
                             subjects=[label], name=label, field=field_, winner=winner,
                             kept=by_carrier[winner], loser=loser, other=by_carrier[loser])
        return values, carriers

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
    def _roads(self, entities: list) -> tuple[Road, ...]:
        labels = []
        for t in entities:
            if t.dxftype() in ("TEXT", "MTEXT"):
                parsed = parse_road_label(plain_text(t))
                if parsed:
                    labels.append((Point(geo.point_to_model(*_wcs_xy(t), self.frame)), parsed))
        roads = []
        for line, src in self._lines(entities):
            name, width, width_from = None, None, None
            e = self._entity(src.handle)
            if e is not None and e.has_xdata("PLANCHECK"):
                for code, value in e.get_xdata("PLANCHECK"):
                    key, _, raw = str(value).partition("=")
                    key = key.strip().upper()
                    if code == 1000 and key == "NAME" and raw.strip():
                        name = _decode(raw).strip()
                    elif code == 1000 and key == "WIDTH":
                        try:
                            width, width_from = parse_value("HEIGHT", raw), "xdata"
                        except BadValue:
                            self.add("DRW-VALUE", entity=src.handle, layer=src.layer,
                                     field="WIDTH", value=raw[:40])
            if width is None and labels:
                dist, (label_name, label_width) = min(
                    ((line.distance(p), parsed) for p, parsed in labels), key=lambda t: t[0])
                if dist <= tol.ROAD_LABEL_RADIUS_M:
                    width, width_from = label_width, "text"
                    name = name or label_name
            if width is None and name and name in self.ctx.roads:
                width, width_from = self.ctx.roads[name], "context"
            if width is None:
                self.add("DRW-ROAD-WIDTH", entity=src.handle, layer=src.layer,
                         subjects=[name] if name else [], name=name or "?")
            roads.append(Road(line, src, name, width, width_from))
        return tuple(roads)

    def _outside(self, buildings: tuple[Building, ...], site: Polygon) -> None:
        for b in buildings:
            if b.status != "proposed":
                continue
            out = b.footprint.difference(site).area
            if out > tol.OUTSIDE_AREA_M2:
                self.add("DRW-OUTSIDE", subjects=[b.name], name=b.name, area=out)


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
    p = e.dxf.insert
    if e.dxftype() in ("TEXT", "INSERT", "ATTRIB") and e.dxf.hasattr("extrusion"):
        p = e.ocs().to_wcs(p)
    return float(p.x), float(p.y)


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
