import cmdargs
import munix

USAGE = """OPTSTRING NAME [ARG...]
  Put the next option of the script's arguments (or of the ARGs) in NAME,
  its value in OPTARG and the index of the argument after it in OPTIND;
  status 1 once the options end (at --, - or a word not beginning with -),
  NAME then ?. A letter of OPTSTRING followed by : takes a value, in the
  same word (-fFILE) or the next (-f FILE); options may share a word
  (-ab). An unknown option or a missing value is said, and NAME is ?;
  when OPTSTRING begins with :, nothing is said: NAME is ? for an unknown
  option, : for a missing value, and OPTARG the letter. OPTIND=1 starts
  again; unset, it is 1.
  while getopts ab:c opt; do case $opt in b) echo $OPTARG;; esac; done"""
ABOUT = "take a script's options, one at a time"


def __main__(args):
    if args == ["--help"]:
        raise cmdargs.Help()
    if len(args) < 2:
        raise cmdargs.UsageError("missing OPTSTRING or NAME")
    spec, name = args[0], args[1]
    if not munix.is_name(name):
        raise cmdargs.UsageError("%s: not a variable name" % name)
    sess = munix.session()
    words = args[2:] if len(args) > 2 else sess.positional()[1:]
    try:
        index = max(1, int(munix.getenv("OPTIND", "1")))
    except ValueError:
        index = 1
    # Where the last call stopped inside a word, unless OPTIND moved since.
    at = sess.optoff[1] if sess.optoff is not None and sess.optoff[0] == index else 1
    sess.optoff = None
    munix.unsetenv("OPTARG")
    word = words[index - 1] if index <= len(words) else "-"
    if word == "--" or word[:1] != "-" or len(word) < 2:
        munix.setenv("OPTIND", str(index + (word == "--")))
        munix.setenv(name, "?")
        return 1
    letter = word[at:at + 1]
    at += 1
    if at >= len(word):
        index += 1
        at = 1
    found = spec.find(letter) if letter != ":" else -1
    silent = spec[:1] == ":"
    value = letter
    if found < 0:
        value = "?"
        if silent:
            munix.setenv("OPTARG", letter)
        else:
            _say("unknown option -" + letter)
    elif spec[found + 1:found + 2] == ":":
        if at > 1:
            munix.setenv("OPTARG", word[at:])
            index += 1
            at = 1
        elif index <= len(words):
            munix.setenv("OPTARG", words[index - 1])
            index += 1
        elif silent:
            value = ":"
            munix.setenv("OPTARG", letter)
        else:
            value = "?"
            _say("option -%s needs a value" % letter)
    if at > 1:
        sess.optoff = (index, at)
    munix.setenv("OPTIND", str(index))
    munix.setenv(name, value)
    return 0


def _say(text):
    # The script's usage is wrong, not getopts': its name says whose.
    munix.proc().stderr.write("%s: %s\n" % (munix.session().positional()[0], text))
