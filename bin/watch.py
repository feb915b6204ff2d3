import cmdargs
import munix

USAGE = """[-q] [-t SECONDS] [-n COUNT] CMD...
  Run the command line CMD... every SECONDS (2 unless told), COUNT times
  or until Ctrl-C or a stop (kill). Each run is headed by the line
  `Every SECONDS s: CMD...`; at the session's terminal the screen is
  cleared first; -q (quiet): neither header nor clearing. The words are joined into one line run afresh each time,
  as sh -c does: write '$VAR' to see a variable change. upyOS's form
  `watch CMD... -t SECONDS` works too. The status is that of the last run."""
ABOUT = "run a command again and again"


def __main__(args):
    tail = {}
    if len(args) > 3 and args[-2] == "-t":
        tail["t"] = args[-1]
        args = args[:-2]
    opts, words = cmdargs.parse(args, "q", "tn")
    opts.update(tail)
    if not words:
        raise cmdargs.UsageError("no CMD given")
    every = opts.get("t", "2")
    try:
        ms = int(float(every) * 1000)
    except ValueError:
        ms = -1
    if ms < 0:
        raise cmdargs.UsageError("%s: not a number of seconds" % every)
    count = cmdargs.number(opts["n"], "count") if "n" in opts else None
    if count is not None and count < 1:
        raise cmdargs.UsageError("%d: not a count" % count)
    line = " ".join(words)
    me = munix.proc()
    sess = munix.session()
    clear = me.stdout is sess.stdout
    runs = 0
    while True:
        if "q" not in opts:
            me.stdout.write("%sEvery %ss: %s\n\n" % ("\x1b[2J\x1b[H" if clear else "", every, line))
        status = munix.run(line)
        runs += 1
        # 130: Ctrl-C ended the command; it ends the watch too.
        if status == 130 or runs == count or not me.sleep(ms):
            return status
