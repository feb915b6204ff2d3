import cmdargs
import fileops
import munix

USAGE = """[-u | -U N] [-q] FILE1 FILE2
  Print how the lines of FILE2 differ from FILE1's (- is the standard
  input): as POSIX's diff does (`2c2`, `< old`, `---`, `> new`), or with -u
  in the unified form patch reads, N lines of context around each change
  (3 with -u). -q: only whether they differ. Status: 0 the same, 1
  different, 2 when one cannot be read."""
ABOUT = "compare two text files line by line"

# How many changes the search for the fewest looks through at most before
# it takes what is left as one change: its memory grows with their square
# (_most()).
_MOST = 100


def __main__(args):
    opts, files = cmdargs.parse(args, "uq", "U", operands=2)
    if len(files) != 2:
        raise cmdargs.UsageError("give two FILEs")
    context = cmdargs.number(opts["U"], "number of lines") if "U" in opts else 3 if "u" in opts else None
    if context is not None and context < 0:
        raise cmdargs.UsageError("%d: not a number of lines" % context)
    cwd = munix.session().cwd
    texts = []
    for name in files:
        try:
            with fileops.open_input(name, cwd) as f:
                texts.append([line if line[-1:] == "\n" else line + "\n\\ No newline at end of file\n"
                              for line in f])
        except OSError as e:
            cmdargs.error(name, e)
            return 2
        except UnicodeError:
            cmdargs.error(name, "not a text file")
            return 2
    a, b = texts
    changes = _changes(a, b)
    if not changes:
        return 0
    out = munix.proc().stdout
    if "q" in opts:
        out.write("Files %s and %s differ\n" % (files[0], files[1]))
    elif context is None:
        _normal(a, b, changes, out)
    else:
        _unified(a, b, changes, context, files, out)
    return 1


def _changes(a, b):
    """The changes that make b of a, as (i, j, k, l): a[i:j] replaced by
    b[k:l], in order; none when they are the same."""
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    if start == end_a and start == end_b:
        return []
    pairs = _matches(a, b, start, end_a, start, end_b)
    changes = []
    i, k = start, start
    for x, y in pairs + [(end_a, end_b)]:
        if x > i or y > k:
            changes.append((i, x, k, y))
        i, k = x + 1, y + 1
    return changes


def _matches(a, b, lo_a, hi_a, lo_b, hi_b):
    """The pairs (x, y) of lines a[x] == b[y] that Myers's search for the
    fewest changes keeps, in order; past _MOST changes, none."""
    n, m = hi_a - lo_a, hi_b - lo_b
    most = min(n + m, _most())
    offset = most + 1
    v = [0] * (2 * offset + 1)
    trace = []
    for d in range(most + 1):
        # x along each diagonal -d..d after the step before this one.
        trace.append(v[offset - d:offset + d + 1])
        for k in range(-d, d + 1, 2):
            if k == -d or k != d and v[offset + k - 1] < v[offset + k + 1]:
                x = v[offset + k + 1]
            else:
                x = v[offset + k - 1] + 1
            y = x - k
            while x < n and y < m and a[lo_a + x] == b[lo_b + y]:
                x += 1
                y += 1
            v[offset + k] = x
            if x >= n and y >= m:
                return _path(trace, d, n, m, lo_a, lo_b)
    return []


def _most():
    """_MOST, or fewer where a quarter of the free heap cannot hold the
    search's (D + 1) squared words."""
    import gc
    gc.collect()
    return min(_MOST, int((gc.mem_free() // 16) ** 0.5))


def _path(trace, d, n, m, lo_a, lo_b):
    """The matched pairs along the search's way back from (n, m)."""
    pairs = []
    x, y = n, m
    while d > 0:
        v = trace[d]
        k = x - y
        if k == -d or k != d and v[k - 1 + d] < v[k + 1 + d]:
            k_before = k + 1
        else:
            k_before = k - 1
        before = v[k_before + d]
        # The matches after the change that step made.
        while x > before and y > before - k_before:
            x -= 1
            y -= 1
            pairs.append((lo_a + x, lo_b + y))
        x, y = before, before - k_before
        d -= 1
    while x > 0 and y > 0:
        x -= 1
        y -= 1
        pairs.append((lo_a + x, lo_b + y))
    pairs.reverse()
    return pairs


def _span(first, last):
    return "%d,%d" % (first, last) if last > first else "%d" % first


def _normal(a, b, changes, out):
    for i, j, k, l in changes:
        if i == j:
            out.write("%da%s\n" % (i, _span(k + 1, l)))
        elif k == l:
            out.write("%sd%d\n" % (_span(i + 1, j), k))
        else:
            out.write("%sc%s\n" % (_span(i + 1, j), _span(k + 1, l)))
        for line in a[i:j]:
            out.write("< " + line)
        if i < j and k < l:
            out.write("---\n")
        for line in b[k:l]:
            out.write("> " + line)


def _unified(a, b, changes, context, names, out):
    for name, sign in ((names[0], "---"), (names[1], "+++")):
        out.write("%s %s\t%s\n" % (sign, name, _when(name)))
    hunks = []
    for change in changes:
        if hunks and change[0] - hunks[-1][-1][1] <= 2 * context:
            hunks[-1].append(change)
        else:
            hunks.append([change])
    for hunk in hunks:
        a_start = max(hunk[0][0] - context, 0)
        a_end = min(hunk[-1][1] + context, len(a))
        b_start = hunk[0][2] - (hunk[0][0] - a_start)
        b_end = hunk[-1][3] + (a_end - hunk[-1][1])
        out.write("@@ -%s +%s @@\n" % (_range(a_start, a_end), _range(b_start, b_end)))
        at = a_start
        for i, j, k, l in hunk:
            for line in a[at:i]:
                out.write(" " + line)
            for line in a[i:j]:
                out.write("-" + line)
            for line in b[k:l]:
                out.write("+" + line)
            at = j
        for line in a[at:a_end]:
            out.write(" " + line)


def _range(start, end):
    """A unified hunk's range of lines start..end (end not in it)."""
    count = end - start
    if count == 1:
        return "%d" % (start + 1)
    return "%d,%d" % (start + 1 if count else start, count)


def _when(name):
    import time
    if name == "-":
        stamp = time.time()
    else:
        import os
        try:
            stamp = os.stat(munix.path(name))[8]
        except OSError:
            stamp = time.time()
    t = time.localtime(stamp)
    return "%04d-%02d-%02d %02d:%02d:%02d" % t[:6]
