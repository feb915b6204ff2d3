import cmdargs
import fileops
import munix

USAGE = """[-n N] [-s SIZE] [-I REPLACE] [-r] [-t] [CMD [ARG...]]
  Run CMD (echo unless told) with the ARGs and the words read from the
  standard input, as many as fit in SIZE characters (1024), at most N a
  run with -n. Blanks and new lines part the words; quotes ('...', "...")
  and \\ keep one whole. -I REPLACE: one run for each line read, REPLACE
  in the ARGs standing for the line as it is (quotes and all). -r: no run when there is no word; -t:
  each command line on the error stream first. Status: 0; 123 when a run
  failed; 124 when one gave 255 (the rest not run); 126 and 127 when CMD
  cannot run."""
ABOUT = "run a command with the words of the standard input as its arguments"

_SIZE = 1024


def __main__(args):
    opts, words = cmdargs.parse(args, "rt", "nsI")
    most = cmdargs.number(opts["n"], "count") if "n" in opts else None
    size = cmdargs.number(opts["s"], "size") if "s" in opts else _SIZE
    if most is not None and most < 1 or size < 1:
        raise cmdargs.UsageError("%s: not a positive number" % opts.get("n", opts.get("s")))
    words = words or ["echo"]
    try:
        return _xargs(words, opts, most, size)
    except ValueError as e:
        return cmdargs.error("", str(e))


def _xargs(words, opts, most, size):
    """xargs with the CMD and ARGs words: its status. Lengths are counted
    as POSIX's ARG_MAX is, each word with one more character."""
    replace = opts.get("I")
    status = 0
    ran = False
    with fileops.open_input("-", munix.session().cwd) as f:
        if replace is not None:
            for line in f:
                line = line.strip(" \t\n")
                if line:
                    ran = True
                    status = _run([w.replace(replace, line) for w in words], opts, status)
                    if status > 123:
                        return status
        else:
            batch = []
            start = length = sum([len(w) + 1 for w in words])
            for word in _words(f):
                if batch and (most is not None and len(batch) == most or length + len(word) + 1 > size):
                    status = _run(words + batch, opts, status)
                    ran = True
                    if status > 123:
                        return status
                    batch = []
                    length = start
                batch.append(word)
                length += len(word) + 1
            if batch or not ran and "r" not in opts:
                status = _run(words + batch, opts, status)
    return status


def _run(argv, opts, status):
    """Run the command argv; the status xargs has then."""
    if "t" in opts:
        munix.proc().stderr.write(" ".join(argv) + "\n")
    # Each word quoted: the shell reads the line as those words.
    ran = munix.run(" ".join([_quoted(w) for w in argv]))
    if ran == 255:
        return 124
    if ran == 126 or ran == 127 or ran == 130:
        return ran
    return 123 if ran else status


def _quoted(word):
    return "'" + word.replace("'", "'\\''") + "'"


def _words(f):
    """The words of the lines of f: parted by blanks, kept whole by quotes
    and backslashes."""
    for line in f:
        word = []
        has = False
        quote = None
        i = 0
        while i < len(line):
            c = line[i:i + 1]
            i += 1
            if quote is not None:
                if c == quote:
                    quote = None
                elif c == "\n":
                    break
                else:
                    word.append(c)
            elif c == "'" or c == '"':
                quote = c
                has = True
            elif c == "\\" and i < len(line):
                word.append(line[i:i + 1])
                i += 1
                has = True
            elif c in " \t\n":
                if has or word:
                    yield "".join(word)
                word = []
                has = False
            else:
                word.append(c)
        if quote is not None:
            raise ValueError("unmatched %s in the input" % quote)
        if has or word:
            yield "".join(word)
