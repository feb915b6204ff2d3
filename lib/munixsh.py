"""The program API's part for the shell's own commands (sh, help, which,
rmmod): scripts, command lookup, programs' modules. Kept out of munix,
which every program loads and many boards keep: only these commands need
it, and they load it.

    import munixsh
    munixsh.run(LINE, ARGS)   run LINE in this session as a script (sh -c):
                              $0 ARGS[0], $1... the rest, options and
                              functions of its own, exit ending it; LINE may
                              be lines (an iterable); its status
    munixsh.script(FILE, ARGS)  run the shell script FILE (else the .sh that
                              a command FILE is) as a process: $0 FILE, $1...
                              ARGS; its status, None when there is no such
                              script
    munixsh.command(NAME)     (the file command NAME runs or None, why it
                              cannot run or None); a NAME with a / is a path;
                              (None, None) for the shell's built-in commands
    munixsh.program(FILE)     the module of program FILE, loaded alone (help)
    munixsh.import_lock       held while at sys.modules (munix.unload)
"""
import munix
import system
from system import import_lock  # noqa: F401


# The shell lives above this API: it puts itself in system.shell as it loads.
def run(line, args):
    """Run line in this session as a script runs: $0 args[0], $1... the
    rest, options and functions of its own; exit and a shell error end
    it. line may be lines, an iterable (sh reading its input). Its
    status."""
    return system.shell.run_lines(line, args, munix.session())


def script(name, args=(), noexec=False):
    """Run the shell script name (a file from this folder, else the .sh a
    command name stands for) as a process of its own, $0 name and $1...
    args; its status, None when there is no such script. noexec: only
    read and parse it (set -n), in this process."""
    sh = system.shell
    sess = munix.session()
    path = sh.script_file(name, sess)
    if path is None:
        return None
    if noexec:
        return run(["set -n", '. "$0"'], [path] + list(args))
    return sh.run_script(path, [name] + list(args), sess)


def command(name):
    """(the program file command name runs, None or why it cannot run):
    name is looked up along $PATH, or is a path when it has a /; (None,
    why) when there is none; (None, None) for a built-in command, which
    the shell runs itself, before any file and any shell function."""
    sh = system.shell
    if name in sh.BUILTINS:
        return None, None
    return sh.locate(name, munix.session())


def program(path):
    """The module of the program file path (a .py or .mpy), loaded alone:
    sys.modules keeps nothing of it."""
    return system.shell.load(path)
