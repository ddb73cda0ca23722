"""Shared test helpers: drawings are written from small sketches (plancheck.sketch)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from hypothesis import settings

# CI runs the property tests on a fixed set of examples (reproducible results); local runs keep
# exploring new ones, which is where a new counterexample should be found. Neither profile has a
# per-example deadline: how fast the machine is must never decide a test.
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
settings.register_profile("local", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "local")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REALDATA = SHARED / "realdata"
#: the bundled sample (with its context file beside it)
SAMPLE_DXF = REPO / "samples" / "huangpu-residential.dxf"


def realdata(*parts: str) -> Path:
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared real data not present: {path}")
    return path


@pytest.fixture
def draw(tmp_path):
    """draw(sketch, context=None, name="site") -> path of a DXF written from the sketch."""
    from plancheck.sketch import write_dxf

    def _draw(sketch: dict, context: dict | None = None, name: str = "site") -> Path:
        path = tmp_path / f"{name}.dxf"
        write_dxf(sketch, path)
        if context is not None:
            (tmp_path / f"{name}.plancheck.yaml").write_text(
                yaml.safe_dump(context, allow_unicode=True), encoding="utf-8")
        return path

    return _draw


@pytest.fixture(scope="session")
def _sample_checked_once():
    from plancheck.pipeline import Options, check

    return check(SAMPLE_DXF, Options())


@pytest.fixture
def sample_checked(_sample_checked_once):
    """`check(SAMPLE_DXF, Options())`, the sunlight analysis included, run once per session
    (a few seconds each time it was run again); each test gets its own deep copy of the report,
    so one that changes it changes no other test's. The drawing, context and extraction are
    shared: read them only."""
    import copy
    import dataclasses

    return dataclasses.replace(_sample_checked_once,
                               report=copy.deepcopy(_sample_checked_once.report),
                               sunlight=copy.deepcopy(_sample_checked_once.sunlight))


@pytest.fixture
def sample_report(sample_checked) -> dict:
    """The report of `sample_checked` (this test's own copy)."""
    return sample_checked.report


@pytest.fixture
def sample_full_report(sample_checked) -> dict:
    """The report as `formats.render` hands it to the renderers: with the full sunlight
    document (every window, sunlight.json) in place of report.json's summary."""
    return {**sample_checked.report, "sunlight": sample_checked.sunlight}


def crowded_grid_report(tmp_path: Path) -> dict:
    """200 homes on a grid (samples/generate.py) with the sample's planning conditions; one row
    pushed 5 m south (7 spacing fails) and one building without height (unknowns)."""
    import sys

    from plancheck.pipeline import check
    from plancheck.sketch import write_dxf

    sys.path.insert(0, str(REPO))
    from samples.generate import grid_scheme, residential_context

    sk = grid_scheme(200)
    for b in sk["buildings"][45:52]:
        x0, y0, x1, y1 = b["masses"][0]["rect"]
        b["masses"][0]["rect"] = [x0, y0 - 5, x1, y1 - 5]
    del sk["buildings"][120]["masses"][0]["height"], sk["buildings"][120]["masses"][0]["floors"]
    path = tmp_path / "grid.dxf"
    write_dxf(sk, path)
    ctx = residential_context()
    ctx["roads"] = []
    path.with_suffix(".plancheck.yaml").write_text(yaml.safe_dump(ctx, allow_unicode=True), "utf-8")
    return check(path).report


@pytest.fixture(scope="session")
def _crowded_grid_once(tmp_path_factory) -> dict:
    return crowded_grid_report(tmp_path_factory.mktemp("grid"))


@pytest.fixture
def crowded_grid(_crowded_grid_once) -> dict:
    """crowded_grid_report, checked once per session; each test gets its own deep copy."""
    import copy

    return copy.deepcopy(_crowded_grid_once)


@pytest.fixture(autouse=True)
def _quiet_ezdxf():
    import logging

    logging.getLogger("ezdxf").setLevel(logging.CRITICAL)
    os.environ.setdefault("PLANCHECK_DEBUG", "")
    yield
