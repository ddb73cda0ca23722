"""The attack corpus (issue 21): hostile and odd input, as an applicant's submission folder can
hold it, made by tests/attacks/generate.py. Each must end in a report, a batch row, a skipped
entry or one clear line with exit code 2: never a swapped rulebook, a hang, a memory bomb, a
script that runs or a traceback.

Bounded in time and memory without timing anything: what could hang runs in a child process
whose time limit is only a safety net minutes above any real run, and the alias bomb runs in a
child with an address-space limit. No network.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from attacks import generate as gen
from conftest import REPO

#: safety net for a child that might hang: minutes above the seconds a real run takes
SAFETY_S = 180


def cli(*args, cwd=REPO, timeout=SAFETY_S) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "plancheck", *map(os.fsdecode, args)],
                          capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          errors="replace")


def one_line_exit_2(proc: subprocess.CompletedProcess, *words: str) -> str:
    """Exit 2, no traceback, one line on stderr saying `words`."""
    err = proc.stderr.strip()
    assert proc.returncode == 2, (proc.returncode, err)
    assert "Traceback" not in err and "internal error" not in err, err
    assert err.startswith("plancheck: error:") and len(err.splitlines()) == 1, err
    for w in words:
        assert w in err, (w, err)
    return err


def python(code: str, memory_mb: int | None = None) -> subprocess.CompletedProcess:
    """`code` in a fresh interpreter (with an address-space limit when asked)."""
    pre = ""
    if memory_mb:
        pre = (f"import resource; resource.setrlimit(resource.RLIMIT_AS, "
               f"({memory_mb << 20}, {memory_mb << 20}))\n")
    return subprocess.run([sys.executable, "-c", pre + textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=SAFETY_S, cwd=REPO)


@pytest.fixture
def scheme(tmp_path):
    path = gen.scheme_dxf(tmp_path / "scheme.dxf")
    (tmp_path / "scheme.plancheck.yaml").write_text(gen.CONTEXT, encoding="utf-8")
    return path


def _fails(report: dict) -> list[str]:
    return sorted(f["rule"] for f in report["findings"] if f["status"] == "fail")


# -- 1. the rulebook cannot be swapped ------------------------------------------------------------

def test_a_context_file_cannot_name_its_own_ruleset(scheme, tmp_path):
    """A trimmed copy of the Shanghai ruleset (spacing clauses removed) in the applicant's folder,
    named by the context file: refused in one line. Named by the reviewer (--ruleset PATH) it is
    used, and report.json says which folder and which files (sha256 of their bytes)."""
    trimmed = gen.trimmed_ruleset(tmp_path / "rules")
    ctx = scheme.with_name("scheme.plancheck.yaml")
    ctx.write_text(gen.CONTEXT + f"ruleset: {trimmed}\n", encoding="utf-8")
    one_line_exit_2(cli("check", scheme, "--out", tmp_path / "o", "--no-sunlight", "-q"),
                    "installed rulesets", "--ruleset PATH")
    ctx.write_text(gen.CONTEXT + "ruleset: rules\n", encoding="utf-8")      # relative, beside it
    one_line_exit_2(cli("check", scheme, "--out", tmp_path / "o", "--no-sunlight", "-q"),
                    "installed rulesets")

    from plancheck.evaluate.ruleset import rulesets_dir
    from plancheck.pipeline import Options, check

    ctx.write_text(gen.CONTEXT, encoding="utf-8")
    official = check(scheme, Options(sunlight=False)).report
    assert "SH-23-1" in _fails(official)                  # 18.0 m against 1.2 x 18.0 = 21.6 m
    rs = official["ruleset"]
    installed = rulesets_dir() / "shanghai"
    assert Path(rs["path"]) == installed.resolve()
    assert rs["files"]["clauses/spacing.yaml"] == hashlib.sha256(
        (installed / "clauses" / "spacing.yaml").read_bytes()).hexdigest()
    assert set(rs["files"]) == {"ruleset.yaml", *(f"clauses/{p.name}" for p in
                                                  (installed / "clauses").glob("*.yaml"))}
    swapped = check(scheme, Options(sunlight=False, ruleset=str(trimmed))).report
    assert "SH-23-1" not in _fails(swapped)               # the reviewer chose it: it is used,
    assert Path(swapped["ruleset"]["path"]) == trimmed.resolve()          # and it shows
    assert "clauses/spacing.yaml" not in swapped["ruleset"]["files"]


def test_an_installed_id_beats_a_same_named_folder_in_the_working_directory(scheme, tmp_path,
                                                                          monkeypatch):
    """The reviewer runs plancheck inside the submission folder, which holds `shanghai/`."""
    from plancheck.pipeline import Options, check

    gen.trimmed_ruleset(tmp_path / "shanghai")
    monkeypatch.chdir(tmp_path)
    scheme.with_name("scheme.plancheck.yaml").write_text(gen.CONTEXT + "ruleset: shanghai\n",
                                                         encoding="utf-8")
    report = check(scheme, Options(sunlight=False)).report
    assert Path(report["ruleset"]["path"]) != (tmp_path / "shanghai").resolve()
    assert "SH-23-1" in _fails(report)


def test_the_html_shows_the_ruleset_path_and_hashes():
    from plancheck.render.html import context_rows

    report = {"drawing": {"path": "x.dxf", "sha256": "0"}, "context": {}, "tool":
              {"name": "plancheck", "version": "0"},
              "ruleset": {"id": "shanghai", "version": "2010", "title": "t", "path": "/r/sh",
                          "files": {"clauses/spacing.yaml": "ab" * 32}}}
    shown = dict(context_rows(report, "en"))["ruleset"]
    assert "/r/sh" in shown and "clauses/spacing.yaml sha256 " + "ab" * 32 in shown


# -- 2. one bad name never stops a batch ----------------------------------------------------------

def test_bad_names_are_rows_or_skipped_entries_and_the_batch_goes_on(tmp_path, monkeypatch):
    from plancheck.batch import BatchOptions, run_batch
    from plancheck.pipeline import Options

    intake = tmp_path / "intake"
    intake.mkdir()
    gen.scheme_dxf(intake / "ok.dxf")
    gbk = gen.gbk_name(intake)
    gen.symlink_loop(intake)
    os.symlink(".hidden-b", intake / ".hidden-a")      # a hidden loop: skipped, and named files
    os.symlink(".hidden-a", intake / ".hidden-b")      # are compared against what is skipped
    long = gen.long_name(intake)
    gen.fifo(intake / "pipe.dxf")
    locked = intake / "locked"
    gen.scheme_dxf(locked / "hidden-from-us.dxf")
    bombed = gen.scheme_dxf(intake / "bombed.dxf")
    bombed.with_name("bombed.plancheck.yaml").write_text(gen.alias_bomb(), encoding="utf-8")

    real_scandir = os.scandir

    def scandir(path="."):                # root can list anything: make one folder unlistable
        if os.fspath(path) == os.fspath(locked):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    out = tmp_path / "out"
    result = run_batch([intake, intake / "ok.dxf"], BatchOptions(out=out, options=Options(sunlight=False), jobs=1,
                                              timeout=SAFETY_S))
    rows = {"intake/" + r["drawing"].rsplit("/", 1)[-1]: r for r in result.rows}
    summary = json.loads((out / "summary.json").read_text("utf-8"))      # whole, valid UTF-8
    assert len(summary["rows"]) == len(rows)
    assert rows["intake/ok.dxf"]["verdict"] == "fail"                   # SH-23-1
    shown_gbk = "intake/" + os.fsencode(gbk.name).decode("utf-8", "backslashreplace")
    assert shown_gbk == "intake/\\xc9\\xe8\\xbc\\xc6.dxf"
    assert rows[shown_gbk]["verdict"] == "fail"                         # checked like any other
    for loop in ("intake/loop-a.dxf", "intake/loop-b.dxf"):
        assert rows[loop]["verdict"] == "error"
        assert "symbolic links" in rows[loop]["message"]
    assert rows[f"intake/{long.name}"]["verdict"] == "fail"
    assert "alias" in rows["intake/bombed.dxf"]["message"]
    assert len(rows["intake/bombed.dxf"]["message"]) < 400
    skipped = {Path(s["path"]).name: s["reason"] for s in result.skipped}
    assert skipped["pipe.dxf"].startswith("not a regular file (a FIFO")
    assert skipped[".hidden-a"] == skipped[".hidden-b"] == "hidden file"
    assert skipped["locked"].startswith("folder cannot be listed (Permission denied)")
    assert "index.html" in {p.name for p in out.iterdir()}


def test_check_on_odd_drawing_names(tmp_path):
    """`check` on a GBK-named and a 253-byte-named drawing: a report (path shown with \\xNN);
    on a symlink loop and a FIFO: one line."""
    gbk = gen.gbk_name(tmp_path)
    proc = cli("check", os.fsencode(gbk), "--out", tmp_path / "g", "--no-sunlight", "-q",
               "--format", "json,html")
    assert proc.returncode == 1, proc.stderr                           # SH-23-1 fails
    report = json.loads((tmp_path / "g" / "report.json").read_text("utf-8"))
    assert report["drawing"]["path"].endswith("\\xc9\\xe8\\xbc\\xc6.dxf")
    assert (tmp_path / "g" / "report.html").is_file()
    long = gen.long_name(tmp_path)
    proc = cli("check", long, "--out", tmp_path / "l", "--no-sunlight", "-q", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    a, _ = gen.symlink_loop(tmp_path)
    one_line_exit_2(cli("check", a, "--no-sunlight", "-q"), "symbolic links")
    pipe = gen.fifo(tmp_path / "pipe.dxf")
    one_line_exit_2(cli("check", pipe, "-q"), "FIFO")


# -- 3. every output is written atomically --------------------------------------------------------

def test_every_output_goes_through_the_atomic_writer(tmp_path, monkeypatch):
    """No renderer writes a file in place: Path.write_text / write_bytes from plancheck.render
    would leave a 0-byte file when killed mid-write (sunlight.json: 5 of 5 tries)."""
    import inspect

    from plancheck.pipeline import Options, check
    from plancheck.render.formats import RenderContext, parse, render

    path = gen.scheme_dxf(tmp_path / "s.dxf")
    checked = check(path, Options(sunlight=False))
    in_place = []
    for name in ("write_text", "write_bytes"):
        original = getattr(Path, name)

        def spy(self, *a, _original=original, **k):
            caller = inspect.stack()[1].filename
            if os.sep + "plancheck" + os.sep + "render" in caller:
                in_place.append((caller, str(self)))
            return _original(self, *a, **k)

        monkeypatch.setattr(Path, name, spy)
    written = render(checked.report, tmp_path / "out", parse(None), RenderContext(checked, "zh"))
    assert written and not in_place, in_place
    assert not list((tmp_path / "out").rglob("*.tmp"))


def test_an_interrupted_write_keeps_the_old_file(tmp_path, monkeypatch):
    from plancheck.render import json_file

    target = tmp_path / "figures" / "plan.png"
    json_file.write_atomic(target, b"old")

    def killed(*_):
        raise KeyboardInterrupt

    monkeypatch.setattr(json_file.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        json_file.write_atomic(target, b"new" * 1000)
    assert target.read_bytes() == b"old" and sorted(target.parent.iterdir()) == [target]


# -- 4. two batches into one --out ----------------------------------------------------------------

def test_a_second_batch_into_the_same_out_stops_with_one_line(tmp_path):
    from plancheck.batch.runner import _OutLock

    gen.scheme_dxf(tmp_path / "in" / "a.dxf")
    out = tmp_path / "out"
    out.mkdir()
    with _OutLock(out):                    # the first batch, still running
        proc = cli("batch", tmp_path / "in", "--out", out, "-q", "--no-sunlight")
        one_line_exit_2(proc, "another plancheck batch is writing to", str(out),
                        f"process {os.getpid()}")
    assert not (out / "summary.json").exists()
    proc = cli("batch", tmp_path / "in", "--out", out, "-q", "--no-sunlight", "--format", "json")
    assert proc.returncode == 1, proc.stderr                # once it is done, the next one runs


# -- 5. figure names from stable ids --------------------------------------------------------------

def test_figure_names_never_collide_nor_grow_too_long():
    from plancheck.sunlight.output import figure_name

    assert figure_name("9#") != figure_name("9u23")
    names = ["9#", "9u23", "9_", "9-", "9 ", *gen.cjk_names(), gen.BIDI_NAME, "../x", "a/b"]
    files = [figure_name(n) for n in names]
    assert len(set(files)) == len(files)
    for f in files:
        base = f.removeprefix("figures/")
        assert "/" not in base and base.isascii() and len(base.encode()) <= 64, f
    assert figure_name("长" * 49) == figure_name("长" * 49)          # stable: same name, same file


# -- 6. CityJSON indices and malformed city files -------------------------------------------------

def test_cityjson_variants_are_one_clear_line_never_a_misplaced_block(tmp_path):
    from plancheck.errors import ContextError
    from plancheck.extract.city_files import read_file

    good = tmp_path / "good.json"
    good.write_text(json.dumps(gen.cityjson()), encoding="utf-8")
    read = read_file(good)
    assert [r.id for r in read.records] == ["N1"]
    assert tuple(read.footprints[0].bounds) == (20.0, 40.0, 60.0, 52.0)   # the 40 m x 12 m block
    variants = gen.cityjson_variants()
    assert len(variants) >= 13
    for name, doc in variants.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        with pytest.raises(ContextError) as err:
            read_file(path)
        msg = str(err.value)
        assert msg.startswith(f"{path}: ") and "\n" not in msg and len(msg) < 300, (name, msg)
    assert "vertex index -8 is outside the 8 vertices" in str(
        pytest.raises(ContextError, read_file, tmp_path / "negative-index.json").value)


def test_multipolygon_and_bow_tie_context_buildings(tmp_path):
    from plancheck.extract.context_buildings import ContextSpec
    from plancheck.pipeline import Options, check

    path = gen.scheme_dxf(tmp_path / "s.dxf", {"site": [[0, 0], [100, 0], [100, 30], [0, 30]],
                                                "buildings": [gen.SCHEME["buildings"][0]]})
    city = tmp_path / "city.geojson"
    city.write_text(json.dumps(gen.multipolygon_geojson()), encoding="utf-8")
    report = check(path, Options(sunlight=False, context_buildings=ContextSpec(
        city, origin=(0.0, 0.0), crs="metres"))).report
    by = {b["name"]: b for b in report["buildings"]}
    assert len(by["ctx:M"]["masses"]) == 2               # two blocks under one id: two masses
    assert [m["area_m2"] for m in by["ctx:M"]["masses"]] == [240.0, 240.0]   # 20 m x 12 m each
    assert len(by["ctx:B"]["masses"]) == 2               # the bow tie, repaired: two triangles
    assert sum(m["area_m2"] for m in by["ctx:B"]["masses"]) == pytest.approx(2 * 0.5 * 12 * 30)  # crossing at (50, 66)


# -- 7. YAML bombs, huge files, devices and FIFOs -------------------------------------------------

@pytest.mark.parametrize("key", ["far_max", "north", "road"])
def test_a_yaml_alias_bomb_is_refused_within_a_memory_limit(tmp_path, key):
    bomb = tmp_path / "bomb.plancheck.yaml"
    bomb.write_text(gen.alias_bomb(key), encoding="utf-8")
    assert len(bomb.read_bytes()) < 700
    proc = python(f"""
        from pathlib import Path
        from plancheck.errors import ContextError
        from plancheck.read.context import load_context
        try:
            load_context(Path({str(bomb)!r}))
        except ContextError as exc:
            print(exc)
        """, memory_mb=1024)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "aliases" in proc.stdout and len(proc.stdout) < 400, proc.stdout


def test_huge_yaml_devices_and_fifos_are_never_read(tmp_path):
    """A 50 MB context file (sparse), /dev/zero and a FIFO as the context file, as `layers:` in
    it and as --layers: one line each, in a child that would otherwise wait forever."""
    big = gen.sparse_file(tmp_path / "big.yaml", 50 * 2**20)
    pipe = gen.fifo(tmp_path / "pipe.yaml")
    via_layers = tmp_path / "via.yaml"
    via_layers.write_text("zone: other\nlayers: /dev/zero\n", encoding="utf-8")
    via_pipe = tmp_path / "via-pipe.yaml"
    via_pipe.write_text(f"zone: other\nlayers: {pipe}\n", encoding="utf-8")
    proc = python(f"""
        from pathlib import Path
        from plancheck.errors import ContextError
        from plancheck.read.context import load_context, load_layer_map
        for fn, p in [(load_context, {str(big)!r}), (load_context, "/dev/zero"),
                      (load_context, {str(pipe)!r}), (load_context, {str(via_layers)!r}),
                      (load_context, {str(via_pipe)!r}), (load_layer_map, {str(pipe)!r}),
                      (load_layer_map, "/dev/zero")]:
            try:
                fn(Path(p))
                print("READ", p)
            except ContextError as exc:
                print(exc)
        """, memory_mb=1024)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 7 and not any(line.startswith("READ") for line in lines), lines
    assert "over the 1,024 kB limit" in lines[0]
    assert "a device" in lines[1] and "a FIFO" in lines[2]
    assert lines[3].startswith("/dev/zero: the layer map is a device")
    assert "a FIFO" in lines[4] and "a FIFO" in lines[5] and "a device" in lines[6]


def test_messages_never_hold_an_unbounded_value(tmp_path):
    from plancheck.errors import ContextError
    from plancheck.read.context import load_context

    ctx = tmp_path / "c.yaml"
    ctx.write_text(f"zone: {'x' * 100_000}\nnorth: [{', '.join(['1'] * 50_000)}]\n", "utf-8")
    with pytest.raises(ContextError) as err:
        load_context(ctx)
    assert len(str(err.value)) < 300


# -- 8. catastrophic regular expressions ----------------------------------------------------------

def test_a_backtracking_pattern_cannot_hang_a_check(tmp_path):
    """re:(a+)+$ against a 34-character layer name ran for minutes in Python's `re`; RE2 is
    linear. In a child whose time limit is only a safety net."""
    proc = python("""
        from plancheck.read.layers import LayerRoles
        roles = LayerRoles.from_map({"building": ["re:(a+)+$", "re:^(x|x)*y$"]})
        print(roles.role("a" * 34 + "!"), roles.role("x" * 5000), roles.role("AAAA"))
        """)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["None", "None", "building"]


def test_an_unusable_pattern_names_its_file_role_and_pattern(tmp_path, scheme):
    layers = tmp_path / "map.yaml"
    layers.write_text('site: ["PC-SITE"]\nbuilding: ["re:(", "re:(a)\\\\1"]\n', encoding="utf-8")
    one_line_exit_2(cli("check", scheme, "--layers", layers, "-q", "--out", tmp_path / "o"),
                    str(layers), "layers.building", "'re:('")


# -- 9. no script in diff.html or index.html ------------------------------------------------------

def test_diff_html_escapes_everything_and_forbids_scripts():
    from plancheck.render.diff_view import page

    html = page(gen.hostile_diff())
    assert "<img" not in html and "<script" not in html and "onmouseover='" not in html
    import html as html_lib
    assert "Content-Security-Policy" in html and "script-src 'none'" in html_lib.unescape(html)
    assert "<bdi>1#\u202egnp.exe" in html and 'dir="auto"' in html
    assert "class=\"other other\"" in html                  # crafted change/status: no class


def test_a_crafted_report_given_to_diff_is_one_line(tmp_path, scheme):
    from plancheck.pipeline import Options, check

    good = check(scheme, Options(sunlight=False)).report
    good_path = tmp_path / "good.json"
    good_path.write_text(json.dumps(good), encoding="utf-8")
    variants = gen.malformed_reports(good)
    from plancheck.errors import PlancheckError
    from plancheck.results.diff import diff

    for name, bad in variants.items():
        with pytest.raises(PlancheckError) as err:
            diff(bad, good, names=(f"{name}.json", "good.json"))
        assert f"({name}.json)" in str(err.value) and "\n" not in str(err.value), name
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(variants["status-payload"]), encoding="utf-8")
    one_line_exit_2(cli("diff", bad, good_path, "--out", tmp_path / "d", "-q"),
                    str(bad), "findings[0].status")
    assert not (tmp_path / "d" / "diff.html").exists()


def test_pages_in_chromium_run_no_injected_script(tmp_path):
    """diff.html with every field a payload, and a batch index.html: in the real headless
    Chromium (tests/test_render_html.py drives it), no injected element or dialog, no CSP
    violation, and index.html's own sorting script still runs (allowed by its hash)."""
    pytest.importorskip("numpy")
    from test_render_html import CHROMIUM, Chromium

    if CHROMIUM is None:
        pytest.skip("Debian chromium is not installed (bash scripts/setup.sh installs it)")
    from plancheck.batch.outputs import index_html
    from plancheck.render.diff_view import page

    diff_page = tmp_path / "diff.html"
    diff_page.write_text(page(gen.hostile_diff()), encoding="utf-8")
    rows = [{"drawing": name, "folder": f"f{n}", "verdict": v, "fails": n, "unknowns": 0,
             "far": None, "density": None, "max_height_m": None, "message": gen.HTML_PAYLOAD}
            for n, (name, v) in enumerate([(gen.BIDI_NAME, "fail"), (gen.HTML_PAYLOAD, "pass"),
                                           ("b.dxf", "error")])]
    summary = {"rows": rows, "totals": {"pass": 1, "fail": 1, "incomplete": 0, "error": 1},
               "skipped": [{"path": gen.HTML_PAYLOAD, "reason": "not a drawing: .png"}],
               "no_drawing": [{"folder": gen.HTML_PAYLOAD, "skipped": [gen.HTML_PAYLOAD]}],
               "drawings": 3, "resumed": 0, "tool": {"version": "0"}, "started": "now",
               "elapsed_s": 1.0}
    index_page = tmp_path / "index.html"
    index_page.write_text(index_html(tmp_path, summary), encoding="utf-8")
    b = Chromium()
    try:
        for p in (diff_page, index_page):
            b.open(p)
            assert b.js("document.title") != "pwned"
            assert b.js("document.querySelectorAll('img, script:not([src])').length") == (
                0 if p == diff_page else 1)                     # index: its own script only
            problems = b.problems(p)
            assert problems["dialogs"] == [] and problems["requests"] == [], problems
            assert problems["errors"] == [], problems["errors"]           # no CSP violation
            assert b.js("document.querySelectorAll('bdi').length") >= 3
        before = b.js("Array.from(document.querySelectorAll('#t tbody tr')).map(r => r.className)")
        b.js("document.querySelector('#t th:nth-child(2)').click()")
        after = b.js("Array.from(document.querySelectorAll('#t tbody tr')).map(r => r.className)")
        assert sorted(before) == sorted(after) and after != before   # the sort ran
    finally:
        b.close()


def test_bidi_overrides_are_visible_in_the_terminal():
    from plancheck.render.pages import visible_bidi

    assert visible_bidi(gen.BIDI_NAME) == "1#<U+202E>gnp.exe"
    assert visible_bidi("1# 住宅") == "1# 住宅"


# -- 10. clean errors instead of "internal error" -------------------------------------------------

def test_clean_one_line_errors(tmp_path, scheme):
    afile = tmp_path / "a-file"
    afile.write_text("x", encoding="utf-8")
    one_line_exit_2(cli("check", scheme, "--out", afile, "-q"), "--out", "is a file")
    one_line_exit_2(cli("batch", scheme, "--out", afile, "-q"), "--out", "is a file")
    one_line_exit_2(cli("check", scheme, "--out", afile / "sub", "-q", "--no-sunlight"),
                    str(afile / "sub"))
    one_line_exit_2(cli("check", gen.fifo(tmp_path / "p.dxf"), "-q"), "FIFO")


def test_blocks_nested_1200_deep_are_a_drawing_finding(tmp_path):
    path = gen.nested_blocks(tmp_path / "nested.dxf")
    proc = cli("check", path, "--out", tmp_path / "o", "-q", "--no-sunlight", "--format", "json")
    assert "internal error" not in proc.stderr and proc.returncode in (0, 1), proc.stderr
    report = json.loads((tmp_path / "o" / "report.json").read_text("utf-8"))
    assert any(f["rule"] == "DRW-BLOCK" and "16" in f["message"] for f in report["findings"])


def test_an_empty_drawing_gets_a_whole_report_and_fails_ci_only_with_strict(tmp_path):
    """It crashed (KeyError: 'world': trimesh cannot turn or export an empty scene), leaving
    report.json without report.html."""
    path = gen.empty_dxf(tmp_path / "empty.dxf")
    proc = cli("check", path, "--out", tmp_path / "o", "-q", "--format", "json,glb,html")
    assert proc.returncode == 0, proc.stderr                 # nothing fails: DRW-EMPTY is an error
    assert "internal error" not in proc.stderr
    report = json.loads((tmp_path / "o" / "report.json").read_text("utf-8"))
    assert {"DRW-EMPTY", "DRW-SITE-MISSING"} <= {f["rule"] for f in report["findings"]}
    assert report["verdict"] == "incomplete"
    glb = (tmp_path / "o" / "model.glb").read_bytes()
    assert glb[:4] == b"glTF" and int.from_bytes(glb[4:8], "little") == 2
    assert int.from_bytes(glb[8:12], "little") == len(glb)
    assert json.loads(glb[20:].decode("utf-8"))["scenes"][0]["nodes"] == []
    assert (tmp_path / "o" / "report.html").is_file()
    proc = cli("check", path, "--out", tmp_path / "s", "-q", "--format", "json", "--strict")
    assert proc.returncode == 1, proc.stderr


def test_inputs_nested_thousands_deep_are_one_line(tmp_path):
    """Found while building the corpus: a YAML context file, a CityJSON file and a report.json
    nested 100,000 levels deep (a few hundred kB) must not surface as a RecursionError."""
    from plancheck.errors import ContextError
    from plancheck.extract.city_files import read_file
    from plancheck.read.context import load_context

    deep_yaml = tmp_path / "deep.yaml"
    deep_yaml.write_text("conditions: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(ContextError) as err:
        load_context(deep_yaml)
    assert str(err.value).startswith(f"{deep_yaml}: ") and len(str(err.value)) < 200
    deep_json = tmp_path / "deep.json"
    deep_json.write_text('{"type": "CityJSON", "CityObjects": ' + "[" * 100_000 + "]" * 100_000
                         + "}", encoding="utf-8")
    with pytest.raises(ContextError) as err:
        read_file(deep_json)
    assert str(err.value).startswith(f"{deep_json}: ")
    deep_report = tmp_path / "deep-report.json"
    deep_report.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    one_line_exit_2(cli("diff", deep_report, deep_report, "--out", tmp_path / "d", "-q"))


def test_a_crafted_report_given_to_report_is_one_line(tmp_path, scheme):
    """Found while building the corpus: `plancheck report` re-renders a saved report.json;
    the same crafted files crashed it (StopIteration, KeyError, a format code...)."""
    from typer.testing import CliRunner

    from plancheck.cli import app
    from plancheck.pipeline import Options, check

    good = check(scheme, Options(sunlight=False)).report
    for name, bad in gen.malformed_reports(good).items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(bad), encoding="utf-8")
        r = CliRunner().invoke(app, ["report", str(path), "--out", str(tmp_path / name),
                                     "--format", "html"])
        assert r.exit_code == 2, (name, r.output)
        assert f"{path}: a malformed plancheck report (" in r.output, (name, r.output)
        assert "internal error" not in r.output and not (tmp_path / name / "report.html").exists()


def test_an_empty_drawings_report_opens_cleanly_in_chromium(tmp_path):
    """The node-less model.glb of an empty drawing: the page's 3D viewer takes it without an
    error."""
    from test_render_html import CHROMIUM, Chromium

    if CHROMIUM is None:
        pytest.skip("Debian chromium is not installed (bash scripts/setup.sh installs it)")
    path = gen.empty_dxf(tmp_path / "empty.dxf")
    proc = cli("check", path, "--out", tmp_path / "o", "-q", "--format", "json,html")
    assert proc.returncode == 0, proc.stderr
    page = tmp_path / "o" / "report.html"
    b = Chromium()
    try:
        b.open(page)
        b.js("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        assert b.problems(page) == {"errors": [], "requests": [], "dialogs": []}
    finally:
        b.close()
