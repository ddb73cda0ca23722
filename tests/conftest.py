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


@pytest.fixture(autouse=True)
def _quiet_ezdxf():
    import logging

    logging.getLogger("ezdxf").setLevel(logging.CRITICAL)
    os.environ.setdefault("PLANCHECK_DEBUG", "")
    yield
