"""Building data values and the label grammar (PCDS-1 §3), road-width text (§5), and the label
forms design institutes write on their 总平面图.

A label is one TEXT / MTEXT (or several inside one outline: `1#`, `6F`, `H=18.6`). Its tokens
are read as:

- NAME: `1#`, `12#`, `A栋`, `3号楼`, `S1`, `T2#`... with words glued to it: `3#楼` is 3#,
  `4#住宅` is 4# and residential, `8#门卫` is 8# and other. The first token of a PCDS-1 label is
  its NAME even if it looks like none of these (`Ａ棟`), unless it is noise (below).
- USE: the PCDS-1 words and an institute vocabulary (配套用房, 门卫, 垃圾房, 变电所, 社区用房,
  商业, 会所, 物业...), alone or glued (`现状住宅`, `18层住宅`).
- FLOORS: `6F`, `6层`, `6f`, `地上6层`; HEIGHT: `H=18.6`, `H=18.6m`, `18.6m`, `18.60米`,
  `高度18.6m`, `建筑高度18.6`; both at once: `6F/18.60m`.
- status: `现状`, `保留`, `已建`, `原有` glued to a word mark an existing building (`现状住宅 6F`).
- never a value: elevations (`%%p0.000=4.650`, `±0.000`, `+4.650`, `标高`), coordinates
  (`X=...`, `J1`), areas, percentages, plain numbers, notes (a `：` or longer than a label).
- not a building: a text naming what an outline is when it is not a building (地库, 地下车库,
  地下室, 人防, 建筑控制线, 控制线, 退界线, 用地红线, 车位...).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

#: PCDS-1 §3 USE words (English words map to themselves), and the institute vocabulary.
USE_WORDS: dict[str, str] = {
    "住宅": "residential", "居住": "residential", "公寓": "residential", "酒店式公寓": "residential",
    "办公": "office", "公寓式办公": "office",
    "商业": "commercial",
    "旅馆": "hotel", "酒店": "hotel", "公寓式酒店": "hotel",
    "学校": "school", "教学楼": "school",
    "幼儿园": "kindergarten", "托儿所": "kindergarten",
    "医院": "hospital", "病房楼": "hospital", "疗养院": "hospital",
    "工业": "industrial", "厂房": "industrial", "仓储": "industrial",
}
#: Words institutes write on 总平面图 labels and in 单体建筑一览表 (功能 / 性质 columns).
INSTITUTE_USE_WORDS: dict[str, str] = {
    "住宅楼": "residential", "高层住宅": "residential", "多层住宅": "residential",
    "低层住宅": "residential", "洋房": "residential", "叠加别墅": "residential",
    "联排别墅": "residential", "别墅": "residential", "宿舍": "residential",
    "人才公寓": "residential", "租赁住房": "residential", "保障房": "residential",
    "商铺": "commercial", "商店": "commercial", "底商": "commercial", "超市": "commercial",
    "菜场": "commercial", "菜市场": "commercial", "农贸市场": "commercial", "会所": "commercial",
    "商业用房": "commercial", "商业配套": "commercial", "餐饮": "commercial",
    "办公楼": "office", "物业": "office", "物业用房": "office", "物业管理用房": "office",
    "物业管理": "office", "管理用房": "office",
    "宾馆": "hotel", "小学": "school", "中学": "school", "幼托": "kindergarten",
    "配套": "other", "配套用房": "other", "公建配套": "other", "配套公建": "other",
    "社区用房": "other", "社区中心": "other", "社区服务中心": "other", "社区服务用房": "other",
    "社区活动中心": "other", "文化活动室": "other", "活动室": "other", "老年活动室": "other",
    "门卫": "other", "门卫室": "other", "门房": "other", "传达室": "other",
    "垃圾房": "other", "垃圾站": "other", "垃圾收集站": "other", "垃圾收集点": "other",
    "变电所": "other", "变电站": "other", "开闭所": "other", "配电房": "other", "配电间": "other",
    "泵房": "other", "水泵房": "other", "设备用房": "other", "设备房": "other",
    "非机动车库": "other", "自行车库": "other", "公厕": "other", "公共厕所": "other",
    "消控室": "other", "消防控制室": "other", "其他": "other",
}
USE_WORDS.update(INSTITUTE_USE_WORDS)
for _w in ("residential", "office", "commercial", "hotel", "school", "kindergarten", "hospital",
           "industrial", "other"):
    USE_WORDS[_w] = _w
#: longest first, for words glued to a name or a status word
_USE_BY_LENGTH = sorted(USE_WORDS, key=len, reverse=True)

FIELDS = ("NAME", "USE", "FLOORS", "HEIGHT", "FLOOR_AREA")
#: Attribute tags accepted for each field (case-insensitive), PCDS-1 §3 carrier 1, and the
#: tags institutes' 楼号 blocks use.
TAGS = {"NAME": "NAME", "名称": "NAME", "USE": "USE", "性质": "USE", "FLOORS": "FLOORS",
        "层数": "FLOORS", "HEIGHT": "HEIGHT", "高度": "HEIGHT", "FLOOR_AREA": "FLOOR_AREA",
        "建筑面积": "FLOOR_AREA",
        "楼号": "NAME", "栋号": "NAME", "楼栋号": "NAME", "幢号": "NAME", "编号": "NAME",
        "建筑编号": "NAME", "建筑名称": "NAME", "功能": "USE", "用途": "USE",
        "建筑层数": "FLOORS", "地上层数": "FLOORS", "建筑高度": "HEIGHT"}

_NUM = r"(\d+(?:\.\d+)?)"
_FLOORS_TOKEN = re.compile(r"^(?:地上)?(\d+)(?:F|层|L)$", re.IGNORECASE)
_HEIGHT_TOKEN = re.compile(rf"^(?:H\s*[=＝:：]\s*{_NUM}(?:m|米)?|(?:建筑)?高度\s*[=＝:：]?\s*{_NUM}(?:m|米)?"
                           rf"|{_NUM}(?:m|米))$", re.IGNORECASE)
_FLOORS_HEIGHT = re.compile(rf"^(\d+)(?:F|层)[/／]{_NUM}(?:m|米)?$", re.IGNORECASE)
_WIDTH = re.compile(rf"(?:W\s*[=＝]\s*|(?:道路)?红线宽度?\s*[=＝:：]?\s*|路宽\s*[=＝:：]?\s*|宽\s*){_NUM}"
                    r"\s*(?:m|M|米)?", re.IGNORECASE)
#: a building name: 1#, 12#, A栋, 3号楼, S1, T2#, A-1#, 1-2#
_NAME = re.compile(r"(?:[A-Za-z]{1,3}[-_]?)?\d{1,3}(?:[-_]\d{1,2})?[A-Za-z]?(?:#|号楼|号|栋|幢|座)"
                   r"|[A-Za-z]{1,2}(?:#|栋|幢|座)|[A-Za-z]{1,2}\d{1,3}[A-Za-z]?")
_NAME_FULL = re.compile(rf"^({_NAME.pattern})(.*)$")
_STATUS = re.compile(r"^(现状|保留|已建|原有|现有|既有)(.*)$")
#: elevations: ±0.000=4.650, %%p0.000, +4.650, 标高 4.650, ▽4.650
_ELEVATION = re.compile(r"^(?:%%[pP]|±|\+-|\+|▽|标高)\s*\d+\.\d{2,3}(?:\s*[=＝(（].*)?$|^\d+\.\d{3}$"
                        r"|^(?:%%[pP]|±)")
_NOISE = re.compile(r"[：:]|^[XYxy]\s*=|^J\d+$|^[\d.,]+$|%|㎡|m2|m²|平方米|^\(|^（|^-?\d+\.\d+,")
#: words naming an outline that is not a building
NOT_BUILDING_WORDS = {
    "underground": ("地库", "地下车库", "地下室", "人防", "地下建筑", "地下汽车库", "地下停车库"),
    "control line": ("建筑控制线", "控制线", "退界线", "退让线", "建筑红线", "后退线"),
    "site": ("用地红线", "用地界线", "用地范围"),
    "parking": ("车位", "停车位", "停车场"),
}


class BadValue(ValueError):
    """A carrier gave a field a value that cannot be understood."""


#: Numbers beyond these are damage or typing errors, not data: a value past them is not
#: understood (storey counts and lengths must also stay finite through GFA and areas).
MAX_FLOORS = 10_000
MAX_NUMBER = 1e9


def _in_range(field: str, value: float) -> bool:
    return 0 < value <= (MAX_FLOORS if field == "FLOORS" else MAX_NUMBER)


def _fold(text: str) -> str:
    """Full-width letters, digits and signs as ASCII (Ｈ＝１８ -> H=18), spaces trimmed."""
    return unicodedata.normalize("NFKC", text).strip() if text else text


def use_word(word: str) -> str | None:
    w = word.strip()
    return USE_WORDS.get(w.casefold()) or USE_WORDS.get(w) or USE_WORDS.get(_fold(w))


def glued_use(word: str) -> str | None:
    """The use a word holds, alone or glued to others (`18层住宅`, `社区用房`, `住宅楼`)."""
    direct = use_word(word)
    if direct is not None:
        return direct
    for w in _USE_BY_LENGTH:
        if len(w) >= 2 and not w.isascii() and w in word:
            return USE_WORDS[w]
    return None


def not_building_word(text: str) -> str | None:
    """What an outline is when a text inside it says it is no building: the text is one of
    the words, alone or with 范围 / 轮廓线 / 边线 (`地下车库`, `地库范围线`, `建筑控制线`), not a
    phrase that merely mentions one (`地下车库出入口`)."""
    t = re.sub(r"[\s()（）:：,，.。-]", "", text)
    for kind, words in NOT_BUILDING_WORDS.items():
        for w in sorted(words, key=len, reverse=True):
            if w in t:
                rest = t.replace(w, "", 1)
                if len(rest) <= 3 and "口" not in rest and "道" not in rest:
                    return kind
    return None


def name_key(name: str) -> str:
    """A building name's matching key: 1#, 1#楼, 1号楼, 1栋, １＃ all give `1`."""
    t = _fold(name).replace(" ", "")
    m = re.fullmatch(r"((?:[A-Za-z]{1,3}[-_]?)?\d{1,3}(?:[-_]\d{1,2})?[A-Za-z]?|[A-Za-z]{1,2})"
                     r"(?:#|号楼|号|栋|幢|座)?楼?", t)
    return (m.group(1) if m else t).upper()


def parse_value(field: str, raw: str) -> str | int | float:
    """Parse one KEY=VALUE field (attribute or XDATA carrier); raise BadValue if it is not valid."""
    text = raw.strip()
    if not text:
        raise BadValue(raw)
    if field == "NAME":
        return text
    if field == "USE":
        use = use_word(text) or glued_use(text)
        if use is None:
            raise BadValue(raw)
        return use
    text = _fold(text)
    if field == "FLOORS":
        m = re.fullmatch(r"(?:地上)?(\d+)\s*(?:F|层)?", text, re.IGNORECASE)
        if not m or not _in_range(field, int(m.group(1))):
            raise BadValue(raw)
        return int(m.group(1))
    number = re.fullmatch(rf"(?:H\s*=\s*)?{_NUM}\s*(?:m|米|m2|m²|㎡|平方米)?", text, re.IGNORECASE)
    if not number or not _in_range(field, float(number.group(1))):
        raise BadValue(raw)
    return float(number.group(1))


@dataclass
class Label:
    """What one text says about a building."""

    fields: dict = field(default_factory=dict)       # NAME, USE, FLOORS, HEIGHT
    unparsed: list = field(default_factory=list)
    strict_name: bool = False          # the NAME has the form of a building name (1#, A栋)
    existing: bool = False             # 现状 / 保留 / 已建 ... : an existing building
    elevation: bool = False            # it holds an elevation (never a height)
    not_building: str | None = None    # "underground", "control line"...: the outline is none

    @property
    def label_like(self) -> bool:
        """Reads as a building label even outside every outline: a name marked as a building's
        (1#, 3号楼, A栋), floors or a height. `C3`, `T001`, `A6` (window, equipment and detail
        tags) are names only inside an outline."""
        name = str(self.fields.get("NAME", ""))
        marked = self.strict_name and bool(re.search(r"[#号栋幢座]", _fold(name)))
        return marked or "FLOORS" in self.fields or "HEIGHT" in self.fields

    @property
    def empty(self) -> bool:
        return not self.fields and not self.existing


def _tokens(text: str) -> list[str]:
    for sep in ("，", "、", ","):
        text = text.replace(sep, " ")
    return text.split()


def read_label(text: str) -> Label:
    """Read a label in any of the forms of the module docstring."""
    out = Label()
    raw = (text or "").strip()
    if not raw:
        return out
    folded = _fold(raw)
    out.not_building = not_building_word(folded)
    originals = _tokens(raw)
    tokens = [_fold(t) for t in originals]
    if len(tokens) > 6 or any(c in folded for c in "。；;") or re.search(r"\b[XY]\s*=\s*-?\d", folded):
        out.unparsed = originals          # a note, a sentence or a coordinate, not a label
        return out
    f = out.fields
    for i, (token, original) in enumerate(zip(tokens, originals)):
        if _ELEVATION.search(token):
            out.elevation = True
            continue
        if (use := use_word(token)) is not None:
            f.setdefault("USE", use)
            continue
        if (m := _FLOORS_HEIGHT.match(token)):
            if _in_range("FLOORS", int(m.group(1))):
                f.setdefault("FLOORS", int(m.group(1)))
            if _in_range("HEIGHT", float(m.group(2))):
                f.setdefault("HEIGHT", float(m.group(2)))
            continue
        if (m := _FLOORS_TOKEN.match(token)) and _in_range("FLOORS", int(m.group(1))):
            f.setdefault("FLOORS", int(m.group(1)))
            continue
        if (m := _HEIGHT_TOKEN.match(token)):
            h = float(next(g for g in m.groups() if g is not None))
            if _in_range("HEIGHT", h):
                f.setdefault("HEIGHT", h)
                continue
        if (m := re.match(r"^(?:地上)?(\d+)层(.+)$", token)) and glued_use(m.group(2)):
            f.setdefault("FLOORS", int(m.group(1)))       # 18层住宅
            f.setdefault("USE", glued_use(m.group(2)))
            continue
        if (m := _STATUS.match(token)):
            out.existing = True
            rest = m.group(2)
            if rest and (use := glued_use(rest)):
                f.setdefault("USE", use)
            if i == 0 and "NAME" not in f:
                f["NAME"] = original                       # 现状住宅: named as the drawing says
            continue
        if (m := _NAME_FULL.match(token)) and "NAME" not in f:
            name, rest = m.group(1), m.group(2)
            if not rest or rest == "楼" or glued_use(rest):
                if rest and rest != "楼":
                    f.setdefault("USE", glued_use(rest))
                f["NAME"] = name
                out.strict_name = True
                continue
        if _NOISE.search(token) or parse_road_label(token) or road_name(token):
            out.unparsed.append(original)      # noise, a road's width or name
            continue
        if i == 0 and "NAME" not in f and out.not_building is None and len(token) <= 60:
            use = glued_use(token)
            if use is not None:
                f.setdefault("USE", use)                   # 社区用房楼 ...
            f["NAME"] = original                           # PCDS-1: the first token is the NAME
            continue
        if (use := glued_use(token)) is not None:
            f.setdefault("USE", use)
            continue
        out.unparsed.append(original)
    return out


def parse_label(text: str) -> tuple[dict[str, str | int | float], list[str]]:
    """Parse a label (`1# 住宅 18F H=54.0`); returns (fields, tokens it did not understand).

    The first token is the NAME unless it is itself a USE, FLOORS or HEIGHT token (or noise:
    an elevation, a coordinate, a number), so a second label line such as `18F H=54` inside
    the same outline adds data without renaming the mass.
    """
    lab = read_label(text)
    return dict(lab.fields), list(lab.unparsed)


def parse_road_label(text: str) -> tuple[str | None, float] | None:
    """`漕溪北路 W=40`, `宽40米`, `红线宽度40米`, `道路红线宽40m`, `规划三路  红线宽24m`
    -> (road name or None, width)."""
    text = _fold(text)
    m = _WIDTH.search(text)
    if not m:
        return None
    name = text[: m.start()].strip(" :：,，()（）")
    name = re.sub(r"(?:规划)?(?:道路)?(?:红线)?$", "", name).strip(" :：,，") or None
    width = float(m.group(1))
    return (name, width) if _in_range("WIDTH", width) else None


#: a road name: 祁连山南路, 规划三路, 经二路, 沪闵路, 人民大道, 某某街, 某某公路, 某某弄
ROAD_NAME = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9]{1,12}(?:路|街|大道|公路|道|巷|弄|大街)$")


def road_name(text: str) -> str | None:
    """A text that is only a road's name (`祁连山南路`), or None."""
    t = _fold(text).replace(" ", "")
    if not ROAD_NAME.match(t) or not_building_word(t) or t.startswith(("道路", "规划道路")):
        return None
    return t


def plain_text(entity) -> str:
    """Text content with MTEXT codes stripped and R2000-2004 `\\U+XXXX` escapes decoded."""
    from plancheck.read.dxf import decode_escapes

    try:
        text = entity.plain_text()
    except Exception:  # noqa: BLE001 - malformed MTEXT content: fall back to the raw string
        text = entity.dxf.get("text", "")
    if isinstance(text, list):
        text = " ".join(text)
    return decode_escapes(text).replace("\n", " ").strip()
