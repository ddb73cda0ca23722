"""The `junit` format: report.junit.xml, one JUnit testcase per finding (CI test tabs).

Status -> JUnit: `fail` is a <failure>, `error` an <error>, `unknown` is <skipped> (the rule
applies but could not be decided; `--strict` makes the exit code count it), `warning` and
`pass` pass (a warning's message goes to <system-out>). The drawing is the testsuite.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from plancheck.render.json_file import write_atomic

#: characters XML 1.0 cannot hold (drawing text may contain them)
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render(report: dict, out_dir: Path, context=None) -> list[Path]:
    return [write_atomic(out_dir / "report.junit.xml", to_junit(report))]


def _clean(text: object) -> str:
    return _BAD_XML.sub("\ufffd", str(text))


def to_junit(report: dict) -> str:
    findings = report["findings"]
    counts = {s: sum(f["status"] == s for f in findings) for s in ("fail", "error", "unknown")}
    attrs = {"tests": str(len(findings)), "failures": str(counts["fail"]),
             "errors": str(counts["error"]), "skipped": str(counts["unknown"])}
    drawing = _clean(report["drawing"]["path"])
    root = ET.Element("testsuites", {"name": "plancheck", **attrs})
    suite = ET.SubElement(root, "testsuite", {"name": drawing, **attrs})
    props = ET.SubElement(suite, "properties")
    city = report.get("context_buildings") or {}
    for name, value in (("verdict", report["verdict"]), ("sha256", report["drawing"]["sha256"]),
                        ("ruleset", f"{report['ruleset']['id']} {report['ruleset']['version']}"),
                        ("plancheck", report["tool"]["version"]),
                        ("context-attribution", city.get("attribution"))):
        if value is not None:
            ET.SubElement(props, "property", {"name": name, "value": _clean(value)})
    for f in findings:
        subjects = " ".join(f["subjects"])
        case = ET.SubElement(suite, "testcase", {
            "classname": f"plancheck.{f['family']}.{f['rule']}",
            "name": _clean(f"{f['id']} {f['rule']} {subjects}".strip()),
            "file": drawing})
        message = _clean(f["message"])
        detail = _clean(_detail(f))
        if f["status"] == "fail":
            ET.SubElement(case, "failure", {"message": message, "type": "fail"}).text = detail
        elif f["status"] == "error":
            ET.SubElement(case, "error", {"message": message, "type": "error"}).text = detail
        elif f["status"] == "unknown":
            ET.SubElement(case, "skipped", {"message": f"unknown: {message}"})
        elif f["status"] == "warning":
            ET.SubElement(case, "system-out").text = f"warning: {message}"
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _detail(f: dict) -> str:
    lines = [f["message"]]
    if f.get("clause"):
        lines.append(f"clause: {f['clause']}")
    if f.get("measured") is not None or f.get("required") is not None:
        unit = f.get("unit") or ""
        lines.append(f"measured: {f.get('measured')} {unit}  required: {f.get('required')} {unit}")
    return "\n".join(lines)
