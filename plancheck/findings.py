"""A finding: one checked thing, with its status, numbers, citation and measured geometry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUSES = ("pass", "fail", "unknown", "warning", "error")
FAMILIES = ("spacing", "setback", "road-setback", "road-height", "river-setback", "capacity",
            "facade", "sunlight", "drawing")


@dataclass
class Finding:
    """One row of report.json `findings` (see shared/spec/report.md).

    `geometry` is in the model frame (metres, north-up) while checks run; the report
    converts it to drawing coordinates when it is written.
    """

    rule: str                     # clause id (SH-23-1) or DRW code
    family: str
    status: str
    message: str
    clause: str | None = None     # the article as cited, e.g. 第二十三条（一）1
    subjects: list[str] = field(default_factory=list)
    measured: float | None = None
    required: float | None = None
    unit: str | None = None
    geometry: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # family-specific fields (metric, text...)
    id: str = ""                  # F0001..., assigned when the report is built

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")
        if self.family not in FAMILIES:
            raise ValueError(f"unknown family {self.family!r}")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id, "rule": self.rule, "clause": self.clause, "family": self.family,
            "status": self.status, "subjects": list(self.subjects), "measured": self.measured,
            "required": self.required, "unit": self.unit, "message": self.message,
            "geometry": self.geometry,
        }
        d.update(self.extra)
        return d


# --- Drawing findings (PCDS-1 §7): stable codes, their status and message templates. ----------

#: code -> (status, PCDS-1 section, zh template, en template)
DRAWING_CODES: dict[str, tuple[str, str, str, str]] = {
    "DRW-SITE-MISSING": ("error", "PCDS-1 §2",
                         "未找到用地红线（PC-SITE 图层上的闭合多段线），依赖基地面积的指标无法计算",
                         "no site parcel (closed polyline on PC-SITE): indicators that need the site area are unknown"),
    "DRW-SITE-MULTIPLE": ("error", "PCDS-1 §2",
                          "用地红线图层上有 {count} 个闭合轮廓，应只有一个；基地面积无法确定",
                          "{count} closed outlines on the site layer, exactly one is allowed: the site area is unknown"),
    "DRW-CLOSE": ("warning", "PCDS-1 §2",
                  "{layer} 图层上的轮廓 {handle} 未设闭合标记，首末点相距 {gap:.4f} m，已按闭合处理",
                  "outline {handle} on {layer} is not flagged closed; first and last vertex {gap:.4f} m apart, read as closed"),
    "DRW-OPEN": ("error", "PCDS-1 §2",
                 "{layer} 图层上的轮廓 {handle} 不闭合（首末点相距 {gap:.3f} m），未读入",
                 "outline {handle} on {layer} is open (first and last vertex {gap:.3f} m apart) and was not read"),
    "DRW-CHAINED": ("warning", "PCDS-1 §2",
                    "{layer} 图层上的 {count} 段散线（{types}）按 {tol} m 连接容差连成闭合轮廓 {handle}（{area:.2f} m²），请核对",
                    "{count} loose pieces ({types}) on {layer} were chained (snap {tol} m) into closed outline {handle} ({area:.2f} m²); please check"),
    "DRW-CHAIN-OPEN": ("error", "PCDS-1 §2",
                       "{layer} 图层上的 {count} 段散线（{types}）未能连成闭合轮廓（{gap_text}），未读入",
                       "{count} loose pieces ({types}) on {layer} do not chain into a closed outline ({gap_text_en}) and were not read"),
    "DRW-UNSUPPORTED": ("warning", "PCDS-1 §7",
                        "{count} 个图元类型无法识别（{types}），未读入；自定义对象（如天正 TCH_*）须先分解或导出为标准 AutoCAD 图元",
                        "{count} entities of a type plancheck cannot read ({types}) were skipped; custom objects (e.g. Tianzheng TCH_*) must be exploded or exported to plain AutoCAD entities first"),
    "DRW-BLOCK": ("warning", "PCDS-1 §2",
                  "图块 {block} {reason_zh}，其中的图元未读入",
                  "block {block} {reason}: its contents were not read"),
    "DRW-INVALID": ("error", "PCDS-1 §2",
                    "{layer} 图层上的轮廓 {handle} 自相交或退化（{reason}），已修复后读入，请检查",
                    "outline {handle} on {layer} is self-intersecting or degenerate ({reason}); it was repaired, please check"),
    "DRW-DAMAGED": ("error", "PCDS-1 §7",
                    "{layer} 图层上的图元 {handle}（{entity_type}）几何数据已损坏（{reason}），未读入",
                    "entity {handle} ({entity_type}) on {layer} has damaged geometry ({reason}) and was not read"),
    "DRW-IGNORED": ("warning", "PCDS-1 §2",
                    "{layer} 图层上的 {count} 个 {entity_type} 图元不是该图层要求的类型，未读入",
                    "{count} {entity_type} entities on {layer} are not the kind this layer takes and were not read"),
    "DRW-DATA": ("error", "PCDS-1 §3",
                 "建筑 {name}（{handle}）缺少 {fields}，需要这些数据的条款在其取值可能改变结论时报告“未知”",
                 "building mass {name} ({handle}) lacks {fields}: rules that need them report unknown "
                 "where the missing value could change the verdict"),
    "DRW-VALUE": ("warning", "PCDS-1 §3",
                  "图元 {handle}（{layer}）的 {field} 值“{value}”无法识别，已忽略",
                  "entity {handle} on {layer}: {field} value '{value}' is not understood and was ignored"),
    "DRW-CONFLICT": ("warning", "PCDS-1 §3",
                     "建筑 {name}（{handle}）的 {field}：{winner} 给出 {kept}，{loser} 给出 {other}，采用 {kept}",
                     "building mass {name} ({handle}) {field}: {winner} says {kept}, {loser} says {other}; {kept} is used"),
    "DRW-OUTSIDE": ("warning", "PCDS-1 §2",
                    "拟建建筑 {name} 的轮廓有 {area:.2f} m² 位于用地红线之外",
                    "proposed building {name}: {area:.2f} m² of its outline lies outside the site"),
    "DRW-LABEL-ORPHAN": ("warning", "PCDS-1 §3",
                         "{layer} 图层上的标注“{text}”不在任何建筑轮廓内，未使用",
                         "label '{text}' on {layer} lies inside no building outline and was not used"),
    "DRW-UNITS": ("warning", "PCDS-1 §1",
                  "图纸声明单位为 {declared}，但用地面积按 {declared} 计为 {area_declared:.6g} m²，不合理；已按 {used} 读取（{area_used:.6g} m²）",
                  "the drawing declares {declared}, but the site would then be {area_declared:.6g} m², implausible; read as {used} ({area_used:.6g} m²)"),
    "DRW-ROAD-WIDTH": ("warning", "PCDS-1 §5",
                       "道路红线 {handle}（{name}）没有红线宽度，相关条款将报告“未知”",
                       "road red line {handle} ({name}) has no width: road rules report unknown for it"),
    "DRW-ROAD-CORNER": ("warning", "PCDS-1 §5",
                        "道路红线 {handle} 在 ({x:.2f}, {y:.2f}) 处转角 {turn:.0f}°，未画切角曲线：第三十七条的切点无法确定",
                        "road red line {handle} turns {turn:.0f}° at ({x:.2f}, {y:.2f}) without a curve: the tangent points of 第三十七条 cannot be found"),
    "DRW-WINDOW": ("warning", "PCDS-1 §5",
                   "窗 {handle} 不在任何建筑轮廓边上（{tol} m 以内），未使用",
                   "window {handle} lies on no building outline edge (within {tol} m) and was not used"),
    "DRW-NORTH": ("warning", "PCDS-1 §1",
                  "图中有 {count} 个指北针块 PC-NORTH，方向不一致（另有 {others}）；采用第一个：北向 {used}°",
                  "{count} PC-NORTH blocks disagree (others point at {others}); the first is used: north at {used}°"),
    "DRW-RECOVERED": ("warning", "PCDS-1 §7",
                      "图纸文件有损坏，已用恢复模式读取（{detail}），请核对结果",
                      "the drawing file is damaged and was read in recovery mode ({detail}); check the results"),
    "DRW-TRUNCATED": ("error", "PCDS-1 §7",
                      "图纸文件不完整（缺少文件结尾），仅恢复出 {count} 个图元，结果可能缺项",
                      "the drawing file is truncated (no end of file); only {count} entities were recovered, results may be incomplete"),
    "DRW-NOT-BUILDING": ("warning", "PCDS-1 §3",
                         "{layer} 图层上的轮廓 {handle}（{area:.1f} m²）不是建筑：{reason_zh}；未作为建筑读入",
                         "outline {handle} on {layer} ({area:.1f} m²) is not a building: {reason}; it was not read as one"),
    "DRW-SKIPPED": ("warning", "PCDS-1 §2",
                    "{layer} 图层上未读入 {count} 个图元：{items_zh}",
                    "{count} entities on {layer} were not read: {items}"),
    "DRW-INFERRED": ("warning", "PCDS-1 §7",
                     "{detail_zh}",
                     "{detail}"),
    "DRW-EMPTY": ("error", "PCDS-1 §7",
                  "模型空间没有任何图元",
                  "model space holds no entities"),
}


def drawing_finding(code: str, lang: str = "zh", subjects: list[str] | None = None,
                    entity: str | None = None, layer: str | None = None, **values) -> Finding:
    """A `drawing` family finding from the catalogue above."""
    status, section, zh, en = DRAWING_CODES[code]
    template = zh if lang == "zh" else en
    extra = {}
    if entity is not None:
        extra["entity"] = entity
    if layer is not None:
        extra["layer"] = layer
    return Finding(rule=code, family="drawing", status=status, clause=section,
                   message=template.format(layer=layer, handle=entity, **values),
                   subjects=list(subjects or []), extra=extra)
