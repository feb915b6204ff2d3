"""uhttpd's POST /api/fs/PATH, loaded by httpd.py when first needed (see
httpd.unload): the web desktop's new folders and renames.

    {"mkdir": true}       -> 201 {"path": PATH}
    {"rename": "/to"}     -> 200 {"path": "/to"}

webfiles.py refuses a protected PATH (fsguard) before; the target of a rename
is asked the same here. A rename never replaces: a target that exists is
409, so that no file is lost by a slip of the mouse.
"""
import os

import cmdargs
import fsguard
import fspath
import httpd


async def change(conn, method, path, headers, keep):
    request = await httpd.load("httpbody").json_object(conn, headers)
    mkdir = request.get("mkdir") is True
    target = request.get("rename")
    if not mkdir and not isinstance(target, str):
        raise httpd.Error(400, "expected a JSON object {\"mkdir\": true} or {\"rename\": \"/new/path\"}")
    if mkdir:
        if fspath.exists(path):
            raise httpd.Error(409, "%s exists" % path)
        _folder(path)
        _do(os.mkdir, path)
        return await conn.json(201, {"path": path}, keep)
    if not target.startswith("/") or "\0" in target:
        raise httpd.Error(400, "rename to an absolute path")
    target = fspath.normpath(target)
    why = fsguard.guarded(target)
    if why:
        raise httpd.Error(403, fsguard.refusal(target, why))
    if not fspath.exists(path):
        raise httpd.Error(404, "no such file or folder: %s" % path)
    if fspath.exists(target):
        raise httpd.Error(409, "%s exists" % target)
    _folder(target)
    if (target + "/").startswith(path.rstrip("/") + "/"):
        raise httpd.Error(400, "%s cannot go into itself" % path)
    _do(os.rename, path, target)
    await conn.json(200, {"path": target}, keep)


def _folder(path):
    """404 unless the folder path goes into exists."""
    folder = fspath.split(path)[0]
    if not fspath.isdir(folder):
        raise httpd.Error(404, "no such folder: %s" % folder)


def _do(action, path, *args):
    try:
        action(path, *args)
    except OSError as e:
        raise httpd.Error(400, "%s: %s" % (path, cmdargs.strerror(e)))
