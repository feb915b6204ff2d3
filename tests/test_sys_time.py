"""System commands about time and the screen: clear, date, uptime, sleep."""
import calendar
import json
import re
import time



def set_conf(sim, **settings):
    conf = {"hostname": "munix", "board": "/etc/default.board",
            "env": {"PATH": "/bin", "HOME": "/"}}
    conf.update(settings)
    sim.path("/etc/system.conf").write_text(json.dumps(conf))


# clear

def test_clear_sends_the_ansi_clear_screen(sim):
    r = sim.run("clear")
    assert r.out == "\x1b[2J\x1b[H"
    assert r.status == 0


def test_clear_with_an_operand_is_a_usage_error(sim):
    r = sim.run("clear all")
    assert (r.out, r.status) == ("", 2)
    assert r.err.startswith("clear: extra operand all\nusage: clear")


# date

def test_date_of_a_given_time(sim):
    r = sim.run("date -u -d @0", "date -u -d @1795257751",
            "date -u -d @951782400 +%F")
    assert r.out == "Thu 1970-01-01 00:00:00\nSat 2026-11-21 10:42:31\n2000-02-29\n"


def test_date_format_fields(sim):
    r = sim.run("date -u -d @1795257751 '+%Y|%m|%d|%e|%H|%M|%S|%a|%b|%j|%y|%T|%s|%z|%%|%q|%'")
    assert r.out == "2026|11|21|21|10|42|31|Sat|Nov|325|26|10:42:31|1795257751|+0000|%|%q|%\n"
    r = sim.run("date -u -d @1772409600 '+%e %b, day %j'")
    assert r.out == " 2 Mar, day 061\n"


def test_date_now_is_the_clock_in_utc(sim):
    before = int(time.time())
    r = sim.run("date -u +%s", "date -u '+%Y-%m-%d %H:%M:%S'", "date")
    after = int(time.time())
    secs, stamp, default = r.out.splitlines()
    assert before <= int(secs) <= after
    t = time.strptime(stamp, "%Y-%m-%d %H:%M:%S")
    assert before - 1 <= calendar.timegm(t) <= after + 1
    assert re.fullmatch(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d", default)


def test_date_uses_the_configured_tz_offset(sim):
    set_conf(sim, tz=90)
    r = sim.run("date -d @0", "date -d @0 +%z", "date -u -d @0 +%T%z")
    assert r.out == "Thu 1970-01-01 01:30:00\n+0130\n00:00:00+0000\n"


def test_date_with_a_negative_tz_offset(sim):
    set_conf(sim, tz=-300)
    r = sim.run("date -d @86400 '+%F %T %z'")
    assert r.out == "1970-01-01 19:00:00 -0500\n"


def test_date_ignores_a_tz_that_is_not_a_number(sim):
    set_conf(sim, tz="soon")
    assert sim.run("date -d @0 +%T%z").out == "00:00:00+0000\n"


def test_date_before_the_epoch_fails(sim):
    set_conf(sim, tz=-60)
    r = sim.run("date -d @0")
    assert r.status == 1
    assert "date: 0: before the board's clock epoch" in r.err


def test_date_bad_usage(sim):
    for line, message in (("date now", "date: extra operand now"),
                          ("date +%F +%T", "date: extra operand +%T"),
                          ("date -d 5", "date: -d takes @SECONDS"),
                          ("date -d @soon", "date: soon: not a number of seconds"),
                          ("date -d", "date: option -d needs a value"),
                          ("date -x", "date: unknown option -x")):
        r = sim.run(line)
        assert r.status == 2, line
        assert r.err.startswith(message + "\nusage: date [-u] [-d @SECONDS] [+FORMAT]\n"), line


# uptime

def test_uptime_shows_the_time_since_boot_and_free_memory(sim):
    r = sim.run("uptime", "uptime -s")
    line, secs = r.out.splitlines()
    assert re.fullmatch(r"up 0:00:\d\d, [\d.]+[KMG]? free", line)
    assert 0 <= int(secs) < 30
    assert r.status == 0


def test_uptime_counts_from_boot(sim):
    r = sim.run("sleep 1.1", "uptime -s")
    assert int(r.out) >= 1


def test_durations_show_days_when_there_are_some(sim):
    r = sim.run("> import cmdargs",
            "< cmdargs.duration(0)", "< cmdargs.duration(3723)",
            "< cmdargs.duration(90061)", "< cmdargs.duration(2 * 86400 + 59)")
    assert r.out == "0:00:00\n1:02:03\n1 day, 1:01:01\n2 days, 0:00:59\n"


def test_uptime_bad_usage(sim):
    r = sim.run("uptime now")
    assert r.status == 2
    assert r.err.startswith("uptime: extra operand now\nusage: uptime [-s]\n")
    r = sim.run("uptime -p")
    assert r.status == 2
    assert r.err.startswith("uptime: unknown option -p\n")


# sleep

def elapsed_ms(sim, line):
    r = sim.run("> import time", "> t = time.ticks_ms()", line,
            "< time.ticks_diff(time.ticks_ms(), t)")
    assert r.status == 0
    return int(r.out)


def test_sleep_waits_fractions_of_seconds(sim):
    assert 500 <= elapsed_ms(sim, "sleep 0.5") < 1500


def test_sleep_takes_units(sim):
    assert 600 <= elapsed_ms(sim, "sleep 0.01m") < 1600
    assert 200 <= elapsed_ms(sim, "sleep .2s") < 1200
    assert elapsed_ms(sim, "sleep 0") < 500


def test_sleep_bad_numbers_are_usage_errors(sim):
    for arg, message in (("abc", "abc: not a number of seconds"),
                         ("1x", "1x: not a number of seconds"),
                         ("m", "m: not a number of seconds"),
                         ("inf", "inf: not a number of seconds"),
                         ("-- -1", "-1: not a number of seconds"),
                         ("-1", "unknown option -1"),
                         ("1 2", "extra operand 2"),
                         ("", "missing SECONDS")):
        r = sim.run("sleep " + arg)
        assert r.status == 2, arg
        assert r.err == "sleep: %s\nusage: sleep SECONDS\n" % message, arg


def test_ctrl_c_stops_sleep(board):
    board.send("sleep 30\r")
    board.expect("sleep 30")
    time.sleep(0.5)
    start = time.monotonic()
    board.send("\x03")
    board.read_to_prompt(timeout=5)
    assert time.monotonic() - start < 3
    assert board.run("echo $?") == "130\n"
