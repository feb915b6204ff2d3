import cmdargs
import strsplit

USAGE = """[-s SEP] [-w] [FIRST [STEP]] LAST
  The numbers from FIRST (1) to LAST by STEP (1; negative to count down),
  one per line or separated by SEP; -w pads them with zeros to one width.
  Whole numbers stay whole; any decimal point makes them decimal."""
ABOUT = "print a sequence of numbers"


def __main__(args):
    sep = "\n"
    width = False
    numbers = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--help":
            raise cmdargs.Help()
        if numbers or not arg.startswith("-") or _is_number(arg):
            numbers.append(arg)
        elif arg == "-w":
            width = True
        elif arg.startswith("-s"):
            if len(arg) == 2 and i >= len(args):
                raise cmdargs.UsageError("-s needs a separator")
            sep = arg[2:] if len(arg) > 2 else args[i]
            i += len(arg) == 2
        elif arg == "--":
            numbers.extend(args[i:])
            break
        else:
            raise cmdargs.UsageError("unknown option %s" % arg)
    if not 1 <= len(numbers) <= 3:
        raise cmdargs.UsageError("give LAST, FIRST LAST or FIRST STEP LAST")
    for word in numbers:
        if not _is_number(word):
            return cmdargs.error(word, "not a number")
    decimal = max([len(strsplit.partition(w, ".")[2]) for w in numbers])
    convert = float if decimal else int
    first, step, last = 1, 1, convert(numbers[-1])
    if len(numbers) > 1:
        first = convert(numbers[0])
    if len(numbers) == 3:
        step = convert(numbers[1])
    if step == 0:
        return cmdargs.error(numbers[1], "the step must not be 0")
    form = "%%.%df" % decimal if decimal else "%d"
    pad = 0
    if width:
        pad = max(len(form % first), len(form % last))
    # Printed 64 numbers at a time: the sequence itself is never in memory.
    out = []
    k = 0
    value = first
    while (value <= last) if step > 0 else (value >= last):
        text = form % value
        if pad and len(text) < pad:
            sign = "-" if text[0] == "-" else ""
            text = sign + "0" * (pad - len(text)) + text[len(sign):]
        out.append(text)
        k += 1
        if len(out) > 64:
            print(sep.join(out[:-1]), end=sep)
            out = out[-1:]
        value = first + k * step
    if out:
        print(sep.join(out))
    return 0


def _is_number(word):
    try:
        float(word)
    except ValueError:
        return False
    return True
