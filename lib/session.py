"""Sessions: a person at a terminal.

A session owns its terminal streams, a working directory, its own
unexported variables, the namespace of its Python lines and the status of
its last command. The console is one session; any stream with read and
write (a socket, say) can carry another, each served by its own thread.

Exported variables are shared by every session; a session's own variables
shadow them.
"""
import builtins
import gc
import sys
import time

import errors
import process
import system

exported = {}
_lock = system.allocate_lock()
_console_input = None   # the port's input(), once startup put _input in its place


# Set by a port whose console must be switched into character mode for the
# line editor, and back (the simulator's terminal): console_mode(editing).
# Boards need only Ctrl-C turned into a key while a line is edited.
console_mode = None
_HISTORY = "/etc/history"




class ConsoleInput:
    """The board's console: the line editor over its raw characters, or,
    when something put its own line reader in place of the port's input()
    (the simulator with piped input), that reader as it is. A telnet
    client may share it (shared: telnetconsole's, duck-typed): its keys
    come in with the serial port's, what the editor shows goes to it too,
    and a line of its that ends the shell logs it out (hang_up). It sets
    look (Process.sleep's look at the terminal) meanwhile."""

    shared = None

    def __init__(self, read_line, sess):
        self.read_line = read_line
        self.sess = sess
        self.editor = None

    def input(self, prompt=""):
        if self.read_line is not builtins.input:
            return self.read_line(prompt)
        if self.editor is None:
            import lineedit
            self.editor = lineedit.LineEditor(
                self._key, self._write, lineedit.History(_HISTORY),
                lineedit.completer(self.sess))
        # Ctrl-C as a key while editing: as an interrupt it could strike
        # anywhere in the editor; commands get it as an interrupt again.
        console_keys(True)
        try:
            # Only the lines typed at the shell prompt go into the history,
            # not what commands read.
            return self.editor.input(prompt, prompt == self.sess.prompt())
        finally:
            console_keys(False)

    def _key(self):
        if self.shared is not None:
            return self.shared.key()
        if not _held[0]:
            # Where the console hosts the OS's loop, the loop runs until a key comes.
            system.wait_input(sys.stdin)
        return _read_key(sys.stdin)

    def _write(self, text):
        sys.stdout.write(text)
        if self.shared is not None:
            self.shared.write(text)



# A key's bytes as read from the console, kept while the heap has no room
# for the key's string: read(1) took the byte from the port and then failed
# making the string, and the key was lost (lineedit keeps the line).
_KEY = bytearray(4)
_BYTE = bytearray(1)
_held = [0]     # bytes of _KEY read, their key not made yet


def _read_key(stdin):
    """A key of stdin, one character ("" at the end of input), its bytes
    read into _KEY before its string is made (MemoryError: they stay for
    the next call)."""
    raw = getattr(stdin, "buffer", None)
    if raw is None:
        return stdin.read(1)
    n = _held[0]
    while True:
        if n:
            b = _KEY[0]
            need = 1 if b < 0x80 else 2 if b < 0xE0 else 3 if b < 0xF0 else 4
            if n >= need:
                break
        if not raw.readinto(_BYTE):
            _held[0] = 0
            return ""
        _KEY[n] = _BYTE[0]
        n += 1
        _held[0] = n
    try:
        key = str(_KEY[:need], "utf-8")
    except UnicodeError:
        key = "?"
    _held[0] = 0
    return key


def console_keys(on):
    """While on, the console gives every key as typed, Ctrl-C too, and
    echoes none: for editors and secrets."""
    if console_mode is not None:
        return console_mode(on)
    import micropython
    micropython.kbd_intr(-1 if on else 3)


class Session:
    # Every attribute is made here, even those most sessions never change:
    # threads share a session (its jobs read it), and on a board without a
    # GIL (rp2040) one given a new attribute later could grow its table
    # while another thread looked in it, which then found nothing there.
    def __init__(self, name, stdin, stdout, stderr, console=False):
        self.name = name
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.console = console
        self.vars = {}
        self.functions = {}     # name -> body of the shell functions defined
        self.frames = []        # each running function's {name: value before local}
        self.fds = {}           # descriptors 3-9 `exec` opened: number -> stream
        self.cwd = "/"
        self.status = 0
        self.pyns = None
        self.args = None        # positional parameters of the running script
        self.script = None      # the script being run (script.Script)
        self.scripted = False   # a script, sh -c or sh reading its input runs: a shell error ends it
        self.last_job = None    # pid of the last background job ($!)
        self.owner = None       # the process that owns it (its shell)
        self.shell_done = False  # a job's subshell whose shell ended (process.subshell_ended)
        self.flags = ""         # set -e -u -x -f: the letters on ($-)
        self.loops = 0          # loops running at this level (break and continue leave them)
        self.testing = 0        # > 0 while a condition runs (set -e ignores it)
        self.substituted = None  # status of the last $(...) of the command expanded
        self.capturing = 0      # $(...) levels running
        self.calls = 0          # function calls, scripts and sourced files running
                                # (shellflow.MAX_CALLS)
        self.readonly = ()      # names `readonly` fixed
        self.optoff = None      # getopts inside a word of options (-ab): (OPTIND, offset)
        self.traps = None       # `trap`: condition (EXIT, INT, TERM) -> action, or None

    def subshell(self):
        """A copy for a background job: what the job changes (variables,
        folder, arguments, options, functions) stays its own, and it does
        not see what its starter changes after it started."""
        new = Session(self.name, self.stdin, self.stdout, self.stderr)
        new.cwd = self.cwd
        new.vars = dict(self.vars)
        new.status = self.status
        new.args = self.args
        new.last_job = self.last_job
        new.owner = self.owner
        new.flags = self.flags
        new.scripted = self.scripted
        new.functions = dict(self.functions)
        new.readonly = self.readonly
        new.fds = dict(self.fds)
        return new

    def _special(self, name):
        # $? $- $$ $! $# $@ $*: one method, not a table of functions, each
        # of which took heap for good.
        if name == "?":
            return str(self.status)
        if name == "-":
            return self.flags
        if name == "$":
            return str(process.current().pid)
        if name == "!":
            return None if self.last_job is None else str(self.last_job)
        args = self.positional()
        if name == "#":
            return str(len(args) - 1)
        return (" " if name == "@" else self.getenv("IFS", " ")[:1]).join(args[1:])

    def positional(self):
        """$0, $1, ...: the running script's arguments, or just the shell."""
        return self.args if self.args is not None else ["sh"]

    def getenv(self, name, default=None):
        if len(name) == 1 and name in "?#@*$!-":
            value = self._special(name)
            return default if value is None else value
        if name.isdigit():
            args = self.positional()
            n = int(name)
            return args[n] if n < len(args) else default
        value = self.vars.get(name)
        if value is None:
            with _lock:
                value = exported.get(name)
            if value is None and name == "IFS":
                # What an unset IFS splits at (POSIX 2.5.3): a script that
                # saved it and put it back (old=$IFS ... IFS=$old) split
                # nothing after.
                return " \t\n"
            if value is None and name == "PWD":
                # Set from the start (2.5.3), before any cd set it.
                return self.cwd
        return default if value is None else value

    def setenv(self, name, value, export=False):
        """Set a variable; exporting (or assigning an exported one) shares it."""
        value = str(value)
        if name in self.readonly:
            raise ValueError("%s: is read only" % name)
        if name.isdigit():
            self._set_positional(int(name), value)
            return
        with _lock:
            if export or name in exported:
                exported[name] = value
                self.vars.pop(name, None)
                return
        self.vars[name] = value

    def _set_positional(self, n, value):
        args = list(self.positional())
        while len(args) <= n:
            args.append("")
        args[n] = value
        self.args = args

    def unsetenv(self, name):
        if name in self.readonly:
            raise ValueError("%s: is read only" % name)
        if name.isdigit():
            if self.args is not None and int(name) < len(self.args):
                self._set_positional(int(name), "")
            return
        self.vars.pop(name, None)
        with _lock:
            exported.pop(name, None)

    def exported(self):
        """The exported variables, a copy."""
        with _lock:
            return dict(exported)

    def environ(self):
        """Every variable this session sees, exported ones overridden."""
        with _lock:
            env = dict(exported)
        env.update(self.vars)
        return env

    def prompt(self):
        return "%s $: " % self.cwd

    def interact(self, shell):
        """Read and run command lines until exit or end of input. Returns
        why it stopped: "exit" (exit, Ctrl-D or end of input) or "raw" (Ctrl-A
        at the console's prompt: MicroPython's raw REPL is asked for, as
        mpremote does). Ctrl-C at an empty prompt gives a new one. The
        heap running out (what other sessions and the daemons hold) fails
        the line, never the session."""
        proc = process.current()
        while True:
            try:
                line = proc.stdin.input(self.prompt())
            except EOFError as e:
                if self.console and proc.stdin.shared and proc.stdin.shared.hang_up(bool(e.args)):
                    continue
                if not e.args:
                    return "exit"
                if self.console:
                    return "raw"
                continue
            except KeyboardInterrupt:
                self.status = 130
                continue
            except MemoryError as e:
                # The line typed so far stays (lineedit): nothing failed,
                # and a word made of bytes each time would flood the console.
                self._out_of_memory(e, False)
                continue
            # The line runs here, not in a method of its own (run()): on
            # an ESP8266 a frame more overflows the C stack of a script.
            try:
                shell.run_line(line, self, lambda: _more(proc), True)
            except shell.Exit:
                if self.console and proc.stdin.shared and proc.stdin.shared.hang_up():
                    continue
                return "exit"
            except KeyboardInterrupt:
                self.status = 130
            except Exception as e:
                # The heap running out, or what reporting a failure raised
                # with it: the line fails, the console goes on.
                self._out_of_memory(e)

    def run(self, shell, line, proc):
        """Run a line typed at the prompt of proc, the session's shell,
        as interact() does (a telnet session's, read by the OS's loop);
        True once the shell exits."""
        try:
            shell.run_line(line, self, lambda: _more(proc), True)
        except shell.Exit:
            return True
        except KeyboardInterrupt:
            self.status = 130
        except Exception as e:
            self._out_of_memory(e)
        return False

    def _out_of_memory(self, e, failed=True):
        self.status = 1
        gc.collect()
        try:
            errors.report("sh", e)
        except Exception:
            if failed:
                _say_full(self.stderr)
        # Still full: what holds it may let go meanwhile (a client served).
        # The console's thread may host the loop, which then serves them
        # until there is room (Ctrl-C gives up); other sessions run in the
        # loop, or beside it.
        if not self.console:
            time.sleep_ms(200)
            return
        try:
            system.idle(200, True)
        except KeyboardInterrupt:
            self.status = 130


def _say_full(err):
    """The words of a full heap, when there is no heap to make them, said by
    a stream that can say them without (telnet's terminal: full(); the
    console: its bytes), or not at all (a line then ended with its prompt
    alone). hasattr, not a failed lookup: on a heap this full its
    AttributeError is MicroPython's one spare exception object, and a job's
    MemoryError, being it too, turned into it."""
    try:
        if hasattr(err, "full"):
            err.full()
        elif hasattr(err, "buffer"):
            err.buffer.write(errors.SH_FULL)
    except Exception:
        pass


def _more(proc):
    """A continuation line of an unfinished command, or None."""
    try:
        return proc.stdin.input("> ")
    except (EOFError, KeyboardInterrupt):
        return None


def _print(*args, sep=" ", end="\n", file=None):
    if file is None:
        file = process.current().stdout
    # map, not a comprehension: that is a function of its own, resident.
    file.write(sep.join(map(str, args)) + end)


def _input(prompt=""):
    return process.current().stdin.input(prompt)
