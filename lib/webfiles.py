"""uhttpd's /api/fs, loaded by httpd.py when first needed (and dropped
after, where the heap is small: httpd.unload):

    GET    /api/fs/PATH   a folder's entries as JSON, or the file
    PUT    /api/fs/PATH   upload: received into a temporary file, renamed
                          over PATH only once complete
    DELETE /api/fs/PATH   a file or an empty folder
    POST   /api/fs/PATH   new folders and renames (webmove.py)

Secret files (fsguard) are neither listed nor given, and protected ones
not changed.
"""
import os

import cmdargs
import fspath
import httpd


async def answer(conn, method, path, headers, keep):
    guard = httpd.load("fsguard")
    if method in ("GET", "HEAD"):
        if guard.is_secret(path):
            raise httpd.Error(403, guard.refusal(path, guard.IS_SECRET))
        st = fspath.stat(path)
        if st is None:
            raise httpd.Error(404, "no such file or folder: %s" % path)
        if st[0] & fspath.DIR:
            await conn.json(200, {"path": path, "entries": _listing(path, guard)}, keep,
                            head_only=method == "HEAD")
        else:
            await httpd.load("httpfile").file(conn, path, st, method == "HEAD", headers, keep)
        return
    if method not in ("PUT", "DELETE", "POST"):
        raise httpd.Error(405, "GET, PUT, POST or DELETE a path", "GET, HEAD, PUT, POST, DELETE")
    why = guard.guarded(path)
    if why:
        raise httpd.Error(403, guard.refusal(path, why))
    if method == "POST":
        await httpd.load("webmove").change(conn, method, path, headers, keep)
    elif method == "DELETE":
        await _delete(conn, path, keep)
    else:
        await _upload(conn, path, headers, keep)


def _listing(path, guard):
    entries = []
    for name, folder in sorted(fspath.entries(path)):
        full = fspath.join(path, name)
        if guard.is_secret(full):
            continue
        item = {"name": name, "type": "dir" if folder else "file"}
        if not folder:
            st = fspath.stat(full)
            item["size"] = st[6] if st else 0
        entries.append(item)
    return entries


async def _delete(conn, path, keep):
    st = fspath.stat(path)
    if st is None:
        raise httpd.Error(404, "no such file or folder: %s" % path)
    try:
        if st[0] & fspath.DIR:
            os.rmdir(path)
        else:
            os.remove(path)
    except OSError as e:
        raise httpd.Error(400, "%s: %s" % (path, cmdargs.strerror(e)))
    await conn.json(200, {"deleted": path}, keep)


async def _upload(conn, path, headers, keep):
    body = httpd.load("httpbody")
    n = body.length(conn, headers, conn.server.upload_max)
    if "content-length" not in headers:
        raise httpd.Error(400, "send a Content-Length")
    if fspath.isdir(path):
        raise httpd.Error(400, "%s is a folder" % path)
    folder = fspath.split(path)[0]
    if not fspath.isdir(folder):
        raise httpd.Error(404, "no such folder: %s" % folder)
    existed = fspath.exists(path)
    tmp = "%s.%d.part" % (path, id(conn) & 0xFFFF)
    complete = False
    try:
        deadline = body.deadline(conn)
        left = n
        with open(tmp, "wb") as f:
            while left > 0:
                piece = await body.chunk(conn, left, deadline)
                f.write(piece)
                left -= len(piece)
        fspath.replace(tmp, path)
        complete = True
    finally:
        if not complete:
            try:
                os.remove(tmp)
            except OSError:
                pass
    await conn.json(200 if existed else 201, {"path": path, "size": n}, keep)
