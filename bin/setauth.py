import auth
import cmdargs
import passwd

USAGE = """USER | -d
  USER  set USER's password for telnet, FTP and HTTP logins: asked twice,
        not shown (128 characters at most), stored salted and hashed in
        /etc/shadow
  -d    disable logins: every user removed, the daemons ask no password
With no password ever set, the daemons refuse to start unless given -i."""
ABOUT = "set the password of the network daemons' logins"


def __main__(args):
    opts, rest = cmdargs.parse(args, "d", operands=1)
    if "d" in opts:
        if rest:
            raise cmdargs.UsageError("-d takes no USER")
        passwd.disable()
        print("setauth: logins disabled: the daemons ask no password")
        return 0
    if not rest:
        raise cmdargs.UsageError("no USER given")
    user = rest[0]
    if not passwd.valid_user(user):
        return cmdargs.error(user, "not a user name (letters, digits, _ . -)")
    try:
        first = passwd.ask("New password for %s: " % user)
        second = passwd.ask("Again: ")
    except EOFError:
        return cmdargs.error(None, "no password read")
    if first != second:
        return cmdargs.error(None, "the passwords differ; nothing changed")
    if not first:
        return cmdargs.error(None, "empty password; nothing changed")
    if len(first) > auth.PASSWORD_MAX:
        return cmdargs.error(None, "longer than %d characters; nothing changed" % auth.PASSWORD_MAX)
    passwd.set_password(user, first)
    print("setauth: password of %s set" % user)
    return 0
