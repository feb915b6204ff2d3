"""Short names for the compiled tree: a module's own private names (the
top-level functions, classes and variables whose names begin with one
underscore) are renamed `_a`, `_b` ... in its compiled form, the same few
in every module.

A board interns every name a module it loads uses, for good, in pools of
names that grow by doubling blocks (a block of 4.5 KiB past 620 names,
on 32-bit boards). munix's modules named their private helpers each its
own way (`_spare`, `_run_body`, `_new_job`): a hundred names or more in the
heap of a board running its daemons, that only their module reads. Shared
short names leave the pools that many names fewer: on the esp8266 profile
`utelnetd start` from ROMFS stayed under 620 names, and started (it ran
out of heap growing the pool before).

A name keeps its name wherever another file could reach it: read as an
attribute of anything but self or cls (`netd._task` in a test), imported
by name, a parameter or keyword, or in a string that is no docstring (a
getattr). keep() finds those in every file given, the tests' and tools'
included; the build compiles again whatever their set changes. Within a
module, a name it also reads as an attribute or defines in a class keeps
it too (shortened()). Before instances' attributes and docstrings were
told apart, they kept some 60 private names of lib/ and bin/ as they
were."""

import ast
import re
import string
from pathlib import Path


# The folders whose modules' names are shortened: the OS's, not a user's.
FOLDERS = ("lib", "bin")


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def keep(files: list[Path]) -> tuple[set[str], set[str]]:
    """(the names that must keep their names, the private names that the
    files of lib/ and bin/ define at their top level)."""
    kept: set[str] = set()
    defined: set[str] = set()
    for path in files:
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue
        # A docstring is no getattr: the names it mentions, to say how the
        # code works, may still be shortened (they kept some 40 of the
        # daemons' private names interned on the boards).
        said = {id(node.body[0].value) for node in ast.walk(tree)
                if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                and node.body and isinstance(node.body[0], ast.Expr)
                and isinstance(node.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                # An instance's attribute is not a module's name (shortened()
                # keeps those of the module's own classes).
                if not isinstance(node.value, ast.Name) or node.value.id not in ("self", "cls"):
                    kept.add(node.attr)
            elif isinstance(node, ast.ImportFrom):
                kept.update(alias.name for alias in node.names)
            elif isinstance(node, ast.arg):
                kept.add(node.arg)
            elif isinstance(node, ast.keyword) and node.arg:
                kept.add(node.arg)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in said:
                kept.update(re.findall(r"_\w+", node.value))
        if path.parent.name in FOLDERS:
            defined |= _top_level(tree)
    return kept, {name for name in defined if _private(name)}


def _top_level(tree: ast.Module | ast.ClassDef) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(alias.asname for alias in node.names if alias.asname)
    return names


def _short_names():
    letters = string.ascii_lowercase + string.ascii_uppercase
    for first in letters:
        yield "_" + first
    for first in letters:
        for second in letters + string.digits:
            yield "_" + first + second


class _Renamer(ast.NodeTransformer):
    def __init__(self, names: dict[str, str]):
        self.names = names

    def visit_Name(self, node):
        node.id = self.names.get(node.id, node.id)
        return node

    def _named(self, node):
        node.name = self.names.get(node.name, node.name)
        self.generic_visit(node)
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _named

    def visit_Global(self, node):
        node.names = [self.names.get(name, name) for name in node.names]
        return node

    visit_Nonlocal = visit_Global

    def visit_alias(self, node):
        if node.asname:
            node.asname = self.names.get(node.asname, node.asname)
        return node


def shortened(text: str, kept: set[str]) -> str | None:
    """The module's source with its private names shortened, or None when
    it has none to shorten."""
    tree = ast.parse(text)
    # The renaming is of names, not attributes: one this module also reads
    # as an attribute (self._lock) or defines in a class, a method's name
    # above all, keeps it.
    own = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            own.add(node.attr)
        elif isinstance(node, ast.ClassDef):
            own |= _top_level(node)
    old = sorted(name for name in _top_level(tree) if _private(name) and name not in kept | own)
    if not old:
        return None
    used = set()
    for node in ast.walk(tree):
        for field in ("id", "name", "arg", "attr", "asname"):
            value = getattr(node, field, None)
            if isinstance(value, str):
                used.add(value)
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            used.update(node.names)
    fresh = (name for name in _short_names() if name not in used)
    _Renamer({name: next(fresh) for name in old}).visit(tree)
    return ast.unparse(tree) + "\n"
