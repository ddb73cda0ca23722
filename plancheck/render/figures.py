"""The report's figures: what each one shows, which findings it shows, and the `png` format.

Every figure is rendered from the report dict alone (drawing coordinates, metres): the 2D plan
(`plan.py`, matplotlib), the 3D overview and one 3D view per failing or unknown finding
(`scene3d.py`, pyvista off-screen). `figure_set` renders them once per report; `png` and
`html` in the same run share the result. Which findings get a view is `scope` ("fails", the
default, or "all": `check --figures`), so the figures grow with the fails. While this process
renders the 3D views, a forked worker draws the matplotlib figures (the plan, the sunlight
sheets; this process takes its share of the sheets when its views are done): two cores draw at
once; without a second core, or where a fork is unsafe, all is drawn here. Each figure records how drawing coordinates map to its pixels (`mapping`), so tools and
tests can find a finding's dimension line in the image, and every label's pixel box (`labels`,
placed by labels.py: no two overlap).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from plancheck.render.style import (  # noqa: F401 - re-exported: figures' public names
    CJK_FONTS, DISTANCE_FAMILIES, FIGURE_SCOPES, FILTER_GROUP, Figure, FigureSet, MAX_FINDING_VIEWS,
    RenderError, SEVERITY, STATUS_RGB, STATUS_WORD, SUN_MARK, SUN_WORD, UNIT_WORD,
    UPPER_FAMILIES, UPPER_METRICS, cjk_font, compare, drawn, group, grouped_segments, is_upper,
    matplotlib_cjk, needs_view, num, relation, required_lines, segment, status_hex, sun_note,
    value, view_findings, worst)


#: a worker drawing the matplotlib figures that has not answered in this long is given up on
#: (and the figures drawn in this process): a slow machine may take minutes, none takes this
WORKER_TIMEOUT_S = 900.0
#: the last figure set: (report object, (lang, with_3d, scope), the report's content key or
#: None until another report object asks, FigureSet); one report at a time is all a run needs
_LAST: list = []


def _key(report: dict, how: tuple) -> str:
    text = json.dumps(report, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{how}|{text}".encode()).hexdigest()


def scope_of(context) -> str:
    """The figure scope a render context asks for (`check --figures`), "fails" by default."""
    scope = getattr(context, "figures", None)
    return scope if scope in FIGURE_SCOPES else FIGURE_SCOPES[0]


def figure_set(report: dict, lang: str = "zh", with_3d: bool = True,
               scope: str = "fails") -> FigureSet:
    """The plan, the 3D overview and per-finding 3D views (cached per report content).

    With `with_3d` and no usable GL stack, the 3D figures are left out and a note says why.
    The same report object (report.html after the PNGs) is never hashed: hashing a 50-building
    report costs a second; another object is compared by content."""
    how = (lang, with_3d, scope)
    if _LAST and _LAST[0][1] == how:
        last, _how, key, fs = _LAST[0]
        if last is report:
            return fs
        key, new = key or _key(last, how), _key(report, how)
        if new == key:
            _LAST[:] = [(report, how, new, fs)]
            return fs
    fs = _figure_set(report, lang, with_3d, scope)
    _LAST[:] = [(report, how, None, fs)]
    return fs


def _figure_set(report: dict, lang: str, with_3d: bool, scope: str) -> FigureSet:
    # the matplotlib figures draw in a worker process while this one renders the 3D views,
    # then both draw the facade sheets left, each taking the next one (see _Claims)
    try:
        claims = _Claims() if with_3d else None
    except (OSError, ImportError):    # no shared memory here: all is drawn in this process
        claims = None
    job = _start(_draw_flat, report, lang, scope, claims, True) if claims is not None else None
    figures: list[Figure] = []
    notes: list[str] = []
    zh = lang == "zh"
    if cjk_font() is None:
        notes.append("未找到中文字体（请安装 fonts-wqy-microhei）：图中的中文可能缺失" if zh else
                     "no CJK font found (install fonts-wqy-microhei): Chinese text in figures "
                     "may be missing")
    if with_3d:
        from plancheck.render import scene3d

        try:
            figures += scene3d.render_views(report, lang, scope)
        except RenderError as exc:
            notes.append("本机无法离屏绘制三维图（缺少 OpenGL 库，可安装 libosmesa6）：三维图未生成，"
                         "网页中的交互式三维白模不受影响" if zh else str(exc))
        views = view_findings(report, scope)
        if len(views) > MAX_FINDING_VIEWS:
            notes.append(f"不合格与未知项超过 {MAX_FINDING_VIEWS} 项（不合格优先）：其余 "
                         f"{len(views) - MAX_FINDING_VIEWS} 项没有单独的三维图，见三维总览" if zh else
                         f"{len(views) - MAX_FINDING_VIEWS} failing/unknown findings beyond the "
                         f"first {MAX_FINDING_VIEWS} (fails first) have no own 3D view; see the overview")
    sun = report.get("sunlight") or {}
    mine = _draw_sheets(sun, lang, scope, claims) if job is not None and sun.get("receivers") else {}
    plan_fig, iso, sheets, model = _finish(job, _draw_flat, report, lang, scope)
    figures.insert(0, plan_fig)
    if sheets is not None:      # figures() hands these out, as if it had drawn them
        from plancheck.render import sunlight_figures

        sheets.update(mine)
        sunlight_figures.keep(sun, lang, report, scope,
                              ([iso] if iso else []) + [sheets[k] for k in sorted(sheets)])
    if model is not None:       # and so does glb_bytes()
        from plancheck.render import glb

        glb.keep(report, model)
    passing = [r for r in (report.get("sunlight") or {}).get("receivers") or []
               if r.get("windows") and r.get("verdict") == "pass"]
    if passing and scope != "all":
        notes.append(f"满足要求的 {len(passing)} 栋受影响建筑未绘墙面日照图（需要时用 --figures all）"
                     if zh else f"the facade sheets of the {len(passing)} receivers that pass are "
                     "not drawn (--figures all draws them)")
    return FigureSet(figures, notes)


def _draw_flat(report: dict, lang: str, scope: str, claims=None, model: bool = False):
    """The matplotlib figures: the plan, the 等时线 plan and the facade sheets by index (those
    two None without a sunlight analysis; with `claims`, the sheets this process claims first);
    with `model`, also the GLB (model.glb, embedded in report.html): the worker, drawing no 3D
    view, builds it meanwhile."""
    from plancheck.render import plan

    glb = iso = sheets = None
    if model:
        from plancheck.render.glb import glb_bytes

        glb = glb_bytes(report)
    sun = report.get("sunlight") or {}
    if sun.get("receivers"):
        from plancheck.render.sunlight_figures import iso_figure

        iso = iso_figure(sun, lang, report)
        sheets = _draw_sheets(sun, lang, scope, claims)
    return plan.plan_figure(report, lang), iso, sheets, glb


def _draw_sheets(sun: dict, lang: str, scope: str, claims=None) -> dict[int, tuple]:
    """The facade sheets by receiver index: all, or with `claims` those this process claims."""
    from plancheck.render.sunlight_figures import sheet, sheet_receivers

    receivers = sheet_receivers(sun, scope)
    ks = range(len(receivers)) if claims is None else iter(lambda: claims.take(len(receivers)), None)
    return {k: sheet(sun, receivers[k], lang) for k in ks}


class _Claims:
    """Indices handed out once each, to whichever process asks first: a counter in shared
    memory that a forked worker inherits, so the worker and this process share the facade
    sheets as each comes free (a scheme with 185 failing receivers has more sheets than
    3D views: one process alone would draw them for 40 s while the other waits)."""

    def __init__(self):
        import multiprocessing

        self.next = multiprocessing.Value("i", 0)

    def take(self, n: int) -> int | None:
        with self.next.get_lock():
            k = self.next.value
            self.next.value = k + 1
        return k if k < n else None


def _start(fn, *args):
    """`fn(*args)` started in a forked worker process, when there is a second core and forking
    is safe: no other thread and no GL context yet in this process (a fork copies neither
    threads nor a GL driver's state soundly). A fork, not a spawn: the child shares the report
    as it is; pickling a 50-building report for a fresh interpreter costs more than the drawing.
    None when it does not start: the caller then draws here."""
    import sys
    import threading

    if (os.cpu_count() or 1) < 2 or os.environ.get("PLANCHECK_SERIAL_FIGURES") \
            or threading.active_count() > 1 or "vtkmodules.vtkRenderingOpenGL2" in sys.modules \
            or _numba_threads():
        return None
    import multiprocessing

    for stream in (sys.stdout, sys.stderr):   # the child must not write their buffers again
        stream.flush()
    try:
        ctx = multiprocessing.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(send, fn, args), daemon=True)
        proc.start()
    except (OSError, ValueError):
        return None
    send.close()
    return proc, recv


def _numba_threads() -> bool:
    """Has numba started its thread pool (a `parallel=True` kernel ran)? Not a Python thread,
    so threading does not count it; a fork would copy its locks in whatever state."""
    import sys

    module = sys.modules.get("numba.np.ufunc.parallel")
    return bool(getattr(module, "_is_initialized", False))


def _child(conn, fn, args) -> None:
    try:
        conn.send((True, fn(*args)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which draws itself
        conn.send((False, repr(exc)))
    finally:
        conn.close()


def _finish(job, fn, *args, timeout: float = WORKER_TIMEOUT_S):
    """The worker's result; when there is none, or the worker failed, died or took longer
    than `timeout`, `fn(*args)` here instead (so a real error is raised from here)."""
    if job is not None:
        proc, conn = job
        try:
            if conn.poll(timeout):
                ok, value = conn.recv()
                if ok:
                    return value
        except (EOFError, OSError):   # the worker died without an answer
            pass
        finally:
            if proc.is_alive():
                proc.terminate()
            proc.join(5)
            conn.close()
    return fn(*args)


def render_png(report: dict, out_dir: Path, context=None) -> list[Path]:
    """The `png` format: figures/<key>.png for every figure plus figures/figures.json (titles,
    findings shown, pixel mappings). Raises RenderError when the GL stack is missing."""
    from plancheck.render import scene3d
    from plancheck.render.json_file import write_atomic

    scene3d.preflight()
    lang = getattr(context, "lang", "zh") or "zh"
    scope = scope_of(context)
    fs = figure_set(report, lang, scope=scope)
    folder = out_dir / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fig in fs.figures:
        written.append(write_atomic(folder / fig.file, fig.png))
    index = {"figures": [{"file": f.file, "key": f.key, "title": f.title, "kind": f.kind,
                          "width": f.width, "height": f.height, "findings": f.findings,
                          "mapping": f.mapping, "labels": f.labels, "unlabelled": f.unlabelled}
                         for f in fs.figures], "notes": fs.notes}
    written.append(write_atomic(folder / "figures.json",
                                json.dumps(index, ensure_ascii=False, indent=1) + "\n"))
    if report.get("sunlight", {}).get("receivers"):   # the figures sunlight findings link to
        from plancheck.render.sunlight_figures import render_files

        written += render_files(report["sunlight"], out_dir, lang, report, scope)
    return written
