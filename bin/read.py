import cmdargs
import munix

USAGE = """[-r] NAME... | NAME PROMPT
  Read a line from the standard input and split it at the characters of
  $IFS (blanks when unset), as the shell splits words: the first field
  goes into the first NAME and so on, the rest of the line into the last
  NAME; NAMEs left over are set empty. A backslash keeps the next
  character from splitting and, at the end of the line, joins the next
  one (-r: a backslash is a character). upyOS's form: a second argument
  that cannot be a name is a PROMPT shown first (at a terminal), and the
  whole line goes into NAME (read v1 "Enter option: "). At end of input
  the NAMEs are set empty and the status is 1; so is it for a last line
  that no newline ends, which is read as any other (POSIX)."""
ABOUT = "read a line into variables"

def __main__(args):
    opts, names = cmdargs.parse(args, "r")
    if not names:
        raise cmdargs.UsageError("no NAME given")
    prompt = ""
    if len(names) == 2 and not munix.is_name(names[1]):
        prompt = names.pop()
    for name in names:
        if not munix.is_name(name):
            raise cmdargs.UsageError("%s: not a variable name" % name)
    status = 0
    stdin = munix.proc().stdin
    try:
        if prompt or not hasattr(stdin, "readline"):
            line = input(prompt)
        else:
            # A file, a pipe, a here-document: whether a newline ended the line.
            line = stdin.readline()
            if not line:
                raise EOFError
            if line[-1:] == "\n":
                line = line[:-1]
            else:
                status = 1
        if prompt:
            munix.setenv(names[0], line)
            return 0
        chars, quoted = _unescaped(line, "r" in opts)
    except EOFError:
        chars, quoted = "", []
        status = 1
    ifs = munix.getenv("IFS")
    values = _split(chars, quoted, " \t\n" if ifs is None else ifs, len(names))
    for i, name in enumerate(names):
        munix.setenv(name, values[i] if i < len(values) else "")
    return status


def _unescaped(line, raw):
    """The line's characters, its backslashes taken away unless raw, and
    for each whether a backslash quoted it (it splits nothing). Slices,
    as ifsplit takes characters."""
    chars = ""
    quoted = []
    i = 0
    while i < len(line):
        c = line[i:i + 1]
        i += 1
        escaped = c == "\\" and not raw
        if escaped:
            if i == len(line):
                # A backslash at the end: the next line goes on with this one.
                try:
                    line += input()
                except EOFError:
                    pass
                continue
            c = line[i:i + 1]
            i += 1
        chars += c
        quoted.append(escaped)
    return chars, quoted


def _split(text, quoted, ifs, n):
    """At most n fields of text split at the unquoted characters of ifs, as
    the shell splits words (ifsplit.fields); the last holds the rest,
    less its trailing blanks."""
    import ifsplit
    blanks = ifsplit.blanks(ifs)
    start, end = 0, len(text)
    while start < end and text[start:start + 1] in blanks and not quoted[start]:
        start += 1
    fields = ifsplit.fields(text[start:], ifs, quoted[start:], n)[0]
    if len(fields) == n:
        # The last is the rest of the line, less the blanks it ends with.
        rest = end - len(fields[-1])
        while end > rest and text[end - 1:end] in blanks and not quoted[end - 1]:
            end -= 1
        fields[-1] = text[rest:end]
    return fields
