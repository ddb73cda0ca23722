"""Chain loose linework (LINE, ARC, open polylines) on an outline layer into closed outlines.

Real drawings often draw a building as separate LINEs and ARCs instead of one closed
polyline. Here:

1. piece ends within `snap` of each other are merged into one point (the mean of the group);
2. an end still free that lies within `snap` of another piece is moved onto it (a T-joint);
3. the linework is noded on a micrometre grid and split into connected groups;
4. each group's faces (shapely `polygonize`) are united: each resulting polygon is one outline.
   Lines inside it (a hip-roof line, a diagonal) are part of it; lines outside every outline
   stay open and are reported.

Groups are kept apart, so a tower drawn inside its podium stays a separate, nested outline.
Everything is in model coordinates (metres), so `snap` is the same on every drawing unit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon

from plancheck import tolerances as tol
from plancheck.model.site import Source

#: Noding grid (m): coordinates are rounded to it, so a point projected onto a line is noded.
GRID_M = tol.VERTEX_MERGE_M
#: Free-end gap search is skipped above this many free ends (it is only a hint).
GAP_SEARCH_MAX = 2000


@dataclass
class Piece:
    """One loose entity: its points in model metres, where it came from."""

    points: np.ndarray   # (n, 2), n >= 2
    source: Source
    entity: object = None


@dataclass
class Chained:
    polygon: Polygon
    pieces: list[Piece] = field(default_factory=list)  # whose lines form or lie inside it


@dataclass
class Chaining:
    outlines: list[Chained]
    leftover: list[Piece]
    #: the smallest distance between two free ends of leftover pieces (a hint for the user)
    gap: float | None = None


def chain(pieces: list[Piece], snap: float = tol.CHAIN_SNAP_M) -> Chaining:
    """Chain `pieces` into closed outlines; see the module docstring."""
    if not pieces:
        return Chaining([], [])
    ends = np.array([p.points[k] for p in pieces for k in (0, -1)], dtype=float)
    label = _clusters(ends, snap)
    sizes = np.bincount(label)
    reps = np.zeros((len(sizes), 2))
    np.add.at(reps, label, ends)
    reps /= sizes[:, None]
    pts = [p.points.astype(float).copy() for p in pieces]
    for i, p in enumerate(pts):
        p[0], p[-1] = reps[label[2 * i]], reps[label[2 * i + 1]]
    _t_joints(pts, label, sizes, snap)
    geoms = _geoms(pts)
    outlines = _faces([g for g in geoms if isinstance(g, LineString)])
    chained, leftover = _assign(outlines, pieces, geoms, snap)
    left = {id(p) for p in leftover}
    gap = _gap([pts[i] for i, p in enumerate(pieces) if id(p) in left], snap)
    return Chaining(chained, leftover, gap)


def _clusters(points: np.ndarray, snap: float) -> np.ndarray:
    """Cluster label per point: points within `snap` of each other (transitively) share one."""
    parent = np.arange(len(points))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    tree = shapely.STRtree(shapely.points(points))
    a, b = tree.query(shapely.points(points), predicate="dwithin", distance=snap)
    for i, j in zip(a.tolist(), b.tolist()):
        if i < j:
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
    roots = np.array([find(i) for i in range(len(points))])
    _, label = np.unique(roots, return_inverse=True)
    return label


def _t_joints(pts: list[np.ndarray], label: np.ndarray, sizes: np.ndarray, snap: float) -> None:
    """Move each free end lying within `snap` of another piece onto that piece."""
    free = np.flatnonzero(sizes[label] == 1)
    if len(free) == 0:
        return
    lines = _geoms(pts)
    owner, at_end = free // 2, free % 2 == 1
    ends = np.array([pts[i][-1 if e else 0] for i, e in zip(owner, at_end)])
    probe, hit = shapely.STRtree(lines).query(shapely.points(ends), predicate="dwithin",
                                              distance=snap)
    ok = (hit != owner[probe]) & (shapely.get_type_id(lines[hit]) == 1)  # another LineString
    probe, hit = probe[ok], hit[ok]
    probe, first = np.unique(probe, return_index=True)                # one line per free end
    hit = hit[first]
    onto = shapely.line_interpolate_point(
        lines[hit], shapely.line_locate_point(lines[hit], shapely.points(ends[probe])))
    for k, q in zip(probe.tolist(), shapely.get_coordinates(onto)):
        pts[owner[k]][-1 if at_end[k] else 0] = q


def _geoms(pts: list[np.ndarray]) -> np.ndarray:
    """A LineString per piece (a Point for a piece of zero length), built in bulk."""
    out = np.empty(len(pts), dtype=object)
    flat = np.concatenate(pts)
    counts = np.array([len(p) for p in pts])
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    spread = np.abs(flat - np.repeat(flat[starts], counts, axis=0)).max(axis=1)
    line = (counts >= 2) & (np.maximum.reduceat(spread, starts) > 0)
    rows = np.repeat(line, counts)
    index = np.repeat(np.arange(line.sum()), counts[line])
    out[line] = shapely.linestrings(flat[rows], indices=index)
    out[~line] = shapely.points(flat[starts[~line]])
    return out


def _faces(lines: list[LineString]) -> list[Polygon]:
    """Node the linework, split it into connected groups, and unite each group's faces."""
    if not lines:
        return []
    noded = shapely.union_all(lines, grid_size=GRID_M)
    parts = [g for g in shapely.get_parts(noded) if isinstance(g, LineString) and not g.is_empty]
    parent: dict[tuple[float, float], tuple[float, float]] = {}

    def find(k):
        parent.setdefault(k, k)
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    ends = [(tuple(g.coords[0]), tuple(g.coords[-1])) for g in parts]
    for a, b in ends:
        a, b = find(a), find(b)
        if a != b:
            parent[b] = a
    groups: dict[tuple[float, float], list[int]] = defaultdict(list)
    for i, (a, _) in enumerate(ends):
        groups[find(a)].append(i)
    out = []
    for members in groups.values():
        nodes = {p for i in members for p in ends[i]}
        if len(members) < len(nodes) and all(ends[i][0] != ends[i][1] for i in members):
            continue  # a tree of lines encloses nothing
        faces = shapely.get_parts(shapely.polygonize([parts[i] for i in members]))
        if len(faces) == 0:
            continue
        united = shapely.coverage_union_all(faces)  # faces of a planar graph: a coverage
        for poly in shapely.get_parts(united):
            if isinstance(poly, Polygon) and poly.area > 0:
                out.append(Polygon(poly.exterior))
    return out


def _assign(outlines: list[Polygon], pieces: list[Piece], geoms: list, snap: float,
            ) -> tuple[list[Chained], list[Piece]]:
    """Each piece goes to the smallest outline covering it, else to the smallest outline whose
    edge it runs along (a line crossing through a corner); the rest are left over."""
    chained = [Chained(o) for o in sorted(outlines, key=lambda o: o.area)]
    if not chained:
        return [], list(pieces)
    inside = shapely.STRtree([c.polygon.buffer(snap) for c in chained])
    edges = shapely.STRtree([c.polygon.exterior for c in chained])
    best = np.full(len(pieces), len(chained))               # outline index; sorted by area
    piece_i, outline_i = inside.query(np.asarray(geoms), predicate="within")
    np.minimum.at(best, piece_i, outline_i)
    leftover = []
    for i, (piece, g) in enumerate(zip(pieces, geoms)):
        if best[i] == len(chained) and isinstance(g, LineString):
            hits = [j for j in edges.query(g, predicate="dwithin", distance=snap).tolist()
                    if g.intersection(chained[j].polygon.exterior.buffer(snap)).length > snap]
            best[i] = min(hits, default=len(chained))
        if best[i] < len(chained):
            chained[best[i]].pieces.append(piece)   # the smallest outline that takes it
        else:
            leftover.append(piece)
    return [c for c in chained if c.pieces], leftover


def _gap(pts: list[np.ndarray], snap: float) -> float | None:
    """Smallest distance between free ends of different leftover pieces (None if < 2 ends)."""
    if len(pts) < 1:
        return None
    ends = np.array([p[k] for p in pts for k in (0, -1)], dtype=float)
    owner = np.repeat(np.arange(len(pts)), 2)
    label = _clusters(ends, snap)
    free = np.bincount(label)[label] == 1
    ends, owner = ends[free], owner[free]
    if len(ends) < 2 or len(ends) > GAP_SEARCH_MAX:
        return None
    d = np.hypot(*(ends[:, None, :] - ends[None, :, :]).transpose(2, 0, 1))
    d[owner[:, None] == owner[None, :]] = np.inf
    best = float(d.min())
    return best if np.isfinite(best) else None
