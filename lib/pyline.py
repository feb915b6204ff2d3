"""Python lines: `> statement` runs Python, `< expression` prints its value,
in a namespace of the session's own that lasts as long as the session
(upyOS compatible: sdata and utls are there, as are sys and os)."""
import os
import sys

import errors


def run(text, sess):
    """Run a Python statement (> line) or print an expression (< line) in
    the session's own namespace."""
    if sess.pyns is None:
        import sdata
        import utls
        sess.pyns = {"sys": sys, "os": os, "sdata": sdata, "utls": utls}
    try:
        if text[0] == ">":
            exec(text[1:].strip(), sess.pyns)
        else:
            print(eval(text[1:].strip(), sess.pyns))
        return 0
    except SystemExit as e:
        return errors.exit_status(e)
    except KeyboardInterrupt:
        return 130
    except Exception as e:
        errors.report("python", e)
        return 1
