"""Existing buildings around the site from a city file (`--context-buildings FILE`).

Reads GeoJSON or CityJSON (`city_files`), or a DXF of existing buildings (read like a PCDS-1
drawing: every building outline on either building layer, with its labels). The buildings
near the scheme become `existing` buildings of the site model, named `ctx:<id> [<name>]`, so
the spacing (and sunlight) rules check the proposed buildings against them.

Heights: a `height` / `measuredHeight` attribute, else the CityJSON geometry's z range, else
levels (`building:levels`, `levels`, `storeysAboveGround`...) x the storey height
(`--storey-height`, default 3.0 m). A height from levels is an estimate: the mass's carrier
says `estimated`, and the report's `context_buildings` note lists those buildings. A building
with neither stays without height (rules report unknown for it, never a guess).

Coordinates: `origin` is where the drawing's origin (0, 0) lies in the context file:
lon, lat for a WGS84 file (projected to metres east / north on a tangent plane with the
WGS84 radii of curvature at that point: within a few km of it, distances are right to
about 1e-4 of their length); metres in the file's projected CRS (e.g. the city grid the
drawing is drawn in; default 0, 0); drawing units for a DXF, which is read in the drawing's
own units and north. Buildings whose centroid lies on the site are dropped (the scheme
replaces them: retained ones belong on the PC-BLDG-EXIST layer), as are those overlapping a
building of the drawing (already drawn). Only buildings within `radius` of a proposed
building are kept; the search over the whole file uses the numba pair kernels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from plancheck.errors import ContextError
from plancheck.extract import city_files as cf
from plancheck.model.site import Building, Mass, SiteModel, Source

#: Storey height (m) used to estimate a height from a level count; the estimate is marked.
DEFAULT_STOREY_HEIGHT_M = 3.0
#: Context buildings farther than this (m) from every proposed building are not loaded: it
#: must exceed the farthest reach of any spacing or sunlight rule (override: --context-radius).
DEFAULT_RADIUS_M = 250.0
#: Overlap (m²) with a building of the drawing that makes a context building a duplicate.
OVERLAP_M2 = 1.0


@dataclass(frozen=True)
class ContextSpec:
    """What the user asked for (CLI flags or the context file's `context_buildings:`)."""

    file: Path
    origin: tuple[float, float] | None = None
    crs: str | None = None        # "wgs84" | "metres"; None: detected from the file
    storey_height_m: float = DEFAULT_STOREY_HEIGHT_M
    radius_m: float = DEFAULT_RADIUS_M


# -- placing --------------------------------------------------------------------------------------

def local_projection(lon0: float, lat0: float):
    """(lon, lat) rows -> metres east / north of (lon0, lat0): a tangent plane with the WGS84
    radii of curvature at the origin (meridional M, prime vertical N)."""
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    s = math.sin(math.radians(lat0))
    w = math.sqrt(1 - e2 * s * s)
    n_r, m_r = a / w, a * (1 - e2) / w ** 3
    kx = n_r * math.cos(math.radians(lat0)) * math.pi / 180.0
    ky = m_r * math.pi / 180.0

    def project(xy: np.ndarray) -> np.ndarray:
        return np.column_stack([(xy[:, 0] - lon0) * kx, (xy[:, 1] - lat0) * ky])

    return project


def _placement(read: cf.Read, spec: ContextSpec):
    """(coordinates -> model frame function, how it was done)."""
    geographic = read.geographic if spec.crs is None else spec.crs == "wgs84"
    if geographic:
        if spec.origin is None:
            raise ContextError(
                f"{spec.file}: the buildings are in WGS84 longitude/latitude; give the drawing "
                "origin's position as --context-origin LON,LAT (or context_buildings.origin)")
        return local_projection(*spec.origin), "local tangent plane (WGS84) at origin"
    ox, oy = spec.origin or (0.0, 0.0)
    return (lambda xy: xy - np.array([ox, oy])), "projected CRS, metres, minus origin"


def _to_model(p: tuple[float, float], scale: float, north: float) -> tuple[float, float]:
    """A drawing point -> the model frame (metres, north-up), as `model.site.Frame` defines it."""
    a = math.radians(90.0 - north)
    x, y = p[0] * scale, p[1] * scale
    return (math.cos(a) * x - math.sin(a) * y, math.sin(a) * x + math.cos(a) * y)


def _mass(rec_id: str, props: dict, outline, name: str, spec: ContextSpec, layer: str,
          fmt: str) -> Mass:
    at = cf.attributes(props)
    height, carriers = at.height_m, {}
    if height is not None:
        carriers["height"] = "context"
    elif at.levels is not None:
        height, carriers["height"] = at.levels * spec.storey_height_m, "estimated"
    if at.levels is not None:
        carriers["floors"] = "context"
    return Mass(outline=outline, status="existing", source=Source(rec_id, layer, fmt), name=name,
                use=at.use, floors=at.levels, height_m=height, carriers=carriers)


def _pieces(outline) -> list:
    """A mass outline is one polygon: a MultiPolygon footprint (two blocks under one id, or what
    repairing a self-intersecting ring leaves) gives one mass per polygon, like a podium and a
    tower drawn under one NAME."""
    if outline is None or outline.is_empty:
        return []
    return [p for p in getattr(outline, "geoms", [outline]) if p.area > 0]


def _building(rec: cf.Record, footprint, fn, spec: ContextSpec, fmt: str) -> Building:
    name = f"ctx:{rec.id}"
    label = cf.attributes(rec.props).name
    if label:
        name += f" {label}"
    layer = f"context:{spec.file.name}"
    masses = [_mass(rec.id, rec.props, p, name, spec, layer, fmt) for p in _pieces(footprint)]
    for part in rec.parts:
        outline = cf.polygonal(shapely.transform(part.footprint, fn))
        masses += [_mass(part.id, part.props, p, name, spec, layer, fmt) for p in _pieces(outline)]
    return Building(name=name, status="existing", masses=tuple(masses))


def _dxf_buildings(spec: ContextSpec, units: str, north: float, lang: str) -> list[Building]:
    """Every building outline of a DXF sharing the site drawing's units and north, moved by
    the origin, floors-only heights estimated."""
    from plancheck.extract.site import extract
    from plancheck.extract.units import SCALE
    from plancheck.read.context import Context
    from plancheck.read.dxf import load
    from plancheck.read.layers import LayerRoles

    ext = extract(load(spec.file), Context(units=units, north=north), LayerRoles.from_map({}), lang)
    ox, oy = _to_model(spec.origin, SCALE[units], north) if spec.origin else (0.0, 0.0)
    layer = f"context:{spec.file.name}"
    out = []
    for b in ext.model.buildings:
        name = f"ctx:{b.name}"
        masses = []
        for m in b.masses:
            h, carriers = m.height_m, dict(m.carriers)
            if h is None and m.floors is not None:
                h, carriers["height"] = m.floors * spec.storey_height_m, "estimated"
            masses.append(replace(m, outline=shapely.transform(m.outline, lambda xy: xy - (ox, oy)),
                                  status="existing", name=name, height_m=h, carriers=carriers,
                                  source=Source(m.source.handle, layer, m.source.entity)))
        out.append(Building(name=name, status="existing", masses=tuple(masses)))
    return out


# -- selecting ------------------------------------------------------------------------------------

def select(model: SiteModel, footprints: np.ndarray, radius_m: float) -> tuple[np.ndarray, dict]:
    """Indices of the footprints (model frame) that matter for this site: within `radius_m`
    of a proposed building (of the site when there is none), not on the site, not drawn."""
    from plancheck.geom import pairs_between

    targets = [m.outline for b in model.proposed for m in b.masses]
    if not targets and model.site is not None:
        targets = [model.site]
    if not len(footprints):
        near = np.empty(0, dtype=np.int64)
    elif targets:
        _, j, _ = pairs_between(cf.objects(targets), footprints, float(radius_m))
        near = np.unique(j)
    else:
        near = np.arange(len(footprints))
    drawn = [b.footprint for b in model.buildings]
    tree = shapely.STRtree(drawn) if drawn else None
    kept, on_site, duplicate = [], 0, 0
    for k in near:
        fp = footprints[k]
        if model.site is not None and model.site.contains(fp.centroid):
            on_site += 1
        elif tree is not None and any(fp.intersection(drawn[i]).area > OVERLAP_M2
                                      for i in tree.query(fp, predicate="intersects")):
            duplicate += 1
        else:
            kept.append(k)
    return np.asarray(kept, dtype=np.int64), {
        "within_radius": int(len(near)), "dropped_on_site": on_site, "dropped_drawn": duplicate}


def add_context(model: SiteModel, spec: ContextSpec, units: str = "m", north: float = 90.0,
                lang: str = "zh") -> tuple[SiteModel, dict]:
    """The model with the nearby context buildings added as existing, and the report note."""
    if not spec.file.exists():
        raise ContextError(f"{spec.file}: no such context-buildings file")
    if not spec.file.is_file():        # a FIFO would block the read, a device never end
        raise ContextError(f"{spec.file}: the context-buildings file is not a regular file "
                           "(a folder, FIFO or device); not read")
    if spec.file.suffix.lower() == ".dxf":
        everything = _dxf_buildings(spec, units, north, lang)
        idx, counts = select(model, cf.objects([b.footprint for b in everything]), spec.radius_m)
        kept = [everything[k] for k in idx]
        note = {"format": "dxf", "crs": "the drawing's own coordinates",
                "projection": "drawing units and north, minus origin", "loaded": len(everything)}
    else:
        read = cf.read_file(spec.file)
        fn, projection = _placement(read, spec)
        placed = shapely.transform(read.footprints, fn) if len(read.footprints) else read.footprints
        idx, counts = select(model, placed, spec.radius_m)
        kept = [_building(read.records[k], placed[k], fn, spec, read.format) for k in idx]
        note = {"format": read.format, "crs": read.crs or ("WGS84" if read.geographic else None),
                "projection": projection, "loaded": len(read.records)}
        if read.attribution:
            note["attribution"] = read.attribution
        if read.license:
            note["license"] = read.license
    note.update({"file": str(spec.file), "origin": list(spec.origin) if spec.origin else None,
                 "storey_height_m": spec.storey_height_m, "radius_m": spec.radius_m, **counts,
                 "used": len(kept),
                 "no_height": sorted(b.name for b in kept if b.height_m is None),
                 "estimated_heights": sorted(b.name for b in kept if any(
                     m.carriers.get("height") == "estimated" for m in b.masses))})
    return replace(model, buildings=model.buildings + tuple(kept)), note


# -- the spec -------------------------------------------------------------------------------------

def parse_spec(raw: Any, base: Path | None, where: str) -> ContextSpec:
    """`context_buildings:` of a context file: a path, or {file, origin, crs, storey_height,
    radius}; a relative file is relative to the context file's folder."""
    if isinstance(raw, str):
        raw = {"file": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("file"), str):
        raise ContextError(f"{where}: context_buildings needs a `file`")
    unknown = [k for k in raw if k not in ("file", "origin", "crs", "storey_height", "radius")]
    if unknown:
        raise ContextError(f"{where}: context_buildings: unknown key(s) "
                           f"{', '.join(cf._clip(k, 40) for k in unknown[:10])}")
    file = Path(raw["file"])
    if base is not None and not file.is_absolute():
        file = base / file
    origin = raw.get("origin")
    if origin is not None:
        origin = parse_pair(origin, f"{where}: context_buildings.origin")
    crs = raw.get("crs")
    if crs not in (None, "wgs84", "metres"):
        raise ContextError(f"{where}: context_buildings.crs must be wgs84 or metres")
    return ContextSpec(file, origin, crs,
                       _positive(raw.get("storey_height", DEFAULT_STOREY_HEIGHT_M), where),
                       _positive(raw.get("radius", DEFAULT_RADIUS_M), where))


def parse_pair(v: Any, what: str) -> tuple[float, float]:
    """`121.49,31.24` or [121.49, 31.24] -> (121.49, 31.24)."""
    parts = v.split(",") if isinstance(v, str) else v
    try:
        x, y = (float(p) for p in parts)
    except (TypeError, ValueError):
        raise ContextError(f"{what} must be two numbers X,Y, not {cf._clip(v)}") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ContextError(f"{what} must be finite numbers")
    return x, y


def _positive(v: Any, where: str) -> float:
    x = cf.number(v)
    if x is None:
        raise ContextError(f"{where}: context_buildings storey_height / radius must be positive numbers")
    return x
