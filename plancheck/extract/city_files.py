"""Read building footprints from city data files: GeoJSON and CityJSON (no placing, no model).

A file becomes a `Read`: one `Record` per building (parts merged into it) and an array of
their footprints in the file's own coordinates. Footprints are built with vectorised shapely
calls, so 100,000 buildings read in seconds; per-building attributes (height, levels, use,
name) are only interpreted for the buildings that end up used (`attributes`).

- GeoJSON: Polygon / MultiPolygon features. Pieces sharing an id are one building clipped at
  tile edges (OSM vector tiles): their footprints are merged. A Tilezen building part
  (`root_id`) with a height of its own becomes a mass of its building; one without adds
  nothing the building's outline lacks and is dropped.
- CityJSON 1.0 - 2.0: each Building, with its BuildingParts, projected to plan: the union of
  its non-vertical surfaces. Its height: an attribute, else the z range of its vertices.
"""

from __future__ import annotations

import gc
import json
import math
import re
from itertools import chain
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from plancheck.errors import ContextError
from plancheck.model.site import USES

OSM_ATTRIBUTION = "© OpenStreetMap contributors"
OSM_LICENSE = "ODbL-1.0"
GEOGRAPHIC_CRS = re.compile(r"(EPSG:*:*(4326|4490|4979|4258)\b|CRS84)", re.IGNORECASE)

HEIGHT_KEYS = ("height", "measuredHeight", "building:height", "bldg_height")
LEVEL_KEYS = ("building:levels", "levels", "building_levels", "storeysAboveGround", "floors")
NAME_KEYS = ("name", "name:zh", "NAME")
USE_KEYS = ("building", "kind_detail", "function", "use", "USE")
#: OSM building=* / Tilezen kind_detail values -> PCDS-1 uses
USE_WORDS = {
    "residential": ("residential", "apartments", "house", "detached", "dormitory", "terrace",
                    "semidetached_house", "bungalow"),
    "office": ("office",),
    "commercial": ("commercial", "retail", "mall", "shop", "supermarket", "bank"),
    "hotel": ("hotel",), "school": ("school", "university", "college"),
    "kindergarten": ("kindergarten",), "hospital": ("hospital",),
    "industrial": ("industrial", "warehouse", "factory", "manufacture"),
}
GENERIC = {"yes", "building", "building_part", "true", ""}
Z_RANGE = "_z_range"      # CityJSON: the height its geometry spans, when no attribute says


@dataclass
class Part:
    id: str
    footprint: Any           # shapely Polygon / MultiPolygon, file coordinates
    props: dict


@dataclass
class Record:
    """One building: its id, its attributes (raw), its parts with heights of their own."""

    id: str
    props: dict
    parts: list[Part] = field(default_factory=list)


@dataclass
class Read:
    format: str
    records: list[Record]
    footprints: np.ndarray   # object array aligned with records, file coordinates
    geographic: bool
    crs: str | None
    attribution: str | None = None
    license: str | None = None


@dataclass(frozen=True)
class Attributes:
    name: str | None
    height_m: float | None
    height_from: str | None  # the attribute that gave it, or "z-range"
    levels: int | None
    use: str | None


# -- attributes -----------------------------------------------------------------------------------

_NUMBER = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(m|米|metres|meters)?\s*$", re.IGNORECASE)


def number(v: Any) -> float | None:
    """A positive finite number from 12, 12.5, "12", "12 m"; None for anything else."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        x = float(v)
    else:
        m = _NUMBER.match(str(v))
        if not m:
            return None
        x = float(m.group(1))
    return x if math.isfinite(x) and x > 0 else None


def _first(props: dict, keys: tuple[str, ...]) -> tuple[str | None, Any]:
    for k in keys:
        if props.get(k) not in (None, ""):
            return k, props[k]
    return None, None


def _use(props: dict) -> str | None:
    for k in USE_KEYS:
        word = str(props.get(k) or "").strip().lower()
        if word in GENERIC:
            continue
        if word in USES:
            return word
        return next((use for use, words in USE_WORDS.items() if word in words), "other")
    return None


def attributes(props: dict) -> Attributes:
    key, value = _first(props, HEIGHT_KEYS)
    height = number(value)
    if height is None and number(props.get(Z_RANGE)) is not None:
        key, height = "z-range", number(props[Z_RANGE])
    _, levels = _first(props, LEVEL_KEYS)
    levels = number(levels)
    _, name = _first(props, NAME_KEYS)
    return Attributes(str(name).strip() if name not in (None, "") else None, height,
                      key if height is not None else None,
                      int(round(levels)) if levels is not None else None, _use(props))


# -- geometry -------------------------------------------------------------------------------------

def polygonal(geom) -> Any | None:
    """The polygonal part of a geometry (repaired), or None when nothing with area is left."""
    if geom is None or geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    polys = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, (Polygon, MultiPolygon))]
    polys = [p for g in polys for p in getattr(g, "geoms", [g]) if p.area > 0]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def _ring(coords) -> np.ndarray | None:
    try:
        ring = np.asarray(coords, dtype=float)[:, :2]
    except (ValueError, TypeError, IndexError):
        return None
    if len(ring) and not np.array_equal(ring[0], ring[-1]):
        ring = np.vstack([ring, ring[:1]])
    return ring if len(ring) >= 4 and np.isfinite(ring).all() else None


def _polygon_slow(geom: dict):
    t, c = geom.get("type"), geom.get("coordinates")
    try:
        if t == "Polygon":
            rings = [_ring(r) for r in c]
            return Polygon(rings[0], [r for r in rings[1:] if r is not None]) if rings[0] is not None else None
        if t == "MultiPolygon":
            polys = [_polygon_slow({"type": "Polygon", "coordinates": p}) for p in c]
            return MultiPolygon([p for p in polys if p is not None]) if any(polys) else None
    except (TypeError, ValueError, IndexError, shapely.errors.GEOSException):
        return None
    return None


def geojson_geometries(geoms: list[dict]) -> np.ndarray:
    """GeoJSON geometry objects -> shapely polygons (None where unusable). Polygons without
    holes, nearly all buildings, are built in one vectorised call; the rest one by one."""
    out = np.full(len(geoms), None, dtype=object)
    simple, rings = [], []
    for k, g in enumerate(geoms):
        c = g.get("coordinates")
        if (g.get("type") == "Polygon" and isinstance(c, list) and len(c) == 1
                and isinstance(c[0], list) and len(c[0]) >= 3):
            ring = c[0] if c[0][0] == c[0][-1] else c[0] + c[0][:1]
            if len(ring) >= 4:
                simple.append(k)
                rings.append(ring)
        else:
            out[k] = _polygon_slow(g)
    if simple:
        simple, flat, lens = _flatten(simple, rings)
        if simple:
            idx = np.repeat(np.arange(len(lens)), lens)
            out[simple] = shapely.polygons(shapely.linearrings(flat, indices=idx))
    present = np.flatnonzero(out != None)  # noqa: E711 - element-wise over an object array
    bad = present[~shapely.is_valid(out[present]) | (shapely.area(out[present]) <= 0)]
    for k in bad:
        out[k] = polygonal(out[k])
    return out


def _flatten(keys: list[int], rings: list[list]) -> tuple[list[int], np.ndarray, list[int]]:
    """All rings' (x, y) in one array; rings with bad or non-finite coordinates left out."""
    try:
        flat = np.asarray(list(chain.from_iterable(rings)), dtype=float)
        if flat.ndim != 2 or flat.shape[1] < 2:
            raise ValueError
    except (ValueError, TypeError):          # ragged (some with z) or junk: ring by ring
        arrays = [_ring(r) for r in rings]
        keep = [n for n, a in enumerate(arrays) if a is not None]
        return ([keys[n] for n in keep], np.concatenate([arrays[n] for n in keep]) if keep else
                np.empty((0, 2)), [len(arrays[n]) for n in keep])
    flat = flat[:, :2]
    lens = [len(r) for r in rings]
    starts = np.cumsum([0] + lens[:-1])
    finite = np.logical_and.reduceat(np.isfinite(flat).all(axis=1), starts)
    if finite.all():
        return keys, flat, lens
    rows = np.repeat(finite, lens)
    keep = np.flatnonzero(finite)
    return [keys[n] for n in keep], flat[rows], [lens[n] for n in keep]


def objects(items: list) -> np.ndarray:
    """A 1-D object array of geometries (numpy must not look inside them)."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _merge(pieces: list[tuple[Any, dict]]) -> tuple[Any, dict]:
    """Pieces of one building: union of footprints, first non-empty value of each property."""
    props: dict = {}
    for _, p in pieces:
        props.update({k: v for k, v in p.items() if props.get(k) in (None, "")})
    fp = pieces[0][0] if len(pieces) == 1 else polygonal(shapely.union_all([g for g, _ in pieces]))
    return fp, props


# -- GeoJSON --------------------------------------------------------------------------------------

def read_geojson(doc: dict, path: Path) -> Read:
    features = doc.get("features") if doc.get("type") == "FeatureCollection" else [doc]
    if not isinstance(features, list):
        raise ContextError(f"{path}: a GeoJSON FeatureCollection needs a `features` list")
    features = [f for f in features if isinstance(f, dict) and isinstance(f.get("geometry"), dict)]
    geoms = geojson_geometries([f["geometry"] for f in features])
    groups: dict[str, dict[str, list]] = {}
    osm = "openstreetmap" in f"{doc.get('attribution', '')} {doc.get('license', '')}".lower()
    for n, (f, geom) in enumerate(zip(features, geoms)):
        if geom is None:
            continue
        props = f.get("properties") or {}
        osm = osm or "openstreetmap" in str(props.get("source", "")).lower()
        fid = str(f.get("id", props.get("id", props.get("osm_id", props.get("@id", n)))))
        root = props.get("root_id")   # Tilezen building parts point at their building
        groups.setdefault(str(root) if root is not None else fid, {}).setdefault(fid, []).append(
            (geom, props))
    records, footprints = [], []
    for gid, by_id in groups.items():
        merged = {fid: _merge(pieces) for fid, pieces in by_id.items()}
        main = gid if gid in merged else next(iter(merged))
        fp, props = merged.pop(main)
        if fp is None:
            continue
        parts = [Part(fid, pfp, pprops) for fid, (pfp, pprops) in merged.items()
                 if pfp is not None and attributes(pprops).height_m is not None]
        records.append(Record(main, props, parts))
        footprints.append(fp)
    crs_member = doc.get("crs")
    crs = crs_member.get("properties", {}).get("name") if isinstance(crs_member, dict) else None
    fps = objects(footprints)
    return Read("geojson", records, fps, _geographic(crs, fps), crs,
                OSM_ATTRIBUTION if osm else (doc.get("attribution") or None),
                OSM_LICENSE if osm else (doc.get("license") or None))


def _geographic(crs: str | None, footprints: np.ndarray) -> bool:
    """A named geographic CRS; or, with no CRS named, coordinates that fit lon/lat ranges."""
    if crs:
        return bool(GEOGRAPHIC_CRS.search(crs))
    if not len(footprints):
        return False
    b = shapely.total_bounds(footprints)
    return bool(b[0] >= -180 and b[2] <= 180 and b[1] >= -90 and b[3] <= 90)


# -- CityJSON -------------------------------------------------------------------------------------

#: geometry type -> nesting depth of the surfaces in `boundaries`
SURFACE_DEPTH = {"MultiSurface": 1, "CompositeSurface": 1, "Solid": 2, "MultiSolid": 3,
                 "CompositeSolid": 3}


class _Bad(ValueError):
    """A malformed CityJSON part; the reader names the file and the object."""


def _surfaces(boundaries, depth: int):
    """Yield the surfaces (lists of rings of vertex indices) of a CityJSON boundary array."""
    if not isinstance(boundaries, list):
        raise _Bad("boundaries must be nested lists of vertex indices")
    if depth == 0:
        yield boundaries
    else:
        for b in boundaries:
            yield from _surfaces(b, depth - 1)


def _indices(ring, n: int) -> np.ndarray:
    """A ring of vertex indices, each an integer in 0..n-1 (a negative index would silently take
    a vertex from the end of the list)."""
    if not isinstance(ring, list) or not all(type(i) is int for i in ring):
        raise _Bad("a ring must be a list of integer vertex indices")
    arr = np.asarray(ring, dtype=np.int64)
    if len(arr) and (arr.min() < 0 or arr.max() >= n):
        bad = int(arr[(arr < 0) | (arr >= n)][0])
        raise _Bad(f"vertex index {bad} is outside the {n:,} vertices (0..{n - 1})")
    return arr


def _plan(members: list[dict], verts: np.ndarray) -> tuple[Any, float | None]:
    """(footprint, z range) of a building and its parts."""
    polys, used = [], []
    for m in members:
        geometry = m.get("geometry", [])
        if not isinstance(geometry, list):
            raise _Bad("geometry must be a list")
        for g in geometry:
            if not isinstance(g, dict):
                raise _Bad("each geometry must be an object")
            depth = SURFACE_DEPTH.get(g.get("type"))
            if depth is None:
                continue
            for surface in _surfaces(g.get("boundaries"), depth):
                rings = [_indices(r, len(verts)) for r in surface]
                rings = [r for r in rings if len(r) >= 3]
                if not rings:
                    continue
                used.extend(rings)
                p = polygonal(Polygon(verts[rings[0], :2], [verts[r, :2] for r in rings[1:]]))
                if p is not None and p.area > 1e-6:      # vertical walls have no plan area
                    polys.append(p)
    fp = polygonal(shapely.union_all(polys)) if polys else None
    z = verts[np.concatenate(used), 2] if used else None
    return fp, (float(z.max() - z.min()) if z is not None else None)


def _triple(v, what: str) -> np.ndarray:
    try:
        arr = np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.shape != (3,) or not np.isfinite(arr).all():
        raise _Bad(f"{what} must be three finite numbers")
    return arr


def _vertices(doc: dict) -> np.ndarray:
    raw = doc.get("vertices")
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise _Bad("vertices must be a list of [x, y, z]")
    try:
        verts = np.asarray(raw, dtype=float) if raw else np.empty((0, 3))
    except (TypeError, ValueError):
        raise _Bad("vertices must be a list of [x, y, z] numbers") from None
    if verts.ndim != 2 or verts.shape[1] != 3 or not np.isfinite(verts).all():
        raise _Bad("vertices must be a list of [x, y, z] finite numbers")
    tr = doc.get("transform")
    if tr is not None:
        if not isinstance(tr, dict):
            raise _Bad("transform must be an object with scale and translate")
        verts = verts * _triple(tr.get("scale"), "transform.scale") + _triple(
            tr.get("translate"), "transform.translate")
    return verts


def read_cityjson(doc: dict, path: Path) -> Read:
    """CityJSON buildings; anything malformed is one ContextError naming the file and object."""
    oid = None
    try:
        verts = _vertices(doc)
        city_objects = doc.get("CityObjects") or {}
        if not isinstance(city_objects, dict):
            raise _Bad("CityObjects must be an object of id -> city object")
        records, footprints = [], []
        for oid, obj in city_objects.items():
            if not isinstance(obj, dict):
                raise _Bad("a city object must be an object")
            if obj.get("type") != "Building":
                continue
            children = obj.get("children", [])
            if not isinstance(children, list) or not all(isinstance(c, str) for c in children):
                raise _Bad("children must be a list of city-object ids")
            members = [obj] + [city_objects[c] for c in children if c in city_objects]
            if not all(isinstance(m, dict) for m in members):
                raise _Bad("a child must be a city object")
            fp, z_range = _plan(members, verts)
            if fp is None:
                continue
            attrs = obj.get("attributes") or {}
            if not isinstance(attrs, dict):
                raise _Bad("attributes must be an object")
            records.append(Record(oid, {**attrs, Z_RANGE: z_range}))
            footprints.append(fp)
    except _Bad as exc:
        where = f" object {_clip(oid)}" if oid is not None else ""
        raise ContextError(f"{path}: malformed CityJSON{where}: {exc}") from None
    rs = (doc.get("metadata") or {}).get("referenceSystem") if isinstance(doc.get("metadata"), dict) else None
    fps = objects(footprints)
    return Read("cityjson", records, fps, bool(rs and GEOGRAPHIC_CRS.search(str(rs))), rs)


def _clip(value: Any, limit: int = 60) -> str:
    """A value for a message, never longer than `limit` (an alias bomb's repr is gigabytes)."""
    text = repr(value) if isinstance(value, str) else (
        repr(value) if isinstance(value, (int, float)) else f"a {type(value).__name__}")
    return text if len(text) <= limit else text[:limit] + "…'"


def read_file(path: Path) -> Read:
    """GeoJSON or CityJSON, told apart by content (not by extension)."""
    gc.disable()       # 100,000s of small dicts and lists: the cyclic collector only slows it
    try:
        return _read_file(path)
    finally:
        gc.enable()


def _read_file(path: Path) -> Read:
    import os

    from plancheck.read.context import read_regular

    limit = int(float(os.environ.get("PLANCHECK_MAX_FILE_MB", 200)) * 2**20)
    data = read_regular(path, "context buildings file", limit, "PLANCHECK_MAX_FILE_MB")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ContextError(f"{path}: not a GeoJSON or CityJSON file ({exc})") from None
    except RecursionError:
        raise ContextError(f"{path}: not a usable GeoJSON or CityJSON file (nested too deeply)") from None
    if not isinstance(doc, dict):
        raise ContextError(f"{path}: not a GeoJSON or CityJSON file")
    if doc.get("type") == "CityJSON":
        return read_cityjson(doc, path)
    if doc.get("type") in ("FeatureCollection", "Feature"):
        return read_geojson(doc, path)
    raise ContextError(f"{path}: not a GeoJSON FeatureCollection or a CityJSON file")
