"""Label placement for the figures: every label box in pixels (column, row from the top), no
two boxes overlapping, no leader line crossing another label.

Greedy and deterministic (same requests in the same order -> same boxes): the caller places
labels in priority order (fails, then unknowns, then passes, each in report order) and each
label takes the first free candidate of a fixed list:

* `on`: centred on its dimension line, at the middle, then moved along the line;
* `beside`: just off the line on either side;
* `leader` (fails and unknowns only): further out in 16 directions at growing distances, with
  a leader line from the dimension to the box;
* `callout` (fails and unknowns that found no room): a small numbered marker at the line
  (or on a short leader) whose full text the figure lists beside the plan.

Passing dimensions take only `on` and `beside`: they are labelled where room is left.
plan.js runs the same algorithm in the browser for the interactive plan.

Speed: a crowded plan (a thousand slabs on one figure) leaves many fails and unknowns no room,
and each then tries every one of its ~2,700 candidates. `place` therefore tests the candidates
of one label in numpy, a block at a time (the on/beside ones, then each leader length), against
the boxes and leaders near the block: the same float operations as the one-at-a-time test, so
the same first free candidate (`Placer(fast=False)` is that plain test; the tests hold the two
to the same placements).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Box = tuple[float, float, float, float]            # x0, y0, x1, y1 (pixels, y down)
Point = tuple[float, float]

#: pixels kept free around every label box
GAP = 2.0
#: positions along the dimension line tried in order (fraction from `a` to `b`)
ALONG = (0.5, 0.35, 0.65, 0.2, 0.8)
BESIDE = (0.5, 0.3, 0.7)
LEADER_AT = (0.5, 0.25, 0.75)
#: leader lengths tried (pixels, beyond the label's half size)
LEADER_R = (14.0, 30.0, 55.0, 90.0, 140.0)
#: a callout marker (small, the last resort) also tries these
DENSE_AT = (0.1, 0.9, 0.45, 0.55, 0.3, 0.7, 0.4, 0.6)
DENSE_R = (200.0, 270.0)
DIRECTIONS = 16
CELL = 48.0
#: `me` that ignores every reservation (building names may sit on a reserved line middle)
ANY = object()


def overlaps(a: Box, b: Box, pad: float = 0.0) -> bool:
    """Positive-area intersection of two boxes grown by `pad` (touching is not overlapping)."""
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


def inside(a: Box, bounds: Box) -> bool:
    return a[0] >= bounds[0] and a[1] >= bounds[1] and a[2] <= bounds[2] and a[3] <= bounds[3]


def segment_hits_box(p: Point, q: Point, b: Box) -> bool:
    """Does the segment p-q pass through the box's interior? (Liang-Barsky clipping)"""
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for pk, qk in ((-dx, p[0] - b[0]), (dx, b[2] - p[0]), (-dy, p[1] - b[1]), (dy, b[3] - p[1])):
        if pk == 0:
            if qk <= 0:
                return False
            continue
        t = qk / pk
        if pk < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 >= t1:
            return False
    return True


def box_at(cx: float, cy: float, w: float, h: float) -> Box:
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def nearest_on_box(p: Point, b: Box) -> Point:
    """The point of box `b`'s boundary nearest to `p` (p outside), for a leader's end."""
    return (min(max(p[0], b[0]), b[2]), min(max(p[1], b[1]), b[3]))


@dataclass
class Placed:
    box: Box
    how: str                          # on | beside | leader | callout | fixed
    leader: tuple[Point, Point] | None = None
    choice: int = 0                   # place_fixed: which candidate was taken


class Placer:
    """Boxes already taken (labels, the legend, titles...) and leader lines, in a grid."""

    def __init__(self, bounds: Box, obstacles=(), fast: bool = True):
        self.bounds = bounds
        self.fast = fast
        self.boxes: list[Box] = []
        self.owner: list[object] = []      # reserve(): the key a box is kept free for
        self.leaders: list[tuple[Point, Point]] = []
        self._cells: dict[tuple[int, int], list[int]] = {}
        self._lcells: dict[tuple[int, int], list[int]] = {}
        # the same boxes and leaders as arrays (the fast path filters them in numpy)
        self._bx = np.zeros((64, 4))
        self._breserved = np.zeros(64, dtype=bool)
        self._lx = np.zeros((64, 4))
        self._owned: dict = {}
        for b in obstacles:
            self.take(b)

    # --- occupancy ------------------------------------------------------------------------

    @staticmethod
    def _span(b: Box):
        for i in range(int(math.floor(b[0] / CELL)), int(math.floor(b[2] / CELL)) + 1):
            for j in range(int(math.floor(b[1] / CELL)), int(math.floor(b[3] / CELL)) + 1):
                yield i, j

    def take(self, b: Box, owner: object = None) -> None:
        k = len(self.boxes)
        self.boxes.append(b)
        self.owner.append(owner)
        for c in self._span(b):
            self._cells.setdefault(c, []).append(k)
        if k >= len(self._bx):
            self._bx = np.concatenate([self._bx, np.zeros_like(self._bx)])
            self._breserved = np.concatenate([self._breserved, np.zeros_like(self._breserved)])
        self._bx[k] = b
        if owner is not None:
            self._breserved[k] = True
            try:
                self._owned.setdefault(owner, []).append(k)
            except TypeError:                   # an unhashable key: found by `_mine` instead
                self._owned.setdefault(None, []).append(k)

    def take_leader(self, p: Point, q: Point) -> None:
        k = len(self.leaders)
        self.leaders.append((p, q))
        if k >= len(self._lx):
            self._lx = np.concatenate([self._lx, np.zeros_like(self._lx)])
        self._lx[k] = (p[0], p[1], q[0], q[1])
        env = (min(p[0], q[0]), min(p[1], q[1]), max(p[0], q[0]), max(p[1], q[1]))
        for c in self._span(env):
            self._lcells.setdefault(c, []).append(k)

    def reserve(self, key: object, b: Box) -> None:
        """Keep `b` free for `key` (a fail's own line middle, so its callout marker always has
        a place): other labels avoid it, `key`'s own label may use it."""
        self.take(b, owner=key)

    def free(self, b: Box, leader: tuple[Point, Point] | None = None, me: object = None) -> bool:
        """Inside the bounds, clear of every box (by GAP) and leader; its leader crosses no box.
        Boxes reserved for `me` do not count."""
        if not inside(b, self.bounds):
            return False
        grown = (b[0] - GAP, b[1] - GAP, b[2] + GAP, b[3] + GAP)
        seen: set[int] = set()
        for c in self._span(grown):
            for k in self._cells.get(c, ()):
                if k not in seen:
                    seen.add(k)
                    if overlaps(grown, self.boxes[k]) and not self._mine(k, me):
                        return False
        seen = set()
        for c in self._span(grown):
            for k in self._lcells.get(c, ()):
                if k not in seen:
                    seen.add(k)
                    if segment_hits_box(*self.leaders[k], grown):
                        return False
        if leader is not None:
            p, q = leader
            env = (min(p[0], q[0]), min(p[1], q[1]), max(p[0], q[0]), max(p[1], q[1]))
            seen = set()
            for c in self._span(env):
                for k in self._cells.get(c, ()):
                    if k not in seen:
                        seen.add(k)
                        # a leader may cross a reservation (it only keeps boxes off a line)
                        if self.owner[k] is None and segment_hits_box(p, q, self.boxes[k]):
                            return False
        return True

    def _mine(self, k: int, me: object) -> bool:
        owner = self.owner[k]
        return owner is not None and (me is ANY or owner == me)

    def commit(self, placed: Placed) -> Placed:
        self.take(placed.box)
        if placed.leader:
            self.take_leader(*placed.leader)
        return placed

    # --- candidates -----------------------------------------------------------------------

    def place_fixed(self, candidates: list[tuple[float, float, float, float]],
                    me: object = None) -> Placed | None:
        """The first free box among `candidates` (cx, cy, w, h): building names and the like
        (`me=ANY`: reserved boxes do not count)."""
        for k, (cx, cy, w, h) in enumerate(candidates):
            b = box_at(cx, cy, w, h)
            if self.free(b, me=me):
                return self.commit(Placed(b, "fixed", choice=k))
        return None

    def place(self, a: Point, b: Point, w: float, h: float, must: bool,
              me: object = None, dense: bool = False) -> Placed | None:
        """A label of w x h for the dimension line a-b (pixels): on it, beside it, or (`must`)
        on a leader. None when there is no room (a passing label is then left out and a
        failing one goes to a callout, see `place_marker`)."""
        if self.fast:
            for how, boxes, lead in _candidate_blocks(a, b, w, h, must, dense):
                k = self._first_free(boxes, lead, me)
                if k is not None:
                    box = tuple(float(v) for v in boxes[k])
                    leader = None if lead is None else \
                        ((float(lead[k, 0]), float(lead[k, 1])), (float(lead[k, 2]), float(lead[k, 3])))
                    return self.commit(Placed(box, how[k], leader))
            return None
        for how, box, leader in self._candidates(a, b, w, h, must, dense):
            if self.free(box, leader, me):
                return self.commit(Placed(box, how, leader))
        return None

    def _near_boxes(self, env: Box, me: object, reserved: bool) -> np.ndarray:
        """The boxes meeting `env` (closed) as (n, 4); reservations only when `reserved`, and
        never those kept for `me` (all of them for ANY)."""
        n = len(self.boxes)
        bx = self._bx[:n]
        m = (bx[:, 0] <= env[2]) & (bx[:, 2] >= env[0]) & (bx[:, 1] <= env[3]) & (bx[:, 3] >= env[1])
        res = self._breserved[:n]
        if not reserved:
            m &= ~res
        elif me is ANY:
            m &= ~res
        elif me is not None and res.any():
            try:
                if None in self._owned:             # some key was unhashable
                    raise TypeError
                mine = self._owned.get(me, ())
            except TypeError:
                mine = [k for k in np.flatnonzero(m & res).tolist() if self._mine(k, me)]
            if len(mine):
                m[np.asarray(mine, dtype=np.int64)] = False
        return bx[m]

    def _near_leaders(self, env: Box) -> np.ndarray:
        lx = self._lx[:len(self.leaders)]
        m = ((np.minimum(lx[:, 0], lx[:, 2]) <= env[2]) & (np.maximum(lx[:, 0], lx[:, 2]) >= env[0]) &
             (np.minimum(lx[:, 1], lx[:, 3]) <= env[3]) & (np.maximum(lx[:, 1], lx[:, 3]) >= env[1]))
        return lx[m]

    def _first_free(self, boxes: np.ndarray, lead: np.ndarray | None, me: object) -> int | None:
        """The index of the first of `boxes` (K, 4) that `free` would accept, with its leader
        `lead[k]` (p, q as 4 numbers) when given; None when none is."""
        B = self.bounds
        ok = (boxes[:, 0] >= B[0]) & (boxes[:, 1] >= B[1]) & (boxes[:, 2] <= B[2]) & (boxes[:, 3] <= B[3])
        if not ok.any():
            return None
        g = np.column_stack([boxes[:, 0] - GAP, boxes[:, 1] - GAP, boxes[:, 2] + GAP, boxes[:, 3] + GAP])
        sel = np.flatnonzero(ok)
        gs = g[sel]
        env = (float(gs[:, 0].min()), float(gs[:, 1].min()), float(gs[:, 2].max()), float(gs[:, 3].max()))
        nb = self._near_boxes(env, me, reserved=True)
        if len(nb):
            hit = ((gs[:, None, 0] < nb[None, :, 2]) & (nb[None, :, 0] < gs[:, None, 2]) &
                   (gs[:, None, 1] < nb[None, :, 3]) & (nb[None, :, 1] < gs[:, None, 3])).any(axis=1)
            ok[sel[hit]] = False
        sel = np.flatnonzero(ok)
        if not len(sel):
            return None
        seg = self._near_leaders(env)
        if len(seg):
            hit = _segments_hit_boxes(seg, g[sel]).any(axis=0)
            ok[sel[hit]] = False
        if lead is not None:
            sel = np.flatnonzero(ok)
            if not len(sel):
                return None
            ls = lead[sel]
            lenv = (float(np.minimum(ls[:, 0], ls[:, 2]).min()), float(np.minimum(ls[:, 1], ls[:, 3]).min()),
                    float(np.maximum(ls[:, 0], ls[:, 2]).max()), float(np.maximum(ls[:, 1], ls[:, 3]).max()))
            nb = self._near_boxes(lenv, None, reserved=False)
            if len(nb):
                # each candidate's own leader against each box
                ok[sel[_segments_hit_boxes(ls, nb).any(axis=1)]] = False
        idx = np.flatnonzero(ok)
        return int(idx[0]) if len(idx) else None

    def place_marker(self, a: Point, b: Point, w: float, h: float,
                     me: object = None) -> Placed | None:
        """A callout's numbered marker: the same candidates (more of them), for a small box;
        failing that, on another line's reservation (in a crowd they cover everything)."""
        got = self.place(a, b, w, h, must=True, me=me, dense=True) or \
            self.place(a, b, w, h, must=True, me=ANY, dense=True)
        if got is not None:
            got.how = "callout"
        return got

    @staticmethod
    def _candidates(a: Point, b: Point, w: float, h: float, leaders: bool, dense: bool = False):
        dx, dy = b[0] - a[0], b[1] - a[1]
        length = math.hypot(dx, dy)
        ux, uy = (dx / length, dy / length) if length > 1e-9 else (1.0, 0.0)
        nx, ny = -uy, ux
        if ny > 0 or (ny == 0 and nx > 0):   # the upper side (then the left side) first
            nx, ny = -nx, -ny

        def at(t):
            return a[0] + t * dx, a[1] + t * dy

        along = ALONG + DENSE_AT if dense else ALONG
        on = [("on", box_at(*at(t), w, h), None) for t in along]
        # half the box's extent along the normal, plus a gap: the box just clears the line
        off = abs(nx) * w / 2 + abs(ny) * h / 2 + 3.0
        beside = [("beside", box_at(at(t)[0] + s * off * nx, at(t)[1] + s * off * ny, w, h), None)
                  for t in BESIDE for s in (1.0, -1.0)]
        # a label on a line shorter than itself would hide the line: beside it first
        if length < abs(ux) * w + abs(uy) * h + 16:
            yield from beside
            yield from on
        else:
            yield from on
            yield from beside
        if not leaders:
            return
        base = math.atan2(ny, nx)
        dirs = []
        for k in range(DIRECTIONS):   # the normal first, then alternating either side of it
            step = (k + 1) // 2 * (1 if k % 2 else -1)
            ang = base + step * 2 * math.pi / DIRECTIONS
            dirs.append((math.cos(ang), math.sin(ang)))
        for r in (LEADER_R + DENSE_R if dense else LEADER_R):
            for t in (LEADER_AT + DENSE_AT if dense else LEADER_AT):
                px, py = at(t)
                for cx_, cy_ in dirs:
                    ext = abs(cx_) * w / 2 + abs(cy_) * h / 2
                    cx, cy = px + cx_ * (ext + r), py + cy_ * (ext + r)
                    box = box_at(cx, cy, w, h)
                    end = nearest_on_box((px, py), box)
                    yield "leader", box, ((px, py), end)


def _segments_hit_boxes(seg: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """`segment_hits_box` for every segment (S, 4: p, q) against every box (K, 4): (S, K), with
    the same float operations (a box the loop leaves early has t0 >= t1 at the end as well)."""
    px, py = seg[:, 0:1], seg[:, 1:2]
    dx, dy = seg[:, 2:3] - px, seg[:, 3:4] - py
    b0, b1, b2, b3 = (boxes[None, :, i] for i in range(4))
    S, K = len(seg), len(boxes)
    t0 = np.zeros((S, K))
    t1 = np.ones((S, K))
    out = np.ones((S, K), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for pk, qk in ((-dx, px - b0), (dx, b2 - px), (-dy, py - b1), (dy, b3 - py)):
            zero = pk == 0                                   # (S, 1)
            out &= ~(zero & (qk <= 0))
            t = qk / pk
            t0 = np.where(pk < 0, np.maximum(t0, t), t0)     # pk < 0 and pk > 0 exclude 0
            t1 = np.where(pk > 0, np.minimum(t1, t), t1)
    return out & (t0 < t1)


def _candidate_blocks(a: Point, b: Point, w: float, h: float, leaders: bool, dense: bool = False):
    """`Placer._candidates` in the same order, as blocks of arrays: (hows, boxes (K, 4), leaders
    (K, 4) or None): first the on/beside ones, then one block per leader length."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy)
    ux, uy = (dx / length, dy / length) if length > 1e-9 else (1.0, 0.0)
    nx, ny = -uy, ux
    if ny > 0 or (ny == 0 and nx > 0):
        nx, ny = -nx, -ny
    along = np.array(ALONG + DENSE_AT if dense else ALONG)
    on_cx, on_cy = a[0] + along * dx, a[1] + along * dy
    off = abs(nx) * w / 2 + abs(ny) * h / 2 + 3.0
    bt = np.repeat(np.array(BESIDE), 2)
    sg = np.tile(np.array([1.0, -1.0]), len(BESIDE))
    bs_cx = (a[0] + bt * dx) + sg * off * nx
    bs_cy = (a[1] + bt * dy) + sg * off * ny
    on = (["on"] * len(along), on_cx, on_cy)
    beside = (["beside"] * len(bt), bs_cx, bs_cy)
    first = (beside, on) if length < abs(ux) * w + abs(uy) * h + 16 else (on, beside)
    cx = np.concatenate([first[0][1], first[1][1]])
    cy = np.concatenate([first[0][2], first[1][2]])
    yield first[0][0] + first[1][0], _boxes(cx, cy, w, h), None
    if not leaders:
        return
    base = math.atan2(ny, nx)
    dirs = []
    for k in range(DIRECTIONS):
        step = (k + 1) // 2 * (1 if k % 2 else -1)
        ang = base + step * 2 * math.pi / DIRECTIONS
        dirs.append((math.cos(ang), math.sin(ang)))
    ddx = np.array([d[0] for d in dirs])
    ddy = np.array([d[1] for d in dirs])
    ext = np.array([abs(cx_) * w / 2 + abs(cy_) * h / 2 for cx_, cy_ in dirs])
    ts = np.array(LEADER_AT + DENSE_AT if dense else LEADER_AT)
    px = np.repeat(a[0] + ts * dx, DIRECTIONS)
    py = np.repeat(a[1] + ts * dy, DIRECTIONS)
    ex, dxx, dyy = np.tile(ext, len(ts)), np.tile(ddx, len(ts)), np.tile(ddy, len(ts))
    for r in (LEADER_R + DENSE_R if dense else LEADER_R):
        boxes = _boxes(px + dxx * (ex + r), py + dyy * (ex + r), w, h)
        ex_ = np.minimum(np.maximum(px, boxes[:, 0]), boxes[:, 2])
        ey_ = np.minimum(np.maximum(py, boxes[:, 1]), boxes[:, 3])
        yield ["leader"] * len(px), boxes, np.column_stack([px, py, ex_, ey_])


def _boxes(cx: np.ndarray, cy: np.ndarray, w: float, h: float) -> np.ndarray:
    return np.column_stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])


def overlapping_pairs(boxes: list[Box]) -> list[tuple[int, int]]:
    """Pairs of indices of overlapping boxes (a check for tests and figures.json readers)."""
    order = sorted(range(len(boxes)), key=lambda k: boxes[k][0])
    bad = []
    for i, k in enumerate(order):
        for m in order[i + 1:]:
            if boxes[m][0] >= boxes[k][2]:
                break
            if overlaps(boxes[k], boxes[m]):
                bad.append((min(k, m), max(k, m)))
    return sorted(bad)
