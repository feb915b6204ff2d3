"""The words for an OSError's number (cmdargs.strerror gives them): loaded
for a failure that needs them and dropped after it, as failures are few
and the words would otherwise stay in the heap beside every command that
parses its arguments (cmdargs, where the filesystem's words were: 0.8 KiB
of the esp32 profile's heap)."""

# The filesystem's: their numbers are the same on every port.
_FILES = {
    1: "Operation not permitted",
    2: "No such file or directory",
    5: "I/O error",
    9: "Bad file descriptor",
    12: "Out of memory",
    13: "Permission denied",
    16: "Resource busy",
    17: "File exists",
    20: "Not a directory",
    21: "Is a directory",
    22: "Invalid argument",
    23: "Too many open files in system",
    28: "No space left on device",
    30: "Read-only file system",
    39: "Directory not empty",
}
# A socket's, found by name: the numbers differ between ports. A socket's
# timeout is EAGAIN on some ports, ETIMEDOUT on others.
_SOCKETS = (("ETIMEDOUT", "timed out"), ("EAGAIN", "timed out"),
            ("ECONNREFUSED", "connection refused"), ("ECONNRESET", "connection reset"),
            ("ECONNABORTED", "connection aborted"), ("EPIPE", "connection closed"),
            ("EHOSTUNREACH", "host unreachable"), ("ENETUNREACH", "network unreachable"),
            ("EADDRINUSE", "address in use"))


def strerror(code):
    """What error number code means, or None."""
    text = _FILES.get(code)
    if text is None:
        import errno
        for name, words in _SOCKETS:
            if getattr(errno, name, None) == code:
                return words
    return text
