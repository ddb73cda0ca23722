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


def glb_bytes(report: dict) -> bytes:
    from plancheck.model.massing import white_model

    scene = white_model(report)
    if not scene.geometry:     # an empty drawing: trimesh exports no empty scene
        return empty_glb()
    scene.apply_transform(Z_UP_TO_Y_UP)
    return scene.export(file_type="glb")


def empty_glb() -> bytes:
    """A valid glTF 2.0 binary with one scene and no nodes: every drawing gets its model file,
    however empty (the HTML viewer then shows only its background)."""
    import json
    import struct

    doc = json.dumps({"asset": {"version": "2.0", "generator": "plancheck"}, "scene": 0,
                      "scenes": [{"nodes": []}]}, separators=(",", ":")).encode()
    doc += b" " * (-len(doc) % 4)
    return b"glTF" + struct.pack("<II", 2, 12 + 8 + len(doc)) + struct.pack("<I", len(doc)) + b"JSON" + doc


def render(report: dict, out_dir: Path, context=None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "model.glb"
    tmp = out_dir / ".model.glb.tmp"
    tmp.write_bytes(glb_bytes(report))
    tmp.replace(path)
    return [path]
