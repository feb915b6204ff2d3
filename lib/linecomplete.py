"""Tab completion for the line editor (lineedit.py): the names that
complete a word, and the text a Tab adds. Loaded at a Tab and dropped after
it: a Tab is rare, and the console's editor stays loaded for good."""
import fspath


def text(complete, word, command, write, shown, back):
    """The text that completes word (a command name when command) by the
    names complete(word, command) gives: all of it when one name fits, else
    what the names that fit share, and those are listed (write) when they
    share nothing more. shown is the prompt and line, reprinted after a
    list, the cursor back by back."""
    names = sorted(complete(word, command))
    if not names:
        return ""
    first, last = names[0], names[-1]
    n = len(word)
    while n < len(first) and n < len(last) and first[n] == last[n]:
        n += 1
    if len(names) == 1:
        return first[len(word):] + ("" if first.endswith("/") else " ")
    if n > len(word):
        return first[len(word):n]
    write("\n" + "  ".join(names) + "\n" + shown + "\b" * back)
    return ""


def names(sess, word, command):
    """The names that start with word in session sess: commands (the
    programs in the $PATH folders, without their extension) when command,
    and any word with a / also paths; else paths, folders ending in /."""
    if command and "/" not in word:
        found = set()
        for folder in sess.getenv("PATH", "/bin").split(":"):
            if folder:
                for name, sub in _entries(fspath.abspath(folder, sess.cwd), word):
                    if not sub:
                        dot = name.rfind(".")
                        if dot > 0 and name[dot:] in fspath.PROGRAMS:
                            found.add(name[:dot])
        return found
    i = word.rfind("/") + 1
    folder = fspath.abspath(word[:i] or ".", sess.cwd)
    return [word[:i] + name + ("/" if sub else "")
            for name, sub in _entries(folder, word[i:])]


def _entries(folder, prefix):
    """(name, is_folder) of the entries of folder that start with prefix;
    hidden ones (.name) only when prefix starts with a dot."""
    try:
        for name, sub in fspath.entries(folder):
            if name.startswith(prefix) and (prefix[:1] == "." or name[:1] != "."):
                yield name, sub
    except OSError:
        return
