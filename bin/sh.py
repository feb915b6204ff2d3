import cmdargs
import munix
import shell

USAGE = """[-c LINE [NAME [ARG...]] | FILE [ARG...]]
  Run the shell script FILE with its own positional parameters ($0 FILE,
  $1... the ARGs), options and functions; exit and return in it end the
  script only. -c runs the command LINE the same way ($0 NAME, sh when
  none); with neither, commands are read from the standard input."""
ABOUT = "run a shell script"


def __main__(args):
    sess = munix.session()
    if args[:1] == ["-c"]:
        if len(args) < 2:
            raise cmdargs.UsageError("option -c needs a value")
        return shell.scripted(args[2:] or ["sh"], sess, shell.run_line, args[1], sess)
    opts, rest = cmdargs.parse(args[:1])
    if not args:
        return shell.scripted(["sh"], sess, _from_stdin, sess)
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
        status = shell.run_line(line, sess)
