"""The 单体建筑一览表 (building schedule) of an institute drawing, read as a source of building data.

Institutes list every building of a 总平面图 in a table: 楼号 | 层数 | 高度 | 功能 | 建筑面积. It is
drawn as a grid of LINEs and TEXTs (often an exploded TArch table on PUB_TAB, or inside the
frame block), or as an ACAD_TABLE entity. The lines do not matter here: a header row is found
by its words (a name column and at least one of floors, height, use), its columns by where the
header words stand, and the rows below by the texts lined up under them, until a row has no
name in the name column.

Values are parsed as the label grammar does (`18`, `18F`, `18层`; `54.0`, `54.0m`; 住宅, 门卫...);
a cell that cannot be read is noted, never guessed. The plain 建筑面积 column is not taken as
the floor area counted in FAR (it often includes underground and non-counted areas); a column
headed 计容建筑面积 or 地上建筑面积 is.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from plancheck.extract.labels import BadValue, glued_use, name_key, parse_value, use_word

#: column kind -> header words (regular expressions on the folded header text)
HEADERS = {
    "NAME": r"^(?:楼号|栋号|楼栋号|楼栋|幢号|建筑编号|编号|建筑名称|名称|楼名)$",
    "FLOORS": r"^(?:地上)?(?:建筑)?层数",
    "HEIGHT": r"^(?:建筑)?高度",
    "USE": r"^(?:功能|性质|用途|使用性质|建筑性质|使用功能|建筑功能|功能/性质)",
    "FLOOR_AREA": r"^(?:计容建筑面积|地上建筑面积|计容面积)",
}
TITLE = re.compile(r"(单体|建筑)[^\s]*一览表|建筑物一览表|单体建筑")


@dataclass
class Cell:
    text: str
    x: float          # estimated centre, in the table's own axes (drawing units)
    y: float
    h: float          # text height


@dataclass
class Row:
    name: str
    values: dict = field(default_factory=dict)     # FLOORS, HEIGHT, USE, FLOOR_AREA
    bad: list = field(default_factory=list)        # (field, raw) not understood


@dataclass
class Schedule:
    rows: dict                                     # name key -> Row
    where: str                                     # the header's layer
    columns: list                                  # the kinds found

    def get(self, name: str) -> Row | None:
        return self.rows.get(name_key(name))


def _kind(text: str) -> str | None:
    t = re.sub(r"\s+", "", text)
    for kind, pattern in HEADERS.items():
        if re.search(pattern, t):
            return kind
    return None


def _rot(x: float, y: float, deg: float) -> tuple[float, float]:
    a = math.radians(-deg)
    c, s = math.cos(a), math.sin(a)
    return (c * x - s * y, s * x + c * y)


def read(texts: list[tuple[str, float, float, float, float, str]]) -> Schedule | None:
    """The first building schedule found among `texts`: (content, centre x, centre y, height,
    rotation, layer) in drawing units. None when there is none."""
    heads = [(i, _kind(t[0])) for i, t in enumerate(texts)]
    heads = [(i, k) for i, k in heads if k is not None]
    for i, kind in heads:
        if kind != "NAME":
            continue
        text, x, y, h, rot, layer = texts[i]
        hx, hy = _rot(x, y, rot)
        row = {kind: hx}
        for j, other in heads:
            if j == i or other in row:
                continue
            t2 = texts[j]
            if abs(t2[4] - rot) > 1.0:
                continue
            ox, oy = _rot(t2[1], t2[2], rot)
            if abs(oy - hy) <= 0.8 * max(h, t2[3]) and abs(ox - hx) <= 80 * h:
                row[other] = ox
        if len(row) < 2:
            continue
        # a table's cells are drawn on its header's layer: texts of other layers lying in
        # its columns (labels of the plan beside it) are no cells
        schedule = _rows([t for t in texts if t[5] == layer], row, hy, h, rot)
        if schedule:
            return Schedule(schedule, layer, sorted(row, key=row.get))
    return None


def from_rows(rows: list[list[str]], where: str) -> Schedule | None:
    """A schedule from a table's cell texts, row by row (an ACAD_TABLE's content)."""
    from ezdxf.tools.text import plain_mtext

    cells = [[plain_mtext(c or "").replace("\n", " ").strip() for c in row] for row in rows]
    for r, row in enumerate(cells):
        kinds = {}
        for c, text in enumerate(row):
            k = _kind(text)
            if k is not None and k not in kinds:
                kinds[k] = c
        if "NAME" not in kinds or len(kinds) < 2:
            continue
        out: dict[str, Row] = {}
        for data in cells[r + 1:]:
            name = data[kinds["NAME"]] if kinds["NAME"] < len(data) else ""
            if not name or not _name_like(name):
                if out:
                    break
                continue
            out.setdefault(name_key(name), _row(name, {k: data[c] for k, c in kinds.items()
                                                       if k != "NAME" and c < len(data)}))
        if out:
            return Schedule(out, where, sorted(kinds, key=kinds.get))
    return None


def _row(name: str, by_col: dict[str, str]) -> Row:
    row = Row(name)
    for kind in ("FLOORS", "HEIGHT", "USE", "FLOOR_AREA"):
        raw = by_col.get(kind)
        if raw is None or raw.strip() in ("", "-", "—", "/"):
            continue
        try:
            if kind == "USE":
                value = use_word(raw) or glued_use(raw)
                if value is None:
                    raise BadValue(raw)
            else:
                value = parse_value(kind, raw.split("/")[0])
        except BadValue:
            row.bad.append((kind, raw))
            continue
        row.values[kind] = value
    return row


def _rows(texts, columns: dict[str, float], head_y: float, h: float, rot: float) -> dict:
    order = sorted(columns, key=columns.get)
    xs = [columns[k] for k in order]
    gaps = [b - a for a, b in zip(xs, xs[1:])] or [10 * h]
    left, right = xs[0] - gaps[0] / 2 - h, xs[-1] + gaps[-1] / 2 + h
    cells = []
    for t in texts:
        if abs(t[4] - rot) > 1.0 or not t[0].strip():
            continue
        x, y = _rot(t[1], t[2], rot)
        if left <= x <= right and y < head_y - 0.5 * h and y > head_y - 200 * h:
            cells.append(Cell(t[0].strip(), x, y, t[3]))
    cells.sort(key=lambda c: -c.y)
    lines: list[list[Cell]] = []
    for c in cells:
        if lines and abs(lines[-1][0].y - c.y) <= 0.6 * max(c.h, lines[-1][0].h):
            lines[-1].append(c)
        else:
            lines.append([c])
    out: dict[str, Row] = {}
    last_y, step = head_y, None
    for line in lines:
        y = line[0].y
        if step is not None and head_y - y > 0 and (last_y - y) > 2.5 * step:
            break
        by_col: dict[str, str] = {}
        for c in line:
            k = min(range(len(xs)), key=lambda n: abs(xs[n] - c.x))
            by_col.setdefault(order[k], c.text)
        name = by_col.get("NAME")
        if not name or not _name_like(name):
            if out:
                break
            continue
        step = step or (last_y - y)
        last_y = y
        row = _row(name, by_col)
        out.setdefault(name_key(name), row)
    return out


def _name_like(text: str) -> bool:
    from plancheck.extract.labels import read_label

    lab = read_label(text)
    return lab.strict_name or lab.existing
