"""cron: the daemon that keeps the schedule in /etc/crontab (started by
`crond start`, an asyncio task: it needs no thread).

Times are local: UTC plus the "tz" offset (minutes) of /etc/system.conf,
without daylight saving.

A job runs once per matching second, never before it; when the clock
jumps (NTP) by more than _JUMP seconds the times in between are skipped,
with a log line, and a clock set back never runs a job twice. Each run is a
background process whose output goes to the log, /tmp/cron.log; a job
still running when due again is not started twice.

Between two passes crond keeps this module, the table's entries (values
only: crontable.Entry) and its session. What it does now and then (read a
changed table, start a job, write its log, work out a day's sunrise) is
cronwork.py's, loaded for it and dropped after with what it loaded: the
table's parser, jobctl, logfile, sun (they held 5 KiB of the esp32
profile's heap for as long as crond ran).
"""
import asyncio
import os
import sys
import time
from micropython import const

import asyncloop
import clock
import errors
import lending
import logsession  # crond's session: its streams keep it anyway; loaded, jobctl finds it
import threadctl
import system
from system import CRONTAB

LOG = "/tmp/cron.log"
_JUMP = const(120)         # seconds: a longer step of the clock is a jump
_BACK_LIMIT = const(3600)  # a clock set back further than this starts afresh
_PERIOD_MS = const(500)    # between passes
_START_CALLS = const(10)   # Python calls a job's start nests, as deep as they go (asyncloop.room)
# Days from 1970 to the port's epoch: many boards count from 2000.
EPOCH_DAYS = clock.EPOCH // 86400
# What cronwork's work loads (lending.lend): cronwork and what it imports.
_WORK = ("cronwork", "crontable", "jobctl", "procctl", "logfile", "sun")

state = None        # the running daemon's Daemon, for crond status
_rebooted = [False]


def local_now():
    return int(time.time()) + clock.tz_seconds()


class Daemon:
    """What crond keeps between passes: the crontab's entries, when it was
    read, and the last second examined."""

    log = LOG

    def __init__(self, path, since, session):
        self.path = path
        self.stamp = None
        self.entries = []
        # The first pass looks at the seconds since crond was started: it
        # may come late, the loop busy or loading the table, and a job due
        # meanwhile was missed.
        self.last = since
        self.behind = False
        self.session = session
        # Entries due that found no thread free (a board with one, taken):
        # tried again at each pass, before what comes due.
        self.waiting = []

    def step(self):
        """A pass: the table read again when it changed, the @reboot
        entries started at the first; returns (the entries due since the
        last pass, the second up to which they were looked for), for
        start(), or None when nothing is due."""
        try:
            st = os.stat(self.path)
            stamp = (st[8], st[6])
        except OSError:
            stamp = None
        if stamp != self.stamp:
            lending.lend(_WORK, "reload", self, stamp)
        if not _rebooted[0]:
            _rebooted[0] = True
            due = [e for e in self.entries if e.reboot]
            if due:
                lending.lend(_WORK, "start", self, due)
        now = local_now()
        gap = now - self.last
        if gap < 0 and self.behind and -gap <= _BACK_LIMIT:
            return None
        if gap < 0 or gap > _JUMP:
            lending.lend(_WORK, "jumped", self, now, gap, _BACK_LIMIT)
            return None
        self.behind = False
        due = list(self.waiting)
        for t in range(self.last + 1, now + 1):
            tm = clock.gmtime(t)
            for e in self.entries:
                if matches(e, t, tm, None) and e not in due:
                    due.append(e)
        if not due:
            self.last = now
            return None
        return due, now


def matches(e, t, tm, where):
    """Does local second t (tm its broken-down time) match entry e? where:
    (lat, lon, tz minutes) for the sun's times; None: from
    /etc/system.conf."""
    if e.reboot:
        return False
    if e.sun is not None:
        day = t // 86400 + EPOCH_DAYS
        if e.sun_day != day:
            lending.lend(_WORK, "sun_due", e, day, where)
        return t % 86400 == e.sun_due
    if not (e.sec >> tm[5] & e.min >> tm[4] & e.hour >> tm[3] & e.mon >> tm[1] & 1):
        return False
    dom = e.dom >> tm[2] & 1
    dow = e.dow >> tm[6] & 1
    return dom | dow if e.either_day else dom & dow


def start():
    """Start crond in a session of its own, where its jobs run too (their
    output goes to the log); returns its process."""
    import jobctl
    sess = logsession.new("cron", LOG)
    return jobctl.spawn_task(sess, "crond", [], _daemon(sess, local_now()), log=LOG, quiet=True,
                             kind="daemon")


async def _daemon(sess, since):
    """crond's task: a pass every _PERIOD_MS until cancelled."""
    global state
    d = Daemon(CRONTAB, since, sess)
    state = d
    lending.lend("logfile", "line", d.log, "crond started")
    short = [0]     # passes the heap cut short since the last one said
    try:
        while True:
            try:
                due = d.step()
                if due is not None:
                    # A job's thread, in turn with the loop's other work
                    # (asyncloop): between two telnet sessions' lines it
                    # found the heap short, and 3 runs of 24 were made.
                    await asyncloop.turn(threadctl.thread_need())
                    try:
                        # Where the console hosts the loop (an RP2040), not
                        # from a wait that leaves too little of its stack for
                        # the start ("maximum recursion depth exceeded" in
                        # the log, and core1 lost when that cut a start
                        # short): at a later pass, from a wait nearer the
                        # prompt. Else the entries due up to second due[1]
                        # start; failing (the heap full), the next pass looks
                        # at these seconds again. Called here, not through a
                        # method: a call less on that stack.
                        if asyncloop.room(_START_CALLS):
                            started = lending.lend(_WORK, "start", d, due[0])
                            d.last = due[1]
                            if started:
                                _said(d, short)
                    finally:
                        asyncloop.end_turn()
            except Exception as e:
                if errors.heap_ran_out(e):
                    # Counted, and said once a job could start again: said
                    # at each pass, a busy esp32's log had a line every
                    # second or two. The seconds looked at are looked at
                    # again (step). An import the heap cut short is one
                    # too: "error: no module" in the rp2040 profile's log.
                    short[0] += 1
                else:
                    try:
                        lending.lend("logfile", "line", d.log, "error: %s" % e)
                    except Exception:
                        pass
            await asyncio.sleep_ms(_PERIOD_MS)
    finally:
        state = None
        _said(d, short)
        lending.lend("logfile", "line", d.log, "crond stopped")


def _said(d, short):
    """Log how many passes (short[0]) the heap cut short, if any."""
    if short[0]:
        lending.lend("logfile", "line", d.log, "passes cut short by a full heap: %d; what came"
                     " due meanwhile started late, once" % short[0])
        short[0] = 0
