"""Numbers in messages printed at the precision where they differ.

A value that fails its limit by less than the display precision would otherwise read
"35.00%，低于 35.00%". `pair` keeps the usual decimals when they already tell the two apart,
and otherwise prints the value with as many decimals as it takes and the limit without
trailing zeros: "34.998% < 35%". Values within the comparison slack of the limit (which pass)
keep the usual decimals: they are equal as far as the check is concerned.
"""

from __future__ import annotations

MAX_DECIMALS = 9


def pair(value: float, limit: float, decimals: int = 2, slack: float = 0.0,
         scale: float = 1.0) -> tuple[str, str]:
    """(value, limit) as text, each `scale`d, at the fewest decimals >= `decimals` that tell
    them apart when they differ by more than `slack` (in unscaled units)."""
    v, lim = value * scale, limit * scale
    a, b = f"{v:.{decimals}f}", f"{lim:.{decimals}f}"
    if a != b or abs(value - limit) <= slack:
        return a, b
    for d in range(decimals + 1, MAX_DECIMALS + 1):
        a, b = f"{v:.{d}f}", f"{lim:.{d}f}"
        if a != b:
            return a, _trim(b)
    return a, b


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text
