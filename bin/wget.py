import cmdargs
import munix

USAGE = """URL [-O FILE] [-T SECONDS] [-q] [--no-check-certificate]
  Download URL (http:// or https://, redirects followed) into FILE, by
  default the last part of the URL's path (index.html when it ends in /) in
  the working folder. The body goes to FILE.part, renamed to FILE once
  complete: a failed download leaves no FILE, or the old one as it was.
  HTTPS certificates are checked against the CA bundle upgrade.ca of
  /etc/system.conf (default /etc/ca.pem), by the board's clock: set it
  first (ntpupdate). Options may follow the URL.
  -O FILE     save as FILE; "-O -" prints the body (text) instead
  -T SECONDS  give up when the server is silent that long (default 10)
  -q          quiet: no message once saved
  --no-check-certificate  HTTPS without checking who answers (anyone on
              the way may read or change the file): for boards whose TLS
              cannot check certificates (ESP8266)"""
ABOUT = "download a file over HTTP or HTTPS"

FLAGS, VALUED = "q", "OT"
_NO_CHECK = "--no-check-certificate"
CHUNK = 512


def __main__(args):
    end = args.index("--") if "--" in args else len(args)
    verify = _NO_CHECK not in args[:end]
    args = [a for a in args[:end] if a != _NO_CHECK] + args[end:]
    opts, rest = cmdargs.parse(args, FLAGS, VALUED, operands=1, anywhere=True)
    if not rest:
        raise cmdargs.UsageError("no URL given")
    import httpclient
    url = rest[0]
    try:
        scheme, _, _, path = httpclient.split_url(url)
    except httpclient.HTTPError as e:
        raise cmdargs.UsageError(str(e))
    if scheme == "https" and verify and not httpclient.can_verify():
        return cmdargs.error(url, "this board's TLS cannot check certificates: "
                             "%s downloads it unchecked" % _NO_CHECK)
    timeout = cmdargs.number(opts.get("T", "10"), "number of seconds")
    if timeout < 1:
        raise cmdargs.UsageError("-T takes a number of seconds from 1")
    name = opts.get("O") or path.split("?", 1)[0].rsplit("/", 1)[-1] or "index.html"
    if name != "-":
        import fspath
        target = munix.path(name)
        if fspath.is_protected(target):
            return cmdargs.error(name, fspath.SYSTEM)
        if fspath.isdir(target):
            return cmdargs.error(name, "Is a directory")
    ca = (munix.conf().get("upgrade") or {}).get("ca", "/etc/ca.pem")
    try:
        response = httpclient.get(url, ca=ca, timeout=timeout, verify=verify)
    except httpclient.HTTPError as e:
        return cmdargs.error("", str(e))
    try:
        if name == "-":
            import textcopy
            textcopy.copy(response, munix.proc().stdout, CHUNK)
            return 0
        import fileops
        size = fileops.save(response, target, ".part", CHUNK)
    except httpclient.HTTPError as e:
        return cmdargs.error("", str(e))
    except UnicodeError:
        return cmdargs.error(url, "not a text file (save it with -O FILE)")
    except OSError as e:
        return cmdargs.error(name, e)
    finally:
        response.close()
    if "q" not in opts:
        print("%s: %s saved" % (name, cmdargs.human(size)))
    return 0

