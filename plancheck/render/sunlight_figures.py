"""Sunlight figures, rendered from a sunlight document alone (sunlight.json, or a report's
`sunlight` section): one facade-elevation sheet per receiver, every analysed facade unrolled
with its windows coloured by their minutes of winter-solstice sun (reds short of the
requirement, greens meeting it), and the 等时线 plan: shadow-duration iso-lines (1 h / 2 h /
3 h) on the plane of a ground-floor sill over the scheme.
"""

from __future__ import annotations

from pathlib import Path

from plancheck.render.json_file import write_atomic
from plancheck.render.style import figure_png, matplotlib_cjk, status_hex
from plancheck.sunlight.output import figure_name

ISO_FILE = "figures/sunlight-isochrones.png"
#: facade sheets get at most this many facades (the longest first), so a sheet stays legible
MAX_FACADES = 8





def _req_en(req: dict) -> str:
    """The requirement in English (report.json words it in Chinese)."""
    if req.get("minutes") is None:
        return req.get("text") or "—"
    return f"{req['minutes']:g} min {req.get('measure') or ''} full-window sun" + \
        (" (not worse than before)" if req.get("no_worse") else "")


#: the receiver verdict in the Chinese sheet titles (never the English status word)
VERDICT_ZH = {"pass": "满足", "fail": "不满足", "unknown": "无法判定"}
#: facade orientations (as the sunlight analysis names them) in the English sheets
ORIENT_EN = {"正南": "due south", "正北": "due north", "正东": "due east", "正西": "due west"}

def _t(zh: bool, a: str, b: str) -> str:
    return a if zh else b


def _plain(text) -> str:
    return str(text).replace("$", r"\$")


def _levels(req: float) -> list[float]:
    below = [0, req / 4, req / 2, 3 * req / 4, req]
    above = [v for v in (req * 1.5, req * 2, req * 3, req * 4) if req < v < 360]
    return sorted(set([*below, *above, 361.0]))     # the last bin holds the full 360 min


def _cmap(levels: list[float], req: float):
    from matplotlib.colors import BoundaryNorm, ListedColormap

    reds = ["#7f0000", "#b30000", "#e34a33", "#fc8d59"]
    greens = ["#c7e9c0", "#a1d99b", "#74c476", "#31a354", "#006d2c", "#00441b"]
    n_below = sum(1 for v in levels[:-1] if v < req)
    n_above = len(levels) - 1 - n_below
    colours = reds[-n_below:] + greens[:n_above] if n_below else greens[:n_above]
    return ListedColormap(colours), BoundaryNorm(levels, len(colours))


_BY_BUILDING: list = []


def windows_of(doc: dict, building: str) -> list[dict]:
    """The windows of `building` in a sunlight document, in document order (kept for the
    last document and building asked: its sheet and its 3D view both ask)."""
    if not _BY_BUILDING or _BY_BUILDING[0] is not doc or _BY_BUILDING[1] != building:
        from plancheck.sunlight.output import window_records

        _BY_BUILDING[:] = [doc, building, window_records(doc, building)]
    return _BY_BUILDING[2]


def elevation_png(doc: dict, receiver: dict, lang: str = "zh") -> bytes:
    """The facade sheet of one receiver."""
    mpl = matplotlib_cjk()
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    zh = lang == "zh"
    name = receiver["building"]
    req = receiver["requirement"]
    need = req["minutes"] if req["minutes"] is not None else max(req["minutes_range"] or [60])
    key = "continuous_minutes" if req["measure"] == "continuous" else "cumulative_minutes"
    wins = windows_of(doc, name)
    facades: dict[str, list[dict]] = {}
    for w in wins:
        facades.setdefault(w["facade"], []).append(w)
    order = sorted(facades, key=lambda f: -facades[f][0]["facade_length_m"])[:MAX_FACADES]
    levels = _levels(float(need))
    cmap, norm = _cmap(levels, float(need))
    n = max(1, len(order))
    cols = min(n, 2)
    rows = (n + cols - 1) // cols
    fig = Figure(figsize=(max(8.0, 6.5 * cols), 1.4 + 4.2 * rows), dpi=110)
    fig.subplots_adjust(left=0.08, right=0.86, top=0.80 if rows == 1 else 0.86, bottom=0.08,
                        hspace=0.45, wspace=0.25)
    for k, fid in enumerate(order):
        ax = fig.add_subplot(rows, cols, k + 1)
        ws = facades[fid]
        zs = sorted({w["sill_z_m"] for w in ws})
        storey = min((b - a for a, b in zip(zs, zs[1:])), default=3.0)
        sampled = not ws[0]["drawn"]
        # the windows as two collections (known: coloured by minutes; unknown: grey, hatched),
        # not a patch each: a sampled facade has thousands
        cells: dict[bool, tuple[list, list]] = {False: ([], []), True: ([], [])}
        for w in ws:
            t0, t1 = w["along_m"]
            if sampled:      # overlapping sampled windows: each shows as its centre strip
                mid = (t0 + t1) / 2
                step = doc["settings"]["sample_spacing_m"]
                t0, t1 = mid - step / 2, mid + step / 2
            base = w["sill_z_m"] - doc["settings"]["sill_m"]
            y0, y1 = base + 0.12 * storey, base + 0.88 * storey
            unknown = w["status"] == "unknown"
            cells[unknown][0].append([(t0, y0), (t1, y0), (t1, y1), (t0, y1)])
            cells[unknown][1].append(w[key])
        for unknown, (verts, minutes) in cells.items():
            if not verts:
                continue
            face = ["#d9d9d9"] * len(verts) if unknown else cmap(norm(minutes))
            ax.add_collection(PolyCollection(
                verts, facecolors=face, hatch="//" if unknown else None,
                linewidths=0 if sampled else 0.6,
                edgecolors=face if sampled else "#333333", antialiaseds=True))
        L = ws[0]["facade_length_m"]
        top = max(zs) - doc["settings"]["sill_m"] + storey
        ax.add_patch(Rectangle((0, 0), L, top, fill=False, edgecolor="#222222", linewidth=1.2))
        ax.set_xlim(-1, L + 1)
        ax.set_ylim(-0.5, top + 1)
        ax.set_aspect("equal", adjustable="box")
        eff = ws[0]["effective"]
        worst = min(ws, key=lambda w: (w["status"] == "unknown", w[key]))
        ax.set_title(_plain(_t(zh, f"墙面 {fid}  {ws[0]['orientation']}  有效时间 {eff[0]}–{eff[1]}\n"
                                   f"最不利：{worst['floor']} 层 {worst[key]:g} 分钟",
                               f"wall {fid}  {ORIENT_EN.get(ws[0]['orientation'], ws[0]['orientation'])}  effective {eff[0]}–{eff[1]}\n"
                               f"worst: floor {worst['floor']}, {worst[key]:g} min")), fontsize=9)
        floors = sorted({w["floor"] for w in ws})
        step_f = max(1, len(floors) // 10)
        ax.set_yticks([(f - 1) * storey + storey / 2 for f in floors[::step_f]])
        ax.set_yticklabels([f"{f}F" for f in floors[::step_f]], fontsize=7)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_xlabel(_t(zh, "沿墙面距离 (m)", "along the facade (m)"), fontsize=7)
    cax = fig.add_axes([0.89, 0.15, 0.02, 0.65])
    from matplotlib.cm import ScalarMappable

    sm = ScalarMappable(norm=norm, cmap=cmap)
    cb = fig.colorbar(sm, cax=cax, ticks=levels[:-1])
    cb.ax.tick_params(labelsize=7)
    cb.set_label(_t(zh, f"{'连续' if req['measure'] == 'continuous' else '累计'}日照（分钟）",
                    f"{req['measure']} sun (min)"), fontsize=8)
    cb.ax.axhline(need, color="black", linewidth=1.5)
    h = receiver["homes"]
    est = _t(zh, "未绘窗：每层主要朝向按 1.8 m 窗、0.3 m 间距采样（保守估算）",
             "no windows drawn: 1.8 m windows every 0.3 m on every floor's main facades (conservative estimate)") \
        if receiver["estimate"] else _t(zh, "按图中 PC-WINDOW 窗", "the drawn PC-WINDOW windows")
    fig.suptitle(_plain(_t(zh, f"{name} 日照分析（冬至日 {doc['settings']['date']}，满窗，真太阳时）"
                               f" — {VERDICT_ZH.get(receiver['verdict'], receiver['verdict'])}\n要求：{req['text']}；"
                               f"满足 {h['pass']} / 不满足 {h['fail']} / 无法判定 {h['unknown']}\n{est}",
                           f"{name} sunlight (winter solstice {doc['settings']['date']}, full window, true solar time)"
                           f" — {receiver['verdict']}\nneeds {_req_en(req)}; pass {h['pass']} / fail "
                           f"{h['fail']} / unknown {h['unknown']}\n{est}")),
                 fontsize=9.5, color=status_hex(receiver["verdict"]) if receiver["verdict"] != "pass" else "#222222")
    del mpl
    return figure_png(fig)


def isochrones_png(doc: dict, lang: str = "zh", report: dict | None = None) -> bytes | None:
    """The 等时线 plan: shadow duration iso-lines, buildings (with their heights), receivers'
    verdicts; with the report, the site red line and the roads with their names; a scale bar
    and a legend of every layer drawn."""
    iso = doc.get("isochrones")
    if not iso:
        return None
    matplotlib_cjk()
    import numpy as np
    from matplotlib.figure import Figure
    from matplotlib.patches import Polygon as MplPolygon

    zh = lang == "zh"
    grid = np.array(iso["shaded_minutes"], dtype=float).reshape(iso["ny"], iso["nx"])
    grid[grid < 0] = np.nan
    xs = iso["origin"][0] + np.arange(iso["nx"]) * iso["cell_m"]
    ys = iso["origin"][1] + np.arange(iso["ny"]) * iso["cell_m"]
    w, h = xs[-1] - xs[0], ys[-1] - ys[0]
    fig = Figure(figsize=(9, max(4.0, 9 * h / max(w, 1.0)) + 0.8), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    fills = ax.contourf(xs, ys, grid, levels=[60, 120, 180, 10_000],
                        colors=["#fde0c5", "#f9b384", "#f4845f"], alpha=0.75)
    lines = ax.contour(xs, ys, grid, levels=[60, 120, 180], colors=["#d08c3a", "#c0532b", "#8c1c13"],
                       linewidths=[0.9, 1.1, 1.4])
    ax.clabel(lines, fmt={60: "1h", 120: "2h", 180: "3h"}, fontsize=7, inline=True)
    verdict = {r["building"]: r["verdict"] for r in doc["receivers"]}
    heights = {b["name"]: b.get("height_m") for b in (report or {}).get("buildings", [])}
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from plancheck.render.planscene import RED_LINE, SITE_LINE

    legend = [Patch(fc=c, alpha=0.75, label=_t(zh, f"阴影 ≥ {k} h", f"shaded ≥ {k} h"))
              for k, c in ((1, "#fde0c5"), (2, "#f9b384"), (3, "#f4845f"))]
    site = (report or {}).get("site")
    if site:
        sx, sy = zip(*site["outline"])
        ax.plot(sx, sy, color=SITE_LINE, lw=1.4, ls=(0, (10, 3, 2, 3)), zorder=2.5)
        legend.append(Line2D([], [], color=SITE_LINE, lw=1.4, ls=(0, (10, 3, 2, 3)),
                             label=_t(zh, "用地红线", "site boundary")))
    roads = [r for r in (report or {}).get("roads", []) if len(r.get("line") or []) > 1]
    for r in roads:
        rx, ry = zip(*r["line"])
        ax.plot(rx, ry, color=RED_LINE, lw=1.6, zorder=2.5)
        if r.get("name"):
            k = len(r["line"]) // 2
            (ax0, ay0), (ax1, ay1) = r["line"][k - 1], r["line"][k]
            ang = np.degrees(np.arctan2(ay1 - ay0, ax1 - ax0))
            ang = ang - 180 if ang > 90 else ang + 180 if ang < -90 else ang
            ax.text((ax0 + ax1) / 2, (ay0 + ay1) / 2, _plain(str(r["name"])), rotation=ang,
                    rotation_mode="anchor", ha="center", va="bottom", fontsize=6.5, color=RED_LINE,
                    zorder=4, clip_on=True)
    if roads:
        legend.append(Line2D([], [], color=RED_LINE, lw=1.6, label=_t(zh, "道路红线", "road red line")))
    for st in ("pass", "fail", "unknown"):
        if st in verdict.values():
            legend.append(Patch(fc="white", ec=status_hex(st), lw=2.0,
                                label=_t(zh, {"pass": "受影响建筑：满足", "fail": "受影响建筑：不满足",
                                              "unknown": "受影响建筑：无法判定"}[st],
                                         f"receiver: {st}")))
    for b in iso["buildings"]:
        for ring in b["outlines"]:
            fc = "#f2f2ee" if b["status"] == "proposed" else "#bdbdc2"
            ec = status_hex(verdict[b["name"]]) if b["name"] in verdict else "#444444"
            ax.add_patch(MplPolygon(ring, closed=True, facecolor=fc, edgecolor=ec,
                                    linewidth=2.0 if b["name"] in verdict else 0.8, zorder=3))
        pts = np.array([p for ring in b["outlines"] for p in ring])
        cx, cy = pts[:, 0].mean(), pts[:, 1].mean()
        hb = heights.get(b["name"])
        ax.text(cx, cy, _plain(b["name"] + (f" {hb:g} m" if hb else "")), ha="center", va="center",
                fontsize=6.5, zorder=4)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_aspect("equal")
    ax.tick_params(labelsize=7)
    ax.annotate("N", xy=(0.97, 0.97), xytext=(0.97, 0.88), xycoords="axes fraction",
                ha="center", fontsize=10, arrowprops={"arrowstyle": "-|>", "color": "black"})
    # scale bar: a round length about a fifth of the width, bottom right
    length = max(m * 10 ** e for e in range(0, 5) for m in (1, 2, 5) if m * 10 ** e <= w / 5)
    bx, by = xs[-1] - w * 0.03 - length, ys[0] + h * 0.04
    for k in range(4):
        ax.add_patch(MplPolygon([(bx + k * length / 4, by), (bx + (k + 1) * length / 4, by),
                                 (bx + (k + 1) * length / 4, by + h * 0.02), (bx + k * length / 4, by + h * 0.02)],
                                closed=True, facecolor="black" if k % 2 == 0 else "white",
                                edgecolor="black", linewidth=0.6, zorder=5))
    ax.text(bx + length / 2, by + h * 0.03, f"0 — {length:g} m", ha="center", va="bottom", fontsize=7, zorder=5)
    ax.legend(handles=legend, loc="upper left", fontsize=6.5, framealpha=0.9, ncol=2)
    span = f"{iso['span'][0] // 60:02.0f}:{iso['span'][0] % 60:02.0f}–{iso['span'][1] // 60:02.0f}:{iso['span'][1] % 60:02.0f}"
    ax.set_title(_plain(_t(zh, f"日照等时线（冬至日 {doc['settings']['date']}，真太阳时 {span}，"
                               f"计算面高 {iso['z_m']:g} m，网格 {iso['cell_m']:.2f} m）：阴影 ≥ 1 h / 2 h / 3 h\n"
                               "轮廓颜色：受影响建筑的结论（绿 满足 / 红 不满足 / 橙 无法判定）；上为正北",
                           f"shadow iso-lines (winter solstice {doc['settings']['date']}, TST {span}, plane "
                           f"{iso['z_m']:g} m, grid {iso['cell_m']:.2f} m): shaded ≥ 1 h / 2 h / 3 h\n"
                           "outline colour: receiver verdict (green pass / red fail / orange unknown); north up")),
                 fontsize=8.5)
    if iso.get("unknown_heights"):
        ax.text(0.01, 0.01, _plain(_t(zh, "无高度（未计入）：", "no HEIGHT (left out): ")
                                   + ", ".join(iso["unknown_heights"])),
                transform=ax.transAxes, fontsize=7, color="#b35900")
    del fills
    return figure_png(fig, tight=True)


#: the last figure sets rendered, by the very objects they were rendered from: `check` writes
#: the PNG files and embeds the same figures in report.html, and renders them once
_RENDERED: list[tuple[dict, str, dict | None, str, list]] = []


def figures(doc: dict, lang: str = "zh", report: dict | None = None,
            scope: str = "all") -> list[tuple[str, str, bytes]]:
    """(file relative to the output folder, title, png) of every sunlight figure: the 等时线
    plan and a facade sheet per receiver (with scope "fails", per receiver that fails or is
    undecided: `check`'s default, see style.FIGURE_SCOPES); with the report, the 等时线 plan
    also draws the site, the roads and the buildings' heights. Rendered once per document: a
    second call with the same objects returns the same figures."""
    for d, lg, rp, sc, got in _RENDERED:
        if d is doc and lg == lang and rp is report and sc == scope:
            return list(got)
    out = _figures(doc, lang, report, scope)
    keep(doc, lang, report, scope, out)
    return list(out)


def keep(doc: dict, lang: str, report: dict | None, scope: str, out: list) -> None:
    """Remember `out` as these objects' figures (drawn elsewhere: in a worker process)."""
    _RENDERED[:] = [(doc, lang, report, scope, list(out))]


def _figures(doc: dict, lang: str, report: dict | None, scope: str) -> list[tuple[str, str, bytes]]:
    iso = iso_figure(doc, lang, report)
    return ([iso] if iso is not None else []) + [sheet(doc, r, lang) for r in sheet_receivers(doc, scope)]


def iso_figure(doc: dict, lang: str, report: dict | None) -> tuple[str, str, bytes] | None:
    """(file, title, png) of the 等时线 plan; None without iso-lines."""
    iso = isochrones_png(doc, lang, report)
    return None if iso is None else (ISO_FILE, _t(lang == "zh", "日照等时线", "shadow iso-lines"), iso)


def sheet_receivers(doc: dict, scope: str) -> list[dict]:
    """The receivers that get a facade sheet, in document order."""
    return [r for r in doc["receivers"] if r["windows"] and (scope == "all" or r["verdict"] != "pass")]


def sheet(doc: dict, receiver: dict, lang: str) -> tuple[str, str, bytes]:
    """(file, title, png) of one receiver's facade sheet."""
    name = receiver["building"]
    return (figure_name(name), _t(lang == "zh", f"{name} 各墙面窗日照", f"{name} sunlight of its windows"),
            elevation_png(doc, receiver, lang))


def render_files(doc: dict, out_dir: Path, lang: str = "zh", report: dict | None = None,
                 scope: str = "all") -> list[Path]:
    written = []
    for rel, _title, png in figures(doc, lang, report, scope):
        written.append(write_atomic(Path(out_dir) / rel, png))
    return written
