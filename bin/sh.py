import cmdargs
import munix
import munixsh

USAGE = """[-c LINE [NAME [ARG...]] | [-n] FILE [ARG...]]
  Run the shell script FILE with its own positional parameters ($0 FILE,
  $1... the ARGs), options and functions; exit and return in it end the
  script only. -c runs the command LINE the same way ($0 NAME, sh when
  none); with neither, commands are read from the standard input. -n
  reads and parses FILE without running any of it: its status is 0, or
  2 with the first syntax error and its line."""
ABOUT = "run a shell script"


def __main__(args):
    if args[:1] == ["-c"]:
        if len(args) < 2:
            raise cmdargs.UsageError("option -c needs a value")
        return munixsh.run(args[1], args[2:] or ["sh"])
    noexec = args[:1] == ["-n"]
    if noexec:
        args = args[1:]
        if not args:
            raise cmdargs.UsageError("-n needs a FILE")
    opts, rest = cmdargs.parse(args[:1])
    if not args:
        return munixsh.run(_lines(), ["sh"])
    status = munixsh.script(args[0], args[1:], noexec)
    if status is None:
        return cmdargs.error(args[0], "No such file or directory")
    return status


def _lines():
    """The lines of the standard input."""
    stdin = munix.proc().stdin
    while True:
        try:
            yield stdin.input()
        except EOFError:
            return
