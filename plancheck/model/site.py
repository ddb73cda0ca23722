"""Site model classes. All geometry is in metres, in the model frame: the drawing rotated
about its origin so that +Y is true north (see `Frame`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from shapely.geometry import LineString, Polygon

Status = Literal["proposed", "existing"]
USES = ("residential", "office", "commercial", "hotel", "school", "kindergarten",
        "hospital", "industrial", "other")

#: Regulation 附录一: 低层 <= 10 m, 多层 <= 24 m, 高层 > 24 m.
LOW_MAX_M = 10.0
MULTI_MAX_M = 24.0


def height_class(height_m: float | None) -> str | None:
    """`low`, `multi` or `high` by the regulation's definitions; None when height is unknown."""
    if height_m is None:
        return None
    if height_m <= LOW_MAX_M:
        return "low"
    if height_m <= MULTI_MAX_M:
        return "multi"
    return "high"


@dataclass(frozen=True)
class Frame:
    """How model coordinates relate to the drawing: model = R(rotation) · (drawing × scale)."""

    scale: float = 1.0          # drawing units -> metres
    north_deg: float = 90.0     # direction of true north in the drawing, deg CCW from +X

    @property
    def rotation_deg(self) -> float:
        return 90.0 - self.north_deg

    def to_drawing(self, x: float, y: float) -> tuple[float, float]:
        """Model point (m, north-up) -> drawing orientation, still in metres."""
        a = math.radians(-self.rotation_deg)
        c, s = math.cos(a), math.sin(a)
        return (c * x - s * y, s * x + c * y)


@dataclass(frozen=True)
class Source:
    """Where an object came from in the drawing."""

    handle: str
    layer: str
    entity: str  # DXF type, e.g. LWPOLYLINE


@dataclass(frozen=True)
class Window:
    line: LineString
    source: Source
    floors: tuple[int, int] | None = None  # inclusive range; None = every floor of the mass
    unit: str | None = None


@dataclass(frozen=True)
class Mass:
    """One closed outline on a building layer, extruded from the ground to `height_m`."""

    outline: Polygon
    status: Status
    source: Source
    name: str | None = None
    use: str | None = None
    floors: int | None = None
    height_m: float | None = None
    floor_area_m2: float | None = None
    #: field (NAME, USE, FLOORS, HEIGHT, FLOOR_AREA) -> carrier that gave it: "attrib",
    #: "xdata", "text" (a label), "schedule table" (the drawing's 单体建筑一览表), "context"
    #: (the context file's `buildings:` / `default_use:`) or "drawn" (taken from the outline
    #: that holds it, e.g. a rooftop structure's name and use from its building)
    carriers: dict[str, str] = field(default_factory=dict)
    windows: tuple[Window, ...] = ()

    @property
    def area_m2(self) -> float:
        return self.outline.area

    @property
    def height_class(self) -> str | None:
        return height_class(self.height_m)

    @property
    def label(self) -> str:
        """Name for messages: the NAME, or the entity handle when the NAME is missing."""
        return self.name if self.name else f"#{self.source.handle}"


#: Mass carrier -> Building.sources value
SOURCE_OF_CARRIER = {"text": "label", "attrib": "attrib", "xdata": "xdata",
                     "schedule table": "schedule table", "context": "context", "drawn": "drawn",
                     "estimated": "estimated"}
#: Building.sources keys -> the building property they describe
SOURCE_FIELDS = {"name": "NAME", "use": "USE", "floors": "FLOORS", "height": "HEIGHT",
                 "floor_area": "FLOOR_AREA"}


@dataclass(frozen=True)
class Building:
    """Masses sharing a NAME (podium + tower...), proposed or existing."""

    name: str
    status: Status
    masses: tuple[Mass, ...]
    #: where each of the building's values came from: field (name, use, floors, height,
    #: floor_area) -> "label" (a text label: inside the outline, by its leader or nearest to
    #: it), "attrib", "xdata", "schedule table", "context", "drawn" (from the drawing's own
    #: layout) or "estimated". Filled from the masses' carriers when not given; a value that is
    #: missing has no entry.
    sources: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.sources:
            object.__setattr__(self, "sources", _sources(self))

    @property
    def footprint(self):
        from shapely import union_all

        return union_all([m.outline for m in self.masses])

    @property
    def height_m(self) -> float | None:
        """The largest mass HEIGHT; unknown if any mass lacks one (it might be the tallest)."""
        hs = [m.height_m for m in self.masses]
        return None if any(h is None for h in hs) else max(hs)

    @property
    def floors(self) -> int | None:
        fs = [m.floors for m in self.masses]
        return None if any(f is None for f in fs) else max(fs)

    @property
    def height_class(self) -> str | None:
        return height_class(self.height_m)

    @property
    def use(self) -> str | None:
        """The use of the tallest mass (a podium's commerce does not make a tower commercial)."""
        known = [m for m in self.masses if m.use is not None]
        if not known:
            return None
        return max(known, key=lambda m: (m.height_m or 0.0, m.area_m2)).use


def _sources(b: "Building") -> dict[str, str]:
    """Building.sources from its masses: the carrier of the mass that gives each value (the
    tallest for height and use, the one with most floors for floors)."""
    out: dict[str, str] = {}
    masses = list(b.masses)
    if not masses:
        return out

    def carrier(m: Mass, key: str) -> str | None:
        c = m.carriers.get(key) or m.carriers.get(key.lower())
        return SOURCE_OF_CARRIER.get(c, c) if c else None

    named = next((m for m in masses if m.name and carrier(m, "NAME")), None)
    if named is not None:
        out["name"] = carrier(named, "NAME")
    used = [m for m in masses if m.use is not None]
    if used:
        top = max(used, key=lambda m: (m.height_m or 0.0, m.area_m2))
        if carrier(top, "USE"):
            out["use"] = carrier(top, "USE")
    if all(m.floors is not None for m in masses):
        c = carrier(max(masses, key=lambda m: m.floors), "FLOORS")
        if c:
            out["floors"] = c
    if all(m.height_m is not None for m in masses):
        c = carrier(max(masses, key=lambda m: m.height_m), "HEIGHT")
        if c:
            out["height"] = c
    areas = [carrier(m, "FLOOR_AREA") for m in masses if m.floor_area_m2 is not None]
    if areas and areas[0]:
        out["floor_area"] = areas[0]
    return out


@dataclass(frozen=True)
class Road:
    """One road red-line entity."""

    line: LineString
    source: Source
    name: str | None = None
    width_m: float | None = None
    width_from: str | None = None  # "xdata", "text" or "context"
    #: how the line was found: "drawn" (a red-line entity or one of the per-road pieces a
    #: red-line polyline turning a corner is split into), or "centre line" (offset by half
    #: the width from a road centre line where no red line is drawn)
    line_from: str = "drawn"


@dataclass(frozen=True)
class GreenArea:
    outline: Polygon
    source: Source


@dataclass(frozen=True)
class River:
    line: LineString
    source: Source


@dataclass(frozen=True)
class SiteModel:
    """Everything read from one drawing, in metres, north-up."""

    site: Polygon | None
    buildings: tuple[Building, ...]
    roads: tuple[Road, ...] = ()
    greens: tuple[GreenArea, ...] = ()
    rivers: tuple[River, ...] = ()
    frame: Frame = Frame()

    @property
    def proposed(self) -> tuple[Building, ...]:
        return tuple(b for b in self.buildings if b.status == "proposed")

    @property
    def existing(self) -> tuple[Building, ...]:
        return tuple(b for b in self.buildings if b.status == "existing")

    @property
    def masses(self) -> tuple[Mass, ...]:
        return tuple(m for b in self.buildings for m in b.masses)
