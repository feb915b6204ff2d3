"""Host-side tools for munix: MicroPython provisioning, simulator, build and tests."""


class MunixError(Exception):
    """An expected failure, reported to the user as one line and a non-zero exit status."""
