"""Sun-ray shading: the numba kernel (`plancheck.geom.rays`) and its GEOS reference on scenes with known answers,
on random scenes against each other, and on the closed-form slab oracle of sunlight.md §3.3."""

from __future__ import annotations

import math

import numpy as np
import pytest
from shapely.geometry import Polygon, box

from plancheck.geom.reference import first_blockers_reference
from plancheck.tolerances import SUN_ORIGIN_OFFSET_M

S = 1.0 / math.sqrt(2.0)
SOUTH_45 = np.array([[0.0, -S, S]])          # due south, 45° up: the horizontal distance to a wall is its rise
LIT, SKIP = -1, -2


def reference(polys, base, top, origins, normals, suns):
    return first_blockers_reference(polys, np.asarray(base, float), np.asarray(top, float),
                                    np.asarray(origins, float), np.asarray(normals, float), np.asarray(suns, float))


IMPLS = [reference]


def one(impl, polys, base, top, origin, normal, sun=SOUTH_45) -> int:
    out = impl(polys, base, top, [origin], [normal], sun)
    assert out.shape == (1, len(sun)) and out.dtype == np.int32
    return int(out[0, 0])


# -- scenes with known answers ------------------------------------------------------------------

@pytest.mark.parametrize("impl", IMPLS)
def test_roof_edge_grazing(impl):
    """A slab 10 m south: at 45° the ray meets its face at z = 10 exactly. Touching the roof edge blocks."""
    slab = [box(-50, -20, 50, -10)]
    assert one(impl, slab, [0], [10.0], (0, 0, 0), (0, -1)) == 0
    assert one(impl, slab, [0], [np.nextafter(10.0, 9)], (0, 0, 0), (0, -1)) == LIT
    assert one(impl, slab, [0], [10.0], (0, 0, 1e-9), (0, -1)) == LIT
    assert one(impl, slab, [0], [9.99], (0, 0, 0.0), (0, -1)) == LIT


@pytest.mark.parametrize("impl", IMPLS)
def test_ray_along_an_edge_and_through_vertices(impl):
    """The prisms are closed: a ray along a wall or through a corner is blocked, so none slips along the
    seam between two masses that share a wall; a hair outside, it passes."""
    b = [box(0, -30, 20, -10)]
    assert one(impl, b, [0], [100], (0, 0, 0), (0, -1)) == 0                            # along x = 0
    assert one(impl, b, [0], [100], (20, 0, 0), (0, -1)) == 0                           # along x = 20
    assert one(impl, b, [0], [100], (-1e-9, 0, 0), (0, -1)) == LIT
    assert one(impl, b, [0], [100], (20 + 1e-9, 0, 0), (0, -1)) == LIT
    seam = [box(-30, -30, 0, -10), box(0, -30, 30, -10)]
    assert one(impl, seam, [0, 0], [100, 100], (0, 0, 0), (0, -1)) == 0                 # tie: smaller index
    diag = np.array([[S / 2, -S / 2, math.sqrt(0.75)]])                                  # heading south-east
    corner = [box(10, -10, 20, 0)]                                                      # touches (10, -10) only
    assert one(impl, corner, [0], [100], (0, 0, 0), (0, -1), diag) == 0
    assert one(impl, corner, [0], [100], (0, -1e-9, 0), (0, -1), diag) == LIT
    assert one(impl, corner, [0], [100], (0, 1e-9, 0), (0, -1), diag) == 0
    # an L whose reflex corner (10, -10) lies on the ray; beyond it the ray is inside the L
    ell = [Polygon([(10, -10), (10, -30), (30, -30), (30, 10), (20, 10), (20, -10)])]
    assert one(impl, ell, [0], [100], (0, 0, 0), (0, -1), diag) == 0
    assert one(impl, ell, [0], [1.0], (0, 0, 0), (0, -1), diag) == LIT                   # too low
    # inside a courtyard (the hole): the south wing blocks unless it is low
    ring = [Polygon(box(-20, -60, 20, -20).exterior.coords, [box(-10, -50, 10, -30).exterior.coords])]
    assert one(impl, ring, [0], [100], (-5, -35, 0), (0, -1)) == 0
    assert one(impl, ring, [0], [4.0], (-5, -35, 0), (0, -1)) == LIT
    # along the hole's west wall, x = -10: lit only once it is too low to touch the roof
    assert one(impl, ring, [0], [100], (-10, -35, 0), (0, -1)) == 0


@pytest.mark.parametrize("impl", IMPLS)
def test_origins_on_and_inside_walls(impl):
    """A receiver exactly on its own wall, or offset by SUN_ORIGIN_OFFSET_M, is not shaded by its own
    building; one inside another prism (a tower's lower floor inside its podium) is, at distance 0."""
    own = [box(-10, 0, 10, 12)]                                  # the receiver's building, south wall y = 0
    for y in (0.0, -SUN_ORIGIN_OFFSET_M, 0.5 * SUN_ORIGIN_OFFSET_M):
        assert one(impl, own, [0], [30], (0, y, 3), (0, -1)) == LIT, y
    assert one(impl, own, [0], [30], (0, 2 * SUN_ORIGIN_OFFSET_M, 3), (0, -1)) == 0   # 10 cm inside
    podium = box(-40, -20, 40, 20)
    tower = box(-10, -10, 10, 10)
    polys, base, top = [tower, podium], [0, 0], [100, 12]
    # a tower window at z = 6 on its south wall, offset out, is inside the podium: blocked by it (id 1)
    assert one(impl, polys, base, top, (0, -10 - SUN_ORIGIN_OFFSET_M, 6), (0, -1)) == 1
    # above the podium roof it is lit
    assert one(impl, polys, base, top, (0, -10 - SUN_ORIGIN_OFFSET_M, 15), (0, -1)) == LIT
    # stacked masses (tower from the podium roof up): a point 10 m north of the podium, z = 1, looking
    # south meets the podium face at z = 8.5 (nearest) and would meet the tower's at z = 16
    n = np.array([[0.0, -0.8, 0.6]])
    assert one(impl, [tower, podium], [12, 0], [100, 12], (0, 30, 1), (0, -1), n) == 1
    assert one(impl, [podium, tower], [0, 12], [12, 100], (0, 30, 1), (0, -1), n) == 0
    # from 15 m north the ray clears the podium (z = 12.25 at its face) and meets the tower at z = 19.75
    assert one(impl, [tower, podium], [12, 0], [100, 12], (0, 35, 1), (0, -1), n) == 0


@pytest.mark.parametrize("impl", IMPLS)
def test_nearest_blocker_and_ties(impl):
    near, far = box(-30, -20, 30, -10), box(-30, -60, 30, -50)
    for order in ((near, far), (far, near)):
        got = one(impl, list(order), [0, 0], [100, 100], (0, 0, 0), (0, -1))
        assert list(order)[got] is near
    # equal entry distance (two masses sharing the face y = -10, met at x = 0 on their seam): smaller index
    a, b = box(-30, -20, 0, -10), box(0, -20, 30, -10)
    assert one(impl, [a, b], [0, 0], [50, 50], (0, 0, 0), (0, -1)) == 0
    assert one(impl, [b, a], [0, 0], [50, 50], (0, 0, 0), (0, -1)) == 0
    # a tower standing in a podium, both from the ground: the podium's face is nearer
    assert one(impl, [box(-10, -40, 10, -20), box(-30, -50, 30, -10)], [0, 0], [90, 10], (0, 0, 0), (0, -1),
               np.array([[0.0, -0.9, math.sqrt(0.19)]])) == 1


@pytest.mark.parametrize("impl", IMPLS)
def test_raised_prism(impl):
    """A bridge (base 20 m, top 30 m) 10 m south: the 45° ray passes under its near edge (z 10 at the
    face), enters through its underside at y = -20 (z = 20) and is blocked; a lower sun stays under it."""
    bridge = [box(-50, -40, 50, -10)]
    assert one(impl, bridge, [20], [30], (0, 0, 0), (0, -1)) == 0
    low = np.array([[0.0, -math.cos(0.2), math.sin(0.2)]])                   # 11.5°: z = 8.1 at y = -40
    assert one(impl, bridge, [20], [30], (0, 0, 0), (0, -1), low) == LIT
    # the nearest: a 5 m wall further south (y -25..-24, z 12 there) is met after the bridge's underside
    wall = box(-50, -25, 50, -24)
    assert one(impl, [wall, bridge[0]], [0, 20], [15, 30], (0, 0, 0), (0, -1)) == 1


@pytest.mark.parametrize("impl", IMPLS)
def test_mask_horizon_and_zero_normal(impl):
    slab = [box(-50, -20, 50, -10)]
    suns = np.array([[0, -S, S], [0, S, S], [S, 0, S], [0, -1, 0], [0, -0.6, -0.8], [0, 0, 1]])
    out = impl(slab, [0], [100], [(0, 0, 0), (0, 0, 0)], [(0, -1), (0, 0)], suns)
    assert out[0].tolist() == [0, SKIP, SKIP, SKIP, SKIP, SKIP]          # behind, grazing the facade, horizon
    assert out[1].tolist() == [0, LIT, LIT, SKIP, SKIP, SKIP]            # no facade: only horizon and zenith mask
    empty = impl([], np.zeros(0), np.zeros(0), [(0, 0, 0)], [(0, -1)], suns)
    assert empty[0].tolist() == [LIT, SKIP, SKIP, SKIP, SKIP, SKIP]
