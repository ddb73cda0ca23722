"""`plancheck inspect --suggest`: what each layer of an unknown drawing holds, and a layer map.

For every layer (block contents included, in world coordinates): entity counts, closed
outlines (closed polylines, circles), outlines that close only after chaining its loose
linework (plancheck.extract.chain), and text samples. From the layer names and that content
it proposes a layer map (PCDS-1 §8) as YAML ready to save and pass with `--layers`, with the
reason for every role, and says which roles it found no layer for.

The proposal is a starting point for a person, never used silently: names are matched against
the keywords below, then checked against what the layer holds (an outline role needs closed
outlines, a road needs lines, a label layer needs text). Only the site can also be found
from content alone, when no layer is named like one (`_enclosing_site`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from plancheck import tolerances as tol
from plancheck.extract import blocks as blk
from plancheck.extract import geometry as geo
from plancheck.extract.chain import Piece, chain
from plancheck.extract import hatches
from plancheck.extract.labels import parse_road_label, plain_text, read_label
from plancheck.extract.units import SCALE, declared_units, plausible
from plancheck.model.site import Source
from plancheck.read.dxf import LoadedDrawing, decode_escapes
from plancheck.read.layers import LayerRoles

#: role -> name keywords (regular expressions, case-insensitive), in the order roles are tried.
#: `ignore` and `existing` come first: 地下室轮廓线, 建筑控制线 and 现状建筑 also contain 轮廓 /
#: 建筑; kerbs and centre lines before roads (道路边线, 道路中线 contain 道路), roads before sites
#: (C-ROAD-REDL contains REDL).
KEYWORDS: dict[str, tuple[str, ...]] = {
    "ignore": (r"地下室", r"地库", r"地下车库", r"地下建筑", r"人防", r"basement", r"bsmt",
               r"undr", r"undg", r"控制线", r"退界", r"退让", r"后退线", r"setb", r"ctrl",
               r"车位", r"停车", r"park"),
    "existing": (r"现状", r"保留建筑", r"已建", r"已批", r"现有", r"exist", r"exst"),
    "kerb": (r"(道路|路).*(边线|侧石|路缘|道牙)", r"路缘", r"侧石", r"道牙", r"kerb", r"curb",
             r"(road|rd).*(edge|edgp)"),
    "road-centre": (r"(道路|路).*(中心线|中线)", r"(road|rd).*(cntr|cent|\bcl\b)"),
    "road": (r"道路红线", r"道路", r"road", r"\brd\b", r"street", r"rway"),
    "site": (r"用地红线", r"用地界线", r"用地范围", r"用地边界", r"征地", r"redl", r"prop[-_ ]?line",
             r"[-_]prop\b", r"property", r"site[-_ ]?(bndy|boundary|line)", r"parcel"),
    "building": (r"建筑", r"楼", r"房屋", r"bldg", r"buld", r"buid", r"building", r"footprint",
                 r"bmax", r"roof", r"wall"),  # the last two only when nothing better is found
    "green": (r"绿", r"green", r"plnt", r"grass", r"草坪"),
    "river": (r"河", r"蓝线", r"水系", r"river", r"water", r"hydr"),
    "text": (r"文字", r"标注", r"楼号", r"名称", r"text", r"anno", r"note", r"label"),
}
#: weak building words: used only without a better building layer, and then the best one alone
WEAK_BUILDING = (r"roof", r"wall")
#: names that are never proposed for a role: dimensions, hatches, axes, frames...
NEVER = (r"dim", r"尺寸", r"hatch", r"填充", r"axis", r"轴", r"坐标", r"标高", r"coor", r"elev",
         r"图框", r"边框", r"title", r"表格", r"defpoints", r"tab", r"ttlb", r"frame", r"图签",
         r"图例", r"说明")
OUTLINE_ROLES = ("site", "building", "existing", "green", "ignore")
LINE_TYPES = ("LINE", "LWPOLYLINE", "POLYLINE", "ARC", "SPLINE")
TEXT_TYPES = ("TEXT", "MTEXT", "ATTRIB")
SAMPLES = 3
#: a layer named like no role is proposed for labels when this many of its texts read as
#: building labels or their parts (1#, 6F, H=18.6, 3#楼...)
LABELS_MIN = 2


@dataclass
class LayerStats:
    name: str
    role: str | None                              # what it is read as today (PCDS-1 name / map)
    entities: Counter = field(default_factory=Counter)
    in_blocks: Counter = field(default_factory=Counter)
    closed: int = 0                               # closed polylines, circles, hatches...
    closed_in_blocks: int = 0
    chained: int = 0                              # closed only after chaining loose linework
    loose: int = 0                                # LINE, ARC, open polylines
    largest_m2: float | None = None               # largest closed area, in the proposed unit
    unit: str = "m"                               # the unit the area assumes
    texts: list[str] = field(default_factory=list)
    text_count: int = 0
    building_labels: int = 0                      # whole labels (PCDS-1 §3: name + floors/height)
    label_sample: str = ""
    label_like: int = 0                           # texts that read as (parts of) building labels
    road_labels: int = 0                          # texts with a road width
    hatches: int = 0
    schedule: bool = False                        # holds the 单体建筑一览表

    @property
    def outlines(self) -> int:
        return self.closed + self.chained


@dataclass
class Suggestion:
    layers: list[LayerStats]
    proposal: dict[str, list[tuple[str, str]]]    # role -> [(layer, reason)]
    missing: list[str]                            # roles nothing was proposed for
    units: str                                    # the unit proposed for the drawing
    #: why that unit: the note, $INSUNITS, or the plausible site area
    units_why: str = ""
    #: outlines whose area is impossible for the role proposed: (role, layer, what)
    warnings: list[str] = field(default_factory=list)

    def yaml(self, drawing: str) -> str:
        return to_yaml(self, drawing)


def analyse(loaded: LoadedDrawing, roles: LayerRoles | None = None) -> Suggestion:
    """Per-layer statistics of `loaded` and a proposed layer map."""
    from plancheck.extract.units import unit_from_note

    roles = roles or LayerRoles()
    doc = loaded.doc
    code = doc.header.get("$INSUNITS", 0)
    declared = declared_units(doc)
    top = [e for e in doc.modelspace() if e.dxftype() in ("TEXT", "MTEXT")]
    note = unit_from_note([plain_text(e) for e in top]) if code in (0, None) else None
    if note is not None:
        units, why = note[0], f"the drawing's note '{note[1]}' ($INSUNITS {code} gives no unit)"
    else:
        units, why = declared, f"$INSUNITS {code}" + (" (none: PCDS-1 reads metres)" if code in (0, None) else "")
    schedule_layer = _schedule_layer(top)
    found = _analyse(loaded, roles, units, schedule_layer)
    site = _site_area(found)
    if site is not None and units in SCALE and not plausible(site * SCALE[units] ** 2):
        others = [u for u in SCALE if u != units and plausible(site * SCALE[u] ** 2)]
        if len(others) == 1:
            why += (f"; but the site outline would then be {site * SCALE[units] ** 2:,.6g} m², "
                    f"implausible, and as {others[0]} it is {site * SCALE[others[0]] ** 2:,.1f} m²")
            units = others[0]
            found = _analyse(loaded, roles, units, schedule_layer)
    elif site is not None and units in SCALE:
        why += f"; the site outline is then {site * SCALE[units] ** 2:,.1f} m², plausible"
    found.units, found.units_why = units, why
    found.warnings = _impossible(found)
    return found


def _analyse(loaded: LoadedDrawing, roles: LayerRoles, units: str,
             schedule_layer: str | None) -> Suggestion:
    scale = SCALE.get(units, 1.0)
    flatten = tol.ARC_FLATTEN_M / scale
    stats: dict[str, LayerStats] = {}
    loose: dict[str, list[Piece]] = {}
    polygons: dict[str, list] = {}                # layer -> closed outlines (shapely), drawing units
    for e, from_block in blk.world_entities(loaded.doc.modelspace(), loaded.limits.max_entities):
        layer = _decode(str(e.dxf.get("layer", "0")))
        s = stats.get(layer)
        if s is None:
            s = stats[layer] = LayerStats(layer, roles.role(layer), unit=units,
                                          schedule=layer == schedule_layer)
        (s.in_blocks if from_block else s.entities)[e.dxftype()] += 1
        kind = e.dxftype()
        if kind in TEXT_TYPES:
            _text(s, e)
        elif kind == "HATCH":
            try:
                polys = hatches.polygons(e, flatten)
            except geo.DamagedGeometry:
                continue
            if polys:
                s.hatches += 1
                s.closed += 1
                s.closed_in_blocks += from_block
                polygons.setdefault(layer, []).extend(polys)
        elif kind in geo.OUTLINE_TYPES or kind in geo.LINE_TYPES:
            try:
                shape = geo.shape_of(e, flatten)
            except geo.DamagedGeometry:
                continue
            if shape is None or len(shape.points) == 0:
                continue
            if shape.closed_flag and len(shape.points) >= 3:
                s.closed += 1
                s.closed_in_blocks += from_block
                polygons.setdefault(layer, []).append(_polygon(shape.points))
            else:
                s.loose += 1
                src = Source(str(e.dxf.get("handle", "?")), layer, kind)
                loose.setdefault(layer, []).append(Piece(shape.points, src))
    for layer, pieces in loose.items():
        result = chain(pieces, tol.CHAIN_SNAP_M / scale)
        stats[layer].chained = len(result.outlines)
        polygons.setdefault(layer, []).extend(c.polygon for c in result.outlines)
    raw: dict[str, float] = {}
    for layer, polys in polygons.items():
        if polys:
            raw[layer] = max(p.area for p in polys)
            stats[layer].largest_m2 = raw[layer] * scale ** 2
    ordered = sorted(stats.values(), key=lambda s: s.name)
    proposal, missing = propose(ordered)
    if "site" in missing:
        _enclosing_site(proposal, missing, stats, polygons, scale)
        proposal = {r: proposal[r] for r in KEYWORDS if r in proposal}
    found = Suggestion(ordered, proposal, missing, units)
    found._raw = raw            # the largest area per layer, drawing units²
    return found


def _site_area(found: Suggestion) -> float | None:
    """The site outline's area in drawing units², from the proposal or a PCDS-1 site layer."""
    raw = getattr(found, "_raw", {})
    layers = [layer for layer, _ in found.proposal.get("site", [])]
    layers += [s.name for s in found.layers if s.role == "site"]
    areas = [raw[layer] for layer in layers if layer in raw]
    return max(areas) if areas else None


def _impossible(found: Suggestion) -> list[str]:
    """Areas the proposal cannot be right about: a site outside 50 m² .. 5 km², a building
    outline larger than the site (a zone or a frame, not a building)."""
    out = []
    by_name = {s.name: s for s in found.layers}
    site = _site_area(found)
    scale = SCALE.get(found.units, 1.0)
    site_m2 = site * scale ** 2 if site is not None else None
    for role, entries in found.proposal.items():
        for layer, _ in entries:
            a = by_name[layer].largest_m2
            if a is None:
                continue
            if role == "site" and not plausible(a):
                out.append(f"site layer {layer}: its largest outline is {a:,.6g} m² read as "
                           f"{found.units}, not a plausible site (50 m² .. 5 km²): check the layer "
                           "or pass --units")
            if role in ("building", "existing") and (a > 200_000 or (site_m2 and a > site_m2)):
                out.append(f"{role} layer {layer}: an outline of {a:,.1f} m² is larger than a "
                           "building can be (the site, a zone or a frame?): plancheck does not read "
                           "outlines enclosing other buildings as buildings, but check the layer")
    return out


def _schedule_layer(top) -> str | None:
    """The layer of the drawing's 单体建筑一览表, whose name cells are no building labels."""
    from plancheck.extract import schedule
    from plancheck.extract.texts import item

    items = []
    for e in top:
        content = plain_text(e)
        t = item(e, content) if content else None
        if t is not None:
            items.append((t.content, *t.centre(), t.h, t.rot, t.layer))
    found = schedule.read(items)
    return found.where if found is not None else None


def _text(s: LayerStats, e) -> None:
    content = plain_text(e)
    if not content:
        return
    s.text_count += 1
    if len(s.texts) < SAMPLES and content[:40] not in s.texts:
        s.texts.append(content[:40])
    lab = read_label(content)
    fields, unparsed = lab.fields, lab.unparsed
    if "NAME" in fields and ("FLOORS" in fields or "HEIGHT" in fields) and not unparsed:
        s.building_labels += 1
        s.label_sample = s.label_sample or content[:40]
    if lab.label_like and not s.schedule:
        s.label_like += 1
        s.label_sample = s.label_sample or content[:40]
    if parse_road_label(content):
        s.road_labels += 1


def _polygon(points):
    """A closed ring of (n, 2) points as a polygon, made valid (a bow-tie keeps its area)."""
    from shapely.geometry import Polygon
    from shapely.validation import make_valid

    poly = Polygon(points)
    return poly if poly.is_valid else make_valid(poly)


def _decode(text: str) -> str:
    return decode_escapes(text)


# -- proposing ---------------------------------------------------------------------------------
def propose(layers: list[LayerStats]) -> tuple[dict[str, list[tuple[str, str]]], list[str]]:
    """role -> [(layer, reason)], and the roles for which no layer was found."""
    out: dict[str, list[tuple[str, str]]] = {}
    for s in layers:
        if s.role is not None:       # already read by its PCDS-1 name (or the given map)
            continue
        picked = _pick(s)
        if picked:
            role, reason = picked
            out.setdefault(role, []).append((s.name, reason))
    by_name = {s.name: s for s in layers}
    _one_site(out, by_name)
    _weak_buildings(out, by_name)
    have = set(out) | {s.role for s in layers if s.role}
    missing = [r for r in ("site", "building", "road") if r not in have]
    return {r: out[r] for r in KEYWORDS if r in out}, missing


def _pick(s: LayerStats) -> tuple[str, str] | None:
    name = s.name.strip()
    if any(re.search(p, name, re.IGNORECASE) for p in NEVER):
        return None
    for role, patterns in KEYWORDS.items():
        hit = next((m for p in patterns if (m := re.search(p, name, re.IGNORECASE))), None)
        if hit is None:
            continue
        word = hit.group(0)
        ok, content = _content_fits(role, s)
        if ok:
            return role, f"name contains '{word}'; {content}"
    if s.label_like >= LABELS_MIN and not s.schedule:
        return "text", (f"{s.label_like} of {s.text_count} text(s) read as building labels or their "
                        f"parts (1#, 6F, H=18.6...), e.g. '{s.label_sample}'")
    return None


def _content_fits(role: str, s: LayerStats) -> tuple[bool, str]:
    lines = sum(s.entities[t] + s.in_blocks[t] for t in LINE_TYPES)
    if role in OUTLINE_ROLES:
        if not s.outlines:
            return False, "no closed outline"
        parts = [f"{s.closed} closed outline(s)"] if s.closed else []
        if s.closed_in_blocks:
            parts[-1] += f" ({s.closed_in_blocks} inside blocks)"
        if s.chained:
            parts.append(f"{s.chained} more after chaining {s.loose} loose line(s)")
        parts.append(f"largest {s.largest_m2:,.1f} m² read as {s.unit}")
        return True, ", ".join(parts)
    if role == "road":
        if not lines:
            return False, "no lines"
        extra = f", {s.road_labels} width label(s)" if s.road_labels else ""
        return True, f"{lines} line(s){extra}"
    if role in ("road-centre", "kerb"):
        return (lines > 0, f"{lines} line(s)" + ("; read as centre lines (with a width text they "
                "place red lines where none are drawn)" if role == "road-centre" else
                "; recognised as kerbs, never read as red lines"))
    if role == "river":
        return (lines > 0, f"{lines} line(s)")
    if role == "text":  # only real labels: other text inside an outline would rename it
        if s.schedule:
            return False, "it holds the 单体建筑一览表 (read as a table, not as labels)"
        if not s.building_labels and s.label_like < LABELS_MIN:
            return False, "no building labels"
        return True, (f"{max(s.building_labels, s.label_like)} of {s.text_count} text(s) read as "
                      f"building labels or their parts, e.g. '{s.label_sample}'")
    return False, ""


def _one_site(out: dict[str, list[tuple[str, str]]], stats: dict[str, LayerStats]) -> None:
    """PCDS-1 needs exactly one site outline: keep the best site layer, say why."""
    sites = out.get("site")
    if not sites:
        return
    best = min(sites, key=lambda c: (stats[c[0]].outlines != 1, -(stats[c[0]].largest_m2 or 0)))
    n = stats[best[0]].outlines
    note = "" if n == 1 else f"; it holds {n} closed outlines but PCDS-1 needs exactly one"
    out["site"] = [(best[0], best[1] + note)]


def _enclosing_site(proposal, missing, stats, polygons, scale) -> None:
    """No layer is named like a site: propose the layer whose largest outline is the tightest
    one enclosing every building outline, if its area is plausible for a site (PCDS-1 §2).

    A guess from content only, so the reason says what to check. Not candidates: layers already
    given a role, frames, dimensions and the like (NEVER), and layers holding text, since a
    border or title block encloses everything too and carries text (a named red-line layer
    with its area written on it is found by its name instead).
    """
    from shapely.geometry import MultiPoint

    buildings = [layer for layer, _ in proposal.get("building", [])]
    buildings += [s.name for s in stats.values() if s.role == "building"]
    marks = [p.representative_point() for layer in buildings for p in polygons.get(layer, ())
             if not p.is_empty]
    if not marks:
        return
    taken = {layer for entries in proposal.values() for layer, _ in entries}
    spots = MultiPoint(marks)
    best = None
    for layer, polys in polygons.items():
        s = stats[layer]
        if (layer in taken or s.role is not None or not polys or s.text_count
                or any(re.search(p, layer, re.IGNORECASE) for p in NEVER)):
            continue
        outer = max(polys, key=lambda p: p.area)
        area_m2 = outer.area * scale ** 2
        if plausible(area_m2) and outer.covers(spots) and (best is None or area_m2 < best[1]):
            best = (layer, area_m2)
    if best is None:
        return
    layer, area_m2 = best
    n = stats[layer].outlines
    reason = (f"no layer is named as a site; its largest outline ({area_m2:,.1f} m² read as "
              f"{stats[layer].unit}) encloses all {len(marks)} building outline(s): check that it "
              "is the site boundary")
    if n != 1:
        reason += f"; it holds {n} closed outlines but PCDS-1 needs exactly one"
    proposal["site"] = [(layer, reason)]
    missing.remove("site")


def _weak_buildings(out: dict[str, list[tuple[str, str]]], stats: dict[str, LayerStats]) -> None:
    """Wall / roof layers only stand in for a missing building layer, and only the best one."""
    found = out.get("building", [])
    weak = [c for c in found if _weak(c[0])]
    strong = [c for c in found if not _weak(c[0])]
    if strong or not weak:
        out["building"] = strong
    else:
        best = max(weak, key=lambda c: stats[c[0]].outlines)
        out["building"] = [(best[0], best[1] + "; no better building layer was found")]
    if not out["building"]:
        del out["building"]


def _weak(layer: str) -> bool:
    strong = [p for p in KEYWORDS["building"] if p not in WEAK_BUILDING]
    return not any(re.search(p, layer, re.IGNORECASE) for p in strong)


def to_yaml(s: Suggestion, drawing: str) -> str:
    """The proposal as a layer-map file, one commented line per layer."""
    lines = [f"# plancheck layer map proposed for {drawing} by `plancheck inspect --suggest`.",
             "# Check every line, then save it and run: plancheck check DRAWING --layers FILE",
             "layers:"]
    if not s.proposal:
        lines[-1] = "layers: {}"
    for role, entries in s.proposal.items():
        lines.append(f"  {role}:")
        for layer, reason in entries:
            lines.append(f"    - {_quote(_pattern(layer))}   # {reason}")
    for role in s.missing:
        lines.append(f"# {role}: no layer found; draw it on PC-{_CANON[role]} or add its layer here")
    known = [f"{st.name} ({st.role})" for st in s.layers if st.role]
    if known:
        lines.append(f"# read by their PCDS-1 names already: {', '.join(known)}")
    if s.units_why:
        lines.append(f"# units: {s.units}, from {s.units_why}")
    for w in s.warnings:
        lines.append(f"# check: {w}")
    return "\n".join(lines) + "\n"


_CANON = {"site": "SITE", "building": "BLDG", "road": "ROAD"}


def _pattern(layer: str) -> str:
    """An exact-match pattern for a layer name (glob, or `re:` if it has glob characters)."""
    if any(c in layer for c in "*?["):
        return "re:^" + re.escape(layer.strip()) + "$"
    return layer.strip()


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(s: Suggestion):
    """The per-layer table as a rich renderable (drawing text escaped). The CLI prints the
    YAML (`Suggestion.yaml`) after it, unwrapped, so it can be copied as it is."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    proposed = {layer: role for role, entries in s.proposal.items() for layer, _ in entries}
    t = Table(title=f"Layers 图层 (units: {s.units}, from {s.units_why or 'the drawing'})",
              title_justify="left")
    for col in ("layer", "entities", "closed", "after chaining", "texts", "read as", "proposed"):
        t.add_column(col, overflow="fold")
    for st in s.layers:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(st.entities.items()))
        if st.in_blocks:
            counts += " | in blocks: " + ", ".join(f"{k} {v}" for k, v in sorted(st.in_blocks.items()))
        t.add_row(Text(st.name), Text(counts), str(st.closed), str(st.chained),
                  Text("; ".join(st.texts)), Text(st.role or "—", style="" if st.role else "dim"),
                  Text(proposed.get(st.name, ""), style="bold"))
    return Group(t, Text("Proposed layer map 建议的图层映射:", style="bold italic"))
