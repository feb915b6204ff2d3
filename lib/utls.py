"""upyOS compatibility: the utility module upyOS programs import (files,
the environment, dates, sizes, the board's pins, configuration files).
New programs use the munix module; this one is loaded only by a program
or Python line that imports it.

The environment is the shell's: utls.setenv(NAME, VALUE) exports NAME to
every session, as upyOS's one environment is everyone's. upyOS keeps
values of any type there, and munix variables are text: the value given
here is remembered with its text, and getenv gives it back as long as
the variable still holds that text. A number or a truth value keeps its
type when the shell changes the variable to text of that type (incr on
a value set as 5 gives 6, not "6").
"""
import os

import fspath
import munix
import system

MONTH = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAY = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# name -> (the text the variable got, the value given)
_typed = {}


def _path(p):
    return munix.path(p)


def file_exists(path):
    return fspath.stat(_path(path)) is not None


def isdir(path):
    return fspath.isdir(_path(path))


def isfile(path):
    return fspath.isfile(_path(path))


def get_mode(path):
    """The mode word of os.stat (0x4000 a folder, 0x8000 a file); 0 when
    there is nothing there."""
    st = fspath.stat(_path(path))
    return st[0] if st else 0


def get_stat(path):
    """os.stat of path; ten zeros, and a line on stderr, when there is
    nothing there (upyOS programs index the result without checking)."""
    st = fspath.stat(_path(path))
    if st is None:
        munix.proc().stderr.write("get_stat: %s: no such file or folder\n" % path)
        return (0,) * 10
    return st


def getenv(name):
    """The variable's value, of the type it was set with; "" when unset."""
    text = munix.getenv(name)
    if text is None:
        return ""
    kept = _typed.get(name)
    if kept is None:
        return text
    if kept[0] == text:
        return kept[1]
    kind = type(kept[1])
    if kind is bool:
        if text in ("True", "False"):
            return text == "True"
    elif kind is int or kind is float:
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def setenv(name, value):
    """Set and export a variable; an empty name is ignored, as upyOS does."""
    if name == "":
        return
    text = str(value)
    munix.setenv(name, text, export=True)
    if isinstance(value, str):
        _typed.pop(name, None)
    else:
        _typed[name] = (text, value)


def unset(name):
    _typed.pop(name, None)
    munix.unsetenv(name)


unsetenv = unset


def environ():
    """Every variable the calling program sees, each of its type."""
    return {name: getenv(name) for name in munix.session().environ()}


def date2s(secs):
    """DD/M/YYYY of secs since the epoch (upyOS's format, month unpadded)."""
    t = munix.localtime(secs)
    return "%02d/%d/%04d" % (t[2], t[1], t[0])


def time2s(secs, mode=""):
    """HH:MM:SS of secs since the epoch; with "e" in mode, secs is a
    duration: "  Nd HH:MM:SS"."""
    if "e" in mode:
        return "%3dd %02d:%02d:%02d" % (secs // 86400, secs // 3600 % 24, secs // 60 % 60, secs % 60)
    t = munix.localtime(secs)
    return "%02d:%02d:%02d" % (t[3], t[4], t[5])


def load_conf_file(path):
    import json
    with open(_path(path)) as f:
        return json.load(f)


def save_conf_file(obj, path):
    """Write obj as JSON to path, replacing the file only once the new one
    is complete."""
    import json
    fspath.write_file(_path(path), json.dumps(obj))


def protected(path):
    """True for a file the system protects: a boot file, anything under
    /lib, or a path listed in system.conf's "pfiles" (upyOS's list)."""
    p = _path(path)
    return fspath.is_protected(p) or p in system.conf.get("pfiles", ())


def human(size):
    """A size in 8 columns: bytes, K or M with two decimals."""
    if size > 1024 * 1024:
        return "%7.2fM" % (size / (1024 * 1024))
    if size > 1024:
        return "%7.2fK" % (size / 1024)
    return "%7d " % size


def tspaces(text, n=12, ab="a", fc=" "):
    """text padded with fc to n characters, after it ("a") or before; text
    within two characters of n is left as it is."""
    fill = n - len(text)
    if fill < 2:
        return text
    return text + fc * fill if ab == "a" else fc * fill + text


def mac2Str(mac):
    return ":".join(["%02X" % b for b in mac])


def upyos_board():
    """The board file as upyOS's programs read it (sdata.board): one in
    upyOS's format ("gpio": [{GPIO: pin}]) as it is; munix's own (GPIO
    numbers, buses by their number) in upyOS's shape, each GPIO its own
    pin: "i2c", "spi" (its clock "ck" too) and "uart" lists of the buses,
    "ledio" and "rgbio" the LEDs' pins, "mcu" [{"arch", "type"}], "board"
    {"name", "vendor"}, "wifi"."""
    board = system.board
    gpios, upyos = _gpios(board)
    if upyos:
        return board
    view = dict(board)
    view["gpio"] = [gpios]
    for cat in ("i2c", "spi", "uart"):
        if cat in board:
            view[cat] = _buses(board, cat)
    if "spi" in view:
        view["spi"] = [dict(bus, ck=bus["sck"]) if "sck" in bus else bus for bus in view["spi"]]
    for key, name, pin in (("led", "ledio", "led"), ("rgb", "rgbio", "l1")):
        led = board.get(key)
        if isinstance(led, dict) and "pin" in led:
            view[name] = [{pin: led["pin"]}]
    mcu = board.get("mcu", "")
    chip = board.get("chip", mcu)
    arch = "arm" if mcu == "rp2" else "risc-v" if chip[:7] == "ESP32-C" else "xtensa" if mcu[:3] == "esp" else mcu
    view["mcu"] = [{"arch": arch, "type": chip}]
    view["board"] = {"name": board.get("name", ""), "vendor": board.get("vendor", "")}
    try:
        import network
        view["wifi"] = hasattr(network, "WLAN")
    except ImportError:
        view["wifi"] = False
    return view


def _gpios(board):
    """(the board file's {GPIO: pin name}, whether it is in upyOS's
    format); a munix board's GPIOs are each their own pin."""
    table = board.get("gpio")
    if isinstance(table, list) and table and isinstance(table[0], dict):
        return table[0], True
    return {str(g): g for g in table or ()}, False


def _buses(board, cat):
    """The buses of category cat as upyOS lists them: munix's, by their
    number, in its order."""
    buses = board[cat]
    return [buses[k] for k in sorted(buses)] if isinstance(buses, dict) else buses


def getgpio(pin):
    """The GPIO number of the board's pin named pin (its "gpio" table);
    0 when it has none."""
    for gpio, name in _gpios(system.board)[0].items():
        if name == pin:
            return int(gpio)
    return 0


def getgpios(cat, ins):
    """{signal: GPIO number} of controller ins of the board file's
    category cat (getgpios("i2c", 0) -> {"scl": 22, "sda": 21})."""
    found = {}
    board = system.board
    gpios = _gpios(board)[0]
    for signal, pin in _buses(board, cat)[ins].items():
        for gpio, name in gpios.items():
            if name == pin:
                found[signal] = int(gpio)
    return found


def shlex(line):
    """The words of a command line as upyOS splits it: blanks separate,
    quotes group (and are removed), a backslash takes the next character
    as it is."""
    words = []
    word = ""
    quote = None
    escape = False
    started = False
    for c in line:
        if escape:
            word += c
            escape = False
        elif c == "\\":
            escape = True
        elif quote is not None:
            if c == quote:
                quote = None
            else:
                word += c
        elif c in "\"'":
            quote = c
            started = True
        elif c == " ":
            if word:
                words.append(word)
            word = ""
            started = False
        else:
            word += c
    if word:
        words.append(word)
    return words


def sha1(data, is_file=False):
    """The SHA-1 of a text, or of the file named data (read a block at a
    time), in hex; "" for no data."""
    if not data:
        return ""
    import hashlib
    import binascii
    h = hashlib.sha1()
    if is_file:
        with open(_path(data), "rb") as f:
            while True:
                block = f.read(512)
                if not block:
                    break
                h.update(block)
    else:
        h.update(data.encode())
    return binascii.hexlify(h.digest()).decode()


def log(src, msg):
    """Print "src: msg" when sdata.log is on."""
    import sys
    # sdata is looked up, not imported: when nothing loaded it, nothing
    # turned logging on.
    data = sys.modules.get("sdata")
    if data is not None and data.log:
        print("%s: %s" % (src, msg))


def outs(args, val, prt=True):
    """What a program does with its result val: given `> NAME` or `>> NAME`
    in args (quoted past the shell), store it in variable NAME (append
    with >>) or, when NAME has a . or /, write it as a line to that file;
    True then. Otherwise print it (unless prt is False) and return False.
    A `> NAME` the shell took itself never reaches args: the output
    printed here is what the shell puts where it was sent."""
    if ">>" in args:
        at, mode = args.index(">>"), "a"
    elif ">" in args:
        at, mode = args.index(">"), "w"
    else:
        _keep(val)
        if prt:
            print(val)
        return False
    if at + 1 >= len(args):
        munix.proc().stderr.write("missing a name after %s\n" % args[at])
        return False
    target = args[at + 1]
    try:
        if "." in target or "/" in target:
            with open(_path(target), mode) as f:
                f.write(str(val) + "\n")
        elif mode == "a":
            setenv(target, str(getenv(target)) + str(val))
        else:
            setenv(target, val)
    except (OSError, ValueError) as e:
        munix.proc().stderr.write("%s: %s\n" % (target, e))
        return False
    return True


def _keep(val):
    """Hand a result that was not printed to output the shell stores in a
    variable, with its type (upyOS's `df > d` keeps a dict)."""
    keep = getattr(munix.proc().stdout, "keep", None)
    if keep is not None:
        keep(val)


def recovery():
    system.recovery()
