"""The context file (PCDS-1 §6): `<drawing stem>.plancheck.yaml` beside the drawing, or --context.

Precedence: CLI flags > context file > defaults.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from plancheck.errors import ContextError

ZONES = ("puxi-inner", "other")
AREAS = ("inner-ring", "between-rings", "new-town", "central-town", "town")
UNITS = ("m", "cm", "mm")
CONDITIONS = ("far_max", "density_max", "green_ratio_min", "height_max")
KEYS = ("ruleset", "zone", "area", "conditions", "roads", "north", "units", "layers",
        "detached_house_area", "context_buildings", "buildings", "default_use")
#: per-building values the context file may give (`buildings: {1#: {use: residential}}`)
BUILDING_KEYS = ("use", "floors", "height", "floor_area")


@dataclass(frozen=True)
class Context:
    ruleset: str = "shanghai"
    zone: str | None = None            # None: not given -> zone-dependent rules report unknown
    area: str | None = None
    conditions: dict[str, float] = field(default_factory=dict)
    roads: dict[str, float] = field(default_factory=dict)   # road name -> red-line width (m)
    north: float | None = None
    units: str | None = None
    layers: dict[str, list[str]] = field(default_factory=dict)
    detached_house_area: bool = False  # 第二十六条: site in/next to a 低层独立式住宅 area
    #: existing buildings from a city file: raw entry, parsed by extract.context_buildings
    context_buildings: Any = None
    #: values for the drawing's buildings by name (`buildings: {1#: {use: residential,
    #: floors: 6, height: 18.6}}`): used where the drawing gives none, a DRW-CONFLICT where
    #: it gives another; the use as written (住宅, residential...), read by the extractor
    buildings: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the use of proposed buildings the drawing and `buildings:` give none (`residential`)
    default_use: str | None = None
    path: Path | None = None

    def with_overrides(self, **flags: Any) -> "Context":
        """CLI flags beat the file: apply those that were given (not None)."""
        given = {k: v for k, v in flags.items() if v is not None}
        return replace(self, **given)


def find_beside(drawing: Path) -> Path | None:
    candidate = drawing.with_name(drawing.stem + ".plancheck.yaml")
    return candidate if candidate.is_file() else None


def load_context(path: Path | None) -> Context:
    """Parse and validate a context file; `None` gives the defaults."""
    if path is None:
        return Context()
    raw = _load_yaml(path, "context file")
    if not isinstance(raw, dict):
        raise ContextError(f"{path}: the context file must be a mapping of keys (ruleset, zone, ...)")
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise ContextError(f"{path}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(KEYS)}")
    ctx = Context(
        ruleset=_str(raw, "ruleset", path) or "shanghai",
        zone=_choice(raw, "zone", ZONES, path),
        area=_choice(raw, "area", AREAS, path),
        conditions=_conditions(raw.get("conditions"), path),
        roads=_roads(raw.get("roads"), path),
        north=_number(raw.get("north"), "north", path),
        units=_choice(raw, "units", UNITS, path),
        layers=_layers(raw.get("layers"), path),
        detached_house_area=bool(raw.get("detached_house_area", False)),
        context_buildings=raw.get("context_buildings"),
        buildings=_buildings(raw.get("buildings"), path),
        default_use=_str(raw, "default_use", path),
        path=path,
    )
    return ctx


def check_choice(value: str | None, allowed: tuple[str, ...], what: str) -> str | None:
    if value is not None and value not in allowed:
        raise ContextError(f"{what} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def parse_layer_map(raw: Any, where: Path | str) -> dict[str, list[str]]:
    """A layer map: role -> list of globs or `re:` regular expressions (PCDS-1 §8)."""
    from plancheck.read.layers import ROLES

    if not isinstance(raw, dict):
        raise ContextError(f"{where}: a layer map must map roles to lists of layer patterns")
    out: dict[str, list[str]] = {}
    for role, patterns in raw.items():
        if role not in ROLES:
            raise ContextError(f"{where}: unknown layer role {role!r}; roles: {', '.join(ROLES)}")
        if isinstance(patterns, str):
            patterns = [patterns]
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            raise ContextError(f"{where}: layers.{role} must be a list of layer-name patterns")
        out[role] = patterns
    return out


def load_layer_map(path: Path) -> dict[str, list[str]]:
    """A layer-map file, or the name of a map shipped in rulesets/layermaps/ (`cn-planning`)."""
    path = shipped_layer_map(path) or path
    raw = _load_yaml(path, "layer map")
    if isinstance(raw, dict) and "layers" in raw and len(raw) == 1:
        raw = raw["layers"]
    return parse_layer_map(raw, path)


def _layers(raw: Any, path: Path) -> dict[str, list[str]]:
    """`layers:` in a context file: a map, or a map file (beside the context) / shipped name."""
    if isinstance(raw, str):
        beside = path.parent / raw
        return load_layer_map(beside if beside.exists() else Path(raw))
    return parse_layer_map(raw or {}, path)


def shipped_layer_map(name: Path | str) -> Path | None:
    """rulesets/layermaps/<name>.yaml when `name` is a bare name and no such file exists here."""
    from plancheck.evaluate.ruleset import rulesets_dir

    name = Path(name)
    if name.exists() or name.suffix or len(name.parts) != 1:
        return None
    folder = rulesets_dir() / "layermaps"
    candidate = folder / f"{name}.yaml"
    if candidate.is_file():
        return candidate
    known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml"))) or "none"
    raise ContextError(f"layer map {str(name)!r}: no such file, nor a shipped map (shipped: {known})")


def _load_yaml(path: Path, what: str) -> Any:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContextError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ContextError(f"{path}: the {what} is not UTF-8 text") from None
    try:
        return yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ContextError(f"{path}: the {what} is not valid YAML{where}") from None


def _str(raw: dict, key: str, path: Path) -> str | None:
    v = raw.get(key)
    if v is not None and not isinstance(v, str):
        raise ContextError(f"{path}: {key} must be text")
    return v


def _choice(raw: dict, key: str, allowed: tuple[str, ...], path: Path) -> str | None:
    v = _str(raw, key, path)
    if v is not None and v not in allowed:
        raise ContextError(f"{path}: {key} must be one of {', '.join(allowed)}, not {v!r}")
    return v


def _number(v: Any, key: str, path: Path) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ContextError(f"{path}: {key} must be a number, not {v!r}")
    return float(v)


def _conditions(raw: Any, path: Path) -> dict[str, float]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ContextError(f"{path}: conditions must be a mapping")
    unknown = sorted(set(raw) - set(CONDITIONS))
    if unknown:
        raise ContextError(f"{path}: unknown condition(s) {', '.join(unknown)}; "
                           f"allowed: {', '.join(CONDITIONS)}")
    return {k: _number(v, f"conditions.{k}", path) for k, v in raw.items() if v is not None}


def _roads(raw: Any, path: Path) -> dict[str, float]:
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise ContextError(f"{path}: roads must be a list of {{name, width}} entries")
    out = {}
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict) or "name" not in entry or "width" not in entry:
            raise ContextError(f"{path}: roads[{i}] needs a name and a width")
        out[str(entry["name"]).strip()] = _number(entry["width"], f"roads[{i}].width", path)
    return out


def _buildings(raw: Any, path: Path) -> dict[str, dict[str, Any]]:
    """`buildings:` name -> {use, floors, height, floor_area}; the use is checked by the
    extractor (it knows the use words), numbers here."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ContextError(f"{path}: buildings must map building names to their values, "
                           "e.g. buildings: {{1#: {{use: residential}}}}")
    out: dict[str, dict[str, Any]] = {}
    for name, values in raw.items():
        if not isinstance(values, dict):
            raise ContextError(f"{path}: buildings.{name} must be a mapping of "
                               f"{', '.join(BUILDING_KEYS)}")
        unknown = sorted(set(values) - set(BUILDING_KEYS))
        if unknown:
            raise ContextError(f"{path}: buildings.{name}: unknown key(s) {', '.join(map(str, unknown))}; "
                               f"allowed: {', '.join(BUILDING_KEYS)}")
        entry: dict[str, Any] = {}
        for key, v in values.items():
            if v is None:
                continue
            if key == "use":
                if not isinstance(v, str):
                    raise ContextError(f"{path}: buildings.{name}.use must be text")
                entry[key] = v
            elif key == "floors":
                if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                    raise ContextError(f"{path}: buildings.{name}.floors must be a positive whole number")
                entry[key] = v
            else:
                number = _number(v, f"buildings.{name}.{key}", path)
                if number is None or number <= 0:
                    raise ContextError(f"{path}: buildings.{name}.{key} must be positive")
                entry[key] = number
        out[str(name).strip()] = entry
    return out
