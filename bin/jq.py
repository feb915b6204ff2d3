import cmdargs
import munix
from micropython import const

USAGE = """[-rc] FILTER [FILE]
  Apply FILTER to the JSON value of FILE (the standard input when none, or
  -) and print each result as JSON, indented (objects' keys sorted):
    .            the value itself
    .a.b  ."a b"  .["a b"]   a member of an object (null when missing)
    .[2]  .[-1]  an element of an array, from the end when negative
    .[]          each element of an array, each value of an object
    keys         an object's keys (sorted), an array's indexes
    length       of a string, array or object; a number's absolute value
    A | B        B applied to each result of A (.a[0].b is .a | .[0] | .b)
  The standard input is read whole first, 8K at most: give larger
  values as a FILE, which is read as it goes.
  -r  strings as they are, without quotes
  -c  each result on one line"""
ABOUT = "pick values out of JSON"

_STDIN_MAX = const(8 * 1024)
_IDENT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789"


class _Fail(Exception):
    """A value the filter cannot go through: the message says why."""


def __main__(args):
    opts, rest = cmdargs.parse(args, "rc", operands=2, anywhere=True)
    if not rest:
        raise cmdargs.UsageError("no FILTER given")
    try:
        stages = _compile(rest[0])
    except _Fail as e:
        cmdargs.error(rest[0], "bad filter: %s" % e)
        return 2
    name = rest[1] if len(rest) > 1 else "-"
    try:
        value = _load(name)
    except OSError as e:
        return cmdargs.error(name, e)
    except MemoryError:
        return cmdargs.error(name, "too big for this board's memory")
    except ValueError:
        return cmdargs.error(name, "not valid JSON")
    if value is _load:
        return 0
    out = munix.proc().stdout
    try:
        _run(stages, 0, value, _Printer(out, "r" in opts, "c" in opts))
    except _Fail as e:
        return cmdargs.error("", str(e))
    except RuntimeError:    # the recursion limit: a small board's stack
        return cmdargs.error(name, "nested too deeply")
    return 0


def _load(name):
    """The JSON value of the file name (- the standard input); _load
    itself when there is nothing but blanks."""
    import json
    if name != "-":
        with open(munix.path(name)) as f:
            return json.load(f)
    import fileops
    parts = []
    size = 0
    with fileops.open_input("-") as f:
        for line in f:
            size += len(line)
            if size > _STDIN_MAX:
                raise OSError("standard input larger than %dK: give the value as a FILE"
                              % (_STDIN_MAX // 1024))
            parts.append(line)
    text = "".join(parts)
    if not text.strip():
        return _load
    return json.loads(text)


# The filter, compiled: a list of stages, each "keys", "length" or a path:
# a list of steps, each a key (str), an index (int) or None for each one.


def _compile(text):
    stages = []
    i = _blanks(text, 0)
    while True:
        for word in ("keys", "length"):
            end = i + len(word)
            if text[i:end] == word and (end == len(text) or text[end] not in _IDENT):
                stages.append(word)
                i = end
                break
        else:
            if text[i:i + 1] != ".":
                raise _Fail(_where(text, i))
            steps, i = _path(text, i + 1)
            stages.append(steps)
        i = _blanks(text, i)
        if i == len(text):
            return stages
        if text[i] != "|":
            raise _Fail(_where(text, i))
        i = _blanks(text, i + 1)


def _where(text, i):
    return "unexpected %s at column %d" % (repr(text[i]) if i < len(text) else "end", i + 1)


def _blanks(text, i):
    while i < len(text) and text[i] in " \t\n":
        i += 1
    return i


def _path(text, i):
    """The steps of a path whose first . is before i, and where it ends."""
    steps = []
    dot = True      # just after a .: a name may follow
    while i < len(text):
        c = text[i]
        if dot and c in _IDENT and not c.isdigit():
            start = i
            while i < len(text) and text[i] in _IDENT:
                i += 1
            steps.append(text[start:i])
        elif dot and c == '"':
            key, i = _string(text, i)
            steps.append(key)
        elif c == "[":
            step, i = _bracket(text, _blanks(text, i + 1))
            steps.append(step)
        elif c == "." and not dot:
            i += 1
            dot = True
            continue
        else:
            break
        dot = False
    if dot and steps:
        raise _Fail(_where(text, i))
    return steps, i


def _bracket(text, i):
    if text[i:i + 1] == "]":
        return None, i + 1
    if text[i:i + 1] == '"':
        step, i = _string(text, i)
    else:
        start = i
        if text[i:i + 1] == "-":
            i += 1
        while i < len(text) and text[i].isdigit():
            i += 1
        try:
            step = int(text[start:i])
        except ValueError:
            raise _Fail(_where(text, start))
    i = _blanks(text, i)
    if text[i:i + 1] != "]":
        raise _Fail(_where(text, i))
    return step, i + 1


def _string(text, i):
    import json
    j = i + 1
    while j < len(text) and text[j] != '"':
        j += 2 if text[j] == "\\" else 1
    if j >= len(text):
        raise _Fail("a string not closed at column %d" % (i + 1))
    try:
        return json.loads(text[i:j + 1]), j + 1
    except ValueError:
        raise _Fail("a bad string at column %d" % (i + 1))


def _run(stages, k, value, emit):
    if k == len(stages):
        emit(value)
        return
    stage = stages[k]
    if stage == "keys":
        _run(stages, k + 1, _keys(value), emit)
    elif stage == "length":
        _run(stages, k + 1, _length(value), emit)
    else:
        _walk(stage, 0, value, lambda v: _run(stages, k + 1, v, emit))


def _walk(steps, s, value, emit):
    while s < len(steps):
        step = steps[s]
        s += 1
        if step is None:
            for item in _each(value):
                _walk(steps, s, item, emit)
            return
        value = _index(value, step)
    emit(value)


def _kind(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def _index(value, step):
    if value is None:
        return None
    if isinstance(step, str) and isinstance(value, dict):
        return value.get(step)
    if isinstance(step, int) and isinstance(value, list):
        if step < 0:
            step += len(value)
        return value[step] if 0 <= step < len(value) else None
    raise _Fail("cannot index %s with %s" % (
        _kind(value), '"%s"' % step if isinstance(step, str) else "number"))


def _each(value):
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value[key] for key in sorted(value)]
    raise _Fail("cannot iterate over %s" % _kind(value))


def _keys(value):
    if isinstance(value, dict):
        return sorted(value)
    if isinstance(value, list):
        return list(range(len(value)))
    raise _Fail("%s has no keys" % _kind(value))


def _length(value):
    if value is None:
        return 0
    if isinstance(value, bool):
        raise _Fail("boolean has no length")
    if isinstance(value, (int, float)):
        return abs(value)
    return len(value)


class _Printer:
    """Writes each result as it comes, piece by piece."""

    def __init__(self, out, raw, compact):
        self.out = out
        self.raw = raw
        self.compact = compact

    def __call__(self, value):
        if self.raw and isinstance(value, str):
            self.out.write(value)
        else:
            self._value(value, 0)
        self.out.write("\n")

    def _value(self, value, level):
        write = self.out.write
        if isinstance(value, (list, dict)) and value:
            is_dict = isinstance(value, dict)
            write("{" if is_dict else "[")
            inner = "" if self.compact else "\n" + "  " * (level + 1)
            for n, item in enumerate(sorted(value) if is_dict else value):
                write(("," if n else "") + inner)
                if is_dict:
                    self._scalar(item)
                    write(":" if self.compact else ": ")
                    item = value[item]
                self._value(item, level + 1)
            write(("" if self.compact else "\n" + "  " * level) + ("}" if is_dict else "]"))
        else:
            self._scalar(value)

    def _scalar(self, value):
        import json
        self.out.write(json.dumps(value))
