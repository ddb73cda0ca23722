"""Sun positions for sunlight-hours analysis: NREL SPA (Reda & Andreas 2004) through pvlib.

Conventions (sunlight.md §1; the reasons are written there):

* Positions are pvlib's SPA (`pvlib.spa.solar_position`, the algorithm behind `method='nrel_numpy'`), which
  reproduces the SPA paper's test case to 2e-6°. Elevation is **geometric** (topocentric, no refraction), as in
  the CN tools; refraction would move each interval edge by up to half a minute.
* ΔT (TT − UT) is pvlib's `calculate_deltat(year, month)` of the day: 64.3 s for December 2001 (observed
  64.1 s); its extrapolation gives 74.4 s for December 2024 (observed 69.2 s). 5 s of ΔT moves the sun by
  6e-5° and a solar term by 5 s. The site is taken at sea level (parallax of a few metres: < 1e-6°).
* Beijing-time labels are truncated to the second, as a clock reads them.
* True solar time (真太阳时) is defined by the geocentric apparent hour angle H = ν + λ − α (SPA's apparent
  sidereal time ν, longitude λ, right ascension α): H = 15°·(TST − 12 h). The TST day of `day` is the one
  whose local mean noon falls on that date. Beijing time (BJT) is UTC+8.
* Standard days are solar terms in Beijing time: 冬至 is the BJT date on which the sun's apparent geocentric
  longitude reaches 270° (SPA's apparent longitude, with nutation and aberration).
* Samples are at step midpoints: [9:00, 15:00) at 1 min gives 9:00:30, 9:01:30, ..., 14:59:30 (360 samples),
  so k lit samples are k minutes.

Only pvlib's SPA module is loaded (`_spa`), inside the functions: it needs numpy alone, while `import
pvlib` pulls pandas and scipy (~0.9 s), which neither the CLI's start-up nor an analysis should pay.
The whole day's positions cost a few milliseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import numpy as np

#: Beijing time offset from UTC (hours).
BJT_UTC_OFFSET_H = 8.0
_BJT = timezone(timedelta(hours=BJT_UTC_OFFSET_H))
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: Standard atmosphere passed to SPA; it only enters refraction, which the geometric elevation leaves out.
_P_HPA = 1013.25
_T_C = 12.0
_REFRACT_DEG = 0.5667


@dataclass(frozen=True)
class SunPath:
    """The sun over one standard day, sampled at the midpoints of equal true-solar-time steps."""

    day: str                 # ISO date of the standard day in Beijing time, e.g. "2001-12-22"
    tst_minutes: np.ndarray  # (M,) true solar time of each sample, minutes after midnight (step midpoints)
    bjt: list[str]           # (M,) Beijing time "HH:MM:SS" of each sample
    vectors: np.ndarray      # (M,3) ENU unit vectors towards the sun (x east, y north, z up), geometric elevation
    elevation_deg: np.ndarray
    azimuth_deg: np.ndarray  # N=0, E=90
    lat_deg: float = math.nan
    lon_deg: float = math.nan
    delta_t_s: float = math.nan   # ΔT used by SPA (s)


def _spa():
    """pvlib's NREL SPA module (pvlib/spa.py), loaded alone unless pvlib already is: the module
    needs only numpy; its package's __init__ imports pandas and scipy."""
    import importlib.util
    import sys

    if "pvlib.spa" in sys.modules:
        return sys.modules["pvlib.spa"]
    name = "plancheck._pvlib_spa"
    mod = sys.modules.get(name)
    if mod is None:
        where = importlib.util.find_spec("pvlib").submodule_search_locations[0]
        spec = importlib.util.spec_from_file_location(name, f"{where}/spa.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        sys.modules[name] = mod
    return mod


def delta_t(day: date) -> float:
    """ΔT = TT − UT in seconds for the month of `day` (pvlib's NASA polynomial)."""
    return float(_spa().calculate_deltat(day.year, day.month))


def solar_position(unixtime: np.ndarray, lat_deg: float, lon_deg: float, *, altitude_m: float = 0.0,
                   pressure_hpa: float = _P_HPA, temperature_c: float = _T_C,
                   delta_t_s: float = 67.0) -> dict[str, np.ndarray]:
    """SPA at UTC instants (seconds since 1970): topocentric `elevation` (geometric), `apparent_zenith`
    (refraction from pressure/temperature), `azimuth` (N=0, E=90), geocentric `hour_angle` (ν + λ − α, in
    [0, 360)) and `declination`, all in degrees."""
    spa = _spa()
    t = np.atleast_1d(np.asarray(unixtime, dtype=np.float64))
    _, zen0, _, el0, az, _ = spa.solar_position(t, lat_deg, lon_deg, altitude_m, pressure_hpa, temperature_c,
                                                delta_t_s, _REFRACT_DEG)
    app_zen = spa.solar_position(t, lat_deg, lon_deg, altitude_m, pressure_hpa, temperature_c, delta_t_s,
                                 _REFRACT_DEG)[0]
    nu, alpha, dec = spa.solar_position(t, lat_deg, lon_deg, altitude_m, pressure_hpa, temperature_c, delta_t_s,
                                        _REFRACT_DEG, sst=True)
    return {"elevation": np.asarray(el0, float), "zenith": np.asarray(zen0, float),
            "apparent_zenith": np.asarray(app_zen, float), "azimuth": np.asarray(az, float),
            "hour_angle": np.mod(np.asarray(nu, float) + lon_deg - np.asarray(alpha, float), 360.0),
            "declination": np.asarray(dec, float)}


def _unix(d: date) -> float:
    """UTC midnight of `d`, in seconds since 1970."""
    return (datetime(d.year, d.month, d.day, tzinfo=timezone.utc) - _EPOCH).total_seconds()


def _wrap180(a: np.ndarray) -> np.ndarray:
    return (a + 180.0) % 360.0 - 180.0


def tst_to_unix(day: date, lon_deg: float, tst_min: np.ndarray | float, delta_t_s: float | None = None) -> np.ndarray:
    """UTC instants (s since 1970) at which the apparent hour angle is 15°·(TST − 12 h) on the TST day `day`.

    Newton's method from local mean time: the hour angle grows 360° per solar day (0.25 s of time per 1e-3°
    of angle), so 2–3 steps reach 1e-6° (0.24 ms).
    """
    spa = _spa()
    dt = delta_t(day) if delta_t_s is None else delta_t_s
    tst = np.atleast_1d(np.asarray(tst_min, dtype=np.float64))
    target = 15.0 * (tst / 60.0 - 12.0)
    t = _unix(day) + tst * 60.0 - lon_deg / 15.0 * 3600.0
    for _ in range(12):
        nu, alpha, _ = spa.solar_position(t, 0.0, lon_deg, 0.0, _P_HPA, _T_C, dt, _REFRACT_DEG, sst=True)
        err = _wrap180(np.asarray(nu, float) + lon_deg - np.asarray(alpha, float) - target)
        t = t - err * 240.0
        if np.max(np.abs(err)) < 1e-6:        # 0.24 ms; SPA's Julian day resolves ~4e-5 s
            break
    return t


def tst_to_unix_each(day: date, lon_deg: float, tst_min: np.ndarray, delta_t_s: float | None = None) -> np.ndarray:
    """`tst_to_unix` of many instants in one vectorised solve, each instant stepped exactly as it would be
    alone: Newton stops per instant (once its own error is under 1e-6°), not when the worst one converges,
    so each result is the one-instant call's, to the bit (tests/test_sunlight_same.py)."""
    spa = _spa()
    dt = delta_t(day) if delta_t_s is None else delta_t_s
    tst = np.atleast_1d(np.asarray(tst_min, dtype=np.float64))
    target = 15.0 * (tst / 60.0 - 12.0)
    t = _unix(day) + tst * 60.0 - lon_deg / 15.0 * 3600.0
    active = np.ones(len(t), dtype=bool)
    for _ in range(12):
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        nu, alpha, _ = spa.solar_position(t[idx], 0.0, lon_deg, 0.0, _P_HPA, _T_C, dt, _REFRACT_DEG, sst=True)
        err = _wrap180(np.asarray(nu, float) + lon_deg - np.asarray(alpha, float) - target[idx])
        t[idx] = t[idx] - err * 240.0
        active[idx[np.abs(err) < 1e-6]] = False
    return t


def bjt_labels(day: date, lon_deg: float, tst_min) -> list[str]:
    """Beijing time "HH:MM:SS" of many true-solar-time instants in one vectorised call; each label is
    `tst_to_bjt`'s for that instant."""
    return [_hms(float(x)) for x in tst_to_unix_each(day, lon_deg, np.asarray(tst_min, dtype=np.float64))]


def _hms(unixtime: float) -> str:
    """Beijing-time clock "HH:MM:SS", truncated to the second as a clock shows it (08:05:02.58 reads
    08:05:02, the figure the CN vendor tables quote for Shanghai's 大寒 TST 08:00)."""
    sec = int(math.floor(unixtime + BJT_UTC_OFFSET_H * 3600.0)) % 86400
    return f"{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}"


def tst_to_bjt(day: date, lon_deg: float, tst_min: float) -> str:
    """Beijing time "HH:MM:SS" (truncated to the second) of true solar time `tst_min` (minutes after midnight) on `day`
    at longitude `lon_deg`. E.g. Shanghai 121°28′E on 2001-12-22: TST 09:00 is about 08:52 BJT."""
    return _hms(float(tst_to_unix(day, lon_deg, tst_min)[0]))


def sun_path(day: date, lat_deg: float, lon_deg: float, start_tst_min: float, end_tst_min: float,
             step_min: float = 1.0) -> SunPath:
    """The sun at the midpoints of the `step_min` steps that tile [start, end) in true solar time on `day`."""
    if not (math.isfinite(start_tst_min) and math.isfinite(end_tst_min) and end_tst_min > start_tst_min):
        raise ValueError(f"empty or invalid TST window [{start_tst_min}, {end_tst_min})")
    if not (math.isfinite(step_min) and step_min > 0):
        raise ValueError(f"step must be > 0 minutes, got {step_min}")
    if not (-90.0 <= lat_deg <= 90.0 and -180.0 <= lon_deg <= 360.0):
        raise ValueError(f"latitude/longitude out of range: {lat_deg}, {lon_deg}")
    n = int(math.floor((end_tst_min - start_tst_min) / step_min + 1e-9))
    if n < 1:
        raise ValueError(f"window [{start_tst_min}, {end_tst_min}) is shorter than one {step_min}-min step")
    tst = start_tst_min + step_min * (np.arange(n) + 0.5)
    dt = delta_t(day)
    t = tst_to_unix(day, lon_deg, tst, dt)
    pos = solar_position(t, lat_deg, lon_deg, delta_t_s=dt)
    el = np.radians(pos["elevation"])
    az = np.radians(pos["azimuth"])
    vec = np.column_stack([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)])
    return SunPath(day=day.isoformat(), tst_minutes=tst, bjt=[_hms(x) for x in t], vectors=vec,
                   elevation_deg=pos["elevation"], azimuth_deg=pos["azimuth"],
                   lat_deg=float(lat_deg), lon_deg=float(lon_deg), delta_t_s=dt)


def apparent_sun_longitude(unixtime: np.ndarray, delta_t_s: float) -> np.ndarray:
    """SPA's apparent geocentric longitude of the sun λ (degrees, [0, 360)): with nutation and aberration."""
    spa = _spa()
    t = np.atleast_1d(np.asarray(unixtime, dtype=np.float64))
    jd = spa.julian_day(t)
    jce = spa.julian_ephemeris_century(spa.julian_ephemeris_day(jd, delta_t_s))
    jme = spa.julian_ephemeris_millennium(jce)
    theta = spa.geocentric_longitude(spa.heliocentric_longitude(jme))
    x = (spa.mean_elongation(jce), spa.mean_anomaly_sun(jce), spa.mean_anomaly_moon(jce),
         spa.moon_argument_latitude(jce), spa.moon_ascending_longitude(jce))
    nut = np.empty((2, len(t)))
    spa.longitude_obliquity_nutation(jce, *x, nut)
    lam = spa.apparent_sun_longitude(theta, nut[0], spa.aberration_correction(spa.heliocentric_radius_vector(jme)))
    return np.mod(np.asarray(lam, float), 360.0)


def solar_term_moment(year: int, longitude_deg: float) -> datetime:
    """The instant (Beijing time, aware) in calendar year `year` at which λ☉ reaches `longitude_deg`
    (270 = 冬至, 300 = 大寒), to well under a second."""
    calculate_deltat = _spa().calculate_deltat
    rate = 360.0 / 365.2422 / 86400.0                     # degrees per second, mean
    # the March equinox (λ = 0) falls about March 20; step forward by the mean rate, wrapped into the year
    guess = datetime(year, 3, 20, 12, tzinfo=timezone.utc) + timedelta(days=(longitude_deg % 360.0) / 360.0 * 365.2422)
    if guess.year > year:
        guess -= timedelta(days=365.2422)
    dt = float(calculate_deltat(year, guess.month))
    t = np.array([(guess - _EPOCH).total_seconds()])
    for _ in range(20):
        err = float(_wrap180(apparent_sun_longitude(t, dt) - longitude_deg)[0])
        t = t - err / rate
        if abs(err) < 1e-9:
            break
    return datetime.fromtimestamp(float(t[0]), tz=timezone.utc).astimezone(_BJT)


def solstice_day(year: int) -> date:
    """The 冬至 (winter solstice) date in Beijing time: the BJT date on which λ☉ = 270° (2001 → 2001-12-22)."""
    return solar_term_moment(year, 270.0).date()
