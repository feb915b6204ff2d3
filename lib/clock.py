"""The board's clock: UTC time tuples on every port, the port's epoch, and
the configured time zone (system.conf's "tz", minutes east of UTC). Loaded
by the commands that need it."""
import time

import system

# Some ports have only localtime(), which is UTC there too.
gmtime = getattr(time, "gmtime", time.localtime)

# Seconds from 1970 to the port's epoch: many boards count from 2000.
EPOCH = 946684800 if gmtime(0)[0] == 2000 else 0


def tz_seconds():
    """The configured offset from UTC, in seconds; 0 when unset or not a
    number."""
    try:
        return int(system.conf.get("tz", 0)) * 60
    except (TypeError, ValueError):
        return 0


def localtime(secs=None):
    """The local time tuple of secs since the port's epoch (default now):
    the port's clock is UTC, the configured tz applied."""
    return gmtime((int(time.time()) if secs is None else secs) + tz_seconds())
