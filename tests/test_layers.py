"""The OS's layering, checked rather than remembered: every lib/ module
sits in a layer and imports only modules of its own layer or those below
(imports inside functions count too); the only loop of imports left is the
shell evaluator's own recursion ($( ) runs a command line, which expands
words); /bin programs use the program API and the helpers meant for
programs, never the kernel's internals."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Bottom up. A new module goes into the lowest layer its imports allow.
LAYERS = [
    # facts and words: what everything reads, importing nothing above
    {"system", "fspath", "shellplain", "plainredir", "plainvars", "shellparse", "shellsyntax", "wordparse", "arith", "inet", "netsock", "sun", "signature", "hmacsha", "loginblock", "upgradeboot",
     "readonly", "shellflow", "wildcard", "streams", "reader", "wordops", "boardinfo", "camctl", "fsguard", "cmdlong",
     "leftovers", "importlock", "replkey", "crontable", "strsplit", "clock", "ifsplit", "errwords",
     "linecomplete", "packfs", "lending"},
    # the process table: processes, sleeping; threads and stop requests
    {"process", "procctl", "threadctl"},
    # who reads and writes where; how a failure is worded; the program API
    # and the helpers programs share
    {"errors", "session", "lineedit", "lineplain", "munix", "munixsh", "cmdargs", "utls", "fileops", "textin",
     "regex", "intvar", "httpclient", "mqtt", "fleetlink", "sysconf", "logfile", "logsession", "pins", "buses", "serialterm", "sleepmodes",
     "httprequest", "textcopy", "vieditor", "leds", "sensing", "analog", "jobthread"},
    # the shell: parser, expansion, evaluator, built-ins, scripts, jobs
    {"shell", "cmdfail", "expansion", "redirect", "shellpipes", "script", "pyline", "shellbuiltins", "shellstate", "shelltrap", "shellcompound", "asyncloop", "asynchost",
     "jobctl", "jobcmd", "sdata"},
    # the kernel: boot, recovery, shutdown; sessions over streams
    {"kernel", "startup", "streamshell"},
    # daemons and services built on the layers below
    {"netd", "netctl", "netguests", "offload", "auth", "passwd", "telnetd", "telnetlogin", "telnetconsole", "ftpd", "ftplist", "ftplogin", "ftpmore", "httpd", "cron", "cronwork", "daemonctl", "upgrade", "fleet", "fleetsign", "fleetjob", "fleetha", "fleetstatus", "fleetnow", "events", "eventcmd", "camweb",
     "httpapi", "httpbody", "httpfile", "httprun", "websession", "websys", "webdash", "webfiles", "webmove", "websocket", "webterm", "webhw", "webmetrics"},
]

# The evaluator's recursion: $( ) (expansion) runs a command line (shell,
# redirect's capture), whose words are expanded.
EVALUATOR = {"shell", "expansion", "redirect"}

# What /bin programs may not import of lib/: the process table, job control,
# sessions and the shell's parts. They use the program API (munix) and the
# helpers meant for programs (cmdargs, fileops, jobcmd ...); the shell and
# the kernel they reach through the program API (below).
INTERNALS = {"startup", "process", "jobctl", "session", "shellbuiltins", "script", "redirect", "shellpipes",
             "expansion", "shellparse", "asyncloop", "streamshell", "system", "errors"}

# lib/ modules that stay loaded once loaded, each for a reason: the core
# the console runs on; the loop, the daemons and their protocols (which
# drop their own code when their last client or task ends); what holds
# state (IRQs and timers, the camera, upyOS's variables, a mounted pack).
# Every other module is a helper that goes after each program on a small
# heap (shell.HELPERS, shell.PARSER): one that stayed by oversight kept
# its code beside the daemons for good (`sensors`, 7 KiB of an esp32's).
STAYING = {
    "system", "kernel", "startup", "process", "session", "shell", "shellflow", "shellplain",
    "errors", "fspath", "strsplit", "importlock", "readonly", "replkey", "leftovers", "lineedit", "lineplain",
    "asyncloop", "asynchost", "netd", "netguests", "netsock", "offload", "streamshell",
    "telnetd", "telnetlogin", "telnetconsole", "ftpd", "ftplist", "ftplogin", "ftpmore",
    "httpd", "httpapi", "httpbody", "httpfile", "httprun", "websession", "websys", "webdash",
    "webfiles", "webmove", "websocket", "webterm", "webhw", "webmetrics", "camweb",
    "cron", "cronwork", "sun", "fleet", "fleetha", "fleetjob", "fleetlink", "fleetnow",
    "fleetsign", "fleetstatus", "mqtt",
    "events", "eventcmd", "camctl", "utls", "sdata", "packfs"}


def modules(folder):
    return {p.stem: p for p in sorted((ROOT / folder).glob("*.py"))}


def imports(path, known):
    """The names of known modules that path imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module.split(".")[0]]
        elif (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__"
              and node.args and isinstance(node.args[0], ast.Constant)):
            names = [str(node.args[0].value).split(".")[0]]
        found.update(n for n in names if n in known)
    return found


def layer_of(name):
    for i, layer in enumerate(LAYERS):
        if name in layer:
            return i
    return None


def test_every_lib_module_has_a_layer():
    lib = modules("lib")
    missing = sorted(name for name in lib if layer_of(name) is None)
    assert not missing, "put these lib/ modules in a layer of tests/test_layers.py: %s" % missing
    gone = sorted(name for layer in LAYERS for name in layer if name not in lib)
    assert not gone, "layers name modules lib/ no longer has: %s" % gone


def test_no_module_imports_a_layer_above_its_own():
    lib = modules("lib")
    upward = []
    for name, path in lib.items():
        mine = layer_of(name)
        for target in sorted(imports(path, lib)):
            theirs = layer_of(target)
            if mine is not None and theirs is not None and theirs > mine:
                upward.append("%s (layer %d) imports %s (layer %d)" % (name, mine, target, theirs))
    assert not upward, "\n".join(upward)


def strongly_connected(edges):
    """Tarjan's strongly connected components of the graph edges."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on.discard(w)
                component.add(w)
                if w == v:
                    break
            found.append(component)

    for v in edges:
        if v not in index:
            visit(v)
    return found


def test_the_only_import_loop_is_the_evaluators_recursion():
    lib = modules("lib")
    edges = {name: imports(path, lib) - {name} for name, path in lib.items()}
    loops = [sorted(c) for c in strongly_connected(edges) if len(c) > 1]
    assert all(set(loop) <= EVALUATOR for loop in loops), loops


def test_programs_use_the_program_api_not_the_kernels_internals():
    lib = modules("lib")
    offenders = []
    for name, path in modules("bin").items():
        used = sorted(imports(path, lib) & INTERNALS)
        if used:
            offenders.append("bin/%s.py imports %s" % (name, ", ".join(used)))
    assert not offenders, "\n".join(offenders)


# What a program reaches through the program API, never directly: the
# shell (munix.run; munixsh's scripts, command lookup and programs'
# modules), the kernel (reset, shutdown) and the configuration's file
# (save_conf). The shell's own commands too (sh, help, which, rmmod): the
# program API is all they need.
THROUGH_MUNIX = {"shell", "kernel", "sysconf"}


def test_programs_reach_the_shell_and_the_kernel_through_munix():
    lib = modules("lib")
    offenders = ["bin/%s.py imports %s" % (name, ", ".join(sorted(used)))
                 for name, path in modules("bin").items()
                 if (used := imports(path, lib) & THROUGH_MUNIX)]
    assert not offenders, "\n".join(offenders)


def test_only_programs_load_the_shells_part_of_the_program_api():
    """munixsh stays out of munix, which every program loads and small
    boards keep: only the shell's own commands load it, and no module of
    lib/ does for them."""
    lib = modules("lib")
    assert not [name for name, path in lib.items() if "munixsh" in imports(path, lib)]


def test_the_check_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("def f():\n    import shell\n    __import__('kernel')\n")
    assert imports(source, {"shell", "kernel"}) == {"shell", "kernel"}


def test_every_lib_module_goes_after_use_or_stays_for_a_reason():
    tree = ast.parse((ROOT / "lib" / "shell.py").read_text())
    dropped = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") in ("HELPERS", "PARSER"):
            dropped.update(ast.literal_eval(node.value).split())
    lib = modules("lib")
    unsaid = sorted(name for name in lib if name not in dropped | STAYING)
    assert not unsaid, ("add these lib/ modules to shell.HELPERS (they go after each program "
                        "on a small heap) or to STAYING here, with the reason: %s" % unsaid)
    both = sorted(dropped & STAYING)
    assert not both, "both dropped and staying: %s" % both


def _constants(path):
    """NAME: value of path's module-level NAME = literal and NAME = const(literal)."""
    found = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "const":
                value = value.args[0]
            try:
                found[node.targets[0].id] = ast.literal_eval(value)
            except ValueError:
                pass
    return found


def test_the_words_vocabulary_is_the_parsers_where_it_is_copied():
    """plainvars and expansion run without the parser, so keep its kinds
    of a word's parts (and plainvars its parameters of one character and
    upyOS's if operators) as constants of their own: the same values."""
    words = ("LIT", "QLIT", "VAR", "QVAR", "SUB", "QSUB", "SPECIAL", "UPYOS_OPS")
    parser = {k.lstrip("_"): v for k, v in _constants(ROOT / "lib" / "shellparse.py").items()
              if k.lstrip("_") in words}
    for name in ("plainvars", "expansion"):
        copied = {k[1:]: v for k, v in _constants(ROOT / "lib" / (name + ".py")).items()
                  if k.startswith("_") and k[1:] in words}
        assert copied and all(parser[k] == v for k, v in copied.items()), (name, copied)
