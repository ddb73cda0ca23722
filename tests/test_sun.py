"""plancheck.sunlight.sun: SPA positions against the SPA paper and the Shanghai table of sunlight.md §1.5,
standard days from the sun's apparent longitude, true solar time <-> Beijing time."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pytest

from plancheck.sunlight.sun import (apparent_sun_longitude, delta_t, solar_position, solar_term_moment,
                                    solstice_day, sun_path, tst_to_bjt, tst_to_unix)

SH_LAT, SH_LON = 31.23, 121.47                                  # sunlight.md §1.5 table site
REG_LAT, REG_LON = 31 + 14 / 60, 121 + 28 / 60                  # 第十一条: 121°28′E, 31°14′N


def test_spa_paper_case():
    """Reda & Andreas (2004) example: 2003-10-17 12:30:30 at UTC-7, Golden CO, P 820 mbar, T 11 °C, ΔT 67 s.
    The paper's zenith is the refraction-corrected one."""
    t = (datetime(2003, 10, 17, 19, 30, 30, tzinfo=timezone.utc) - datetime(1970, 1, 1, tzinfo=timezone.utc))
    pos = solar_position(np.array([t.total_seconds()]), 39.742476, -105.1786, altitude_m=1830.14,
                         pressure_hpa=820.0, temperature_c=11.0, delta_t_s=67.0)
    assert abs(pos["apparent_zenith"][0] - 50.11162) < 1e-4
    assert abs(pos["azimuth"][0] - 194.34024) < 1e-4
    assert abs(pos["declination"][0] - -9.31434) < 1e-4
    # geometric zenith differs from the apparent one by the refraction (~0.0167° at 50°)
    assert 0.005 < pos["zenith"][0] - pos["apparent_zenith"][0] < 0.03


# 冬至2024 rows of sunlight.md §1.5: tst, bjt (truncated to the second), el_geom, az, sun_e, sun_n, sun_u
WINTER_2024 = [
    ("07:00", "06:52:08", -0.1841, 117.5961, 0.886231, -0.463233, -0.003212),
    ("08:00", "07:52:09", 10.7197, 126.0318, 0.794578, -0.577968, 0.186004),
    ("09:00", "08:52:10", 20.3950, 136.1983, 0.648775, -0.676495, 0.348490),
    ("10:00", "09:52:12", 28.2404, 148.6182, 0.458755, -0.752099, 0.473171),
    ("11:00", "10:52:13", 33.4734, 163.4598, 0.237470, -0.799626, 0.551550),
    ("12:00", "11:52:14", 35.3298, 180.0000, 0.000000, -0.815837, 0.578282),
    ("13:00", "12:52:15", 33.4732, 196.5401, -0.237469, -0.799627, 0.551547),
    ("14:00", "13:52:17", 28.2401, 211.3816, -0.458754, -0.752102, 0.473167),
    ("15:00", "14:52:18", 20.3947, 223.8014, -0.648772, -0.676500, 0.348485),
    ("16:00", "15:52:19", 10.7193, 233.9678, -0.794575, -0.577976, 0.185997),
    ("17:00", "16:52:20", -0.1845, 242.4033, -0.886226, -0.463243, -0.003220),
]


def _sec(hms: str) -> int:
    h, m, s = (int(x) for x in hms.split(":"))
    return 3600 * h + 60 * m + s


def test_shanghai_winter_solstice_table():
    # 60-min steps from 06:30 put the midpoints on the hours 07:00 .. 17:00
    path = sun_path(date(2024, 12, 21), SH_LAT, SH_LON, 390.0, 1050.0, step_min=60.0)
    assert path.day == "2024-12-21"
    assert np.array_equal(path.tst_minutes, np.arange(420.0, 1021.0, 60.0))
    want = np.array([row[2:] for row in WINTER_2024])
    assert np.max(np.abs(path.elevation_deg - want[:, 0])) < 1e-3
    assert np.max(np.abs(path.azimuth_deg - want[:, 1])) < 1e-3
    assert np.max(np.abs(path.vectors - want[:, 2:])) < 2e-5
    assert np.allclose(np.linalg.norm(path.vectors, axis=1), 1.0, atol=1e-14)
    for (tst, bjt, *_), got in zip(WINTER_2024, path.bjt):
        assert abs(_sec(got) - _sec(bjt)) <= 1, (tst, got, bjt)
        h, m = (int(x) for x in tst.split(":"))
        assert abs(_sec(tst_to_bjt(date(2024, 12, 21), SH_LON, 60 * h + m)) - _sec(bjt)) <= 1


@pytest.mark.parametrize("tst, bjt", [(420, "07:05:01"), (480, "08:05:02"), (720, "12:05:05"), (960, "16:05:08")])
def test_shanghai_great_cold_bjt(tst, bjt):
    """大寒 2025 (sunlight.md §1.5): TST 08:00 is 08:05:02 BJT, the figure CN vendor pages quote for Shanghai."""
    assert abs(_sec(tst_to_bjt(date(2025, 1, 20), SH_LON, tst)) - _sec(bjt)) <= 1


def test_tst_is_the_apparent_hour_angle():
    """Round trip: at the instant returned for TST τ, SPA's hour angle is 15°·(τ − 12 h); solar noon is
    due south (az 180°) and the morning and afternoon are mirror images on 冬至."""
    day = date(2001, 12, 22)
    tst = np.array([540.0, 600.5, 720.0, 899.5])
    t = tst_to_unix(day, REG_LON, tst)
    pos = solar_position(t, REG_LAT, REG_LON, delta_t_s=delta_t(day))
    assert 63.5 < delta_t(day) < 65.0                              # observed ΔT in 2001: 64.1 s
    assert np.max(np.abs((pos["hour_angle"] - 15.0 * (tst / 60.0 - 12.0) + 180) % 360 - 180)) < 2e-6
    path = sun_path(day, REG_LAT, REG_LON, 540.0, 900.0)
    assert len(path.tst_minutes) == 360 and path.tst_minutes[0] == 540.5 and path.tst_minutes[-1] == 899.5
    noon = sun_path(day, REG_LAT, REG_LON, 719.5, 720.5)
    assert abs(noon.azimuth_deg[0] - 180.0) < 1e-3 and abs(noon.vectors[0, 0]) < 1e-5
    # symmetric about noon (δ is stationary at the solstice): elevation to 0.005°, azimuth mirrored
    assert np.max(np.abs(path.elevation_deg - path.elevation_deg[::-1])) < 5e-3
    assert np.max(np.abs(path.azimuth_deg + path.azimuth_deg[::-1] - 360.0)) < 5e-3
    # Shanghai is 1.47° east of 120°E (−5.9 min) and the equation of time is about +1.5 min on 2001-12-22,
    # so BJT runs about 7.4 min behind TST (7:28 at 9:00, 7:20 at 15:00 as the equation of time shrinks)
    lag = np.array([_sec(b) for b in path.bjt]) - (path.tst_minutes * 60).astype(int)
    assert np.all((lag >= -449) & (lag <= -439)) and lag[0] < lag[-1]


def test_winter_solstice_days():
    """冬至 is the BJT date on which λ☉ = 270°; the moments match the almanac (sunlight.md §1.3) to seconds."""
    m = solar_term_moment(2001, 270.0)                           # almanac: 2001-12-21 19:21 UTC
    assert m.utcoffset() == timedelta(hours=8)
    assert abs((m - datetime(2001, 12, 21, 19, 21, tzinfo=timezone.utc)).total_seconds()) < 60
    assert solstice_day(2001) == date(2001, 12, 22)                # not the UTC date (12-21)
    assert m.astimezone(timezone.utc).date() == date(2001, 12, 21)
    # λ is exactly 270° there, and 269.x / 270.x a day either side
    t = m.timestamp()
    lam = apparent_sun_longitude(np.array([t - 86400, t, t + 86400]), delta_t(date(2001, 12, 22)))
    assert abs(lam[1] - 270.0) < 1e-7 and 268.9 < lam[0] < 269.1 and 270.9 < lam[2] < 271.1
    # ΔT here is pvlib's polynomial (74 s for 2024 against the observed 69.2 s used in §1.3): seconds apart
    for year, want in ((2024, datetime(2024, 12, 21, 17, 20, 27)), (2025, datetime(2025, 12, 21, 23, 2, 59))):
        got = solar_term_moment(year, 270.0)
        assert abs((got.replace(tzinfo=None) - want).total_seconds()) < 10
        assert solstice_day(year) == want.date()
    assert abs((solar_term_moment(2025, 300.0).replace(tzinfo=None)
                - datetime(2025, 1, 20, 4, 0, 2)).total_seconds()) < 10   # 大寒 2025


def test_sun_path_rejects_bad_windows():
    for args in ((900.0, 540.0), (540.0, 540.0), (540.0, math.nan)):
        with pytest.raises(ValueError):
            sun_path(date(2001, 12, 22), REG_LAT, REG_LON, *args)
    with pytest.raises(ValueError):
        sun_path(date(2001, 12, 22), REG_LAT, REG_LON, 540.0, 900.0, step_min=0.0)


def test_import_is_light():
    """Importing the module must not import pvlib/pandas (CLI start-up)."""
    import subprocess
    import sys
    code = "import sys, plancheck.sunlight.sun; print('pvlib' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
