import daemonctl

USAGE = (daemonctl.USAGE, """
Serves the board's files to FTP clients (ftp, curl, FUSE mounts) on the
"ftp" port of /etc/system.conf (21; 2121 in the simulator). status counts
logins, downloads (RETR) and uploads.""")
ABOUT = "the FTP daemon: start, stop or show it"


def __main__(args):
    return daemonctl.control("ftp", args, ("ftpd", "fsguard"), 21, b"421 Too many connections, try again later\r\n", 30,
                             b"421 Too many failed logins, try again later\r\n")
