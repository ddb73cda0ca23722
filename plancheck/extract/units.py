"""Units and north (PCDS-1 §1)."""

from __future__ import annotations

import math

from plancheck import tolerances as tol
from plancheck.errors import UnitsError

SCALE = {"m": 1.0, "cm": 0.01, "mm": 0.001}
INSUNITS = {0: "m", 6: "m", 5: "cm", 4: "mm"}


def declared_units(doc) -> str:
    """The unit `$INSUNITS` declares: m, cm, mm, or `insunits=N` for one PCDS-1 does not take."""
    code = doc.header.get("$INSUNITS", 0)
    return INSUNITS.get(code, f"insunits={code}")


def plausible(area_m2: float) -> bool:
    return tol.SITE_AREA_MIN_M2 <= area_m2 <= tol.SITE_AREA_MAX_M2


def decide_units(declared: str, override: str | None, raw_site_area: float | None,
                 ) -> tuple[str, bool]:
    """Return (unit used, whether the plausibility rule replaced the declared unit).

    An explicit override always wins. Without a site outline the declared unit is used.
    """
    if override:
        return override, False
    if raw_site_area is None:
        if declared not in SCALE:
            raise UnitsError(f"the drawing declares an unsupported unit ({declared}) and has no "
                             "site outline to check it against: pass --units m|cm|mm")
        return declared, False
    if declared in SCALE and plausible(raw_site_area * SCALE[declared] ** 2):
        return declared, False
    others = [u for u in SCALE if u != declared and plausible(raw_site_area * SCALE[u] ** 2)]
    if len(others) == 1:
        return others[0], True
    shown = (f"{raw_site_area * SCALE[declared] ** 2:.6g} m² in the declared unit ({declared})"
             if declared in SCALE else f"unit {declared} is not supported")
    raise UnitsError(f"cannot tell the drawing's unit: the site outline is {shown}, and "
                     f"{'no' if not others else 'more than one'} other unit of m/cm/mm makes it "
                     f"plausible; pass --units m|cm|mm")


def north_from_blocks(msp) -> list[float]:
    """North from each `PC-NORTH` block reference, in drawing order: rotation r means north
    points at r + 90°. The first one is used; the caller reports any that disagree."""
    return [(insert.dxf.get("rotation", 0.0) + 90.0) % 360.0 for insert in msp.query("INSERT")
            if insert.dxf.name.strip().upper() == "PC-NORTH"
            and math.isfinite(insert.dxf.get("rotation", 0.0))]
