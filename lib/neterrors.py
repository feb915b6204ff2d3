"""The words for a socket's errors (cmdargs.strerror gives them): loaded
for a failure that needs them and dropped after it, as such failures are
few and the words would otherwise stay in the heap of every board."""

# Found by name: the numbers differ between ports. A socket's timeout is
# EAGAIN on some ports, ETIMEDOUT on others.
ERRORS = (("ETIMEDOUT", "timed out"), ("EAGAIN", "timed out"),
          ("ECONNREFUSED", "connection refused"), ("ECONNRESET", "connection reset"),
          ("ECONNABORTED", "connection aborted"), ("EPIPE", "connection closed"),
          ("EHOSTUNREACH", "host unreachable"), ("ENETUNREACH", "network unreachable"),
          ("EADDRINUSE", "address in use"))


def strerror(code):
    """What socket error number code means, or None."""
    import errno
    for name, text in ERRORS:
        if getattr(errno, name, None) == code:
            return text
    return None
