"""Planning indicators of a site model (PCDS-1 §4; report.md `indicators`).

Proposed buildings only: existing ones are context. A value that cannot be computed from
the drawing is None, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely

from plancheck.model.site import Building, SiteModel


def floor_area(b: Building) -> float | None:
    """Above-ground floor area counted in FAR.

    The plan is split into the regions where masses overlap and each region counts
    area × the largest FLOORS covering it: masses are taken from most to fewest floors and
    each adds the part of its outline not already covered. A mass that gives FLOOR_AREA
    adds that figure instead of its own region's area × floors. Unknown FLOORS (without
    FLOOR_AREA) makes the building's floor area unknown.
    """
    if any(m.floors is None and m.floor_area_m2 is None for m in b.masses):
        return None
    order = sorted(b.masses, key=lambda m: -(m.floors or 0))
    total, covered = 0.0, None
    for m in order:
        if m.floor_area_m2 is not None:
            total += m.floor_area_m2
        else:
            own = m.outline if covered is None else m.outline.difference(covered)
            total += own.area * m.floors
        covered = m.outline if covered is None else covered.union(m.outline)
    return total


@dataclass(frozen=True)
class Indicators:
    site_area_m2: float | None
    gross_floor_area_m2: float | None
    far: float | None
    building_density: float | None
    green_ratio: float | None
    max_height_m: float | None
    footprint_area_m2: float
    green_area_m2: float | None
    floor_areas: dict[str, float | None]   # proposed building name -> floor area

    def as_report(self) -> dict:
        keys = ("site_area_m2", "gross_floor_area_m2", "far", "building_density", "green_ratio",
                "max_height_m", "footprint_area_m2", "green_area_m2")
        return {k: getattr(self, k) for k in keys}


def compute(model: SiteModel) -> Indicators:
    proposed = model.proposed
    site_area = model.site.area if model.site is not None else None
    areas = {b.name: floor_area(b) for b in proposed}
    gfa = None if any(a is None for a in areas.values()) else sum(areas.values())
    footprint = shapely.union_all([m.outline for b in proposed for m in b.masses]).area \
        if proposed else 0.0
    heights = [b.height_m for b in proposed]
    max_h = None if not heights or any(h is None for h in heights) else max(heights)
    green_area = None
    if model.site is not None:
        greens = shapely.union_all([g.outline for g in model.greens]) if model.greens else None
        green_area = greens.intersection(model.site).area if greens is not None else 0.0

    def ratio(x: float | None) -> float | None:
        return None if x is None or not site_area else x / site_area

    return Indicators(
        site_area_m2=site_area, gross_floor_area_m2=gfa, far=ratio(gfa),
        building_density=ratio(footprint if site_area else None), green_ratio=ratio(green_area),
        max_height_m=max_h, footprint_area_m2=footprint, green_area_m2=green_area,
        floor_areas=areas,
    )
