import daemonctl

USAGE = (daemonctl.USAGE, """
Serves /www and the JSON API (/api/run, /api/sys, /api/fs/PATH) on the
"http" port of /etc/system.conf (80; 8080 in the simulator), to at most
"sessions" clients at once; a kept-alive connection idle for "idle_s"
seconds is closed, uploads are limited to "upload_max" bytes.""")
ABOUT = "the HTTP daemon: start, stop or show it"


def __main__(args):
    return daemonctl.control("http", args, ("httpd",), 80,
                             b"HTTP/1.1 503 Service Unavailable\r\nServer: munix\r\n"
                             b"Content-Type: application/json\r\nContent-Length: 34\r\n"
                             b"Connection: close\r\n\r\n{\"error\": \"busy, try again later\"}")
