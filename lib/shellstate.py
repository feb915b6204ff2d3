"""The shell's built-in commands about its state and its lookup: set,
local, readonly, eval, source (.), type, command, loadconfig and
loadboard; loaded by the first of them (shellbuiltins.run), apart from
the flow's built-ins that every upyOS script loads.
"""
import cmdargs
import errors
import fspath
import strsplit
from errors import complain


def run(argv, sess, sh):
    """Run the built-in argv[0] for the shell sh; its status."""
    return _BUILTINS[argv[0]](argv, sess, sh)


def _source(argv, sess, sh):
    if len(argv) < 2:
        complain(argv[0], "usage: %s FILE [ARG...]" % argv[0])
        return 2
    path = sh.script_file(argv[1], sess) or fspath.abspath(argv[1], sess.cwd)
    saved = sess.args
    if len(argv) > 2:
        sess.args = [argv[1]] + argv[2:]
    try:
        import script
        return script.run(path, sess, sh)
    except OSError as e:
        errors.report(argv[0], OSError("%s: %s" % (argv[1], cmdargs.strerror(e))))
        return 1
    finally:
        sess.args = saved


_OPTIONS = {"errexit": "e", "nounset": "u", "xtrace": "x", "noglob": "f", "noclobber": "C", "noexec": "n"}


def _set(argv, sess, sh):
    """set [-eufxCn] [+eufxCn] [-o NAME] [--] [ARG...]: shell options, and
    the positional parameters when ARGs (or --) are given; alone, every
    variable."""
    if len(argv) == 1:
        out = sh.process.current().stdout
        env = sess.environ()
        for name in sorted(env):
            out.write("%s='%s'\n" % (name, env[name].replace("'", "'\\''")))
        return 0
    flags = sess.flags
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if arg[:1] not in "-+" or len(arg) < 2:
            break
        on = arg[0] == "-"
        letters = arg[1:]
        if letters == "o":
            if i + 1 >= len(argv):
                for option, letter in sorted(_OPTIONS.items()):
                    sh.process.current().stdout.write("%-10s%s\n" % (option, "on" if letter in flags else "off"))
                return 0
            i += 1
            letters = _OPTIONS.get(argv[i])
            if letters is None:
                import shellparse
                raise shellparse.BuiltinError("set: %s: unknown option" % argv[i])
        for j in range(len(letters)):
            letter = letters[j:j + 1]     # a slice: a character taken out is kept for good
            if letter not in "eufxCn":
                import shellparse
                raise shellparse.BuiltinError("set: %s%s: unknown option" % (arg[0], letter))
            if letter != "n" or sess.scripted:
                # -n at a prompt would leave nothing that could undo it:
                # an interactive shell ignores it, as POSIX lets it.
                flags = flags.replace(letter, "") + (letter if on else "")
        i += 1
    sess.flags = flags
    if i < len(argv) or argv[i - 1] == "--":
        sess.args = [sess.positional()[0]] + argv[i:]
    return 0


def _local(argv, sess, sh):
    """local NAME[=VALUE]...: variables of the running function, put back
    as they were when it returns."""
    if not sess.frames:
        complain("local", "not in a function")
        return 1
    import shellplain
    frame = sess.frames[-1]
    for arg in argv[1:]:
        name, eq, value = strsplit.partition(arg, "=")
        if not shellplain.is_name(name) or name in sess.readonly:
            complain("local", "%s: %s" % (name, "is read only" if name in sess.readonly else "bad variable name"))
            return 1
        if name not in frame:
            frame[name] = sess.vars.get(name)
        if eq:
            sess.vars[name] = value
        else:
            sess.vars.setdefault(name, "")
    return 0


def _eval(argv, sess, sh):
    """eval ARG...: the arguments joined by blanks, run as a command line
    where eval runs: not through sh.run_line, whose line is a level of its
    own, so that break, continue, return and goto in it act on the loop,
    function or script eval is in."""
    if len(argv) < 2:
        return 0
    import shellparse
    parser = shellparse.Parser(" ".join(argv[1:]), None, sh.system.conf.get("alias"))
    # No command in them (null arguments, blanks, a comment): status 0
    # (POSIX), not the status of the command before.
    status = 0
    while True:
        node = parser.command()
        if node is None:
            return status
        if node[0] != "nop":
            status = sh.execute(node, sess)


def _readonly(argv, sess, sh):
    """readonly NAME[=VALUE]...: variables no assignment, unset or local
    may change; alone (or -p), lists them."""
    names = [arg for arg in argv[1:] if arg != "-p"]
    if not names:
        out = sh.process.current().stdout
        for name in sess.readonly:
            out.write("readonly %s='%s'\n" % (name, sess.getenv(name, "")))
        return 0
    import shellplain
    for arg in names:
        name, eq, value = strsplit.partition(arg, "=")
        if not shellplain.is_name(name):
            complain("readonly", "%s: bad variable name" % name)
            return 1
        if eq:
            sess.setenv(name, value)
        if name not in sess.readonly:
            sess.readonly += (name,)
    return 0


def _type(argv, sess, sh):
    """type NAME...: what each name runs as a command."""
    out = sh.process.current().stdout
    status = 0
    for name in argv[1:]:
        what = _kind(name, sess, sh)
        if what is None:
            complain("type", "%s: not found" % name)
            status = 127
        else:
            out.write("%s is %s\n" % (name, what))
    return status


def _kind(name, sess, sh):
    if name in sh.BUILTINS:
        return "a shell builtin"
    if name in sess.functions:
        return "a shell function"
    return sh.resolve(name, sess)


def _command(argv, sess, sh):
    """command [-v|-V] NAME [ARG...]: run NAME leaving shell functions
    aside; -v prints what NAME runs (-V in words)."""
    if len(argv) > 1 and argv[1] in ("-v", "-V"):
        if len(argv) != 3:
            complain("command", "usage: command [-v|-V] NAME [ARG...]")
            return 2
        if argv[1] == "-V":
            return _type(["type", argv[2]], sess, sh)
        what = _kind(argv[2], sess, sh)
        if what is None:
            return 1
        sh.process.current().stdout.write("%s\n" % (what if what[:1] == "/" else argv[2]))
        return 0
    return sh.run(argv[1:], sess, False) if len(argv) > 1 else 0


def _internal(argv, sess, sh):
    import sys
    import sysconf
    try:
        return sysconf.loadconfig() if argv[0] == "loadconfig" else sysconf.loadboard(argv[1:])
    except OSError as e:
        errors.report(argv[0], e)
        return 1
    finally:
        sys.modules.pop("sysconf", None)


_BUILTINS = {
    "source": _source, ".": _source, "loadconfig": _internal, "loadboard": _internal,
    "set": _set, "local": _local, "eval": _eval, "readonly": _readonly,
    "type": _type, "command": _command,
}
