"""upyOS compatibility: the system data module upyOS programs import.

    sdata.name, version   the system's name and version
    sdata.sid             the board's unique id, in hex
    sdata.initime         when the system started (seconds since the epoch)
    sdata.board           the board description (the board file), in
                          upyOS's format (utls.upyos_board)
    sdata.sysconfig       /etc/system.conf; its "env" is the environment,
                          live: sdata.sysconfig["env"]["x"] = 1 sets $x
    sdata.procs           the running commands and jobs (upyOS's process
                          objects: pid, sts, cmd, args, stt, tid)
    sdata.upyos           run_cmd(LINE), print_msg(TEXT), killall(NAME)
    sdata.debug, log      flags programs read (utls.log prints when log)

Anything else a program sets here (sdata.d0 = display) stays for the
programs and Python lines that come after, as in upyOS. New programs use
the munix module; this one is loaded only by what imports it.
"""
import time

import munix
import process
import system

name = system.NAME
version = system.VERSION
initime = int(time.time()) - system.uptime_ms() // 1000
debug = False
log = False
d0 = None

try:
    import binascii
    import machine
    sid = binascii.hexlify(machine.unique_id()).decode().upper()
except (ImportError, AttributeError):
    sid = "0"


def _cmd(p):
    return p.name


def _stt(p):
    return int(time.time()) - p.elapsed() // 1000


def _tid(p):
    return p.thread


# upyOS's names for what a munix process holds: its command, when it
# started (seconds since the epoch) and its thread. Their code is given to
# the class here, so that it costs nothing until an upyOS program loads
# this module; the class has the names already (threads look in it).
process.Process.cmd = property(_cmd)
process.Process.stt = property(_stt)
process.Process.tid = property(_tid)


class _Procs:
    """The commands and jobs running, each time it is read: not the
    sessions' shells, whose stop would end a session, nor a job that only
    runs one program (the program's own process is listed: the one whose
    proc.sts it reads)."""

    def _list(self):
        import procctl
        found = [p for p in process.table() if not procctl.session_owner(p)]
        wrappers = [q.parent for q in found if q.parent is not None and q.parent.job
                    and q.parent.name == q.name]
        return [p for p in found if p not in wrappers]

    def __iter__(self):
        return iter(self._list())

    def __len__(self):
        return len(self._list())

    def __getitem__(self, i):
        return self._list()[i]


procs = _Procs()


def __getattr__(name):
    # sdata.board, read each time: a loadboard after the import counts.
    if name == "board":
        import utls
        return utls.upyos_board()
    raise AttributeError(name)


class _Env:
    """The calling program's environment as a dict, values of their type
    (see utls)."""

    def __getitem__(self, key):
        if key not in self:
            raise KeyError(key)
        import utls
        return utls.getenv(key)

    def __setitem__(self, key, value):
        import utls
        utls.setenv(key, value)

    def __delitem__(self, key):
        import utls
        utls.unset(key)

    def __contains__(self, key):
        return munix.getenv(key) is not None

    def get(self, key, default=None):
        return self[key] if key in self else default

    def keys(self):
        return list(munix.session().environ())

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self.keys())

    def items(self):
        import utls
        return [(k, utls.getenv(k)) for k in self.keys()]

    def values(self):
        return [v for k, v in self.items()]


class _Config:
    """system.conf, with "env" the live environment and "pfiles" (upyOS's
    protected files) the system's when the file names none."""

    def __getitem__(self, key):
        if key == "env":
            return _env
        if key == "pfiles" and key not in system.conf:
            import fspath
            return list(fspath.PROTECTED)
        return system.conf[key]

    def __setitem__(self, key, value):
        if key == "env":
            raise ValueError("env is the environment: set its variables")
        system.conf[key] = value

    def __contains__(self, key):
        return key in ("env", "pfiles") or key in system.conf

    def get(self, key, default=None):
        return self[key] if key in self else default

    def keys(self):
        return [k for k in system.conf if k not in ("env", "pfiles")] + ["env", "pfiles"]

    def __iter__(self):
        return iter(self.keys())

    def items(self):
        return [(k, self[k]) for k in self.keys()]


_env = _Env()
sysconfig = _Config()


class _System:
    """sdata.upyos: what upyOS programs ask of the system itself."""

    def run_cmd(self, line):
        """Run a command line in the caller's session; its status."""
        return munix.run(line)

    def print_msg(self, message):
        """A system message, highlighted as upyOS shows them."""
        print("\n\x1b[1;37;44m->%s\x1b[0m" % message)

    def killall(self, pattern=""):
        """Ask every command and job whose name contains pattern (all of
        them for "") to stop, but the caller and what runs it."""
        import jobcmd
        mine = jobcmd.lineage(munix.proc())
        for p in procs:
            if pattern in p.name and p not in mine:
                jobcmd.stop(p)


upyos = _System()
