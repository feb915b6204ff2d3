import daemonctl

USAGE = (daemonctl.USAGE, """
Serves shell sessions to telnet clients on the "telnet" port of
/etc/system.conf (23; 2323 in the simulator), at most "sessions" at once;
a session idle for "idle_s" seconds is closed. status counts logins. On
a board with no thread to spare (ESP8266) one client at a time shares the
console instead.""")
ABOUT = "the telnet daemon: start, stop or show it"


def __main__(args):
    if daemonctl.shared_console():
        status = daemonctl.console_unshared(args)
        if status is None:
            import telnetconsole
            status = telnetconsole.control(args, 23)
        return status
    return daemonctl.control("telnet", args, ("telnetd", "lineplain", "lineedit", "offload"), 23, b"Too many sessions, try again later.\r\n", 60,
                             b"Too many failed logins, try again later.\r\n")
