import cmdargs
import fspath
import munix
import strsplit

USAGE = """URL [-X METHOD] [-H 'NAME: VALUE']... [-d DATA|@FILE] [-u USER:PASSWORD] [-o FILE] [-iIvsfLk]
  Send a request to URL (http:// or https://) and print the body of the
  response (text: save anything else with -o), whatever its status unless
  -f. HTTPS certificates are checked as wget checks them (the CA bundle
  upgrade.ca of /etc/system.conf, default /etc/ca.pem). Options may follow
  the URL.
  -X METHOD   the request's method: GET, or POST with -d
  -H 'NAME: VALUE'  a header to send (-H again for more); 'NAME:' leaves
              out the header curl would send by that name
  -d DATA     send DATA as the body, a form (Content-Type
              application/x-www-form-urlencoded unless -H says otherwise);
              -d @FILE sends the file as it is, read as it goes, and
              -d @- the standard input
  -u USER:PASSWORD  Basic authentication, never sent to another server
              a redirect leads to
  -o FILE     save the body as FILE: written to FILE.part and renamed
              once complete, so that a failed download leaves FILE as it was
  -i          print the response's head before its body
  -I          ask for the head only (method HEAD) and print it
  -v          show the request (>) and response (<) heads on stderr
  -s          silent: no error messages (the status still tells)
  -f          fail on an HTTP error (400 and up): status 1, no body
  -L          follow redirects (up to 10; never from https to http)
  -k          HTTPS without checking who answers (--insecure)
  The long forms --request, --header, --data, --user, --output, --include,
  --head, --verbose, --silent, --fail, --location and --insecure work too."""
ABOUT = "transfer data with HTTP or HTTPS requests"

FLAGS, VALUED = "iIvsfLk", "XHduo"
LONG = {"--request": "X", "--header": "H", "--data": "d", "--user": "u", "--output": "o",
        "--include": "i", "--head": "I", "--verbose": "v", "--silent": "s", "--fail": "f",
        "--location": "L", "--insecure": "k"}
CHUNK = 512
REDIRECTS = 10
TIMEOUT = 10
_FORM = "application/x-www-form-urlencoded"


def __main__(args):
    opts, rest = cmdargs.parse(args, FLAGS, VALUED, 1, True, LONG, "H")
    headers = [_header(h) for h in opts.get("H", ())]
    if not rest:
        raise cmdargs.UsageError("no URL given")
    url = rest[0]
    import httpclient
    try:
        scheme = httpclient.split_url(url)[0]
    except httpclient.HTTPError as e:
        raise cmdargs.UsageError(str(e))
    if _unsafe(url) or _unsafe(opts.get("X", "")):
        raise cmdargs.UsageError("spaces and control characters are not allowed in URL or METHOD "
                                 "(write a space in a URL as %20)")
    auth = opts.get("u")
    if auth is not None and ":" not in auth:
        raise cmdargs.UsageError("-u takes USER:PASSWORD")
    quiet = "s" in opts
    verify = "k" not in opts
    if scheme == "https" and verify and not httpclient.can_verify():
        return _fail(quiet, url, "this board's TLS cannot check certificates: "
                     "-k sends the request unchecked")
    name = opts.get("o", "-")
    if name != "-":
        import fspath
        target = munix.path(name)
        if fspath.is_protected(target):
            return _fail(quiet, name, fspath.SYSTEM)
        if fspath.isdir(target):
            return _fail(quiet, name, "Is a directory")
    body, size = None, 0
    data = opts.get("d")
    if data is not None:
        if not any(h[0].lower() == "content-type" for h in headers):
            headers.insert(0, ("Content-Type", _FORM))
        if data == "@-":
            import fileops
            with fileops.open_input("-", binary=True) as f:
                body = b"".join(f)
        elif data[:1] == "@":
            try:
                body, size = _open(data[1:])
            except OSError as e:
                return _fail(quiet, data[1:], e)
        else:
            body = data.encode()
    method = opts.get("X") or ("HEAD" if "I" in opts else "POST" if body is not None else "GET")
    headers.insert(0, ("Accept", "*/*"))
    ca = (munix.conf().get("upgrade") or {}).get("ca", "/etc/ca.pem")
    proc = munix.proc()
    shown = "v" in opts or "i" in opts or "I" in opts
    echo = _Echo(proc, "v" in opts, "i" in opts or "I" in opts) if shown else None
    import httprequest
    try:
        response = httprequest.request(
            method, url, ca, TIMEOUT, REDIRECTS if "L" in opts else 0, headers, verify,
            body, size, auth, echo, "L" in opts, "f" in opts)
    except httpclient.HTTPError as e:
        return _fail(quiet, "", str(e))
    finally:
        if body is not None and not isinstance(body, bytes):
            body.close()
    try:
        if name == "-":
            import textcopy
            textcopy.copy(response, proc.stdout, CHUNK)
        else:
            import fileops
            fileops.save(response, target, ".part", CHUNK)
    except httpclient.HTTPError as e:
        return _fail(quiet, "", str(e))
    except UnicodeError:
        return _fail(quiet, url, "not a text body (save it with -o FILE)")
    except OSError as e:
        return _fail(quiet, name, e)
    finally:
        response.close()
    return 0


def _header(text):
    name, colon, value = strsplit.partition(text, ":")
    name = name.strip()
    if not colon or not name or _unsafe(name) or "\r" in value or "\n" in value:
        raise cmdargs.UsageError("%s: not a header (NAME: VALUE)" % text)
    return name, value.strip()


def _unsafe(text):
    """Whether text has what would break a request line or header."""
    return any(c <= " " or c == "\x7f" for c in text)


def _open(name):
    """The file name (sent as a body) open, and its size."""
    import fspath
    path = munix.path(name)
    if fspath.isdir(path):
        raise OSError(21)
    f = open(path, "rb")
    f.seek(0, 2)
    size = f.tell()
    f.seek(0)
    return f, size


def _fail(quiet, subject, problem):
    if quiet:
        return 1
    return cmdargs.error(subject, problem)


class _Echo:
    """Shows the lines of the exchange: the request and response heads on
    stderr (-v), the response heads on stdout (-i)."""

    def __init__(self, proc, verbose, include):
        self.proc = proc
        self.verbose = verbose
        self.include = include

    def __call__(self, mark, line):
        if self.verbose:
            self.proc.stderr.write("%s %s\n" % (mark, line))
        if self.include and mark == "<":
            self.proc.stdout.write(line + "\n")
