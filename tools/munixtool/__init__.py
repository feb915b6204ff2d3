"""Host-side tools for munix: MicroPython provisioning, simulator, build and tests."""


class MunixError(Exception):
    """An expected failure, reported to the user as one line and a non-zero exit status."""


# The simulator's daemons listen where no root is needed (sysconf.py).
SIM_PORTS = {"telnet": (23, 2323), "FTP": (21, 2121)}


def sim_port_hint(host: str, port: int, service: str) -> str:
    """What to add to a refused connection to this machine on a daemon's
    usual port: where the simulator's daemon listens instead."""
    usual, simulated = SIM_PORTS[service]
    if port == usual and host in ("127.0.0.1", "localhost", "::1"):
        return f"; the simulator's {service} daemon listens on {simulated} (--port {simulated})"
    return ""
