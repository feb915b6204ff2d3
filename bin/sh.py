import cmdargs
import munix
import shell

USAGE = """[-c LINE | FILE [ARG...]]
  Run the shell script FILE with its own positional parameters ($0 FILE,
  $1... the ARGs); exit and return in it end the script only. -c runs the
  command LINE; with neither, commands are read from the standard input."""
ABOUT = "run a shell script"


def __main__(args):
    if args[:1] == ["-c"]:
        if len(args) < 2:
            raise cmdargs.UsageError("option -c needs a value")
        try:
            return shell.run_line(args[1], munix.session())
        except shell.Exit as e:
            return e.status
    opts, rest = cmdargs.parse(args[:1])
    sess = munix.session()
    if not args:
        return _from_stdin(sess)
    path = shell.script_file(args[0], sess)
    if path is None:
        return cmdargs.error(args[0], "No such file or directory")
    return shell.run_script(path, [args[0]] + args[1:], sess)


def _from_stdin(sess):
    stdin = munix.proc().stdin
    status = 0
    while True:
        try:
            line = stdin.input()
        except EOFError:
            return status
        try:
            status = shell.run_line(line, sess)
        except shell.Exit as e:
            return e.status
