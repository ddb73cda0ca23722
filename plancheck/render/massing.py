"""The white model (白模): every mass extruded from the ground to its HEIGHT, from report data.

Built from report.json alone (`report["buildings"][i]["masses"][j]` outlines, holes and
heights, site, roads, greens, rivers) so a saved report re-renders without the drawing.
Coordinates stay in the report's drawing frame (metres, Z up), shifted by `origin(report)` so
that float32 consumers (GLB, GPUs) keep millimetre precision far from the drawing origin.

A mass without a HEIGHT is not guessed: it is drawn as a thin slab (`UNKNOWN_SLAB_M`) with
`height_known = False`, and the figures colour it as unknown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
import trimesh
from shapely.geometry import LineString, Polygon

#: Thickness of the slab drawn for a mass whose HEIGHT is missing (not a height: a marker).
UNKNOWN_SLAB_M = 0.3
#: Ground geometry is drawn this far above z = 0 (site, greens, roads) so it never z-fights.
GROUND_Z = {"site": 0.02, "road": 0.04, "green": 0.06, "river": 0.06}
#: RGBA 0-255 colours of the white model.
COLOURS = {
    "proposed": (236, 236, 230, 255), "existing": (168, 168, 172, 255),
    "unknown": (245, 190, 70, 255), "site": (214, 226, 206, 255), "road": (236, 204, 198, 255),
    "green": (150, 196, 130, 255), "river": (120, 170, 220, 255),
}


@dataclass(frozen=True)
class Solid:
    """One extruded mass of a building, in the shifted frame (see `origin`)."""

    building: str
    status: str               # proposed | existing
    mass: int                 # index in the building's masses
    footprint: Polygon        # shifted, holes kept
    height_m: float | None
    mesh: trimesh.Trimesh

    @property
    def height_known(self) -> bool:
        return self.height_m is not None

    @property
    def top(self) -> float:
        return self.height_m if self.height_m is not None else UNKNOWN_SLAB_M


def origin(report: dict) -> tuple[float, float]:
    """A round local origin near the drawing's content (lower-left of everything, floored to 100 m)."""
    xs, ys = [], []
    for pts in _all_points(report):
        xs.append(min(p[0] for p in pts))
        ys.append(min(p[1] for p in pts))
    if not xs:
        return (0.0, 0.0)
    return (math.floor(min(xs) / 100.0) * 100.0, math.floor(min(ys) / 100.0) * 100.0)


def _all_points(report: dict):
    for b in report.get("buildings", []):
        for m in b["masses"]:
            yield m["outline"]
    if report.get("site"):
        yield report["site"]["outline"]
    for r in report.get("roads", []):
        yield r["line"]


def polygon(outline, holes=(), shift=(0.0, 0.0)) -> Polygon:
    """A valid shapely polygon from report rings, shifted by -shift."""
    ox, oy = shift
    ring = [(x - ox, y - oy) for x, y in outline]
    inner = [[(x - ox, y - oy) for x, y in h] for h in holes or ()]
    poly = Polygon(ring, inner)
    return poly if poly.is_valid else shapely.make_valid(poly).buffer(0)


def extrude(footprint: Polygon, height: float) -> trimesh.Trimesh:
    """A closed prism from z = 0 to `height` (holes respected)."""
    if footprint.geom_type != "Polygon":  # make_valid may split a bow-tie into parts
        parts = [extrude(p, height) for p in getattr(footprint, "geoms", []) if p.area > 0]
        return trimesh.util.concatenate(parts) if parts else trimesh.Trimesh()
    return trimesh.creation.extrude_polygon(footprint, height)


def solids(report: dict, shift: tuple[float, float] | None = None) -> list[Solid]:
    """Every mass of every building, extruded, in report order."""
    shift = origin(report) if shift is None else shift
    out = []
    for b in report.get("buildings", []):
        for k, m in enumerate(b["masses"]):
            foot = polygon(m["outline"], m.get("holes", ()), shift)
            h = m.get("height_m")
            out.append(Solid(b["name"], b["status"], k, foot, h,
                             extrude(foot, h if h is not None and h > 0 else UNKNOWN_SLAB_M)))
    return out


def _coloured(mesh: trimesh.Trimesh, rgba) -> trimesh.Trimesh:
    # vertex colours, not face colours: GLB export of face colours needs scipy (stack notes §1)
    mesh.visual = trimesh.visual.ColorVisuals(mesh, vertex_colors=np.tile(rgba, (len(mesh.vertices), 1)))
    return mesh


def _flat(poly: Polygon, z: float) -> trimesh.Trimesh | None:
    """A horizontal polygon at height z (both faces, so it shows from below too)."""
    if poly.is_empty or poly.area <= 0:
        return None
    polys = [poly] if poly.geom_type == "Polygon" else [g for g in poly.geoms if g.area > 0]
    meshes = []
    for p in polys:
        v2, f = trimesh.creation.triangulate_polygon(p)
        v = np.column_stack([v2, np.full(len(v2), z)])
        meshes.append(trimesh.Trimesh(v, np.vstack([f, f[:, ::-1]]), process=False))
    return trimesh.util.concatenate(meshes)


def road_strip(line: LineString, width: float | None, site: Polygon | None) -> Polygon | None:
    """The road reservation beside a red line: a strip of the road's width on the side away from
    the site (a red line is the road's edge, PCDS-1 §5). None without a width."""
    if not width or line.length <= 0:
        return None
    left = line.buffer(width, single_sided=True)
    right = line.buffer(-width, single_sided=True)
    if site is None:
        return left
    return left if left.intersection(site).area <= right.intersection(site).area else right


def ground(report: dict, shift: tuple[float, float] | None = None) -> list[tuple[str, str, trimesh.Trimesh]]:
    """(node name, kind, mesh) for the site, roads, greens and rivers (flat, just above z = 0)."""
    shift = origin(report) if shift is None else shift
    ox, oy = shift
    site = polygon(report["site"]["outline"], (), shift) if report.get("site") else None
    out = []
    if site is not None:
        out.append(("site", "site", _flat(site, GROUND_Z["site"])))
    for k, r in enumerate(report.get("roads", [])):
        line = LineString([(x - ox, y - oy) for x, y in r["line"]])
        strip = road_strip(line, r.get("width_m"), site)
        if strip is not None:
            out.append((f"road {k + 1} {r.get('name') or ''}".strip(), "road", _flat(strip, GROUND_Z["road"])))
    for k, g in enumerate(report.get("greens", [])):
        out.append((f"green {k + 1}", "green", _flat(polygon(g["outline"], (), shift), GROUND_Z["green"])))
    rivers = [LineString([(x - ox, y - oy) for x, y in r["line"]]) for r in report.get("rivers", [])]
    for k, line in enumerate(rivers):
        out.append((f"river {k + 1}", "river", _flat(line.buffer(0.5), GROUND_Z["river"])))
    return [(n, kind, m) for n, kind, m in out if m is not None]


def white_model(report: dict, shift: tuple[float, float] | None = None) -> trimesh.Scene:
    """A trimesh Scene: one node per building (node name = building name; a building's masses are
    one mesh), plus ground nodes. `scene.metadata` records the shift and each building's data."""
    shift = origin(report) if shift is None else shift
    scene = trimesh.Scene()
    by_building: dict[str, list[Solid]] = {}
    for s in solids(report, shift):
        by_building.setdefault(s.building, []).append(s)
    for b in report.get("buildings", []):
        parts = by_building.get(b["name"], [])
        meshes = [_coloured(s.mesh.copy(), COLOURS["unknown" if not s.height_known else s.status])
                  for s in parts]
        if not meshes:
            continue
        mesh = trimesh.util.concatenate(meshes) if len(meshes) > 1 else meshes[0]
        mesh.metadata["name"] = b["name"]
        scene.add_geometry(mesh, node_name=b["name"], geom_name=b["name"])
    windows = sunlight_windows(report, shift)
    if windows is not None:
        scene.add_geometry(windows, node_name=SUNLIGHT_NODE, geom_name=SUNLIGHT_NODE)
    taken = set(scene.graph.nodes)
    for name, kind, mesh in ground(report, shift):
        while name in taken:
            name += "'"
        taken.add(name)
        scene.add_geometry(_coloured(mesh, COLOURS[kind]), node_name=name, geom_name=name)
    scene.metadata.update({"plancheck_origin": list(shift), "units": "m"})
    return scene


#: Node of the analysed windows (report["sunlight"]), coloured by their minutes of sun.
SUNLIGHT_NODE = "sunlight windows"
#: Window quads stand this far out of their wall (no z-fighting) and are this tall above the sill.
WINDOW_OUT_M = 0.12
WINDOW_TALL_M = 1.5


def minutes_rgba(minutes: float, required: float | None, status: str) -> tuple[int, int, int, int]:
    """Reds short of the requirement (darker = fewer minutes), greens meeting it, grey unknown."""
    if status == "unknown" or required is None:
        return (170, 170, 170, 255)
    if minutes < required:
        t = max(0.0, min(1.0, minutes / required))
        return (int(130 + 122 * t), int(0 + 140 * t), int(0 + 89 * t), 255)
    t = max(0.0, min(1.0, (minutes - required) / max(1.0, 360.0 - required)))
    return (int(199 - 199 * t), int(233 - 124 * t), int(192 - 148 * t), 255)


def sunlight_windows(report: dict, shift: tuple[float, float]) -> trimesh.Trimesh | None:
    """One quad per analysed window, on its facade just out of the wall, from its sill up
    `WINDOW_TALL_M`; sampled (overlapping) windows show as their central sampling strip, and
    the strips of one wall and floor that touch and share a colour as one quad (a sampled
    facade has a strip every 0.3 m: the same picture in a fraction of the bytes)."""
    from plancheck.sunlight.output import iter_window_records

    sun = report.get("sunlight") or {}
    cols = sun.get("windows") or {}
    if not cols.get("count"):
        return None
    # drawn windows first, as they come; then the sampled strips in order along their walls
    # (the order from the columns: a large scheme's windows are not all held as dicts at once)
    along = cols["along_m"]
    order = sorted(range(cols["count"]),
                   key=lambda k: not cols["drawn"][k] and along[0][k] + along[1][k])
    ox, oy = shift
    a = math.radians(90.0 - (report.get("drawing") or {}).get("north_deg", 90.0))
    ca, sa = math.cos(-a), math.sin(-a)
    spacing = (sun.get("settings") or {}).get("sample_spacing_m", 0.3)
    quads: list[list] = []          # [x0, y0, x1, y1, z0, nx, ny, rgba]
    runs: dict[tuple, list] = {}    # the last sampled strip of each wall, floor and colour
    for w in iter_window_records(sun, order):
        (x0, y0), (x1, y1) = w["line"]
        az = math.radians(w.get("azimuth_deg", 180.0))
        nx, ny = math.sin(az), math.cos(az)                  # model frame, north up
        nx, ny = ca * nx - sa * ny, sa * nx + ca * ny        # drawing frame
        minutes = w["continuous_minutes"] if w.get("measure") != "cumulative" else w["cumulative_minutes"]
        rgba = minutes_rgba(minutes, w.get("required_minutes"), w["status"])
        if w.get("drawn", True):
            quads.append([x0, y0, x1, y1, w["sill_z_m"], nx, ny, rgba])
            continue
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        L = math.hypot(x1 - x0, y1 - y0) or 1.0
        ux, uy = (x1 - x0) / L * spacing / 2, (y1 - y0) / L * spacing / 2
        mid = sum(w["along_m"]) / 2
        key = (w["building"], w["facade"], w["sill_z_m"], rgba)
        run = runs.get(key)
        if run is not None and abs(mid - run[1] - spacing) < 1e-6:   # touches the last strip
            run[0][2], run[0][3], run[1] = mx + ux, my + uy, mid
            continue
        quads.append([mx - ux, my - uy, mx + ux, my + uy, w["sill_z_m"], nx, ny, rgba])
        runs[key] = [quads[-1], mid]
    q = np.array([row[:7] for row in quads], dtype=float)
    x0, y0, x1, y1, z0 = (q[:, k] for k in range(5))
    px, py = q[:, 5] * WINDOW_OUT_M - ox, q[:, 6] * WINDOW_OUT_M - oy
    z1 = z0 + WINDOW_TALL_M
    verts = np.stack([np.column_stack(c) for c in (
        (x0 + px, y0 + py, z0), (x1 + px, y1 + py, z0), (x1 + px, y1 + py, z1), (x0 + px, y0 + py, z1))],
        axis=1).reshape(-1, 3)
    # one face per quad, wound to face out of the wall (the bundled viewer draws both sides)
    out = (y1 - y0) * q[:, 5] - (x1 - x0) * q[:, 6] >= 0
    k = 4 * np.arange(len(q))[:, None]
    faces = (k + np.where(out[:, None], [0, 1, 2, 0, 2, 3], [0, 2, 1, 0, 3, 2])).reshape(-1, 3)
    colours = np.repeat(np.array([row[7] for row in quads], dtype=np.uint8), 4, axis=0)
    mesh = trimesh.Trimesh(verts, faces, process=False)
    mesh.visual = trimesh.visual.ColorVisuals(mesh, vertex_colors=colours)
    return mesh
