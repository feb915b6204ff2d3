"""cron: the daemon that keeps the schedule in /etc/crontab (started by
`crond start`, an asyncio task: it needs no thread); the table's lines are
parsed by crontable.py, loaded only while a changed table is read, and its
jobs started by jobctl, loaded only while one starts: crond itself keeps
little more than the entries.

Times are local: UTC plus the "tz" offset (minutes) of /etc/system.conf,
without daylight saving.

A job runs once per matching second, never before it; when the clock
jumps (NTP) by more than JUMP seconds the times in between are skipped,
with a log line, and a clock set back never runs a job twice. Each run is a
background process whose output goes to the log, /tmp/cron.log; a job
still running when due again is not started twice.
"""
import asyncio
import os
import sys
import time

import clock
import logfile
import logsession
import system
from system import CRONTAB

LOG = "/tmp/cron.log"
JUMP = 120          # seconds: a longer step of the clock is a jump
BACK_LIMIT = 3600   # a clock set back further than this starts afresh
PERIOD_MS = 500     # between passes
# Days from 1970 to the port's epoch: many boards count from 2000.
EPOCH_DAYS = clock.EPOCH // 86400

state = None        # the running daemon's Daemon, for crond status
_rebooted = [False]


def log(text):
    logfile.line(LOG, text)


def local_now():
    return int(time.time()) + clock.tz_seconds()


def location():
    """(lat, lon) of /etc/system.conf's "location", or None."""
    loc = system.conf.get("location")
    try:
        return float(loc["lat"]), float(loc["lon"])
    except (TypeError, KeyError, ValueError):
        return None


class Daemon:
    """What crond keeps between passes: the crontab's entries, when it was
    read, and the last second examined."""

    def __init__(self, path, since):
        self.path = path
        self.stamp = None
        self.entries = []
        # The first pass looks at the seconds since crond was started: it
        # may come late, the loop busy or loading the table, and a job due
        # meanwhile was missed.
        self.last = since
        self.behind = False
        self.session = None

    def reload(self):
        """Read the crontab again if it changed; log its errors."""
        try:
            st = os.stat(self.path)
            stamp = (st[8], st[6])
        except OSError:
            stamp = None
        if stamp == self.stamp:
            return
        self.stamp = stamp
        if stamp is None:
            self.entries = []
            log("%s: no such file: nothing to run" % self.path)
            return
        entries, errors = _read(self.path)
        if location() is None:
            for e in [e for e in entries if e.sun is not None]:
                errors.append((e.number, "%s needs \"location\" in /etc/system.conf" % e.sun[0]))
                entries.remove(e)
        for number, message in errors:
            log("%s: line %d: %s" % (self.path, number, message))
        old = dict((e.command, e.proc) for e in self.entries)
        for e in entries:
            e.proc = old.get(e.command)
        self.entries = entries
        log("%s: %d job%s" % (self.path, len(entries), "" if len(entries) == 1 else "s"))

    def step(self):
        """Run what is due since the last pass."""
        self.reload()
        if not _rebooted[0]:
            _rebooted[0] = True
            for e in self.entries:
                if e.reboot:
                    self.start(e)
        now = local_now()
        gap = now - self.last
        if gap < 0:
            if -gap > BACK_LIMIT:
                log("clock set back by %d s: starting afresh" % -gap)
                self.last = now
            elif not self.behind:
                log("clock set back by %d s: what already ran is not run again" % -gap)
            self.behind = True
            return
        self.behind = False
        if gap > JUMP:
            log("clock jumped ahead by %d s: skipped what was due in between" % gap)
            self.last = now
            return
        loc = location()
        where = (loc[0], loc[1], clock.tz_seconds() // 60) if loc else None
        for t in range(self.last + 1, now + 1):
            tm = clock.gmtime(t)
            for e in self.entries:
                if matches(e, t, tm, where):
                    self.start(e)
        self.last = now

    def start(self, e):
        if e.proc is not None and e.proc.alive():
            log("line %d still running (pid %d): not started again" % (e.number, e.proc.pid))
            return
        import jobctl
        import shell
        sess = self.session
        words = e.command.split()
        try:
            e.proc = jobctl.background(sess, words[0], words[1:],
                                       lambda: shell.run_line(e.command, sess),
                                       log=LOG, quiet=True)
        except OSError as err:
            log("line %d: cannot start: %s" % (e.number, err))
            return
        log("line %d: pid %d: %s" % (e.number, e.proc.pid, e.command))


def _read(path):
    """(entries, errors) of the table at path, its parser going after
    unless something else had it loaded."""
    fresh = "crontable" not in sys.modules
    import crontable
    try:
        with open(path) as f:
            return crontable.parse(f)
    finally:
        if fresh:
            with system.import_lock:
                system.unload("crontable")


def matches(e, t, tm, where):
    """Does local second t (tm its broken-down time) match entry e?"""
    if e.reboot:
        return False
    if e.sun is not None:
        return t % 86400 == _sun_second(e, t // 86400 + EPOCH_DAYS, where)
    if not (e.sec >> tm[5] & e.min >> tm[4] & e.hour >> tm[3] & e.mon >> tm[1] & 1):
        return False
    dom = e.dom >> tm[2] & 1
    dow = e.dow >> tm[6] & 1
    return dom | dow if e.either_day else dom & dow


def _sun_second(e, day, where):
    if e.sun_day != day:
        import sun
        lat, lon, tz = where
        rise, set_ = sun.times(day, lat, lon)
        m = rise if e.sun[0] == "sunrise" else set_
        e.sun_day = day
        e.sun_due = None if m is None else int((m + tz + e.sun[1]) * 60 + 0.5)
    return e.sun_due


def start():
    """Start crond in a session of its own, where its jobs run too (their
    output goes to the log); returns its process."""
    import jobctl
    sess = logsession.new("cron", LOG)
    return jobctl.spawn_task(sess, "crond", [], _daemon(sess, local_now()), log=LOG, quiet=True,
                             kind="daemon")


async def _daemon(sess, since):
    """crond's task: a pass every PERIOD_MS until cancelled."""
    global state
    d = Daemon(CRONTAB, since)
    d.session = sess
    state = d
    log("crond started")
    try:
        while True:
            try:
                d.step()
            except Exception as e:
                log("error: %s" % e)
            await asyncio.sleep_ms(PERIOD_MS)
    finally:
        state = None
        log("crond stopped")
