"""Layer roles (PCDS-1 §2): canonical names, aliases, and user layer maps (§8)."""

from __future__ import annotations

import fnmatch
import functools
from dataclasses import dataclass

#: role -> (canonical layer, aliases)
CANONICAL: dict[str, tuple[str, tuple[str, ...]]] = {
    "site": ("PC-SITE", ("用地红线", "规划用地红线", "用地界线", "用地范围")),
    "building": ("PC-BLDG", ("建筑轮廓", "新建建筑", "拟建建筑", "设计建筑")),
    "existing": ("PC-BLDG-EXIST", ("现状建筑", "保留建筑", "已批建筑")),
    "road": ("PC-ROAD", ("道路红线", "规划道路红线")),
    "green": ("PC-GREEN", ("绿地", "绿化", "绿地范围")),
    "river": ("PC-RIVER", ("河道蓝线", "蓝线")),
    "window": ("PC-WINDOW", ("窗", "窗户")),
    "text": ("PC-TEXT", ("文字", "标注")),
}
#: Roles a layer map can give beyond PCDS-1's: `road-centre` (road centre lines: with a width
#: text they give the red lines of a road drawn without them), `kerb` (kerbs and road edges:
#: recognised as such, never read as red lines) and `ignore` (never read, e.g. basement
#: outlines, 地下室轮廓线).
MAP_ONLY_ROLES = ("road-centre", "kerb", "ignore")
ROLES = tuple(CANONICAL) + MAP_ONLY_ROLES


def _norm(name: str) -> str:
    return name.strip().casefold()


@dataclass(frozen=True)
class LayerRoles:
    """Decides the role of a layer name: user map first (in its order), then PCDS-1 names."""

    user_map: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def from_map(cls, layer_map: dict[str, list[str]] | None) -> "LayerRoles":
        return cls(tuple((role, tuple(p)) for role, p in (layer_map or {}).items()))

    def role(self, layer: str) -> str | None:
        name = _norm(layer)
        for role, patterns in self.user_map:
            if any(_matches(p, layer, name) for p in patterns):
                return role
        for role, (canonical, aliases) in CANONICAL.items():
            if name == _norm(canonical) or name in (_norm(a) for a in aliases):
                return role
        return None


def _matches(pattern: str, layer: str, normed: str) -> bool:
    if pattern.startswith("re:"):
        return compile_pattern(pattern[3:]).search(layer.strip()) is not None
    return fnmatch.fnmatchcase(normed, _norm(pattern))


@functools.lru_cache(maxsize=512)
def compile_pattern(expression: str):
    """A layer map's `re:` expression, case-insensitive, compiled by RE2 (google-re2): matching
    takes linear time, so a pattern such as `(a+)+$`, which makes Python's backtracking `re`
    run for minutes on a 34-character layer name, cannot hang a check. RE2 has no
    backreferences or lookaround; such a pattern raises ValueError with RE2's reason."""
    import re2

    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False          # the caller reports the error in one line
    try:
        return re2.compile(expression, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ValueError(str(reason)) from None
