import time

import clock
import cmdargs

USAGE = """[-u] [-d @SECONDS] [+FORMAT]
  -u          universal time (UTC), not the tz offset of /etc/system.conf
  -d @SECONDS that time (seconds since 1970-01-01 UTC), not now
  +FORMAT     %Y year, %m month, %d day, %H:%M:%S time, %a weekday,
              %b month name, %j day of year, %y, %e, %F (%Y-%m-%d),
              %T (%H:%M:%S), %s seconds since 1970, %z offset, %% a %"""
ABOUT = "print the date and time"

_DEFAULT = "%a %Y-%m-%d %H:%M:%S"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def __main__(args):
    opts, rest = cmdargs.parse(args, "u", "d")
    if len(rest) > 1 or rest and rest[0][:1] != "+":
        raise cmdargs.UsageError("extra operand %s" % rest[-1])
    fmt = rest[0][1:] if rest else _DEFAULT
    offset = 0 if "u" in opts else clock.tz_seconds() // 60
    epoch = clock.EPOCH
    if "d" in opts:
        when = opts["d"]
        if when[:1] != "@":
            raise cmdargs.UsageError("-d takes @SECONDS")
        unix = cmdargs.number(when[1:], "number of seconds")
    else:
        unix = int(time.time()) + epoch
    secs = unix - epoch + offset * 60
    if secs < 0:
        return cmdargs.error(str(unix), "before the board's clock epoch")
    print(strftime(fmt, clock.gmtime(secs), unix, offset))


def strftime(fmt, t, unix, offset):
    out = []
    i = 0
    n = len(fmt)
    while i < n:
        c = fmt[i]
        i += 1
        if c != "%" or i == n:
            out.append(c)
            continue
        c = fmt[i]
        i += 1
        out.append(_field(c, t, unix, offset))
    return "".join(out)


def _field(c, t, unix, offset):
    if c == "Y":
        return "%d" % t[0]
    if c == "m":
        return "%02d" % t[1]
    if c == "d":
        return "%02d" % t[2]
    if c == "e":
        return "%2d" % t[2]
    if c == "H":
        return "%02d" % t[3]
    if c == "M":
        return "%02d" % t[4]
    if c == "S":
        return "%02d" % t[5]
    if c == "a":
        return DAYS[t[6]]
    if c == "b":
        return MONTHS[t[1] - 1]
    if c == "j":
        return "%03d" % t[7]
    if c == "y":
        return "%02d" % (t[0] % 100)
    if c == "F":
        return "%d-%02d-%02d" % t[:3]
    if c == "T":
        return "%02d:%02d:%02d" % t[3:6]
    if c == "s":
        return "%d" % unix
    if c == "z":
        m = abs(offset)
        return "%s%02d%02d" % ("-" if offset < 0 else "+", m // 60, m % 60)
    if c == "%":
        return "%"
    return "%" + c
