"""The `glb` format: model.glb, the white model as binary glTF 2.0.

One node per building, named exactly as the building (so a viewer can find "3#"), holding that
building's masses; ground nodes for the site, roads, greens and rivers. glTF is Y-up, so the
model's Z-up metres are turned (x, y, z) -> (x, z, -y) by each node's matrix; the drawing
coordinates of the model origin are in the scene's `extras.plancheck_origin`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: model (x east, y north, z up) -> glTF (x, y up, z towards the viewer)
Z_UP_TO_Y_UP = np.array([[1.0, 0.0, 0.0, 0.0],
                         [0.0, 0.0, 1.0, 0.0],
                         [0.0, -1.0, 0.0, 0.0],
                         [0.0, 0.0, 0.0, 1.0]])


#: the last model built, by the very report object it was built from: `check` writes
#: model.glb and embeds the same bytes in report.html, and builds the model once
_LAST: list = []


def glb_bytes(report: dict) -> bytes:
    if not (_LAST and _LAST[0] is report):
        keep(report, _glb_bytes(report))
    return _LAST[1]


def keep(report: dict, data: bytes) -> None:
    """Remember `data` as this report object's model (built elsewhere: the figures' worker)."""
    _LAST[:] = [report, data]


def _glb_bytes(report: dict) -> bytes:
    from plancheck.render.massing import white_model

    scene = white_model(report)
    if not scene.geometry:        # an empty drawing: trimesh can neither turn nor export it
        return _empty_glb(scene.metadata)
    scene.apply_transform(Z_UP_TO_Y_UP)
    return scene.export(file_type="glb")


def _empty_glb(extras: dict) -> bytes:
    """A valid glTF 2.0 binary with one scene and no nodes (a drawing with nothing to model)."""
    import json
    import struct

    doc = json.dumps({"asset": {"version": "2.0", "generator": "plancheck"}, "scene": 0,
                      "scenes": [{"nodes": [], "extras": extras}]},
                     ensure_ascii=False).encode("utf-8")
    doc += b" " * (-len(doc) % 4)
    return (struct.pack("<4sII", b"glTF", 2, 12 + 8 + len(doc))
            + struct.pack("<I4s", len(doc), b"JSON") + doc)


def render(report: dict, out_dir: Path, context=None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "model.glb"
    from plancheck.render.json_file import write_atomic

    return [write_atomic(path, glb_bytes(report))]
