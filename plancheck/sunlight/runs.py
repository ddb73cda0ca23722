"""Numba kernel of the sunlight post-processing: for every window, one pass over the sun steps of its effective
window (a tight scan per run) gives its
满窗 runs (both ends lit, inside the facade's effective window), the unlit runs and the buildings shading
each, the longest run and the minutes of the runs of at least the minimum segment.

The plain numpy form is `analysis._post_numpy` (all windows at once, array by array); the tests hold the
two identical, and `PLANCHECK_DISABLE_JIT=1` runs the numpy form. Imported where it is used: it imports
numba.
"""

from __future__ import annotations

import numpy as np
from numba import njit

LIT = -1


@njit(cache=True)
def _grow(a: np.ndarray, n: int) -> np.ndarray:
    """`a` with room for at least n items (doubling), its contents kept."""
    if n <= len(a):
        return a
    b = np.empty(max(n, 2 * len(a)), a.dtype)
    b[:len(a)] = a
    return b


@njit(cache=True)
def window_runs(blk: np.ndarray, ends: np.ndarray, lo: np.ndarray, hi: np.ndarray, tst: np.ndarray, step: float,
                min_len: int, name_of: np.ndarray, n_names: int):
    """blk (P, M) blockers per point and step (-1 lit, -2 not traced, k >= 0 mass k); ends (W, 2) each
    window's two points; [lo[w], hi[w]) its effective window (TST minutes; `tst` ascending, the steps'
    midpoints); name_of[k] the building of mass
    k (0 .. n_names-1). Returns continuous (W,), cumulative (W,), the lit runs (offsets (W+1,), starts,
    ends: steps [start, end)), the unlit runs likewise, and their blockers (offsets per run, building ids):
    by the number of (end, step) rays each mass blocks, most first, ties to the lower mass index, each
    building once (at its first mass in that order)."""
    W = ends.shape[0]
    M = blk.shape[1]
    K = len(name_of)
    cont = np.zeros(W)
    cum = np.zeros(W)
    lit_off = np.zeros(W + 1, np.int64)
    dark_off = np.zeros(W + 1, np.int64)
    ls = np.empty(16, np.int64)
    le = np.empty(16, np.int64)
    ds = np.empty(16, np.int64)
    de = np.empty(16, np.int64)
    by_off = np.zeros(17, np.int64)
    by = np.empty(16, np.int64)
    nl = 0
    nd = 0
    nb = 0
    count = np.zeros(max(K, 1), np.int64)
    touched = np.empty(max(2 * M, 1), np.int64)
    bstamp = np.full(max(n_names, 1), -1, np.int64)
    for w in range(W):
        a = ends[w, 0]
        b = ends[w, 1]
        j = np.searchsorted(tst, lo[w])                # the steps inside the effective window
        j1 = np.searchsorted(tst, hi[w])
        while j < j1:
            s0 = j
            while j < j1 and blk[a, j] == LIT and blk[b, j] == LIT:
                j += 1
            if j > s0:                                 # a lit run
                n = j - s0
                cont[w] = max(cont[w], n * step)
                if n >= min_len:
                    cum[w] += n * step
                ls = _grow(ls, nl + 1)
                le = _grow(le, nl + 1)
                ls[nl] = s0
                le[nl] = j
                nl += 1
                continue
            nt = 0                                     # an unlit run: tally its blockers
            while j < j1 and not (blk[a, j] == LIT and blk[b, j] == LIT):
                nt = _tally(blk[a, j], count, touched, nt)
                nt = _tally(blk[b, j], count, touched, nt)
                j += 1
            ds = _grow(ds, nd + 1)
            de = _grow(de, nd + 1)
            ds[nd] = s0
            de[nd] = j
            _order(touched, nt, count)
            by = _grow(by, nb + nt)
            for q in range(nt):
                nm = name_of[touched[q]]
                if bstamp[nm] != nd:
                    bstamp[nm] = nd
                    by[nb] = nm
                    nb += 1
                count[touched[q]] = 0
            nd += 1
            by_off = _grow(by_off, nd + 1)
            by_off[nd] = nb
        lit_off[w + 1] = nl
        dark_off[w + 1] = nd
    return cont, cum, lit_off, ls[:nl], le[:nl], dark_off, ds[:nd], de[:nd], by_off[:nd + 1], by[:nb]


@njit(cache=True)
def _tally(v: int, count: np.ndarray, touched: np.ndarray, nt: int) -> int:
    """Count one ray's blocker (v >= 0) into the run's tally; returns the new number touched."""
    if v >= 0:
        if count[v] == 0:
            touched[nt] = v
            nt += 1
        count[v] += 1
    return nt


@njit(cache=True)
def _order(touched: np.ndarray, nt: int, count: np.ndarray) -> None:
    """Sort touched[:nt] by count, most first, ties to the lower mass index (insertion sort: a run has a
    few blockers)."""
    for i in range(1, nt):
        v = touched[i]
        k = i - 1
        while k >= 0 and (count[touched[k]] < count[v] or
                          (count[touched[k]] == count[v] and touched[k] > v)):
            touched[k + 1] = touched[k]
            k -= 1
        touched[k + 1] = v
