"""Text on the 3D figures, drawn with Pillow over the rendered image: titles, messages and
labels placed by labels.py (no two boxes overlap, each box recorded for figures.json).

VTK would place its point labels itself, where they may cover each other; drawing them here
after projecting their anchors with the view's own camera matrix puts every label where the
same placement rules as the plan allow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from plancheck.render.style import cjk_font, png_bytes
from plancheck.render.labels import Placer, box_at

PAD_X, PAD_Y = 6, 4


@dataclass
class Label:
    text: str
    a: tuple[float, float, float]          # anchor (scene coordinates); a dimension: its ends
    b: tuple[float, float, float]
    colour: tuple[int, int, int]
    size: int = 14                         # pixels
    kind: str = "dimension"                # dimension | building | role
    must: bool = False                     # fails/unknowns: leaders allowed, never dropped
    findings: list = field(default_factory=list)
    status: str | None = None
    box: bool = True                       # white box with a coloured border


@dataclass
class Text:
    text: str
    corner: str                            # upper_left | lower_left
    size: int = 18


_FONTS: dict[int, object] = {}


def font(size: int):
    from PIL import ImageFont

    if size not in _FONTS:
        path = cjk_font()
        _FONTS[size] = ImageFont.truetype(path, size) if path else ImageFont.load_default(size)
    return _FONTS[size]


def _project(proj, p, w, h):
    x, y, z = p
    X = proj[0][0] * x + proj[0][1] * y + proj[0][2] * z + proj[0][3]
    Y = proj[1][0] * x + proj[1][1] * y + proj[1][2] * z + proj[1][3]
    W = proj[3][0] * x + proj[3][1] * y + proj[3][2] * z + proj[3][3]
    if W <= 1e-9:
        return None
    return ((X / W + 1) / 2 * w, (1 - Y / W) / 2 * h)


def draw(png_rgb, proj, labels: list[Label], texts: list[Text]) -> tuple[bytes, list[dict], list[str]]:
    """The image with its texts and labels; returns (PNG bytes, label records, unlabelled ids).
    `proj`: scene (x, y, z) -> clip coordinates, as a 4x4 nested list."""
    from PIL import Image, ImageDraw

    img = Image.fromarray(png_rgb).convert("RGBA")
    w, h = img.size
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    records: list[dict] = []
    placer = Placer((2, 2, w - 2, h - 2))
    for t in texts:
        f = font(t.size)
        x0, y0, x1, y1 = d.multiline_textbbox((0, 0), t.text, font=f, spacing=4)
        tw, th = x1 - x0, y1 - y0
        left, top = 8, (8 if t.corner == "upper_left" else h - th - 10)
        box = (left - 2, top - 2, left + tw + 4, top + th + 4)
        d.rectangle(box, fill=(255, 255, 255, 170))
        d.multiline_text((left - x0, top - y0), t.text, font=f, fill=(0, 0, 0, 255), spacing=4)
        placer.take(box)
        records.append({"kind": "title" if t.corner == "upper_left" else "message",
                        "box": [round(v, 1) for v in box], "how": "fixed", "findings": []})
    unlabelled: list[str] = []
    ends = [(_project(proj, lab.a, w, h), _project(proj, lab.b, w, h)) for lab in labels]
    for k, (lab, (a, b)) in enumerate(zip(labels, ends)):
        if lab.must and a is not None and b is not None:
            # the anchor stays uncovered, so this label can always reach it
            placer.reserve(k, box_at((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, 14, 14))
    for k, (lab, (a, b)) in enumerate(zip(labels, ends)):
        if a is None or b is None:
            if lab.must:
                unlabelled += lab.findings
            continue
        f = font(lab.size)
        x0, y0, x1, y1 = d.multiline_textbbox((0, 0), lab.text, font=f, spacing=3, align="center")
        bw, bh = x1 - x0 + 2 * PAD_X, y1 - y0 + 2 * PAD_Y
        if lab.kind == "dimension" or lab.must:
            got = placer.place(a, b, bw, bh, lab.must, me=k)
        else:
            got = placer.place_fixed([(a[0], a[1] - bh / 2 - 2, bw, bh), (a[0], a[1], bw, bh)])
        if got is None:
            if lab.must:
                unlabelled += lab.findings
            continue
        colour = (*lab.colour, 255)
        if got.leader:
            (px, py), q = got.leader
            d.line([(px, py), q], fill=colour, width=2)
            d.ellipse((px - 3, py - 3, px + 3, py + 3), fill=colour)
        bx0, by0, bx1, by1 = got.box
        if lab.box:
            d.rectangle((bx0, by0, bx1 - 1, by1 - 1), fill=(255, 255, 255, 225),
                        outline=colour, width=2 if lab.must else 1)
        else:
            d.rectangle((bx0, by0, bx1 - 1, by1 - 1), fill=(255, 255, 255, 190))
        d.multiline_text((bx0 + PAD_X - x0, by0 + PAD_Y - y0), lab.text, font=f, fill=colour,
                         spacing=3, align="center")
        rec = {"kind": lab.kind, "box": [round(v, 1) for v in got.box], "how": got.how,
               "findings": list(lab.findings)}
        if lab.status:
            rec["status"] = lab.status
        if got.leader:
            rec["leader"] = [[round(v, 1) for v in p] for p in got.leader]
        records.append(rec)
    return png_bytes(Image.alpha_composite(img, layer).convert("RGB")), records, unlabelled
