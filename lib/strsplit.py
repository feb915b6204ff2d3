"""str.partition and str.rpartition for every board: the ESP8266's
firmware leaves them out (MICROPY_PY_BUILTINS_STR_PARTITION). For str and
bytes alike, with CPython's results."""


def partition(text, sep):
    """(before, sep, after) at sep's first place; (text, "", "") without."""
    i = text.find(sep)
    if i < 0:
        return text, text[:0], text[:0]
    return text[:i], sep, text[i + len(sep):]


def rpartition(text, sep):
    """(before, sep, after) at sep's last place; ("", "", text) without."""
    i = text.rfind(sep)
    if i < 0:
        return text[:0], text[:0], text
    return text[:i], sep, text[i + len(sep):]
