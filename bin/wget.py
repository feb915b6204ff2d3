import cmdargs
import munix

USAGE = """URL [-O FILE]
  Download URL (http:// or https://, certificates checked against the CA
  bundle upgrade.ca of /etc/system.conf) into FILE, by default the last part
  of the URL's path (index.html for none), in the working folder. The file
  appears only once complete; "-O -" prints the body."""
ABOUT = "download a file over HTTP or HTTPS"

CHUNK = 512


def __main__(args):
    opts, rest = cmdargs.parse(args, "", "O", operands=1)
    if not rest:
        raise cmdargs.UsageError("no URL given")
    import httpclient
    url = rest[0]
    name = opts.get("O") or url.split("?", 1)[0].split("://", 1)[-1].partition("/")[2]
    name = name[name.rfind("/") + 1:] or "index.html"
    ca = (munix.conf().get("upgrade") or {}).get("ca", "/etc/ca.pem")
    try:
        response = httpclient.get(url, ca=ca)
    except httpclient.HTTPError as e:
        return cmdargs.error("", str(e))
    try:
        if name == "-":
            _copy(response, munix.proc().stdout, text=True)
            return 0
        return _save(response, munix.path(name))
    except OSError as e:
        return cmdargs.error("", str(e))
    finally:
        response.close()


def _copy(response, out, text=False):
    import httpclient
    buf = bytearray(CHUNK)
    size = 0
    try:
        while True:
            n = response.readinto(buf)
            if not n:
                return size
            size += n
            out.write(buf[:n].decode() if text else memoryview(buf)[:n])
    except httpclient.HTTPError as e:
        raise OSError(str(e))


def _save(response, path):
    import fspath
    tmp = path + ".part"
    try:
        with open(tmp, "wb") as f:
            size = _copy(response, f)
        fspath.replace(tmp, path)
    except OSError as e:
        try:
            import os
            os.remove(tmp)
        except OSError:
            pass
        return cmdargs.error(path, e if e.args and isinstance(e.args[0], int) else str(e))
    print("%s: %s saved" % (path, cmdargs.human(size)))
    return 0
