"""The plan's label placer (plancheck/render/labels.py): its occupancy bitmap only skips work,
so crowded plans get exactly the placements of the exact test alone (`fast=False`), and no two
placed boxes overlap."""

from __future__ import annotations

import random

import pytest

from plancheck.render.labels import Placer, overlapping_pairs


def _place_all(fast: bool, seed: int, n: int, size: float):
    rng = random.Random(seed)
    bounds = (2.0, 2.0, size - 2.0, size * 0.75 - 2.0)
    placer = Placer(bounds, obstacles=[(10.0, 10.0, 180.0, 60.0)], fast=fast)
    out = []
    lines = []
    for k in range(n):
        ax, ay = rng.uniform(0, size), rng.uniform(0, size * 0.75)
        ang, ln = rng.uniform(0, 6.3), rng.uniform(3, 120)
        a, b = (ax, ay), (ax + ln * __import__("math").cos(ang), ay + ln * __import__("math").sin(ang))
        lines.append((a, b))
        if k % 7 == 0:                  # a fail's own line middle kept free for it
            m = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
            placer.reserve(k, (m[0] - 4, m[1] - 4, m[0] + 4, m[1] + 4))
    for k, (a, b) in enumerate(lines):
        w, h = rng.uniform(20, 90), rng.uniform(9, 14)
        must = k % 3 == 0
        got = placer.place(a, b, w, h, must=must, me=k)
        if got is None and must:
            got = placer.place_marker(a, b, 10.0, 10.0, me=k)
        out.append(None if got is None else (got.box, got.how, got.leader))
        if k % 50 == 0:
            fx = placer.place_fixed([(a[0], a[1] - 10, 30, 12), (a[0], a[1] + 10, 30, 12)], me=k)
            out.append(None if fx is None else (fx.box, fx.choice))
    return out, placer


@pytest.mark.parametrize("seed, n, size", [(0, 150, 900.0), (1, 600, 900.0), (2, 1200, 1400.0),
                                           (3, 400, 300.0)])
def test_the_bitmap_changes_no_placement(seed, n, size):
    fast, pf = _place_all(True, seed, n, size)
    slow, _ = _place_all(False, seed, n, size)
    assert fast == slow
    placed = [p[0] for p in fast if p is not None and len(p) == 3]
    assert len(placed) > n // 10
    # no two placed label boxes overlap (the obstacle and reservations aside)
    assert overlapping_pairs(placed) == []
