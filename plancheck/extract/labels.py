"""Building data values and the label grammar (PCDS-1 §3), road-width text (§5)."""

from __future__ import annotations

import re

#: PCDS-1 §3 USE words (English words map to themselves).
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
for _w in ("residential", "office", "commercial", "hotel", "school", "kindergarten", "hospital",
           "industrial", "other"):
    USE_WORDS[_w] = _w

FIELDS = ("NAME", "USE", "FLOORS", "HEIGHT", "FLOOR_AREA")
#: Attribute tags accepted for each field (case-insensitive), PCDS-1 §3 carrier 1.
TAGS = {"NAME": "NAME", "名称": "NAME", "USE": "USE", "性质": "USE", "FLOORS": "FLOORS",
        "层数": "FLOORS", "HEIGHT": "HEIGHT", "高度": "HEIGHT", "FLOOR_AREA": "FLOOR_AREA",
        "建筑面积": "FLOOR_AREA"}

_NUM = r"(\d+(?:\.\d+)?)"
_FLOORS_TOKEN = re.compile(r"^(\d+)(?:F|层)$", re.IGNORECASE)
_HEIGHT_TOKEN = re.compile(rf"^(?:H={_NUM}(?:m|米)?|{_NUM}(?:m|米))$", re.IGNORECASE)
_WIDTH = re.compile(rf"(?:W\s*=\s*|红线宽度\s*|红线宽\s*|宽\s*){_NUM}\s*(?:m|米)?", re.IGNORECASE)


class BadValue(ValueError):
    """A carrier gave a field a value that cannot be understood."""


#: Numbers beyond these are damage or typing errors, not data: a value past them is not
#: understood (storey counts and lengths must also stay finite through GFA and areas).
MAX_FLOORS = 10_000
MAX_NUMBER = 1e9


def _in_range(field: str, value: float) -> bool:
    return 0 < value <= (MAX_FLOORS if field == "FLOORS" else MAX_NUMBER)


def use_word(word: str) -> str | None:
    return USE_WORDS.get(word.strip().casefold()) or USE_WORDS.get(word.strip())


def parse_value(field: str, raw: str) -> str | int | float:
    """Parse one KEY=VALUE field (attribute or XDATA carrier); raise BadValue if it is not valid."""
    text = raw.strip()
    if not text:
        raise BadValue(raw)
    if field == "NAME":
        return text
    if field == "USE":
        use = use_word(text)
        if use is None:
            raise BadValue(raw)
        return use
    if field == "FLOORS":
        m = re.fullmatch(r"(\d+)\s*(?:F|层)?", text, re.IGNORECASE)
        if not m or not _in_range(field, int(m.group(1))):
            raise BadValue(raw)
        return int(m.group(1))
    number = re.fullmatch(rf"(?:H\s*=\s*)?{_NUM}\s*(?:m|米|m2|m²|㎡|平方米)?", text, re.IGNORECASE)
    if not number or not _in_range(field, float(number.group(1))):
        raise BadValue(raw)
    return float(number.group(1))


def parse_label(text: str) -> tuple[dict[str, str | int | float], list[str]]:
    """Parse a label (`1# 住宅 18F H=54.0`); returns (fields, tokens it did not understand).

    The first token is the NAME unless it is itself a USE, FLOORS or HEIGHT token, so a second
    label line such as `18F H=54` inside the same outline adds data without renaming the mass.
    """
    fields: dict[str, str | int | float] = {}
    unparsed: list[str] = []
    for i, token in enumerate(text.split()):
        if (use := use_word(token)) is not None:
            fields.setdefault("USE", use)
        elif (m := _FLOORS_TOKEN.match(token)) and _in_range("FLOORS", int(m.group(1))):
            fields.setdefault("FLOORS", int(m.group(1)))
        elif (m := _HEIGHT_TOKEN.match(token)) and _in_range("HEIGHT", float(m.group(1) or m.group(2))):
            fields.setdefault("HEIGHT", float(m.group(1) or m.group(2)))
        elif i == 0:
            fields["NAME"] = token
        else:
            unparsed.append(token)
    return fields, unparsed


def parse_road_label(text: str) -> tuple[str | None, float] | None:
    """`漕溪北路 W=40`, `宽40米`, `红线宽度40米`, `红线宽40` -> (road name or None, width)."""
    m = _WIDTH.search(text)
    if not m:
        return None
    name = text[: m.start()].strip(" :：,，")
    width = float(m.group(1))
    return (name or None, width) if _in_range("WIDTH", width) else None


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
