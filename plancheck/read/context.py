"""The context file (PCDS-1 §6): `<drawing stem>.plancheck.yaml` beside the drawing, or --context.

Precedence: CLI flags > context file > defaults.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from plancheck.errors import ContextError

ZONES = ("puxi-inner", "other")
AREAS = ("inner-ring", "between-rings", "new-town", "central-town", "town")
UNITS = ("m", "cm", "mm")
CONDITIONS = ("far_max", "density_max", "green_ratio_min", "height_max")
KEYS = ("ruleset", "zone", "area", "conditions", "roads", "north", "units", "layers",
        "detached_house_area", "context_buildings", "buildings", "default_use", "boundary")
#: per-building values the context file may give (`buildings: {1#: {use: residential}}`)
BUILDING_KEYS = ("use", "floors", "height", "floor_area")
#: What may lie beyond a site edge (context `boundary`, 第三十三条).
BEYOND = ("residential", "public-green", "other", "road", "river")


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
    #: what lies beyond site edges: ((x, y) in drawing coordinates (m), one of BEYOND), ...
    boundary: tuple[tuple[tuple[float, float], str], ...] = ()

    def with_overrides(self, **flags: Any) -> "Context":
        """CLI flags beat the file: apply those that were given (not None)."""
        given = {k: v for k, v in flags.items() if v is not None}
        return replace(self, **given)


def find_beside(drawing: Path) -> Path | None:
    try:      # a 253-byte drawing name makes the context name too long: then there is none
        candidate = drawing.with_name(drawing.stem + ".plancheck.yaml")
        return candidate if candidate.is_file() else None
    except (OSError, ValueError):
        return None


def load_context(path: Path | None) -> Context:
    """Parse and validate a context file; `None` gives the defaults."""
    if path is None:
        return Context()
    raw = _load_yaml(path, "context file")
    if not isinstance(raw, dict):
        raise ContextError(f"{path}: the context file must be a mapping of keys (ruleset, zone, ...)")
    unknown = [k for k in raw if k not in KEYS]
    if unknown:
        raise ContextError(f"{path}: unknown key(s) {_names(unknown)}; allowed: {', '.join(KEYS)}")
    ctx = Context(
        ruleset=_installed_ruleset(raw, path),
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
    return replace(ctx, boundary=_boundary(raw.get("boundary"), path))


def check_choice(value: str | None, allowed: tuple[str, ...], what: str) -> str | None:
    if value is not None and value not in allowed:
        raise ContextError(f"{what} must be one of {', '.join(allowed)}, not {_short(value)}")
    return value


def parse_layer_map(raw: Any, where: Path | str) -> dict[str, list[str]]:
    """A layer map: role -> list of globs or `re:` regular expressions (PCDS-1 §8)."""
    from plancheck.read.layers import ROLES

    if not isinstance(raw, dict):
        raise ContextError(f"{where}: a layer map must map roles to lists of layer patterns")
    out: dict[str, list[str]] = {}
    for role, patterns in raw.items():
        if role not in ROLES:
            raise ContextError(f"{where}: unknown layer role {_short(role)}; roles: {', '.join(ROLES)}")
        if isinstance(patterns, str):
            patterns = [patterns]
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            raise ContextError(f"{where}: layers.{role} must be a list of layer-name patterns")
        _check_patterns(patterns, role, where)
        out[role] = patterns
    return out


def _check_patterns(patterns: list[str], role: str, where: Path | str) -> None:
    """Every `re:` expression compiles (RE2, linear time): a bad one is named with its file."""
    from plancheck.read.layers import compile_pattern

    for p in patterns:
        if p.startswith("re:"):
            try:
                compile_pattern(p[3:])
            except ValueError as exc:
                raise ContextError(f"{where}: layers.{role}: {_short(p)} is not a usable regular "
                                   f"expression ({exc}; RE2 syntax: no backreferences or "
                                   "lookaround)") from None


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
    from plancheck.locations import rulesets_dir

    name = Path(name)
    if name.exists() or name.suffix or len(name.parts) != 1:
        return None
    folder = rulesets_dir() / "layermaps"
    candidate = folder / f"{name}.yaml"
    if candidate.is_file():
        return candidate
    known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml"))) or "none"
    raise ContextError(f"layer map {_short(str(name))}: no such file, nor a shipped map (shipped: {known})")


#: largest YAML input read (context files and layer maps are a few kB): PLANCHECK_MAX_YAML_KB
MAX_YAML_KB = 1024
#: most nodes a YAML document may hold once its aliases are expanded (an alias bomb of a few
#: hundred bytes expands to billions; a real context file holds a few hundred)
MAX_YAML_NODES = 100_000


def read_regular(path: Path, what: str, max_bytes: int,
                 hint: str = "PLANCHECK_MAX_YAML_KB") -> bytes:
    """The bytes of a regular file of at most `max_bytes`: never a FIFO (opening one blocks),
    a device (/dev/zero never ends) or a folder, and never more than the cap."""
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ContextError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = ("a folder" if stat.S_ISDIR(st.st_mode) else "a FIFO (named pipe)"
                    if stat.S_ISFIFO(st.st_mode) else "a device" if stat.S_ISCHR(st.st_mode)
                    or stat.S_ISBLK(st.st_mode) else "not a regular file")
            raise ContextError(f"{path}: the {what} is {kind}, not a file; not read")
        if st.st_size > max_bytes:
            raise ContextError(f"{path}: the {what} is {st.st_size / 1024:,.0f} kB, over the "
                               f"{max_bytes // 1024:,} kB limit ({hint}); not read")
        chunks, got = [], 0
        while got <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > max_bytes:       # it grew while read
            raise ContextError(f"{path}: the {what} is over the {max_bytes // 1024:,} kB limit "
                               f"({hint}); not read")
        return b"".join(chunks)
    except OSError as exc:
        raise ContextError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def _expanded_nodes(root, budget: int) -> int:
    """How many nodes the document holds with every alias expanded (stops past `budget`)."""
    memo: dict[int, int] = {}

    def size(node) -> int:
        key = id(node)
        if key in memo:
            return memo[key]
        memo[key] = budget + 1          # a node inside itself (a recursive alias): over budget
        total = 1
        if isinstance(node.value, list):
            for item in node.value:
                for part in (item if isinstance(item, tuple) else (item,)):
                    total += size(part)
                    if total > budget:
                        break
                if total > budget:
                    break
        memo[key] = total
        return total

    return size(root)


def safe_yaml(text: str, where: str) -> Any:
    """yaml.safe_load with a budget: a document whose aliases expand past MAX_YAML_NODES nodes
    is refused before anything is built from it. Raises yaml.YAMLError for bad YAML."""
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_cls(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_nodes(node, MAX_YAML_NODES) > MAX_YAML_NODES:
            raise ContextError(f"{where}: the YAML expands to more than {MAX_YAML_NODES:,} values "
                               "through its aliases (&anchor / *alias); refused")
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _load_yaml(path: Path, what: str) -> Any:
    import yaml

    limit = int(float(os.environ.get("PLANCHECK_MAX_YAML_KB", MAX_YAML_KB)) * 1024)
    data = read_regular(path, what, limit)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ContextError(f"{path}: the {what} is not UTF-8 text") from None
    try:
        return safe_yaml(text, f"{path}: the {what}") or {}
    except RecursionError:
        raise ContextError(f"{path}: the {what} is nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ContextError(f"{path}: the {what} is not valid YAML{where}") from None


def installed_rulesets() -> list[str]:
    from plancheck.locations import rulesets_dir

    return sorted(q.parent.name for q in rulesets_dir().glob("*/ruleset.yaml"))


def _installed_ruleset(raw: dict, path: Path) -> str:
    """A context file is the applicant's: it may choose among the installed rulesets by id, never
    a folder of its own (a trimmed copy would pass anything). A ruleset from a folder is the
    reviewer's choice, on the command line (`--ruleset PATH`)."""
    v = _str(raw, "ruleset", path)
    if v is None:
        return "shanghai"
    installed = installed_rulesets()
    if v not in installed:
        raise ContextError(f"{path}: ruleset must be one of the installed rulesets "
                           f"({', '.join(installed) or 'none'}), not {_short(v)}; a ruleset folder "
                           "can only be chosen on the command line (--ruleset PATH)")
    return v


def _short(v: Any, limit: int = 60) -> str:
    """A value for a message: repr, cut to `limit` characters (never an unbounded value)."""
    text = repr(v) if isinstance(v, str) else f"a {type(v).__name__}"
    return text if len(text) <= limit else text[:limit] + "…'"


def _names(keys: list) -> str:
    """Keys for a message: each cut short, at most 10 of them."""
    shown = [k if isinstance(k, str) and len(k) <= 40 else _short(k, 40) for k in keys[:10]]
    return ", ".join(shown) + (f" and {len(keys) - 10} more" if len(keys) > 10 else "")


def _str(raw: dict, key: str, path: Path) -> str | None:
    v = raw.get(key)
    if v is not None and not isinstance(v, str):
        raise ContextError(f"{path}: {key} must be text")
    return v


def _choice(raw: dict, key: str, allowed: tuple[str, ...], path: Path) -> str | None:
    v = _str(raw, key, path)
    if v is not None and v not in allowed:
        raise ContextError(f"{path}: {key} must be one of {', '.join(allowed)}, not {_short(v)}")
    return v


def _number(v: Any, key: str, path: Path) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ContextError(f"{path}: {key} must be a number, not {_short(v)}")
    return float(v)


def _conditions(raw: Any, path: Path) -> dict[str, float]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ContextError(f"{path}: conditions must be a mapping")
    unknown = [k for k in raw if k not in CONDITIONS]
    if unknown:
        raise ContextError(f"{path}: unknown condition(s) {_names(unknown)}; "
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
        if not isinstance(entry["name"], (str, int, float)) or isinstance(entry["name"], bool):
            raise ContextError(f"{path}: roads[{i}].name must be text, not {_short(entry['name'])}")
        out[str(entry["name"]).strip()] = _number(entry["width"], f"roads[{i}].width", path)
    return out


def _boundary(raw: Any, path: Path) -> tuple[tuple[tuple[float, float], str], ...]:
    """`boundary:` — what lies beyond site edges (第三十三条): a list of
    `{at: [x, y], beyond: residential | public-green | other | road | river}`; `at` is a point
    on or near the edge, in drawing coordinates (metres, the drawing's axes, as in report.json)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ContextError(f"{path}: boundary must be a list of {{at: [x, y], beyond: ...}} entries")
    out = []
    for i, entry in enumerate(raw):
        at = entry.get("at") if isinstance(entry, dict) else None
        if not isinstance(at, list) or len(at) != 2:
            raise ContextError(f"{path}: boundary[{i}] needs at: [x, y]")
        xy = (_number(at[0], f"boundary[{i}].at", path), _number(at[1], f"boundary[{i}].at", path))
        if None in xy:
            raise ContextError(f"{path}: boundary[{i}].at must be two numbers")
        beyond = entry.get("beyond")
        if beyond not in BEYOND:
            raise ContextError(f"{path}: boundary[{i}].beyond must be one of {', '.join(BEYOND)}, "
                               f"not {_short(beyond)}")
        out.append((xy, beyond))
    return tuple(out)


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
            raise ContextError(f"{path}: buildings.{_short(name)} must be a mapping of "
                               f"{', '.join(BUILDING_KEYS)}")
        unknown = sorted(set(values) - set(BUILDING_KEYS))
        if unknown:
            raise ContextError(f"{path}: buildings.{_short(name)}: unknown key(s) {_short(', '.join(map(str, unknown)))}; "
                               f"allowed: {', '.join(BUILDING_KEYS)}")
        entry: dict[str, Any] = {}
        for key, v in values.items():
            if v is None:
                continue
            if key == "use":
                if not isinstance(v, str):
                    raise ContextError(f"{path}: buildings.{_short(name)}.use must be text")
                entry[key] = v
            elif key == "floors":
                if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                    raise ContextError(f"{path}: buildings.{_short(name)}.floors must be a positive whole number")
                entry[key] = v
            else:
                number = _number(v, f"buildings.{_short(name)}.{key}", path)
                if number is None or number <= 0:
                    raise ContextError(f"{path}: buildings.{_short(name)}.{key} must be positive")
                entry[key] = number
        out[str(name).strip()] = entry
    return out
