"""Sunrise and sunset, computed on the board (NOAA's solar position
formulas, good to about a minute away from the poles).

times(days, lat, lon) gives the minutes after 00:00 UTC of the day (days
since 1970-01-01) at which the sun's upper edge rises and sets at latitude
lat (north positive) and longitude lon (east positive), standard refraction
included; None for either when the sun does not rise or set that day.
Numbers stay small (days since 2000, angles) so that the single precision
floats of most boards keep their accuracy.
"""
import math
from micropython import const

_J2000 = const(10957)   # 2000-01-01 in days since 1970
_ZENITH = math.cos(math.radians(90.833))


def _sun(days):
    """(declination in radians, equation of time in minutes) at days
    (fractional) since 1970-01-01 00:00 UTC."""
    t = (days - _J2000 - 0.5) / 36525
    rad = math.radians
    l0 = rad((280.46646 + t * (36000.76983 + t * 0.0003032)) % 360)
    m = rad((357.52911 + t * (35999.05029 - 0.0001537 * t)) % 360)
    e = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
    c = (math.sin(m) * (1.914602 - t * (0.004817 + 0.000014 * t))
         + math.sin(2 * m) * (0.019993 - 0.000101 * t) + math.sin(3 * m) * 0.000289)
    omega = rad(125.04 - 1934.136 * t)
    lam = l0 + rad(c - 0.00569 - 0.00478 * math.sin(omega))
    eps = rad(23 + (26 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60) / 60
              + 0.00256 * math.cos(omega))
    decl = math.asin(math.sin(eps) * math.sin(lam))
    y = math.tan(eps / 2) ** 2
    eot = 4 * math.degrees(y * math.sin(2 * l0) - 2 * e * math.sin(m)
                           + 4 * e * y * math.sin(m) * math.cos(2 * l0)
                           - 0.5 * y * y * math.sin(4 * l0) - 1.25 * e * e * math.sin(2 * m))
    return decl, eot


def _event(days, lat, lon, sign):
    """Minutes after 00:00 UTC of sunrise (sign -1) or sunset (+1), or None."""
    minutes = 720 - 4 * lon
    for _ in range(3):   # each pass takes the sun's position at the last estimate
        decl, eot = _sun(days + minutes / 1440)
        phi = math.radians(lat)
        cos_ha = _ZENITH / (math.cos(phi) * math.cos(decl)) - math.tan(phi) * math.tan(decl)
        if not -1 <= cos_ha <= 1:
            return None
        ha = math.degrees(math.acos(cos_ha))
        minutes = 720 - 4 * (lon - sign * ha) - eot
    return minutes


def times(days, lat, lon):
    """(sunrise, sunset) in minutes after 00:00 UTC of day days (since
    1970-01-01); None for an event that does not happen that day."""
    return _event(days, lat, lon, -1), _event(days, lat, lon, 1)


def days_from_civil(y, m, d):
    """Days since 1970-01-01 of a date (proleptic Gregorian)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468
