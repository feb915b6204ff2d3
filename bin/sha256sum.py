import binascii
import hashlib

import cmdargs
import fileops
import munix

USAGE = """[-c] [FILE...]
  Print the SHA-256 digest of each FILE (- or none: the standard input),
  as `DIGEST  FILE`. -c: check the FILEs' lines of that form instead,
  printing `FILE: OK` or `FILE: FAILED`; status 1 when one failed."""
ABOUT = "print or check SHA-256 digests of files"


def __main__(args):
    opts, files = cmdargs.parse(args, "c")
    files = files or ["-"]
    cwd = munix.session().cwd
    out = munix.proc().stdout
    if "c" not in opts:
        status = 0
        for name in files:
            digest = _digest(name, cwd)
            if digest is None:
                status = 1
            else:
                out.write("%s  %s\n" % (digest, name))
        return status
    status = 0
    for name in files:
        try:
            with fileops.open_input(name, cwd) as f:
                for n, line in enumerate(f, 1):
                    line = line.rstrip("\r\n")
                    if not line:
                        continue
                    if len(line) < 67 or line[64:66] not in ("  ", " *"):
                        status = cmdargs.error(name, "line %d: not DIGEST  FILE" % n)
                        continue
                    target = line[66:]
                    digest = _digest(target, cwd)
                    if digest is None:
                        status = 1
                    elif digest == line[:64].lower():
                        out.write("%s: OK\n" % target)
                    else:
                        out.write("%s: FAILED\n" % target)
                        status = 1
        except OSError as e:
            status = cmdargs.error(name, e)
        except UnicodeError:
            status = cmdargs.error(name, "not a text file")
    return status


def _digest(name, cwd):
    """The hexadecimal digest of name's bytes; None, said, when it cannot
    be read."""
    h = hashlib.sha256()
    try:
        with fileops.open_input(name, cwd, True) as f:
            for chunk in fileops.chunks(f):
                h.update(chunk)
    except OSError as e:
        cmdargs.error(name, e)
        return None
    return binascii.hexlify(h.digest()).decode()
