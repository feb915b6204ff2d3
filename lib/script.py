"""Shell scripts: read a line at a time, never loaded whole, with upyOS's
:labels, goto and skip.

Every line read is looked at for a :label, whose place in the file is kept,
so a backward goto seeks straight to its label and a forward goto reads on
until it finds it (registering the labels it passes): no goto reads the
file from the start again.
"""
from micropython import const

import errors
import shellplain
import system
from shellflow import MAX_CALLS, Exit, Goto, LoopControl, Return


_PARSED = const(16)     # parsed lines a script keeps for its gotos
_BLOCK = const(64)      # bytes of the file read at a time


class ScriptError(Exception):
    pass


class Script:
    def __init__(self, path, file):
        self.path = path
        self.file = file
        self.lineno = 0
        self.labels = {}        # name -> (offset after its line, its line number)
        self.skip = 0           # lines still to skip (upyOS skip N)
        self.ended = False
        self.upyos = False      # upyOS mode (redirect.upyos_mode): a first line #!upyos
        # The file is read a block at a time: its own readline reads a
        # byte at a time (a system call each on the unix port, 37 for
        # each turn of upyOS's counting loop), and a goto back into the
        # block read last reads nothing. The attributes' names are ones
        # the firmware has: a new name takes heap for good.
        self.buf = b""
        self.start = 0          # offset in the file of buf[0]
        self.index = 0          # the next byte of buf to read

    def readline(self):
        """The next line (text, with its newline), or None at the end;
        lines to skip are read and dropped here."""
        while True:
            # Counted before reading, so that a read that fails names its line.
            self.lineno += 1
            line = b""
            while True:
                buf = self.buf
                i = self.index
                end = buf.find(b"\n", i) + 1
                if end:
                    self.index = end
                    line += buf[i:end]
                    break
                # The line goes on in the next block, or ends with the file;
                # a long line is read in blocks as long as what it has so far.
                line += buf[i:]
                self.start += len(buf)
                self.buf = self.file.read(_BLOCK + len(line))
                self.index = 0
                if not self.buf:
                    break
            if not line:
                self.lineno -= 1
                self.ended = True
                return None
            text = str(line, "utf-8")
            stripped = text.strip()
            if self.lineno == 1 and stripped[:7].lower() == "#!upyos":
                self.upyos = True
            if stripped[:1] == ":" and len(stripped) > 1:
                name = stripped[1:].split()[0]
                if name not in self.labels:
                    self.labels[name] = (self.start + self.index, self.lineno)
            if self.skip > 0:
                self.skip -= 1
                continue
            return text

    def goto(self, label):
        """Go on reading after the line :label (upyOS writes both
        `goto label` and `goto :label`)."""
        if label[:1] == ":" and len(label) > 1:
            label = label[1:]
        self.skip = 0
        at = self.labels.get(label)
        if at is None:
            line = self.lineno
            while self.readline() is not None:
                at = self.labels.get(label)
                if at is not None:
                    break
            else:
                raise ScriptError("goto: %s: no such label (line %d)" % (label, line))
        offset = at[0]
        if self.start <= offset <= self.start + len(self.buf):
            self.index = offset - self.start
        else:
            self.file.seek(offset)
            self.start = offset
            self.buf = b""
            self.index = 0
        self.lineno = at[1]
        self.ended = False


def run(path, sess, sh):
    """Run the script at path in session sess, each command through the
    shell sh's execute(node, sess), after its interrupted(sess) (which
    raises KeyboardInterrupt once the user pressed Ctrl-C, Exit once a stop
    was requested; a command Ctrl-C ended runs the INT trap's action, and
    the script goes on); returns the last status. `return` ends it, and so
    does a line that cannot be read; a
    shell error (a syntax error, ${x?} ...), reported with its line, ends
    it and the shell that reads it unless that shell is interactive (a
    file sourced at a prompt). Past MAX_CALLS functions, scripts and
    sourced files running inside each other it is refused in one line,
    status 2, and what runs it goes on, as with a script that cannot be
    opened."""
    if sess.calls >= MAX_CALLS:
        errors.complain("sh", "%s: scripts nested too deeply (limit %d)" % (path, MAX_CALLS))
        return 2
    execute = sh.execute
    interrupted = sh.interrupted
    with open(path, "rb") as f:
        script = Script(path, f)
        saved = sess.script
        sess.script = script
        parser = None       # loaded with the first line that is not plain
        given = []          # that line, for the parser to read first
        # A line a goto comes back to is parsed once: line number -> the
        # command parsed from that line alone (upyOS's loops are gotos).
        parsed = {}
        status = 0
        sess.calls += 1
        try:
            while True:
                node = None
                if parser is None or parser.line_done():
                    try:
                        line = script.readline()
                        if line is None:
                            break
                        # An alias the script defines counts from its next
                        # line on (POSIX 2.3.1): the table of each line's start.
                        aliases = system.conf.get("alias")
                        # A line parsed before is not looked at again: a
                        # plain one neither (upyOS's `if $a <= 9 goto top`).
                        node = parsed.get(script.lineno)
                        if node is None:
                            node = shellplain.node(line, aliases)
                            if (node is not None and node is not shellplain.NOP and script.labels
                                    and len(parsed) < _PARSED):
                                parsed[script.lineno] = node
                        if node is None and parser is None:
                            import shellparse
                            parser = shellparse.Parser("", lambda: given.pop() if given else script.readline(),
                                                       aliases)
                    except Exception as e:
                        # The heap, the file: the line cannot be had.
                        errors.report("sh: %s: line %d" % (path, script.lineno), e)
                        status = sess.status = 1
                        break
                    if node is None:
                        parser.reset(aliases)
                        given.append(line)
                if node is None:
                    lineno = script.lineno
                    try:
                        node = parser.command()
                    except shellparse.ShellError as e:
                        status = _ended(path, script, sess, e)
                        break
                    except Exception as e:
                        # Reading stopped mid-line (the heap, the file): going
                        # on would run the rest of the line as a command.
                        errors.report("sh: %s: line %d" % (path, script.lineno), e)
                        status = sess.status = 1
                        break
                    if (script.labels and script.lineno == lineno and parser.line_done()
                            and len(parsed) < _PARSED):
                        parsed[lineno] = node
                if node is None:
                    break
                if "n" in sess.flags:
                    # set -n: the script is read and parsed, none of it run.
                    continue
                try:
                    # A stop request (kill) ends the script here (143).
                    interrupted(sess)
                    status = execute(node, sess)
                except KeyboardInterrupt:
                    # Ctrl-C ended the command: the INT trap's action runs,
                    # and the script goes on.
                    if sess.traps is None or "INT" not in sess.traps:
                        raise
                    import shelltrap
                    status = shelltrap.trapped(sess.traps["INT"], sess, 130, sh)
                except Goto as jump:
                    script.goto(jump.label)
                    if parser is not None:
                        parser.reset()
                except (Exit, Return, LoopControl):
                    raise
                except Exception as e:
                    if errors.shell_error(e):
                        status = _ended(path, script, sess, e)
                        break
                    status = sess.status = 1
                    if isinstance(e, RuntimeError) and sess.calls > 1:
                        # The runtime's "maximum recursion depth exceeded":
                        # a board's stack ended before MAX_CALLS.
                        errors.complain("sh", "%s: scripts nested too deeply for the stack" % path)
                        break
                    errors.report("sh", e)
        except Return as r:
            status = r.status
        except ScriptError as e:
            errors.complain("sh", "%s: %s" % (path, e))
            status = 1
        finally:
            sess.script = saved
            sess.calls -= 1
    return status


def _ended(path, script, sess, e):
    """A shell error in the script: reported with its line; it ends the
    shell that reads the script unless that one is interactive. The
    status it ends with."""
    errors.complain("sh", "%s: line %d: %s" % (path, script.lineno, e))
    sess.status = e.status
    if sess.scripted:
        raise Exit(e.status)
    return e.status
