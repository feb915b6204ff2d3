import cmdargs
import fspath

USAGE = """-l | -e | FILE
  -l    print /etc/crontab
  -e    edit it (with the editor, when there is one)
  FILE  make FILE the crontab; lines with errors are named, the rest runs
  Lines: MIN HOUR DOM MON DOW CMD (*, 1-5, 1,3, */15, jan, mon; DOM and DOW
  both set: either), @reboot, @hourly, @daily, @weekly, @monthly, @yearly,
  micrOS's WD:H:M:S!CMD (WD 0-6 from Monday, to the second), and
  sunrise!CMD, sunset-30!CMD (needs "location" in /etc/system.conf).
  crond reads the file again when it changes."""
ABOUT = "show, edit or install the cron table"

_EDITORS = ("vi", "edit")


def __main__(args):
    opts, rest = cmdargs.parse(args, "le", operands=1)
    import crontable
    if "l" in opts:
        try:
            with open(crontable.CRONTAB) as f:
                for line in f:
                    print(line, end="")
        except OSError:
            return cmdargs.error(crontable.CRONTAB, "no crontab")
        return 0
    if "e" in opts:
        import munix
        for editor in _EDITORS:
            # Found as the shell finds it: in ROMFS or a pack, vi is
            # /rom/bin's ("No editor here" there).
            if munix.which(editor):
                return munix.run("%s %s" % (editor, crontable.CRONTAB))
        print("No editor here: write %s on the board (its FTP server, mpremote) or "
              "install one with crontab FILE." % crontable.CRONTAB)
        return 0
    if not rest:
        raise cmdargs.UsageError("-l, -e or FILE?")
    import fileops
    import munix
    try:
        with fileops.open_input(rest[0], munix.session().cwd) as f:
            text = "".join(f)
    except OSError as e:
        return cmdargs.error(rest[0], e)
    entries, errors = crontable.parse(text.split("\n"))
    fspath.write_file(crontable.CRONTAB, text)
    for number, message in errors:
        cmdargs.error(rest[0], "line %d: %s" % (number, message))
    print("%s: %d job%s installed" % (crontable.CRONTAB, len(entries), "" if len(entries) == 1 else "s"))
    return 1 if errors else 0
