import os
import socket
import struct
import time

import clock
import cmdargs
import munix

USAGE = """[-q] [-W SECONDS] [HOST[:PORT]]
  Ask an NTP server (HOST, else the "ntp" setting of /etc/system.conf,
  else pool.ntp.org) for the time and set the board's clock to it, in UTC
  (date adds the tz setting). -q only prints how far off the clock is.
  -W is how long to wait for an answer, for each of 2 tries (default 2)."""
ABOUT = "set the clock from a time server (NTP)"

_DEFAULT_HOST = "pool.ntp.org"
PORT = 123
TRIES = 2
NTP_TO_UNIX = 2208988800    # seconds from 1900 (NTP) to 1970 (unix)


def __main__(args):
    opts, rest = cmdargs.parse(args, "q", "W", operands=1)
    wait = cmdargs.number(opts.get("W", "2"), "number of seconds")
    if wait < 1:
        raise cmdargs.UsageError("-W takes a number from 1")
    import inet
    name = rest[0] if rest else munix.conf().get("ntp") or _DEFAULT_HOST
    try:
        host, port = inet.split_port(name, PORT)
    except ValueError:
        raise cmdargs.UsageError("%s: not HOST or HOST:PORT" % name)
    try:
        addr = inet.resolve(host, port, socket.SOCK_DGRAM)
        server_ms, local_ms = _ask(addr, wait)
    except OSError as e:
        return cmdargs.error(name, e)
    offset = server_ms - local_ms
    if "q" in opts:
        print("%s: the clock is off by %s s" % (name, _seconds(offset)))
        return 0
    try:
        _set_clock(server_ms // 1000)
    except (OSError, ImportError, AttributeError) as e:
        return cmdargs.error("cannot set the clock", e)
    t = clock.gmtime(server_ms // 1000 - clock.EPOCH)
    print("%04d-%02d-%02d %02d:%02d:%02d UTC from %s (the clock was off by %s s)" % (
        t[0], t[1], t[2], t[3], t[4], t[5], name, _seconds(offset)))
    return 0


def _now_ms():
    """The board's clock in milliseconds since 1970."""
    if hasattr(time, "time_ns"):
        return time.time_ns() // 1000000 + clock.EPOCH * 1000
    return int(time.time() * 1000) + clock.EPOCH * 1000


def _seconds(ms):
    sign = "-" if ms < 0 else "+"
    ms = abs(ms)
    return "%s%d.%03d" % (sign, ms // 1000, ms % 1000)


def _ask(addr, wait):
    """(the server's time, the board's) in ms since 1970, for the moment
    the answer came; OSError when no valid answer came."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.settimeout(wait)
        sock.connect(addr)
        problem = OSError("no answer")
        for _ in range(TRIES):
            # Client mode, version 4; a random transmit time that the
            # server's answer must echo back, so no stray packet passes.
            stamp = os.urandom(8)
            request = b"\x23" + bytes(39) + stamp
            sent = time.ticks_ms()
            sock.send(request)
            deadline = time.ticks_add(sent, wait * 1000)
            while time.ticks_diff(deadline, time.ticks_ms()) > 0:
                try:
                    answer = sock.recv(64)
                except OSError as e:
                    if e.args and e.args[0] == 111:     # ECONNREFUSED: nothing there
                        raise OSError("no time server there")
                    break
                if len(answer) < 48 or answer[24:32] != stamp:
                    continue
                if answer[0] & 7 != 4 or answer[1] == 0:
                    problem = OSError("the server refused (stratum 0)")
                    break
                seconds, fraction = struct.unpack("!II", answer[40:48])
                # Half the round trip: the answer left the server that long ago.
                half = time.ticks_diff(time.ticks_ms(), sent) // 2
                server = (seconds - NTP_TO_UNIX) * 1000 + (fraction * 1000 >> 32) + half
                return server, _now_ms()
        raise problem
    finally:
        sock.close()


def _set_clock(unix):
    import machine
    t = clock.gmtime(unix - clock.EPOCH)
    # RTC.datetime: (year, month, day, weekday, hours, minutes, seconds, subseconds)
    machine.RTC().datetime((t[0], t[1], t[2], t[6], t[3], t[4], t[5], 0))
