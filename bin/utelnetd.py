import daemonctl

USAGE = (daemonctl.USAGE, """
Serves shell sessions to telnet clients on the "telnet" port of
/etc/system.conf (23; 2323 in the simulator), at most "sessions" at once;
a session idle for "idle_s" seconds is closed. status counts logins.""")
ABOUT = "the telnet daemon: start, stop or show it"


def __main__(args):
    return daemonctl.control("telnet", args, ("telnetd", "lineedit", "offload"), 23, b"Too many sessions, try again later.\r\n", 60)
