"""The cron table, /etc/crontab, parsed: what `crontab` checks and crond
(cron.py) runs, apart from the daemon so that checking a table loads
neither it nor asyncio.

A crontab line is one of
  MIN HOUR DOM MON DOW CMD   standard cron: *, N, A-B, lists A,B, steps */N
                             and A-B/N, names jan..dec and sun..sat (0 or 7
                             is Sunday); with both DOM and DOW restricted,
                             either one matching is enough
  @reboot CMD                once, when crond first starts after boot
  @hourly @daily @midnight @weekly @monthly @yearly CMD
  WD:H:M:S!CMD               micrOS's form, to the second; WD 0-6 is
                             Monday..Sunday; the same field syntax
  sunrise!CMD, sunset-30!CMD at sunrise or sunset (± minutes), computed from
                             "location": {"lat": .., "lon": ..} in
                             /etc/system.conf
Blank lines and # comments are skipped.
"""
from system import CRONTAB  # noqa: F401 (bin/crontab reads it here: programs do not import system)

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_ALIASES = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
           "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *",
           "@annually": "0 0 1 1 *"}
ALL = -1            # a mask with every bit set


class Entry:
    """One crontab line: when (masks of allowed values, bit N for value N)
    and what. Only values: crond keeps the entries (cron.matches reads
    them), and a method would keep this whole module, which crond loads
    only to read a changed table."""
    number = 0
    command = ""
    reboot = False
    sun = None          # ("sunrise" or "sunset", offset minutes)
    sec = min = hour = dom = mon = dow = ALL
    either_day = False  # DOM and DOW both restricted: either matches
    proc = None         # its last run
    sun_day = None      # (local day, second of day) of the sun event
    sun_due = None


def _entry(number, command):
    e = Entry()
    e.number = number
    e.command = command
    return e


def parse(lines):
    """(entries, errors) of a crontab's lines (an open file is read a line
    at a time); errors are (line number, message) and the other lines are
    kept."""
    entries = []
    errors = []
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line[0] == "#":
            continue
        try:
            entries.append(parse_line(line, number))
        except ValueError as e:
            errors.append((number, str(e)))
    return entries, errors


def parse_line(line, number=0):
    """The Entry of one crontab line; ValueError says what is wrong."""
    first = line.split(None, 1)[0]
    if "!" in first and first[0] != "@":
        when, command = line.split("!", 1)
        return _micros(when.strip(), command.strip(), number)
    if first[0] == "@":
        command = line[len(first):].strip()
        if not command:
            raise ValueError("no command")
        if first == "@reboot":
            e = _entry(number, command)
            e.reboot = True
            return e
        if first not in _ALIASES:
            raise ValueError("unknown %s" % first)
        line = _ALIASES[first] + " " + command
    words = line.split(None, 5)
    if len(words) < 6:
        raise ValueError("needs 5 time fields and a command")
    e = _entry(number, words[5])
    e.sec = 1
    e.min = field(words[0], 0, 59, "minute")
    e.hour = field(words[1], 0, 23, "hour")
    e.dom = field(words[2], 1, 31, "day of month")
    e.mon = field(words[3], 1, 12, "month", MONTHS, 1)
    sunday_first = field(words[4], 0, 7, "day of week", DAYS, 0)
    # Cron counts from Sunday (0 or 7), the clock from Monday (0).
    e.dow = 0
    for d in range(8):
        if sunday_first >> d & 1:
            e.dow |= 1 << (d + 6) % 7
    e.either_day = words[2] != "*" and words[4] != "*"
    return e


def _micros(when, command, number):
    if not command:
        raise ValueError("no command")
    e = _entry(number, command)
    for event in ("sunrise", "sunset"):
        if when.startswith(event):
            rest = when[len(event):]
            try:
                offset = int(rest) if rest else 0
            except ValueError:
                raise ValueError("%s: not %s[+-MINUTES]" % (when, event))
            if rest and rest[0] not in "+-":
                raise ValueError("%s: not %s[+-MINUTES]" % (when, event))
            e.sun = (event, offset)
            return e
    parts = when.split(":")
    if len(parts) != 4:
        raise ValueError("%s: not WD:H:M:S" % when)
    e.dow = field(parts[0], 0, 6, "weekday")
    e.hour = field(parts[1], 0, 23, "hour")
    e.min = field(parts[2], 0, 59, "minute")
    e.sec = field(parts[3], 0, 59, "second")
    return e


def field(text, lo, hi, what, names=None, base=0):
    """The mask of the values a field allows: bit N set for value N."""
    mask = 0
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, s = part.split("/", 1)
            step = _value(s, 1, hi - lo + 1, what + " step", None, 0)
        if part == "*":
            a, b = lo, hi
        elif "-" in part:
            x, y = part.split("-", 1)
            a = _value(x, lo, hi, what, names, base)
            b = _value(y, lo, hi, what, names, base)
            if b < a:
                raise ValueError("%s: %s: range backwards" % (what, part))
        else:
            a = _value(part, lo, hi, what, names, base)
            b = hi if step > 1 else a
        for v in range(a, b + 1, step):
            mask |= 1 << v
    return mask


def _value(text, lo, hi, what, names, base):
    if names is not None and text.lower() in names:
        return names.index(text.lower()) + base
    try:
        v = int(text)
    except ValueError:
        raise ValueError("%s: %r is not a number" % (what, text))
    if not lo <= v <= hi:
        raise ValueError("%s: %d is not in %d-%d" % (what, v, lo, hi))
    return v
